"""What keeps the served database from hurting the server (limits on every connection
Datasette opens, and a bound on request URLs), and what keeps it fresh (the switch to each
new snapshot a load publishes, :mod:`kb.catalogue.snapshots`).

Datasette already runs arbitrary SQL read-only with a time limit (``sql_time_limit_ms``,
set by ``kb serve``) and at most ``max_returned_rows`` rows.  A single SQL function call can
still allocate gigabytes inside one step of SQLite's virtual machine (``randomblob(1e9)``,
``zeroblob``, ``printf('%.*c', …)``), which no time limit interrupts; and SQL can attach
files, nest expressions without end or ask for thousands of columns, and many rows of large
values add up in the server's memory.  The limits below (``sqlite3.Connection.setlimit``)
refuse the first kinds in SQLite itself, before memory is spent (values larger than any the
knowledge base stores); a row factory stops a query whose rows pass a byte budget.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import os
import re
import sqlite3
import threading
import time
import weakref
from collections import OrderedDict
from pathlib import Path

from datasette import hookimpl
from datasette.database import Database, Results
from datasette.utils.asgi import Response

from kb import limits
from kb.catalogue.snapshots import STATISTICS

#: SQLite limits on every served connection: (limit, value).
CONNECTION_LIMITS = (
    (sqlite3.SQLITE_LIMIT_LENGTH, limits.VALUE_BYTES),  # one value or row: what is stored
    (sqlite3.SQLITE_LIMIT_SQL_LENGTH, 100_000),  # bytes of one SQL statement
    (sqlite3.SQLITE_LIMIT_COLUMN, 64),  # columns of a result, index or table
    (sqlite3.SQLITE_LIMIT_EXPR_DEPTH, 100),  # nesting of an expression
    (sqlite3.SQLITE_LIMIT_COMPOUND_SELECT, 20),  # terms of a UNION / INTERSECT / EXCEPT
    (sqlite3.SQLITE_LIMIT_FUNCTION_ARG, 16),  # arguments of one function call
    (sqlite3.SQLITE_LIMIT_ATTACHED, 0),  # ATTACH refused: no other file is ever opened
    (sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 1_000),  # bytes of a LIKE or GLOB pattern
    (sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 1_000),  # parameters of one statement
)


#: Bytes of text and blobs one query may return (its rows are held in memory at once).
RESULT_BYTES = 32_000_000


class ResultTooLarge(sqlite3.DataError):
    """A query's rows would hold more than :data:`RESULT_BYTES`."""


def _budgeted(row_factory):
    """A row factory that counts the bytes each cursor has returned and stops the query
    past :data:`RESULT_BYTES` (many rows of large values: 1 000 rows of 16 random blobs of
    0.9 MB took the server to 1.8 GB before this)."""
    spent: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def factory(cursor, row):
        size = spent.get(cursor, 0) + sum(
            len(value) for value in row if isinstance(value, (str, bytes)))
        if size > RESULT_BYTES:
            raise ResultTooLarge(f"the result would be larger than {RESULT_BYTES:,} bytes: "
                                 "ask for fewer rows or columns")
        spent[cursor] = size
        return row_factory(cursor, row) if row_factory else row

    return factory


@hookimpl
def prepare_connection(conn):
    """Every connection Datasette opens gets the limits above and a result budget
    (extension loading stays off, as Python's sqlite3 leaves it)."""
    for limit, value in CONNECTION_LIMITS:
        conn.setlimit(limit, value)
    conn.row_factory = _budgeted(conn.row_factory)


def fixed_templates(datasette) -> None:
    """Served snapshots come with templates that do not change while the server runs: Jinja
    need not look at their files' times on every render."""
    if os.environ.get("KB_SNAPSHOTS"):
        datasette.jinja_env.auto_reload = False


@hookimpl
def asgi_wrapper(datasette):
    """A request whose path and query are longer than :data:`kb.limits.URL_BYTES` gets 414
    before any page runs; the served snapshot is followed; its answers are cached
    (:mod:`kb.web.cache`); the others run a few at a time (:mod:`kb.web.admission`)."""

    def wrap(app):
        from kb.web import admission, cache, i18n

        app = i18n.remember(cache.wrap(
            admission.wrap(app, admission.limit()),
            lambda: _followed["target"] if os.environ.get("KB_SNAPSHOTS") else None))

        async def bounded(scope, receive, send):
            if scope.get("type") == "http":
                follow_snapshot(datasette)
                size = len(scope.get("raw_path") or scope.get("path", "").encode()) + len(
                    scope.get("query_string") or b"")
                if size > limits.URL_BYTES:
                    response = Response.text(
                        f"request URL of {size:,} bytes (at most {limits.URL_BYTES:,})\n",
                        status=414)
                    await response.asgi_send(send)
                    return
            if b"sql=" in (scope.get("query_string") or b""):
                _arbitrary.set(True)  # this request's task (and only it) runs arbitrary SQL
            await app(scope, receive, send)

        return bounded

    return wrap


#: Bytes of query answers a snapshot keeps (one answer at most a 64th of it).
RESULT_MEMO_BYTES = 64 << 20
#: SQL whose answer may change from one run to the next: never kept.
_VOLATILE = re.compile(r"random|date|time|julianday|strftime|current_|changes|last_insert",
                       re.I)


def _memoized(name: str):
    """A Database method whose answer never changes for an immutable file, asked once."""
    method = getattr(Database, name)

    async def memo(self, *args):
        key = (name, *args)
        try:
            return self._schema_memo[key]
        except KeyError:
            value = await method(self, *args)
            self._schema_memo[key] = value
            return value

    memo.__name__ = name
    memo.__doc__ = method.__doc__
    return memo


#: Milliseconds arbitrary SQL (``?sql=``) may run on a snapshot: less than the pages' own
#: queries get, so that a few slow queries hold Datasette's three SQL threads for a second,
#: not three (``sql_time_limit_ms``, set by ``kb serve``).
ARBITRARY_SQL_TIME_LIMIT_MS = 1_000
_arbitrary: contextvars.ContextVar[bool] = contextvars.ContextVar("kb_arbitrary_sql",
                                                                  default=False)
#: Milliseconds a filtered table's count may take when no statistics know it.
COUNT_TIME_LIMIT_MS = 1_000
_NAME = r'(\w+|\[[^\]]+\]|"(?:[^"]|"")+")'
#: The count Datasette asks for a table filtered by one column's value.
_COUNT = re.compile(rf"select count\(\*\) from {_NAME} where {_NAME} = :(\w+) ?$")


def _unquote(name: str | None) -> str | None:
    if name and name[0] == "[":
        return name[1:-1]
    if name and name[0] == '"':
        return name[1:-1].replace('""', '"')
    return name


#: Answers of the pages' shared questions a snapshot keeps (SnapshotDatabase.answer).
ANSWERS = 256


async def answer(db, key: tuple, fn):
    """``fn(conn)`` on ``db``, kept for the snapshot when ``db`` is one (see
    :meth:`SnapshotDatabase.answer`); asked afresh on any other database."""
    if isinstance(db, SnapshotDatabase):
        return await db.answer(key, fn)
    return await db.execute_fn(fn)


class SnapshotDatabase(Database):
    """A snapshot served under the knowledge base's name.  Datasette keeps one connection per
    thread keyed by the database's name, which would let the new snapshot's requests reuse
    the old snapshot's connections; this one keys them by the snapshot too.  A snapshot never
    changes, so what Datasette asks about its schema (tables, columns, keys, full-text
    tables, labels), a dozen round trips to the SQL threads for each page, is asked once."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.statistics: dict = {}  # kb.catalogue.snapshots.statistics of this snapshot
        self._schema_memo: dict = {}
        self._answers: OrderedDict = OrderedDict()
        self._results: OrderedDict = OrderedDict()  # (sql, params, …) -> (Results, bytes)
        self._results_size = 0

    async def execute(self, sql, params=None, truncate=False, custom_time_limit=None,
                      page_size=None, log_sql_errors=True):
        """Datasette's execute, with the answers of deterministic queries kept (the same SQL
        and parameters give the same rows on a snapshot): a filtered table's count or a page
        of foreign-key labels is computed once, whatever page asks for it again."""
        if _arbitrary.get():
            custom_time_limit = min(custom_time_limit or ARBITRARY_SQL_TIME_LIMIT_MS,
                                    ARBITRARY_SQL_TIME_LIMIT_MS)
        if sql.startswith("select count(*) from "):
            count = _COUNT.match(sql)
            known = self._counted(count, params) if count else None
            if known is not None:
                return Results([(known,)], False, [("count(*)",)])
            # counted by SQLite, in at most COUNT_TIME_LIMIT_MS: a page shows no count
            # rather than wait (and says why, templates/_description_source_license.html)
            custom_time_limit = min(custom_time_limit or COUNT_TIME_LIMIT_MS,
                                    COUNT_TIME_LIMIT_MS)
        key = None
        if not _VOLATILE.search(sql):
            key = (sql, repr(sorted(params.items()) if isinstance(params, dict) else params),
                   truncate, page_size)
            cached = self._results.get(key)
            if cached is not None:
                self._results.move_to_end(key)
                return cached[0]
        results = await super().execute(sql, params, truncate=truncate,
                                        custom_time_limit=custom_time_limit,
                                        page_size=page_size, log_sql_errors=log_sql_errors)
        if key is not None:
            size = sum(len(v) if isinstance(v, (str, bytes)) else 8
                       for row in results.rows for v in tuple(row))
            if size <= RESULT_MEMO_BYTES // 64:
                self._results[key] = (results, size)
                self._results_size += size
                while self._results_size > RESULT_MEMO_BYTES:
                    _, (_, old) = self._results.popitem(last=False)
                    self._results_size -= old
        return results

    def _counted(self, match: re.Match, params) -> int | None:
        """The rows of ``table where column = :p`` from the snapshot's statistics, or None
        when they do not have that column (or the parameter would compare otherwise)."""
        table, column, name = (_unquote(match.group(g)) for g in (1, 2, 3))
        known = self.statistics.get(table, {}).get(column)
        value = params.get(name) if isinstance(params, dict) else None
        if known is None or not isinstance(value, str):
            return None
        if known["type"] == "INTEGER" and not re.fullmatch(r"-?[1-9]\d*|0", value):
            return None  # "05" or "5.0" would compare equal to 5 in SQLite
        return known["values"].get(value, 0)

    table_exists = _memoized("table_exists")
    table_names = _memoized("table_names")
    table_columns = _memoized("table_columns")
    table_column_details = _memoized("table_column_details")
    primary_keys = _memoized("primary_keys")
    fts_table = _memoized("fts_table")
    label_column_for_table = _memoized("label_column_for_table")
    foreign_keys_for_table = _memoized("foreign_keys_for_table")
    hidden_table_names = _memoized("hidden_table_names")
    view_names = _memoized("view_names")
    get_all_foreign_keys = _memoized("get_all_foreign_keys")
    get_table_definition = _memoized("get_table_definition")
    get_view_definition = _memoized("get_view_definition")

    async def answer(self, key: tuple, fn):
        """``fn(conn)``'s answer, computed once for this snapshot under ``key`` (what the
        pages ask again and again with other URLs: the change log's counts, the lists of
        bulletins and adopted works); at most :data:`ANSWERS` are kept."""
        try:
            value = self._answers[key]
            self._answers.move_to_end(key)
            return value
        except KeyError:
            value = await self.execute_fn(fn)
            self._answers[key] = value
            while len(self._answers) > ANSWERS:
                self._answers.popitem(last=False)
            return value

    async def execute_fn(self, fn):
        if self.ds.executor is None:
            return await super().execute_fn(fn)
        key = f"{self.name}@{id(self)}"

        def in_thread():
            conn = getattr(_connections, key, None)
            if not conn:
                conn = self.connect()
                self.ds._prepare_connection(conn, self.name)
                setattr(_connections, key, conn)
            return fn(conn)

        return await asyncio.get_running_loop().run_in_executor(self.ds.executor, in_thread)


_connections = threading.local()

#: Seconds between two looks at the snapshots folder's ``current`` link.
SNAPSHOT_CHECK_SECONDS = 0.5
_followed = {"checked": 0.0, "target": None}


def follow_snapshot(datasette) -> bool:
    """Serve the current snapshot (``kb.catalogue.snapshots``): when ``$KB_SNAPSHOTS/current``
    points
    somewhere new, the knowledge base's database is replaced by the new snapshot's in one
    swap of Datasette's table of databases; requests already running keep the old one.
    Looks at most every :data:`SNAPSHOT_CHECK_SECONDS`; True when it switched."""
    root = os.environ.get("KB_SNAPSHOTS")
    now = time.monotonic()
    if not root or now - _followed["checked"] < SNAPSHOT_CHECK_SECONDS:
        return False
    _followed["checked"] = now
    try:
        target = os.readlink(Path(root) / "current")
    except OSError:
        return False
    if target == _followed["target"]:
        return False
    served = [(name, db) for name, db in datasette.databases.items()
              if db.path and Path(db.path).parent.parent == Path(root)]
    if not served:
        return False
    name, old = served[0]
    path = Path(root) / target / Path(old.path).name
    if not path.is_file():
        return False
    if Path(old.path) == path and isinstance(old, SnapshotDatabase):
        _followed["target"] = target
        return False
    new = SnapshotDatabase(datasette, path=str(path), is_mutable=False)
    new.name, new.route = name, old.route
    try:
        facts = json.loads((path.parent / "inspect.json").read_text(encoding="utf-8"))
        info = next(iter(facts.values()))
        new._cached_table_counts = {t: v["count"] for t, v in info["tables"].items()}
        new.cached_hash = info["hash"]
    except (OSError, ValueError, StopIteration, KeyError):
        pass  # Datasette counts the tables itself
    try:
        new.statistics = json.loads((path.parent / STATISTICS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass  # filtered tables are counted by SQLite
    databases = datasette.databases.copy()
    databases[name] = new
    datasette.databases = databases  # one assignment: a request sees the old or the new
    _followed["target"] = target
    _close_later(old)
    _warm(datasette, new.route)
    return True


def _warm(datasette, route: str) -> None:
    """Fill the response cache with the home and database pages of the snapshot just
    served: each takes some 170 round trips to Datasette's SQL threads, which under load wait
    behind other requests' queries (p50 1.3 s at 20 clients); cached, they cost nothing."""
    async def fetch() -> None:
        for path in ("/", f"/{route}"):
            for language in ("en", "zh"):  # the cache keeps a page per interface language
                try:
                    await datasette.client.get(path, headers={"Accept-Language": language})
                except Exception:  # noqa: BLE001 - a page that fails is simply not cached
                    pass

    try:
        asyncio.get_running_loop().create_task(fetch())
    except RuntimeError:
        pass


#: Seconds the old snapshot's connections stay open for requests already running on it
#: (well past the SQL time limit); then they close and the snapshot can be removed.
OLD_SNAPSHOT_SECONDS = 30


def _close_later(old: Database) -> None:
    try:
        asyncio.get_running_loop().call_later(OLD_SNAPSHOT_SECONDS, old.close)
    except RuntimeError:  # no loop (called outside a request): close at once
        old.close()
