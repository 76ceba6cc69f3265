"""Synthetic bulletin text: a sample repeated to a size, and long withdrawal notices.

``repeated_text``: bulletins.py's large text (the sample bulletin, copied to N MB).
``make_notice`` and ``make_notice_catalogue``: a notice listing N standards in the forms
notices write them, and the catalogue of what it cites (bulletins.py ``--scale``).
"""

from __future__ import annotations

import json
import random
from pathlib import Path


def repeated_text(path: Path, source: Path, megabytes: float) -> int:
    """``source`` repeated to ``megabytes`` MB, each copy followed by a newline; the copies."""
    sample = source.read_bytes()
    copies = max(1, int(megabytes * 1e6 // len(sample)))
    with open(path, "wb") as handle:
        for _ in range(copies):
            handle.write(sample)
            handle.write(b"\n")
    return copies


#: The forms a long notice lists standards in, with what the finder carries between them: a
#: list after a publisher, bare numbers from context, edition years, bare amendments,
#: working groups of the committee before, accreditation codes without their organisation.
_NUMERALS = str.maketrans("0123456789", "〇一二三四五六七八九")


def notice_citations(citations: int, seed: int = 7) -> tuple[list[str], list[tuple[str, int]]]:
    """``citations`` citations as a notice writes them, and the (work, year) of each dated
    standard among them (for the catalogue)."""
    rng = random.Random(seed)
    items, cited = [], []
    for i in range(citations):
        n, year = 10000 + i % 90000, rng.randint(1995, 2020)
        form = rng.randrange(14)
        if form in (0, 1, 4):
            work = ("GB/T", "GB", "", "", "JB/T")[form] + f" {n if form < 4 else n % 9000 + 1000}"
            text, dated = f"{work}-{year}", (work, year)
        elif form in (2, 3):
            work = f"ISO {n}" if form == 2 else f"IEC {n}-{rng.randint(1, 9)}"
            text, dated = f"{work}:{year}", (work, year)
        elif form == 5:
            text, dated = f"ISO/IEC {n}", (f"ISO/IEC {n}", year)
        elif form == 6:
            text, dated = f"ISO {n}、{n + 1} 和 {n + 2}", (f"ISO {n}", year)
        elif form == 7:
            text, dated = f"{year}版ISO {n}", (f"ISO {n}", year)
        elif form == 8:
            text, dated = f"IEC {n}:{year}, Amendment {rng.randint(1, 3)}:{year + 3}", \
                (f"IEC {n}", year)
        elif form == 9:
            text, dated = f"{n - rng.randint(1, 50)}", None  # a bare number
        elif form == 10:
            text, dated = f"ISO/TC {rng.randint(1, 300)} WG {rng.randint(1, 20)}", None
        elif form == 11:
            text, dated = f"CNAS-CL{rng.randint(10, 99)} CC{rng.randint(100, 199)}", None
        elif form == 12:
            text, dated = f"ISO {n} (2015 edition)", (f"ISO {n}", 2015)
        else:
            text, dated = f"GB/T {n}-{year}/ISO {n}:{year}", (f"GB/T {n}", year)
        if rng.random() < 0.5:  # a title without digits: no bare number in it
            text += f"《合成标题 {str(i).translate(_NUMERALS)}》"
        items.append(text)
        if dated:
            cited.append(dated)
    return items, cited


def make_notice(path: Path, citations: int, layout: str, seed: int = 7
                ) -> list[tuple[str, int]]:
    """A withdrawal notice listing ``citations`` standards in one paragraph (``paragraph``)
    or one a line (``lines``); the (work, year) of the dated ones."""
    items, cited = notice_citations(citations, seed)
    head = "关于废止部分认可标准的公告\n国家标准化管理委员会 2024年3月1日\n现废止以下标准："
    body = "、".join(items) + "。" if layout == "paragraph" else "\n" + "\n".join(items)
    path.write_text(head + body + "\n", encoding="utf-8")
    return cited


def make_notice_catalogue(path: Path, cited: list[tuple[str, int]]) -> None:
    """The works a notice cites, each with the edition it cites and a later one replacing it
    (when the cited one is before 2020), in the project's JSON Lines format."""
    years: dict[str, set[int]] = {}
    for work, year in cited:
        years.setdefault(work, set()).add(year)
    with open(path, "w", encoding="utf-8") as handle:
        for work, dated in years.items():
            sep = ":" if work.startswith(("ISO", "IEC")) else "-"
            editions, previous = [], None
            for year in sorted(dated | {max(dated) + 5}):
                edition = {"designation": f"{work}{sep}{year}", "published": f"{year}-06-01",
                           "status": "current" if year == max(dated) + 5 else "replaced"}
                if previous:
                    edition["replaces"] = [previous]
                editions.append(edition)
                previous = edition["designation"]
            handle.write(json.dumps({"work": work, "title": {"zh": f"合成标题 {work}"},
                                     "editions": editions}, ensure_ascii=False) + "\n")
