#!/usr/bin/env python
"""What collapsing editions costs search (kb.text.search._collapse), and that it stays exact.

Run from the repository root::

    python benchmarks/collapse.py                       # 1 000 000 clauses
    python benchmarks/collapse.py --clauses 100000      # a quick check

Steps: (1) synthetic English editions from the search benchmark's generator
(``harness.corpora.clauses``: the same Zipf vocabulary and clause outlines), where a share
of the works (``--several``, default 0.25) has three editions, each a copy of the one
before with a tenth of its clause texts drawn again
— so most of those works' matches are duplicates, the case collapsing pays for — loaded with
the real store path (``Store.load``) and indexed as ``kb index`` does; (2) for rare, mid and
common words and word pairs, the default search (tantivy, collapsed, no cross-lingual part)
against the same search with nothing to collapse (``_shared`` answering no work of several
editions: same snippets and rows, the raw top 20) and the bare engine query
(``Ranking.search``): latency of each, and the duplicates enumerated; (3) exactness: for
some queries of each class, the collapsed total against ``count(distinct work, language,
number)`` over FTS5's matches in SQL, and the top 20 against the first 20 distinct clauses
of the engine's complete ranking.
Prints a table; writes ``<out>/collapse.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sqlite3
import sys
import time
from pathlib import Path

from harness import HERE, use_this_checkout  # this folder is first on sys.path
from harness.corpora import clauses as corpus
from harness.files import unlink_db
from harness.report import pct, write_json

use_this_checkout()  # measure the kb of this checkout, whatever is installed


def editions(vocab, clauses: int, several: float, seed: int):
    """Yield (designation, clauses) of English editions until ``clauses`` are planned."""
    made, work = 0, 0
    while made < clauses:
        rng = random.Random(f"{seed}/work/{work}")
        number = 90_000 + work
        size = rng.randint(120, 280)
        edition = corpus.make_edition(vocab, seed, work, "en", f"ISO {number}:2000", size)
        rows = edition["clauses"]
        count = 3 if rng.random() < several else 1
        for k in range(count):
            if k:  # the next edition: a tenth of the texts drawn again
                rows = [[n, p, kind, h, corpus.english_text(rng, vocab, len(t.split()), None)
                         if rng.random() < 0.1 else t] for n, p, kind, h, t in rows]
            yield f"ISO {number}:{2000 + 5 * k}", rows
            made += len(rows)
        work += 1


def load(db: Path, vocab, clauses: int, several: float, seed: int) -> dict:
    from kb.catalogue.model import Clause, Document, Edition
    from kb.catalogue.store import Store
    from kb.text import search

    def documents():
        for designation, rows in editions(vocab, clauses, several, seed):
            def records(designation=designation, rows=rows):
                yield Edition(designation=designation, status="current", languages=("en",))
                for order, (number, parent, kind, heading, text) in enumerate(rows):
                    yield Clause(designation=designation, number=number, heading=heading,
                                 text=text, kind=kind, order=order, parent=parent,
                                 language="en")

            digest = hashlib.sha256(f"{seed}{designation}".encode()).hexdigest()
            yield Document(name=designation, loader="benchmark", sha256=digest,
                           records=records)

    started = time.perf_counter()
    store = Store(db)
    try:
        store.load(documents())
    finally:
        store.close()
    loaded = time.perf_counter() - started
    conn = sqlite3.connect(db)
    started = time.perf_counter()
    with conn:
        search.rebuild(conn)
    indexed = time.perf_counter() - started
    total = conn.execute("select count(*) from clauses").fetchone()[0]
    works = conn.execute("select count(distinct work_id), count(*) from editions").fetchone()
    conn.close()
    return {"clauses": total, "works": works[0], "editions": works[1],
            "load_seconds": round(loaded, 1), "index_seconds": round(indexed, 1)}


def queries(vocab, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    words = vocab.en
    return {"rare word": [words[rng.randint(3000, 12000)] for _ in range(20)],
            "mid word": [words[rng.randint(100, 1000)] for _ in range(20)],
            "common word": [words[rng.randint(0, 20)] for _ in range(20)],
            "two words": [f"{words[rng.randint(0, 200)]} {words[rng.randint(200, 3000)]}"
                          for _ in range(20)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clauses", type=int, default=1_000_000)
    parser.add_argument("--several", type=float, default=0.25,
                        help="share of works with three editions")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--reuse", action="store_true", help="keep OUT/collapse.db if there")
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--checks", type=int, default=3, help="exactness checks per class")
    args = parser.parse_args()
    from kb.text import analysis, search, search_fts

    vocab = corpus.Vocabulary(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    db = args.out / "collapse.db"
    res: dict = {}
    if not (args.reuse and db.exists()):
        unlink_db(db)
        res["build"] = load(db, vocab, args.clauses, args.several, args.seed)
        print(res["build"], file=sys.stderr)
    conn = sqlite3.connect(db)
    index = search._folder_engine(conn, "tantivy")
    started = time.perf_counter()
    search._SHARED.clear()
    search._shared(conn)
    res["shared_ms"] = round((time.perf_counter() - started) * 1000, 1)
    classes = queries(vocab, args.seed)
    for q in [q for qs in classes.values() for q in qs]:  # warm up
        search.search(conn, q, cross=False)
    rows = []
    for name, qs in classes.items():
        collapsed, bare, plain, duplicates, totals = [], [], [], [], []
        shared = search._shared
        for q in qs:
            parsed = analysis.parse_query(q)
            started = time.perf_counter()
            index.search(parsed, search.WEIGHTS, {}, 20, 0)
            bare.append(time.perf_counter() - started)
            search._shared = lambda conn: ({}, {})  # the same search, nothing to collapse
            try:
                started = time.perf_counter()
                search.search(conn, q, cross=False)
                plain.append(time.perf_counter() - started)
            finally:
                search._shared = shared
            started = time.perf_counter()
            answer = search.search(conn, q, cross=False)
            collapsed.append(time.perf_counter() - started)
            raw = index.search(parsed, search.WEIGHTS, {}, 1, 0)[0]
            duplicates.append(raw - answer.total)
            totals.append(answer.total)
        checked = exact = 0
        for q in qs[:args.checks]:
            parsed = analysis.parse_query(q)
            distinct = conn.execute(
                "select count(*) from (select distinct e.work_id, c.language, c.number from "
                "clauses_fts f join clauses c on c.rowid = f.rowid join editions e on "
                "e.id = c.edition_id where clauses_fts match ?)",
                (search_fts.match_expression(parsed, []),)).fetchone()[0]
            answer = search.search(conn, q, cross=False)
            total, ranked = index.search(parsed, search.WEIGHTS, {}, 1, 0)
            total, ranked = index.search(parsed, search.WEIGHTS, {}, total, 0)
            seen, first = set(), []
            for score, key in ranked:
                work = key[0].split(":")[0]
                if (work, key[1], key[2]) not in seen:
                    seen.add((work, key[1], key[2]))
                    first.append(round(float(score), 3))
            checked += 1
            exact += (answer.total == distinct == len(seen)
                      and [h["score"] for h in answer.hits] == first[:20])
        rows.append({"class": name, "matches_median": sorted(totals)[len(totals) // 2],
                     "duplicates_median": sorted(duplicates)[len(duplicates) // 2],
                     "bare_ms_p50": round(pct(bare, 0.5) * 1000, 1),
                     "bare_ms_p95": round(pct(bare, 0.95) * 1000, 1),
                     "uncollapsed_ms_p50": round(pct(plain, 0.5) * 1000, 1),
                     "uncollapsed_ms_p95": round(pct(plain, 0.95) * 1000, 1),
                     "collapsed_ms_p50": round(pct(collapsed, 0.5) * 1000, 1),
                     "collapsed_ms_p95": round(pct(collapsed, 0.95) * 1000, 1),
                     "exact": f"{exact}/{checked}"})
    res["classes"] = rows
    print(json.dumps(res, indent=2))
    write_json(args.out / "collapse.json", res, indent=2, ensure_ascii=True)


if __name__ == "__main__":
    main()
