"""Full-text search over clause text and terms, in English and Chinese.

The FTS5 tables are derived from ``clauses`` and ``terms`` and can be dropped and rebuilt
(:func:`rebuild`).  SQLite's tokenizer sees a run of Chinese characters as one token, so
Chinese is segmented with jieba here, the same way at index time and at query time
(:func:`segment`); English goes through FTS5's ``porter`` stemmer, so ``audit programmes``
finds ``audit programme``.  Snippets are cut from the segmented text and the spaces the
segmentation put between Chinese characters are taken out again.

Ranking is bounded: SQLite computes bm25 for every row a query matches (7-15 µs a row, so
1.6 s for a word in 950 000 of 1 000 000 clauses).  :func:`search` ranks the first
:data:`RANK_LIMIT` matches FTS5 meets: a query that matches fewer is ranked exactly as a
plain ``ORDER BY rank``; one that matches more is ranked within a random sample of its
matches, because a clause's FTS5 rowid is a hash of its key (:func:`_scatter`), so the
first matches in rowid order are spread over every loaded standard, not the first loaded.
A filter on a standard or on a rare kind of clause is part of the MATCH (each row carries
tokens for its edition, work and kind in the ``scope`` column), so it narrows the rows
before they are ranked instead of after.

This module is the only one that knows the search engine: another engine (whoosh) goes
behind the same functions.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import sqlite3
import threading
import warnings
from functools import lru_cache
from pathlib import Path

__all__ = ["ENGINES", "RANK_LIMIT", "rebuild", "search", "segment", "sub_words", "update",
           "whoosh_dir"]

#: Search engines behind :func:`search`.
ENGINES = ("fts", "whoosh")
#: Matches of one query ranked at most; see the module doc.
RANK_LIMIT = 1000
#: Kinds rare enough that filtering on them belongs in the MATCH (a token per row).
_SELECTIVE_KINDS = frozenset({"term", "annex", "annex-normative", "annex-informative",
                              "foreword", "introduction", "bibliography", "note", "example",
                              "table", "figure"})

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_HAN_OR_PUNCT = r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]"
# a space that segmentation put between two Chinese characters (possibly at a highlight mark)
_CJK_GAP = re.compile(rf"(?<={_HAN_OR_PUNCT})(\ue001?) +(\ue000?)(?={_HAN_OR_PUNCT})")
_WORD = re.compile(r"[\w\u3400-\u9fff]+")
_START, _END = "\ue000", "\ue001"  # private-use marks, replaced by the caller's
MARK_START, MARK_END = "[", "]"


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def segment(text: str) -> str:
    """Text with every run of Chinese characters cut into words separated by spaces."""
    if not text or not _CJK.search(text):
        return text or ""
    jieba = _jieba()
    return _CJK.sub(lambda m: " " + " ".join(jieba.cut(m.group())) + " ", text)


def sub_words(text: str) -> str:
    """The shorter words inside the Chinese words of ``text`` (审核方案 → 审核 方案), indexed
    beside the text so a query for a part of a compound finds it."""
    return _segmented(text)[1]


def _segmented(text: str) -> tuple[str, str]:
    """(:func:`segment`, :func:`sub_words`) of a text with one jieba cut per Chinese run.

    The sub-words are the dictionary words of two and three characters inside longer words,
    as ``jieba.cut_for_search`` finds them, without cutting the text a second time.
    """
    if not text or not _CJK.search(text):
        return text or "", ""
    jieba = _jieba()
    frequencies = jieba.dt.FREQ
    inner: list[str] = []

    def cut(match: re.Match) -> str:
        words = list(jieba.cut(match.group()))
        whole = set(words)
        for word in words:
            for n in (2, 3):
                if len(word) > n:
                    inner.extend(gram for i in range(len(word) - n + 1)
                                 if frequencies.get(gram := word[i:i + n]) and
                                 gram not in whole)
        return " " + " ".join(words) + " "

    return _CJK.sub(cut, text), " ".join(inner)


def _unsegment(text: str) -> str:
    """Undo the spaces :func:`segment` put between Chinese characters (hit marks kept)."""
    return _CJK_GAP.sub(r"\1\2", text)


@lru_cache(maxsize=4096)
def scope_token(kind: str, designation: str) -> str:
    """The token that stands for an edition (``kind`` "ed") or a work ("wk") in the index."""
    return f"kb{kind}{hashlib.sha1(designation.encode()).hexdigest()[:16]}"


def _match_query(query: str) -> str:
    """An FTS5 query: each Chinese run becomes a phrase of its words, other words AND-ed;
    text in double quotes is one phrase."""
    parts = []
    for quoted in re.findall(r'"([^"]+)"', query):
        words = [w for w in _WORD.findall(segment(quoted))]
        if words:
            parts.append('"' + " ".join(words) + '"')
    for chunk in re.split(r"(\s+)", re.sub(r'"[^"]*"', " ", query).strip()):
        if not chunk.strip():
            continue
        for piece in re.findall(r"[\u3400-\u9fff\uf900-\ufaff]+|[^\u3400-\u9fff\uf900-\ufaff]+",
                                chunk):
            if _CJK.fullmatch(piece):
                words = [w for w in _jieba().cut(piece) if w.strip()]
                parts.append('"' + " ".join(words) + '"')  # the extra column has sub-words
            else:
                parts += [f'"{w}"' for w in _WORD.findall(piece)]
    return " AND ".join(parts)


def rebuild(conn: sqlite3.Connection, progress=None) -> int:
    """Drop and rebuild both indexes from the clauses and terms; return the rows indexed.

    The FTS5 tables are rebuilt inside the caller's transaction; the whoosh index is built
    in a new folder beside the database and swapped in whole.  ``progress(n)`` hears of
    every batch of rows indexed (FTS5, then whoosh).
    """
    count = _rebuild_fts(conn, progress)
    folder = whoosh_dir(conn)
    if folder is not None:
        _rebuild_whoosh(conn, folder, progress)
    return count


def update(conn: sqlite3.Connection, texts: set[tuple[str, str]]) -> int:
    """Bring both indexes up to date for the (edition, language) texts just (re)loaded.

    Falls back to :func:`rebuild` when there is no index yet.  Run it in one transaction;
    whoosh commits its own change atomically.
    """
    row = conn.execute("select sql from sqlite_master where name = 'clauses_fts'").fetchone()
    folder = whoosh_dir(conn)
    if not row or " scope," not in row[0] or (folder is not None and not folder.exists()):
        return rebuild(conn)  # no index yet, or one built before the scope column
    count = 0
    for edition, language in sorted(texts):
        for table in ("clauses_fts", "terms_fts"):
            conn.execute(f"delete from {table} where edition_id = ? and language = ?",
                         (edition, language))
        count += _insert_fts(conn, "c.edition_id = ? and c.language = ?", (edition, language))
    if folder is not None and texts:
        _update_whoosh(conn, folder, texts)
    return count


def _scatter(edition: str, language: str, number: str, salt: int = 0) -> int:
    """The FTS5 rowid of a clause: a hash, so that rowid order (the order FTS5 meets a
    query's matches in) is a random order of the whole knowledge base."""
    key = f"{edition}\0{language}\0{number}\0{salt}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=7).digest(), "big") + 1


def _clause_row(edition, language, number, kind, heading, text, work) -> tuple:
    heading, inner_heading = _segmented(heading or "")
    text, inner_text = _segmented(text or "")
    kinds = {kind or "clause", (kind or "clause").split("-")[0]}
    scope = [scope_token("ed", edition), scope_token("wk", work or edition),
             *(scope_token("kd", k) for k in sorted(kinds))]
    return (_scatter(edition, language, number), edition, language, number, kind, heading,
            text, f"{inner_heading} {inner_text}".strip(), " ".join(scope))


def _insert_fts(conn: sqlite3.Connection, where: str = "1", params: tuple = (),
                progress=None) -> int:
    """Index the clauses and terms that ``where`` selects (``c`` is the table), in batches;
    ``progress(n)`` is told of every batch."""
    count = 0
    for table, columns, row in (
        ("clauses_fts", "c.edition_id, c.language, c.number, c.kind, c.heading, c.text, e.work_id",
         _clause_row),
        ("terms_fts", "c.edition_id, c.language, c.entry, c.preferred, c.admitted, c.definition",
         lambda e, lang, entry, p, a, d: (e, lang, entry, segment(p), segment(a or ""),
                                          segment(d or ""))),
    ):
        source = table.removesuffix("_fts")
        cursor = conn.execute(f"""select {columns} from {source} c
                                  left join editions e on e.id = c.edition_id
                                  where {where} order by c.edition_id, c.language""", params)
        if table == "clauses_fts":
            insert = """insert into clauses_fts(rowid, edition_id, language, number, kind,
                        heading, text, extra, scope) values (?, ?, ?, ?, ?, ?, ?, ?, ?)"""
        else:
            insert = "insert into terms_fts values (?, ?, ?, ?, ?, ?)"
        for rows in _rows_in_parallel(cursor, row, parallel=table == "clauses_fts"):
            try:
                conn.execute("savepoint kb_fts_batch")
                conn.executemany(insert, rows)
                conn.execute("release kb_fts_batch")
            except sqlite3.IntegrityError:  # two clauses hashed to one rowid: salt one
                conn.execute("rollback to kb_fts_batch")
                conn.execute("release kb_fts_batch")
                for values in rows:
                    _insert_salted(conn, insert, values)
            count += len(rows)
            if progress:
                progress(len(rows))
    return count


_BATCH = 500


def _make_rows(make, batch: list[tuple]) -> list[tuple]:
    return [make(*values) for values in batch]


def _rows_in_parallel(cursor: sqlite3.Cursor, make, parallel: bool):
    """Batches of index rows made from the cursor's rows by ``make``: segmenting Chinese is
    most of the work, so a large index spreads it over the machine's cores (fork, so the
    workers share jieba's dictionary)."""
    import multiprocessing
    import os

    first = cursor.fetchmany(_BATCH)
    second = cursor.fetchmany(_BATCH) if len(first) == _BATCH else []
    workers = min(os.cpu_count() or 1, 8)
    if not parallel or not second or workers < 2 or \
            "fork" not in multiprocessing.get_all_start_methods():
        for batch in (first, second):
            if batch:
                yield _make_rows(make, batch)
        while batch := cursor.fetchmany(_BATCH):
            yield _make_rows(make, batch)
        return
    _jieba()  # loaded once, before the fork
    from collections import deque

    pending: deque = deque()  # batches being segmented, in order; read in this thread only
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        batch = first
        while batch:
            pending.append(pool.apply_async(_make_rows, (make, batch)))
            if len(pending) >= 2 * workers:
                yield pending.popleft().get()
            batch = second or cursor.fetchmany(_BATCH)
            second = []
        while pending:
            yield pending.popleft().get()


def _insert_salted(conn: sqlite3.Connection, insert: str, values: tuple) -> None:
    for salt in range(100):
        try:
            conn.execute(insert, values if salt == 0 else
                         (_scatter(*values[1:3], values[3], salt), *values[1:]))
            return
        except sqlite3.IntegrityError:
            continue
    raise sqlite3.IntegrityError(f"no free rowid for {values[1]} {values[3]}")


def _rebuild_fts(conn: sqlite3.Connection, progress=None) -> int:
    conn.execute("drop table if exists clauses_fts")
    conn.execute("drop table if exists terms_fts")
    conn.execute(
        """create virtual table clauses_fts using fts5(
             edition_id unindexed, language unindexed, number unindexed, kind unindexed,
             heading, text, extra, scope, tokenize = 'porter unicode61')"""
    )
    conn.execute(
        """create virtual table terms_fts using fts5(
             edition_id unindexed, language unindexed, entry unindexed,
             preferred, admitted, definition, tokenize = 'porter unicode61')"""
    )
    return _insert_fts(conn, progress=progress)


def search(
    conn: sqlite3.Connection, query: str, limit: int = 20, standard: str | None = None,
    language: str | None = None, kind: str | None = None, engine: str = "fts",
    offset: int = 0, marks: tuple[str, str] = (MARK_START, MARK_END),
    status: str | None = None,
) -> list[dict]:
    """Clauses matching ``query``, best first, each with a highlighted snippet.

    :param standard: only this work or edition (canonical designation).
    :param engine: ``fts`` (SQLite FTS5) or ``whoosh``.
    :param offset: hits to skip (paging).
    :param marks: what goes around each hit in the snippet.
    :param status: only editions with this status (``current`` …).
    """
    if engine == "whoosh":
        hits = _search_whoosh(conn, query, (limit + offset) * (4 if status else 1), standard,
                              language, kind)
        if status:
            known = {r[0] for r in conn.execute("select id from editions where status = ?",
                                                (status,))}
            hits = [h for h in hits if h["designation"] in known]
        return [_marked(h, marks) for h in hits[offset:offset + limit]]
    if engine != "fts":
        raise ValueError(f"unknown search engine {engine!r} (known: {', '.join(ENGINES)})")
    match = _match_query(query)
    if not match:
        return []
    scopes = []
    if standard:
        scopes.append(f"({scope_token('ed', standard)} OR {scope_token('wk', standard)})")
    if kind and kind in _SELECTIVE_KINDS:
        scopes.append(scope_token("kd", kind))
    if scopes:
        match = f"({match}) AND scope : ({' AND '.join(scopes)})"
    where = [condition for condition, value in (
        ("f.language = :language", language), ("f.kind like :kind || '%'", kind),
        ("f.edition_id in (select id from editions where status = :status)", status),
    ) if value]
    filters = "".join(f" and {w}" for w in where)
    values = {"match": match, "ranked": RANK_LIMIT, "limit": limit, "offset": offset,
              "start": _START, "end": _END, "language": language, "kind": kind,
              "status": status}
    matches = f"from clauses_fts f where clauses_fts match :match {filters}"
    score = "bm25(clauses_fts, 4.0, 1.0, 0.5, 0.0)"
    # the first RANK_LIMIT matches in rowid order: all of them, or a random sample (rowids
    # are hashes), ranked by bm25
    candidates = f"select f.rowid as id, {score} as score {matches} limit :ranked"
    # rank the candidates, then cut snippets for the page of hits only
    rows = conn.execute(
        f"""with ranked(id, score) as (
              select id, score from ({candidates}) order by score limit :limit offset :offset)
            select f.edition_id, f.number, c.heading, f.kind, f.language,
                   coalesce(nullif(snippet(clauses_fts, 5, :start, :end, ' … ', 24), ''),
                            snippet(clauses_fts, 4, :start, :end, ' … ', 24)), r.score
            from ranked r join clauses_fts f on f.rowid = r.id
            join clauses c on c.edition_id = f.edition_id and c.language = f.language
                          and c.number = f.number
            where clauses_fts match :match order by r.score""", values).fetchall()
    return [_marked(
        {"designation": r[0], "clause": r[1], "heading": r[2], "kind": r[3], "language": r[4],
         "snippet": " ".join(_unsegment(r[5]).split()), "score": round(-r[6], 3)},
        marks) for r in rows]


def _marked(hit: dict, marks: tuple[str, str]) -> dict:
    hit["snippet"] = hit["snippet"].replace(_START, marks[0]).replace(_END, marks[1])
    return hit


# --- whoosh ----------------------------------------------------------------------------------


def whoosh_dir(conn: sqlite3.Connection) -> Path | None:
    """The whoosh index folder beside the database file (None for an in-memory database)."""
    row = conn.execute("pragma database_list").fetchone()
    return Path(row[2] + ".whoosh") if row and row[2] else None


@lru_cache(maxsize=1)
def _whoosh():
    with warnings.catch_warnings():  # whoosh 2.7.4 (2016) predates current Pythons
        warnings.simplefilter("ignore")
        from whoosh import analysis, fields, highlight, index, qparser, query
    return analysis, fields, highlight, index, qparser, query


def _schema():
    analysis, fields, *_ = _whoosh()
    analyzer = analysis.RegexTokenizer(r"\w+") | analysis.LowercaseFilter() | \
        analysis.StemFilter()
    return fields.Schema(
        key=fields.ID(stored=True, unique=True), edition_id=fields.ID(stored=True),
        work_id=fields.ID(stored=True), language=fields.ID(stored=True),
        number=fields.ID(stored=True), kind=fields.ID(stored=True),
        heading=fields.TEXT(analyzer=analyzer, stored=True, field_boost=4.0),
        text=fields.TEXT(analyzer=analyzer, stored=True),
    )


def _add_whoosh(conn: sqlite3.Connection, writer, where: str = "1", params: tuple = (),
                progress=None) -> None:
    """Add the clauses that ``where`` selects (``c`` is the table) to a whoosh writer."""
    for i, (edition, work, language, number, kind, heading, text) in enumerate(conn.execute(
        f"""select c.edition_id, e.work_id, c.language, c.number, c.kind, c.heading, c.text
            from clauses c left join editions e on e.id = c.edition_id where {where}""", params
    ), 1):
        writer.add_document(
            key=f"{edition}\0{language}\0{number}", edition_id=edition, work_id=work or "",
            language=language, number=number, kind=kind or "",
            heading=segment(heading or ""), text=segment(text or ""),
        )
        if progress and not i % 1000:
            progress(1000)


def _rebuild_whoosh(conn: sqlite3.Connection, folder: Path, progress=None) -> None:
    *_, index, _qparser, _query = _whoosh()
    building = folder.with_name(folder.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    writer = index.create_in(str(building), _schema()).writer(limitmb=128)
    _add_whoosh(conn, writer, progress=progress)
    writer.commit()
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    building.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def _update_whoosh(conn: sqlite3.Connection, folder: Path, texts) -> None:
    *_, index, _qparser, wquery = _whoosh()
    writer = index.open_dir(str(folder)).writer(limitmb=128)
    for edition, language in sorted(texts):
        writer.delete_by_query(wquery.And([wquery.Term("edition_id", edition),
                                           wquery.Term("language", language)]))
        _add_whoosh(conn, writer, "c.edition_id = ? and c.language = ?", (edition, language))
    writer.commit()


def _search_whoosh(conn, query: str, limit: int, standard, language, kind) -> list[dict]:
    _analysis, _fields, highlight, index, qparser, wquery = _whoosh()
    folder = whoosh_dir(conn)
    if folder is None or not index.exists_in(str(folder)):
        raise sqlite3.OperationalError("no whoosh index")
    with _SEARCHERS_LOCK:
        searcher = _searcher(folder)
        return _whoosh_hits(searcher, query, limit, standard, language, kind)


_SEARCHERS: dict[str, tuple[int, object]] = {}
_SEARCHERS_LOCK = threading.Lock()


def _searcher(folder: Path):
    """An open whoosh searcher of the index in ``folder``, kept between queries (opening one
    costs 50-100 ms); a rebuilt folder is reopened, a committed update refreshed."""
    *_, index, _qparser, _query = _whoosh()
    inode = folder.stat().st_ino
    known = _SEARCHERS.get(str(folder))
    if known and known[0] == inode:
        searcher = known[1]
        if not searcher.up_to_date():
            searcher = searcher.refresh()
    else:
        if known:
            known[1].close()
        searcher = index.open_dir(str(folder)).searcher()
    _SEARCHERS[str(folder)] = (inode, searcher)
    return searcher


def _whoosh_hits(searcher, query: str, limit: int, standard, language, kind) -> list[dict]:
    _analysis, _fields, highlight, _index, qparser, wquery = _whoosh()
    parser = qparser.MultifieldParser(["heading", "text"], searcher.schema,
                                      group=qparser.AndGroup)
    parsed = parser.parse(segment(query))
    filters = []
    if standard:
        filters.append(wquery.Or([wquery.Term("edition_id", standard),
                                  wquery.Term("work_id", standard)]))
    if language:
        filters.append(wquery.Term("language", language))
    if kind:
        filters.append(wquery.Prefix("kind", kind))
    results = searcher.search(parsed, limit=limit,
                              filter=wquery.And(filters) if filters else None)
    results.formatter = _marks_formatter(highlight)
    hits = []
    for hit in results:
        snippet = hit.highlights("text") or hit.highlights("heading") or hit["text"][:160]
        hits.append({
            "designation": hit["edition_id"], "clause": hit["number"],
            "heading": _unsegment(hit["heading"]).strip() or None, "kind": hit["kind"],
            "language": hit["language"], "snippet": " ".join(_unsegment(snippet).split()),
            "score": round(hit.score, 3),
        })
    return hits


def _marks_formatter(highlight):
    class Marks(highlight.Formatter):
        """Hits between the private-use marks, like the FTS5 snippets."""

        between = " … "

        def format_token(self, text, token, replace=False):
            return _START + highlight.get_text(text, token, replace) + _END

    return Marks()
