"""Step 7 of benchmarks/search.py (not run on its own): recall@20 of every engine against its
own brute force, every match of a query scored by the engine itself (``search.py _recall``)."""

from __future__ import annotations

import json
import math
import sqlite3
import time
from pathlib import Path

from harness.processes import write_result
from harness.progress import bar as _bar

LIMIT = 20  # hits asked of every engine


class _AllDocs:
    """Stands in for tantivy's searcher inside ``Ranking.search``: the same query, with
    ``limit`` = every match, so the top-k heap never fills, nothing is skipped and every
    match is scored; documents are not read (a hit's key is its address)."""

    def __init__(self, searcher) -> None:
        self.searcher = searcher
        self.query = None

    def search(self, query, limit, offset=0, count=True):
        self.query = query
        total = self.searcher.search(query, limit=1, count=True).count
        return self.searcher.search(query, limit=max(total, 1), count=True)

    def doc(self, address):
        return _Address(address)


class _Address:
    def __init__(self, address) -> None:
        self.key = (address.segment_ord, address.doc)

    def get_first(self, _field):
        return self.key


class _TantivyBrute:
    """Every match of a query scored by tantivy (``kb.text.search_tantivy.Ranking.search``'s own
    query and filters), and the clause keys mapped to document addresses."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        from kb.text import search
        from kb.text.search_tantivy import Ranking

        outer = self
        self.proxy: _AllDocs | None = None

        class Exhaustive(Ranking):
            def _searcher(self):
                index, searcher = super()._searcher()
                outer.proxy = _AllDocs(searcher)
                return index, outer.proxy

        self.ranking = Exhaustive(search.index_folder(conn, "tantivy"))
        self.explained = 0
        self.explain_max_diff = 0.0

    def scores(self, parsed, filters: dict) -> dict:
        from kb.text import search

        _total, hits = self.ranking.search(parsed, search.WEIGHTS, filters, LIMIT, 0)
        scores = {key[0]: score for score, key in hits}
        self._explain(hits[:LIMIT])
        return scores

    def _explain(self, hits) -> None:
        """An independent check of the scores: tantivy's explanation of a document (the
        scorer on that document alone, no collector) against the score collected."""
        import tantivy

        searcher = self.proxy.searcher
        for score, key in hits:
            segment, doc = key[0]
            address = tantivy.DocAddress(segment, doc)
            value = json.loads(self.proxy.query.explain(searcher, address).to_json())["value"]
            self.explained += 1
            self.explain_max_diff = max(self.explain_max_diff, abs(value - score))

    def ids(self, hits: list) -> list:
        import tantivy

        searcher = self.proxy.searcher
        schema = self.ranking._index.schema
        Occur, Q = tantivy.Occur, tantivy.Query
        out = []
        for designation, language, number, *_ in hits:
            found = searcher.search(Q.boolean_query([
                (Occur.Must, Q.term_query(schema, "edition", designation)),
                (Occur.Must, Q.term_query(schema, "language", language)),
                (Occur.Must, Q.term_query(schema, "number", number))]), limit=1).hits
            out.append((found[0][1].segment_ord, found[0][1].doc) if found else None)
        return out


class _FtsBrute:
    """Every match of a query ranked by FTS5: ``ORDER BY rank`` with no limit (bm25 with the
    weights kb.text.search configured); keys are rowids."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def scores(self, parsed, filters: dict) -> dict:
        """``filters`` as kb.text.search.engine_filters gives them (one value a field here)."""
        from kb.text import search_fts

        one = {field: values[0] for field, values in filters.items()}
        scopes = search_fts.scopes(one.get("scope"), one.get("kind"))
        sql = "select rowid, rank from clauses_fts where clauses_fts match ?"
        params = [search_fts.match_expression(parsed, scopes)]
        if one.get("language"):
            sql += " and language = ?"
            params.append(one["language"])
        return {rowid: -rank for rowid, rank in self.conn.execute(sql + " order by rank",
                                                                  params)}

    def ids(self, hits: list) -> list:
        out = []
        for designation, language, number, *_ in hits:
            row = self.conn.execute("select rowid from clauses where edition_id = ? and "
                                    "language = ? and number = ?",
                                    (designation, language, number)).fetchone()
            out.append(row[0] if row else None)
        return out


class _WhooshAll:
    """Stands in for whoosh's searcher inside ``Whoosh.search``: ``limit=None`` (whoosh's
    UnlimitedCollector, every match scored), hits not read (a hit's key is its document number)."""

    def __init__(self, searcher) -> None:
        self.searcher = searcher

    def up_to_date(self) -> bool:
        return True

    def search_with_collector(self, query, collector):
        """Whoosh.search's query and filter, with whoosh's collector of every match."""
        results = _WhooshResults(self.searcher.search(
            query, limit=None, optimize=False, filter=getattr(collector, "allow", None)))
        collector.results = lambda: results


class _WhooshResults:
    def __init__(self, results) -> None:
        self.results = results

    def __len__(self) -> int:
        return len(self.results)

    def __getitem__(self, item):
        return [_WhooshHit(score, docnum) for score, docnum in self.results.top_n[item]]


class _WhooshHit:
    def __init__(self, score: float, docnum: int) -> None:
        self.score, self.docnum = score, docnum

    def __getitem__(self, _field):
        return self.docnum


class _WhooshBrute:
    """Every match of a query scored by whoosh (``kb.text.search_whoosh.Whoosh.search``'s own
    query and filters, ``limit=None``); keys are document numbers."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        from kb.text import search
        from kb.text.search_whoosh import Whoosh, _whoosh

        self.engine = Whoosh(search.index_folder(conn, "whoosh"))
        index = _whoosh()[2]
        self.searcher = index.open_dir(str(self.engine.folder)).searcher()
        self.engine._searcher = _WhooshAll(self.searcher)

    def scores(self, parsed, filters: dict) -> dict:
        from kb.text import search

        total, hits = self.engine.search(parsed, search.WEIGHTS, filters, 1 << 30, 0)
        return {key[0]: score for score, key in hits}

    def ids(self, hits: list) -> list:
        return [self.searcher.document_number(key=f"{d}\0{lang}\0{n}")
                for d, lang, n, *_ in hits]


def _judge(scores: dict, ids: list, hits: list | None, total: int | None) -> dict:
    """recall@20 of one engine's top 20 against the brute force's, ties at the 20th score
    counted as matches; and whether its scores and total agree with the brute force's."""
    n = len(scores)
    expected = min(LIMIT, n)
    if expected:
        floor = sorted(scores.values(), reverse=True)[expected - 1]
        floor -= 1e-6 * max(1.0, abs(floor))
    else:
        floor = math.inf
    matched = sum(1 for i in ids[:LIMIT] if i in scores and scores[i] >= floor)
    tied = sum(1 for s in scores.values() if s >= floor) - expected
    out = {"brute_total": n, "expected": expected, "matched": matched, "returned": len(ids),
           "recall": matched / expected if expected else (1.0 if not ids else 0.0),
           "ties_beyond_20": tied, "total_equal": total is None or total == n}
    if hits and len(hits[0]) > 3:  # a score per hit: it should be the brute force's
        out["score_mismatches"] = sum(
            1 for i, h in zip(ids, hits, strict=True)
            if i in scores and abs(scores[i] - h[3]) > 6e-4 + 1e-5 * abs(scores[i]))
    return out


def recall_worker(result_path: str, db: str, subset: str, queries_path: str) -> None:
    """For every query and engine, every match scored by the engine itself, and recall@20
    of the timed pass's top 20 against it."""
    from kb.text import analysis, search

    queries = json.loads(Path(queries_path).read_text(encoding="utf-8"))
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    brutes = {"tantivy": (_TantivyBrute(conn), ("tantivy", "tantivy-raw")),
              "fts": (_FtsBrute(conn), ("fts", "raw"))}
    if subset != "-":
        sub = sqlite3.connect(f"file:{subset}?mode=ro", uri=True)
        brutes["whoosh"] = (_WhooshBrute(sub), ("whoosh",))
        brutes["tantivy-subset"] = (_TantivyBrute(sub), ("tantivy-subset",))
    out: dict = {}
    with _bar(total=len(queries) * len(brutes), desc="brute force", unit=" runs",
              unit_scale=False) as bar:
        for q in queries:
            r = out[q["id"]] = {"brute_ms": {}, "judged": {}, "errors": {}}
            f = q["filters"]
            filters = search.engine_filters(f.get("standard"), f.get("language"),
                                            f.get("kind"))
            for name, (brute, judged) in brutes.items():
                bar.update()
                t = time.perf_counter()
                try:
                    scores = brute.scores(analysis.parse_query(q["query"]), filters)
                except Exception as error:
                    r["errors"][name] = f"{type(error).__name__}: {error}"
                    continue
                r["brute_ms"][name] = (time.perf_counter() - t) * 1e3
                for engine in judged:
                    hits = q["hits"].get(engine)
                    if hits is None:
                        continue
                    ids = hits if engine == "raw" else brute.ids(hits)
                    r["judged"][engine] = _judge(scores, ids, None if engine == "raw" else hits,
                                                 q["total"].get(engine))
    checks = {name: {"explained": b.explained, "max_abs_diff": b.explain_max_diff}
              for name, (b, _) in brutes.items() if isinstance(b, _TantivyBrute)}
    write_result(result_path, {"results": out, "explain": checks})
