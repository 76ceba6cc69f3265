"""The bulletins (``/-/bulletins``), a bulletin's page and JSON, its reference table's exports."""

from __future__ import annotations

import json
from urllib.parse import quote, unquote

from datasette.utils.asgi import Response

from kb.catalogue import queries
from kb.web import i18n
from kb.web.bulletin_text import bulletin_html
from kb.web.guard import answer
from kb.web.site import bulletin_url, edition_link, kb_database, parse_work, work_url


async def bulletins_page(datasette, request):
    from kb.bulletins import citations

    name, db = await kb_database(datasette)
    rows = await answer(db, ("bulletins",), citations.listing) if db is not None else []
    return Response.html(await datasette.render_template(
        "standards_bulletins.html", {"bulletins": rows, "database": name,
                                     "bulletin_url": bulletin_url}, request=request))


async def _bulletin(datasette, key: str):
    from kb.bulletins import citations

    name, db = await kb_database(datasette)
    if db is None:
        return name, None, "no knowledge base is attached to this Datasette"
    try:
        def ask(conn):
            b = citations.bulletin(conn, key)
            return b, citations.references(b)

        return name, await db.execute_fn(ask), None
    except queries.NotFound as error:
        return name, None, str(error)


#: The reference table's download formats, as an editor names them.
FORMAT_NAMES = {"csv": "CSV", "xlsx": "Excel (XLSX)", "md": "Markdown", "html": "HTML",
                "docx": "Word (DOCX)", "gbt7714": "GB/T 7714", "iso690": "ISO 690",
                "bibtex": "BibTeX", "csl-json": "CSL-JSON", "ris": "RIS"}


def _bulletin_rows(b: dict, references: list[dict]) -> dict[str, int]:
    """Number the reference rows (1, 2 …) and link them: each row's edition page, and the
    row number of each row's key (a mention's resolved edition, else its canonical form, as
    :func:`kb.citations.references` keys rows), for the mentions' jumps."""
    numbers: dict[str, int] = {}
    for number, row in enumerate(references, 1):
        row["number"] = number
        row["url"] = edition_link(parse_work(row["designation"]), row["designation"]) \
            if row["known"] else None
        numbers[row["designation"]] = number
    return numbers


def _bulletin_json(b: dict, references: list[dict]) -> dict:
    from kb.bulletins import citations

    keep = ("start", "end", "as_written", "kind", "canonical", "resolved", "work", "status",
            "status_inferred", "stage", "latest", "in_force", "path", "resolution", "stale",
            "then", "article", "sentence")
    return {"bulletin": {k: b[k] for k in ("id", "title", "date", "language")},
            "counts": citations.counts(b, references), "references": references,
            "mentions": [{k: m.get(k) for k in keep} for m in b["mentions"]]}


async def bulletin_page(datasette, request):
    """A bulletin as an editor's desk: its reference table first (both languages' titles,
    status and the path to the edition in force, where the text cites each), downloads in
    the interface language, then the text with every mention linked to its row; ``.json``
    gives the same as data."""
    from kb.bulletins import citations

    key = unquote(request.url_vars["id"])
    name, result, error = await _bulletin(datasette, key)
    as_json = bool(request.url_vars.get("json"))
    if error:
        if as_json:
            return Response.json({"ok": False, "error": error}, status=404)
        return Response.html(await datasette.render_template(
            "standards_bulletins.html", {"bulletins": [], "message": error, "database": name,
                                         "bulletin_url": bulletin_url}, request=request),
            status=404)
    b, references = result
    if as_json:
        return Response(json.dumps(_bulletin_json(b, references), ensure_ascii=False),
                        content_type="application/json")
    ui = i18n.language(request.scope)
    lang = request.args.get("lang") if request.args.get("lang") in ("zh", "en") else ui
    since, changed = await _changed_since(datasette, b, request.args.get("since") or "")
    rows = _bulletin_rows(b, references)
    return Response.html(await datasette.render_template(
        "standards_bulletin.html",
        {"b": b, "text_html": bulletin_html(b, rows, i18n.translator(ui)),
         "references": references, "counts": citations.counts(b, references), "lang": lang,
         "formats": FORMAT_NAMES, "bulletin_url": bulletin_url, "database": name,
         "since": since, "changed": changed, "work_url": work_url},
        request=request))


async def _changed_since(datasette, b: dict, since: str) -> tuple[str | None, list[dict]]:
    """?since=YYYY-MM-DD: what loads and kb update changed since then in the cited works
    (as ``kb check --since``); a bad date is ignored."""
    from kb.bulletins import citations
    from kb.catalogue.model import check_date

    try:
        since = check_date(since.strip()[:10], "since") if since.strip() else None
    except ValueError:
        since = None
    if not since:
        return None, []
    _, db = await kb_database(datasette)
    if not await db.table_exists("changes"):
        return since, []
    return since, await db.execute_fn(lambda conn: citations.changed_since(conn, b, since))


_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8", "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8", "gbt7714": "text/plain; charset=utf-8",
    "iso690": "text/plain; charset=utf-8", "bibtex": "application/x-bibtex; charset=utf-8",
    "csl-json": "application/vnd.citationstyles.csl+json; charset=utf-8",
    "ris": "application/x-research-info-systems; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


_SUFFIXES = {"gbt7714": "txt", "iso690": "txt", "bibtex": "bib", "csl-json": "json"}


async def bulletin_export(datasette, request):
    from kb.bulletins import export

    key, fmt = unquote(request.url_vars["id"]), request.url_vars["fmt"]
    lang = request.args.get("lang") or i18n.language(request.scope)
    _, result, error = await _bulletin(datasette, key)
    if error:
        return Response.text(error, status=404)
    b, references = result
    try:
        body = export.export(references, fmt, lang, title=b["title"] or b["id"],
                             simplified=bool(request.args.get("simplified")))
    except export.ExportError as problem:
        return Response.text(str(problem), status=400)
    filename = f"{b['id']}.{_SUFFIXES.get(fmt, fmt)}"
    how = "inline" if fmt == "html" else "attachment"  # the printable page opens to print
    return Response(body, content_type=_CONTENT_TYPES[fmt], headers={
        "content-disposition": f"{how}; filename*=UTF-8''{quote(filename)}"})
