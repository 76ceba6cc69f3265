#!/usr/bin/env python
"""How soon a rebuilt index answers: ``kb index`` with FTS5 in the transaction (the former
path) against FTS5 filled after the commit (``kb.text.search.rebuild(defer_fts=True)`` and then
``kb.text.search.drain_fts``, as ``kb index`` runs now), on copies of one database, in one run.

Run from the repository root on a database the search benchmark built::

    python benchmarks/sooner.py benchmarks/out/search-100000.db --rounds 1

Each round runs both ways one after the other (alternating which goes first), each in a
fresh copy of the database; it prints, per way, the seconds until tantivy answers and until
every index is whole, and their ratios to the former path's whole time.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import time
from pathlib import Path

from harness import use_this_checkout  # this folder is first on sys.path
from harness.files import unlink_db
from harness.rounds import alternating

use_this_checkout()


def _copy(source: Path, target: Path) -> None:
    unlink_db(target)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def run(db: Path, deferred: bool) -> dict:
    """One rebuild of ``db``: seconds until tantivy answers, and until FTS5 is whole."""
    from kb.catalogue.store import Store
    from kb.text import search

    store = Store(db)
    started = time.perf_counter()
    try:
        with store.db.atomic():
            count = search.rebuild(store.conn, defer_fts=deferred)
        answers = time.perf_counter() - started
        search.drain_fts(store.conn)
        whole = time.perf_counter() - started
        hits = search.search(store.conn, "audit", engine="fts", limit=1).total
        same = hits == search.search(store.conn, "audit", engine="tantivy", limit=1).total
    finally:
        store.close()
    return {"clauses": count, "tantivy": answers, "whole": whole, "same_total": same}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    work = args.db.with_name(args.db.stem + ".sooner.db")
    rows = []
    for n, deferred in alternating((False, True), args.rounds):
        _copy(args.db, work)
        result = run(work, deferred)
        rows.append((deferred, result))
        print(f"round {n + 1} {'deferred' if deferred else 'former  '}: {result}",
              file=sys.stderr)
    unlink_db(work)
    Path(str(work) + ".tantivy.lock").unlink(missing_ok=True)
    shutil.rmtree(str(work) + ".tantivy", ignore_errors=True)
    former = [r for d, r in rows if not d]
    new = [r for d, r in rows if d]
    base = sum(r["whole"] for r in former) / len(former)
    print(f"{former[0]['clauses']:,} clauses, {args.rounds} round(s), mean seconds:")
    for name, group in (("former (FTS5 in the transaction)", former),
                        ("deferred (FTS5 after the commit)", new)):
        tantivy = sum(r["tantivy"] for r in group) / len(group)
        whole = sum(r["whole"] for r in group) / len(group)
        print(f"  {name}: tantivy answers {tantivy:.1f} s ({tantivy / base:.2f}x the former "
              f"whole), every index {whole:.1f} s ({whole / base:.2f}x); FTS5 and tantivy "
              f"count the same: {all(r['same_total'] for r in group)}")


if __name__ == "__main__":
    main()
