"""What every page uses: the knowledge base Datasette serves, the pages' URLs, redirects and
the page of a designation that names nothing."""

from __future__ import annotations

from urllib.parse import quote

from datasette.utils.asgi import Response

from kb.identifiers.designation import try_parse


async def kb_database(datasette) -> tuple:
    """The name and database of the knowledge base Datasette serves (the first with
    ``editions``), or ``(None, None)``."""
    for name, db in datasette.databases.items():
        if name.startswith("_"):
            continue
        if await db.table_exists("editions"):
            return name, db
    return None, None


def work_url(designation: str) -> str:
    """The URL of a work's history page."""
    return "/-/standards/" + quote(designation, safe="")


def edition_link(work: str, edition: str) -> str:
    """The edition's row on its work's history page."""
    return f"{work_url(work)}#{quote(edition, safe='')}"


def parse_work(designation: str) -> str:
    """The work a designation names (itself when it does not parse)."""
    parsed = try_parse(designation)
    return parsed.work.canonical if parsed else designation


def clause_url(designation: str, number: str = "") -> str:
    """The URL of a clause page (no number: the edition's contents)."""
    return f"/-/clause/{quote(designation, safe='')}/{quote(number, safe='')}"


def term_url(text: str) -> str:
    """The URL of a term's page."""
    return "/-/term/" + quote(text, safe="")


def bulletin_url(key: str, fmt: str | None = None) -> str:
    """The URL of a bulletin's page (``fmt``: of its reference table in that format)."""
    return "/-/bulletin/" + quote(key, safe="") + (f".{fmt}" if fmt else "")


def moved(target: str):
    """A page that redirects (301) to ``target`` filled from the URL, keeping the query."""
    async def redirect(request):
        values = {k: v or "" for k, v in request.url_vars.items()}
        location = target.format(**values)
        if request.query_string:
            location += "?" + request.query_string
        return Response.redirect(location, status=301)
    return redirect


async def unknown_standard(datasette, request, name: str | None, q: str, message: str):
    """The standards index with ``message`` and ``q`` in its box (404): a designation that
    names no standard, edition or clause."""
    return Response.html(await datasette.render_template(
        "standards_index.html",
        {"q": q, "message": message, "works": [], "database": name, "suggestions": []},
        request=request,
    ), status=404)
