"""Concurrent HTTP clients against a served knowledge base."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A loopback port free now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def fetch_all(base: str, requests: list[tuple[str, str]], clients: int,
                    seconds: float) -> tuple[list[tuple[str, float, int, bool]], float]:
    """Send ``(kind, url)`` requests from ``clients`` concurrent keep-alive connections until
    they run out or ``seconds`` pass: ``(kind, seconds, status (0 = no answer), served from
    the server's cache)`` per request, and the wall time.

    The clients are aiohttp's: the load generator shares the machine with the server, and
    httpx's pool cost it 7 ms of CPU a request at 100 connections (its pool scans every
    connection for each request, encode/httpcore#929), as much as the server's page, which
    at 100 clients and two workers showed as 1-5 s stalls the server never had (HAProxy's
    timers: p95 0.9 s, the clients' 3-4 s).  aiohttp's cost 0.5 ms."""
    import asyncio
    import time

    import aiohttp

    queue: asyncio.Queue = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)
    records: list[tuple[str, float, int, bool]] = []
    deadline = time.monotonic() + seconds

    async def client(http: aiohttp.ClientSession) -> None:
        while time.monotonic() < deadline:
            try:
                kind, url = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            hit = False
            try:
                async with http.get(base + url) as response:
                    await response.read()
                    status = response.status
                    hit = response.headers.get("x-cache") == "hit"
            except (TimeoutError, aiohttp.ClientError):
                status = 0
            records.append((kind, time.perf_counter() - started, status, hit))

    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        wall = time.perf_counter() - started
    return records, wall
