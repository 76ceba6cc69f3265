#!/usr/bin/env python
"""Serving benchmark: requests per second and p50/p95/p99 per page type, at 20 and 100
clients, for one worker, one worker behind HAProxy and two workers behind HAProxy, in one run.

    python benchmarks/serve.py                                   # the knowledge base below
    python benchmarks/serve.py --clauses 1000000                 # the issue's scale (long)
    python benchmarks/serve.py --db some.db --requests 2000 --seconds 60

The knowledge base (unless ``--db``): ``kb build`` of data/, both Relaton bulk archives when
``../shared/corpus`` has them (~100 000 editions), ``--clauses`` synthetic clauses in editions
of their own (benchmarks/search.py's generator: English and Chinese, Zipf words), and the test
bulletin.  It is built once into ``--out`` and reused (``--rebuild`` to build again).

Each configuration serves it with ``kb serve`` (``--workers 1``, or HAProxy in front via
``kb.serving``), loopback only; a fixed, shuffled plan of requests over 16 page types (history
pages, search pages and the search API, clause and term pages, bulletin pages, filtered and
unfiltered tables, row pages, JSON, the home and database pages) is sent by N concurrent
clients, bounded by ``--requests`` and ``--seconds``.  The CPU the server's processes spend
(user + system, from /proc) is counted for each run (CPU ms a request), and for one worker a
sequential pass of ``--cpu-requests`` requests of each page type gives its CPU ms a page
alone.  Ends with the tables and one line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import fetch_all, format_table, pct  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
BULLETIN = ROOT / "tests" / "fixtures" / "bulletins" / "kbs-bulletin-2019-04.txt"


def kb(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "kb.cli", *args], check=True, cwd=ROOT)


def build(db: Path, clauses: int, seed: int) -> None:
    """The knowledge base to serve (see the module's docstring)."""
    from search import Vocabulary, _load_worker, generate  # benchmarks/search.py

    kb("build", "--db", str(db), "-q")
    archives = sorted((CORPUS / "relaton" / "bulk").glob("*.tar.xz"))
    if archives:
        kb("load", "--db", str(db), "-q", *map(str, archives))
    if clauses:
        corpus = db.with_suffix(".clauses.jsonl")
        generate(corpus, Vocabulary(seed), clauses, seed)
        _load_worker(str(db.with_suffix(".load.json")), str(db), str(corpus), str(clauses))
        corpus.unlink()
        kb("index", "--db", str(db), "-q")
    kb("bulletin", "load", "--db", str(db), "-q", str(BULLETIN))


def plan(db: Path, total: int, seed: int, distinct: bool = False) -> list[tuple[str, str]]:
    """(page type, URL) requests, shuffled; ``distinct``: each URL made unique by a parameter
    every page ignores (``_n``), so the server's cache never answers, except the home and
    database pages, which have one URL each and are cached per snapshot by design."""
    from datasette.utils import tilde_encode

    name = db.stem
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rng = random.Random(seed)
    editions = [r[0] for r in conn.execute(
        "select id from editions where rowid in (select abs(random()) % (select max(rowid) "
        "from editions) + 1 from editions limit 300)")]
    marks = ",".join("?" * len(editions))
    works = [r[0] for r in conn.execute(
        f"select work_id from editions where id in ({marks})", editions)]
    clauses = conn.execute("select edition_id, number from clauses order by random() limit 200"
                           ).fetchall()
    terms = [r[0] for r in conn.execute("select preferred from terms order by random() "
                                        "limit 100")] or ["audit"]
    bulletin = conn.execute("select id from bulletins limit 1").fetchone()
    words = ["audit", "management", "审核", "requirements", "管理体系", "quality", "risk",
             "monitoring", "方案", "competence"]
    conn.close()
    kinds = {
        "home /": lambda: "/",
        "database /kb": lambda: f"/{name}",
        "history /-/standards/<work>": lambda: "/-/standards/" + quote(rng.choice(works),
                                                                       safe=""),
        "standards index": lambda: "/-/standards",
        "search page": lambda: "/-/search?q=" + quote(rng.choice(words)),
        "search API": lambda: "/-/search.json?q=" + quote(rng.choice(words)),
        "clause page": lambda: "/-/clause/{}/{}".format(
            *(quote(x, safe="") for x in rng.choice(clauses))),
        "term page": lambda: "/-/term/" + quote(rng.choice(terms), safe=""),
        "bulletin page": lambda: f"/-/bulletin/{bulletin[0]}",
        "bulletins list": lambda: "/-/bulletins",
        "table editions": lambda: f"/{name}/editions",
        "table editions?status=current": lambda: f"/{name}/editions?status=current",
        "table editions?publisher=": lambda: f"/{name}/editions?publisher=IEC&_sort=year",
        "row page": lambda: f"/{name}/editions/" + tilde_encode(rng.choice(editions)),
        "JSON editions?work_id=": lambda: f"/{name}/editions.json?_shape=array&work_id="
                                          + quote(rng.choice(works), safe=""),
        "changes page": lambda: "/-/changes",
    }
    if not clauses:
        kinds.pop("clause page")
    if bulletin is None:
        kinds.pop("bulletin page")
    names = list(kinds)
    requests = [(names[i % len(names)], kinds[names[i % len(names)]]()) for i in range(total)]
    if distinct:  # the home and database pages have one URL each: kept (cached per snapshot)
        requests = [(k, u if k in ("home /", "database /kb") else
                     f"{u}{'&' if '?' in u else '?'}_n={seed}-{i}") for i, (k, u) in
                    enumerate(requests)]
    rng.shuffle(requests)
    return requests


def cpu_seconds(session: int) -> float:
    """CPU seconds (user + system) spent so far by the processes of a session (a server
    started in a session of its own: its workers and HAProxy)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == session:  # fields after the name: state ppid pgrp session …
            total += (int(fields[11]) + int(fields[12])) / tick  # utime stime
    return total


async def load_test(base: str, requests: list[tuple[str, str]], clients: int,
                    seconds: float, session: int | None = None) -> dict:
    cpu = cpu_seconds(session) if session else 0.0
    records, wall = await fetch_all(base, requests, clients, seconds)
    cpu = cpu_seconds(session) - cpu if session else float("nan")

    def stats(rows) -> dict:
        times = [r[1] for r in rows]
        return {"requests": len(rows), "errors": sum(1 for r in rows if r[2] != 200),
                "cache_hits": sum(1 for r in rows if r[3]),
                "p50_ms": pct(times, 0.5) * 1e3, "p95_ms": pct(times, 0.95) * 1e3,
                "p99_ms": pct(times, 0.99) * 1e3}

    return {**stats(records), "seconds": wall, "per_second": len(records) / wall,
            "cpu_ms": 1e3 * cpu / max(len(records), 1),
            "per_kind": {k: stats([r for r in records if r[0] == k])
                         for k in dict.fromkeys(k for k, _ in requests)}}


class Served:
    """``kb serve`` with W workers (W > 1, or ``balancer``: HAProxy in front)."""

    def __init__(self, db: Path, workers: int, balancer: bool) -> None:
        from kb.serving import free_port

        self.port = free_port()
        if balancer and workers == 1:  # HAProxy in front of one worker: kb.serving directly
            code = ("import os, sys; from pathlib import Path; from kb import cli, serving, "
                    "snapshots\n"
                    f"db = {str(db)!r}\n"
                    "served = snapshots.publish(db)\n"
                    "os.environ['KB_SNAPSHOTS'] = str(snapshots.folder(db))\n"
                    "cmd = [sys.executable, '-m', 'datasette', 'serve', *cli.datasette_args("
                    "str(served), str(served.parent / 'inspect.json'))]\n"
                    f"serving.run(cmd, '127.0.0.1', {self.port}, 1, "
                    "snapshots.folder(db) / 'serving')\n")
            command = [sys.executable, "-c", code]
        else:
            command = [sys.executable, "-m", "kb.cli", "serve", "--db", str(db), "--port",
                       str(self.port), "--workers", str(workers)]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        self.base = f"http://127.0.0.1:{self.port}"
        import httpx

        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/-/versions.json", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise SystemExit("the server did not answer in 180 s")

    async def cpu_per_kind(self, requests: list[tuple[str, str]], each: int) -> dict:
        """CPU ms and wall ms a page of each type costs alone: ``each`` requests of the type,
        one after the other."""
        out = {}
        for kind in dict.fromkeys(k for k, _ in requests):
            urls = [(k, u) for k, u in requests if k == kind][:each]
            cpu = cpu_seconds(self.process.pid)
            records, wall = await fetch_all(self.base, urls, 1, 600)
            out[kind] = {"cpu_ms": 1e3 * (cpu_seconds(self.process.pid) - cpu) / len(records),
                         "wall_ms": 1e3 * wall / len(records)}
        return out

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="serve this knowledge base instead")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--clauses", type=int, default=100_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--requests", type=int, default=2_000, help="per run")
    parser.add_argument("--seconds", type=float, default=60, help="per run, at most")
    parser.add_argument("--clients", type=int, nargs="+", default=[20, 100])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cpu-requests", type=int, default=40,
                        help="requests of each page type in the sequential CPU pass")
    parser.add_argument("--configurations", nargs="+", type=int, default=[1, 2, 3],
                        help="which to run: 1 worker, 1 worker + HAProxy, 2 workers + HAProxy")
    parser.add_argument("--distinct", action="store_true",
                        help="every request a different URL (no repeat: measures pages "
                             "without the server's cache)")
    args = parser.parse_args()
    db = args.db
    args.out.mkdir(parents=True, exist_ok=True)
    if db is None:
        db = args.out / f"serve-{args.clauses}.db"
        if args.rebuild or not db.exists():
            from common import unlink_db

            unlink_db(db)
            build(db, args.clauses, args.seed)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    size = {t: conn.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("editions", "clauses")}
    conn.close()
    results, alone = {}, {}
    configurations = (("1 worker", 1, False), ("1 worker + HAProxy", 1, True),
                      ("2 workers + HAProxy", 2, True))
    for label, workers, balancer in (configurations[i - 1] for i in args.configurations):
        served = Served(db, workers, balancer)
        try:
            for clients in args.clients:
                requests = plan(db, args.requests, args.seed + clients, args.distinct)
                warm = plan(db, 40, args.seed + clients + 1000, args.distinct)
                asyncio.run(load_test(served.base, warm, 4, 30))  # other URLs than measured
                results[(label, clients)] = asyncio.run(
                    load_test(served.base, requests, clients, args.seconds,
                              served.process.pid))
            if label == "1 worker" and args.cpu_requests:
                alone = asyncio.run(served.cpu_per_kind(
                    plan(db, 16 * 4 * args.cpu_requests, args.seed + 7, args.distinct),
                    args.cpu_requests))
        finally:
            served.stop()
    rows = [(label, str(clients), f"{r['requests']:,}", f"{r['per_second']:.0f}",
             f"{r['p50_ms']:.0f}", f"{r['p95_ms']:.0f}", f"{r['p99_ms']:.0f}", str(r["errors"]),
             f"{100 * r['cache_hits'] / max(r['requests'], 1):.0f} %", f"{r['cpu_ms']:.1f}")
            for (label, clients), r in results.items()]
    print(f"\n{db}: {size['editions']:,} editions, {size['clauses']:,} clauses; loopback, "
          f"{os.cpu_count()} cores, {args.requests:,} requests or {args.seconds:.0f} s a run")
    print(format_table(("configuration", "clients", "requests", "req/s", "p50 ms", "p95 ms",
                        "p99 ms", "errors", "cache hits", "CPU ms/req"), rows,
                       {1, 2, 3, 4, 5, 6, 7, 8, 9}))
    first = results.get(("1 worker", args.clients[0]))
    if first:
        print(f"\nper page type, 1 worker, {args.clients[0]} clients (CPU and wall ms: "
              f"{args.cpu_requests} requests of the type alone, one at a time):")
        nan = {"cpu_ms": float("nan"), "wall_ms": float("nan")}
        print(format_table(("page type", "requests", "p50 ms", "p95 ms", "p99 ms", "errors",
                            "CPU ms", "alone ms"), [
            (k, str(v["requests"]), f"{v['p50_ms']:.0f}", f"{v['p95_ms']:.0f}",
             f"{v['p99_ms']:.0f}", str(v["errors"]), f"{alone.get(k, nan)['cpu_ms']:.1f}",
             f"{alone.get(k, nan)['wall_ms']:.1f}") for k, v in first["per_kind"].items()],
            {1, 2, 3, 4, 5, 6, 7}))
    (args.out / "serve.json").write_text(json.dumps(
        {**{f"{k[0]} / {k[1]}": v for k, v in results.items()}, "alone": alone}, indent=1),
        encoding="utf-8")
    two = results.get(("2 workers + HAProxy", args.clients[0]))
    if first and two:
        print(f"\np95 at {args.clients[0]} clients, 1 worker: {first['p95_ms']:.0f} ms "
              f"(aim < 300); 2 workers: {two['p95_ms']:.0f} ms (aim < 150); 2 workers / 1 "
              f"worker throughput: {two['per_second'] / first['per_second']:.2f}x (aim >= 1.6)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
