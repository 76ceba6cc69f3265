"""The pages' interface in Chinese and English.

The language of a request is, in order: ``?ui=zh|en`` (a switch, remembered in the
``kb_ui`` cookie for a year), the ``kb_ui`` cookie, the browser's ``Accept-Language`` (the
most preferred of Chinese and English), else English.  Templates write their interface text
in English inside ``_("…")``; :data:`ZH` gives each its Chinese (``tests/test_i18n.py``
checks that every text a template or the plugin passes to ``_`` has one).  What the data
says — titles, clause text, messages of the query functions — is shown as it is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl, quote, urlencode

from kb.web.i18n_zh import ZH


def header(scope, name: bytes) -> bytes | None:
    """A request header's value in an ASGI scope (``name`` in lower case), or None."""
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value
    return None


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
    chosen = _asked(scope) or cookies(scope).get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return negotiate((header(scope, b"accept-language") or b"").decode("latin-1")) or DEFAULT


def translator(lang: str) -> Callable[..., str]:
    """``_(text, **values)``: the text in ``lang``, with ``{name}`` fields filled in."""
    def translate(text: str, /, **values) -> str:
        out = ZH.get(text, text) if lang == "zh" else text
        return out.format(**values) if values else out
    return translate


def switch_url(scope, lang: str) -> str:
    """The current page in ``lang`` (its path and query, ``ui`` set)."""
    query = [(k, v) for k, v in parse_qsl((scope.get("query_string") or b"").decode(),
                                          keep_blank_values=True) if k != PARAM]
    raw = scope.get("raw_path")  # as requested: "GB%2FT" stays one segment
    path = raw.decode("latin-1") if raw else quote(scope.get("path", "/"))
    return path + "?" + urlencode([*query, (PARAM, lang)])


def remember(app):
    """An ASGI app that remembers a language chosen with ``?ui=`` in a cookie."""
    async def remembering(scope, receive, send):
        chosen = _asked(scope) if scope.get("type") == "http" else None
        if chosen is None:
            await app(scope, receive, send)
            return

        async def with_cookie(message):
            if message["type"] == "http.response.start":
                cookie = f"{COOKIE}={chosen}; Path=/; Max-Age=31536000; SameSite=Lax"
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"set-cookie", cookie.encode())]}
            await send(message)

        await app(scope, receive, with_cookie)
    return remembering
