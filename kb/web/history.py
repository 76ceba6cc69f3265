"""The standards index and a work's history page and JSON (``/-/standards``)."""

from __future__ import annotations

import json
from urllib.parse import quote, unquote

from datasette.utils.asgi import Response
from markupsafe import Markup

from kb.catalogue import queries
from kb.identifiers.designation import DesignationError, try_parse
from kb.web import i18n
from kb.web.guard import answer
from kb.web.site import kb_database, unknown_standard, work_url
from kb.web.timeline import spans, svg
from kb.wording import N_


async def standards_index(datasette, request):
    """A search box; a query that names a known work redirects to its page."""
    name, db = await kb_database(datasette)
    q = (request.args.get("q") or "").strip()
    message, suggestions = None, []
    if q and db is not None:
        try:
            work, _ = await db.execute_fn(lambda conn: queries.resolve(conn, q))
            return Response.redirect(work_url(work))
        except DesignationError as error:
            message = str(error)
        except queries.NotFound as error:
            message = str(error)
            suggestions = await db.execute_fn(lambda conn: queries.suggest(conn, q))
    works = await answer(db, ("adopted_works",), queries.adopted_works) \
        if db is not None else []
    return Response.html(await datasette.render_template(
        "standards_index.html",
        {"q": q, "message": message, "suggestions": suggestions, "works": works,
         "database": name},
        request=request,
    ), status=404 if message and q else 200)


async def _history(datasette, designation: str):
    name, db = await kb_database(datasette)
    if db is None:
        return None, None, "no knowledge base is attached to this Datasette"
    try:
        result = await db.execute_fn(lambda conn: queries.history(conn, designation))
    except (DesignationError, queries.NotFound) as error:
        return name, None, str(error)
    return name, result, None


#: What each fact of an edition is called on its history page.
FACT_NAMES = {
    "title_en": N_("English title"), "title_zh": N_("Chinese title"),
    "title_fr": N_("French title"), "edition": N_("Edition"), "status": N_("Status"),
    "stage": N_("Stage"), "published": N_("Published"), "effective": N_("In force from"),
    "withdrawn": N_("Withdrawn on"), "committee": N_("Committee"), "ics": "ICS",
    "ccs": N_("CCS"), "languages": N_("Languages"), "pages": N_("Pages"),
    "url": N_("Catalogue page"), "record_source": N_("Record"), "project_id": N_("Project"),
    "note": N_("Remark"), "authority": N_("Competent department"),
    "drafters": N_("Drafted by"), "scope": N_("Scope"),
}


#: How much each tier of source is trusted (kb.catalogue.facts), as the sources table says it.
TIER_NAMES = (N_("curated"), N_("own record"), N_("other catalogue"), N_("crawler observation"))


async def work_history(datasette, request):
    designation = unquote(request.url_vars["designation"])
    name, result, error = await _history(datasette, designation)
    if error:
        return await unknown_standard(datasette, request, name, designation, error)
    canonical = result["work"]["designation"]
    parsed = try_parse(designation)
    if parsed is not None and parsed.work.canonical != designation and (
            parsed.work.canonical == canonical):
        return Response.redirect(work_url(canonical))
    result = in_language(result, i18n.language(request.scope))
    return Response.html(await datasette.render_template(
        "standards_work.html",
        {"h": result, "database": name, "timeline": Markup(svg(result, result["ui"])),
         "timeline_spans": spans(result), "fact_names": FACT_NAMES,
         "json_url": work_url(canonical) + ".json",
         "edition_url": lambda d: f"/{name}/editions/{quote(d, safe='')}"},
        request=request,
    ))


def in_language(history: dict, lang: str) -> dict:
    """A work's history for its page in ``lang``: each stage event's label and each
    edition's stage label said from its code in that language (the stored labels are
    English: the JSON keeps them), ``ui`` set to it; ``history`` itself is left as it was."""
    from kb.identifiers import stages

    def said(code: str | None, stored: str | None) -> str | None:
        try:
            return stages.label(code, lang) if code else stored
        except stages.StageError:
            return stored

    def events(events: list[dict], only_labelled: bool = False) -> list[dict]:
        return [{**e, "label": said(e.get("code"), e.get("label"))}
                if "label" in e or not only_labelled else e for e in events]

    shown = {**history, "ui": lang}  # the levels it changes are copied, the rest shared
    shown["editions"] = []
    for edition in history["editions"]:
        edition = {**edition,
                   "stage_label": said(edition.get("stage"), edition.get("stage_label"))}
        for key in ("events", "lifecycle"):
            if key in edition:
                edition[key] = events(edition[key])
        shown["editions"].append(edition)
    if "adoptions" in history:
        shown["adoptions"] = [{**a, "events": events(a["events"], True)} if "events" in a
                              else a for a in history["adoptions"]]
    return shown


async def work_history_json(datasette, request):
    _, result, error = await _history(datasette, unquote(request.url_vars["designation"]))
    if error:
        return Response.json({"ok": False, "error": error}, status=404)
    return Response(json.dumps(result, ensure_ascii=False), content_type="application/json")
