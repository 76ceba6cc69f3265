"""The plumbing under the ``kb`` commands: bounded parameters, one-line failures, opening
the store and the read-only database, loads with progress bars, the search indexes kept in
step, served snapshots published, and query results printed as JSON or through a renderer."""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kb import render
from kb.catalogue import queries
from kb.identifiers.designation import DesignationError

if TYPE_CHECKING:
    from kb.catalogue.store import LoadSummary, Store


def db_option(f):
    return click.option(
        "--db", "db_path", envvar="KB_DB", default="kb.db", show_default=True,
        type=click.Path(dir_okay=False), help="Knowledge base file (or $KB_DB).",
    )(f)


class Fail(click.ClickException):
    """One line on stderr, exit 1."""

    def show(self, file=None) -> None:  # no "Error: " prefix noise beyond one line
        click.echo(f"kb: {self.message}", err=True)


class BoundedCommand(click.Command):
    """A command whose every text parameter is bounded (:mod:`kb.limits`): too long a value
    is refused in one line before the command runs."""

    def invoke(self, ctx: click.Context):
        from kb import limits

        for param in self.params:
            values = ctx.params.get(param.name)
            is_path = isinstance(param.type, click.Path)
            for value in values if isinstance(values, (tuple, list)) else (values,):
                if isinstance(value, str):
                    try:
                        limits.check(param.opts[-1] if param.opts[-1].startswith("-")
                                     else param.name.upper(), value,
                                     limits.PATH_CHARS if is_path else limits.PARAMETER_CHARS)
                    except limits.TooLong as error:
                        raise Fail(str(error)) from None
        try:
            return super().invoke(ctx)
        except (sqlite3.Error, OSError) as error:  # a storage fault: one line (storage.py)
            raise storage_fail(ctx.params.get("db_path"), error) from None


def storage_fail(db_path: str | Path | None, error: BaseException,
                  otherwise: str | None = None) -> BaseException:
    """The one line for a storage fault (:func:`kb.catalogue.storage.explain`); ``error`` itself (or
    ``otherwise``, said of the knowledge base) when it is not one."""
    from kb.catalogue import storage

    line = storage.explain(db_path, error)
    if line is None and otherwise is not None:
        line = f"{db_path}: {otherwise} ({' '.join(str(error).split())})"
    return Fail(line) if line is not None else error


class BoundedGroup(click.Group):
    command_class = BoundedCommand
    group_class = type


def tqdm(*args, **kwargs):
    """A progress bar on standard error (tqdm, imported when a command needs one)."""
    from tqdm import tqdm as bar

    return bar(*args, **kwargs)


def load(store: Store, paths, loader: str | None, quiet: bool = False,
          designation: str | None = None, date: str | None = None,
          title: str | None = None) -> LoadSummary:
    """Load ``paths`` into ``store`` with a progress bar; a load refused whole (a file no
    loader of its kind reads, a bad --designation) is one line (:class:`Fail`)."""
    from kb.catalogue.model import LoadError
    from loaders import documents_for

    bar = tqdm(unit=" records", desc="loading", disable=quiet or None, file=sys.stderr,
               dynamic_ncols=True, unit_scale=True)
    counts = {"loaded": 0, "unchanged": 0, "skipped": 0, "failed": 0}

    def progress(document, outcome):
        counts[outcome] += 1
        bar.set_postfix(counts, refresh=False)

    skipped: list[str] = []
    try:
        summary = store.load(documents_for(paths, loader, skipped, designation, date, title,
                                           known=store.loaded_hashes),
                             progress=progress,
                             on_records=bar.update, fill_fts=False)  # sync fills FTS5
    except LoadError as error:
        raise Fail(str(error)) from None
    finally:
        bar.close()
    if skipped:
        click.echo(render.skipped_files_line(skipped), err=True)
    return summary


def report(summary: LoadSummary) -> None:
    """A load's complaints on standard error, its summary line; exit 1 if a document failed."""
    for line in render.load_complaints(summary):
        click.echo(line, err=True)
    click.echo(summary.line())
    if summary.failed:
        raise SystemExit(1)


def reindex(store: Store, quiet: bool = False, whoosh: bool | None = None) -> int:
    """Rebuild every search index (FTS5 in one transaction, so a query never sees half of
    it; tantivy, and whoosh if wanted, beside the database), with a progress bar."""
    from kb.text import search

    if not store.conn.execute("select 1 from clauses limit 1").fetchone() and "clauses_fts" \
            not in store.db.table_names():
        return 0
    clauses = store.conn.execute("select count(*) from clauses").fetchone()[0]
    with tqdm(total=clauses, unit=" clauses", desc="indexing", disable=quiet or None,
              file=sys.stderr, dynamic_ncols=True) as bar:
        with store.db.atomic():
            rows = search.rebuild(store.conn, progress=bar.update, whoosh=whoosh,
                                  defer_fts=True)
    fill_fts(store, quiet)  # tantivy answers already; FTS5 follows
    return rows


def sync(store: Store, quiet: bool = False) -> None:
    """Bring the search indexes beside the database up to date after a load."""
    from kb.text import search

    with tqdm(unit=" clauses", desc="search index", disable=quiet or None, file=sys.stderr,
              dynamic_ncols=True, leave=False) as bar:
        search.sync(store.conn, progress=bar.update)
    fill_fts(store, quiet)


def fill_fts(store: Store, quiet: bool = False) -> None:
    """Move the clauses analysed by the last transactions into FTS5 (kb.text.search.drain_fts)."""
    from kb.text import search, search_fts

    behind = search_fts.behind(store.conn)
    if behind:
        with tqdm(total=behind, unit=" clauses", desc="FTS5 index", disable=quiet or None,
                  file=sys.stderr, dynamic_ncols=True, leave=False) as bar:
            search.drain_fts(store.conn, progress=bar.update)


def publish(db_path: str | Path, summary: LoadSummary | None = None) -> None:
    """Publish a snapshot of a served knowledge base (``kb serve`` follows it within a
    second) after a command changed it."""
    from kb.catalogue import snapshots

    if snapshots.served(db_path) and (summary is None or summary.loaded):
        try:
            snapshots.publish(db_path)
        except (sqlite3.Error, OSError) as error:
            click.echo(f"kb: {db_path}: loaded, but the served snapshot is not updated "
                       f"({error})", err=True)


def open_store(db_path: str | Path) -> Store:
    from kb.catalogue.store import Store

    try:
        return Store(db_path)
    except (sqlite3.DatabaseError, OSError) as error:
        raise storage_fail(db_path, error, "cannot open the knowledge base") from None


def discard(database: Path) -> None:
    """Remove a database file that will not be used, with its journal and index folders."""
    from kb.catalogue.snapshots import INDEX_SUFFIXES

    for suffix in INDEX_SUFFIXES:
        shutil.rmtree(f"{database}{suffix}", ignore_errors=True)
    for name in ("", "-journal", *(f"{suffix}.lock" for suffix in INDEX_SUFFIXES)):
        try:
            Path(f"{database}{name}").unlink(missing_ok=True)
        except OSError:  # a read-only file system: there is nothing of it to remove
            pass


def connect(db_path: str):
    """A read-only connection, after rolling back what an interrupted load left."""
    if not Path(db_path).is_file():
        raise Fail(f"{db_path}: no knowledge base here (run `kb build` first)")
    recover(db_path)
    from kb.catalogue import storage

    return storage.connect(db_path, readonly=True)


def recover(db_path: str) -> None:
    """Roll back what a killed load left before reading (or serving) the database."""
    from kb.catalogue import storage
    from kb.catalogue.store import recover

    try:
        recover(db_path)
    except (sqlite3.Error, OSError) as error:
        if storage.fault(error) not in ("read-only", "cannot-open"):
            raise storage_fail(db_path, error) from None
        raise Fail(f"{db_path}: a load was interrupted and its journal ({db_path}-journal) "
                    f"must be rolled back, which needs write access ({error}); run any "
                    "kb command as a user who may write there") from None


def ask(func, db_path: str, *args, refusals: tuple = ()):
    """Run a query function on the read-only database; its refusals (unknown designations,
    things not found, and ``refusals``) become one line, and so does a database that
    cannot be read."""
    conn = connect(db_path)
    try:
        return func(conn, *args)
    except (DesignationError, queries.NotFound, *refusals) as error:
        raise Fail(str(error)) from None
    except sqlite3.DatabaseError as error:
        raise storage_fail(db_path, error, "cannot read the knowledge base") from None
    finally:
        conn.close()


def is_file(path: str) -> bool:
    try:
        return Path(path).is_file()
    except (OSError, ValueError):  # a name too long for the system, a NUL byte
        return False


def is_loaded(conn, path: str) -> bool:
    from kb.bulletins import citations

    try:
        citations.find(conn, path)
    except (queries.NotFound, sqlite3.OperationalError):
        return False
    return True


def emit(result, as_json: bool, text_of) -> None:
    """Print a query result as JSON or through its text rendering (``text_of``), without
    the control characters a source's text may hold."""
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(render.clean(text_of(result)))


def load_closing(db_path: str, paths, loader: str | None, quiet: bool = False,
                 designation: str | None = None, date: str | None = None,
                 title: str | None = None, index: bool = True) -> LoadSummary:
    """Load ``paths`` into the store at ``db_path`` (and bring the search indexes up to date
    if ``index``), closing it; a load's refusal is one line."""
    store = open_store(db_path)
    try:
        summary = load(store, paths, loader, quiet, designation, date, title)
        if index:
            sync(store, quiet)
    finally:
        store.close()
    return summary


def build_fresh(target: Path, paths, quiet: bool) -> LoadSummary:
    """Load ``paths`` into a new file beside ``target``, which replaces it only when every
    document loaded (a bad file, a full disk: the new file goes, the old one stays)."""
    import os

    from kb.catalogue.store import Store

    temporary = target.with_name(target.name + ".building")
    try:
        temporary.unlink(missing_ok=True)
        store = Store(temporary)
    except (sqlite3.Error, OSError) as error:
        if isinstance(error, OSError):  # said of the knowledge base asked for, not its new file
            error = OSError(error.errno, error.strerror)
        discard(temporary)
        raise storage_fail(target, error, "cannot build the knowledge base") from None
    try:
        summary = load(store, paths, None, quiet)
        if not summary.failed:
            sync(store, quiet)  # FTS5 was written with the clauses; tantivy reads its analysis
    except BaseException as error:
        store.close()
        discard(temporary)
        if isinstance(error, (sqlite3.Error, OSError)):
            raise storage_fail(target, error) from None
        raise
    store.close()
    if summary.failed:
        discard(temporary)
        for error in summary.errors:
            click.echo(f"kb: {error}", err=True)
        raise Fail(render.build_failed_line(summary.failed, target))
    os.replace(temporary, target)
    from kb.text.search import move_indexes

    move_indexes(temporary, target)
    publish(target)
    return summary


def load_bulletin_file(db_path: str, bulletin: str) -> None:
    """``kb check FILE``: load the file as a bulletin first unless it is loaded already."""
    if not is_file(bulletin):
        return
    conn = connect(db_path) if Path(db_path).exists() else None
    try:
        loaded = conn is not None and is_loaded(conn, bulletin)
    finally:
        if conn is not None:
            conn.close()
    if not loaded:
        store = open_store(db_path)
        try:
            summary = load(store, [bulletin], "bulletin", quiet=True)
        finally:
            store.close()
        publish(db_path, summary)
        if summary.failed:
            report(summary)


def fetch_updates(urls: tuple[str, ...], folder: Path, quiet: bool) -> tuple[list, dict]:
    """Fetch each source (:func:`kb.catalogue.update.fetch`) into ``folder`` with a progress
    bar: what was fetched, and the folder's state; offline or refused, one line and nothing
    changed (a first try leaves no folder)."""
    from kb.catalogue import update as updates

    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise Fail(f"{folder}: cannot keep the downloads here ({error})") from None
    state = updates.read_state(folder)
    fetched = []
    try:
        for url in urls or tuple(updates.SOURCES.values()):
            with tqdm(unit="B", unit_scale=True, desc=updates.source_name(url),
                      disable=quiet or None, file=sys.stderr, dynamic_ncols=True) as bar:
                def progress(received, total, bar=bar):
                    bar.total = total
                    bar.update(received - bar.n)

                fetched.append(updates.fetch(url, folder, state, progress))
    except (updates.Offline, updates.UpdateError) as error:
        if created and not fetched:  # leave no trace of a first try that fetched nothing
            shutil.rmtree(folder, ignore_errors=True)
        prefix = "offline: " if isinstance(error, updates.Offline) else ""
        raise Fail(f"{prefix}{error}; nothing changed") from None
    finally:
        if folder.exists():
            updates.write_state(folder, state)
    return fetched, state


def load_updates(db_path: str, paths: list[str], quiet: bool) -> tuple[LoadSummary, dict]:
    """Load fetched Relaton archives; the summary and the editions each kind of change
    touched (:func:`kb.catalogue.update.changed_editions`)."""
    from kb.catalogue import update as updates

    store = open_store(db_path)
    try:
        before = queries.last_change(store.conn)
        summary = load(store, paths, "relaton", quiet)
        sync(store, quiet)
        editions = updates.changed_editions(store.conn, before)
    finally:
        store.close()
    return summary, editions


def search_scope(conn, standard: str | None, edition: str | None) -> str | None:
    """The canonical work or edition ``kb search`` is limited to (``--standard`` or
    ``--edition``, which must be loaded), or None."""
    if standard and edition:
        raise Fail("give --standard or --edition, not both")
    if not (standard or edition):
        return None
    from kb.identifiers.designation import parse

    try:
        scope = parse(standard or edition).edition.canonical
    except DesignationError as error:
        raise Fail(str(error)) from None
    if edition and not conn.execute("select 1 from editions where id = ?",
                                    (scope,)).fetchone():
        raise Fail(f"--edition: {scope} is not in the knowledge base")
    return scope


def write_output(output: str, result: str | bytes) -> None:
    """Write an export to ``output`` whole or not at all (a ``.part`` file renamed)."""
    path = Path(output)
    temporary = path.with_name(path.name + ".part")
    try:
        if isinstance(result, bytes):
            temporary.write_bytes(result)
        else:
            temporary.write_text(result, encoding="utf-8")
        temporary.replace(path)  # never a half-written file under the name asked for
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise Fail(f"{output}: cannot write ({error.strerror or error})") from None


def check_port(host: str, port: int) -> None:
    """Refuse in one line a port another server holds (Datasette binds it a moment later)."""
    import os
    import socket

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise Fail(f"cannot serve on {host}:{port}: {reason} (another server there? choose "
                   "a port with --port)") from None


def snapshot_to_serve(db_path: str) -> Path:
    """Publish a snapshot to serve (loads go on in the file, the server follows each new
    snapshot); of a damaged file, the last good snapshot, said on standard error."""
    from kb.catalogue import snapshots, storage

    try:
        return snapshots.publish(db_path, verify=True)
    except (sqlite3.Error, OSError) as error:
        kind = storage.fault(error)
        if kind not in ("damaged", "not-a-database"):
            raise storage_fail(db_path, error, "cannot write a snapshot to serve") from None
        said = " ".join(str(error).split())
        served = snapshots.fall_back(db_path)  # a damaged file is refused
        if served is None:
            raise Fail(storage.describe(kind, db_path, said)
                       + "; no snapshot of it is whole, nothing to serve") from None
        click.echo(f"kb: {db_path}: damaged ({said}), not served: serving the last good "
                   f"snapshot, {served.parent}; restore it (cp {served} {db_path}) or "
                   "rebuild with `kb build`", err=True)
        return served
