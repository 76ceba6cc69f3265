"""Storage faults: the database file, its folder or its disk failing, said in one line.

Every command opens the knowledge base through :func:`connect` (one busy time-out,
:data:`BUSY_SECONDS`), and every SQLite or file-system error that reaches the command line
goes through :func:`explain`, which names the file, says what happened and what to do, or
returns None for an error that is not a storage fault (a bug, shown as such).  The faults:

* **damaged** (``database disk image is malformed``): restore the last snapshot (named when
  there is one) or rebuild with ``kb build``; ``kb doctor`` says which table is hurt
  (:func:`check`);
* **not a database** (``file is not a database``): the wrong file, or one whose header is
  overwritten;
* **full disk** (``database or disk is full``, ENOSPC): a transaction that does not fit is
  rolled back whole, so what was stored before is kept; free space and run again;
* **read-only** (a read-only file, folder or file system): nothing can be written there;
* **locked** past :data:`BUSY_SECONDS` by another process's write transaction;
* **disk error** (``disk I/O error``): the device failed a read or a write.

Nothing here writes: a command that meets a fault has changed nothing but what its own
rolled-back transaction would have.
"""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BUSY_SECONDS", "Damaged", "Problem", "check", "connect", "describe", "explain", "fault",
           "is_whole"]

#: Seconds a command waits for another process's write lock before it gives up.
BUSY_SECONDS = 5.0

#: SQLite's primary result codes (the low byte of ``sqlite_errorcode``) → fault.
_SQLITE_FAULTS = {
    sqlite3.SQLITE_CORRUPT: "damaged",
    sqlite3.SQLITE_NOTADB: "not-a-database",
    sqlite3.SQLITE_FULL: "full",
    sqlite3.SQLITE_READONLY: "read-only",
    sqlite3.SQLITE_PERM: "read-only",
    sqlite3.SQLITE_CANTOPEN: "cannot-open",
    sqlite3.SQLITE_BUSY: "locked",
    sqlite3.SQLITE_LOCKED: "locked",
    sqlite3.SQLITE_IOERR: "disk-error",
}
#: errno → fault, for file-system errors (index folders, snapshots, a build's new file).
_OS_FAULTS = {
    errno.ENOSPC: "full", errno.EDQUOT: "full", errno.EFBIG: "full",
    errno.EROFS: "read-only", errno.EACCES: "read-only", errno.EPERM: "read-only",
    errno.EIO: "disk-error",
}


def connect(path: str | Path, readonly: bool = False, **options) -> sqlite3.Connection:
    """A connection to the knowledge base at ``path`` that waits :data:`BUSY_SECONDS` for a
    lock; ``readonly`` opens it so that nothing can be written (``mode=ro``)."""
    options.setdefault("timeout", BUSY_SECONDS)
    if readonly:
        return sqlite3.connect(f"file:{urllib.parse.quote(str(path))}?mode=ro", uri=True,
                               **options)
    return sqlite3.connect(str(path), **options)


class Damaged(sqlite3.DatabaseError):
    """A file SQLite's integrity check finds damaged (:func:`check`); the message says
    where."""


def fault(error: BaseException) -> str | None:
    """The kind of storage fault an error is (``damaged``, ``not-a-database``, ``full``,
    ``read-only``, ``cannot-open``, ``locked``, ``disk-error``), or None."""
    if isinstance(error, Damaged):
        return "damaged"
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        if code is not None:
            return _SQLITE_FAULTS.get(code & 0xFF)
        message = str(error)  # an error raised without a code (older Pythons)
        for text, kind in (("malformed", "damaged"), ("not a database", "not-a-database"),
                           ("disk is full", "full"), ("readonly", "read-only"),
                           ("locked", "locked"), ("disk I/O", "disk-error")):
            if text in message:
                return kind
        return None
    if isinstance(error, OSError):
        return _OS_FAULTS.get(error.errno)
    return None


def _why_unwritable(path: Path) -> str | None:
    """Why nothing can be written at ``path`` (its file system, folder or file), or None."""
    folder = path.parent
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "its file system is mounted read-only"
    except OSError:
        return None
    if not os.access(folder, os.W_OK):
        return "its folder is read-only"
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is read-only"
    return None


def _snapshot_hint(db: Path) -> str:
    from kb.catalogue import snapshots

    last = snapshots.current(db) if db.suffix != ".building" else None
    return f" (cp {last} {db})" if last is not None else ""


def explain(db: str | Path | None, error: BaseException) -> str | None:
    """One line for a storage fault met while working on the knowledge base ``db`` (the file
    an OS error names, if it names one): what happened and what to do; None if ``error`` is
    not a storage fault."""
    kind = fault(error)
    if kind is None:
        return None
    named = getattr(error, "filename", None) if isinstance(error, OSError) else None
    path = Path(named or db or "the knowledge base")
    said = " ".join((error.strerror if isinstance(error, OSError) and error.strerror
                     else str(error)).split())
    if kind == "cannot-open":
        why = _why_unwritable(path)
        if why is None:
            return f"{path}: cannot open the knowledge base ({said})"
        kind, said = "read-only", f"{said}: {why}"
    line = describe(kind, path, said)
    return line + (" (`kb doctor` says which table is hurt)" if kind == "damaged" else "")


def describe(kind: str, path: str | Path, said: str) -> str:
    """The one line for a storage fault of ``kind`` (see :func:`fault`) at ``path``, with
    what SQLite or the system ``said``."""
    path = Path(path)
    if kind == "damaged":
        return (f"{path}: the knowledge base is damaged ({said}); nothing was changed: "
                f"restore the last snapshot{_snapshot_hint(path)} or rebuild it with "
                "`kb build`")
    if kind == "not-a-database":
        return (f"{path}: not a knowledge base ({said}): name the right file with --db, "
                f"restore the last snapshot{_snapshot_hint(path)} or rebuild it with "
                "`kb build`")
    if kind == "full":
        return (f"{path}: the disk is full ({said}); what was stored before is kept: free "
                "space and run the command again (what is already loaded is skipped)")
    if kind == "read-only":
        why = _why_unwritable(path)
        if why and why not in said and said != os.strerror(errno.EROFS):
            said = f"{said}: {why}"
        return (f"{path}: cannot write here ({said}); nothing was changed: make "
                f"{path.parent} writable, or copy the knowledge base elsewhere and use --db")
    if kind == "locked":
        return (f"{path}: another process has held the knowledge base locked for more than "
                f"{BUSY_SECONDS:g} s ({said}); nothing was changed: let it finish (a load "
                "or `kb index`) and run the command again")
    return (f"{path}: the disk failed a read or write ({said}); check the device, then "
            f"restore the last snapshot{_snapshot_hint(path)} or rebuild with `kb build`")


# --- integrity -------------------------------------------------------------------------------


@dataclass
class Problem:
    """Something SQLite's integrity check found: the table it is in (None when no table can
    be named: the file's own structure) and what it says."""

    table: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.table or 'the file'}: {self.message}"


#: FTS5's shadow tables: a part of the full-text index named by the prefix.
_FTS_SHADOW = re.compile(r"^(?P<index>\w+_fts)_(data|idx|content|docsize|config)$")


def owner(table: str | None) -> str | None:
    """What a damaged table means to a reader: a shadow table of an FTS5 index is part of
    that index (which `kb index` rebuilds); None for an ordinary table."""
    match = _FTS_SHADOW.match(table or "")
    return f"part of the {match['index']} search index" if match else None


def check(conn: sqlite3.Connection, full: bool = False) -> list[Problem]:
    """SQLite's ``quick_check`` (``integrity_check`` when ``full``) of the whole database;
    where it finds something, or cannot run at all on a damaged page, each table is checked
    alone to say which is hurt.  An empty list: the file is whole."""
    pragma = "integrity_check" if full else "quick_check"
    try:
        found = [line for (said,) in conn.execute(f"pragma {pragma}")
                 for line in _lines(said)]
    except sqlite3.DatabaseError as error:
        if fault(error) not in ("damaged", "disk-error"):
            raise
        found = None  # the check itself stopped on a damaged page: look table by table
    if found == ["ok"]:
        return []
    try:
        tables = [r[0] for r in conn.execute(
            "select name from sqlite_master where type = 'table' order by rootpage")]
    except sqlite3.DatabaseError as error:
        if fault(error) not in ("damaged", "disk-error"):
            raise
        return [Problem(None, "the schema (page 1) cannot be read; no table can be "
                        f"named ({error})")]
    problems: list[Problem] = []
    for table in tables:
        try:
            said = [line for (text,) in conn.execute(f'pragma {pragma}("{table}")')
                    for line in _lines(text)]
        except sqlite3.DatabaseError as error:
            if fault(error) not in ("damaged", "disk-error"):
                raise
            said = [str(error)]
        problems += [Problem(table, line) for line in said if line != "ok"]
    named = {p.message for p in problems}
    for line in found or []:  # what belongs to no table (pages nothing uses, the free list)
        if line != "ok" and line not in named:
            problems.append(Problem(None, line))
    if not problems:  # the whole check failed, no table alone does
        problems.append(Problem(None, "the check stopped on a damaged page no table owns"))
    return problems


def _lines(said: str) -> list[str]:
    """The problems in one row of an integrity check (a row may hold several lines)."""
    return [" ".join(line.split()) for line in said.splitlines()
            if line.strip() and not line.startswith("*** in database")]


def is_whole(path: str | Path) -> bool:
    """Whether the database file at ``path`` passes SQLite's quick check."""
    try:
        conn = connect(path, readonly=True)
    except sqlite3.Error:
        return False
    try:
        return not check(conn)
    except sqlite3.Error:
        return False
    finally:
        conn.close()
