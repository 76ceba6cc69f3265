"""The change log (``/-/changes``, ``/-/changes.json``): what loads and ``kb update`` changed
in the editions' facts."""

from __future__ import annotations

import json

from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from kb.catalogue import queries
from kb.web import i18n
from kb.web.guard import answer
from kb.web.site import kb_database, work_url

#: Changes shown per page.
CHANGES_PAGE = 200


async def changes_page(datasette, request):
    """The change log: ?since=YYYY-MM-DD, &code=N|C|W|R, &page=; .json for the same rows."""
    from kb.catalogue.facts import CHANGE_CODES
    from kb.catalogue.model import check_date

    name, db = await kb_database(datasette)
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
