#!/usr/bin/env python
"""Load benchmark of the knowledge base at the scale of the largest catalogue of standards.

Run from the repository root::

    python benchmarks/catalogue_load.py                      # 1.5 M editions, everything
    python benchmarks/catalogue_load.py --editions 20000 --skip-relaton   # a quick check

Every figure comes from the same run on the current machine; see benchmarks/README.md for what
each one means.  Steps:

1. generate a synthetic JSON Lines catalogue (streamed to disk) and load it with the real
   loader path, ``Store(db).load(loaders.documents_for([file]))``, in a child process;
2. a baseline: the same rows inserted with a bare ``executemany`` in one transaction into an
   empty database created by ``Store`` (same schema, indexes and PRAGMAs);
3. ``kb.identifiers.designation.parse`` throughput over 200 000 distinct designations;
4. ``kb.catalogue.queries.history`` latency on the loaded catalogue, and one ``kb history`` CLI
call;
5. the real Relaton bulk archives (ISO and IEC), loaded into a fresh database;
6. the loaded catalogue served by Datasette as deployed, under a bounded loopback load test.

The summary table is printed at the end and written to ``<out>/catalogue_load.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from harness import report  # this folder is first on sys.path
from harness.corpora.catalogue import CatalogueGenerator, generate_catalogue
from harness.files import file_size, mb, unlink_db
from harness.load_test import fetch_all, free_port
from harness.processes import run_step, steps, write_result
from harness.progress import bar as progress_bar
from harness.report import pct, percentiles, write_json

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RELATON_BULK = ROOT.parent / "shared" / "corpus" / "relaton" / "bulk"
RELATON_FILES = ("relaton-data-iso-bulk.tar.xz", "relaton-data-iec-bulk.tar.xz")

#: Tables whose rows a load writes, counted after each load ("rows").
COUNTED_TABLES = ("works", "editions", "stage_events", "relations", "edition_ics",
                  "committees", "sources")
#: The order the baseline inserts tables in (parents first, as the store flushes them).
BASELINE_ORDER = ("sources", "committees", "ics", "works", "editions", "edition_ics",
                  "stage_events", "relations", "claims", "changes")
#: What the loader writes besides the facts: each source's claims and the log of changes.
#: The baseline inserts them too; the second ratio counts them on both sides.
BOOKKEEPING_TABLES = ("claims", "changes")


# =============================================================================================
# Loading in a child process (peak RSS is the child's own)
# =============================================================================================


def _load_worker(result_path: str, db: str, *rest: str) -> None:
    """``catalogue_load.py _load RESULT_JSON DB [--profile FILE] PATH...``"""
    profile = None
    if rest and rest[0] == "--profile":
        profile, rest = rest[1], rest[2:]
    import sqlite_utils.db

    import loaders
    from kb.catalogue.store import Store
    from kb.identifiers.designation import parse

    # Wall-clock breakdown: a timer around a few coarse methods (a few hundred calls per
    # million records, so the overhead is negligible, unlike cProfile's).  Nested timers
    # (an upsert inside a flush) count in both; SQL run outside them is "sql_other".
    timers = {"flush": 0.0, "upsert": 0.0, "derive": 0.0, "index": 0.0, "sql_other": 0.0}
    depth = {"n": 0}

    def timed(owner, name, key):
        original = getattr(owner, name)

        def wrapper(*a, **k):
            started = time.perf_counter()
            if key != "sql":
                depth["n"] += 1
            try:
                return original(*a, **k)
            finally:
                elapsed = time.perf_counter() - started
                if key != "sql":
                    depth["n"] -= 1
                    timers[key] += elapsed
                elif not depth["n"]:
                    timers["sql_other"] += elapsed

        setattr(owner, name, wrapper)

    timed(Store, "_flush", "flush")
    timed(Store, "_upsert", "upsert")
    timed(Store, "_derive", "derive")
    timed(Store, "_index_pending", "index")
    timed(sqlite_utils.db.Database, "execute", "sql")

    bar = progress_bar(desc=f"load {Path(db).name}", unit=" records")
    state = {"docs": 0, "failed": 0}

    def counted(documents):
        # Count records for the progress bar only: one generator layer, updates every 4096.
        for document in documents:
            inner = document.records

            def records(inner=inner):
                n = 0
                for record in inner():
                    yield record
                    n += 1
                    if not n & 4095:
                        bar.update(4096)
                bar.update(n & 4095)

            document.records = records
            yield document

    def progress(document, outcome):
        state["docs"] += 1
        state["failed"] += outcome == "failed"
        if not state["docs"] % 500:
            bar.set_postfix(docs=state["docs"], failed=state["failed"], refresh=False)

    def run():
        store = Store(db)
        try:
            return store.load(counted(loaders.documents_for(rest)), progress=progress)
        finally:
            store.close()

    started = time.perf_counter()
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        summary = profiler.runcall(run)
        profiler.dump_stats(profile)
    else:
        summary = run()
    seconds = time.perf_counter() - started
    bar.close()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # a second pass that only reads the files through the loaders: what parsing costs alone
    parse.cache_clear()
    started = time.perf_counter()
    for document in loaders.documents_for(rest):
        try:
            for _ in document.records():
                pass
        except Exception:  # a failed document fails here too; its cost so far is counted
            pass
    timers["loader_records_only"] = time.perf_counter() - started
    result = {
        "loaded": summary.loaded, "unchanged": summary.unchanged, "failed": summary.failed,
        "records": summary.records, "errors": summary.errors[:20], "load_seconds": seconds,
        "self_maxrss_kb": maxrss, "timers": timers,
    }
    write_result(result_path, result, indent=1)


def run_load(db: Path, paths: list[Path], out: Path, label: str, profile: Path | None = None):
    """Load ``paths`` into a fresh ``db`` in a child process; measure it."""
    unlink_db(db)
    args = ["--profile", profile] if profile else []
    result, proc = run_step(__file__, "_load", out / f"{label}.load.json", db, *args, *paths,
                            failed=f"{label}: the load process", keep_result=True)
    result.update(proc)  # peak_rss_kb: this child only (wait4), in KiB on Linux
    conn = sqlite3.connect(str(db))
    result["rows"] = {t: conn.execute(f"select count(*) from [{t}]").fetchone()[0]
                      for t in COUNTED_TABLES}
    result["bookkeeping_rows"] = {t: conn.execute(f"select count(*) from [{t}]").fetchone()[0]
                                  for t in BOOKKEEPING_TABLES}
    conn.close()
    result["rows_total"] = sum(result["rows"].values())
    result["db_bytes"] = file_size(db)
    return result


# =============================================================================================
# 2. Baseline: the same rows by a bare executemany
# =============================================================================================


def baseline(source_db: Path, target_db: Path, chunk: int = 50_000) -> dict:
    """Copy every row of ``source_db`` into a Store-created empty ``target_db`` with
    ``executemany`` in one transaction; time only the inserts and the commit."""
    from kb.catalogue.store import Store

    unlink_db(target_db)
    store = Store(target_db)  # the same schema, indexes and PRAGMAs as the loader's database
    conn = store.conn
    source = sqlite3.connect(f"file:{source_db}?mode=ro", uri=True)
    total = sum(source.execute(f"select count(*) from [{t}]").fetchone()[0]
                for t in BASELINE_ORDER)
    inserting = 0.0
    rows = counted = 0
    by_table: dict[str, float] = {}
    with progress_bar(total=total, desc="baseline", unit=" rows") as bar:
        t = time.perf_counter()
        conn.execute("BEGIN")
        inserting += time.perf_counter() - t
        for table in BASELINE_ORDER:
            columns = [r[1] for r in conn.execute(f"pragma table_info([{table}])")]
            names = ", ".join(f"[{c}]" for c in columns)
            marks = ", ".join("?" * len(columns))
            sql = f"insert into [{table}] ({names}) values ({marks})"
            cursor = source.execute(f"select {names} from [{table}] order by rowid")
            by_table[table] = 0.0
            while batch := cursor.fetchmany(chunk):
                t = time.perf_counter()
                conn.executemany(sql, batch)
                by_table[table] += time.perf_counter() - t
                rows += len(batch)
                if table in COUNTED_TABLES:
                    counted += len(batch)
                bar.update(len(batch))
        inserting += sum(by_table.values())
        t = time.perf_counter()
        conn.execute("COMMIT")
        inserting += time.perf_counter() - t
    source.close()
    store.close()
    facts_seconds = inserting - sum(by_table[t] for t in BOOKKEEPING_TABLES)
    return {"rows": rows, "rows_counted": counted, "insert_seconds": inserting,
            "facts_seconds": facts_seconds, "seconds_by_table": by_table,
            "db_bytes": file_size(target_db)}


# =============================================================================================
# 3. Designations parsed per second
# =============================================================================================


def _written_variant(rng: random.Random, canonical: str) -> str:
    """A designation as people write it: no space, full-width colon, em dash, lower case."""
    choice = rng.random()
    if choice < 0.55:
        return canonical
    if choice < 0.65:
        return canonical.replace(" ", "", 1)
    if choice < 0.75 and ":" in canonical:
        return canonical.replace(":", "：")
    if choice < 0.85 and canonical[:2] in ("GB", "JB", "LY", "HB", "DL", "YY", "QC", "HG",
                                           "NY", "SJ", "DB") and "-" in canonical:
        head, _, year = canonical.rpartition("-")
        return f"{head}—{year}"
    if choice < 0.95:
        return canonical.lower() if not canonical.startswith("T/") else canonical
    return "  " + canonical + " "


def parse_benchmark(n: int, seed: int) -> dict:
    from kb.identifiers.designation import DesignationError, parse

    rng = random.Random(seed + 1)
    gen = CatalogueGenerator(seed + 2, check_every=0)
    wanted: dict[str, None] = {}
    for entry, _ in gen.entries(10 * n):
        for e in entry["editions"]:
            wanted[_written_variant(rng, e["designation"])] = None
        wanted[_written_variant(rng, entry["work"])] = None
        if len(wanted) >= n:
            break
    texts = list(wanted)[:n]
    parse.cache_clear()
    errors = 0
    started = time.perf_counter()
    for text in texts:
        try:
            parse(text)
        except DesignationError:
            errors += 1
    seconds = time.perf_counter() - started
    parse.cache_clear()
    return {"n": len(texts), "seconds": seconds, "per_second": len(texts) / seconds,
            "errors": errors}


# =============================================================================================
# 4. kb history latency
# =============================================================================================


def history_benchmark(db: Path, n: int, seed: int) -> dict:
    from kb.catalogue import queries

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rng = random.Random(seed + 3)
    high = conn.execute("select max(rowid) from works").fetchone()[0]
    works: list[str] = []
    while len(works) < n:
        row = conn.execute("select id from works where rowid = ?",
                           (rng.randint(1, high),)).fetchone()
        if row and row[0] not in works:
            works.append(row[0])
    timings, editions = [], []
    for work in works:
        started = time.perf_counter()
        result = queries.history(conn, work)
        timings.append(time.perf_counter() - started)
        editions.append(len(result["editions"]))
    conn.close()
    # one end-to-end CLI call (interpreter start, imports, query, rendering)
    work = works[len(works) // 2]
    kb = shutil.which("kb")
    command = [kb] if kb else [sys.executable, "-m", "kb.cli"]
    command += ["history", "--db", str(db), work]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    cli = time.perf_counter() - started
    return {"n": len(works), "median_ms": statistics.median(timings) * 1e3,
            "p95_ms": pct(timings, 0.95) * 1e3, "max_ms": max(timings) * 1e3,
            "mean_editions": statistics.mean(editions), "cli_ms": cli * 1e3,
            "cli_command": " ".join(command[:1] + command[1:-1] + [repr(work)]),
            "cli_exit": done.returncode, "cli_lines": len(done.stdout.splitlines()),
            "cli_stderr": done.stderr.strip()[:300]}


# =============================================================================================
# 6. Served pages
# =============================================================================================


def serve_benchmark(db: Path, out: Path, seed: int, clients: int, total: int,
                    limit_s: float) -> dict:
    import httpx
    from datasette.utils import tilde_encode

    from kb import cli

    notes = []
    inspect_file = out / "kb.inspect.json"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "datasette", "inspect", str(db), "--inspect-file",
                    str(inspect_file)], check=True, cwd=ROOT)
    inspect_seconds = time.perf_counter() - started
    args = cli.datasette_args(str(db), str(inspect_file))
    if "--metadata" in args and not Path(args[args.index("--metadata") + 1]).exists():
        i = args.index("--metadata")
        notes.append(f"{Path(args[i + 1]).name} absent: served without --metadata")
        del args[i:i + 2]
    port = free_port()
    command = [sys.executable, "-m", "datasette", "serve", *args, "--host", "127.0.0.1",
               "--port", str(port)]
    log = open(out / "datasette.log", "w")
    server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                raise SystemExit(f"datasette exited with {server.returncode}; see "
                                 f"{out / 'datasette.log'}")
            try:
                if httpx.get(base + "/-/versions.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("datasette did not start within 120 s")
            time.sleep(0.3)
        ready_seconds = time.perf_counter() - started - inspect_seconds

        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        rng = random.Random(seed + 4)
        high = conn.execute("select max(rowid) from editions").fetchone()[0]
        sample = []
        while len(sample) < 400:
            row = conn.execute("select id, work_id from editions where rowid = ?",
                               (rng.randint(1, high),)).fetchone()
            if row:
                sample.append(row)
        conn.close()

        # probe the URL forms once
        edition_id, work_id = sample[0]
        work_url = lambda w: f"/-/standards/{quote(w, safe='')}"  # noqa: E731
        row_url = lambda e: f"/kb/editions/{quote(e, safe='')}"  # noqa: E731
        status = httpx.get(base + row_url(edition_id), timeout=30).status_code
        if status != 200:
            tilde = httpx.get(base + f"/kb/editions/{tilde_encode(edition_id)}",
                              timeout=30).status_code
            if tilde == 200:
                notes.append(f"row page: %-quoted id gives {status}; Datasette row URLs are "
                             "tilde-encoded (datasette.utils.tilde_encode), used those")
                row_url = lambda e: f"/kb/editions/{tilde_encode(e)}"  # noqa: E731
        kinds = {
            "work page /-/standards/<work>": work_url,
            "row page /kb/editions/<id>": row_url,
            "table /kb/editions?status=current": lambda _: "/kb/editions?status=current",
            "JSON /kb/editions.json?work_id=": lambda w: "/kb/editions.json?_shape=array&"
                                                          f"work_id={quote(w, safe='')}",
        }
        uses_work = {"work page /-/standards/<work>", "JSON /kb/editions.json?work_id="}
        probe = httpx.get(base + work_url(work_id), timeout=30).status_code
        unavailable = {}
        if probe == 404:
            unavailable["work page /-/standards/<work>"] = "n/a (404)"
            del kinds["work page /-/standards/<work>"]
        names = list(kinds)
        # service time without contention: a few sequential requests per URL kind
        alone: dict[str, float] = {}
        with httpx.Client(base_url=base, timeout=60) as http:
            for kind in names:
                times = []
                for e, w in sample[1:6]:
                    t = time.perf_counter()
                    http.get(kinds[kind](w if kind in uses_work else e))
                    times.append(time.perf_counter() - t)
                alone[kind] = statistics.median(times) * 1e3
        plan = []
        for i in range(total):
            kind = names[i % len(names)]
            e, w = sample[rng.randrange(len(sample))]
            plan.append((kind, kinds[kind](w if kind in uses_work else e)))
        rng.shuffle(plan)
        results = asyncio.run(_load_test(base, plan, clients, limit_s))
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    for kind, ms in alone.items():
        results["per_kind"].setdefault(kind, {})["alone_ms"] = ms
    results.update(inspect_seconds=inspect_seconds, ready_seconds=ready_seconds,
                   unavailable=unavailable, notes=notes, clients=clients,
                   command=" ".join(command))
    return results


async def _load_test(base: str, plan: list[tuple[str, str]], clients: int,
                     limit_s: float) -> dict:
    records, seconds = await fetch_all(base, plan, clients, limit_s)
    per_kind = {}
    for kind in dict.fromkeys(k for k, _ in plan):
        rows = [r for r in records if r[0] == kind]
        times = [r[1] for r in rows]
        per_kind[kind] = {
            "requests": len(rows), "errors": sum(1 for r in rows if not 200 <= r[2] < 300),
            "statuses": sorted({r[2] for r in rows}), **percentiles(times)}
    times = [r[1] for r in records]
    return {"requests": len(records), "planned": len(plan), "seconds": seconds,
            "per_second": len(records) / seconds if seconds else 0.0,
            "errors": sum(1 for r in records if not 200 <= r[2] < 300),
            **percentiles(times), "per_kind": per_kind}


# =============================================================================================
# The table
# =============================================================================================

COLUMNS = ("#", "figure", "n", "wall s", "throughput", "p50 / p95", "peak RSS", "DB size",
           "errors", "notes")


def _fmt_int(n) -> str:
    return f"{n:,}" if isinstance(n, int) else str(n)


def build_rows(res: dict) -> list[tuple]:
    rows: list[tuple] = []
    g = res.get("generate")
    if g:
        rows.append(("1", "synthetic catalogue: generate JSONL", f"{g['editions']:,} ed.",
                     f"{g['seconds']:.1f}", f"{g['editions'] / g['seconds']:,.0f} ed./s", "",
                     "", f"{mb(g['bytes']):,.0f} MB file", "",
                     f"{g['works']:,} works, {g['stage_events']:,} events, "
                     f"{g['relations_given']:,} relations given"))
    s = res.get("synthetic_load")
    if s:
        editions = s["rows"]["editions"]
        rows.append(("1", "synthetic catalogue: Store.load", f"{editions:,} ed.",
                     f"{s['load_seconds']:.1f}",
                     f"{editions / s['load_seconds']:,.0f} ed./s; "
                     f"{s['rows_total'] / s['load_seconds']:,.0f} rows/s", "",
                     f"{s['peak_rss_kb'] / 1024:,.0f} MiB", f"{mb(s['db_bytes']):,.0f} MB",
                     str(s["failed"]),
                     f"{s['rows_total']:,} rows: " + ", ".join(
                         f"{t} {n:,}" for t, n in s["rows"].items())))
    if s and s.get("timers") and not s.get("profiled"):
        t, total = s["timers"], s["load_seconds"]
        store_rows = (total - t["loader_records_only"] - t["flush"] - t["derive"]
                      - t["index"] - t["sql_other"])
        parts = [
            ("loader: read, validate, parse JSONL", t["loader_records_only"],
             "timed alone in a 2nd pass over the file (json, check_date, designations)"),
            ("store: records -> claims and rows", store_rows,
             "the rest: Store._add, the buffers, designation keys (by difference)"),
            ("store: flush, Python", t["flush"] - t["upsert"],
             "rows into parameter tuples, claims superseded"),
            ("store: SQLite executing the upserts", t["upsert"],
             "one executemany of INSERT ... ON CONFLICT DO UPDATE per table and flush"),
            ("store: derive facts from claims", t["derive"],
             "kb.catalogue.facts.derive once per transaction: the rules, then batched writes"),
            ("store: search index of texts", t["index"], ""),
            ("store: BEGIN/COMMIT/SAVEPOINT/optimize", t["sql_other"], ""),
        ]
        for name, secs, note in parts:
            rows.append(("1", f"  {name}", "", f"{secs:.1f}", f"{100 * secs / total:.0f} % of load",
                         "", "", "", "", note))
    b = res.get("baseline")
    if b and s and "facts_seconds" in b:
        base_rate = b["rows_counted"] / b["facts_seconds"]
        load_rate = s["rows_total"] / s["load_seconds"]
        rows.append(("2", "baseline: bare executemany, 1 txn", f"{b['rows_counted']:,} rows",
                     f"{b['facts_seconds']:.1f}", f"{base_rate:,.0f} rows/s", "", "",
                     f"{mb(b['db_bytes']):,.0f} MB", "",
                     f"loader/baseline = {100 * load_rate / base_rate:.1f} % (aim >= 40 %): "
                     "the fact tables only, as the loader's rows/s counts them"))
        every = s["rows_total"] + sum(s.get("bookkeeping_rows", {}).values())
        rows.append(("2", "  with claims and changes", f"{b['rows']:,} rows",
                     f"{b['insert_seconds']:.1f}",
                     f"{b['rows'] / b['insert_seconds']:,.0f} rows/s", "", "", "", "",
                     f"loader/baseline = "
                     f"{100 * (every / s['load_seconds']) / (b['rows'] / b['insert_seconds']):.1f}"
                     " %: every row the loader writes, on both sides"))
    p = res.get("parse")
    if p:
        rows.append(("3", "kb.identifiers.designation.parse (cache cleared)",
                     f"{p['n']:,} distinct",
                     f"{p['seconds']:.2f}", f"{p['per_second']:,.0f} /s", "", "", "",
                     str(p["errors"]), "45 % written variants (no space, ：, —, lower case)"))
    h = res.get("history")
    if h:
        rows.append(("4", "queries.history (in-process)", f"{h['n']} works", "",
                     "", f"{h['median_ms']:.1f} / {h['p95_ms']:.1f} ms", "", "", "",
                     f"max {h['max_ms']:.1f} ms; {h['mean_editions']:.1f} editions/work"))
        rows.append(("4", "kb history CLI, end to end", "1 call", f"{h['cli_ms'] / 1e3:.2f}",
                     "", f"{h['cli_ms']:.0f} ms", "", "", str(h["cli_exit"]),
                     f"{h['cli_lines']} lines printed"))
    r = res.get("relaton")
    if isinstance(r, str):
        rows.append(("5", "Relaton bulk ISO+IEC", "", "", "", "", "", "", "", r))
    elif r:
        editions = r["rows"]["editions"]
        rows.append(("5", "Relaton bulk ISO+IEC: Store.load", f"{r['loaded'] + r['failed']:,} docs",
                     f"{r['load_seconds']:.1f}",
                     f"{editions / r['load_seconds']:,.0f} ed./s; "
                     f"{r['rows_total'] / r['load_seconds']:,.0f} rows/s; "
                     f"{(r['loaded'] + r['failed']) / r['load_seconds']:,.0f} docs/s", "",
                     f"{r['peak_rss_kb'] / 1024:,.0f} MiB", f"{mb(r['db_bytes']):,.0f} MB",
                     f"{r['failed']:,} failed",
                     f"{editions:,} editions, {r['rows_total']:,} rows"
                     + (f"; loader alone (tar.xz + YAML) {r['timers']['loader_records_only']:.0f} s"
                        f" = {100 * r['timers']['loader_records_only'] / r['load_seconds']:.0f} %"
                        f", store flush {r['timers']['flush']:.0f} s" if r.get("timers") else "")))
    v = res.get("serve")
    if isinstance(v, str):
        rows.append(("6", "Datasette served pages", "", "", "", "", "", "", "", v))
    elif v:
        rows.append(("6", "Datasette: all requests", f"{v['requests']:,} req",
                     f"{v['seconds']:.1f}", f"{v['per_second']:,.1f} req/s",
                     f"{v['p50_ms']:.0f} / {v['p95_ms']:.0f} ms", "", "", str(v["errors"]),
                     f"{v['clients']} clients, loopback; inspect {v['inspect_seconds']:.1f} s"
                     + "".join(f"; {n}" for n in v["notes"])))
        for kind, text in v["unavailable"].items():
            rows.append(("6", f"  {kind}", "", "", "", "", "", "", "", text))
        for kind, k in v["per_kind"].items():
            rows.append(("6", f"  {kind}", f"{k['requests']:,} req", "", "",
                         f"{k['p50_ms']:.0f} / {k['p95_ms']:.0f} ms", "", "",
                         str(k["errors"]),
                         f"HTTP {', '.join(map(str, k['statuses']))}; alone (1 client, "
                         f"median of 5): {k.get('alone_ms', float('nan')):.0f} ms"))
    return rows


def format_table(rows: list[tuple]) -> str:
    return report.format_table(COLUMNS, rows, {2, 3, 6, 7, 8})


# =============================================================================================


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--editions", type=int, default=1_500_000,
                        help="editions in the synthetic catalogue (default 1 500 000)")
    parser.add_argument("--out", type=Path, default=HERE / "out",
                        help="folder for the catalogue, databases and results")
    parser.add_argument("--skip-relaton", action="store_true",
                        help="do not load the Relaton bulk archives")
    parser.add_argument("--skip-serve", action="store_true",
                        help="do not run the Datasette load test")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the catalogue and kb.db of an earlier run of the same size "
                             "(skips generating and loading)")
    parser.add_argument("--profile", action="store_true",
                        help="run the synthetic load under cProfile (slower) and print the top "
                             "functions; writes <out>/load.prof")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--parse-n", type=int, default=200_000)
    parser.add_argument("--history-n", type=int, default=50)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="time limit of the load test")
    parser.add_argument("--keep-baseline", action="store_true",
                        help="keep the baseline database (deleted after measuring by default)")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    catalogue = out / f"catalogue-{args.editions}.jsonl"
    db = out / "kb.db"  # named kb.db so that Datasette serves it as /kb
    res: dict = {"machine": report.machine(),
                 "editions": args.editions, "started": dt.datetime.now().isoformat()}
    results_file = out / "catalogue_load.json"
    run_started = time.perf_counter()

    def save():
        res["total_seconds"] = time.perf_counter() - run_started
        res["table"] = [dict(zip(COLUMNS, r, strict=True)) for r in build_rows(res)]
        write_json(results_file, res)

    previous = json.loads(results_file.read_text()) if results_file.exists() else {}
    if args.reuse:
        if previous.get("editions") != args.editions or not db.exists():
            raise SystemExit("--reuse: no earlier run of this size in " + str(out))
        for key in ("generate", "synthetic_load", "baseline"):
            if key in previous:
                res[key] = previous[key]
    else:
        print(f"[1] generating {args.editions:,} editions into {catalogue}", file=sys.stderr)
        res["generate"] = generate_catalogue(catalogue, args.editions, args.seed)
        save()
        print(f"[1] loading {catalogue.name} into {db}", file=sys.stderr)
        profile = out / "load.prof" if args.profile else None
        res["synthetic_load"] = run_load(db, [catalogue], out, "synthetic", profile)
        res["synthetic_load"]["profiled"] = bool(profile)
        save()
        if profile:
            import pstats

            stats = pstats.Stats(str(profile))
            stats.sort_stats("cumulative").print_stats(30)
            stats.sort_stats("tottime").print_stats(25)
        print("[2] baseline: bare executemany", file=sys.stderr)
        base_db = out / "baseline.db"
        res["baseline"] = baseline(db, base_db)
        if not args.keep_baseline:
            unlink_db(base_db)
        save()

    print(f"[3] parsing {args.parse_n:,} designations", file=sys.stderr)
    res["parse"] = parse_benchmark(args.parse_n, args.seed)
    save()
    print(f"[4] kb history on {args.history_n} works", file=sys.stderr)
    res["history"] = history_benchmark(db, args.history_n, args.seed)
    save()

    if args.skip_relaton:
        res["relaton"] = "skipped (--skip-relaton)"
    elif not all((RELATON_BULK / f).exists() for f in RELATON_FILES):
        res["relaton"] = f"skipped: {RELATON_BULK} absent"
        print(f"[5] {res['relaton']}", file=sys.stderr)
    else:
        print("[5] loading the Relaton bulk archives", file=sys.stderr)
        relaton_db = out / "relaton.db"
        res["relaton"] = run_load(relaton_db, [RELATON_BULK / f for f in RELATON_FILES], out,
                                  "relaton")
    save()

    if args.skip_serve:
        res["serve"] = "skipped (--skip-serve)"
    else:
        print(f"[6] serving {db.name} with Datasette: {args.clients} clients, "
              f"{args.requests} requests or {args.seconds:.0f} s", file=sys.stderr)
        res["serve"] = serve_benchmark(db, out, args.seed, args.clients, args.requests,
                                       args.seconds)
    save()

    table = format_table(build_rows(res))
    res["table_text"] = table
    write_json(results_file, res)
    print()
    print(f"standards-kb load benchmark — {args.editions:,} editions; {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; "
          f"total {res['total_seconds'] / 60:.1f} min")
    print(table)
    print(f"\n(written to {results_file})")


if __name__ == "__main__":
    steps({"_load": _load_worker}, main)
