"""The Datasette plugin: pages over the same query functions the CLI uses.

* ``/-/standards`` — find a standard by any spelling of its designation;
* ``/-/standards/<designation>`` — a work's history: timeline picture, editions and drafts
  with their stage events, replaced/replacing documents and adoptions, all linked;
* ``/-/standards/<designation>.json`` — the same history as JSON (as ``kb history --json``);
* ``/-/search?q=…`` — clause text search in English and Chinese (the query is segmented
  like the index), highlighted snippets, filters and paging;
* ``/-/clause/<edition>/<number>`` — a clause in place (``/-/clause/<edition>/`` lists the
  top-level clauses); ``/-/term/<term>`` — a term in every loaded standard.
"""

from __future__ import annotations

import json
import sqlite3
from urllib.parse import quote, unquote

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup

from kb import queries, render
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
    return {"kb_work_url": work_url, "kb_clause_url": clause_url, "kb_term_url": term_url}


@hookimpl
def register_routes():
    return [
        (r"^/-/standards/?$", standards_index),
        (r"^/-/standards/(?P<designation>.+)\.json$", work_history_json),
        (r"^/-/standards/(?P<designation>.+)$", work_history),
        (r"^/-/search/?$", search_page),
        (r"^/-/clause/(?P<designation>.+)/(?P<number>[^/]*)$", clause_page),
        (r"^/-/term/(?P<text>.+)$", term_page),
    ]


def clause_url(designation: str, number: str = "") -> str:
    """The URL of a clause page (no number: the edition's contents)."""
    return f"/-/clause/{quote(designation, safe='')}/{quote(number, safe='')}"


def term_url(text: str) -> str:
    return "/-/term/" + quote(text, safe="")


_MARKS = ("\ue000", "\ue001")


def _highlight(snippet: str) -> Markup:
    """Escape a snippet and turn the hit marks into <mark> elements."""
    escaped = str(Markup.escape(snippet))
    return Markup(escaped.replace(_MARKS[0], "<mark>").replace(_MARKS[1], "</mark>"))


async def search_page(datasette, request):
    """Search clause text; ?q=, &standard=, &lang=, &kind=, &page=."""
    from kb import search as engine

    name, db = await _kb_database(datasette)
    q = (request.args.get("q") or "").strip()
    standard = (request.args.get("standard") or "").strip()
    language = (request.args.get("lang") or "").strip() or None
    kind = (request.args.get("kind") or "").strip() or None
    try:
        page = max(1, int(request.args.get("page") or 1))
    except ValueError:
        page = 1
    size = 20
    hits, message = [], None
    if q and db is not None:
        canonical = None
        if standard:
            parsed = try_parse(standard)
            canonical = parsed.edition.canonical if parsed else standard

        def run(conn):
            return engine.search(conn, q, limit=size + 1, offset=(page - 1) * size,
                                 standard=canonical, language=language, kind=kind,
                                 marks=_MARKS)

        try:
            hits = await db.execute_fn(run)
        except sqlite3.OperationalError as error:  # no index yet
            message = f"search is not available: {error} (run `kb index`)"
    more = len(hits) > size
    hits = hits[:size]
    for hit in hits:
        hit["snippet_html"] = _highlight(hit["snippet"])
        hit["url"] = clause_url(hit["designation"], hit["clause"])
    args = {"q": q, "standard": standard, "lang": language or "", "kind": kind or ""}
    base = "/-/search?" + "&".join(f"{k}={quote(v)}" for k, v in args.items() if v)
    return Response.html(await datasette.render_template(
        "standards_search.html",
        {**args, "hits": hits, "message": message, "page": page, "database": name,
         "next_url": f"{base}&page={page + 1}" if more else None,
         "prev_url": f"{base}&page={page - 1}" if page > 1 else None, "clause_url": clause_url},
        request=request,
    ))


async def clause_page(datasette, request):
    designation = unquote(request.url_vars["designation"])
    number = unquote(request.url_vars["number"])
    language = request.args.get("lang") or None
    name, db = await _kb_database(datasette)
    try:
        if not number:
            listing = await db.execute_fn(
                lambda conn: queries.contents(conn, designation, language))
            return Response.html(await datasette.render_template(
                "standards_clause.html",
                {"contents": listing["clauses"], "designation": listing["designation"],
                 "work": listing["work"], "c": None, "database": name,
                 "clause_url": clause_url, "term_url": term_url},
                request=request,
            ))
        result = await db.execute_fn(
            lambda conn: queries.clause(conn, designation, number, language))
    except (DesignationError, queries.NotFound) as error:
        return Response.html(await datasette.render_template(
            "standards_index.html",
            {"q": designation, "message": str(error), "works": [], "database": name,
             "suggestions": []}, request=request), status=404)
    work = try_parse(result["designation"])
    return Response.html(await datasette.render_template(
        "standards_clause.html",
        {"c": result, "designation": result["designation"],
         "work": work.work.canonical if work else None, "database": name,
         "clause_url": clause_url, "term_url": term_url, "contents": None,
         "block_title": render.block_title},
        request=request,
    ))


async def term_page(datasette, request):
    text = unquote(request.url_vars["text"])
    name, db = await _kb_database(datasette)
    try:
        entries = await db.execute_fn(lambda conn: queries.term(conn, text))
        status = 200
    except queries.NotFound as error:
        entries, status = [], 404
        message = str(error)
    else:
        message = None
    return Response.html(await datasette.render_template(
        "standards_term.html",
        {"text": text, "entries": entries, "message": message, "database": name,
         "clause_url": clause_url, "term_url": term_url},
        request=request,
    ), status=status)


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
    works = await db.execute_fn(queries.adopted_works) if db is not None else []
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
