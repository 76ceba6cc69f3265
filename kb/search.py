"""Full-text search over clause text and terms, in English and Chinese.

The FTS5 tables are derived from ``clauses`` and ``terms`` and can be dropped and rebuilt
(:func:`rebuild`).  SQLite's tokenizer sees a run of Chinese characters as one token, so
Chinese is segmented with jieba here, the same way at index time and at query time
(:func:`segment`); English goes through FTS5's ``porter`` stemmer, so ``audit programmes``
finds ``audit programme``.  Snippets are cut from the segmented text and the spaces the
segmentation put between Chinese characters are taken out again.

This module is the only one that knows the search engine: another engine (whoosh) goes
behind the same functions.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from functools import lru_cache

__all__ = ["rebuild", "search", "segment", "sub_words"]

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
    if not text or not _CJK.search(text):
        return ""
    jieba = _jieba()
    words = []
    for run in _CJK.findall(text):
        whole = set(jieba.cut(run))
        words += [w for w in jieba.cut_for_search(run) if w not in whole]
    return " ".join(words)


def _unsegment(text: str) -> str:
    """Undo the spaces :func:`segment` put between Chinese characters; mark the hits."""
    text = _CJK_GAP.sub(r"\1\2", text)
    return text.replace(_START, MARK_START).replace(_END, MARK_END)


def _match_query(query: str) -> str:
    """An FTS5 query: each Chinese run becomes a phrase of its words, other words AND-ed."""
    parts = []
    for chunk in re.split(r"(\s+)", query.strip()):
        if not chunk.strip():
            continue
        for piece in re.findall(r"[\u3400-\u9fff\uf900-\ufaff]+|[^\u3400-\u9fff\uf900-\ufaff]+",
                                chunk):
            if _CJK.fullmatch(piece):
                words = [w for w in _jieba().cut(piece) if w.strip()]
                phrase = '"' + " ".join(words) + '"'
                parts.append(f"({phrase} OR extra : {phrase})" if len(words) == 1 else phrase)
            else:
                parts += [f'"{w}"' for w in _WORD.findall(piece)]
    return " AND ".join(parts)


def rebuild(conn: sqlite3.Connection) -> int:
    """Drop and rebuild the full-text tables from the clauses and terms; return the rows."""
    conn.execute("drop table if exists clauses_fts")
    conn.execute("drop table if exists terms_fts")
    conn.execute(
        """create virtual table clauses_fts using fts5(
             edition_id unindexed, language unindexed, number unindexed, kind unindexed,
             heading, text, extra, tokenize = 'porter unicode61')"""
    )
    conn.execute(
        """create virtual table terms_fts using fts5(
             edition_id unindexed, language unindexed, entry unindexed,
             preferred, admitted, definition, tokenize = 'porter unicode61')"""
    )
    count = 0
    rows = conn.execute("select edition_id, language, number, kind, heading, text from clauses")
    batch = []
    for edition, language, number, kind, heading, text in rows:
        batch.append((edition, language, number, kind, segment(heading or ""), segment(text),
                      sub_words(f"{heading or ''} {text}")))
        if len(batch) >= 1000:
            conn.executemany("insert into clauses_fts values (?, ?, ?, ?, ?, ?, ?)", batch)
            count += len(batch)
            batch = []
    conn.executemany("insert into clauses_fts values (?, ?, ?, ?, ?, ?, ?)", batch)
    count += len(batch)
    terms = [(e, lang, entry, segment(p), segment(a or ""), segment(d or "")) for
             e, lang, entry, p, a, d in conn.execute(
                 "select edition_id, language, entry, preferred, admitted, definition from terms")]
    conn.executemany("insert into terms_fts values (?, ?, ?, ?, ?, ?)", terms)
    return count + len(terms)


def search(
    conn: sqlite3.Connection, query: str, limit: int = 20, standard: str | None = None,
    language: str | None = None, kind: str | None = None,
) -> list[dict]:
    """Clauses matching ``query``, best first, each with a highlighted snippet.

    :param standard: only this work or edition (canonical designation).
    """
    match = _match_query(query)
    if not match:
        return []
    where, params = ["clauses_fts match ?"], [match]
    if standard:
        where.append("(f.edition_id = ? or e.work_id = ?)")
        params += [standard, standard]
    if language:
        where.append("f.language = ?")
        params.append(language)
    if kind:
        where.append("f.kind like ?")
        params.append(f"{kind}%")
    rows = conn.execute(
        f"""select f.edition_id, f.number, c.heading, f.kind, f.language,
                   snippet(clauses_fts, 5, ?, ?, ' … ', 24) as snippet,
                   bm25(clauses_fts, 4.0, 1.0, 0.5) as score
            from clauses_fts f join editions e on e.id = f.edition_id
            join clauses c on c.edition_id = f.edition_id and c.language = f.language
                          and c.number = f.number
            where {' and '.join(where)} order by score limit ?""",
        [_START, _END, *params, limit],
    ).fetchall()
    return [
        {"designation": r[0], "clause": r[1], "heading": r[2], "kind": r[3], "language": r[4],
         "snippet": " ".join(_unsegment(r[5]).split()), "score": round(-r[6], 3)}
        for r in rows
    ]
