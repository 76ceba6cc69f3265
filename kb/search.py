"""Full-text search over clause text, in English and Chinese: the one door to every engine.

Three engines index the same analysis of each clause (:mod:`kb.analysis`: folding, jieba
words, sub-words, character grams) and answer the same parsed query, so they find the same
clauses; they differ in where they live and how fast they rank:

* ``tantivy`` (:mod:`kb.search_tantivy`), the default of ``kb search`` and the pages: a
  folder beside the database; exact top k (block-max WAND) in milliseconds at a million
  clauses.
* ``fts`` (:mod:`kb.search_fts`): SQLite FTS5 inside the database, for Datasette's
  ``?_search=`` and SQL users; exact ``ORDER BY rank``, slow on very common words.
* ``whoosh`` (:mod:`kb.search_whoosh`): the original design's engine, built on request.

Nothing is sampled: every engine ranks every match and says how many there are
(:class:`Results`).  Snippets are cut from each hit's own text (:func:`kb.analysis.snippet`).

**Staying in step.**  The FTS5 tables are written in the transaction that writes the clauses
(:func:`index_texts`, called by the store), and that transaction also appends the texts it
changed to ``search_log``.  Each folder index records the database state it reflects (the
``search_epoch`` of its last full build and the last ``search_log`` generation applied) in
``kb-state.json``; :func:`sync`, run after every load and before every search, applies the
texts logged since, reading their analysis from the FTS5 table instead of segmenting again.
So a kill between the commit and the folder update is repaired by the next command, for just
the texts it missed; a load that is refused changes nothing at all.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kb import analysis, search_fts
from kb.analysis import QueryError
from kb.search_tantivy import Ranking
from kb.search_whoosh import Whoosh

__all__ = ["DEFAULT_ENGINE", "ENGINES", "MARK_END", "MARK_START", "WEIGHTS", "QueryError",
           "Results", "SearchError", "engine_filters", "index_texts", "move_indexes", "rebuild",
           "search", "sync"]

#: Engines behind :func:`search`, the default first.
ENGINES = ("tantivy", "fts", "whoosh")
DEFAULT_ENGINE = "tantivy"
#: Weight of a match in each indexed part of a clause, the same in every engine.
WEIGHTS = {"heading": 3.0, "text": 1.0, "sub": 0.5, "grams": 0.25, "scope": 0.0}
MARK_START, MARK_END = "[", "]"
_FOLDERS = {"tantivy": Ranking, "whoosh": Whoosh}
_STATE = "kb-state.json"


class SearchError(RuntimeError):
    """Search cannot run (no index yet …); the message says what to do in one line."""


@dataclass
class Results:
    """One page of hits: ``total`` clauses match; ``hits`` are those from ``offset`` on."""

    query: str
    engine: str
    total: int
    offset: int
    hits: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"query": self.query, "engine": self.engine, "total": self.total,
                "offset": self.offset, "hits": self.hits}


# --- searching -------------------------------------------------------------------------------


def search(
    conn: sqlite3.Connection, query: str, limit: int = 20, standard: str | None = None,
    language: str | None = None, kind: str | None = None, engine: str = DEFAULT_ENGINE,
    offset: int = 0, marks: tuple[str, str] = (MARK_START, MARK_END),
    status: str | None = None,
) -> Results:
    """Clauses matching ``query``, best first, ``limit`` from ``offset``, with snippets.

    :param standard: only this work or edition (canonical designation).
    :param kind: only clauses of this kind or family (``annex`` takes both annex kinds).
    :param status: only editions with this status (``current`` …).
    :param engine: one of :data:`ENGINES`.
    :raises QueryError: nothing to search for, or too much (one line).
    :raises SearchError: the engine has no index.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown search engine {engine!r} (known: {', '.join(ENGINES)})")
    parsed = analysis.parse_query(query)
    limit, offset = max(0, int(limit)), max(0, int(offset))
    if not search_fts.exists(conn):
        raise SearchError("no search index yet (run `kb index`)")
    editions = None
    if status:
        editions = [r[0] for r in conn.execute(
            "select e.id from editions e where e.status = ? and exists "
            "(select 1 from clauses c where c.edition_id = e.id)", (status,))]
    if editions == []:  # no edition of that status has text
        return Results(query, engine, 0, offset)
    if engine == "fts":
        total, ranked = search_fts.search(conn, parsed, search_fts.scopes(standard, kind),
                                          language, editions, limit, offset)
    else:
        index = _folder_engine(conn, engine)
        if engine == "whoosh" and not (index.folder / _STATE).exists():
            raise SearchError("no whoosh index (run `kb index --whoosh`)")
        filters = engine_filters(standard, language, kind, editions)
        try:
            sync(conn, engines=(engine,))
            total, ranked = index.search(parsed, WEIGHTS, filters, limit, offset)
        except (OSError, ValueError) as error:  # unwritable folder, damaged files
            message = " ".join(str(error).split())[:200]
            if re.search(r"ReadOnlyFilesystem|Read-only file system|PermissionDenied",
                         message):  # tantivy opens its lock files for writing, even to read
                raise SearchError(f"the {engine} index beside the database cannot be opened "
                                  f"where nothing may be written ({message}); search with "
                                  "--engine fts, or copy the knowledge base elsewhere"
                                  ) from None
            raise SearchError(f"the {engine} index beside the database cannot be used "
                              f"({message}); run `kb index`") from None
    return Results(query, engine, total, offset, _hits(conn, parsed, ranked, marks))


def engine_filters(standard: str | None = None, language: str | None = None,
                   kind: str | None = None, editions: list[str] | None = None
                   ) -> dict[str, list[str]]:
    """The filters a folder engine takes: each field (``scope``: the edition or the work) and
    the values it may have; a filter not given is left out."""
    return {field: [value] if isinstance(value, str) else value for field, value in
            (("scope", standard), ("language", language), ("kind", kind),
             ("edition", editions)) if value is not None}


def _hits(conn: sqlite3.Connection, parsed: analysis.Query, ranked, marks) -> list[dict]:
    hits = []
    # equal scores in a stable order, whatever the engine's document order (tantivy's depends
    # on its indexing threads): by designation, language, clause
    ranked = sorted(ranked, key=lambda hit: (-float(hit[0]), *hit[1]))
    for score, (edition, language, number) in ranked:
        row = conn.execute("select heading, text, kind from clauses where edition_id = ? and "
                           "language = ? and number = ?", (edition, language, number)
                           ).fetchone()
        if row is None:  # deleted since the index was read
            continue
        heading, text, kind = row
        # the text around its matches; the start of the text where only the heading matched
        cut = analysis.snippet(text or heading or "", parsed, marks)
        hits.append({"designation": edition, "clause": number, "heading": heading,
                     "kind": kind, "language": language, "snippet": cut,
                     "score": round(float(score), 3)})
    return hits


# --- the folder indexes ----------------------------------------------------------------------


_OPEN: dict[tuple[str, str], tuple[int, object]] = {}
_OPEN_LOCK = threading.Lock()


def index_folder(conn: sqlite3.Connection, engine: str) -> Path | None:
    """The folder of ``engine``'s index beside the database (None for an in-memory one)."""
    row = conn.execute("pragma database_list").fetchone()
    return _beside(row[2], engine) if row and row[2] else None


def _beside(database: str | Path, engine: str) -> Path:
    return Path(f"{database}.{engine}")


def move_indexes(source: str | Path, target: str | Path) -> None:
    """The folder indexes built beside database file ``source`` follow it to ``target`` (a
    build renamed the file), replacing those that were there."""
    for name in _FOLDERS:
        built, old = _beside(source, name), _beside(target, name)
        shutil.rmtree(old, ignore_errors=True)
        if built.exists():
            built.rename(old)
        Path(f"{built}.lock").unlink(missing_ok=True)


def _folder_engine(conn: sqlite3.Connection, engine: str):
    """The open engine object of the folder (reopened when the folder was swapped)."""
    folder = index_folder(conn, engine)
    if folder is None:
        raise SearchError(f"the {engine} engine needs a database file")
    try:
        inode = folder.stat().st_ino
    except FileNotFoundError:
        inode = -1
    with _OPEN_LOCK:
        known = _OPEN.get((engine, str(folder)))
        if known and known[0] == inode:
            return known[1]
        if known:
            known[1].close()
        opened = _FOLDERS[engine](folder)
        _OPEN[(engine, str(folder))] = (inode, opened)
        return opened


def _read_state(folder: Path) -> dict | None:
    try:
        return json.loads((folder / _STATE).read_text())
    except (OSError, ValueError):
        return None


def _write_state(folder: Path, epoch: str, generation: int) -> None:
    temporary = folder / (_STATE + ".tmp")
    temporary.write_text(json.dumps({"epoch": epoch, "generation": generation}))
    os.replace(temporary, folder / _STATE)


def _db_state(conn: sqlite3.Connection) -> tuple[str | None, int]:
    """(the epoch of the FTS5 tables, the last search_log generation)."""
    try:
        epoch = conn.execute("select value from kb_meta where key = 'search_epoch'").fetchone()
        generation = conn.execute("select max(generation) from search_log").fetchone()[0]
    except sqlite3.OperationalError:
        return None, 0
    return (epoch[0] if epoch else None), generation or 0


@contextlib.contextmanager
def _locked(folder: Path):
    """One writer of the folder at a time, across processes."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{folder}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sync(conn: sqlite3.Connection, engines: Iterable[str] = ("tantivy", "whoosh"),
         progress: Callable[[int], None] | None = None) -> int:
    """Bring the folder indexes up to date with the database; return the clauses written.

    A folder index of another epoch (or none, for tantivy) is rebuilt from the FTS5 table;
    one behind the log gets the logged texts again.  whoosh is kept only once built.
    """
    epoch, generation = _db_state(conn)
    if epoch is None:
        return 0
    written = 0
    for name in engines:
        folder = index_folder(conn, name)
        if folder is None:
            continue
        state = _read_state(folder)
        if state == {"epoch": epoch, "generation": generation}:
            continue
        if state is None and name == "whoosh":
            continue
        with _locked(folder):
            state = _read_state(folder)
            if state is not None and state["epoch"] == epoch:
                if state["generation"] < generation:
                    written += _apply_log(conn, name, folder, state["generation"],
                                          generation)
                    _write_state(folder, epoch, generation)
            else:
                written += _build_folder(conn, name, folder, epoch, generation, progress)
    return written


def _apply_log(conn, name: str, folder: Path, since: int, until: int) -> int:
    texts = conn.execute("select distinct edition_id, language from search_log "
                         "where generation > ? and generation <= ? order by 1, 2",
                         (since, until)).fetchall()
    writer = _FOLDERS[name](folder).writer()
    count = 0
    try:
        for edition, language in texts:
            writer.delete(edition, language)
            docs = list(_stored_docs(conn, "c.edition_id = ? and c.language = ?",
                                     (edition, language)))
            writer.add(docs)
            count += len(docs)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return count


def _build_folder(conn, name: str, folder: Path, epoch: str, generation: int,
                  progress=None) -> int:
    """Build a folder index whole from the FTS5 table's analysis, then swap it in."""
    building = folder.with_name(folder.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    writer = _FOLDERS[name](building).writer(create=True)
    count = 0
    try:
        batch = []
        for doc in _stored_docs(conn):
            batch.append(doc)
            if len(batch) >= 1000:
                writer.add(batch)
                count += len(batch)
                if progress:
                    progress(len(batch))
                batch = []
        writer.add(batch)
        count += len(batch)
        if progress:
            progress(len(batch))
        writer.commit()
    except BaseException:
        writer.abort()
        shutil.rmtree(building, ignore_errors=True)
        raise
    _write_state(building, epoch, generation)
    _swap(building, folder)
    return count


def _swap(building: Path, folder: Path) -> None:
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    building.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def _stored_docs(conn, where: str = "1", params: tuple = ()) -> Iterator[tuple]:
    """Documents for a folder index from the analysis kept in the FTS5 table."""
    for edition, language, number, kind, work, heading, text, sub, grams in conn.execute(
        f"""select c.edition_id, c.language, c.number, c.kind, e.work_id,
                   f.heading, f.text, f.sub, f.grams
            from clauses c join clauses_fts f on f.rowid = c.rowid
            left join editions e on e.id = c.edition_id where {where}""", params):
        yield (edition, language, number, kind, work,
               analysis.Analysed(heading, text, sub, grams))


# --- indexing --------------------------------------------------------------------------------


def _ensure_tables(conn: sqlite3.Connection) -> None:
    conn.execute("""create table if not exists search_log (
                      generation integer primary key autoincrement,
                      edition_id text not null, language text not null)""")
    conn.execute("create table if not exists kb_meta (key text primary key, value text)")


def index_texts(conn: sqlite3.Connection, texts: Iterable[tuple[str, str]]) -> int:
    """Index the (edition, language) texts just written, inside the caller's transaction,
    and log them for the folder indexes (see the module doc); return the clauses indexed."""
    texts = sorted(set(texts))
    if not texts:
        return 0
    _ensure_tables(conn)
    if not search_fts.exists(conn):
        return rebuild_fts(conn)
    # one pass over every text, so a bulk load analyses its clauses on every core
    conn.execute("create temp table if not exists kb_texts (edition_id text, language text)")
    conn.execute("delete from temp.kb_texts")
    conn.executemany("insert into temp.kb_texts values (?, ?)", texts)
    count = _index_fts(conn, "(c.edition_id, c.language) in "
                             "(select edition_id, language from temp.kb_texts)")
    conn.executemany("insert into search_log(edition_id, language) values (?, ?)", texts)
    conn.execute("delete from temp.kb_texts")
    return count


def rebuild_fts(conn: sqlite3.Connection, progress=None, folders: tuple = ()) -> int:
    """Drop and rebuild the FTS5 tables in the caller's transaction, under a new epoch, and
    feed the same analysed rows to the folder ``writers`` given."""
    _ensure_tables(conn)
    search_fts.create(conn, WEIGHTS)
    conn.execute("insert or replace into kb_meta(key, value) values ('search_epoch', ?)",
                 (uuid.uuid4().hex,))
    return _index_fts(conn, progress=progress, folders=folders)


def _index_fts(conn, where: str = "1", params: tuple = (), progress=None,
               folders: tuple = ()) -> int:
    cursor = conn.execute(
        f"""select c.rowid, c.edition_id, c.language, c.number, c.kind, e.work_id,
                   c.heading, c.text
            from clauses c left join editions e on e.id = c.edition_id where {where}""",
        params)
    count = 0
    for rows in _analysed_batches(cursor, with_terms=bool(folders)):
        search_fts.insert(conn, [search_fts.clause_row(*row) for row in rows])
        for writer in folders:
            writer.add([(e, lang, n, k, w, a) for _, e, lang, n, k, w, a in rows])
        count += len(rows)
        if progress:
            progress(len(rows))
    terms = conn.execute(
        f"""select c.rowid, c.edition_id, c.language, c.entry, c.preferred, c.admitted,
                   c.definition from terms c where {where}""", params).fetchall()
    search_fts.insert_terms(conn, [
        (rowid, e, lang, entry, *(" ".join(analysis.words(v or "")) for v in values))
        for rowid, e, lang, entry, *values in terms])
    return count


_BATCH = 500


def _analyse(rows: list[tuple], with_terms: bool = False) -> list[tuple]:
    """(rowid, edition, language, number, kind, work, Analysed) rows; the index terms too
    if a ranking index takes them."""
    out = []
    for row in rows:
        analysed = analysis.index_text(row[6], row[7])
        out.append((*row[:6], analysed.with_terms() if with_terms else analysed))
    return out


def _analysed_batches(cursor: sqlite3.Cursor, with_terms: bool = False
                      ) -> Iterator[list[tuple]]:
    """Batches of (rowid, edition, language, number, kind, work, Analysed): analysing is most
    of the work, so a large set is spread over the machine's cores (fork: the workers share
    the loaded dictionaries)."""
    import multiprocessing
    from collections import deque

    first = cursor.fetchmany(_BATCH)
    second = cursor.fetchmany(_BATCH) if len(first) == _BATCH else []
    workers = min(os.cpu_count() or 1, 8)
    if not second or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for batch in (first, second):
            if batch:
                yield _analyse(batch, with_terms)
        while batch := cursor.fetchmany(_BATCH):
            yield _analyse(batch, with_terms)
        return
    analysis.index_text("预热", "")  # load the dictionaries once, before the fork
    pending: deque = deque()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        batch = first
        while batch:
            pending.append(pool.apply_async(_analyse, (batch, with_terms)))
            if len(pending) >= 2 * workers:
                yield pending.popleft().get()
            batch = second or cursor.fetchmany(_BATCH)
            second = []
        while pending:
            yield pending.popleft().get()


def rebuild(conn: sqlite3.Connection, progress: Callable[[int], None] | None = None,
            whoosh: bool | None = None) -> int:
    """Drop and rebuild every index from the clauses; return the clauses indexed.

    The clauses are analysed once and fed to FTS5 (in the caller's transaction) and to the
    tantivy index (built in a new folder and swapped in; should the transaction not commit,
    the next :func:`sync` sees another epoch and builds it again); whoosh too if it exists or
    ``whoosh`` is true, and a whoosh index is dropped if ``whoosh`` is false.
    """
    names = ["tantivy"]
    whoosh_folder = index_folder(conn, "whoosh")
    if whoosh or (whoosh is None and whoosh_folder is not None and
                  (whoosh_folder / _STATE).exists()):
        names.append("whoosh")
    folders = {}
    for name in names:
        folder = index_folder(conn, name)
        if folder is not None:
            building = folder.with_name(folder.name + ".building")
            shutil.rmtree(building, ignore_errors=True)
            folders[name] = (folder, building, _FOLDERS[name](building).writer(create=True))
    try:
        count = rebuild_fts(conn, progress, tuple(w for _, _, w in folders.values()))
        for _, _, writer in folders.values():
            writer.commit()
    except BaseException:
        for _, building, writer in folders.values():
            writer.abort()
            shutil.rmtree(building, ignore_errors=True)
        raise
    epoch, generation = _db_state(conn)
    for folder, building, _ in folders.values():
        _write_state(building, epoch, generation)
        with _locked(folder):
            _swap(building, folder)
    if whoosh is False and whoosh_folder is not None:
        shutil.rmtree(whoosh_folder, ignore_errors=True)
    return count
