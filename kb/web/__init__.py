"""The Datasette plugin: pages over the same query functions the CLI uses.

* ``/-/standards`` — find a standard by any spelling of its designation;
* ``/-/standards/<designation>`` — a work's history: timeline picture, editions and drafts
  with their stage events, replaced/replacing documents and adoptions, all linked;
* ``/-/standards/<designation>.json`` — the same history as JSON (as ``kb history --json``).
"""

from __future__ import annotations

import json
from urllib.parse import quote, unquote

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup

from kb import queries
from kb.designation import DesignationError, try_parse
from kb.web.timeline import svg


def work_url(designation: str) -> str:
    """The URL of a work's history page."""
    return "/-/standards/" + quote(designation, safe="")


async def _kb_database(datasette):
    for name, db in datasette.databases.items():
        if name.startswith("_"):
            continue
        if await db.table_exists("editions"):
            return name, db
    return None, None


@hookimpl
def extra_template_vars(datasette):
    return {"kb_work_url": work_url}


@hookimpl
def register_routes():
    return [
        (r"^/-/standards/?$", standards_index),
        (r"^/-/standards/(?P<designation>.+)\.json$", work_history_json),
        (r"^/-/standards/(?P<designation>.+)$", work_history),
    ]


@hookimpl
def render_cell(value, column, table):
    """Link work designations to their history page."""
    label = None
    if isinstance(value, dict):  # an expanded foreign key
        value, label = value.get("value"), value.get("label")
    if isinstance(value, str) and (
        (table == "works" and column == "id") or (table in ("editions", "relations")
                                                  and column in ("work_id", "subject_work",
                                                                 "object_work"))
    ):
        link = Markup('<a href="{}" title="history">{}</a>').format(work_url(value), value)
        if label and label != value:
            link += Markup(" <small>{}</small>").format(label)
        return link
    return None


async def standards_index(datasette, request):
    """A search box; a query that names a known work redirects to its page."""
    name, db = await _kb_database(datasette)
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
    works = []
    if db is not None:
        rows = await db.execute(
            """select w.id, w.title_en, w.title_zh from works w where w.id in (
                 select object_work from relations where type = 'adopts' limit 300)
               order by w.id limit 100"""
        )
        works = [dict(r) for r in rows]
    return Response.html(await datasette.render_template(
        "standards_index.html",
        {"q": q, "message": message, "suggestions": suggestions, "works": works,
         "database": name},
        request=request,
    ), status=404 if message and q else 200)


async def _history(datasette, designation: str):
    name, db = await _kb_database(datasette)
    if db is None:
        return None, None, "no knowledge base is attached to this Datasette"
    try:
        result = await db.execute_fn(lambda conn: queries.history(conn, designation))
    except (DesignationError, queries.NotFound) as error:
        return name, None, str(error)
    return name, result, None


async def work_history(datasette, request):
    designation = unquote(request.url_vars["designation"])
    name, result, error = await _history(datasette, designation)
    if error:
        return Response.html(await datasette.render_template(
            "standards_index.html",
            {"q": designation, "message": error, "works": [], "database": name,
             "suggestions": []},
            request=request,
        ), status=404)
    canonical = result["work"]["designation"]
    parsed = try_parse(designation)
    if parsed is not None and parsed.work.canonical != designation and (
            parsed.work.canonical == canonical):
        return Response.redirect(work_url(canonical))
    return Response.html(await datasette.render_template(
        "standards_work.html",
        {"h": result, "database": name, "timeline": Markup(svg(result)),
         "json_url": work_url(canonical) + ".json",
         "edition_url": lambda d: f"/{name}/editions/{quote(d, safe='')}"},
        request=request,
    ))


async def work_history_json(datasette, request):
    _, result, error = await _history(datasette, unquote(request.url_vars["designation"]))
    if error:
        return Response.json({"ok": False, "error": error}, status=404)
    return Response(json.dumps(result, ensure_ascii=False), content_type="application/json")
