#!/usr/bin/env python
"""How soon a rebuilt index answers: ``kb index`` with FTS5 in the transaction (the former
path) against FTS5 filled after the commit (``kb.text.search.rebuild(defer_fts=True)`` and then
``kb.text.search.drain_fts``, as ``kb index`` runs now), on copies of one database, in one run.

Run from the repository root on a database the search benchmark built::

    python benchmarks/sooner.py benchmarks/out/search-100000.db --rounds 1

Each round runs both ways one after the other (alternating which goes first), each in a
fresh copy of the database; it prints, per way, the seconds until tantivy answers and until
every index is whole, and their ratios to the former path's whole time.  ``--against REV``
times the deferred path with the code of ``REV`` (a detached git worktree under ``--out``)
and with this checkout's instead, in each round one after the other.

With ``--load CORPUS`` (a JSON Lines file of the search benchmark's synthetic editions,
``harness.corpora.clauses.generate``) it times a load instead, into a new database at the
path given: ``Store.load`` without filling FTS5 (as ``kb load`` does), then the tantivy index
(``kb.text.search.sync``: tantivy answers), then FTS5 (``drain_fts``: every index whole); and,
in the same run, the former order (FTS5 filled by the load, then tantivy), printing the
seconds after the load until tantivy answers each way, and their ratio::

    python benchmarks/sooner.py /tmp/load.db --load corpus-1000000.jsonl --rounds 1
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from harness import HERE, ROOT, checkout, use_this_checkout  # benchmarks/ is first on the path
from harness.files import unlink_db
from harness.rounds import alternating

use_this_checkout()


def _copy(source: Path, target: Path) -> None:
    unlink_db(target)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


#: One rebuild in a child process, with the kb of the checkout it runs in (argv: the database,
#: "1" to defer FTS5): the seconds until tantivy answers and until FTS5 is whole, as JSON.
_REBUILD = """
import json, sys, time
from kb.catalogue.store import Store
from kb.text import search

store = Store(sys.argv[1])
started = time.perf_counter()
try:
    with store.db.atomic():
        count = search.rebuild(store.conn, defer_fts=bool(sys.argv[2]))
    answers = time.perf_counter() - started
    search.drain_fts(store.conn)
    whole = time.perf_counter() - started
    hits = search.search(store.conn, "audit", engine="fts", limit=1).total
    same = hits == search.search(store.conn, "audit", engine="tantivy", limit=1).total
finally:
    store.close()
print(json.dumps({"clauses": count, "tantivy": answers, "whole": whole, "same_total": same}))
"""


def run(db: Path, deferred: bool, root: Path = ROOT) -> dict:
    """One rebuild of ``db`` with the code of ``root``: seconds until tantivy answers, and
    until FTS5 is whole."""
    done = subprocess.run([sys.executable, "-c", _REBUILD, str(db), "1" if deferred else ""],
                          cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
                          stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def load_run(db: Path, corpus: Path, tantivy_first: bool) -> dict:
    """One load of ``corpus`` into a new ``db``: seconds of the load, then until tantivy
    answers and until every index is whole, counted from the load's end."""
    from harness.corpora.clauses import documents

    from kb.catalogue.store import Store
    from kb.text import search

    unlink_db(db)
    store = Store(db)
    try:
        started = time.perf_counter()
        summary = store.load(documents(corpus), fill_fts=not tantivy_first)
        loaded = time.perf_counter()
        search.sync(store.conn)  # what kb load runs after the load
        answers = time.perf_counter()
        search.drain_fts(store.conn)
        whole = time.perf_counter()
        clauses = store.conn.execute("select count(*) from clauses").fetchone()[0]
        hits = search.search(store.conn, "audit", engine="fts", limit=1).total
        same = hits == search.search(store.conn, "audit", engine="tantivy", limit=1).total
    finally:
        store.close()
    unlink_db(db)
    return {"clauses": clauses, "failed": summary.failed, "load": loaded - started,
            "tantivy": answers - loaded, "whole": whole - loaded, "same_total": same}


def load_main(db: Path, corpus: Path, rounds: int) -> None:
    rows = []
    for n, first in alternating((True, False), rounds):
        result = load_run(db, corpus, first)
        rows.append((first, result))
        print(f"round {n + 1} {'tantivy first' if first else 'FTS5 first   '}: {result}",
              file=sys.stderr)
    print(f"{rows[0][1]['clauses']:,} clauses loaded, {rounds} round(s), mean seconds:")
    means = {}
    for first, name in ((False, "former (FTS5 filled by the load)"),
                        (True, "now (tantivy, then FTS5)")):
        group = [r for f, r in rows if f == first]
        means[first] = {k: sum(r[k] for r in group) / len(group)
                        for k in ("load", "tantivy", "whole")}
        m = means[first]
        print(f"  {name}: load {m['load']:.1f} s, then tantivy answers after "
              f"{m['tantivy']:.1f} s, every index after {m['whole']:.1f} s; FTS5 and tantivy "
              f"count the same: {all(r['same_total'] for r in group)}")
    start = {first: m["load"] + m["tantivy"] for first, m in means.items()}
    whole = means[True]["load"] + means[True]["whole"]
    print(f"  from the load's start, tantivy answers after {start[True]:.1f} s "
          f"({start[True] / start[False]:.2f}x the former {start[False]:.1f} s), every index "
          f"after {whole:.1f} s ({whole / start[False]:.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--against", metavar="REV",
                        help="time the code of REV (a git worktree under --out) against this")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--reverse", action="store_true",
                        help="the second way first in odd rounds (a round more, other order)")
    parser.add_argument("--load", type=Path, metavar="CORPUS",
                        help="time a load of this corpus into a new database at DB")
    args = parser.parse_args()
    if args.load:
        load_main(args.db, args.load, args.rounds)
        return
    work = args.db.with_name(args.db.stem + ".sooner.db")
    if args.against:  # the same path, deferred, with the code of REV and with this code
        ways = [(f"{args.against} (deferred)", checkout(args.against, args.out), True),
                ("now (deferred)", ROOT, True)]
    else:
        ways = [("former (FTS5 in the transaction)", ROOT, False),
                ("deferred (FTS5 after the commit)", ROOT, True)]
    results: dict[str, list[dict]] = {name: [] for name, _, _ in ways}
    for n, (name, root, deferred) in alternating(ways[::-1] if args.reverse else ways,
                                                 args.rounds):
        _copy(args.db, work)
        result = run(work, deferred, root)
        results[name].append(result)
        print(f"round {n + 1} {name}: {result}", file=sys.stderr)
    unlink_db(work)
    first = results[ways[0][0]]
    base = sum(r["whole"] for r in first) / len(first)
    print(f"{first[0]['clauses']:,} clauses, {args.rounds} round(s), mean seconds:")
    for name, group in results.items():
        tantivy = sum(r["tantivy"] for r in group) / len(group)
        whole = sum(r["whole"] for r in group) / len(group)
        print(f"  {name}: tantivy answers {tantivy:.1f} s ({tantivy / base:.2f}x the first "
              f"way's whole), every index {whole:.1f} s ({whole / base:.2f}x); FTS5 and "
              f"tantivy count the same: {all(r['same_total'] for r in group)}")


if __name__ == "__main__":
    main()
