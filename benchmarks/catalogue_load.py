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
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import deque
from pathlib import Path
from urllib.parse import quote

import common  # this folder is first on sys.path
from common import fetch_all, file_size, mb, pct, unlink_db

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
# 1. The synthetic catalogue
# =============================================================================================

_ICS_FIELDS = ("01", "03", "07", "11", "13", "17", "19", "21", "23", "25", "27", "29", "31",
               "33", "35", "37", "39", "43", "45", "47", "49", "53", "55", "59", "61", "65",
               "67", "71", "73", "75", "77", "79", "81", "83", "85", "87", "91", "93", "95",
               "97")
_EN_WORDS = (
    "Quality management systems", "Information technology", "Security techniques",
    "Road vehicles", "Plastics", "Rubber", "Textiles", "Steel", "Aluminium alloys",
    "Medical devices", "Electrical installations", "Rotating electrical machines",
    "Household appliances", "Electromagnetic compatibility", "Fire safety", "Timber",
    "Agricultural machinery", "Water quality", "Soil quality", "Acoustics", "Optics",
    "Welding", "Pipelines", "Pressure vessels", "Ships and marine technology",
    "Aircraft", "Petroleum products", "Fertilizers", "Food products", "Cosmetics",
)
_EN_TAIL = (
    "Requirements", "Guidelines for auditing", "Test methods", "Vocabulary",
    "General requirements", "Determination of tensile properties", "Safety requirements",
    "Specification", "Methods of measurement", "Performance requirements",
    "Sampling procedures", "Terminology and definitions", "Classification",
    "Marking and labelling", "Dimensions and tolerances", "Calibration",
)
_ZH_HEAD = ("质量管理体系", "信息技术", "安全技术", "道路车辆", "塑料", "橡胶", "纺织品", "钢",
            "铝合金", "医疗器械", "电气装置", "旋转电机", "家用电器", "电磁兼容", "消防安全",
            "木材", "农业机械", "水质", "土壤质量", "声学", "光学", "焊接", "管道", "压力容器",
            "船舶", "航空器", "石油产品", "肥料", "食品", "化妆品", "林业", "煤炭", "电力")
_ZH_TAIL = ("要求", "审核指南", "试验方法", "术语", "通用要求", "拉伸性能的测定", "安全要求",
            "规范", "测量方法", "性能要求", "抽样程序", "分类", "标志和标签", "尺寸和公差", "校准")
_IEC_TCS = ("1", "2", "3", "8", "9", "13", "14", "17", "18", "20", "21", "22", "23", "31", "32",
            "34", "38", "40", "45", "46", "47", "55", "57", "59", "61", "62", "64", "65", "69",
            "77", "82", "86", "88", "100", "101", "108", "110", "113", "116", "120")


class _Family:
    """A publisher (or publisher and document type) with its designation forms."""

    def __init__(self, key, weight, kind, start, *, parts=0.3, doctypes=(), tc=None,
                 drafts=0.0, amendments=0.0):
        self.key, self.weight, self.kind = key, weight, kind
        self.next_number = start
        self.parts = parts  # share of multi-part series
        self.doctypes = doctypes  # ((prefix, weight), ...) for international families
        self.tc = tc
        self.drafts = drafts
        self.amendments = amendments


#: 24 publishers / designation systems the designation parser accepts, weighted roughly as in
#: a large bibliographic database of Chinese and international standards.
FAMILIES = (
    _Family("ISO", 10.0, "iso", 1000, doctypes=(("", 86), ("TS", 7), ("TR", 6), ("Guide", 1)),
            tc="iso", drafts=0.04, amendments=0.08),
    _Family("IEC", 4.0, "iec", 60000, parts=0.6, doctypes=(("", 85), ("TS", 8), ("TR", 7)),
            tc="iec", drafts=0.03, amendments=0.12),
    _Family("ISO/IEC", 2.0, "iso", 1000, doctypes=(("", 85), ("TR", 10), ("TS", 5)),
            tc="jtc1", drafts=0.04, amendments=0.08),
    _Family("CISPR", 0.1, "iec", 11, parts=0.7, tc="cispr", amendments=0.2),
    _Family("ISO/IEEE", 0.1, "iso", 11073, parts=0.9, tc="iso"),
    _Family("IEC/IEEE", 0.15, "iec", 60000, parts=0.8, tc="iec", amendments=0.1),
    _Family("ISO/ASTM", 0.1, "iso", 52900, parts=0.5, tc="iso"),
    _Family("GB", 4.0, "cn", 1000),
    _Family("GB/T", 22.0, "cn", 1000),
    _Family("GB/Z", 0.8, "cn", 17000),
    _Family("GJB", 2.0, "cn", 100),
    _Family("JB/T", 8.0, "cn", 1000),
    _Family("LY/T", 2.0, "cn", 1000),
    _Family("HB/Z", 0.6, "cn", 1),
    _Family("DL/T", 4.0, "cn", 400),
    _Family("YY/T", 2.0, "cn", 1),
    _Family("QC/T", 1.5, "cn", 1),
    _Family("HG/T", 5.0, "cn", 2000),
    _Family("NY/T", 4.0, "cn", 1),
    _Family("SJ/T", 3.0, "cn", 10000),
    _Family("DB11/T", 4.5, "cn", 1),
    _Family("DB31/T", 4.5, "cn", 1),
    _Family("T/CAS", 3.0, "cn", 1),
    _Family("CNAS", 0.2, "cnas", 1),
)


class CatalogueGenerator:
    """Deterministic synthetic catalogue entries, one work at a time (nothing accumulates)."""

    EDITIONS_PER_WORK = (1, 2, 3, 4, 5, 6)
    EDITIONS_WEIGHTS = (25, 30, 22, 13, 7, 3)

    def __init__(self, seed: int = 20240601, check_every: int = 10):
        self.rng = random.Random(seed)
        self.families = [_Family(**_family_kwargs(f)) for f in FAMILIES]  # own counters
        self.weights = [f.weight for f in self.families]
        # bounded pools of recent editions, for adoptions and cross-work replacements
        self.international = deque(maxlen=50_000)
        self.sector = deque(maxlen=20_000)
        self.check_every = check_every
        self.checked = 0
        self.generated_designations = 0

    # --- designations --------------------------------------------------------------------
    def _number(self, fam: _Family) -> str:
        n = fam.next_number
        fam.next_number += self.rng.choice((1, 1, 1, 2, 3))
        if fam.kind == "cnas":
            return f"{self.rng.choice(('CL', 'GL', 'RL', 'AL', 'SL'))}{n:02d}"
        return str(n)

    def _parts(self, fam: _Family) -> list[tuple[str, ...]]:
        """The part numbers of one numbered series: [()] for a single-part work."""
        if fam.kind == "cnas" or self.rng.random() >= fam.parts:
            return [()]
        count = self.rng.choice((2, 2, 3, 3, 4, 5, 6, 8, 12))
        if fam.kind == "iec" and self.rng.random() < 0.3:  # IEC 60335-2-78 style
            return [("2", str(i)) for i in range(1, count + 1)]
        return [(str(i),) for i in range(1, count + 1)]

    @staticmethod
    def _work_designation(fam: _Family, doctype: str, number: str, parts: tuple) -> str:
        if fam.kind == "cn":
            return f"{fam.key} {number}" + "".join(f".{p}" for p in parts)
        if fam.kind == "cnas":
            return f"CNAS-{number}"
        num = number + "".join(f"-{p}" for p in parts)
        if not doctype:
            return f"{fam.key} {num}"
        if doctype == "Guide":
            return f"{fam.key} Guide {num}"
        if fam.kind == "iso" and "/" not in fam.key:
            return f"{fam.key}/{doctype} {num}"
        return f"{fam.key} {doctype} {num}"

    @staticmethod
    def _edition_designation(fam: _Family, work: str, year: int) -> str:
        if fam.kind == "cn":
            return f"{work}-{year}"
        return f"{work}:{year}"

    @staticmethod
    def _amendment(fam: _Family, base: str, n: int, year: int) -> str:
        if fam.kind == "iec":
            return f"{base}/AMD{n}:{year}"
        return f"{base}/Amd {n}:{year}"

    @staticmethod
    def _draft(fam: _Family, work: str) -> str:
        """ISO/DIS 12345-2, ISO/IEC DIS 1234, IEC/DIS 60034-1."""
        head, _, rest = work.partition(" ")
        if "/" in head:
            return f"{head} DIS {rest}"
        return f"{head}/DIS {rest}"

    def _check(self, designation: str) -> None:
        """Round-trip every Nth designation through kb.identifiers.designation.normalize."""
        self.generated_designations += 1
        if self.check_every and (self.generated_designations <= 50_000
                                 or self.generated_designations % self.check_every == 0):
            from kb.identifiers.designation import normalize

            canonical = normalize(designation)
            if canonical != designation:
                raise AssertionError(f"generated {designation!r} normalizes to {canonical!r}")
            self.checked += 1

    # --- values -----------------------------------------------------------------------------
    def _date(self, year: int, month_from: int = 1) -> dt.date:
        return dt.date(year, self.rng.randint(month_from, 12), self.rng.randint(1, 28))

    def _ics(self) -> list[str]:
        codes = []
        for _ in range(self.rng.choice((1, 1, 1, 2, 2, 3))):
            code = f"{self.rng.choice(_ICS_FIELDS)}.{self.rng.randrange(10, 230, 10):03d}"
            if self.rng.random() < 0.7:
                code += f".{self.rng.randrange(10, 100, 10):02d}"
            codes.append(code)
        return sorted(set(codes))

    def _committee(self, fam: _Family) -> str | None:
        r = self.rng
        if fam.tc == "iso":
            tc = f"ISO/TC {r.randint(1, 330)}"
            return tc + (f"/SC {r.randint(1, 20)}" if r.random() < 0.5 else "")
        if fam.tc == "iec":
            tc = f"IEC/TC {r.choice(_IEC_TCS)}"
            return tc + (f"/SC {tc[7:]}{r.choice('ABCDEFG')}" if r.random() < 0.3 else "")
        if fam.tc == "jtc1":
            return f"ISO/IEC JTC 1/SC {r.choice((2, 6, 7, 17, 22, 24, 25, 27, 28, 29, 31, 32))}"
        if fam.tc == "cispr":
            return f"CISPR/{r.choice('ABDFHI')}"
        if fam.kind == "cn" and not fam.key.startswith("T/"):
            return f"SAC/TC {r.randint(1, 580)}"
        return None

    def _titles(self, fam: _Family) -> dict:
        r = self.rng
        en = f"{r.choice(_EN_WORDS)} — {r.choice(_EN_TAIL)}"
        if fam.kind == "cn":
            return {"en": en, "zh": f"{r.choice(_ZH_HEAD)} {r.choice(_ZH_TAIL)}"}
        return {"en": en}

    def _intl_events(self, published: dt.date, withdrawn: dt.date | None,
                     confirmed: bool) -> list[dict]:
        r = self.rng
        day = dt.timedelta(days=1)
        before = [("30.00", 700), ("40.00", 420), ("40.20", 400), ("40.60", 315),
                  ("50.00", 150), ("50.20", 120), ("60.00", 40)]
        fixed = 1 + confirmed + (withdrawn is not None)  # 60.60, 90.93, 95.99
        optional = r.sample(before, r.randint(3 - fixed if fixed < 3 else 1, 6 - fixed))
        events = [(code, published - days * day) for code, days in optional]
        events.append(("60.60", published))
        if confirmed:
            events.append(("90.93", published + dt.timedelta(days=5 * 365 + r.randint(0, 90))))
        if withdrawn:
            events.append(("95.99", withdrawn))
        events.sort()
        return [{"code": c, "date": d.isoformat()} for c, d in events]

    def _cn_events(self, published: dt.date, effective: dt.date,
                   withdrawn: dt.date | None) -> list[dict]:
        r = self.rng
        day = dt.timedelta(days=1)
        before = [("立项", 900), ("征求意见", 420), ("审查", 200), ("批准", 30)]
        optional = r.sample(before, r.randint(1, 3))
        events = [(published - days * day, code) for code, days in optional]
        events += [(published, "发布"), (effective, "实施")]
        if withdrawn:
            events.append((withdrawn, "废止"))
        events.sort()
        return [{"code": c, "date": d.isoformat()} for d, c in events[-6:]]

    # --- entries ----------------------------------------------------------------------------
    def entries(self, target_editions: int):
        """Yield (line dict, editions in it) until ``target_editions`` editions."""
        r = self.rng
        produced = 0
        while produced < target_editions:
            fam = r.choices(self.families, self.weights)[0]
            doctype = ""
            if fam.doctypes:
                doctype = r.choices([d for d, _ in fam.doctypes],
                                    [w for _, w in fam.doctypes])[0]
            number = self._number(fam)
            titles_base = self._titles(fam)
            for parts in self._parts(fam):
                if produced >= target_editions:
                    break
                entry = self._work_entry(fam, doctype, number, parts, titles_base,
                                         target_editions - produced)
                produced += len(entry["editions"])
                yield entry, len(entry["editions"])

    def _work_entry(self, fam, doctype, number, parts, titles, remaining) -> dict:
        r = self.rng
        work = self._work_designation(fam, doctype, number, parts)
        self._check(work)
        count = r.choices(self.EDITIONS_PER_WORK, self.EDITIONS_WEIGHTS)[0]
        first = r.randint(1965, 2022 - 2 * (count - 1)) if fam.kind != "cnas" else 2006
        years = sorted(r.sample(range(first, min(first + 9 * count, 2024) + 1), count))
        committee = self._committee(fam)
        ics = self._ics()
        titles = dict(titles)
        if parts:
            titles = {k: v + (f" — Part {parts[-1]}" if k == "en" else f" 第{parts[-1]}部分")
                      for k, v in titles.items()}
        editions: list[dict] = []
        published = [self._date(y) for y in years]
        last_withdrawn = r.random() < 0.08
        for i, year in enumerate(years):
            if len(editions) >= remaining:
                break
            designation = self._edition_designation(fam, work, year)
            self._check(designation)
            is_last = i == len(years) - 1
            successor = published[i + 1] if not is_last else None
            withdrawn = successor if successor else (
                self._date(min(year + r.randint(3, 10), 2024)) if last_withdrawn else None)
            if withdrawn and withdrawn <= published[i]:
                withdrawn = published[i] + dt.timedelta(days=200)
            edition = {"designation": designation, "edition": str(i + 1)}
            if fam.kind == "cn" or fam.kind == "cnas":
                effective = published[i] + dt.timedelta(days=r.choice((90, 120, 180, 182)))
                if fam.kind == "cnas":
                    effective = published[i] + dt.timedelta(days=r.choice((0, 30, 90)))
                status = "replaced" if successor else ("withdrawn" if withdrawn else "current")
                stage = {"replaced": "被代替", "withdrawn": "废止", "current": "现行"}[status]
                edition.update(status=status, stage=stage, published=published[i].isoformat(),
                               effective=effective.isoformat())
                events = self._cn_events(published[i], effective, withdrawn)
            else:
                confirmed = not withdrawn and year <= 2018 and r.random() < 0.7
                stage = "95.99" if withdrawn else ("90.93" if confirmed else "60.60")
                edition.update(status="withdrawn" if withdrawn else "current", stage=stage,
                               published=published[i].isoformat())
                events = self._intl_events(published[i], withdrawn, confirmed)
            if withdrawn:
                edition["withdrawn"] = withdrawn.isoformat()
            edition["ics"] = ics
            if committee:
                edition["committee"] = committee
            replaces = [editions[-1]["designation"]] if editions else []
            if not editions and r.random() < 0.03:  # renumbered: replaces another work's edition
                pool = self.sector if fam.kind == "cn" else self.international
                if pool:
                    replaces.append(r.choice(pool))
            if replaces:
                edition["replaces"] = replaces
            if fam.key in ("GB", "GB/T", "GB/Z") and year >= 1985 and r.random() < 0.35 \
                    and self.international:
                edition["adopts"] = {"designation": r.choice(self.international),
                                     "degree": r.choices(("IDT", "MOD", "NEQ"), (6, 3, 1))[0]}
            elif fam.kind == "cn" and r.random() < 0.04 and self.international:
                edition["adopts"] = {"designation": r.choice(self.international),
                                     "degree": r.choices(("MOD", "NEQ"), (1, 1))[0]}
            edition["stages"] = events
            editions.append(edition)
            if fam.kind in ("iso", "iec") and not doctype:
                self.international.append(designation)
            elif fam.kind == "cn" and "/" in fam.key and not fam.key.startswith("GB"):
                self.sector.append(designation)
            # an amendment of this edition, while it was current
            if fam.amendments and len(editions) < remaining and r.random() < fam.amendments:
                end = (withdrawn.year - 1) if withdrawn else 2024
                if end > year:
                    ay = r.randint(year + 1, end)
                    amd = self._amendment(fam, designation, 1, ay)
                    self._check(amd)
                    apub = self._date(ay)
                    editions.append({
                        "designation": amd, "status": edition["status"],
                        "stage": "60.60" if not withdrawn else "95.99",
                        "published": apub.isoformat(), "ics": ics,
                        **({"committee": committee} if committee else {}),
                        "stages": self._intl_events(apub, withdrawn if withdrawn and
                                                    withdrawn > apub else None, False),
                    })
        # a draft of the next edition
        if fam.drafts and not doctype and len(editions) < remaining and r.random() < fam.drafts:
            draft = self._draft(fam, work)
            self._check(draft)
            start = dt.date(2023, r.randint(1, 12), r.randint(1, 28))
            editions.append({
                "designation": draft, "status": "draft", "stage": "40.20",
                "ics": ics, **({"committee": committee} if committee else {}),
                "stages": [{"code": "30.00", "date": start.isoformat()},
                           {"code": "40.00", "date": (start + dt.timedelta(days=200)).isoformat()},
                           {"code": "40.20", "date": (start + dt.timedelta(days=220)).isoformat()}],
            })
        return {"work": work, "title": titles, "editions": editions}


def _family_kwargs(f: _Family) -> dict:
    return {"key": f.key, "weight": f.weight, "kind": f.kind, "start": f.next_number,
            "parts": f.parts, "doctypes": f.doctypes, "tc": f.tc, "drafts": f.drafts,
            "amendments": f.amendments}


def generate_catalogue(path: Path, editions: int, seed: int) -> dict:
    """Write the synthetic catalogue to ``path``, streamed; return what was written."""
    from tqdm import tqdm

    gen = CatalogueGenerator(seed)
    works = events = relations = 0
    started = time.perf_counter()
    with open(path, "w", encoding="utf-8") as out, \
            tqdm(total=editions, desc="generate", unit=" editions", unit_scale=True,
                 file=sys.stderr, dynamic_ncols=True, mininterval=0.5) as bar:
        for entry, n in gen.entries(editions):
            out.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")))
            out.write("\n")
            works += 1
            for e in entry["editions"]:
                events += len(e["stages"])
                relations += len(e.get("replaces", ())) + ("adopts" in e)
            bar.update(n)
    return {"works": works, "editions": editions, "stage_events": events,
            "relations_given": relations, "bytes": path.stat().st_size,
            "seconds": time.perf_counter() - started, "designations_checked": gen.checked}


# =============================================================================================
# Loading in a child process (peak RSS is the child's own)
# =============================================================================================


def _load_worker(argv: list[str]) -> None:
    """``catalogue_load.py _load DB RESULT_JSON [--profile FILE] PATH...``"""
    db, result_path, *rest = argv
    profile = None
    if rest and rest[0] == "--profile":
        profile, rest = rest[1], rest[2:]
    import sqlite_utils.db
    from tqdm import tqdm

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

    bar = tqdm(desc=f"load {Path(db).name}", unit=" records", unit_scale=True, file=sys.stderr,
               dynamic_ncols=True, mininterval=0.5)
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
    Path(result_path).write_text(json.dumps(result, indent=1), encoding="utf-8")


def run_load(db: Path, paths: list[Path], out: Path, label: str, profile: Path | None = None):
    """Load ``paths`` into a fresh ``db`` in a child process; measure it."""
    unlink_db(db)
    result_path = out / f"{label}.load.json"
    result_path.unlink(missing_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), "_load", str(db), str(result_path)]
    if profile:
        command += ["--profile", str(profile)]
    command += [str(p) for p in paths]
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"{label}: the load process failed with exit code {child.returncode}")
    result = json.loads(result_path.read_text(encoding="utf-8"))
    result["process_wall_seconds"] = wall
    result["peak_rss_kb"] = usage.ru_maxrss  # this child only (wait4), in KiB on Linux
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
    from tqdm import tqdm

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
    with tqdm(total=total, desc="baseline", unit=" rows", unit_scale=True, file=sys.stderr,
              dynamic_ncols=True, mininterval=0.5) as bar:
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    port = _free_port()
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
            "statuses": sorted({r[2] for r in rows}),
            "p50_ms": pct(times, 0.5) * 1e3, "p95_ms": pct(times, 0.95) * 1e3,
        }
    times = [r[1] for r in records]
    return {"requests": len(records), "planned": len(plan), "seconds": seconds,
            "per_second": len(records) / seconds if seconds else 0.0,
            "errors": sum(1 for r in records if not 200 <= r[2] < 300),
            "p50_ms": pct(times, 0.5) * 1e3, "p95_ms": pct(times, 0.95) * 1e3,
            "per_kind": per_kind}


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
    return common.format_table(COLUMNS, rows, {2, 3, 6, 7, 8})


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
    res: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                             "sqlite": sqlite3.sqlite_version, "platform": platform.platform()},
                 "editions": args.editions, "started": dt.datetime.now().isoformat()}
    results_file = out / "catalogue_load.json"
    run_started = time.perf_counter()

    def save():
        res["total_seconds"] = time.perf_counter() - run_started
        res["table"] = [dict(zip(COLUMNS, r, strict=True)) for r in build_rows(res)]
        results_file.write_text(json.dumps(res, indent=1, ensure_ascii=False), encoding="utf-8")

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
    results_file.write_text(json.dumps(res, indent=1, ensure_ascii=False), encoding="utf-8")
    print()
    print(f"standards-kb load benchmark — {args.editions:,} editions; {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; "
          f"total {res['total_seconds'] / 60:.1f} min")
    print(table)
    print(f"\n(written to {results_file})")


if __name__ == "__main__":
    if sys.argv[1:2] == ["_load"]:
        _load_worker(sys.argv[2:])
    else:
        main()
