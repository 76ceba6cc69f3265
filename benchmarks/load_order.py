#!/usr/bin/env python
"""The whole shared corpus loaded in two orders gives the same facts; what it costs; doctor.

Run from the repository root (needs ../shared/corpus)::

    python benchmarks/load_order.py               # data/, Relaton focus + history + both bulk
                                                  # archives, ISO Open Data, the GB catalogue
    python benchmarks/load_order.py --no-bulk     # the same without the two bulk archives

Each order loads into a fresh database in a child process (``kb load`` path by path, as a
user would); the script then compares :func:`kb.catalogue.facts.snapshot` of the two databases
table by
table, prints the first differences, the load times and peak memory of each order, and the
counts of ``kb doctor`` on the result.  Exit status 1 if the facts differ.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from harness import HERE, ROOT, use_this_checkout  # this folder is first on sys.path
from harness.files import mb, unlink_db  # this folder is first on sys.path
from harness.report import format_table

CORPUS = ROOT.parent / "shared" / "corpus"
use_this_checkout()


def sources(bulk: bool) -> list[Path]:
    relaton = CORPUS / "relaton"
    paths = [ROOT / "data" / "catalogue", relaton / "focus", relaton / "focus-history"]
    if bulk:
        paths += [relaton / "bulk" / "relaton-data-iso-bulk.tar.xz",
                  relaton / "bulk" / "relaton-data-iec-bulk.tar.xz"]
    paths += [CORPUS / "iso-open-data", CORPUS / "gb-catalogue"]
    return paths


def load(db: Path, paths: list[Path]) -> dict:
    """``kb load`` each path in turn into ``db`` in a child process; time and peak RSS."""
    unlink_db(db)
    steps = []
    start = time.perf_counter()
    for path in paths:
        t = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "kb.cli", "load", "--db", str(db), "-q",
                               str(path)], capture_output=True, text=True, cwd=ROOT)
        steps.append({"path": str(path), "seconds": time.perf_counter() - t,
                      "exit": done.returncode, "summary": done.stdout.strip().splitlines()[-1:],
                      "errors": done.stderr.strip().splitlines()[:3]})
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return {"seconds": time.perf_counter() - start, "steps": steps, "peak_rss": peak}


def compare(a: Path, b: Path) -> dict:
    from kb.catalogue import facts

    first = facts.snapshot(sqlite3.connect(a))
    second = facts.snapshot(sqlite3.connect(b))
    out = {}
    for table in first:
        x, y = set(first[table]), set(second[table])
        out[table] = {"rows": len(first[table]), "only_first": sorted(x - y)[:5],
                      "only_second": sorted(y - x)[:5], "differ": len(x ^ y)}
    return out


def doctor(db: Path) -> list[dict]:
    from kb.catalogue import doctor as checks

    return [f.as_dict() for f in checks.run(sqlite3.connect(db))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-bulk", action="store_true", help="leave out the bulk archives")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"the shared corpus is absent: {CORPUS}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    paths = sources(not args.no_bulk)
    runs = {}
    for name, order in (("forward", paths), ("reverse", paths[::-1])):
        print(f"loading {len(order)} paths, {name} …", flush=True)
        runs[name] = load(args.out / f"order-{name}.db", order)
    diff = compare(args.out / "order-forward.db", args.out / "order-reverse.db")
    rows = [(table, f"{d['rows']:,}", f"{d['differ']:,}") for table, d in diff.items()]
    print(format_table(("table", "rows", "rows that differ"), rows, {1, 2}))
    for table, d in diff.items():
        for side in ("only_first", "only_second"):
            for row in d[side]:
                print(f"  {table} {side}: {row}")
    for name, run in runs.items():
        failed = [s for s in run["steps"] if s["exit"]]
        peak = mb(run["peak_rss"])
        print(f"{name}: {run['seconds']:.0f} s, peak RSS of a load {peak:,.0f} MB; "
              + "; ".join(f"{Path(s['path']).name} {s['seconds']:.0f} s "
                                   f"{' '.join(s['summary'])}" for s in run["steps"]))
        for step in failed:
            print(f"  exit {step['exit']}: {step['path']}: {' | '.join(step['errors'])}")
    findings = doctor(args.out / "order-forward.db")
    print(format_table(("check", "count", "examples"),
                       [(f["check"], f"{f['count']:,}", "; ".join(f["examples"][:2]))
                        for f in findings], {1}))
    same = all(d["differ"] == 0 for d in diff.values())
    summary = (f"summary: {'the same facts' if same else 'DIFFERENT facts'} in both orders "
               f"({sum(d['rows'] for d in diff.values()):,} rows); forward "
               f"{runs['forward']['seconds']:.0f} s, reverse {runs['reverse']['seconds']:.0f} s")
    print(summary)
    (args.out / "load_order.json").write_text(json.dumps(
        {"runs": runs, "diff": diff, "doctor": findings, "summary": summary,
         "cpu_count": os.cpu_count()}, indent=1, default=str, ensure_ascii=False))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
