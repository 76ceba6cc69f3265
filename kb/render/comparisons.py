"""Comparisons of editions and crosswalks of adoptions: redlines as text, Markdown and
HTML, every text escaped."""

from __future__ import annotations

import re

from kb.render.text import display_width, md_escape, pad, table
from kb.wording import count

_LINE_BREAK = re.compile(r"(\s*\n\s*)")


def _edges(text: str) -> tuple[str, str, str]:
    """(leading spaces, the text between, trailing spaces)."""
    core = text.strip()
    if not core:
        return text, "", ""
    return text[:len(text) - len(text.lstrip())], core, text[len(text.rstrip()):]


def redline_segments(lines: list) -> list[tuple[str, str]]:
    """A redline (``(op, text)`` from :func:`kb.catalogue.diff.redline`) as it is shown: the spaces
    and line breaks at the edges of an edit stand outside its marks, shown once
    (``Monitoring [-and reviewing-] the``), and an edit never spans a line break (each line
    of it is marked on its own).  A deleted phrase comes before the inserted one; no space is
    added anywhere (Chinese has none)."""
    out: list[tuple[str, str]] = []

    def emit(op: str, text: str) -> None:
        if not text:
            return
        if out and out[-1][0] == op == "=":
            out[-1] = ("=", out[-1][1] + text)
        else:
            out.append((op, text))

    i = 0
    while i < len(lines):
        op, text = lines[i]
        if op == "=":
            emit("=", text)
            i += 1
            continue
        deleted = inserted = ""
        while i < len(lines) and lines[i][0] != "=":
            deleted += lines[i][1] if lines[i][0] == "-" else ""
            inserted += lines[i][1] if lines[i][0] == "+" else ""
            i += 1
        (lead_d, core_d, trail_d), (lead_i, core_i, trail_i) = _edges(deleted), _edges(inserted)
        if not core_d and not core_i:  # only spacing changed: the new spacing
            emit("=", inserted or deleted)
            continue
        emit("=", max(lead_d, lead_i, key=len))
        for mark, core in (("-", core_d), ("+", core_i)):
            for k, piece in enumerate(_LINE_BREAK.split(core)):
                emit("=" if k % 2 else mark, piece)
        emit("=", max(trail_d, trail_i, key=len))
    return out


def _shorten(text: str, context: int, head: bool, tail: bool) -> str:
    """An unchanged stretch cut to ``context`` characters after the change before it
    (``head``) and before the change after it (``tail``), at word boundaries, keeping the
    spaces next to the changes."""
    if not context or len(text) <= 2 * context + 20:
        return text
    start = end = ""
    if head:
        start = text[:context]
        if not text[context].isspace():  # not in the middle of a word, if it has spaces
            start = re.sub(r"\S+$", "", start).rstrip() or start
        start = start.rstrip()
        start += "" if display_width(start[-1:]) == 2 else " "  # Chinese: no space
    if tail:
        end = text[-context:]
        if not text[-context - 1].isspace():
            end = re.sub(r"^\S+", "", end).lstrip() or end
        end = end.lstrip()
        end = ("" if display_width(end[:1]) == 2 else " ") + end
    return f"{start}…{end}"


def _shown(lines: list, context: int) -> list[tuple[str, str]]:
    segments = redline_segments(lines)
    if len(segments) == 1:  # nothing changed: the whole text
        return segments
    last = len(segments) - 1
    return [(op, _shorten(text, context, k > 0, k < last) if op == "=" else text)
            for k, (op, text) in enumerate(segments)]


def _redline_text(lines: list, marks=("[-", "-]", "{+", "+}"), context: int = 80) -> str:
    """A redline with the deleted and inserted phrases marked (:func:`redline_segments`);
    long unchanged stretches are cut to ``context`` characters on each side of a change."""
    out = []
    for op, text in _shown(lines, context):
        out.append(text if op == "=" else f"{marks[0]}{text}{marks[1]}" if op == "-"
                   else f"{marks[2]}{text}{marks[3]}")
    return "".join(out)


def _redline_markdown(lines: list, context: int = 80) -> str:
    """A redline for Markdown: ``<del>`` and ``<ins>``, inline HTML that CommonMark passes
    through wherever it stands (``~~``/``**`` do not work next to punctuation or inside a
    word: they must be flanking), around escaped text."""
    return "".join(md_escape(text) if op == "=" else
                   f"<{'del' if op == '-' else 'ins'}>{md_escape(text)}"
                   f"</{'del' if op == '-' else 'ins'}>" for op, text in _shown(lines, context))


def redline_html(lines: list) -> str:
    """A redline as HTML: ``<del>`` and ``<ins>`` around the phrases of
    :func:`redline_segments`, the rest escaped."""
    from html import escape

    return "".join(escape(text) if op == "=" else
                   f"<{'del' if op == '-' else 'ins'}>{escape(text)}"
                   f"</{'del' if op == '-' else 'ins'}>" for op, text in redline_segments(lines))


def kept_pairs(result: dict, only: str | None) -> list[dict]:
    if only == "changed":
        return [p for p in result["pairs"] if p["kind"] != "unchanged"]
    if only:
        return [p for p in result["pairs"] if p["kind"] == only]
    return result["pairs"]


def _counts_line(counts: dict, zeros: bool = False) -> str:
    """``61 unchanged, 10 changed, … 1 term changed``: each count (that is not zero)."""
    out = []
    for key, n in counts.items():
        if n or zeros:
            what = key.replace("_", " ")
            noun, _, rest = what.partition(" ")
            out.append(f"{count(n, noun[:-1])} {rest}" if noun in ("terms", "clauses") and rest
                       else f"{n} {what}")
    return ", ".join(out)


def diff_text(result: dict, only: str | None = None) -> str:
    """A comparison as text: a summary line, then each pair with its redline."""
    lines = [f"{result['old']} → {result['new']} ({result['language']}): "
             f"{_counts_line(result['counts'])}", ""]
    pairs = kept_pairs(result, only)
    wheres = [f"{p['old'] or '—'} → {p['new'] or '—'}" for p in pairs]
    wide = max([16] + [display_width(w) for w in wheres])
    for where, p in zip(wheres, pairs, strict=True):
        heading = p["new_heading"] or p["old_heading"] or ""
        lines.append(f"{pad(where, wide)} {pad(p['kind'], 10)} {heading}  ({p['summary']})")
        if p["redline"] and p["kind"] != "unchanged":
            lines += ["    " + line for line in _redline_text(p["redline"]).splitlines()]
    changed = [t for t in result["terms"] if t["kind"] != "unchanged"]
    if changed:
        lines += ["", "Terms:"]
        for t in changed:
            lines.append(f"  {t['old'] or '—'} → {t['new'] or '—'}  {t['term']}: {t['kind']}")
            if t["redline"]:
                lines += ["    " + line for line in _redline_text(t["redline"]).splitlines()]
    return "\n".join(lines)


def diff_markdown(result: dict, only: str | None = None) -> str:
    """A comparison as Markdown (CommonMark with GitHub's tables): a table of the pairs, the
    redlines with <del>deleted</del> <ins>inserted</ins> phrases, every text escaped."""
    lines = [f"## {md_escape(result['old'])} → {md_escape(result['new'])}", "",
             md_escape(_counts_line(result["counts"])), "",
             "| old | new | what | heading | change |", "|---|---|---|---|---|"]
    for p in kept_pairs(result, only):
        change = _redline_markdown(p["redline"]) if p["redline"] and \
            p["kind"] != "unchanged" else md_escape(p["summary"])
        cells = [md_escape(c) for c in (p["old"] or "", p["new"] or "", p["kind"],
                                        p["new_heading"] or p["old_heading"] or "")]
        lines.append("| " + " | ".join([*cells, change]) + " |")
    changed = [t for t in result["terms"] if t["kind"] != "unchanged"]
    if changed:
        lines += ["", "| old term | new term | term | what | definition |",
                  "|---|---|---|---|---|"]
        for t in changed:
            cells = [md_escape(c) for c in (t["old"] or "", t["new"] or "", t["term"] or "",
                                            t["kind"])]
            lines.append("| " + " | ".join([*cells, _redline_markdown(t["redline"])]) + " |")
    return "\n".join(lines) + "\n"


def diff_html(result: dict, only: str | None = None) -> str:
    """A comparison as a self-contained HTML page: side by side, redline in the new column."""
    from html import escape

    rows = []
    for p in kept_pairs(result, only):
        old = escape(p["old_heading"] or "") if p["old"] else ""
        new = redline_html(p["redline"]) if p["redline"] and p["kind"] != "unchanged" else \
            escape(p["text"] or p["new_heading"] or "")
        rows.append(f'<tr class="{p["kind"]}"><td>{escape(p["old"] or "")}</td>'
                    f'<td>{escape(p["new"] or "")}</td><td>{p["kind"]}</td><td>{old}</td>'
                    f'<td class="text">{new}</td></tr>')
    terms = "".join(
        f'<tr class="{t["kind"]}"><td>{escape(t["old"] or "")}</td>'
        f'<td>{escape(t["new"] or "")}</td><td>{escape(t["term"] or "")}</td>'
        f'<td>{t["kind"]}</td><td class="text">{redline_html(t["redline"])}</td></tr>'
        for t in result["terms"] if t["kind"] != "unchanged")
    if terms:
        terms = ("<h2>Terms</h2>\n<table><tr><th>old</th><th>new</th><th>term</th><th>what</th>"
                 f"<th>definition (redline)</th></tr>\n{terms}</table>")
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{escape(result['old'])} → {escape(result['new'])}</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px;vertical-align:top}} .text{{white-space:pre-wrap}}
del{{background:#fdd;color:#900}} ins{{background:#dfd;color:#060;text-decoration:none}}
tr.added{{background:#f4fff4}} tr.removed{{background:#fff4f4}}</style></head><body>
<h1>{escape(result['old'])} → {escape(result['new'])}</h1>
<p>{escape(_counts_line(result['counts']))}</p>
<table><tr><th>old</th><th>new</th><th>what</th><th>old heading</th><th>text (redline)</th></tr>
{''.join(rows)}</table>
{terms}</body></html>
"""


def crosswalk_text(result: dict) -> str:
    """A crosswalk as text: the verdict, the clauses side by side (those on one side only
    marked), the terms by English equivalent; columns as wide as their widest cell."""
    lines = [f"{result['national']} adopts {result['international']} "
             f"({result['degree'] or 'degree unknown'}): {result['verdict']}",
             _counts_line(result["counts"], zeros=True), ""]
    lines += ["  " + line for line in table(
        ["national", "international", "only in", "national heading", "international heading"],
        [[r["national"] or "—", r["international"] or "—",
          "" if r["where"] == "both" else r["where"].removesuffix(" only"),
          r["national_heading"] or "", r["international_heading"] or ""]
         for r in result["clauses"]])]
    lines += ["", "Terms (by English equivalent):"]
    lines += ["  " + line for line in table(
        ["national", "term", "English equivalent", "", "international", "term"],
        [[t["national"] or "—", t["term"] or "", t["equivalent"] or "", "→",
          t["international"] or "—", t["international_term"] or ""]
         for t in result["terms"]])]
    return "\n".join(lines)


def diff_as(fmt: str, result: dict, only: str | None = None) -> str:
    """``kb diff --format``: JSON (pairs kept by ``only``), else text, Markdown or HTML
    without control characters."""
    if fmt == "json":
        import json

        if only:
            result = {**result, "pairs": kept_pairs(result, only)}
        return json.dumps(result, ensure_ascii=False, indent=2)
    from kb.render.text import clean

    return clean({"text": diff_text, "md": diff_markdown, "html": diff_html}[fmt](result, only))
