#!/usr/bin/env python
"""Bulletin benchmark: mentions found per second over a large text, and reference-table
exports of 10 000 rows in every format.  Run from the repository root::

    python benchmarks/bulletins.py                 # 50 MB of text, 10 000 rows
    python benchmarks/bulletins.py --mb 5 --rows 2000     # a quick check

1. The sample bulletin (``../shared/corpus/bulletins/cnca-expert-groups-2017.txt``, or the
   test bulletin when the corpus is absent) is repeated to ``--mb`` megabytes on disk, then
   streamed: read in blocks of lines, lines joined (``loaders.bulletin.join_lines``) and
   mentions found (``kb.mentions.find``) with one :class:`kb.mentions.Context` carried
   from block to block, as a bulletin of that size would be read.
2. A knowledge base with ``--rows`` editions (a synthetic catalogue in the project's JSON
   Lines format, loaded with the real loader) gives a reference table of that many rows
   (``kb.export.editions_table``), which is exported once in every format.

Every figure comes from the same run; the table is printed at the end and written with the
raw figures to ``<out>/bulletins.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import unlink_db  # noqa: E402  (this folder is first on sys.path)
from tqdm import tqdm  # noqa: E402

from kb import export, mentions  # noqa: E402
from kb.store import Store  # noqa: E402
from loaders import documents_for  # noqa: E402
from loaders.bulletin import join_lines  # noqa: E402

SAMPLE = ROOT.parent / "shared" / "corpus" / "bulletins" / "cnca-expert-groups-2017.txt"
FALLBACK = ROOT / "tests" / "fixtures" / "bulletins" / "kbs-bulletin-2019-04.txt"
BLOCK_LINES = 2000


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_text(path: Path, megabytes: float) -> tuple[Path, int]:
    """The sample repeated to ``megabytes`` MB; (its source, copies)."""
    source = SAMPLE if SAMPLE.exists() else FALLBACK
    sample = source.read_bytes()
    copies = max(1, int(megabytes * 1e6 // len(sample)))
    with open(path, "wb") as handle:
        for _ in range(copies):
            handle.write(sample)
            handle.write(b"\n")
    return source, copies


def stream_mentions(path: Path) -> dict:
    """Find every mention in a large text file read in blocks of lines."""
    context, kinds, characters = mentions.Context(), Counter(), 0
    size = path.stat().st_size
    started = time.perf_counter()
    with open(path, encoding="utf-8") as handle, tqdm(total=size, unit="B", unit_scale=True,
                                                       desc="mentions", file=sys.stderr) as bar:
        block: list[str] = []
        for line in handle:
            block.append(line.rstrip("\n"))
            if len(block) >= BLOCK_LINES:
                characters += _block(block, context, kinds, bar)
                block = []
        if block:
            characters += _block(block, context, kinds, bar)
    seconds = time.perf_counter() - started
    return {"bytes": size, "characters": characters, "seconds": seconds,
            "mentions": sum(kinds.values()), "by_kind": dict(kinds.most_common())}


def _block(lines: list[str], context, kinds: Counter, bar) -> int:
    text = "\n".join(join_lines(lines))
    for mention in mentions.find(text, context):
        kinds[mention.kind] += 1
    bar.update(sum(len(line.encode()) + 1 for line in lines))
    return len(text)


def make_catalogue(path: Path, rows: int, seed: int) -> None:
    """A JSON Lines catalogue of ``rows`` editions across ISO, IEC, GB and sector codes."""
    rng = random.Random(seed)
    schemes = [("ISO {n}", ":"), ("ISO/IEC {n}", ":"), ("IEC {n}", ":"), ("GB/T {n}", "-"),
               ("LY/T {n}", "-"), ("JB/T {n}", "-")]
    with open(path, "w", encoding="utf-8") as handle:
        made, number = 0, 10000
        while made < rows:
            pattern, sep = rng.choice(schemes)
            number += rng.randint(1, 7)
            work = pattern.format(n=number)
            years = sorted(rng.sample(range(1990, 2026), rng.randint(1, 3)))
            editions = []
            for i, year in enumerate(years):
                edition = {
                    "designation": f"{work}{sep}{year}",
                    "status": "current" if i == len(years) - 1 else "replaced",
                    "published": f"{year}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                }
                if i:
                    edition["replaces"] = [f"{work}{sep}{years[i - 1]}"]
                editions.append(edition)
            title = {"en": f"Management systems — synthetic title {number}",
                     "zh": f"管理体系 合成标题 {number}"}
            handle.write(json.dumps({"work": work, "title": title, "editions": editions},
                                    ensure_ascii=False) + "\n")
            made += len(editions)


def export_all(db: Path, rows: int) -> tuple[dict, dict]:
    """Build a reference table of ``rows`` editions and export it in every format."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    ids = [r[0] for r in conn.execute("select id from editions order by id limit ?", (rows,))]
    started = time.perf_counter()
    table = export.editions_table(conn, ids)
    built = time.perf_counter() - started
    conn.close()
    results = {}
    for fmt in tqdm(export.FORMATS, desc="export", file=sys.stderr):
        started = time.perf_counter()
        body = export.export(table, fmt, "zh", title="benchmark")
        seconds = time.perf_counter() - started
        size = len(body if isinstance(body, bytes) else body.encode())
        results[fmt] = {"seconds": seconds, "bytes": size}
    return {"rows": len(table), "seconds": built}, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=50.0, help="text size (default 50 MB)")
    parser.add_argument("--rows", type=int, default=10_000, help="reference table rows")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    text = args.out / f"bulletin-{args.mb:g}mb.txt"
    source, copies = make_text(text, args.mb)
    found = stream_mentions(text)

    catalogue = args.out / f"references-{args.rows}.jsonl"
    make_catalogue(catalogue, args.rows, args.seed)
    db = args.out / f"references-{args.rows}.db"
    unlink_db(db)
    store = Store(db)
    summary = store.load(documents_for([catalogue]))
    store.close()
    table, formats = export_all(db, args.rows)

    mib = found["bytes"] / 2**20
    lines = [
        f"standards-kb bulletin benchmark; {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        f"{'figure':46} {'n':>14} {'wall s':>8}  throughput",
        f"{'mentions, streamed (' + source.name + ' x ' + str(copies) + ')':46} "
        f"{found['mentions']:>14,} {found['seconds']:>8.1f}  "
        f"{found['mentions'] / found['seconds']:,.0f} mentions/s; {mib / found['seconds']:.2f} "
        f"MiB/s; {found['characters'] / found['seconds'] / 1e6:.2f} M chars/s",
        f"{'  by kind':46} " + ", ".join(f"{k} {n:,}" for k, n in found["by_kind"].items()),
        f"{'reference table: resolve ' + str(args.rows) + ' editions':46} "
        f"{table['rows']:>14,} {table['seconds']:>8.2f}  {table['rows'] / table['seconds']:,.0f} "
        f"rows/s (catalogue load: {summary.loaded} documents, {summary.records:,} records)",
    ]
    for fmt, r in formats.items():
        lines.append(f"{'  export ' + fmt:46} {table['rows']:>14,} {r['seconds']:>8.2f}  "
                     f"{table['rows'] / r['seconds']:,.0f} rows/s; {r['bytes'] / 1e6:.2f} MB")
    lines.append(f"peak RSS {_rss_mib():.0f} MiB; total {time.perf_counter() - started:.0f} s")
    table_text = "\n".join(lines)
    print(table_text)
    (args.out / "bulletins.json").write_text(json.dumps(
        {"mentions": found, "table": table, "formats": formats, "copies": copies,
         "source": str(source), "table_text": table_text}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
