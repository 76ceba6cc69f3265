#!/usr/bin/env python
"""Serving benchmark: requests per second and p50/p95/p99 per page type, at 20 and 100
clients, for one worker, one worker behind HAProxy and two workers behind HAProxy, in one run.

    python benchmarks/serve.py                                   # the knowledge base below
    python benchmarks/serve.py --clauses 1000000                 # the issue's scale (long)
    python benchmarks/serve.py --db some.db --requests 2000 --seconds 60
    python benchmarks/serve.py --db some.db --distinct --against 1c06701   # before/after

The knowledge base (unless ``--db``): ``kb build`` of data/, both Relaton bulk archives when
``../shared/corpus`` has them (~100 000 editions), ``--clauses`` synthetic clauses in editions
of their own (the search benchmark's, ``harness.corpora.clauses``: English and Chinese, Zipf
words), and the test bulletin.  It is built once into ``--out`` and reused (``--rebuild`` to
build again).

Each configuration serves it with ``kb serve`` (``--workers 1``, or HAProxy in front via
``kb.web.serving``), loopback only; a fixed, shuffled plan of requests over 16 page types (history
pages, search pages and the search API, clause and term pages, bulletin pages, filtered and
unfiltered tables, row pages, JSON, the home and database pages) is sent by N concurrent
clients, bounded by ``--requests`` and ``--seconds``.  The CPU the server's processes spend
(user + system, from /proc) is counted for each run (CPU ms a request), and for one worker a
sequential pass of ``--cpu-requests`` requests of each page type gives its CPU ms a page
alone.  Ends with the tables and one line.

``--against REV`` serves the same knowledge base with the code of ``REV`` too (a detached git
worktree under ``--out``), each configuration with both codes one after the other (the order
alternating), and prints the ratios now / REV: what a change to the code did, in one run.
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

from harness import checkout  # noqa: E402
from harness.load_test import fetch_all  # noqa: E402
from harness.processes import session_cpu_seconds, write_result  # noqa: E402
from harness.report import format_table, percentiles, ratio, ratio_row  # noqa: E402
from harness.rounds import alternating  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
BULLETIN = ROOT / "tests" / "fixtures" / "bulletins" / "kbs-bulletin-2019-04.txt"


def kb(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "kb.cli", *args], check=True, cwd=ROOT)


def build(db: Path, clauses: int, seed: int) -> None:
    """The knowledge base to serve (see the module's docstring)."""
    from harness.corpora import clauses as corpus

    kb("build", "--db", str(db), "-q")
    archives = sorted((CORPUS / "relaton" / "bulk").glob("*.tar.xz"))
    if archives:
        kb("load", "--db", str(db), "-q", *map(str, archives))
    if clauses:
        path = db.with_suffix(".clauses.jsonl")
        corpus.generate(path, corpus.Vocabulary(seed), clauses, seed)
        write_result(str(db.with_suffix(".load.json")), corpus.load(str(db), str(path), clauses))
        path.unlink()
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


async def load_test(base: str, requests: list[tuple[str, str]], clients: int,
                    seconds: float, session: int | None = None) -> dict:
    cpu = session_cpu_seconds(session) if session else 0.0
    records, wall = await fetch_all(base, requests, clients, seconds)
    cpu = session_cpu_seconds(session) - cpu if session else float("nan")

    def stats(rows) -> dict:
        return {"requests": len(rows), "errors": sum(1 for r in rows if r[2] != 200),
                "cache_hits": sum(1 for r in rows if r[3]),
                **percentiles([r[1] for r in rows], (0.5, 0.95, 0.99))}

    return {**stats(records), "seconds": wall, "per_second": len(records) / wall,
            "cpu_ms": 1e3 * cpu / max(len(records), 1),
            "per_kind": {k: stats([r for r in records if r[0] == k])
                         for k in dict.fromkeys(k for k, _ in requests)}}


class Served:
    """``kb serve`` with W workers (W > 1, or ``balancer``: HAProxy in front)."""

    def __init__(self, db: Path, workers: int, balancer: bool, root: Path = ROOT) -> None:
        from kb.web.serving import free_port

        self.port = free_port()
        if balancer and workers == 1:  # HAProxy in front of one worker: kb.web.serving directly
            code = ("import os, sys; from pathlib import Path; from kb import cli\n"
                    "from kb.web import serving\nfrom kb.catalogue import snapshots\n"
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
        env = {**os.environ, "PYTHONPATH": str(root)}  # this code's kb, not the installed one
        self.process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL,
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
            cpu = session_cpu_seconds(self.process.pid)
            records, wall = await fetch_all(self.base, urls, 1, 600)
            cpu = session_cpu_seconds(self.process.pid) - cpu
            out[kind] = {"cpu_ms": 1e3 * cpu / len(records), "wall_ms": 1e3 * wall / len(records)}
        return out

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(30)


def result_rows(results: dict, code: str) -> list[tuple]:
    return [(label, str(clients), f"{r['requests']:,}", f"{r['per_second']:.0f}",
             f"{r['p50_ms']:.0f}", f"{r['p95_ms']:.0f}", f"{r['p99_ms']:.0f}", str(r["errors"]),
             f"{100 * r['cache_hits'] / max(r['requests'], 1):.0f} %", f"{r['cpu_ms']:.1f}")
            for (c, label, clients), r in results.items() if c == code]


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
    parser.add_argument("--against", metavar="REV",
                        help="serve with the code of this git revision too, and print ratios")
    args = parser.parse_args()
    db = args.db
    args.out.mkdir(parents=True, exist_ok=True)
    if db is None:
        db = args.out / f"serve-{args.clauses}.db"
        if args.rebuild or not db.exists():
            from harness.files import unlink_db

            unlink_db(db)
            build(db, args.clauses, args.seed)
    db = db.resolve()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    size = {t: conn.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("editions", "clauses")}
    conn.close()
    codes = [("now", ROOT)]
    if args.against:
        codes.insert(0, (args.against, checkout(args.against, args.out)))
    results, alone = {}, {}
    configurations = (("1 worker", 1, False), ("1 worker + HAProxy", 1, True),
                      ("2 workers + HAProxy", 2, True))
    chosen = [configurations[i - 1] for i in args.configurations]
    for n, (code, root) in alternating(codes, len(chosen)):  # each configuration a round
        label, workers, balancer = chosen[n]
        served = Served(db, workers, balancer, root)
        try:
            for clients in args.clients:
                requests = plan(db, args.requests, args.seed + clients, args.distinct)
                warm = plan(db, 40, args.seed + clients + 1000, args.distinct)
                asyncio.run(load_test(served.base, warm, 4, 30))  # other URLs than measured
                results[(code, label, clients)] = asyncio.run(
                    load_test(served.base, requests, clients, args.seconds,
                              served.process.pid))
            if label == "1 worker" and args.cpu_requests:
                alone[code] = asyncio.run(served.cpu_per_kind(
                    plan(db, 16 * 4 * args.cpu_requests, args.seed + 7, args.distinct),
                    args.cpu_requests))
        finally:
            served.stop()
    print(f"\n{db}: {size['editions']:,} editions, {size['clauses']:,} clauses; loopback, "
          f"{os.cpu_count()} cores, {args.requests:,} requests or {args.seconds:.0f} s a run"
          + (", distinct URLs" if args.distinct else ""))
    columns = ("configuration", "clients", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms",
               "errors", "cache hits", "CPU ms/req")
    for code, _ in codes:
        if len(codes) > 1:
            print(f"\ncode: {code}")
        print(format_table(columns, result_rows(results, code), set(range(1, 10))))
    nan = {"cpu_ms": float("nan"), "wall_ms": float("nan")}
    clients = args.clients[0]
    for code, _ in codes:
        first = results.get((code, "1 worker", clients))
        if not first:
            continue
        mine = alone.get(code, {})
        print(f"\nper page type, code {code}, 1 worker, {clients} clients (CPU and wall ms: "
              f"{args.cpu_requests} requests of the type alone, one at a time):")
        print(format_table(("page type", "requests", "p50 ms", "p95 ms", "p99 ms", "errors",
                            "CPU ms", "alone ms"), [
            (k, str(v["requests"]), f"{v['p50_ms']:.0f}", f"{v['p95_ms']:.0f}",
             f"{v['p99_ms']:.0f}", str(v["errors"]), f"{mine.get(k, nan)['cpu_ms']:.1f}",
             f"{mine.get(k, nan)['wall_ms']:.1f}") for k, v in first["per_kind"].items()],
            set(range(1, 8))))
    if len(codes) > 1:
        old, new = codes[0][0], "now"
        print(f"\nnow / {old} (below 1 is better, except req/s):")
        print(format_table(("configuration", "clients", "req/s", "p50", "p95", "p99",
                            "CPU ms/req"), [
            ratio_row((label, str(c)), results[(new, label, c)], results[(old, label, c)],
                      ("per_second", "p50_ms", "p95_ms", "p99_ms", "cpu_ms"))
            for (code, label, c) in results if code == new], set(range(1, 7))))
        if alone.get(old) and alone.get(new):
            print(format_table(("page type", f"CPU ms {old}", "CPU ms now", "ratio"), [
                (k, f"{alone[old][k]['cpu_ms']:.1f}", f"{alone[new][k]['cpu_ms']:.1f}",
                 ratio(alone[new][k]["cpu_ms"], alone[old][k]["cpu_ms"]))
                for k in alone[new] if k in alone[old]], {1, 2, 3}))
    (args.out / "serve.json").write_text(json.dumps(
        {**{" / ".join(map(str, k)): v for k, v in results.items()}, "alone": alone},
        indent=1), encoding="utf-8")
    for code, _ in codes:
        first = results.get((code, "1 worker", clients))
        two = results.get((code, "2 workers + HAProxy", clients))
        if first and two:
            print(f"\n{code}: p95 at {clients} clients, 1 worker: {first['p95_ms']:.0f} ms "
                  f"(aim < 300); 2 workers: {two['p95_ms']:.0f} ms (aim < 150); 2 workers / 1 "
                  f"worker throughput: {two['per_second'] / first['per_second']:.2f}x "
                  "(aim >= 1.6)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
