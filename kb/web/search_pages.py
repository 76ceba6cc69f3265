"""Clause text search: the page (``/-/search``) and the API (``/-/search.json``)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from datasette.utils.asgi import Response
from markupsafe import Markup

from kb.identifiers.designation import try_parse
from kb.web.site import clause_url, kb_database, term_url

_MARKS = ("\ue000", "\ue001")


def _highlight(snippet: str) -> Markup:
    """Escape a snippet and turn the hit marks into <mark> elements."""
    escaped = str(Markup.escape(snippet))
    return Markup(escaped.replace(_MARKS[0], "<mark>").replace(_MARKS[1], "</mark>"))


def _cross_arg(args) -> bool:
    """?cross=: on unless the last value given is 0 (the page's form sends cross=0 before its
    checkbox's cross=1, so an unticked box reads 0)."""
    values = args.getlist("cross")
    return not values or values[-1] not in ("0", "false", "no", "off")


def _hit_links(hit: dict) -> None:
    hit["snippet_html"] = _highlight(hit["snippet"])
    hit["url"] = clause_url(hit["designation"], hit["clause"])
    via = hit.get("via")
    if via and "term" in via:
        hit["via_url"] = term_url(via["term"])
    elif via:
        hit["via_url"] = clause_url(via["adoption"], via["clause"])


async def search_page(datasette, request):
    """Search clause text; ?q=, &standard=, &lang=, &kind=, &cross=0, &page=."""
    from kb.text import search as engine

    name, db = await kb_database(datasette)
    q = (request.args.get("q") or "").strip()
    standard = (request.args.get("standard") or "").strip()
    language = (request.args.get("lang") or "").strip() or None
    kind = (request.args.get("kind") or "").strip() or None
    cross = _cross_arg(request.args)
    try:
        page = max(1, int(request.args.get("page") or 1))
    except ValueError:
        page = 1
    size = 20
    hits, message, total, direct, crossed = [], None, 0, 0, 0
    if q and db is not None:
        canonical = None
        if standard:
            parsed = try_parse(standard)
            canonical = parsed.edition.canonical if parsed else standard

        def run(conn):
            return engine.search(conn, q, limit=size, offset=(page - 1) * size,
                                 standard=canonical, language=language, kind=kind,
                                 marks=_MARKS, cross=cross)

        try:
            results = await db.execute_fn(run)
            hits, total = results.hits, results.total
            direct, crossed = results.direct, results.cross
        except (engine.QueryError, engine.SearchError) as error:
            message = str(error)
    more = (page - 1) * size + len(hits) < total
    for hit in hits:
        _hit_links(hit)
    args = {"q": q, "standard": standard, "lang": language or "", "kind": kind or "",
            "cross": "" if cross else "0"}
    base = "/-/search?" + "&".join(f"{k}={quote(v)}" for k, v in args.items() if v)
    first = (page - 1) * size + 1
    return Response.html(await datasette.render_template(
        "standards_search.html",
        {**args, "cross": cross, "hits": hits, "message": message, "page": page,
         "q_html": Markup('<b translate="no">{}</b>').format(q),
         "database": name, "total": total, "direct_total": direct, "cross_total": crossed,
         "first": first, "last": first + len(hits) - 1,
         "next_url": f"{base}&page={page + 1}" if more else None,
         "prev_url": f"{base}&page={page - 1}" if page > 1 else None, "clause_url": clause_url},
        request=request,
    ))


async def search_json(datasette, request):
    """The search API: the fields and paging of ``kb search --json`` (``query``, ``engine``,
    ``total``, ``offset``, ``hits``), with ``page``, ``limit`` and the URLs of the next and
    previous pages.  ?q= (required), &standard=, &edition=, &lang=, &kind=, &status=,
    &engine= (tantivy, fts, whoosh), &cross=0 (no cross-lingual hits), &limit= (1–1000,
    default 20), &page=.  Each hit has ``also_in`` (the other editions with that clause) and a
    cross-lingual one ``via``; ``direct`` and ``cross`` count each kind."""
    from kb.text import search as engine

    def bad(message: str, status: int = 400) -> Response:
        return Response.json({"error": message}, status=status)

    _, db = await kb_database(datasette)
    args = request.args
    q = (args.get("q") or "").strip()
    if not q:
        return bad("q: give the words to search for")
    try:
        limit = int(args.get("limit") or 20)
        page = int(args.get("page") or 1)
    except ValueError:
        return bad("limit and page are whole numbers")
    if not 1 <= limit <= 1000 or page < 1:
        return bad("limit is 1 to 1000, page 1 or more")
    which = args.get("engine") or engine.DEFAULT_ENGINE
    if which not in engine.ENGINES:
        return bad(f"engine: one of {', '.join(engine.ENGINES)}")
    standard = (args.get("standard") or args.get("edition") or "").strip() or None
    if standard:
        parsed = try_parse(standard)
        if parsed is None:
            return bad(f"standard: {standard!r} is not a designation")
        standard = parsed.edition.canonical
    if db is None:
        return bad("no knowledge base is served here", 404)

    def run(conn):
        return engine.search(conn, q, limit=limit, offset=(page - 1) * limit,
                             standard=standard, language=args.get("lang") or None,
                             kind=args.get("kind") or None, status=args.get("status") or None,
                             engine=which, cross=_cross_arg(args))

    try:
        results = await db.execute_fn(run)
    except (engine.QueryError, engine.SearchError) as error:
        return bad(str(error))
    body = results.as_dict()
    kept = [(k, v) for k in args.keys() if k != "page" for v in args.getlist(k)]

    def at(number: int) -> str:
        return "/-/search.json?" + urlencode([*kept, ("page", str(number))])

    body.update(page=page, limit=limit,
                next=at(page + 1) if page * limit < results.total else None,
                previous=at(page - 1) if page > 1 else None)
    return _cacheable(request, Response.json(body), db)


def _cacheable(request, response: Response, db) -> Response:
    """An answer of a database Datasette serves directly with an ETag and Cache-Control,
    tagged as kb.web.cache tags a snapshot's answers under ``kb serve`` (which replaces these
    headers by its own), the database file's identity standing for the snapshot: a repeat
    request with If-None-Match gets 304 without a body."""
    import os

    from kb.web.cache import CACHE_CONTROL, key_and_tag

    try:
        stat = os.stat(db.path or "")
    except OSError:
        return response
    identity = f"{db.path}:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}"
    _, tag = key_and_tag(identity, f"{request.path}?{request.query_string}".encode())
    if request.headers.get("if-none-match") == tag:
        return Response("", status=304, headers={"ETag": tag})
    response.headers["ETag"] = tag
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response
