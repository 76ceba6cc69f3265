"""The FTS5 engine: SQLite's full-text index inside the database, for Datasette and SQL users.

``clauses_fts`` holds each clause as :mod:`kb.text.analysis` reads it (folded words, sub-words,
character grams) under the rowid of its row in ``clauses``, plus ``scope`` tokens for the
edition, work and kind that filters put inside the MATCH.  FTS5's ``porter`` tokenizer stems
English on both sides.  The transaction that writes the clauses writes their analysed rows to
``clauses_fts_pending``, a plain table (cheap to fill); :func:`drain` moves them into the FTS5
table afterwards, in transactions of its own, so the engines outside the database can answer
before FTS5 has tokenized a million clauses.  A trigger removes the rows of deleted clauses
from both, so FTS5 never holds a clause that is gone, and what it lacks is exactly the pending
rows (:func:`behind`, which every FTS5 answer checks).  Both tables keep each clause's analysis
for the folder engines, which read it instead of segmenting again.

Ranking is exact (``ORDER BY rank``), with the weights of :data:`kb.text.search.WEIGHTS` on the
indexed columns; it costs 0.5–1.5 s for a word in most of a million clauses, which is why it
is not the default engine.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from functools import lru_cache

from kb.text.analysis import Analysed, Part, Query, kinds

__all__ = ["COLUMNS", "PENDING", "behind", "behind_line", "create", "drain", "exists",
           "insert", "rank_expression", "scope_token", "scopes", "search"]

#: The analysed clause rows written but not yet in ``clauses_fts``.
PENDING = "clauses_fts_pending"
#: Rows moved into FTS5 per transaction by :func:`drain`.
DRAIN_ROWS = 50_000

#: Bytes of pending terms FTS5 holds in memory before writing them out as a segment.
HASH_SIZE = 64 << 20

#: The indexed columns, in order, after the four unindexed ones.
COLUMNS = ("heading", "text", "sub", "grams", "scope")


def rank_expression(weights: dict[str, float]) -> str:
    """The bm25() arguments: 0 for the four UNINDEXED columns, then each indexed column's."""
    return ", ".join(["0"] * 4 + [str(weights.get(c, 0.0)) for c in COLUMNS])


@lru_cache(maxsize=4096)
def scope_token(kind: str, value: str) -> str:
    """The token that stands for an edition (``ed``), a work (``wk``) or a kind (``kd``)."""
    return f"kb{kind}{hashlib.sha1(value.encode()).hexdigest()[:16]}"


def exists(conn: sqlite3.Connection) -> bool:
    row = conn.execute("select sql from sqlite_master where name = 'clauses_fts'").fetchone()
    return bool(row) and " grams," in row[0]


def create(conn: sqlite3.Connection, weights: dict[str, float]) -> None:
    """(Re)create the empty FTS5 tables and the triggers that keep them in step."""
    for name in ("clauses_fts", "terms_fts", PENDING):
        conn.execute(f"drop table if exists {name}")
    conn.execute(
        """create virtual table clauses_fts using fts5(
             edition_id unindexed, language unindexed, number unindexed, kind unindexed,
             heading, text, sub, grams, scope, tokenize = 'porter unicode61')""")
    conn.execute("insert into clauses_fts(clauses_fts, rank) values ('rank', ?)",
                 (f"bm25({rank_expression(weights)})",))
    # pending terms are flushed to a new segment every 64 MB, not every 1 MB: fewer, larger
    # segments to merge (30 % less insert time on 60 000 clauses; at 1 M clauses kb index went
    # from 299 to 279 s, within this machine's run-to-run variation of about 15 %)
    conn.execute("insert into clauses_fts(clauses_fts, rank) values ('hashsize', ?)",
                 (HASH_SIZE,))
    conn.execute(
        """create virtual table terms_fts using fts5(
             edition_id unindexed, language unindexed, entry unindexed,
             preferred, admitted, definition, tokenize = 'porter unicode61')""")
    conn.execute("drop trigger if exists terms_fts_delete")
    conn.execute("""create trigger terms_fts_delete after delete on terms begin
                      delete from terms_fts where rowid = old.rowid; end""")
    ensure_pending(conn)


def ensure_pending(conn: sqlite3.Connection) -> None:
    """The pending table and the clause trigger that deletes from it and from FTS5 (a
    knowledge base of before the pending table gets them at its next write)."""
    if conn.execute("select 1 from sqlite_master where name = ?", (PENDING,)).fetchone():
        return
    conn.execute(f"""create table {PENDING} (rowid integer primary key, edition_id, language,
                       number, kind, heading, text, sub, grams, scope)""")
    conn.execute("drop trigger if exists clauses_fts_delete")
    conn.execute(f"""create trigger clauses_fts_delete after delete on clauses begin
                       delete from clauses_fts where rowid = old.rowid;
                       delete from {PENDING} where rowid = old.rowid; end""")


def clause_row(rowid: int, edition: str, language: str, number: str, kind: str | None,
               work: str | None, analysed: Analysed) -> tuple:
    scope = [scope_token("ed", edition), scope_token("wk", work or edition),
             *(scope_token("kd", k) for k in kinds(kind))]
    return (rowid, edition, language, number, kind or "clause", analysed.heading, analysed.text,
            analysed.sub, analysed.grams, " ".join(scope))


def insert(conn: sqlite3.Connection, rows: list[tuple], pending: bool = False) -> None:
    """Insert :func:`clause_row` rows into FTS5, or into the pending table."""
    conn.executemany(f"""insert into {PENDING if pending else 'clauses_fts'}(rowid,
                         edition_id, language, number, kind, heading, text, sub, grams, scope)
                         values (?,?,?,?,?,?,?,?,?,?)""", rows)


def behind(conn: sqlite3.Connection) -> int:
    """How many clauses FTS5 does not hold yet (0 for a knowledge base without the table)."""
    try:
        return conn.execute(f"select count(*) from {PENDING}").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def behind_line(count: int) -> str:
    """The one line that says FTS5 answers without ``count`` clauses."""
    return (f"the FTS5 index (Datasette's search box, SQL MATCH) is {count:,} clauses behind "
            "the knowledge base and would miss them: it is being filled (`kb index` finishes "
            "it); kb search's default engine has them all")


def drain(conn: sqlite3.Connection, progress=None, rows: int = DRAIN_ROWS) -> int:
    """Move the pending rows into FTS5, ``rows`` per transaction (each one whole: a kill
    loses nothing); the connection must be outside a transaction.  Return the rows moved."""
    if not behind(conn):  # nothing pending, or no pending table yet
        return 0
    moved = 0
    columns = "rowid, edition_id, language, number, kind, heading, text, sub, grams, scope"
    while True:
        conn.execute("begin immediate")
        try:
            last = conn.execute(f"select rowid from {PENDING} order by rowid limit 1 offset ?",
                                (rows - 1,)).fetchone() or conn.execute(
                f"select max(rowid) from {PENDING}").fetchone()
            if last is None or last[0] is None:
                conn.execute("commit")
                return moved
            count = conn.execute(f"insert into clauses_fts({columns}) select {columns} from "
                                 f"{PENDING} where rowid <= ?", last).rowcount
            conn.execute(f"delete from {PENDING} where rowid <= ?", last)
            conn.execute("commit")
        except BaseException:
            if conn.in_transaction:
                conn.execute("rollback")
            raise
        moved += count
        if progress:
            progress(count)


def insert_terms(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    """Insert (rowid, edition, language, entry, preferred, admitted, definition) rows."""
    conn.executemany("insert into terms_fts(rowid, edition_id, language, entry, preferred, "
                     "admitted, definition) values (?,?,?,?,?,?,?)", rows)


def _phrase(words) -> str:
    return '"' + " ".join(words) + '"'


def _part(part: Part) -> str:
    """One query part as an FTS5 expression (words are letters, digits or Chinese only)."""
    if part.kind == "word":
        return "{heading text} : " + _phrase(part.words)
    if part.kind == "prefix":
        return "{heading text} : " + _phrase(part.words) + "*"
    if part.kind == "phrase":
        return "{heading text} : " + _phrase(part.words)
    grams = ("grams : " + _phrase(part.grams) + "*" if len(part.grams[0]) == 1
             else "grams : " + _phrase(part.grams))
    # the grams decide what matches; the words, and the grams in the heading, add to the score
    scored = [f"{{heading text sub}} : {_phrase(part.words)}", grams]
    if len(part.grams) > 1 or len(part.grams[0]) > 1:
        scored.append(f"heading : {_phrase(part.grams)}")
    return f"({grams} AND ({' OR '.join(scored)}))"


def scopes(standard: str | None, kind: str | None) -> list[list[str]]:
    """The scope tokens of the filters on a work or edition and on a kind (any one of each
    list must be in the row's ``scope`` column)."""
    out = []
    if standard:
        out.append([scope_token("ed", standard), scope_token("wk", standard)])
    if kind:
        out.append([scope_token("kd", kind)])
    return out


def match_expression(query: Query, scopes: list[list[str]]) -> str:
    """The MATCH expression of a parsed query; each list of ``scopes`` tokens is OR-ed."""
    expression = " AND ".join(_part(p) for p in query.parts)
    if scopes:
        expression = f"({expression}) AND scope : (" + " AND ".join(
            "(" + " OR ".join(group) + ")" for group in scopes) + ")"
    return expression


def search(conn: sqlite3.Connection, query: Query, scopes: list[list[str]],
           language: str | None, editions: list[str] | None, limit: int,
           offset: int) -> tuple[int, list[tuple[float, tuple[str, str, str]]]]:
    """(matches, [(score, (edition, language, number))]) ranked exactly by bm25."""
    where, values = ["clauses_fts match ?"], [match_expression(query, scopes)]
    if language:
        where.append("language = ?")
        values.append(language)
    if editions is not None:  # one parameter however many (SQLite allows 32 766)
        where.append("edition_id in (select value from json_each(?))")
        values.append(json.dumps(list(editions)))
    condition = " and ".join(where)
    total = conn.execute(f"select count(*) from clauses_fts where {condition}",
                         values).fetchone()[0]
    rows = conn.execute(f"""select rank, edition_id, language, number from clauses_fts
                            where {condition} order by rank limit ? offset ?""",
                        [*values, limit, offset]).fetchall()
    return total, [(-r[0], (r[1], r[2], r[3])) for r in rows]
