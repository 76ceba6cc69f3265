"""Comparisons: two editions clause by clause (``/-/diff``), an adoption aligned with its
source (``/-/crosswalk``)."""

from __future__ import annotations

from datasette.utils.asgi import Response
from markupsafe import Markup

from kb import render
from kb.catalogue import queries
from kb.identifiers.designation import DesignationError
from kb.web import i18n
from kb.web.site import clause_url, kb_database, work_url


def _redline_html(lines: list) -> Markup:
    """The redline as the HTML export writes it (phrases, spaces outside the marks)."""
    return Markup(render.redline_html(lines))


async def diff_page(datasette, request):
    from kb.catalogue import diff

    name, db = await kb_database(datasette)
    old = (request.args.get("old") or "").strip()
    new = (request.args.get("new") or "").strip()
    only = (request.args.get("only") or "").strip() or None
    result, message = None, None
    if old and new and db is not None:
        try:
            result = await db.execute_fn(lambda conn: diff.compare(conn, old, new))
        except (diff.DiffError, DesignationError, queries.NotFound) as error:
            message = str(error)
    pairs = []
    if result:
        pairs = render.kept_pairs(result, only)
        for p in pairs:
            p["redline_html"] = _redline_html(p["redline"])
            p["old_url"] = clause_url(result["old"], p["old"]) if p["old"] else None
            p["new_url"] = clause_url(result["new"], p["new"]) if p["new"] else None
        for t in result["terms"]:
            t["redline_html"] = _redline_html(t["redline"])
        ui = i18n.language(request.scope)
        for p in pairs:  # a pair's summary in the interface language, its numbers marked
            p["summary"] = Markup(diff.summary(p, ui, mark=lambda v: str(i18n.data(v))))
    return Response.html(await datasette.render_template(
        "standards_diff.html",
        {"old": old, "new": new, "only": only or "", "r": result, "pairs": pairs,
         "message": message, "database": name, "kinds": ("changed", *diff.KINDS),
         "work_url": work_url},
        request=request), status=400 if message else 200)


async def crosswalk_page(datasette, request):
    from kb.catalogue import diff

    name, db = await kb_database(datasette)
    national = (request.args.get("national") or "").strip()
    international = (request.args.get("international") or "").strip()
    result, message = None, None
    if national and international and db is not None:
        try:
            result = await db.execute_fn(
                lambda conn: diff.crosswalk(conn, national, international))
        except (diff.DiffError, DesignationError, queries.NotFound) as error:
            message = str(error)
    if result:
        result["verdict"] = diff.verdict(result, i18n.language(request.scope))
    return Response.html(await datasette.render_template(
        "standards_crosswalk.html",
        {"national": national, "international": international, "r": result,
         "message": message, "database": name, "clause_url": clause_url},
        request=request), status=400 if message else 200)
