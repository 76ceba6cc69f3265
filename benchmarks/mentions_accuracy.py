#!/usr/bin/env python
"""Recall and precision of the mention finder on the hand-annotated notices, by class.

Run from the repository root::

    python benchmarks/mentions_accuracy.py            # the table
    python benchmarks/mentions_accuracy.py --errors   # and every miss and false hit

The notices and their annotations are in ``tests/fixtures/notices/`` (see its SOURCES.md);
the scoring rules are in ``tests/notices.py``: a gold mention is found when a reported mention
overlaps it and names the same document (committees and government documents: the same span).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import format_table  # noqa: E402

from tests.notices import score  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--errors", action="store_true", help="list misses and false hits")
    args = parser.parse_args()
    result = score()
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
