#!/usr/bin/env python
"""Title lookup benchmark: a title finds its standard (kb.catalogue.queries.resolve) at catalogue
scale.

Run from the repository root::

    python benchmarks/titles.py                  # loads the Relaton bulk archives first
    python benchmarks/titles.py --db kb.db       # a knowledge base already loaded

Steps: (1) the Relaton bulk archives (ISO and IEC, ../shared/corpus/relaton/bulk) loaded
into ``<out>/titles.db`` with the real store path, ``kb load``, unless ``--db`` is given — the
load writes the title index in its transaction, so the load time includes it; (2) the index
rebuilt whole (``kb.text.search.sync_titles(rebuild=True)``, what ``kb index`` does); (3)
``--n`` titles drawn (seeded) from the editions, each as stored, in full-width capitals
(English and French) or in Traditional characters (Chinese), and looked up with
``resolve``: latency, and whether the edition's work is the answer (one work) or among the
works listed (several have that title); (4) what one lookup would cost without the index:
every title folded and compared.  Prints a table; writes ``<out>/titles.json``.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from harness import HERE, ROOT, use_this_checkout  # this folder is first on sys.path
from harness.files import unlink_db
from harness.report import pct, write_json

use_this_checkout()  # measure the kb of this checkout, whatever is installed
BULK = ROOT.parent / "shared" / "corpus" / "relaton" / "bulk"
FILES = ("relaton-data-iso-bulk.tar.xz", "relaton-data-iec-bulk.tar.xz")


def _variant(title: str, language: str) -> str:
    """The title as a reader might type it: full-width capitals, or Traditional characters."""
    if language == "zh":
        import opencc

        return opencc.OpenCC("s2t").convert(title)
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in title.upper())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="a loaded knowledge base (default: load the "
                        "Relaton bulk archives into OUT/titles.db)")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--n", type=int, default=2000, help="titles looked up")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    from kb.catalogue import queries
    from kb.text import search

    res: dict = {}
    args.out.mkdir(parents=True, exist_ok=True)
    db = args.db
    if db is None:
        db = args.out / "titles.db"
        unlink_db(db)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "kb.cli", "load", "--db", str(db), "-q",
                        *(str(BULK / f) for f in FILES)], check=True, cwd=ROOT)
        res["load_seconds"] = round(time.perf_counter() - started, 1)
    conn = sqlite3.connect(db)
    res["works"], res["editions"] = (conn.execute("select count(*) from works").fetchone()[0],
                                     conn.execute("select count(*) from editions").fetchone()[0])
    started = time.perf_counter()
    search.sync_titles(conn, rebuild=True)
    conn.commit()
    res["rebuild_seconds"] = round(time.perf_counter() - started, 2)
    res["title_keys"] = conn.execute("select count(*) from search_titles").fetchone()[0]

    rows = conn.execute("select work_id, id, title_en, title_fr, title_zh from editions "
                        "where title_en is not null or title_fr is not null or title_zh "
                        "is not null order by id").fetchall()
    rng = random.Random(args.seed)
    picked = []
    for work, _edition, *titles in rng.sample(rows, min(args.n, len(rows))):
        choices = [(lang, t) for lang, t in zip(("en", "fr", "zh"), titles, strict=True) if t]
        language, title = rng.choice(choices)
        picked.append((work, language, rng.choice((title, _variant(title, language)))))
    times, found, alone, listed = [], 0, 0, 0
    for work, _language, text in picked:
        started = time.perf_counter()
        try:
            answer = queries.resolve(conn, text)
            ok, one = answer[0] == work, True
        except queries.NotFound:
            ok, one = work in {w for w, _ in search.find_titles(conn, text)}, False
        except queries.DesignationError:
            ok = one = False
        times.append(time.perf_counter() - started)
        found += ok
        alone += ok and one
        listed += ok and not one
    res["lookups"] = len(picked)
    res["found"] = found
    res["resolved_to_one_work"] = alone
    res["listed_among_several"] = listed
    res["ms_p50"] = round(pct(times, 0.5) * 1000, 2)
    res["ms_p95"] = round(pct(times, 0.95) * 1000, 2)
    res["ms_max"] = round(max(times) * 1000, 2)
    # without the index: fold every title and compare, once
    started = time.perf_counter()
    wanted = search.title_key(picked[0][2])
    _ = [w for w, *ts in conn.execute("select work_id, title_en, title_fr, title_zh from "
                                      "editions") if wanted in map(search.title_key, ts)]
    res["full_scan_ms"] = round((time.perf_counter() - started) * 1000, 1)
    plan = conn.execute("explain query plan select work_id, edition_id from search_titles "
                        "where key = ?", ("x",)).fetchall()
    res["plan"] = " ".join(r[-1] for r in plan)
    for key, value in res.items():
        print(f"{key:24} {value}")
    write_json(args.out / "titles.json", res, indent=2, ensure_ascii=True)


if __name__ == "__main__":
    main()
