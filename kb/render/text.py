"""The basics of every rendering: control characters left out, columns measured in a
terminal's cells (Chinese counts double), plain-text tables, Markdown escaped."""

from __future__ import annotations

import re
import unicodedata

#: Characters no output keeps: C0 controls but tab, line feed and carriage return (an escape
#: sequence would drive the terminal), DEL and the C1 controls, surrogates and the two
#: non-characters XML 1.0 cannot hold.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """``text`` without the control characters no output (a terminal, an export) may carry."""
    return _CONTROL.sub("", text)


def display_width(text: str) -> int:
    """Columns a text takes in a terminal or a fixed-width layout: Chinese counts double."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    """``text`` followed by spaces to ``width`` columns (:func:`display_width`)."""
    return text + " " * max(width - display_width(text), 0)


def table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """A plain-text table with columns as wide as their widest cell (CJK counts double)."""
    width = display_width
    widths = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(pad(c, w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return [line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows]


_MD_SPECIAL = re.compile(r"([\\`*_~|\[\]<>&!#])")


def md_escape(text: str) -> str:
    """Text that CommonMark (and GitHub's tables) shows as it is, never as markup; a line
    break is ``<br>`` (a table cell holds one line)."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", "<br>")
