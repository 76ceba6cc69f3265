"""Admission: a worker runs at most a few requests at once; the others wait their turn, first
come first served.

A Datasette worker is one Python process: requests it runs at once share one core (the GIL),
and each goes round the event loop and the SQL threads once per query it makes.  With twenty
requests in flight a page of four queries waits four times behind the others, so the pages
that cost most finish last, at about the concurrency times their own cost; the tail of the
latencies is set by that sharing, not by the work.  With at most a few requests running
(``kb serve --concurrent``, :func:`default`: two for one worker, so that SQLite's and tantivy's
work, which runs without the GIL, goes on beside Python's; one each for several workers behind
HAProxy, which queues the rest), a request waits for those that came before it and then runs
almost alone: the same CPU a request, and the latency of a queue, not of a crowd.

A request holds its place until its answer starts (``http.response.start``): a slow reader
of a long streamed answer (CSV) does not hold up the others.  Answers from the response cache
and 304s (:mod:`kb.web.cache`, outside this) never wait; nor do WebSocket or lifespan events.
"""

from __future__ import annotations

import asyncio
import os

#: Requests a worker runs at once unless ``$KB_CONCURRENT`` says otherwise (0: no limit).
LIMIT = 2


def _given() -> int | None:
    """``$KB_CONCURRENT`` (set by ``kb serve``), if it is a whole number."""
    value = os.environ.get("KB_CONCURRENT", "").strip()
    return int(value) if value.isdigit() else None


def limit() -> int:
    """The limit ``kb serve`` passed on (``$KB_CONCURRENT``), else :data:`LIMIT`."""
    given = _given()
    return LIMIT if given is None else given


def default(workers: int) -> int:
    """The limit a worker of ``kb serve --workers N`` gets unless ``--concurrent`` or
    ``$KB_CONCURRENT`` says: :data:`LIMIT` for one worker (a second request keeps the core
    busy while the first waits on SQLite or tantivy), one for each of several, which HAProxy
    feeds from its own queue to the first that is free (1 M clauses, 2 cores, 20 clients,
    distinct URLs; two workers: p95 212 ms at two each, 187 ms at one; one worker: 258 ms at
    two, 303 ms at one; with no limit 419 ms and 298 ms)."""
    given = _given()
    if given is not None:
        return given
    return LIMIT if workers == 1 else 1


def wrap(app, most: int):
    """The ASGI app ``app`` running at most ``most`` HTTP requests at once, the others
    waiting in the order they came (``most`` 0: ``app`` itself)."""
    if most <= 0:
        return app
    gate: asyncio.Semaphore | None = None

    async def admitted(scope, receive, send):
        nonlocal gate
        if scope.get("type") != "http":
            await app(scope, receive, send)
            return
        if gate is None:  # made in the loop that serves (a semaphore binds to its loop)
            gate = asyncio.Semaphore(most)
        await gate.acquire()
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                gate.release()

        async def sending(message):
            if message.get("type") == "http.response.start":
                release()
            await send(message)

        try:
            await app(scope, receive, sending)
        finally:
            release()

    return admitted
