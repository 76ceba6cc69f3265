"""The ``kb`` command: a thin click skin over loaders, the store and the queries.

Every command works on the database named by ``--db`` or ``$KB_DB`` (default ``kb.db``).
Errors are one line on standard error with a non-zero exit.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kb import render
from kb.catalogue import queries
from kb.catalogue.model import LoadError
from kb.identifiers import stages
from kb.identifiers.designation import DesignationError, parse
from kb.wording import count

if TYPE_CHECKING:
    from kb.catalogue.store import LoadSummary, Store

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT / "data"
METADATA = ROOT / "metadata.yml"


def _db_option(f):
    return click.option(
        "--db", "db_path", envvar="KB_DB", default="kb.db", show_default=True,
        type=click.Path(dir_okay=False), help="Knowledge base file (or $KB_DB).",
    )(f)


class _Fail(click.ClickException):
    """One line on stderr, exit 1."""

    def show(self, file=None) -> None:  # no "Error: " prefix noise beyond one line
        click.echo(f"kb: {self.message}", err=True)


class _BoundedCommand(click.Command):
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
                        raise _Fail(str(error)) from None
        try:
            return super().invoke(ctx)
        except (sqlite3.Error, OSError) as error:  # a storage fault: one line (storage.py)
            raise _storage_fail(ctx.params.get("db_path"), error) from None


def _storage_fail(db_path: str | Path | None, error: BaseException,
                  otherwise: str | None = None) -> BaseException:
    """The one line for a storage fault (:func:`kb.catalogue.storage.explain`); ``error`` itself (or
    ``otherwise``, said of the knowledge base) when it is not one."""
    from kb.catalogue import storage

    line = storage.explain(db_path, error)
    if line is None and otherwise is not None:
        line = f"{db_path}: {otherwise} ({' '.join(str(error).split())})"
    return _Fail(line) if line is not None else error


class _BoundedGroup(click.Group):
    command_class = _BoundedCommand
    group_class = type


@click.group(cls=_BoundedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="standards-kb")
def main() -> None:
    """The standards knowledge base: designations, revision histories, clause text."""


# --- loading ---------------------------------------------------------------------------------


def tqdm(*args, **kwargs):
    """A progress bar on standard error (tqdm, imported when a command needs one)."""
    from tqdm import tqdm as bar

    return bar(*args, **kwargs)


def _load(store: Store, paths, loader: str | None, quiet: bool = False,
          designation: str | None = None, date: str | None = None,
          title: str | None = None) -> LoadSummary:
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
                             on_records=bar.update, fill_fts=False)  # _sync fills FTS5
    finally:
        bar.close()
    if skipped:
        shown = ", ".join(skipped[:3]) + (" …" if len(skipped) > 3 else "")
        click.echo(f"kb: skipped {count(len(skipped), 'file')} no loader reads: {shown}", err=True)
    return summary


def _report(summary: LoadSummary) -> None:
    for error in summary.errors:
        click.echo(f"kb: {error}", err=True)
    if summary.skipped:
        reasons = sorted(summary.skipped.items(), key=lambda r: (-r[1], r[0]))
        skipped_documents = count(sum(summary.skipped.values()), "document")
        click.echo(f"kb: skipped {skipped_documents} the knowledge base does not keep: "
                   + "; ".join(f"{reason} {n:,}" for reason, n in reasons),
                   err=True)
    for warning in summary.warnings[:20]:
        click.echo(f"kb: {warning}", err=True)
    if len(summary.warnings) > 20:
        click.echo(f"kb: … and {len(summary.warnings) - 20:,} more (kb doctor lists them)",
                   err=True)
    click.echo(summary.line())
    if summary.failed:
        raise SystemExit(1)


@main.command()
@_db_option
@click.option("--loader",
              type=click.Choice(["catalogue", "samr", "iso-open-data", "relaton", "sts", "text",
                                 "bulletin"]),
              help="Force a loader instead of choosing one from each file.")
@click.option("--designation", help="The documents' designation, for plain text that may "
              "not say it (otherwise read from the running header).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def load(db_path: str, loader: str | None, designation: str | None, quiet: bool,
         paths: tuple[str, ...]) -> None:
    """Load files or folders of any supported format into the knowledge base.

    Each document loads in its own transaction: a document that fails changes nothing, and
    loading a document a second time changes nothing.
    """
    store = _open_store(db_path)
    try:
        summary = _load(store, paths, loader, quiet, designation)
        _sync(store, quiet)
    except LoadError as error:
        raise _Fail(str(error)) from None
    finally:
        store.close()
    _publish(db_path, summary)
    _report(summary)


@main.command()
@_db_option
@click.option("--url", "urls", multiple=True, metavar="URL",
              help="Fetch this Relaton archive (.tar.gz, .tar.xz) instead of the public ISO "
                   "and IEC data; repeatable.")
@click.option("--cache", type=click.Path(file_okay=False),
              help="Folder for the downloaded archives (default: beside the database, "
                   "NAME.updates/).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
def update(db_path: str, urls: tuple[str, ...], cache: str | None, quiet: bool) -> None:
    """Fetch the newest public Relaton ISO and IEC data, load it by the same rules and say
    what changed (new, changed, withdrawn, replaced editions; `kb changes` lists them).

    Only what changed on the server is downloaded, and only records that changed are loaded.
    Offline, or when a server refuses, it says so in one line and changes nothing.
    """
    import datetime as dt

    from kb.catalogue import update as updates

    folder = Path(cache) if cache else updates.cache_folder(db_path)
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _Fail(f"{folder}: cannot keep the downloads here ({error})") from None
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
        raise _Fail(f"{prefix}{error}; nothing changed") from None
    finally:
        if folder.exists():
            updates.write_state(folder, state)
    wanted = [f for f in fetched if f.fresh or not f.loaded]
    if not wanted:
        click.echo("up to date: no source changed since the last update")
        return
    started = dt.date.today().isoformat()
    store = _open_store(db_path)
    try:
        before = queries.last_change(store.conn)
        summary = _load(store, [str(f.path) for f in wanted], "relaton", quiet)
        _sync(store, quiet)
        counts = queries.change_counts(store.conn, after=before, editions=True)
    except LoadError as error:
        raise _Fail(str(error)) from None
    finally:
        store.close()
    _publish(db_path, summary)
    updates.mark_loaded(state, wanted)
    updates.write_state(folder, state)
    from kb.catalogue.facts import CHANGE_CODES

    said = ", ".join(f"{counts.get(code, 0):,} {name}" for code, name in CHANGE_CODES.items())
    click.echo(f"updated from {', '.join(f.name for f in wanted)}: editions {said} "
               f"(kb changes --since {started})")
    _report(summary)


def _reindex(store: Store, quiet: bool = False, whoosh: bool | None = None) -> int:
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
    _fill_fts(store, quiet)  # tantivy answers already; FTS5 follows
    return rows


def _sync(store: Store, quiet: bool = False) -> None:
    """Bring the search indexes beside the database up to date after a load."""
    from kb.text import search

    with tqdm(unit=" clauses", desc="search index", disable=quiet or None, file=sys.stderr,
              dynamic_ncols=True, leave=False) as bar:
        search.sync(store.conn, progress=bar.update)
    _fill_fts(store, quiet)


def _fill_fts(store: Store, quiet: bool = False) -> None:
    """Move the clauses analysed by the last transactions into FTS5 (kb.text.search.drain_fts)."""
    from kb.text import search, search_fts

    behind = search_fts.behind(store.conn)
    if behind:
        with tqdm(total=behind, unit=" clauses", desc="FTS5 index", disable=quiet or None,
                  file=sys.stderr, dynamic_ncols=True, leave=False) as bar:
            search.drain_fts(store.conn, progress=bar.update)


def _publish(db_path: str | Path, summary: LoadSummary | None = None) -> None:
    """Publish a snapshot of a served knowledge base (``kb serve`` follows it within a
    second) after a command changed it."""
    from kb.catalogue import snapshots

    if snapshots.served(db_path) and (summary is None or summary.loaded):
        try:
            snapshots.publish(db_path)
        except (sqlite3.Error, OSError) as error:
            click.echo(f"kb: {db_path}: loaded, but the served snapshot is not updated "
                       f"({error})", err=True)


def _open_store(db_path: str | Path) -> Store:
    from kb.catalogue.store import Store

    try:
        return Store(db_path)
    except (sqlite3.DatabaseError, OSError) as error:
        raise _storage_fail(db_path, error, "cannot open the knowledge base") from None


@main.command()
@_db_option
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False),
              default=str(DEFAULT_DATA), show_default=True, help="Folder of embedded data.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.argument("extra", nargs=-1, type=click.Path())
def build(db_path: str, data_dir: str, quiet: bool, extra: tuple[str, ...]) -> None:
    """(Re)build the knowledge base from data/ (and EXTRA paths) into a fresh file.

    data/catalogue holds the catalogue facts, data/samples the sample documents' text.

    The new database replaces the old one only when the build succeeded.
    """
    target = Path(db_path)
    temporary = target.with_name(target.name + ".building")
    from kb.catalogue.store import Store

    try:  # a bad file, a full disk: the new file goes, the old one stays
        temporary.unlink(missing_ok=True)
        store = Store(temporary)
    except (sqlite3.Error, OSError) as error:
        if isinstance(error, OSError):  # said of the knowledge base asked for, not its new file
            error = OSError(error.errno, error.strerror)
        _discard(temporary)
        raise _storage_fail(target, error, "cannot build the knowledge base") from None
    try:
        samples = sorted((Path(data_dir) / "samples").glob("*.xml"))  # clause text (STS)
        summary = _load(store, [Path(data_dir) / "catalogue", *samples, *extra], None, quiet)
        if not summary.failed:
            _sync(store, quiet)  # FTS5 was written with the clauses; tantivy reads its analysis
    except BaseException as error:
        store.close()
        _discard(temporary)
        if isinstance(error, LoadError):
            raise _Fail(str(error)) from None
        if isinstance(error, (sqlite3.Error, OSError)):
            raise _storage_fail(target, error) from None
        raise
    store.close()
    if summary.failed:
        _discard(temporary)
        for error in summary.errors:
            click.echo(f"kb: {error}", err=True)
        raise _Fail(f"build failed: {count(summary.failed, 'document')} failed; "
                    f"{target} left as it was")
    os.replace(temporary, target)
    from kb.text.search import move_indexes

    move_indexes(temporary, target)
    _publish(target)
    click.echo(f"{target}: {summary.line()}")


def _discard(database: Path) -> None:
    """Remove a database file that will not be used, with its journal and index folders."""
    from kb.catalogue.snapshots import INDEX_SUFFIXES

    for suffix in INDEX_SUFFIXES:
        shutil.rmtree(f"{database}{suffix}", ignore_errors=True)
    for name in ("", "-journal", *(f"{suffix}.lock" for suffix in INDEX_SUFFIXES)):
        try:
            Path(f"{database}{name}").unlink(missing_ok=True)
        except OSError:  # a read-only file system: there is nothing of it to remove
            pass


# --- asking ----------------------------------------------------------------------------------


def _connect(db_path: str):
    """A read-only connection, after rolling back what an interrupted load left."""
    if not Path(db_path).is_file():
        raise _Fail(f"{db_path}: no knowledge base here (run `kb build` first)")
    _recover(db_path)
    from kb.catalogue import storage

    return storage.connect(db_path, readonly=True)


def _recover(db_path: str) -> None:
    """Roll back what a killed load left before reading (or serving) the database."""
    from kb.catalogue import storage
    from kb.catalogue.store import recover

    try:
        recover(db_path)
    except (sqlite3.Error, OSError) as error:
        if storage.fault(error) not in ("read-only", "cannot-open"):
            raise _storage_fail(db_path, error) from None
        raise _Fail(f"{db_path}: a load was interrupted and its journal ({db_path}-journal) "
                    f"must be rolled back, which needs write access ({error}); run any "
                    "kb command as a user who may write there") from None


def _ask(func, db_path: str, *args, refusals: tuple = ()):
    """Run a query function on the read-only database; its refusals (unknown designations,
    things not found, and ``refusals``) become one line, and so does a database that
    cannot be read."""
    conn = _connect(db_path)
    try:
        return func(conn, *args)
    except (DesignationError, queries.NotFound, *refusals) as error:
        raise _Fail(str(error)) from None
    except sqlite3.DatabaseError as error:
        raise _storage_fail(db_path, error, "cannot read the knowledge base") from None
    finally:
        conn.close()


# --- bulletins -------------------------------------------------------------------------------


@main.group("bulletin")
def bulletin_group() -> None:
    """Bulletins and notices: the standards they cite, resolved and checked."""


@bulletin_group.command("load")
@_db_option
@click.option("--date", help="The bulletin's date (YYYY-MM-DD); default: the latest full "
              "date written in it.")
@click.option("--title", help="The bulletin's title; default: its first line, unless that is "
              "a section heading (第一部分 …), in which case the document has none.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def bulletin_load(db_path: str, date: str | None, title: str | None, quiet: bool,
                  paths: tuple[str, ...]) -> None:
    """Load bulletins (text, Word, PDF): their parts, articles and every mention."""
    from kb.catalogue.model import check_date

    try:
        date = check_date(date, "--date")
    except ValueError as error:
        raise _Fail(str(error)) from None
    if title is not None and not title.strip():
        raise _Fail("--title: give the bulletin's title, not an empty string")
    store = _open_store(db_path)
    try:
        summary = _load(store, paths, "bulletin", quiet, date=date,
                        title=title.strip() if title else None)
    except LoadError as error:
        raise _Fail(str(error)) from None
    finally:
        store.close()
    _publish(db_path, summary)
    _report(summary)


@bulletin_group.command("show")
@_db_option
@click.option("--json", "as_json", is_flag=True, help="Print the bulletin's mentions as JSON.")
@click.argument("bulletin")
def bulletin_show(db_path: str, as_json: bool, bulletin: str) -> None:
    """The mentions of a bulletin (its id or the path it was loaded from), resolved."""
    from kb.bulletins import citations

    result = _ask(citations.bulletin, db_path, bulletin)
    if as_json:
        result = {k: v for k, v in result.items() if k != "text"}
    _print(result, as_json, render.bulletin_text)


@main.command("check")
@_db_option
@click.option("--json", "as_json", is_flag=True, help="Print the stale citations as JSON.")
@click.option("--since", help="Also list what loads and `kb update` changed since this date "
              "(YYYY-MM-DD) in the standards the bulletin cites.")
@click.argument("bulletin")
def check_command(db_path: str, as_json: bool, since: str | None, bulletin: str) -> None:
    """Stale citations in a bulletin: withdrawn or replaced editions, drafts since published,
    undated references whose latest edition changed after the bulletin's date.

    BULLETIN is a loaded bulletin's id, or a file, which is loaded first if it is not.
    """
    from kb.bulletins import citations
    from kb.catalogue.model import check_date

    try:
        since = check_date(since, "--since")
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    if _is_file(bulletin):
        conn = _connect(db_path) if Path(db_path).exists() else None
        try:
            loaded = conn is not None and _is_loaded(conn, bulletin)
        finally:
            if conn is not None:
                conn.close()
        if not loaded:
            store = _open_store(db_path)
            try:
                summary = _load(store, [bulletin], "bulletin", quiet=True)
            finally:
                store.close()
            _publish(db_path, summary)
            if summary.failed:
                _report(summary)
    result = _ask(citations.check, db_path, bulletin, since)
    _print(result, as_json, render.check_text)


@main.command("export")
@_db_option
@click.option("--format", "fmt", default="csv", show_default=True,
              help="csv, xlsx, md, html, docx, gbt7714, iso690, bibtex, csl-json or ris.")
@click.option("--lang", default="zh", show_default=True, help="Language of titles and "
              "headings: zh or en.")
@click.option("--simplified", is_flag=True, help="GB/T 7714: the simplified form "
              "(编号 题名[S].).")
@click.option("--no-bom", is_flag=True, help="CSV: no UTF-8 byte-order mark (written by "
              "default, so that Excel opens Chinese text right).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write to this file (text formats go to standard output without it).")
@click.option("--committee", help="All editions of this committee (e.g. ISO/PC 302).")
@click.option("--work", "works", multiple=True, help="All editions of this work (repeatable).")
@click.option("--designation", "designations", multiple=True,
              help="This edition (repeatable).")
@click.option("--status", help="Only editions with this status (current, withdrawn …).")
@click.argument("bulletin", required=False)
def export_command(db_path, fmt, lang, simplified, no_bom, output, committee, works,
                   designations, status, bulletin) -> None:
    """A reference table of the standards a bulletin cites, or of any editions chosen with
    --committee, --work, --designation and --status, for print or citation managers."""
    from kb.bulletins import citations, export

    if fmt not in export.FORMATS:
        raise _Fail(f"unknown export format {fmt!r} (known: {', '.join(export.FORMATS)})")
    if lang not in export.LANGUAGES:
        raise _Fail(f"unknown language {lang!r} (known: {', '.join(export.LANGUAGES)})")
    if fmt in export.BINARY and not output:
        raise _Fail(f"--format {fmt} writes a binary file: name it with -o FILE")
    if not bulletin and not (committee or works or designations or status):
        raise _Fail("name a bulletin, or choose editions with --committee, --work, "
                    "--designation or --status")

    def table(conn):
        if bulletin:
            b = citations.bulletin(conn, bulletin)
            rows = citations.references(b)
            if status:
                rows = [r for r in rows if r["status"] == status]
            return rows, b["title"] or b["id"]
        from kb.identifiers.designation import committee as committee_reference

        title = committee_reference(committee) if committee else "editions"
        return export.editions_table(conn, queries.chosen_editions(
            conn, committee, works, designations, status)), title

    rows, title = _ask(table, db_path)
    result = export.export(rows, fmt, lang, title=title, simplified=simplified,
                           bom=not no_bom)
    if output:
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
            raise _Fail(f"{output}: cannot write ({error.strerror or error})") from None
        click.echo(f"{output}: {count(len(rows), 'row')} ({fmt}, {lang})", err=True)
    else:
        click.echo(result, nl=False)


# --- comparisons -----------------------------------------------------------------------------


@main.command("diff")
@_db_option
@click.option("--format", "fmt", type=click.Choice(["text", "md", "html", "json"]),
              default="text", show_default=True)
@click.option("--only", help="Only pairs of this kind: changed (every kind but unchanged), "
              "renumbered, moved, added …")
@click.option("--lang", "language", help="Compare the text in this language (default: "
              "English if both have it).")
@click.argument("old")
@click.argument("new")
def diff_command(db_path, fmt, only, language, old, new) -> None:
    """Compare two editions of a work clause by clause: added, removed, renumbered, moved,
    split, merged and changed clauses with a word-level redline, and changed definitions."""
    from kb.catalogue import diff

    if only and only != "changed" and only not in diff.KINDS:
        raise _Fail(f"--only: unknown kind {only!r} (known: changed, {', '.join(diff.KINDS)})")
    result = _ask(diff.compare, db_path, old, new, language, refusals=(diff.DiffError,))
    if fmt == "json":
        if only:
            result = {**result, "pairs": render.kept_pairs(result, only)}
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(render.clean({"text": render.diff_text, "md": render.diff_markdown,
                                 "html": render.diff_html}[fmt](result, only)))


@main.command("crosswalk")
@_db_option
@click.option("--json", "as_json", is_flag=True, help="Print the crosswalk as JSON.")
@click.argument("national")
@click.argument("international")
def crosswalk_command(db_path, as_json, national, international) -> None:
    """Align a national adoption with the international edition it adopts: clauses, annexes
    and terms by their English equivalents; what is on one side only."""
    from kb.catalogue import diff

    _print(_ask(diff.crosswalk, db_path, national, international, refusals=(diff.DiffError,)),
           as_json, render.crosswalk_text)


def _is_file(path: str) -> bool:
    try:
        return Path(path).is_file()
    except (OSError, ValueError):  # a name too long for the system, a NUL byte
        return False


def _is_loaded(conn, path: str) -> bool:
    from kb.bulletins import citations

    try:
        citations.find(conn, path)
    except (queries.NotFound, sqlite3.OperationalError):
        return False
    return True


def _print(result, as_json: bool, text_of) -> None:
    """Print a query result as JSON or through its text rendering (``text_of``), without
    the control characters a source's text may hold."""
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(render.clean(text_of(result)))


@main.command()
@_db_option
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON.")
@click.argument("designation")
def history(db_path: str, as_json: bool, designation: str) -> None:
    """The timeline of a work: editions, drafts, stage events, replacements, adoptions."""
    _print(_ask(queries.history, db_path, designation), as_json, render.history_text)


@main.command()
@_db_option
@click.option("--json", "as_json", is_flag=True, help="Print the edition as JSON.")
@click.argument("designation")
def show(db_path: str, as_json: bool, designation: str) -> None:
    """One edition: titles, dates, status, stage events and relations."""
    _print(_ask(queries.edition, db_path, designation), as_json, render.edition_text)


_EARLIER_SCHEMA = ("this knowledge base was written by an earlier version of kb, without "
                   "sources' claims: `kb load` any file (or `kb build`) brings it up to date")


@main.command("changes")
@_db_option
@click.option("--since", help="Only changes logged on or after this date (YYYY-MM-DD).")
@click.option("--code", type=click.Choice(["N", "C", "W", "R"]),
              help="Only new (N), changed (C), withdrawn (W) or replaced (R) editions.")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
def changes_command(db_path: str, since: str | None, code: str | None, as_json: bool) -> None:
    """What loads changed in the editions' facts (new, changed, withdrawn, replaced)."""
    from kb.catalogue.model import check_date

    try:
        since = check_date(since, "--since")
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    from kb.catalogue import facts

    conn = _connect(db_path)
    if not facts.has_claims(conn):
        raise click.ClickException(_EARLIER_SCHEMA)
    rows = queries.changes(conn, since, code)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        what = f"{r['field']}: {r['old']} → {r['new']}" if r["field"] else (r["new"] or "")
        click.echo(f"{r['at']}  {r['code']}  {r['edition']}  {what}")
    click.echo(count(len(rows), "change") + (f" since {since}" if since else ""))


@main.command()
@_db_option
@click.option("--strict", is_flag=True,
              help="Exit 1 if any rule is broken (conflicts between sources do not count).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--full", is_flag=True, help="SQLite's full integrity check of the file (slower "
              "than the quick check run by default).")
def doctor(db_path: str, strict: bool, as_json: bool, full: bool) -> None:
    """Whether the file is whole (SQLite's integrity check, table by table), then what breaks
    the catalogue's own rules: counts and examples (see kb/catalogue/doctor.py)."""
    from kb.catalogue import doctor as checks
    from kb.catalogue import facts, storage

    conn = _connect(db_path)
    whole = checks.integrity(conn, full)
    if whole.count:  # a damaged file: say which tables, and check no rule on it
        if as_json:
            click.echo(json.dumps([whole.as_dict()], ensure_ascii=False, indent=2))
        else:
            click.echo(f"{whole.count:>8,}  {whole.name}: {whole.title}")
            for example in whole.examples:
                click.echo(f"          {example}")
        hurt = sorted({p.split(":")[0] for p in whole.examples})
        raise _Fail(storage.describe("damaged", db_path, f"hurt: {', '.join(hurt)}")
                    + "; the catalogue's rules were not checked")
    if not facts.has_claims(conn):
        raise click.ClickException(_EARLIER_SCHEMA)
    findings = [whole, *checks.run(conn)]
    if as_json:
        click.echo(json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            click.echo(f"{finding.count:>8,}  {finding.name}: {finding.title}")
            for example in finding.examples:
                click.echo(f"          {example}")
        faults = sum(f.count for f in findings if f.name in checks.FAULTS)
        click.echo(f"{count(faults, 'finding')} against the catalogue's rules"
                   + (" (none)" if not faults else ""))
    if strict and any(f.count for f in findings if f.name in checks.FAULTS):
        sys.exit(1)


@main.command()
@_db_option
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option("--whoosh/--no-whoosh", default=None,
              help="Also build (or drop) the whoosh index; by default it is rebuilt if it "
                   "exists.")
def index(db_path: str, quiet: bool, whoosh: bool | None) -> None:
    """Drop and rebuild the search indexes of clause text and terms."""
    if not Path(db_path).exists():
        raise _Fail(f"{db_path}: no knowledge base here (run `kb build` first)")
    store = _open_store(db_path)
    try:
        rows = _reindex(store, quiet, whoosh)
    finally:
        store.close()
    _publish(db_path)
    click.echo(f"{db_path}: indexed {count(rows, 'clause')}")


@main.command("search", context_settings={"ignore_unknown_options": True})
@_db_option
@click.option("--standard", help="Only this work or edition (any spelling).")
@click.option("--edition", help="Only this edition (any spelling; it must be loaded).")
@click.option("--lang", "language", help="Only clauses in this language (en, zh …).")
@click.option("--kind", help="Only this kind of clause (clause, term, annex, note, table, "
              "figure …).")
@click.option("--status", help="Only editions with this status (current, withdrawn …).")
@click.option("-n", "--limit", default=20, show_default=True, type=click.IntRange(1, 1000),
              help="Hits a page.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1),
              help="Which page of hits.")
@click.option("--engine", type=click.Choice(["tantivy", "fts", "whoosh"]), default="tantivy",
              show_default=True, help="The ranking index beside the database, SQLite FTS5, "
              "or the whoosh index (kb index --whoosh).")
@click.option("--cross/--no-cross", default=True, show_default=True,
              help="Also find clauses in the other language through the knowledge base's "
                   "bilingual terms and adoptions (ranked below every direct hit).")
@click.option("--json", "as_json", is_flag=True, help="Print the page as JSON.")
@click.argument("query", nargs=-1, required=True)
def search_command(db_path, standard, edition, language, kind, status, limit, page, engine,
                   cross, as_json, query) -> None:
    """Search clause text in English and Chinese; hits best first with a snippet.

    Words must all match; "quoted words" match as a phrase and audit* any word that starts
    so.  Chinese matches wherever the characters occur, Traditional or Simplified.  One hit a
    clause of a work (the newest edition, the others named under it); then the clauses in
    the other language found through a term or an adoption (--no-cross: not those).
    """
    from kb.text import search

    conn = _connect(db_path)
    try:
        if standard and edition:
            raise _Fail("give --standard or --edition, not both")
        if standard or edition:
            try:
                standard = parse(standard or edition).edition.canonical
            except DesignationError as error:
                raise _Fail(str(error)) from None
        if edition and not conn.execute("select 1 from editions where id = ?",
                                        (standard,)).fetchone():
            raise _Fail(f"--edition: {standard} is not in the knowledge base")
        try:
            results = search.search(conn, " ".join(query), limit=limit,
                                    offset=(page - 1) * limit, standard=standard,
                                    language=language, kind=kind, engine=engine,
                                    status=status, cross=cross)
        except (search.QueryError, search.SearchError) as error:
            raise _Fail(f"{db_path}: {error}") from None
    finally:
        conn.close()
    if as_json:
        click.echo(json.dumps(results.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render.clean(render.hits_text(results, limit)))


@main.command()
@_db_option
@click.option("--lang", "language", help="Language of the text (default: English if loaded).")
@click.option("--json", "as_json", is_flag=True, help="Print the clause as JSON.")
@click.argument("designation")
@click.argument("number")
def read(db_path: str, language: str | None, as_json: bool, designation: str,
         number: str) -> None:
    """Read a clause in place: parents, text, subclauses, neighbours, terms and citations."""
    result = _ask(queries.clause, db_path, designation, number, language)
    _print(result, as_json, render.clause_text)


@main.command("term")
@_db_option
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON.")
@click.argument("text")
def term_command(db_path: str, as_json: bool, text: str) -> None:
    """A term in every loaded standard, with definitions and other-language equivalents."""
    _print(_ask(queries.term, db_path, text), as_json, render.term_text)


@main.command("parse")
@click.option("--json", "as_json", is_flag=True, help="Print the parsed parts as JSON.")
@click.argument("designations", nargs=-1, required=True)
def parse_command(as_json: bool, designations: tuple[str, ...]) -> None:
    """Parse designations and print their canonical forms."""
    failed = False
    for text in designations:
        try:
            d = parse(text)
        except DesignationError as error:
            click.echo(f"kb: {error}", err=True)
            failed = True
            continue
        if as_json:
            from dataclasses import asdict

            click.echo(json.dumps({"canonical": d.canonical, "work": d.work.canonical,
                                   "kind": d.kind, **asdict(d)}, ensure_ascii=False))
        else:
            click.echo(d.canonical)
    if failed:
        raise SystemExit(1)


@main.command("stages")
def stages_command() -> None:
    """List the harmonized stage codes and the Chinese lifecycle and statuses."""
    click.echo("ISO/IEC harmonized stage codes (code, edition status, stage):")
    for code, text in stages.HARMONIZED.items():
        click.echo(f"  {code}  {stages.status_for_code(code):<9}  {text}")
    click.echo("Chinese standards (term, lifecycle step, catalogue status):")
    terms = list(dict.fromkeys([*stages.CN_LIFECYCLE, *stages.CN_STATUSES]))
    wide = max(render.display_width(t) for t in terms)
    for term in terms:
        step = stages.CN_LIFECYCLE.get(term, "—")
        click.echo(f"  {render.pad(term, wide)}  {step:<20}  "
                   f"{stages.CN_STATUSES.get(term, '—')}".rstrip())


# --- serving ---------------------------------------------------------------------------------


def datasette_args(db_path: str, inspect_file: str) -> list[str]:
    """Datasette options for serving the knowledge base as deployed: immutable, counted."""
    return [
        "-i", db_path, "--inspect-file", inspect_file, "--metadata", str(METADATA),
        "--setting", "suggest_facets", "off", "--setting", "default_page_size", "50",
        "--setting", "sql_time_limit_ms", "3000", "--setting", "facet_time_limit_ms", "500",
    ]


@main.command()
@_db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("-p", "--port", default=8001, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Datasette processes; more than one run behind HAProxy, which retries a "
                   "request a worker failed on another.")
def serve(db_path: str, host: str, port: int, workers: int) -> None:
    """Serve the knowledge base in Datasette (immutable, with an inspect file), fresh after
    every load (a snapshot, followed within a second), in one process or --workers N."""
    import socket

    if not Path(db_path).is_file():
        raise _Fail(f"{db_path}: no knowledge base here (run `kb build` first)")
    _recover(db_path)  # the snapshot is copied from it
    try:
        with socket.create_server((host, port)):
            pass  # free now; Datasette binds it a moment later
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise _Fail(f"cannot serve on {host}:{port}: {reason} (another server there? choose "
                    "a port with --port)") from None
    from kb.catalogue import snapshots, storage

    try:  # serve a snapshot: loads go on in the file, the server follows each new snapshot
        served = snapshots.publish(db_path, verify=True)
    except (sqlite3.Error, OSError) as error:
        kind = storage.fault(error)
        if kind not in ("damaged", "not-a-database"):
            raise _storage_fail(db_path, error, "cannot write a snapshot to serve") from None
        said = " ".join(str(error).split())
        served = snapshots.fall_back(db_path)  # a damaged file is refused
        if served is None:
            raise _Fail(storage.describe(kind, db_path, said)
                        + "; no snapshot of it is whole, nothing to serve") from None
        click.echo(f"kb: {db_path}: damaged ({said}), not served: serving the last good "
                   f"snapshot, {served.parent}; restore it (cp {served} {db_path}) or "
                   "rebuild with `kb build`", err=True)
    os.environ["KB_SNAPSHOTS"] = str(snapshots.folder(db_path).resolve())
    served = served.resolve()  # the server compares the two: both absolute
    datasette = [sys.executable, "-m", "datasette", "serve",
                 *datasette_args(str(served), str(served.parent / "inspect.json"))]
    if workers > 1:
        from kb.web import serving

        click.echo(f"serving {db_path} on http://{host}:{port}/ with "
                   f"{count(workers, 'worker')} behind HAProxy (Ctrl+C to stop)", err=True)
        try:
            raise SystemExit(serving.run(datasette, host, port, workers,
                                         snapshots.folder(db_path) / "serving"))
        except serving.ServingError as error:
            raise _Fail(str(error)) from None
    command = [*datasette, "--host", host, "--port", str(port)]
    click.echo(f"serving {db_path} on http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    # Datasette takes this process's place: a signal to `kb serve` (TERM, INT, KILL) reaches
    # the server itself, and nothing is left behind
    os.execv(sys.executable, command)


if __name__ == "__main__":
    main()
