"""The ``kb`` command: a thin click skin over loaders, the store and the queries.

Every command works on the database named by ``--db`` or ``$KB_DB`` (default ``kb.db``).
Errors are one line on standard error with a non-zero exit.  Each command parses its
options, asks a function for data (:mod:`kb.catalogue.queries`, :mod:`kb.bulletins` …) and
prints it through :mod:`kb.render`; the plumbing is in :mod:`kb.cli_support`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from kb import render
from kb.catalogue import queries
from kb.cli_support import (
    BoundedGroup,
    Fail,
    ask,
    build_fresh,
    check_port,
    connect,
    db_option,
    emit,
    fetch_updates,
    load_bulletin_file,
    load_closing,
    load_updates,
    open_store,
    publish,
    recover,
    reindex,
    report,
    search_scope,
    snapshot_to_serve,
    write_output,
)
from kb.identifiers.designation import DesignationError, parse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT / "data"
METADATA = ROOT / "metadata.yml"


@click.group(cls=BoundedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="standards-kb")
def main() -> None:
    """The standards knowledge base: designations, revision histories, clause text."""


def _date_option(value: str | None, name: str, error=click.UsageError) -> str | None:
    """A date option checked (YYYY-MM-DD); a bad one is ``error``."""
    from kb.catalogue.model import check_date

    try:
        return check_date(value, name)
    except ValueError as refused:
        raise error(str(refused)) from None


# --- loading ---------------------------------------------------------------------------------


@main.command()
@db_option
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
    summary = load_closing(db_path, paths, loader, quiet, designation)
    publish(db_path, summary)
    report(summary)


@main.command()
@db_option
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
    fetched, state = fetch_updates(urls, folder, quiet)
    wanted = [f for f in fetched if f.fresh or not f.loaded]
    if not wanted:
        click.echo("up to date: no source changed since the last update")
        return
    started = dt.date.today().isoformat()
    summary, editions = load_updates(db_path, [str(f.path) for f in wanted], quiet)
    publish(db_path, summary)
    updates.mark_loaded(state, wanted)
    updates.write_state(folder, state)
    click.echo(render.update_line([f.name for f in wanted], editions, started))
    report(summary)


@main.command()
@db_option
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False),
              default=str(DEFAULT_DATA), show_default=True, help="Folder of embedded data.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.argument("extra", nargs=-1, type=click.Path())
def build(db_path: str, data_dir: str, quiet: bool, extra: tuple[str, ...]) -> None:
    """(Re)build the knowledge base from data/ (and EXTRA paths) into a fresh file.

    data/catalogue holds the catalogue facts, data/samples the sample documents' text.

    The new database replaces the old one only when the build succeeded.
    """
    samples = sorted((Path(data_dir) / "samples").glob("*.xml"))  # clause text (STS)
    target = Path(db_path)
    summary = build_fresh(target, [Path(data_dir) / "catalogue", *samples, *extra], quiet)
    click.echo(f"{target}: {summary.line()}")


# --- bulletins -------------------------------------------------------------------------------


@main.group("bulletin")
def bulletin_group() -> None:
    """Bulletins and notices: the standards they cite, resolved and checked."""


@bulletin_group.command("load")
@db_option
@click.option("--date", help="The bulletin's date (YYYY-MM-DD); default: the latest full "
              "date written in it.")
@click.option("--title", help="The bulletin's title; default: its first line, unless that is "
              "a section heading (第一部分 …), in which case the document has none.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def bulletin_load(db_path: str, date: str | None, title: str | None, quiet: bool,
                  paths: tuple[str, ...]) -> None:
    """Load bulletins (text, Word, PDF): their parts, articles and every mention."""
    date = _date_option(date, "--date", Fail)
    if title is not None and not title.strip():
        raise Fail("--title: give the bulletin's title, not an empty string")
    summary = load_closing(db_path, paths, "bulletin", quiet, date=date,
                           title=title.strip() if title else None, index=False)
    publish(db_path, summary)
    report(summary)


@bulletin_group.command("show")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the bulletin's mentions as JSON.")
@click.argument("bulletin")
def bulletin_show(db_path: str, as_json: bool, bulletin: str) -> None:
    """The mentions of a bulletin (its id or the path it was loaded from), resolved."""
    from kb.bulletins import citations

    result = ask(citations.bulletin, db_path, bulletin)
    if as_json:
        result = {k: v for k, v in result.items() if k != "text"}
    emit(result, as_json, render.bulletin_text)


@main.command("check")
@db_option
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

    since = _date_option(since, "--since")
    load_bulletin_file(db_path, bulletin)
    emit(ask(citations.check, db_path, bulletin, since), as_json, render.check_text)


@main.command("export")
@db_option
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
    from kb.bulletins import export

    if fmt not in export.FORMATS:
        raise Fail(f"unknown export format {fmt!r} (known: {', '.join(export.FORMATS)})")
    if lang not in export.LANGUAGES:
        raise Fail(f"unknown language {lang!r} (known: {', '.join(export.LANGUAGES)})")
    if fmt in export.BINARY and not output:
        raise Fail(f"--format {fmt} writes a binary file: name it with -o FILE")
    if not bulletin and not (committee or works or designations or status):
        raise Fail("name a bulletin, or choose editions with --committee, --work, "
                   "--designation or --status")
    rows, title = ask(export.chosen_table, db_path, bulletin, committee, works, designations,
                      status)
    result = export.export(rows, fmt, lang, title=title, simplified=simplified,
                           bom=not no_bom)
    if output:
        write_output(output, result)
        click.echo(render.exported_line(output, len(rows), fmt, lang), err=True)
    else:
        click.echo(result, nl=False)


# --- comparisons -----------------------------------------------------------------------------


@main.command("diff")
@db_option
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
        raise Fail(f"--only: unknown kind {only!r} (known: changed, {', '.join(diff.KINDS)})")
    result = ask(diff.compare, db_path, old, new, language, refusals=(diff.DiffError,))
    click.echo(render.diff_as(fmt, result, only))


@main.command("crosswalk")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the crosswalk as JSON.")
@click.argument("national")
@click.argument("international")
def crosswalk_command(db_path, as_json, national, international) -> None:
    """Align a national adoption with the international edition it adopts: clauses, annexes
    and terms by their English equivalents; what is on one side only."""
    from kb.catalogue import diff

    emit(ask(diff.crosswalk, db_path, national, international, refusals=(diff.DiffError,)),
         as_json, render.crosswalk_text)


# --- asking ----------------------------------------------------------------------------------


@main.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON.")
@click.argument("designation")
def history(db_path: str, as_json: bool, designation: str) -> None:
    """The timeline of a work: editions, drafts, stage events, replacements, adoptions."""
    emit(ask(queries.history, db_path, designation), as_json, render.history_text)


@main.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the edition as JSON.")
@click.argument("designation")
def show(db_path: str, as_json: bool, designation: str) -> None:
    """One edition: titles, dates, status, stage events and relations."""
    emit(ask(queries.edition, db_path, designation), as_json, render.edition_text)


_EARLIER_SCHEMA = ("this knowledge base was written by an earlier version of kb, without "
                   "sources' claims: `kb load` any file (or `kb build`) brings it up to date")


@main.command("changes")
@db_option
@click.option("--since", help="Only changes logged on or after this date (YYYY-MM-DD).")
@click.option("--code", type=click.Choice(["N", "C", "W", "R"]),
              help="Only new (N), changed (C), withdrawn (W) or replaced (R) editions.")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
def changes_command(db_path: str, since: str | None, code: str | None, as_json: bool) -> None:
    """What loads changed in the editions' facts (new, changed, withdrawn, replaced)."""
    from kb.catalogue import facts

    since = _date_option(since, "--since")
    conn = connect(db_path)
    if not facts.has_claims(conn):
        raise click.ClickException(_EARLIER_SCHEMA)
    rows = queries.changes(conn, since, code)
    click.echo(json.dumps(rows, ensure_ascii=False, indent=2) if as_json
               else render.clean(render.changes_text(rows, since)))


@main.command()
@db_option
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

    conn = connect(db_path)
    whole = checks.integrity(conn, full)
    if whole.count:  # a damaged file: say which tables, and check no rule on it
        click.echo(render.findings_json([whole]) if as_json else render.finding_text(whole))
        hurt = sorted({p.split(":")[0] for p in whole.examples})
        raise Fail(storage.describe("damaged", db_path, f"hurt: {', '.join(hurt)}")
                   + "; the catalogue's rules were not checked")
    if not facts.has_claims(conn):
        raise click.ClickException(_EARLIER_SCHEMA)
    findings = [whole, *checks.run(conn)]
    faults = checks.faults(findings)
    click.echo(render.findings_json(findings) if as_json
               else render.clean(render.findings_text(findings, faults)))
    if strict and faults:
        sys.exit(1)


@main.command()
@db_option
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option("--whoosh/--no-whoosh", default=None,
              help="Also build (or drop) the whoosh index; by default it is rebuilt if it "
                   "exists.")
def index(db_path: str, quiet: bool, whoosh: bool | None) -> None:
    """Drop and rebuild the search indexes of clause text and terms."""
    if not Path(db_path).exists():
        raise Fail(f"{db_path}: no knowledge base here (run `kb build` first)")
    store = open_store(db_path)
    try:
        rows = reindex(store, quiet, whoosh)
    finally:
        store.close()
    publish(db_path)
    click.echo(render.indexed_line(db_path, rows))


@main.command("search", context_settings={"ignore_unknown_options": True})
@db_option
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

    conn = connect(db_path)
    try:
        scope = search_scope(conn, standard, edition)
        try:
            results = search.search(conn, " ".join(query), limit=limit,
                                    offset=(page - 1) * limit, standard=scope,
                                    language=language, kind=kind, engine=engine,
                                    status=status, cross=cross)
        except (search.QueryError, search.SearchError) as error:
            raise Fail(f"{db_path}: {error}") from None
    finally:
        conn.close()
    emit(results.as_dict() if as_json else results, as_json,
         lambda results: render.hits_text(results, limit))


@main.command()
@db_option
@click.option("--lang", "language", help="Language of the text (default: English if loaded).")
@click.option("--json", "as_json", is_flag=True, help="Print the clause as JSON.")
@click.argument("designation")
@click.argument("number")
def read(db_path: str, language: str | None, as_json: bool, designation: str,
         number: str) -> None:
    """Read a clause in place: parents, text, subclauses, neighbours, terms and citations."""
    emit(ask(queries.clause, db_path, designation, number, language), as_json,
         render.clause_text)


@main.command("term")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON.")
@click.argument("text")
def term_command(db_path: str, as_json: bool, text: str) -> None:
    """A term in every loaded standard, with definitions and other-language equivalents."""
    emit(ask(queries.term, db_path, text), as_json, render.term_text)


@main.command("parse")
@click.option("--json", "as_json", is_flag=True, help="Print the parsed parts as JSON.")
@click.argument("designations", nargs=-1, required=True)
def parse_command(as_json: bool, designations: tuple[str, ...]) -> None:
    """Parse designations and print their canonical forms."""
    from kb.identifiers.designation import parts

    failed = False
    for text in designations:
        try:
            d = parse(text)
        except DesignationError as error:
            click.echo(f"kb: {error}", err=True)
            failed = True
            continue
        click.echo(render.designation_json(parts(d)) if as_json else d.canonical)
    if failed:
        raise SystemExit(1)


@main.command("stages")
def stages_command() -> None:
    """List the harmonized stage codes and the Chinese lifecycle and statuses."""
    from kb.identifiers import stages

    click.echo(render.stages_text(*stages.listing()))


# --- serving ---------------------------------------------------------------------------------


def datasette_args(db_path: str, inspect_file: str) -> list[str]:
    """Datasette options for serving the knowledge base as deployed: immutable, counted."""
    return [
        "-i", db_path, "--inspect-file", inspect_file, "--metadata", str(METADATA),
        "--setting", "suggest_facets", "off", "--setting", "default_page_size", "50",
        "--setting", "sql_time_limit_ms", "3000", "--setting", "facet_time_limit_ms", "500",
    ]


@main.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("-p", "--port", default=8001, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Datasette processes; more than one run behind HAProxy, which retries a "
                   "request a worker failed on another.")
@click.option("--concurrent", default=None, type=click.IntRange(0, 1000),
              help="Requests a worker runs at once, the others waiting their turn in the "
                   "order they came (default: 2 for one worker, 1 each for several; 0: no "
                   "limit).")
def serve(db_path: str, host: str, port: int, workers: int, concurrent: int | None) -> None:
    """Serve the knowledge base in Datasette (immutable, with an inspect file), fresh after
    every load (a snapshot, followed within a second), in one process or --workers N."""
    if not Path(db_path).is_file():
        raise Fail(f"{db_path}: no knowledge base here (run `kb build` first)")
    recover(db_path)  # the snapshot is copied from it
    check_port(host, port)
    served = snapshot_to_serve(db_path)
    from kb.catalogue import snapshots
    from kb.web import admission
    from kb.wording import count

    os.environ["KB_SNAPSHOTS"] = str(snapshots.folder(db_path).resolve())
    if concurrent is None:
        concurrent = admission.default(workers)
    os.environ["KB_CONCURRENT"] = str(concurrent)
    served = served.resolve()  # the server compares the two: both absolute
    datasette = [sys.executable, "-m", "datasette", "serve",
                 *datasette_args(str(served), str(served.parent / "inspect.json"))]
    if workers > 1:
        from kb.web import serving

        click.echo(f"serving {db_path} on http://{host}:{port}/ with "
                   f"{count(workers, 'worker')} behind HAProxy (Ctrl+C to stop)", err=True)
        try:
            raise SystemExit(serving.run(datasette, host, port, workers,
                                         snapshots.folder(db_path) / "serving", concurrent))
        except serving.ServingError as error:
            raise Fail(str(error)) from None
    command = [*datasette, "--host", host, "--port", str(port)]
    click.echo(f"serving {db_path} on http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    # Datasette takes this process's place: a signal to `kb serve` (TERM, INT, KILL) reaches
    # the server itself, and nothing is left behind
    os.execv(sys.executable, command)


if __name__ == "__main__":
    main()
