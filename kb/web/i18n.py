"""The pages' interface in Chinese and English, one language at a time.

The language of a request is, in order: ``?ui=zh|en`` (a switch, remembered in the
``kb_ui`` cookie for a year, and taken out of the query before any page sees it, so it never
filters a table), the ``kb_ui`` cookie, the browser's ``Accept-Language`` (the most
preferred of Chinese and English), else English.  Templates write their interface text in
English inside ``_("…")``; Python marks the texts it hands to a page with
:func:`kb.wording.N_`.  The translations are a gettext catalogue kept with Babel
(``kb/web/locale/zh/LC_MESSAGES/messages.po``, its template ``messages.pot``; README,
"Translating the interface").  What the data says — titles, clause text, messages of the
query functions — is shown as it is stored.

The catalogue is read from its ``.po`` file once, at import, with Babel's own reader: no
compiled ``.mo`` is built or committed, so what a translator saves is what the site says on
its next start, there is no second file to fall out of step with the first, and no build
step before tests or ``kb serve``.  Reading ~500 messages takes a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode

from markupsafe import Markup

from kb.wording import N_

#: The catalogues: ``<lang>/LC_MESSAGES/messages.po`` and the template ``messages.pot``.
LOCALE = Path(__file__).with_name("locale")
DOMAIN = "messages"


def header(scope, name: bytes) -> bytes | None:
    """A request header's value in an ASGI scope (``name`` in lower case), or None."""
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value
    return None


#: Texts the pages pass to ``_()`` as values rather than write in a template: the edition
#: statuses, the kinds of clause and of mention, a comparison's count of changed terms, the
#: operators of Datasette's filters (but SQL's own and the signs) with the clauses they
#: describe, its facets' types and the SQL page's hide/show (tests/test_i18n.py checks the
#: list against kb.identifiers.stages and Datasette's Filters).
VALUES = (
    N_("current"), N_("upcoming"), N_("draft"), N_("abandoned"), N_("withdrawn"),
    N_("replaced"),
    N_("clause"), N_("term"), N_("annex"), N_("annex-normative"), N_("annex-informative"),
    N_("note"), N_("example"), N_("table"), N_("figure"), N_("foreword"), N_("introduction"),
    N_("bibliography"),
    N_("standard"), N_("committee"), N_("government-document"), N_("other"),
    N_("terms changed"),
    N_("contains"), N_("ends with"), N_("starts with"), N_("in"), N_("not in"),
    N_("array contains"), N_("array does not contain"), N_("date"), N_("is null"),
    N_("is not null"), N_("is blank"), N_("is not blank"),
    N_('{c} contains "{v}"'), N_('{c} ends with "{v}"'), N_('{c} starts with "{v}"'),
    N_('{c} does not contain "{v}"'), N_('"{c}" is on date {v}'), N_("{c} in {v}"),
    N_("{c} not in {v}"), N_("{c} is null"), N_("{c} is not null"), N_("{c} is blank"),
    N_("{c} is not blank"),
    N_("array"), N_("hide"), N_("show"),
)

LANGUAGES = ("zh", "en")
#: The cookie that remembers a chosen language, and the query parameter that chooses one.
COOKIE, PARAM = "kb_ui", "ui"
DEFAULT = "en"


def cookies(scope) -> dict[str, str]:
    """The request's cookies (none if the header cannot be read)."""
    jar = SimpleCookie()
    try:
        jar.load((header(scope, b"cookie") or b"").decode("latin-1"))
    except CookieError:
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


#: The key of an ASGI scope that holds the language a ``?ui=`` switch chose (the parameter
#: itself is gone from the query by then).
CHOSEN = "kb.ui"


def _asked(scope) -> str | None:
    for key, value in parse_qsl((scope.get("query_string") or b"").decode("latin-1")):
        if key == PARAM and value in LANGUAGES:
            return value
    return None


def negotiate(accept_language: str) -> str | None:
    """The language of ours an Accept-Language header prefers most (``zh-CN,zh;q=0.9,en``
    → zh), or None if it names neither."""
    best, best_q = None, 0.0
    for position, item in enumerate(accept_language.split(",")[:32]):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.strip().lower().split("-")[0]
        q -= position * 1e-6  # equal weights: the first named wins
        if primary in LANGUAGES and q > best_q:
            best, best_q = primary, q
    return best


def language(scope) -> str:
    """The interface language of an ASGI request scope (see the module's docstring)."""
    chosen = scope.get(CHOSEN) or _asked(scope) or cookies(scope).get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return negotiate((header(scope, b"accept-language") or b"").decode("latin-1")) or DEFAULT


def catalogue_path(lang: str) -> Path:
    """The ``.po`` file of a language's translations."""
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The translations of ``lang`` (English message → its text), read from its ``.po``:
    translated, not fuzzy messages only (English has none: its texts are the messages)."""
    if lang == DEFAULT:
        return {}
    from babel.messages.pofile import read_po

    with catalogue_path(lang).open("rb") as po:
        read = read_po(po, locale=lang, domain=DOMAIN)
    return {m.id: m.string for m in read if m.id and m.string and not m.fuzzy
            and isinstance(m.id, str)}


def gettext(text: str, lang: str) -> str:
    """``text`` (an English message) in ``lang``; itself where the catalogue lacks it."""
    return catalogue(lang).get(text, text) if lang != DEFAULT else text


def translator(lang: str) -> Callable[..., str]:
    """``_(text, **values)``: the text in ``lang``, with ``{name}`` fields filled in."""
    table = catalogue(lang)

    def translate(text: str, /, **values) -> str:
        out = table.get(text, text) if isinstance(text, str) else text
        if any(isinstance(v, Markup) for v in values.values()):  # data marked up: kept so
            return Markup.escape(out).format(**values)
        return out.format(**values) if values else out
    return translate


def data(value) -> Markup:
    """A value of the data inside interface text, marked as not to be translated
    (``_("Search the clause text for “{text}”", text=q|kb_data)`` in a template)."""
    return Markup('<span translate="no">{}</span>').format(value)


def extract_metadata(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """A Babel extractor for Datasette's ``metadata.yml``: the titles and descriptions it
    shows on the Datasette pages (the site's, each database's, table's, column's and canned
    query's), which the forked templates pass through ``_()``.  (babel.cfg names it.)"""
    import yaml

    text = fileobj.read().decode("utf-8")
    lines = text.splitlines()

    def line_of(value: str) -> int:
        first = value.strip().splitlines()[0][:40] if value.strip() else ""
        return next((i for i, line in enumerate(lines, 1) if first and first in line), 0)

    def walk(node, key=None):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "columns" and isinstance(v, dict):
                    for description in v.values():
                        if isinstance(description, str):
                            yield line_of(description), "_", description, []
                elif k in ("title", "description", "description_html") and isinstance(v, str):
                    yield line_of(v), "_", v, []
                elif k != "sql":
                    yield from walk(v, k)

    yield from walk(yaml.safe_load(text))


def switch_url(scope, lang: str) -> str:
    """The current page in ``lang`` (its path and query, ``ui`` set)."""
    query = [(k, v) for k, v in parse_qsl((scope.get("query_string") or b"").decode(),
                                          keep_blank_values=True) if k != PARAM]
    raw = scope.get("raw_path")  # as requested: "GB%2FT" stays one segment
    path = raw.decode("latin-1") if raw else quote(scope.get("path", "/"))
    return path + "?" + urlencode([*query, (PARAM, lang)])


def without_switch(query: bytes) -> bytes:
    """A query string without its ``ui`` parameters (the rest as it was written)."""
    kept = [part for part in query.split(b"&")
            if part and part.split(b"=", 1)[0] != PARAM.encode()]
    return b"&".join(kept)


def remember(app):
    """An ASGI app that takes a language chosen with ``?ui=`` out of the query (no page,
    Datasette's included, sees it: it filters no table and no link carries it), keeps it in
    the scope for :func:`language`, and remembers it in a cookie."""
    async def remembering(scope, receive, send):
        if scope.get("type") != "http" or PARAM.encode() not in (
                scope.get("query_string") or b""):
            await app(scope, receive, send)
            return
        chosen = _asked(scope)
        query = scope.get("query_string") or b""
        scope = {**scope, "query_string": without_switch(query)}
        if chosen is None:
            await app(scope, receive, send)
            return
        scope[CHOSEN] = chosen

        async def with_cookie(message):
            if message["type"] == "http.response.start":
                cookie = f"{COOKIE}={chosen}; Path=/; Max-Age=31536000; SameSite=Lax"
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"set-cookie", cookie.encode())]}
            await send(message)

        await app(scope, receive, with_cookie)
    return remembering
