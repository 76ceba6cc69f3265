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
    """Send ``(kind, url)`` requests from ``clients`` concurrent httpx clients until they run
    out or ``seconds`` pass: ``(kind, seconds, status (0 = no answer), served from the
    server's cache)`` per request, and the wall time."""
    import asyncio
    import time

    import httpx

    queue: asyncio.Queue = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)
    records: list[tuple[str, float, int, bool]] = []
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(http) -> None:
        while time.monotonic() < deadline:
            try:
                kind, url = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            hit = False
            try:
                response = await http.get(url)
                await response.aread()
                status = response.status_code
                hit = response.headers.get("x-cache") == "hit"
            except httpx.HTTPError:
                status = 0
            records.append((kind, time.perf_counter() - started, status, hit))

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        wall = time.perf_counter() - started
    return records, wall
