"""Responses of an immutable snapshot, cached: by browsers (ETag, Cache-Control, 304) and by
the server itself (a bounded in-memory cache of whole responses).

A page of a served snapshot (``kb.catalogue.snapshots``) depends only on its URL, the snapshot and
the
interface language (``kb.web.i18n``, part of the key and the tag; answers say ``Vary``): the
same request gets the same bytes until the next snapshot is published.  So every successful
GET answer gets ``ETag`` (the snapshot and the URL, hashed) and ``Cache-Control: public,
max-age=60``; a request whose ``If-None-Match`` carries that tag is answered 304 before any
page runs; and the answers themselves are kept (at most :data:`CACHE_BYTES` in all, none over
:data:`ENTRY_BYTES`, least recently used out first) so a repeat costs no SQL and no
template (``X-Cache: hit`` says so).  Answers that set a cookie or carry a status other than
200, requests with cookies (other than the interface language's) or other methods than GET,
and arbitrary SQL (``?sql=``, which may ask for ``random()``) are neither tagged nor kept.
A new snapshot changes every tag and key.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from kb.web import i18n

#: Bytes of cached responses in all, and of one response.
CACHE_BYTES = 64 << 20
ENTRY_BYTES = 2 << 20


#: What a cacheable answer tells browsers; pages differ by interface language (kb.web.i18n).
CACHE_CONTROL = "public, max-age=60"
VARY = b"Accept-Language, Cookie"


def key_and_tag(identity: str, url: bytes) -> tuple[str, str]:
    """The cache key and the ETag (quoted) of ``url`` (path and query) in the database
    state ``identity`` (a snapshot, or a file's identity)."""
    key = hashlib.sha256(identity.encode() + b"|" + url).hexdigest()
    return key, f'"{key[:32]}"'


class ResponseCache:
    """A least-recently-used cache of whole responses, bounded in bytes."""

    def __init__(self, capacity: int = CACHE_BYTES) -> None:
        self.capacity = capacity
        self.size = 0
        self.entries: OrderedDict[str, tuple[int, list, bytes]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key: str, status: int, headers: list, body: bytes) -> None:
        if len(body) > ENTRY_BYTES:
            return
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = (status, headers, body)
            self.size += len(body)
            while self.size > self.capacity:
                _, (_, _, old) = self.entries.popitem(last=False)
                self.size -= len(old)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.size = 0


def wrap(app, snapshot):
    """An ASGI app answering GETs of the snapshot ``snapshot()`` names (None: no caching)
    from the cache, or 304, when it can."""
    cache = ResponseCache()
    state = {"snapshot": None}

    async def cached(scope, receive, send):
        current = snapshot() if scope.get("type") == "http" else None
        if (current is None or scope.get("method") != "GET"
                or set(i18n.cookies(scope)) - {i18n.COOKIE}):
            await app(scope, receive, send)
            return
        if current != state["snapshot"]:
            cache.clear()
            state["snapshot"] = current
        query = scope.get("query_string") or b""
        if b"sql=" in query:  # arbitrary SQL may ask for random(): answered afresh
            await app(scope, receive, send)
            return
        url = (scope.get("raw_path") or scope["path"].encode()) + b"?" + query
        key, text = key_and_tag(current, url + b"|" + i18n.language(scope).encode())
        tag, control = text.encode(), CACHE_CONTROL.encode()
        if i18n.header(scope, b"if-none-match") == tag:
            await send({"type": "http.response.start", "status": 304,
                        "headers": [(b"etag", tag), (b"cache-control", control),
                                    (b"vary", VARY)]})
            await send({"type": "http.response.body", "body": b""})
            return
        entry = cache.get(key)
        if entry is not None:
            status, headers, body = entry
            await send({"type": "http.response.start", "status": status,
                        "headers": [*headers, (b"x-cache", b"hit")]})
            await send({"type": "http.response.body", "body": body})
            return
        captured: dict = {"start": None, "body": [], "keep": True}

        async def capture(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in (b"etag", b"cache-control", b"vary")]
                keep = message["status"] == 200 and not any(
                    k.lower() == b"set-cookie" for k, _ in headers)
                captured["keep"] = keep
                if keep:
                    headers += [(b"etag", tag), (b"cache-control", control), (b"vary", VARY)]
                    message = {**message, "headers": headers}
                captured["start"] = message
            elif message["type"] == "http.response.body" and captured["keep"]:
                captured["body"].append(message.get("body", b""))
                if not message.get("more_body"):
                    cache.put(key, captured["start"]["status"], captured["start"]["headers"],
                              b"".join(captured["body"]))
            await send(message)

        await app(scope, receive, capture)

    cached.cache = cache
    return cached
