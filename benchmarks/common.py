"""Helpers every benchmark script shares: sizes, clean-up, percentiles, the printed table.

Each script runs from the repository root as ``python benchmarks/<name>.py``, so this folder
is first on ``sys.path`` and ``from common import …`` finds this module.
"""

from __future__ import annotations

import shutil
from pathlib import Path


def mb(n_bytes: float) -> float:
    return n_bytes / 1e6


def file_size(path: Path) -> int:
    """Bytes of a folder's files, or of a database with its journal and write-ahead log."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    total = 0
    for suffix in ("", "-wal", "-journal"):
        p = Path(str(path) + suffix)
        if p.exists():
            total += p.stat().st_size
    return total


def unlink_db(path: Path) -> None:
    """Delete a database with its journal and log, and the search index folders beside it
    (``.tantivy``, ``.whoosh``, with their ``.building`` and ``.old`` folders and locks)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    for engine in (".tantivy", ".whoosh"):
        for suffix in ("", ".building", ".old"):
            shutil.rmtree(Path(str(path) + engine + suffix), ignore_errors=True)
        Path(str(path) + engine + ".lock").unlink(missing_ok=True)


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values, nearest-rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, int(round(q * len(ordered) + 0.5)) - 1))
    return ordered[k]


def format_table(columns: tuple[str, ...], rows: list[tuple], numeric: set[int]) -> str:
    """A plain-text table: a header, a rule, the rows; ``numeric`` columns right-aligned."""
    widths = [max(len(str(c)) for c in col) for col in zip(columns, *rows, strict=True)]

    def line(cells):
        return "  ".join(
            str(c).rjust(w) if i in numeric else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(columns), rule, *(line(r) for r in rows)])


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
