#!/usr/bin/env python
"""Bulletin benchmark: mentions found per second over a large text, and reference-table
exports of 10 000 rows in every format.  Run from the repository root::

    python benchmarks/bulletins.py                 # 50 MB of text, 10 000 rows
    python benchmarks/bulletins.py --mb 5 --rows 2000     # a quick check

1. The sample bulletin (``../shared/corpus/bulletins/cnca-expert-groups-2017.txt``, or the
   test bulletin when the corpus is absent) is repeated to ``--mb`` megabytes on disk, then
   streamed: read in blocks of lines, lines joined (``loaders.bulletin.join_lines``) and
   mentions found (``kb.bulletins.mentions.find``) with one :class:`kb.bulletins.mentions.Context`
   carried
   from block to block, as a bulletin of that size would be read.
2. A knowledge base with ``--rows`` editions (a synthetic catalogue in the project's JSON
   Lines format, loaded with the real loader) gives a reference table of that many rows
   (``kb.bulletins.export.editions_table``), which is exported once in every format.

Every figure comes from the same run; the table is printed at the end and written with the
raw figures to ``<out>/bulletins.json``.

``--scale`` runs instead a scale series: notices that list ``N`` standards one after another
(10 000, 30 000 and 100 000 citations by default), as one paragraph and one a line, each
loaded by ``kb bulletin load`` into a knowledge base holding a synthetic catalogue of the
standards cited, then checked by ``kb check`` (every mention resolved) and shown on the
bulletin's page (resolved again, the text marked up), each in a child process timed with its
peak memory.  The time per citation is printed as a ratio to that of the smallest notice of
the same layout: 1.0 is linear::

    python benchmarks/bulletins.py --scale                    # 10 000, 30 000, 100 000
    python benchmarks/bulletins.py --scale 10000 30000        # a quicker check
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import processes  # noqa: E402  (this folder is first on sys.path)
from harness.corpora import notices  # noqa: E402
from harness.corpora.catalogue import small_catalogue  # noqa: E402
from harness.files import unlink_db  # noqa: E402
from harness.report import format_table  # noqa: E402
from tqdm import tqdm  # noqa: E402

from kb.bulletins import export, mentions  # noqa: E402
from kb.catalogue.store import Store  # noqa: E402
from loaders import documents_for  # noqa: E402
from loaders.bulletin import join_lines  # noqa: E402

SAMPLE = ROOT.parent / "shared" / "corpus" / "bulletins" / "cnca-expert-groups-2017.txt"
FALLBACK = ROOT / "tests" / "fixtures" / "bulletins" / "kbs-bulletin-2019-04.txt"
BLOCK_LINES = 2000


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


def timed(command: list[str], fail: bool = True) -> tuple[float, float, int] | None:
    """(wall seconds, peak RSS in MiB, bytes written) of a command run in a child process;
    if it fails, None (``fail=False``) or the end."""
    child = processes.run(command, cwd=ROOT, capture=True)
    if child.code and not fail:
        return None
    if child.code:
        raise SystemExit(f"{' '.join(command)} failed: {child.stderr.decode()[-2000:]}")
    return child.seconds, child.peak_rss_kb / 1024, len(child.stdout)


#: The bulletin's page (every mention resolved, the text marked up) from the Datasette test
#: client, in a child process: python -c _PAGE DB ID.
_PAGE = """
import asyncio, sys
from datasette.app import Datasette
async def main():
    ds = Datasette([sys.argv[1]], immutables=[], settings={"suggest_facets": False})
    response = await ds.client.get("/-/bulletin/" + sys.argv[2])
    assert response.status_code == 200, response.status_code
    sys.stdout.write(response.text)
asyncio.run(main())
"""


def scale_series(sizes: list[int], out: Path) -> str:
    """Load, check and show notices of each size and layout; the table with ratios."""
    kb = [sys.executable, "-m", "kb.cli"]
    rows, first, startup = [], {}, {}
    for layout in ("paragraph", "lines"):
        for size in [10, *sizes]:  # 10 citations: the commands' start-up, subtracted
            text = out / f"notice-{size}-{layout}.txt"
            cited = notices.make_notice(text, size, layout)
            db = out / f"notice-{size}-{layout}.db"
            unlink_db(db)
            catalogue = out / f"notice-{size}-catalogue.jsonl"
            notices.make_notice_catalogue(catalogue, cited)
            timed([*kb, "load", "--db", str(db), "-q", str(catalogue)])
            load = timed([*kb, "bulletin", "load", "--db", str(db), "-q", str(text)])
            conn = sqlite3.connect(db)
            found = conn.execute("select count(*) from mentions").fetchone()[0]
            stored = sum(len(r[0]) for r in conn.execute(
                "select sentence from mentions")) / 2**20
            conn.close()
            check = timed([*kb, "check", "--db", str(db), "--json", text.stem])
            page = timed([sys.executable, "-c", _PAGE, str(db), text.stem], fail=False)
            for step, figures in (("bulletin load", load), ("check", check),
                                  ("bulletin page", page)):
                if figures is None:  # the page of a text over 1 MB: kb.web.guard's limit
                    rows.append((layout, step, f"{size:,}", f"{found:,}", "fails", "", "",
                                 "", "", "", ""))
                    continue
                seconds, peak, _ = figures
                if size == 10:
                    startup[layout, step] = seconds
                    continue
                per, net = seconds / size, (seconds - startup[layout, step]) / size
                first.setdefault((layout, step), (per, net))
                rows.append((layout, step, f"{size:,}", f"{found:,}", f"{seconds:.1f}",
                             f"{per * 1e6:.0f}", f"{per / first[layout, step][0]:.2f}",
                             f"{net * 1e6:.0f}", f"{net / first[layout, step][1]:.2f}",
                             f"{peak:.0f}", f"{stored:.1f}"))
            print(f"{layout} {size:,}: load {load[0]:.1f} s, check {check[0]:.1f} s, page "
                  + (f"{page[0]:.1f} s ({page[2] / 1e6:.1f} MB)" if page else "fails"),
                  file=sys.stderr)
    return format_table(("layout", "command", "citations", "mentions", "wall s",
                         "µs/citation", "ratio", "net µs/citation", "net ratio", "peak MiB",
                         "sentences MiB"), rows, numeric=set(range(2, 11))) + (
        "\nratio: µs per citation over the smallest notice's; net: less the command's time on "
        "a notice of 10 citations (" + ", ".join(f"{k[1]} {v:.1f} s" for k, v in
                                                  startup.items() if k[0] == "paragraph") + ")")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=50.0, help="text size (default 50 MB)")
    parser.add_argument("--rows", type=int, default=10_000, help="reference table rows")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", type=int, nargs="*", metavar="N",
                        help="instead: the scale series of notices of N citations (default "
                             "10000 30000 100000)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if args.scale is not None:
        table_text = (f"standards-kb bulletin scale series; {os.cpu_count()} CPUs, Python "
                      f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}\n"
                      + scale_series(sorted(args.scale or [10_000, 30_000, 100_000]), args.out)
                      + f"\ntotal {time.perf_counter() - started:.0f} s")
        print(table_text)
        (args.out / "bulletins-scale.txt").write_text(table_text + "\n", encoding="utf-8")
        return

    text = args.out / f"bulletin-{args.mb:g}mb.txt"
    source = SAMPLE if SAMPLE.exists() else FALLBACK
    copies = notices.repeated_text(text, source, args.mb)
    found = stream_mentions(text)

    catalogue = args.out / f"references-{args.rows}.jsonl"
    small_catalogue(catalogue, args.rows, args.seed)
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
    lines.append(f"peak RSS {processes.peak_rss_mib():.0f} MiB; "
                 f"total {time.perf_counter() - started:.0f} s")
    table_text = "\n".join(lines)
    print(table_text)
    (args.out / "bulletins.json").write_text(json.dumps(
        {"mentions": found, "table": table, "formats": formats, "copies": copies,
         "source": str(source), "table_text": table_text}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
