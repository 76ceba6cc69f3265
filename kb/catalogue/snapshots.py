"""Immutable snapshots of a knowledge base, for serving while loads go on.

``kb serve`` serves a snapshot, never the file loads write: ``NAME.db.snapshots/`` beside the
database holds numbered snapshots (``000003/NAME.db`` with its search indexes beside it,
``NAME.db.tantivy``, and its table counts, ``inspect.json``) and ``current``, a link to the
newest.  A load into a served knowledge base (one that has the folder) publishes the next
snapshot when it has committed: the database copied with SQLite's backup API, the indexes'
files linked (their segments never change) or copied, the counts taken, the folder renamed
into place, then ``current`` switched by one atomic rename.  The server sees the new link
within a second and switches to the new snapshot between requests (``kb/web/guard.py``);
requests already running finish on the old one, whose connections close 30 s later.  The
snapshot before the current one is kept; older ones are removed, by the next publication,
once no process has a file of them open.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

#: Index folders kept beside a database (kb.text.search), copied into each snapshot.
INDEX_SUFFIXES = (".tantivy", ".whoosh")
#: Small files of an index folder that are rewritten in place: copied, never linked.
_REWRITTEN = ("meta.json", ".managed.json", "kb-state.json")


def folder(db: str | Path) -> Path:
    """The snapshots folder of a knowledge base."""
    return Path(f"{db}.snapshots")


def served(db: str | Path) -> bool:
    """Whether the knowledge base is served from snapshots (``kb serve`` made the folder)."""
    return folder(db).is_dir()


def current(db: str | Path) -> Path | None:
    """The database file of the current snapshot, or None."""
    link = folder(db) / "current"
    try:
        target = link.parent / os.readlink(link)
    except OSError:
        return None
    path = target / Path(db).name
    return path if path.is_file() else None


def publish(db: str | Path, verify: bool = False) -> Path:
    """Write the next snapshot of ``db`` and make it current; return its database file.

    :param verify: run SQLite's quick check on the copy before it is made current
        (``kb serve`` does; a load does not, its copy's table counts read every table).
    :raises sqlite3.Error, OSError: nothing is published (a damaged file,
        :class:`kb.catalogue.storage.Damaged` when ``verify`` finds it so; a full disk …).
    """
    db = Path(db)
    root = folder(db)
    root.mkdir(exist_ok=True)
    numbers = [int(p.name) for p in root.iterdir() if p.name.isdigit()]
    number = max(numbers, default=0) + 1
    building = root / f".{number:06d}.building"
    try:
        final = _write(db, building, number, verify)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)  # no half-written snapshot is left
        raise
    _make_current(root, final)
    prune(db)
    return final / db.name


def _write(db: Path, building: Path, number: int, verify: bool) -> Path:
    """Write snapshot ``number`` into ``building`` and rename it into place."""
    from kb.catalogue import storage

    root = building.parent
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir()
    target = building / db.name
    source = storage.connect(db, readonly=True)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            problems = storage.check(copy) if verify else []
            if problems:
                raise storage.Damaged("; ".join(map(str, problems[:3])))
            counts = {name: copy.execute(f'select count(*) from "{name}"').fetchone()[0]
                      for (name,) in copy.execute(
                          "select name from sqlite_master where type = 'table'")}
        finally:
            copy.close()
    finally:
        source.close()
    for suffix in INDEX_SUFFIXES:
        index = Path(f"{db}{suffix}")
        if index.is_dir():
            _link_tree(index, Path(f"{target}{suffix}"))
    (building / STATISTICS).write_text(json.dumps(statistics(target, counts)),
                                       encoding="utf-8")
    name = db.stem
    (building / "inspect.json").write_text(json.dumps({name: {
        "hash": f"snapshot-{number}", "size": target.stat().st_size, "file": str(target),
        "tables": {t: {"count": n} for t, n in counts.items()}}}), encoding="utf-8")
    final = root / f"{number:06d}"
    os.rename(building, final)
    return final


def _make_current(root: Path, snapshot: Path) -> None:
    link = root / ".current.new"
    link.unlink(missing_ok=True)
    link.symlink_to(snapshot.name)
    os.replace(link, root / "current")  # the switch: one atomic rename


def fall_back(db: str | Path) -> Path | None:
    """Make the newest snapshot that passes SQLite's quick check current (the last good one,
    for serving while ``db`` is damaged); return its database file, or None if no snapshot
    is whole."""
    from kb.catalogue import storage

    root = folder(db)
    if not root.is_dir():
        return None
    for snapshot in sorted((p for p in root.iterdir() if p.name.isdigit()),
                           key=lambda p: -int(p.name)):
        path = snapshot / Path(db).name
        if path.is_file() and storage.is_whole(path):
            _make_current(root, snapshot)
            return path
    return None


#: The file beside a snapshot's database with its precomputed value counts.
STATISTICS = "statistics.json"
#: Tables with fewer rows are counted by SQLite when asked (fast enough).
STATISTICS_MIN_ROWS = 10_000
#: A column with more distinct values than this (in a sample, then in full) is not counted.
STATISTICS_MAX_VALUES = 1_000


def statistics(db: str | Path, counts: dict[str, int],
               min_rows: int = STATISTICS_MIN_ROWS) -> dict:
    """How many rows have each value, for the columns of few values of the large tables
    (``{table: {column: {"type": declared type, "values": {str(value): rows}}}}``), so that
    a filtered table's count (``editions?status=current``) is known without counting; the
    full-text index's own tables are left out."""
    out: dict[str, dict] = {}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        for table, rows in counts.items():
            if rows < min_rows or "_fts" in table or table.startswith("sqlite_"):
                continue
            for _, column, kind, *_ in conn.execute(f'pragma table_info("{table}")'):
                if kind.upper() not in ("TEXT", "INTEGER"):  # types that compare as Datasette's
                    continue                                # text parameters do
                sample = conn.execute(f'select count(distinct "{column}") from (select '
                                      f'"{column}" from "{table}" limit 2000)').fetchone()[0]
                if sample > STATISTICS_MAX_VALUES // 5:
                    continue
                values: dict[str, int] = {}
                cursor = conn.execute(f'select "{column}", count(*) from "{table}" '
                                      f'where "{column}" is not null group by "{column}"')
                for value, n in cursor:
                    values[str(value)] = n
                    if len(values) > STATISTICS_MAX_VALUES:
                        break
                else:
                    out.setdefault(table, {})[column] = {"type": kind.upper(),
                                                         "values": values}
    finally:
        conn.close()
    return out


def _link_tree(source: Path, target: Path) -> None:
    """A copy of an index folder whose files are hard links where they never change."""
    for path in source.rglob("*"):
        if path.name.endswith(".lock"):
            continue
        out = target / path.relative_to(source)
        if path.is_dir():
            out.mkdir(parents=True, exist_ok=True)
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        if path.name in _REWRITTEN:
            shutil.copy2(path, out)
            continue
        try:
            os.link(path, out)
        except OSError:  # another file system
            shutil.copy2(path, out)


def prune(db: str | Path) -> list[Path]:
    """Remove snapshots older than the one before the current, unless a process still has
    one of their files open; return those removed."""
    root = folder(db)
    numbered = sorted((p for p in root.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
    keep = set(numbered[-2:])
    cur = current(db)
    if cur is not None:
        keep.add(cur.parent)
    busy = _open_files()
    removed = []
    for snapshot in numbered:
        if snapshot in keep or any(str(f).startswith(f"{snapshot}/") for f in busy):
            continue
        shutil.rmtree(snapshot, ignore_errors=True)
        removed.append(snapshot)
    return removed


def _open_files() -> set[str]:
    """Files any process of this user has open (Linux /proc; empty elsewhere)."""
    found: set[str] = set()
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            for fd in fd_dir.iterdir():
                try:
                    found.add(os.readlink(fd))
                except OSError:
                    continue
        except OSError:
            continue
    return found
