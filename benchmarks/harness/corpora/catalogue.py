"""Synthetic catalogues in the project's JSON Lines format.

``CatalogueGenerator`` and ``generate_catalogue``: catalogue_load.py's catalogue at the scale
of the largest bibliographic database of standards (24 designation systems, editions with
stages, replacements, adoptions, amendments and drafts), streamed, deterministic for a seed.
``small_catalogue``: bulletins.py's reference table source, editions across six schemes.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections import deque
from pathlib import Path

from harness.progress import bar as progress_bar

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
    gen = CatalogueGenerator(seed)
    works = events = relations = 0
    started = time.perf_counter()
    with open(path, "w", encoding="utf-8") as out, \
            progress_bar(total=editions, desc="generate", unit=" editions") as bar:
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


def small_catalogue(path: Path, rows: int, seed: int) -> None:
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
