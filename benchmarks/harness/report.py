"""Percentiles, the printed table, ratios and the JSON a benchmark writes."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
from pathlib import Path


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values, nearest-rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, int(round(q * len(ordered) + 0.5)) - 1))
    return ordered[k]


def percentiles(seconds: list[float], qs: tuple[float, ...] = (0.5, 0.95)) -> dict:
    """``{"p50_ms": …, "p95_ms": …}``: the q-quantiles of times in seconds, in ms."""
    return {f"p{round(100 * q)}_ms": pct(seconds, q) * 1e3 for q in qs}


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


def ratio(new: float, old: float, digits: int = 2, none: str = "–") -> str:
    """``new / old`` printed with ``digits`` decimals, or ``none`` when ``old`` is 0."""
    return f"{new / old:.{digits}f}" if old else none


def ratio_row(label: tuple, new: dict, old: dict, keys: tuple[str, ...]) -> tuple:
    """``label`` followed by ``new[k] / old[k]`` for each key: a row of a ratio table."""
    return (*label, *(ratio(new[k], old[k]) for k in keys))


def machine() -> dict:
    """What the figures were measured on."""
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "platform": platform.platform()}


def write_json(path: Path, data, indent: int | None = 1, ensure_ascii: bool = False) -> None:
    """``data`` as JSON in ``path`` (UTF-8)."""
    path.write_text(json.dumps(data, indent=indent, ensure_ascii=ensure_ascii),
                    encoding="utf-8")
