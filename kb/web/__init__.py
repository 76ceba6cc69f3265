"""The Datasette plugin: pages over the same query functions the CLI uses.

* ``/-/standards`` — find a standard by any spelling of its designation;
* ``/-/standards/<designation>`` — a work's history: timeline picture, editions and drafts
  with their stage events, replaced/replacing documents and adoptions, all linked;
* ``/-/standards/<designation>.json`` — the same history as JSON (as ``kb history --json``);
* ``/-/search?q=…`` — clause text search in English and Chinese (the query is segmented
  like the index), highlighted snippets, filters and paging; ``/-/search.json?q=…`` the
  same as an API, with the fields and paging of ``kb search --json``;
* ``/-/clause/<edition>/<number>`` — a clause in place (``/-/clause/<edition>/`` lists the
  top-level clauses); ``/-/term/<term>`` — a term in every loaded standard;
* ``/-/bulletins`` — the loaded bulletins; ``/-/bulletin/<id>`` — a bulletin's text with
  every mention highlighted and linked (stale ones marked) beside its reference table;
  ``/-/bulletin/<id>.<format>?lang=`` — the reference table in an export format;
* ``/-/changes?since=&code=`` — what loads and ``kb update`` changed in the editions' facts
  (new, changed, withdrawn, replaced), newest first, paged; ``/-/changes.json`` the same;
* ``/-/diff?old=&new=`` — two editions side by side, clause by clause, with a redline;
  ``/-/crosswalk?national=&international=`` — an adoption aligned with its source.

Beside the pages: :mod:`~kb.web.guard` (limits on every served connection and request),
:mod:`~kb.web.cache` (pages of a snapshot kept by URL), :mod:`~kb.web.i18n` (the interface's
languages, gettext catalogues in ``locale/``), :mod:`~kb.web.templating`,
:mod:`~kb.web.timeline`, and :mod:`~kb.web.serving` (workers behind HAProxy for ``kb serve``).
May import every other folder of ``kb``; nothing imports it but the command line.
"""

from __future__ import annotations

import json
from urllib.parse import quote, unquote, urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from kb import render
from kb.catalogue import queries
from kb.identifiers.designation import DesignationError, try_parse
from kb.web import i18n, templating
from kb.web.guard import answer, asgi_wrapper, prepare_connection, startup  # noqa: F401
from kb.web.timeline import spans, svg
from kb.wording import N_


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


#: The site's sections, in the navigation bar of every page.
NAV = (("/", N_("Home")), ("/-/standards", N_("Standards")), ("/-/search", N_("Search")),
       ("/-/bulletins", N_("Bulletins")), ("/-/diff", N_("Compare")),
       ("/-/changes", N_("Changes")))


#: Tables whose search box or SQL reads the FTS5 index, which may be behind (kb.text.search_fts).
FTS_TABLES = ("clauses", "clauses_fts")


async def _fts_behind(datasette, database: str | None, table: str | None, view_name: str,
                      request) -> int:
    """Clauses FTS5 lacks, on the pages that read it: the clause tables and SQL naming it."""
    from kb.text import search_fts

    sql = request.args.get("sql", "") if request is not None else ""
    if not database or not (table in FTS_TABLES or "clauses_fts" in sql):
        return 0
    try:
        rows = await datasette.get_database(database).execute(
            f"select count(*) from {search_fts.PENDING}")
    except Exception:  # no such table: a knowledge base of before it, or another database
        return 0
    return rows.first()[0]


@hookimpl
def extra_template_vars(request, datasette, database, table, view_name):
    scope = request.scope if request is not None else {}
    ui = i18n.language(scope)

    async def values():
        return {**names, "kb_fts_behind": await _fts_behind(datasette, database, table,
                                                            view_name, request)}

    names = {"kb_work_url": work_url, "kb_clause_url": clause_url, "kb_term_url": term_url,
            "_": i18n.translator(ui), "ui": ui, "kb_nav": NAV,
            "kb_stage_label": lambda code: stage_label(code, ui),
            "kb_sql_operators": SQL_OPERATORS,
            "ui_switch": i18n.switch_url(scope, "en" if ui == "zh" else "zh")}
    return values


def stage_label(code: str | None, ui: str) -> str:
    """A stage code's or Chinese lifecycle step's name in the interface language."""
    from kb.identifiers import stages

    if not code:
        return ""
    try:
        return stages.label(code, ui)
    except stages.StageError:
        return ""


def code_spans(text: str | None) -> Markup:
    """A plain description with its `backquoted` spans as code (``kb build`` in
    metadata.yml), the rest escaped."""
    import re

    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(Markup.escape(text or ""))))


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["kb_code"] = code_spans
    env.filters["kb_data"] = i18n.data
    env.filters["to_css_class"] = templating.css_class
    env.globals["kb_table_rows"] = templating.table_rows
    templating.quick_attributes(env)


#: Operators of Datasette's filters that are SQL's own words (or signs): shown as they are.
SQL_OPERATORS = frozenset({"=", "!=", ">", "\u2265", "<", "\u2264", "like", "not like", "glob"})

#: Datasette's own error messages, said in the interface language on its error pages.
DATASETTE_ERRORS = (N_("Database not found"), N_("Table not found"), N_("Record not found"),
                    N_("Invalid SQL"))


@hookimpl
def handle_exception(datasette, request, exception):
    """Error pages in the interface language: Datasette's answer to an error it raises (its
    status, title and message in its error.html), rendered with the plugin's template
    variables (the translator, the navigation); JSON answers and unexpected exceptions are
    left to Datasette."""
    from datasette.utils import add_cors_headers
    from datasette.utils.asgi import Base400
    from datasette.views.base import DatasetteError

    if request.path.split("?")[0].endswith(".json"):
        return None
    if isinstance(exception, Base400):
        info = {"status": exception.status, "title": None,
                "error": exception.args[0] if exception.args else ""}
    elif isinstance(exception, DatasetteError):
        info = {**exception.error_dict, "status": exception.status, "title": exception.title,
                "error": Markup(exception.message) if exception.message_is_html
                else exception.message}
    else:
        return None

    if isinstance(info["error"], str) and info["error"] in DATASETTE_ERRORS:
        info["error"] = i18n.gettext(info["error"], i18n.language(request.scope))

    async def inner():
        headers = {}
        if datasette.cors:
            add_cors_headers(headers)
        html = await datasette.render_template(
            [f"{info['status']}.html", "error.html"], {"ok": False, **info}, request=request)
        return Response.html(html, status=info["status"], headers=headers)
    return inner


@hookimpl
def register_routes():
    return [
        (r"^/-/standards/?$", standards_index),
        (r"^/-/standards/(?P<designation>.+)\.json$", work_history_json),
        (r"^/-/standards/(?P<designation>.+)$", work_history),
        (r"^/-/search\.json$", search_json),
        (r"^/-/search/?$", search_page),
        (r"^/-/clause/(?P<designation>.+)/(?P<number>[^/]*)$", clause_page),
        (r"^/-/term/(?P<text>.+)$", term_page),
        (r"^/-/diff/?$", diff_page),
        (r"^/-/crosswalk/?$", crosswalk_page),
        (r"^/-/bulletins/?$", bulletins_page),
        (r"^/-/bulletin/(?P<id>[^/]+?)\.(?P<fmt>csv|xlsx|md|html|docx|gbt7714|iso690|bibtex|"
         r"csl-json|ris)$", bulletin_export),
        (r"^/-/bulletin/(?P<id>[^/]+?)(?P<json>\.json)$", bulletin_page),
        (r"^/-/bulletin/(?P<id>[^/]+)$", bulletin_page),
        (r"^/-/changes(?P<json>\.json)?$", changes_page),
        # old and guessable addresses, redirected to the page they mean
        (r"^/-/bulletins/(?P<rest>[^/]+)$", _moved("/-/bulletin/{rest}")),
        (r"^/-/bulletin/?$", _moved("/-/bulletins")),
        (r"^/-/standard(?:/(?P<rest>.*))?$", _moved("/-/standards/{rest}")),
        (r"^/-/(?:compare|comparison)/?$", _moved("/-/diff")),
        (r"^/-/clause/(?P<rest>[^/]+)$", _moved("/-/clause/{rest}/")),
        (r"^/-/clauses?/?$", _moved("/-/search")),
        (r"^/-/terms?/?$", _moved("/-/search")),
    ]


def _moved(target: str):
    """A page that redirects (301) to ``target`` filled from the URL, keeping the query."""
    async def redirect(request):
        values = {k: v or "" for k, v in request.url_vars.items()}
        location = target.format(**values)
        if request.query_string:
            location += "?" + request.query_string
        return Response.redirect(location, status=301)
    return redirect


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

    name, db = await _kb_database(datasette)
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

    _, db = await _kb_database(datasette)
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
        # escape() and an f-string: what Markup.format writes, for a tenth of its CPU
        link = f'<a href="{escape(work_url(value))}" title="history">{escape(value)}</a>'
        if label and label != value:
            link += f" <small>{escape(label)}</small>"
        return Markup(link)
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
    works = await answer(db, ("adopted_works",), queries.adopted_works) \
        if db is not None else []
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


# --- bulletins -------------------------------------------------------------------------------


def bulletin_url(key: str, fmt: str | None = None) -> str:
    return "/-/bulletin/" + quote(key, safe="") + (f".{fmt}" if fmt else "")


def _bulletin_html(b: dict, rows: dict[str, int], _=lambda text, **v: text.format(**v)
                   ) -> Markup:
    """The bulletin's text as paragraphs and headings; each mention an anchor (``m<start>``)
    that jumps to its row of the reference table (``rows``: designation → row number), its
    tooltip in the interface language (``_``)."""
    text, mentions = b["text"], b["mentions"]
    headings = {a["start"]: a for a in b["articles"]}
    parts = {a["part"] for a in b["articles"]}  # a set: a list a line has thousands
    pieces_of_text, position, index = [], 0, 0
    for paragraph in text.split("\n"):
        start, end = position, position + len(paragraph)
        position = end + 1
        pieces, cursor = [], start
        while index < len(mentions) and mentions[index]["start"] < end:
            m = mentions[index]
            index += 1
            pieces.append(Markup.escape(text[cursor:m["start"]]))
            classes = ["kb-mention", m["kind"]] + (["stale"] if m["stale"] else []) + \
                ([] if m["known"] or m["kind"] not in ("standard", "draft") else ["unknown"])
            row = rows.get(m["resolved"] or m["canonical"] or "") \
                if m["kind"] in ("standard", "draft") else None
            title = " · ".join(filter(None, (
                m["canonical"], m["resolved"] and m["resolved"] != m["canonical"]
                and f"→ {m['resolved']}", m["status"] and _(m["status"]),
                m["stale"] and _("stale"),
                None if row or m["kind"] in ("standard", "draft") else _(m["kind"]))))
            label = Markup.escape(text[m["start"]:m["end"]])
            if row:
                pieces.append(Markup('<a id="m{}" class="{}" href="#ref-{}" title="{}">{}</a>')
                              .format(m["start"], " ".join(classes), row, title, label))
            else:
                pieces.append(Markup('<span id="m{}" class="{}" title="{}">{}</span>').format(
                    m["start"], " ".join(classes), title, label))
            cursor = m["end"]
        pieces.append(Markup.escape(text[cursor:end]))
        body = Markup("").join(pieces)
        if start in headings:
            pieces_of_text.append(Markup('<h3 id="a{}">{}</h3>').format(
                headings[start]["number"], body))
        elif paragraph.strip() and paragraph.strip() in parts:
            pieces_of_text.append(Markup("<h2>{}</h2>").format(body))
        elif paragraph.strip():
            pieces_of_text.append(Markup("<p>{}</p>").format(body))
    return Markup("\n").join(pieces_of_text)


async def bulletins_page(datasette, request):
    from kb.bulletins import citations

    name, db = await _kb_database(datasette)
    rows = await answer(db, ("bulletins",), citations.listing) if db is not None else []
    return Response.html(await datasette.render_template(
        "standards_bulletins.html", {"bulletins": rows, "database": name,
                                     "bulletin_url": bulletin_url}, request=request))


async def _bulletin(datasette, key: str):
    from kb.bulletins import citations

    name, db = await _kb_database(datasette)
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
        {"b": b, "text_html": _bulletin_html(b, rows, i18n.translator(ui)),
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
    _, db = await _kb_database(datasette)
    if not await db.table_exists("changes"):
        return since, []
    return since, await db.execute_fn(lambda conn: citations.changed_since(conn, b, since))


def edition_link(work: str, edition: str) -> str:
    """The edition's row on its work's history page."""
    return f"{work_url(work)}#{quote(edition, safe='')}"


def parse_work(designation: str) -> str:
    parsed = try_parse(designation)
    return parsed.work.canonical if parsed else designation


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


# --- comparisons -----------------------------------------------------------------------------


def _redline_html(lines: list) -> Markup:
    """The redline as the HTML export writes it (phrases, spaces outside the marks)."""
    return Markup(render.redline_html(lines))


async def diff_page(datasette, request):
    from kb.catalogue import diff

    name, db = await _kb_database(datasette)
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

    name, db = await _kb_database(datasette)
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


# --- changes ---------------------------------------------------------------------------------

#: Changes shown per page.
CHANGES_PAGE = 200


async def changes_page(datasette, request):
    """The change log: ?since=YYYY-MM-DD, &code=N|C|W|R, &page=; .json for the same rows."""
    from kb.catalogue.facts import CHANGE_CODES
    from kb.catalogue.model import check_date

    name, db = await _kb_database(datasette)
    as_json = bool(request.url_vars.get("json"))
    since = (request.args.get("since") or "").strip() or None
    code = (request.args.get("code") or "").strip().upper() or None
    page = request.args.get("page") or "1"
    message = None
    try:
        if since and len(since) > 10:
            raise ValueError("since: a date YYYY-MM-DD")
        since = check_date(since, "since")
        if code and code not in CHANGE_CODES:
            raise ValueError(f"code: one of {', '.join(CHANGE_CODES)}")
        page = int(page) if page.isdigit() and len(page) < 6 and int(page) > 0 else 1
    except ValueError as error:
        message, since, code, page = str(error), None, None, 1
    rows, counts = [], {}
    if db is not None and await db.table_exists("changes"):
        rows = await db.execute_fn(lambda conn: queries.changes(
            conn, since, code, CHANGES_PAGE + 1, (page - 1) * CHANGES_PAGE))
        counts = await answer(db, ("change_counts", since),
                              lambda conn: queries.change_counts(conn, since))
    more = len(rows) > CHANGES_PAGE
    rows = rows[:CHANGES_PAGE]
    if as_json:
        body = {"since": since, "code": code, "page": page, "counts": counts, "changes": rows,
                "next": page + 1 if more else None}
        if message:
            return Response.json({"ok": False, "error": message}, status=400)
        return Response(json.dumps(body, ensure_ascii=False), content_type="application/json")
    return Response.html(await datasette.render_template(
        "standards_changes.html",
        {"changes": rows, "change_rows": change_rows(
            rows, CHANGE_CODES, i18n.translator(i18n.language(request.scope))),
         "counts": counts, "codes": CHANGE_CODES, "since": since or "",
         "code": code or "", "page": page, "more": more, "message": message, "database": name,
         "work_url": work_url}, request=request), status=400 if message else 200)


def change_rows(changes: list[dict], codes: dict[str, str], _) -> Markup:
    """The change log's table rows (``_``: the interface language's translator): when, the
    code's name and letter, the edition linked to its history, and what changed — a status
    said in the interface language, other values (dates, stage codes, titles) as data.
    Written in Python: 200 rows of Jinja macros took most of the page's CPU."""
    def value(field: str, v) -> str:
        if v is None:
            return "—"
        if field == "status":
            return escape(_(v))
        return f'<span translate="no">{escape(v)}</span>'

    out = []
    for c in changes:
        field, new = c["field"], c["new"]
        if field:
            what = f"{escape(_(field))}: {value(field, c['old'])} → {value(field, new)}"
        else:
            what = value("status", new) if new else ""
        out.append(f'<tr><td translate="no">{escape(c["at"])}</td><td>'
                   f'{escape(_(codes[c["code"]]))} <small translate="no">{escape(c["code"])}'
                   f'</small></td><td><a href="{escape(work_url(c["edition"]))}" '
                   f'translate="no">{escape(c["edition"])}</a></td><td>{what}</td></tr>')
    return Markup("".join(out))
