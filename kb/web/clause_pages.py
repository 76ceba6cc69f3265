"""A clause in place (``/-/clause/<edition>/<number>``, an edition's contents without a
number) and a term in every loaded standard (``/-/term/<term>``)."""

from __future__ import annotations

from urllib.parse import unquote

from datasette.utils.asgi import Response

from kb import render
from kb.catalogue import queries
from kb.identifiers.designation import DesignationError, try_parse
from kb.web.site import clause_url, kb_database, term_url, unknown_standard


async def clause_page(datasette, request):
    designation = unquote(request.url_vars["designation"])
    number = unquote(request.url_vars["number"])
    language = request.args.get("lang") or None
    name, db = await kb_database(datasette)
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
        return await unknown_standard(datasette, request, name, designation, str(error))
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
    name, db = await kb_database(datasette)
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
