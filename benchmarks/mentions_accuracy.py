#!/usr/bin/env python
"""Recall and precision of the mention finder on the hand-annotated notices, by class.

Run from the repository root::

    python benchmarks/mentions_accuracy.py            # the table
    python benchmarks/mentions_accuracy.py --errors   # and every miss and false hit
    python benchmarks/mentions_accuracy.py --by construction  # by how mentions are written
    python benchmarks/mentions_accuracy.py --resolved # as the bulletin page shows them: each
                                                      # mention also names the edition a
                                                      # knowledge base built from data/ resolves
                                                      # it to
    python benchmarks/mentions_accuracy.py --resolved --with \
        ../shared/corpus/relaton/bulk/relaton-data-iec-bulk.tar.xz   # and the IEC catalogue

The notices and their annotations are in ``tests/fixtures/notices/`` (see its SOURCES.md);
the scoring rules are in ``tests/notices.py``: a gold mention is found when a reported mention
overlaps it and names the same document (committees and government documents: the same span).
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.report import format_table  # noqa: E402

from tests.notices import score  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--errors", action="store_true", help="list misses and false hits")
    parser.add_argument("--by", choices=("kind", "construction"), default="kind",
                        help="count by the kind of mention or by how it is written")
    parser.add_argument("--resolved", action="store_true",
                        help="score mentions with their resolution in a kb built from data/")
    parser.add_argument("--with", dest="extra", action="append", default=[], metavar="PATH",
                        help="with --resolved: also load this catalogue (e.g. the IEC bulk "
                             "archive), as a user would; repeatable")
    args = parser.parse_args()
    if args.resolved:
        with tempfile.TemporaryDirectory() as folder:
            db = Path(folder) / "kb.db"
            subprocess.run([sys.executable, "-m", "kb.cli", "build", "--db", str(db), "-q",
                            *args.extra], check=True, cwd=ROOT)
            result = score(conn=sqlite3.connect(db), by=args.by)
    else:
        result = score(by=args.by)
    kinds = sorted(set(result.gold) | set(result.reported))
    rows = [(k, f"{result.gold[k]}", f"{result.found[k]}", f"{result.recall(k):.1%}",
             f"{result.reported[k]}", f"{result.correct[k]}", f"{result.precision(k):.1%}")
            for k in kinds]
    rows.append(("all", f"{sum(result.gold.values())}", f"{sum(result.found.values())}",
                 f"{result.recall():.1%}", f"{sum(result.reported.values())}",
                 f"{sum(result.correct.values())}", f"{result.precision():.1%}"))
    print(format_table(("class", "gold", "found", "recall", "reported", "correct",
                        "precision"), rows, {1, 2, 3, 4, 5, 6}))
    if args.errors:
        print("\nmisses:\n  " + "\n  ".join(result.misses))
        print("\nfalse hits:\n  " + "\n  ".join(result.false_hits))


if __name__ == "__main__":
    main()
