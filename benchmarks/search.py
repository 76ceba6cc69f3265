#!/usr/bin/env python
"""Clause-text search benchmark of the knowledge base at 1 000 000 clauses.

Run from the repository root::

    python benchmarks/search.py                        # 1 M clauses, everything
    python benchmarks/search.py --clauses 20000 --whoosh-clauses 5000   # a quick check, 2 min

It measures the search design of :mod:`kb.text.search`: each clause analysed once
(:func:`kb.text.analysis.index_text`) and fed to FTS5 inside the database and to the tantivy index
beside it (the default engine), whoosh on request.  Every figure comes from the same run on the
current machine; see benchmarks/README.md for what each one means.  Steps:

1. generate synthetic clause text, half English and half Chinese, in editions of 120–280
   clauses (``ISO 9xxxx:YYYY`` in English, ``GB/T 9xxxx-YYYY`` in Chinese, numbers the embedded
   catalogue does not use), words drawn from a Zipf distribution (s = 1.1) over vocabularies
   of 30 000 words per language whose top ranks are real words; streamed to a JSON Lines file;
2. load it with the real store path, ``Store(db).load(documents)``, one document of Edition
   and Clause records per edition, in a child process (the store indexes what it writes in
   FTS5 as it goes, ``kb.text.search.index_texts``);
3. build every default index as ``kb index`` does: ``kb.text.search.rebuild(conn)`` in one
   transaction (segmentation in a fork pool over the cores, FTS5 and tantivy fed from it), in
   a child process; sizes from ``dbstat`` and the folder;
4. segmentation alone: ``kb.text.analysis.index_text`` over every clause in a fork pool of 2;
5. the whoosh index, which builds at a few hundred clauses a second, on a SUBSET: a copy of
   the database holding the first ``--whoosh-clauses`` clauses (100 000), rebuilt without and
   then with whoosh;
6. a fixed set of 200 queries in classes (rare, mid and very common words, AND, phrases,
   Chinese words, compounds and word pairs, filters), in one process, every engine
   interleaved query by query, one warm-up pass then the timed pass: ``search()`` with
   tantivy and with FTS5, raw FTS5 ``MATCH … ORDER BY rank LIMIT 20``, and on the subset
   whoosh and tantivy;
7. recall@20 of each engine against its own brute-force scoring of every match;
8. ``kb search`` from a cold process, end to end, beside the process start-up.

Peak RSS is each child's own (``os.wait4``); the process tree's (pool workers included) is
sampled from ``/proc``.  The summary table is printed at the end and written, with every raw
figure, to ``<out>/search.json``.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import hashlib
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from harness import HERE, ROOT, report, use_this_checkout  # this folder is first on sys.path
from harness.corpora import clauses as corpus
from harness.corpora.clauses import VOCABULARY, ZH_COMPOUNDS, Vocabulary, edition_plan
from harness.files import file_size, unlink_db
from harness.processes import OtherLoad, run_step, steps, write_result
from harness.progress import bar as _bar
from harness.report import pct, write_json
from search_recall import LIMIT, recall_worker
from search_table import COLUMNS, SUBSET_ENGINES, build_rows, format_table, summary_line

use_this_checkout()  # measure the kb of this checkout, whatever is installed



# =============================================================================================
# 2–5. Child processes: load, index build, segmentation (peak RSS is each child's own)
# =============================================================================================


def _load_worker(result_path: str, db: str, corpus_path: str, total: str) -> None:
    """Load the JSON Lines file with ``Store.load``, one document per edition."""
    write_result(result_path, corpus.load(db, corpus_path, int(total)))


def _index_worker(result_path: str, db: str, total: str, whoosh: str) -> None:
    """``kb index`` (``--whoosh``): ``kb.text.search.rebuild`` in one transaction on a
    Store-opened connection, as the command runs it."""
    from kb.catalogue.store import Store
    from kb.text import search

    bar = _bar(total=int(total), desc="kb index" + (" --whoosh" if whoosh == "1" else ""),
               unit=" clauses")
    fed = [0.0]

    def progress(n: int) -> None:
        bar.update(n)
        fed[0] = time.perf_counter()

    store = Store(db)  # kb index opens the store the same way (same PRAGMAs)
    started = time.perf_counter()
    try:
        with store.db.atomic():
            count = search.rebuild(store.conn, progress=progress, whoosh=whoosh == "1",
                                   defer_fts=True)
            rebuilt = time.perf_counter()
        committed = time.perf_counter()  # tantivy answers from here
        search.drain_fts(store.conn)  # then FTS5 follows, as kb index does
        filled = time.perf_counter()
    finally:
        store.close()
    bar.close()
    write_result(result_path, {"clauses": count, "seconds": filled - started,
                         "tantivy_seconds": committed - started,
                         "fts_fill_seconds": filled - committed,
                         "feed_seconds": (fed[0] or rebuilt) - started,
                         "folders_seconds": rebuilt - (fed[0] or rebuilt),
                         "sqlite_commit_seconds": committed - rebuilt})


def _segment_batch(rows: list[tuple]) -> list:
    """index_text over one batch; [English clauses, their seconds, Chinese, seconds]."""
    from kb.text import analysis

    out = [0, 0.0, 0, 0.0]
    for heading, text, language in rows:
        t = time.perf_counter()
        analysis.index_text(heading, text)
        i = 0 if language == "en" else 2
        out[i] += 1
        out[i + 1] += time.perf_counter() - t
    return out


def _segment_worker(result_path: str, db: str, total: str, workers: str) -> None:
    """``kb.text.analysis.index_text`` over every clause in a fork pool of ``workers``, batches of
    500 read from the database in this process, as ``kb.text.search.rebuild`` spreads them."""
    import multiprocessing

    from kb.text import analysis

    workers_n = int(workers)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    analysis.index_text("预热", "")  # the dictionaries are loaded before the fork, as in kb
    bar = _bar(total=int(total), desc=f"index_text, {workers_n} workers", unit=" clauses")
    sums = [0, 0.0, 0, 0.0]

    def add(part):
        for i, v in enumerate(part):
            sums[i] += v
        bar.update(part[0] + part[2])

    started = time.perf_counter()
    cursor = conn.execute("select heading, text, language from clauses")
    pending: collections.deque = collections.deque()
    with multiprocessing.get_context("fork").Pool(workers_n) as pool:
        while batch := cursor.fetchmany(500):
            pending.append(pool.apply_async(_segment_batch, (batch,)))
            if len(pending) >= 4 * workers_n:
                add(pending.popleft().get())
        while pending:
            add(pending.popleft().get())
    seconds = time.perf_counter() - started
    bar.close()
    conn.close()
    write_result(result_path, {"clauses": sums[0] + sums[2], "seconds": seconds,
                               "workers": workers_n, "en": sums[0], "en_cpu_seconds": sums[1],
                               "zh": sums[2], "zh_cpu_seconds": sums[3]})


def _run_child(step: str, db: Path, *args) -> tuple[dict, dict]:
    """Run ``search.py <step> RESULT DB ARGS...``; return (its result, process figures).

    ``peak_rss_kb`` is from ``os.wait4``: the largest resident set of the child or of any
    process it waited for (its pool workers), each on its own; ``tree_*`` are the sampled
    sums over the child and its live descendants; ``other_cores`` is what the rest of the
    machine used meanwhile (:class:`harness.processes.OtherLoad`).
    """
    return run_step(__file__, step, Path(f"{db}.{step[1:]}-result.json"), db, *args,
                    failed=f"{step[1:]}: the child process", tree=True)


def _sizes(db: Path) -> dict:
    """Bytes per table from ``dbstat`` (FTS5 shadow tables, clauses), the file, and the
    folder indexes beside it."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute(
            "select name from sqlite_master where rootpage > 0 and (name like 'clauses_fts%' "
            "or name like 'terms_fts%' or name = 'clauses')")]
        tables = {}
        for name in names:
            tables[name] = conn.execute(
                "select pgsize from dbstat where name = ? and aggregate = 1", (name,)
            ).fetchone()[0]
        method = "dbstat"
    except sqlite3.OperationalError:  # no dbstat in this SQLite build
        tables, method = {}, "no dbstat"
    finally:
        conn.close()
    folders = {engine: file_size(Path(f"{db}.{engine}")) for engine in ("tantivy", "whoosh")
               if Path(f"{db}.{engine}").is_dir()}
    return {"tables": tables, "method": method, "db_bytes": file_size(db),
            "fts_bytes": sum(v for k, v in tables.items() if k != "clauses"),
            "folders": folders}


def _index_code() -> str:
    """A digest of the code that analyses and indexes: ``--reuse`` rebuilds the indexes
    when it changed (kb.text.search is being worked on)."""
    digest = hashlib.sha1()
    for name in ("analysis", "search", "search_fts", "search_tantivy", "search_whoosh"):
        digest.update((ROOT / "kb" / "text" / f"{name}.py").read_bytes())
    return digest.hexdigest()[:12]


def build_indexes(db: Path, clauses: int) -> dict:
    """Step 3 (kb index) and step 4 (segmentation alone), each in a child process."""
    before = file_size(db)
    print("[3] kb index: segment + FTS5 + tantivy (kb.text.search.rebuild)", file=sys.stderr)
    result, proc = _run_child("_index", db, clauses, 0)
    sizes = _sizes(db)
    index = {**result, **proc, "db_before": before, "sizes": sizes, "code": _index_code()}
    print(f"[4] segmentation alone: kb.text.analysis.index_text, fork pool of {SEGMENT_WORKERS}",
          file=sys.stderr)
    result, proc = _run_child("_segment", db, clauses, SEGMENT_WORKERS)
    return {"index": index, "segment": {**result, **proc}}


def build_subset(db: Path, subset: Path, wanted: int) -> dict:
    """Step 5: a copy of the database holding its first ``wanted`` clauses (by rowid, both
    languages: the editions alternate), rebuilt as ``kb index`` and ``kb index --whoosh``."""
    print(f"[5] subset: the first {wanted:,} clauses, kb index, then kb index --whoosh",
          file=sys.stderr)
    from kb.catalogue.store import Store

    unlink_db(subset)
    started = time.perf_counter()
    Store(subset).close()  # the schema
    conn = sqlite3.connect(str(subset), isolation_level=None)
    try:
        conn.execute("attach database ? as full", (str(db),))
        last = conn.execute("select rowid from full.clauses order by rowid limit 1 offset ?",
                            (wanted - 1,)).fetchone()
        last = last[0] if last else conn.execute("select max(rowid) from full.clauses"
                                                 ).fetchone()[0]
        conn.execute("begin")
        conn.execute("insert into clauses select * from full.clauses where rowid <= ? "
                     "order by rowid", (last,))
        conn.execute("insert into editions select * from full.editions where id in "
                     "(select distinct edition_id from main.clauses)")
        conn.execute("insert into works select * from full.works where id in "
                     "(select work_id from main.editions)")
        conn.execute("insert into sources select * from full.sources where id in "
                     "(select source_id from main.clauses union select source_id from "
                     "main.editions)")
        conn.execute("commit")
        conn.execute("detach database full")
        count = conn.execute("select count(*) from clauses").fetchone()[0]
    finally:
        conn.close()
    copy_seconds = time.perf_counter() - started
    result, proc = _run_child("_index", subset, count, 0)
    plain = {**result, **proc, "sizes": _sizes(subset)}
    result, proc = _run_child("_index", subset, count, 1)
    with_whoosh = {**result, **proc, "sizes": _sizes(subset)}
    return {"clauses": count, "copy_seconds": copy_seconds, "index": plain,
            "whoosh": with_whoosh, "code": _index_code()}


# =============================================================================================
# 6. Queries
# =============================================================================================

CLASSES = (("en-rare", 20), ("en-mid", 20), ("common", 20), ("en-and", 20), ("en-phrase", 15),
           ("zh-word", 25), ("zh-compound", 20), ("zh-2words", 20), ("filter-lang", 14),
           ("filter-std", 13), ("filter-kind", 13))
RARE, MID, COMMON = (10_000, VOCABULARY), (100, 3_000), (0, 10)  # rank ranges (0-based)


def make_queries(vocab: Vocabulary, clauses: int, seed: int, total: int) -> list[dict]:
    """``total`` queries in CLASSES, the same for the same vocabulary, size and seed.

    Phrases and word pairs are taken from the text of the first 20 editions (regenerated
    here), so they occur in the corpus; filtered queries by standard use those editions.
    """
    rng = random.Random(f"{seed}/queries")
    sample = []  # (designation, language, word lists)
    for index, language, designation, count in edition_plan(clauses, seed):
        if index >= 20:
            break
        words: list[list[str]] = []
        corpus.make_edition(vocab, seed, index, language, designation, count, words)
        sample.append((designation, language, words))
    rank = vocab.rank

    def word(language, span):
        return (vocab.en if language == "en" else vocab.zh)[rng.randrange(*span)]

    def adjacent(language, content):
        """Two adjacent words of the sample text: both ranked > 30, or one <= 30 one > 100."""
        texts = [w for _, lang, lists in sample if lang == language for w in lists if len(w) > 1]
        for _ in range(1000):
            words = rng.choice(texts)
            i = rng.randrange(len(words) - 1)
            a, b = words[i], words[i + 1]
            ra, rb = rank[language][a], rank[language][b]
            if min(ra, rb) > 30 if content else (min(ra, rb) <= 30 and max(ra, rb) > 100):
                return a, b
        return word(language, MID), word(language, MID)

    def own_word(span):
        designation, language, lists = rng.choice(sample)
        words = [w for ws in lists for w in ws if span[0] < rank[language][w] <= span[1]]
        return designation, language, rng.choice(words) if words else word(language, MID)

    # the top 10 of each language, interleaved (the, 的, of, 和 …), then ranks 11-30
    commons = [w for pair in zip(vocab.en[:30], vocab.zh[:30], strict=True) for w in pair]
    top10 = set(vocab.en[:10] + vocab.zh[:10])

    def common():
        text = commons.pop(0) if commons else word("en", COMMON)
        return ("top 10" if text in top10 else "top 30"), text, {}

    compounds = iter(ZH_COMPOUNDS)
    makers = {
        "en-rare": [lambda: ("rank > 10 000", word("en", RARE), {})],
        "en-mid": [lambda: ("rank 100-3 000", word("en", MID), {})],
        "common": [common],
        "en-and": [lambda: ("mid+mid", f"{word('en', MID)} {word('en', MID)}", {}),
                   lambda: ("common+mid", f"{word('en', COMMON)} {word('en', MID)}", {}),
                   lambda: ("common+rare", f"{word('en', COMMON)} {word('en', RARE)}", {}),
                   lambda: ("mid+rare", f"{word('en', MID)} {word('en', RARE)}", {}),
                   lambda: ("common+common", f"{word('en', COMMON)} {word('en', COMMON)}", {})],
        "en-phrase": [lambda: ("adjacent, both rank > 30", '"{} {}"'.format(*adjacent("en", True)),
                               {}),
                      lambda: ("adjacent, common + rank > 100",
                               '"{} {}"'.format(*adjacent("en", False)), {})],
        "zh-word": [lambda: ("rank > 10 000", word("zh", RARE), {}),
                    lambda: ("rank 100-3 000", word("zh", MID), {}),
                    lambda: ("domain, rank 11-60", word("zh", (10, 60)), {})],
        "zh-compound": [lambda: ("domain compound", next(compounds, ("风险管理",))[0], {}),
                        lambda: ("adjacent words joined", "".join(adjacent("zh", True)), {}),
                        lambda: ("mid words joined", word("zh", MID) + word("zh", MID), {})],
        "zh-2words": [lambda: ("domain pair", rng.choice(ZH_COMPOUNDS)[1], {}),
                      lambda: ("adjacent words", " ".join(adjacent("zh", True)), {}),
                      lambda: ("mid words", f"{word('zh', MID)} {word('zh', MID)}", {})],
        "filter-lang": [lambda: ("en common, lang=en", word("en", COMMON), {"language": "en"}),
                        lambda: ("zh common, lang=zh", word("zh", COMMON), {"language": "zh"}),
                        lambda: ("en mid, lang=en", word("en", MID), {"language": "en"}),
                        lambda: ("zh mid, lang=zh", word("zh", MID), {"language": "zh"})],
        "filter-std": [lambda: ("common word, standard=", *_standard_query(own_word((0, 10)))),
                       lambda: ("the edition's own mid word, standard=",
                                *_standard_query(own_word(MID)))],
        "filter-kind": [lambda: ("en common, kind=clause", word("en", COMMON), {"kind": "clause"}),
                        lambda: ("zh common, kind=clause", word("zh", COMMON), {"kind": "clause"}),
                        lambda: ("en mid, kind=clause", word("en", MID), {"kind": "clause"}),
                        lambda: ("zh mid, kind=clause", word("zh", MID), {"kind": "clause"})],
    }
    quotas = {name: max(1, round(share * total / 200)) for name, share in CLASSES}
    quotas["zh-word"] += total - sum(quotas.values())
    queries: list[dict] = []
    seen: set = set()
    for name, _ in CLASSES:
        taken, tries = 0, 0
        while taken < quotas[name] and tries < 100 * quotas[name] + 100:
            maker = makers[name][tries % len(makers[name])]
            tries += 1
            sub, text, filters = maker()
            key = (text, tuple(sorted(filters.items())))
            if key in seen:
                continue
            seen.add(key)
            queries.append({"id": len(queries) + 1, "class": name, "sub": sub, "query": text,
                            "filters": filters})
            taken += 1
    return queries


def _standard_query(picked: tuple[str, str, str]) -> tuple[str, dict]:
    """(query, filters) for a word of an edition, filtered by that edition."""
    designation, _language, text = picked
    return text, {"standard": designation}




#: The engines timed, in the order they run for each query (search_table.ENGINE_NAMES: what
#: each one is).
ENGINES = ("tantivy", "tantivy-raw", "fts", "raw", "whoosh", "tantivy-subset")


def _raw_fts(conn: sqlite3.Connection, q: dict) -> list[int]:
    """Raw FTS5: the MATCH expression kb.text.search builds (filters as its scope tokens, the
    language as a condition, as ``kb.text.search_fts.search`` has them), ORDER BY rank LIMIT 20."""
    from kb.text import analysis, search_fts

    f = q["filters"]
    scopes = search_fts.scopes(f.get("standard"), f.get("kind"))
    sql = "select rowid from clauses_fts where clauses_fts match ?"
    params = [search_fts.match_expression(analysis.parse_query(q["query"]), scopes)]
    if f.get("language"):
        sql += " and language = ?"
        params.append(f["language"])
    return [r[0] for r in conn.execute(sql + " order by rank limit ?", [*params, LIMIT])]


class _RawTantivy:
    """The engine under ``search()``: tantivy itself on the same index folder, asked the
    same query (the tantivy query ``kb.text.search_tantivy.Ranking`` builds for the parsed query
    and filters, built before the clock starts), top 20 with the count, each hit's stored
    key read, its text fetched from SQLite and cut into a snippet (the one snippet cutter,
    :func:`kb.text.analysis.snippet`, since the index stores no text).  Left out, so measured
    as our layer: query analysis, the status filter, collapsing editions (the duplicate
    count), cross-lingual hits, paging."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        import tantivy

        from kb.text import search

        self.conn = conn
        self.index = tantivy.Index.open(str(search.index_folder(conn, "tantivy")))
        self.searcher = self.index.searcher()
        self.ranking = search._folder_engine(conn, "tantivy")
        self.prepared: dict[int, tuple] = {}

    def prepare(self, q: dict) -> None:
        """The tantivy query and the parsed query (for snippets), outside the timing."""
        from kb.text import analysis, search, search_tantivy

        f = q["filters"]
        parsed = analysis.parse_query(q["query"])
        editions = None
        if f.get("status"):
            editions = [r[0] for r in self.conn.execute(
                "select id from editions where status = ?", (f["status"],))]
        filters = search.engine_filters(f.get("standard"), f.get("language"), f.get("kind"),
                                        editions)
        self.prepared[q["id"]] = (search_tantivy._query(self.index.schema, parsed,
                                                        search.WEIGHTS, filters), parsed)

    def __call__(self, q: dict) -> list[list]:
        from kb.text import analysis, search

        query, parsed = self.prepared[q["id"]]
        result = self.searcher.search(query, limit=LIMIT, count=True)
        hits = []
        for score, address in result.hits:
            doc = self.searcher.doc(address)
            key = (doc.get_first("edition"), doc.get_first("language"), doc.get_first("number"))
            row = self.conn.execute("select heading, text from clauses where edition_id = ? "
                                    "and language = ? and number = ?", key).fetchone()
            snippet = analysis.snippet((row[1] or row[0] or "") if row else "", parsed,
                                       (search.MARK_START, search.MARK_END))
            hits.append([*key, round(score, 3), snippet])
        return [result.count, hits]


def _query_worker(result_path: str, db: str, subset: str, queries_path: str) -> None:
    """Time every query against the engines: a warm-up pass, then the timed pass, the
    engines interleaved query by query (each sees the same cache state)."""
    from kb.text import search

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)  # as kb.cli opens it
    sub = sqlite3.connect(f"file:{subset}?mode=ro", uri=True) if subset != "-" else None
    queries = json.loads(Path(queries_path).read_text(encoding="utf-8"))

    def through(connection, engine):
        return lambda q: search.search(connection, q["query"], limit=LIMIT, engine=engine,
                                       **q["filters"])

    raw_tantivy = _RawTantivy(conn)
    for q in queries:
        raw_tantivy.prepare(q)
    engines = {"tantivy": through(conn, "tantivy"), "tantivy-raw": raw_tantivy,
               "fts": through(conn, "fts"), "raw": lambda q: _raw_fts(conn, q)}
    if sub is not None:
        engines["whoosh"] = through(sub, "whoosh")
        engines["tantivy-subset"] = through(sub, "tantivy")
    results = {q["id"]: {"ms": {}, "warmup_ms": {}, "total": {}, "hits": {}, "errors": {}}
               for q in queries}
    for phase in ("warmup_ms", "ms"):
        with _bar(total=len(queries) * len(engines), desc=f"queries ({phase[:-3] or 'timed'})",
                  unit=" runs", unit_scale=False) as bar:
            for q in queries:
                r = results[q["id"]]
                for name, engine in engines.items():
                    t = time.perf_counter()
                    try:
                        out = engine(q)
                    except Exception as error:  # recorded per query, the run goes on
                        out = None
                        r["errors"][name] = f"{type(error).__name__}: {error}"
                    r[phase][name] = (time.perf_counter() - t) * 1e3
                    if phase == "ms" and out is not None:
                        if name == "raw":
                            r["total"][name], r["hits"][name] = None, out
                        elif name == "tantivy-raw":
                            r["total"][name] = out[0]
                            r["hits"][name] = [h[:4] for h in out[1]]
                        else:
                            r["total"][name] = out.total
                            r["hits"][name] = [[h["designation"], h["language"], h["clause"],
                                                h["score"]] for h in out.hits]
                    bar.update()
    conn.close()
    if sub is not None:
        sub.close()
    write_result(result_path, {"engines": list(engines), "results": results})


# =============================================================================================
# 7. Recall@20 against brute force (search_recall.py), and the figures of every query
# =============================================================================================


def query_stats(queries: list[dict], engines: list[str]) -> dict:
    """Latency, matches and recall per engine, over all queries and per class (queries that
    raised are left out of the latencies)."""

    def summary(qs: list[dict], engine: str) -> dict:
        ok = [q for q in qs if engine in q["ms"] and engine not in q["errors"]]
        times = [q["ms"][engine] for q in ok]
        totals = [q["total"][engine] for q in ok if q["total"].get(engine) is not None]
        judged = [q["recall"][engine] for q in ok if engine in q.get("recall", {})]
        recalls = [j["recall"] for j in judged]
        slowest = sorted(ok, key=lambda q: q["ms"][engine], reverse=True)[:3]
        return {
            "n": len(times), "p50": pct(times, 0.5), "p95": pct(times, 0.95),
            "max": max(times, default=float("nan")), "sum_ms": sum(times),
            "mean_total": statistics.mean(totals) if totals else None,
            "zero": sum(1 for q in ok if not q["hits"].get(engine)),
            "errors": sum(1 for q in qs if engine in q["errors"]),
            "recall_n": len(recalls),
            "recall_mean": statistics.mean(recalls) if recalls else None,
            "recall_min": min(recalls, default=None),
            "recall_below": sum(1 for r in recalls if r < 1),
            "score_mismatches": sum(j.get("score_mismatches", 0) for j in judged),
            "total_mismatches": sum(1 for j in judged if not j["total_equal"]),
            "ties": sum(1 for j in judged if j["ties_beyond_20"] > 0),
            "slowest": [{"id": q["id"], "query": q["query"], "filters": q["filters"],
                         "ms": q["ms"][engine]} for q in slowest],
        }

    stats: dict = {"overall": {e: summary(queries, e) for e in engines}, "classes": {}}
    for name, _ in CLASSES:
        qs = [q for q in queries if q["class"] == name]
        if qs:
            stats["classes"][name] = {e: summary(qs, e) for e in engines}
    pairs = {}
    for a, b in (("tantivy", "fts"), ("tantivy-subset", "whoosh")):
        both = [q for q in queries if q["total"].get(a) is not None
                and q["total"].get(b) is not None]
        if both:
            differ = [q for q in both if q["total"][a] != q["total"][b]]
            pairs[f"{a}/{b}"] = {"equal": len(both) - len(differ), "of": len(both),
                                 "differ": [{"id": q["id"], "query": q["query"],
                                             a: q["total"][a], b: q["total"][b]}
                                            for q in differ[:10]]}
    stats["same_matches"] = pairs
    both = [q for q in queries if "tantivy" in q["ms"] and "tantivy-raw" in q["ms"]
            and not {"tantivy", "tantivy-raw"} & q["errors"].keys()]
    if both:
        ours = [q["ms"]["tantivy"] for q in both]
        raw = [q["ms"]["tantivy-raw"] for q in both]
        each = [q["ms"]["tantivy"] / max(q["ms"]["tantivy-raw"], 1e-6) for q in both]
        stats["layer"] = {"n": len(both), "p50": pct(ours, 0.5) / pct(raw, 0.5),
                          "p95": pct(ours, 0.95) / pct(raw, 0.95),
                          "each_p50": pct(each, 0.5), "each_p95": pct(each, 0.95),
                          "classes": {}}
        for name, _ in CLASSES:
            qs = [q for q in both if q["class"] == name]
            if qs:
                o = [q["ms"]["tantivy"] for q in qs]
                r = [q["ms"]["tantivy-raw"] for q in qs]
                stats["layer"]["classes"][name] = {"p50": pct(o, 0.5) / pct(r, 0.5),
                                                   "p95": pct(o, 0.95) / pct(r, 0.95)}
    errors: dict[tuple, list] = {}
    for q in queries:
        for engine, message in q["errors"].items():
            errors.setdefault((engine, message), []).append(q["id"])
        for engine, message in q.get("brute_errors", {}).items():
            errors.setdefault((f"brute {engine}", message), []).append(q["id"])
    stats["errors"] = [{"engine": e, "message": m, "queries": ids}
                       for (e, m), ids in errors.items()]
    return stats


# =============================================================================================
# 8. The command line, from a cold process
# =============================================================================================


def _kb_command() -> tuple[list[str], str]:
    """The ``kb`` script beside this interpreter when it runs this checkout's kb (an editable
    install), else ``python -m kb.cli`` from the checkout."""
    script = Path(sys.executable).with_name("kb")
    if script.exists():
        where = subprocess.run([sys.executable, "-c", "import kb; print(kb.__file__)"],
                               capture_output=True, text=True, cwd="/").stdout.strip()
        if where.startswith(str(ROOT) + os.sep):
            return [str(script)], "kb"
    return [sys.executable, "-m", "kb.cli"], "python -m kb.cli"


def cli_runs(db: Path, rounds: int = 5) -> dict:
    """Start-up and ``kb search`` end to end, each the median of ``rounds`` runs; a round
    runs every command once (a first round warms the file cache and is not counted)."""
    kb, kb_name = _kb_command()
    imports = ("import kb.cli, kb.text.search, tantivy; from kb.text import analysis; "
               "analysis.parse_query('审核方案')")
    commands = {
        "startup": ([sys.executable, "-c", "import kb.cli"], "python -c 'import kb.cli'"),
        "startup_search": ([sys.executable, "-c", imports],
                           "+ import kb.text.search, tantivy; parse_query('审核方案')"),
        "zh": (kb + ["search", "--db", str(db), "审核方案"], f"{kb_name} search --db DB 审核方案"),
        "zh_fts": (kb + ["search", "--db", str(db), "--engine", "fts", "审核方案"],
                   f"{kb_name} search --db DB --engine fts 审核方案"),
        "en": (kb + ["search", "--db", str(db), "audit programme"],
               f"{kb_name} search --db DB 'audit programme'"),
    }
    times: dict = {name: [] for name in commands}
    first: dict = {}
    done: dict = {}
    with _bar(total=(rounds + 1) * len(commands), desc="command lines", unit=" runs",
              unit_scale=False) as bar:
        for round_ in range(rounds + 1):
            for name, (command, _) in commands.items():
                t = time.perf_counter()
                done[name] = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
                ms = (time.perf_counter() - t) * 1e3
                if round_:
                    times[name].append(ms)
                else:
                    first[name] = ms
                bar.update()
    return {name: {"command": label, "ms": statistics.median(times[name]),
                   "runs_ms": times[name], "first_ms": first[name],
                   "exit": done[name].returncode, "lines": len(done[name].stdout.splitlines()),
                   "stdout_head": done[name].stdout.splitlines()[:3],
                   "stderr": done[name].stderr.strip()[-300:]}
            for name, (_, label) in commands.items()}

SEGMENT_WORKERS = 2


def _files(out: Path, clauses: int) -> dict:
    db = out / f"search-{clauses}.db"
    return {"corpus": out / f"search-{clauses}.jsonl", "db": db,
            "subset": out / f"search-{clauses}.subset.db",
            "build": out / f"search-{clauses}.build.json",
            "queries": out / f"search-{clauses}.queries.json",
            "timed": out / f"search-{clauses}.timed.json"}


def clean(out: Path, clauses: int) -> None:
    """Delete what a run of ``clauses`` left in ``out`` (databases, index folders, the JSON
    Lines file, intermediate JSON), keeping ``search.json``."""
    files = _files(out, clauses)
    for name in ("db", "subset"):
        unlink_db(files[name])
    for name in ("corpus", "build", "queries", "timed"):
        files[name].unlink(missing_ok=True)
    for path in out.glob(f"search-{clauses}*-result.json"):
        path.unlink()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clauses", type=int, default=1_000_000,
                        help="synthetic clauses, half English, half Chinese (default 1 000 000)")
    parser.add_argument("--whoosh-clauses", type=int, default=100_000,
                        help="the whoosh SUBSET: a copy of the database with its first N "
                             "clauses, indexed with whoosh too (default 100 000; 0: none)")
    parser.add_argument("--out", type=Path, default=HERE / "out",
                        help="folder for the clauses, the databases, the indexes and results")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the databases and indexes of an earlier run with the same "
                             "--clauses and --seed (steps 1-5; the indexes are rebuilt if the "
                             "kb code that builds them changed)")
    parser.add_argument("--keep-corpus", action="store_true",
                        help="keep the JSON Lines file (deleted once loaded by default)")
    parser.add_argument("--clean", action="store_true",
                        help="delete this size's databases, indexes and files at the end")
    parser.add_argument("--clean-only", action="store_true",
                        help="only delete what an earlier run of this size left, and exit")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--queries", type=int, default=200, help="queries (default 200)")
    args = parser.parse_args(argv)
    if args.clauses < 1000 or args.queries < len(CLASSES):
        parser.error(f"--clauses must be >= 1000 and --queries >= {len(CLASSES)}")
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    if args.clean_only:
        clean(out, args.clauses)
        print(f"deleted the files of --clauses {args.clauses} in {out}", file=sys.stderr)
        return
    files = _files(out, args.clauses)
    db, subset = files["db"], files["subset"]
    results_file = out / "search.json"
    wanted_subset = min(args.whoosh_clauses, args.clauses)
    res: dict = {"machine": report.machine(),
                 "clauses": args.clauses, "seed": args.seed, "whoosh_clauses": wanted_subset,
                 "started": dt.datetime.now().isoformat(), "db": str(db),
                 "command": " ".join(["python", "benchmarks/search.py", *sys.argv[1:]])}
    run_started = time.perf_counter()

    def save():
        res["total_seconds"] = time.perf_counter() - run_started
        write_json(results_file, res)
        files["build"].write_text(json.dumps({k: res.get(k) for k in (
            "clauses", "seed", "generate", "load", "build", "subset")}, indent=1),
            encoding="utf-8")

    print(f"[1] vocabularies ({VOCABULARY:,} words each)", file=sys.stderr)
    vocab = Vocabulary(args.seed)
    if args.reuse:
        previous = json.loads(files["build"].read_text()) if files["build"].exists() else {}
        if previous.get("seed") != args.seed or not db.exists() or not previous.get("build"):
            raise SystemExit(f"--reuse: no earlier run of {args.clauses} clauses, seed "
                             f"{args.seed}, in {out}")
        for key in ("generate", "load", "build", "subset"):
            res[key] = previous.get(key)
        if res["build"]["index"].get("code") != _index_code():
            print("[3] kb's analysis or indexing code changed since that run: rebuilt",
                  file=sys.stderr)
            res["build"] = build_indexes(db, res["load"]["clauses"])
            res["subset"] = None
        print(f"[1-4] reusing {db.name}", file=sys.stderr)
    else:
        unlink_db(db)
        print(f"[1] generating {args.clauses:,} clauses into {files['corpus']}", file=sys.stderr)
        load = OtherLoad()
        res["generate"] = corpus.generate(files["corpus"], vocab, args.clauses, args.seed)
        res["generate"]["other_cores"] = load.cores()
        save()
        print(f"[2] loading {files['corpus'].name} into {db}", file=sys.stderr)
        result, proc = _run_child("_load", db, files["corpus"],
                                  args.clauses + res["generate"]["editions"])
        if result["failed"]:
            raise SystemExit(f"load: {result['failed']} documents failed: {result['errors'][:3]}")
        if not args.keep_corpus:
            files["corpus"].unlink()
        sizes = _sizes(db)
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        clauses = conn.execute("select count(*) from clauses").fetchone()[0]
        conn.close()
        res["load"] = {**result, **proc, "clauses": clauses, "db_bytes": sizes["db_bytes"],
                       "clauses_bytes": sizes["tables"].get("clauses", 0),
                       "fts_bytes": sizes["fts_bytes"]}
        save()
        res["build"] = build_indexes(db, clauses)
        save()
    sub = res.get("subset")
    if not wanted_subset:
        res["subset"], res["whoosh_skipped"] = None, True
        unlink_db(subset)
    elif not (sub and sub.get("clauses") == min(wanted_subset, res["load"]["clauses"])
              and sub.get("code") == _index_code() and subset.exists()):
        res["subset"] = build_subset(db, subset, wanted_subset)
    save()

    queries = make_queries(vocab, args.clauses, args.seed, args.queries)
    write_json(files["queries"], queries)
    engines = [e for e in ENGINES if wanted_subset or e not in SUBSET_ENGINES]
    print(f"[6] {len(queries)} queries x {len(engines)} engines, warm-up then timed",
          file=sys.stderr)
    subset_arg = subset if wanted_subset else "-"
    result, proc = _run_child("_queries", db, subset_arg, files["queries"])
    for q in queries:
        q.update(result["results"][str(q["id"])])
    res["query_process"] = proc
    write_json(files["timed"], queries, indent=None)
    print("[7] recall@20: every match scored by each engine", file=sys.stderr)
    result, proc = _run_child("_recall", db, subset_arg, files["timed"])
    for q in queries:
        r = result["results"][str(q["id"])]
        q["recall"], q["brute_ms"], q["brute_errors"] = r["judged"], r["brute_ms"], r["errors"]
    res["recall_process"], res["explain"] = proc, result["explain"]
    res["queries"] = queries
    res["stats"] = query_stats(queries, engines)
    save()
    print("[8] kb search from a cold process", file=sys.stderr)
    load = OtherLoad()
    res["cli"] = cli_runs(db)
    res["cli_other"] = {"other_cores": load.cores()}
    save()

    res["total_seconds"] = time.perf_counter() - run_started
    table = format_table(build_rows(res))
    res["table"] = [dict(zip(COLUMNS, r, strict=True)) for r in build_rows(res)]
    res["table_text"] = table
    res["summary"] = summary_line(res)
    if args.clean:
        clean(out, args.clauses)
    write_json(results_file, res)
    print()
    print(f"standards-kb search benchmark — {args.clauses:,} clauses; {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; "
          f"total {res['total_seconds'] / 60:.1f} min")
    print(table)
    print()
    print(res["summary"])
    print(f"(written to {results_file})")


WORKERS = {"_load": _load_worker, "_index": _index_worker, "_segment": _segment_worker,
           "_queries": _query_worker, "_recall": recall_worker}

if __name__ == "__main__":
    steps(WORKERS, main)
