"""Plain-text renderings of query results for the terminal (what the CLI prints passes
through :func:`clean`, so no text read from a source drives the terminal), and the Markdown
and HTML of comparisons, escaped (:func:`md_escape`, :func:`redline_html`)."""

from __future__ import annotations

import re
import unicodedata

from kb.wording import count

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


def _title(row: dict, prefix: str = "title_") -> str:
    parts = [row.get(f"{prefix}en"), row.get(f"{prefix}zh")]
    return " / ".join(p for p in parts if p)


def _edition_line(e: dict) -> str:
    bits = [e["designation"]]
    if e.get("edition"):
        bits.append(f"ed. {e['edition']}")
    if e.get("status"):
        bits.append(e["status"])
    if e.get("stage"):
        bits.append(f"stage {e['stage']}")
    if e.get("published"):
        bits.append(f"published {e['published']}")
    if e.get("effective"):
        bits.append(f"in force {e['effective']}")
    if e.get("withdrawn"):
        bits.append(f"withdrawn {e['withdrawn']}")
    return "  ".join(bits)


def _event_widths(events: list[dict]) -> tuple[int, int]:
    """The date and code columns of stage events: as wide as the widest (a full date at
    least, so that every history lines up the same way)."""
    return (max([10] + [display_width(ev["date"] or "?") for ev in events]),
            max([6] + [display_width(ev["code"] or "") for ev in events]))


def _event_line(ev: dict, widths: tuple[int, int] = (10, 6)) -> str:
    """A stage event under its edition: date (``?`` when unknown), code, label, note."""
    note = f" ({ev['note']})" if ev.get("note") else ""
    return (f"      {pad(ev['date'] or '?', widths[0])}  {pad(ev['code'] or '', widths[1])} "
            f"{ev['label']}{note}")


def history_text(h: dict) -> str:
    """The timeline of a work as text."""
    work = h["work"]
    lines = [f"{work['designation']} — {_title(work)}", ""]
    if h["predecessors"]:
        lines.append("Replaced earlier documents:")
        for r in h["predecessors"]:
            title = f" — {r['object_title_en']}" if r.get("object_title_en") else ""
            lines.append(f"  {r['object']}{title}  (replaced by {r['subject']})")
        lines.append("")
    lines.append("Editions and drafts (facts from: kb show; ≠ sources disagree):")
    widths = _event_widths([ev for e in h["editions"] for ev in e["events"]])
    for e in h["editions"]:
        lines.append("  " + _edition_line(e))
        for name, why in (e.get("provenance") or {}).items():
            if any(not c["agrees"] for c in why["claims"]):
                lines.append(f"      ≠ {name}: {provenance_line(why)}")
        for ev in e["events"]:
            lines.append(_event_line(ev, widths))
        for newer in e["replaced_by"]:
            lines.append(f"      → replaced by {newer}")
        for draft in e.get("revised_as", []):
            lines.append(f"      → being revised as {draft}")
    others = [r for r in h["relations"] if r["type"] in ("amends", "corrects")]
    if others:
        lines += ["", "Amendments and corrigenda:"]
        for r in others:
            lines.append(f"  {r['subject']} {r['type']} {r['object']}")
    if h["successors"]:
        lines += ["", "Replaced by other documents:"]
        for r in h["successors"]:
            lines.append(f"  {r['object']} → {r['subject']}")
    if h["adoptions"]:
        lines += ["", "National and sector adoptions:"]
        for r in h["adoptions"]:
            degree = f" {r['degree']}" if r.get("degree") else ""
            title = f" — {r['subject_title_zh'] or r['subject_title_en']}" if (
                r.get("subject_title_zh") or r.get("subject_title_en")) else ""
            status = f"  [{r['subject_status']}]" if r.get("subject_status") else ""
            lines.append(f"  {r['subject']}{title} adopts {r['object']}{degree}{status}")
    if h["adopts"]:
        lines += ["", "Adopts:"]
        for r in h["adopts"]:
            degree = f" ({r['degree']})" if r.get("degree") else ""
            lines.append(f"  {r['subject']} adopts {r['object']}{degree}")
    return "\n".join(lines)


def edition_text(e: dict) -> str:
    """One edition as text."""
    lines = []
    if e.get("note"):
        lines += [e["note"], ""]
    lines.append(_edition_line(e))
    title = _title(e)
    if title:
        lines.append(f"  {title}")
    if e.get("stage_label"):
        lines.append(f"  stage: {e['stage_label']}")
    if e.get("committee"):
        committee = f" ({e['committee_title']})" if e.get("committee_title") else ""
        lines.append(f"  committee: {e['committee']}{committee}")
    if e.get("authority"):
        lines.append(f"  authority: {e['authority']}")
    if e.get("drafters"):
        lines.append(f"  drafters: {'; '.join(e['drafters'])}")
    if e.get("ics"):
        lines.append(f"  ICS: {', '.join(e['ics'])}")
    if e.get("scope"):
        lines += ["  scope:"] + [f"    {line}" for line in e["scope"].splitlines()]
    if e.get("url"):
        lines.append(f"  {e['url']}")
    if e.get("record_source"):
        lines.append(f"  source: {e['record_source']}")
    if e.get("remark"):
        lines.append(f"  note: {e['remark']}")
    if e["events"]:
        lines.append("  stage events:")
        widths = _event_widths(e["events"])
        lines += [_event_line(ev, widths) for ev in e["events"]]
    if e["relations"]:
        lines.append("  relations:")
        for r in e["relations"]:
            degree = f" ({r['degree']})" if r.get("degree") else ""
            lines.append(f"    {r['subject']} {r['type']} {r['object']}{degree}")
    if e.get("provenance"):
        lines.append("  where each fact comes from (≠ sources disagree):")
        width = max(display_width(name) for name in e["provenance"])
        for name, why in e["provenance"].items():
            lines.append(f"    {pad(name, width)}  {provenance_line(why)}")
    return "\n".join(lines)


def provenance_line(why: dict, limit: int = 60) -> str:
    """A fact's source, and the values of the sources that disagree: ``2008-12-09 — IEC
    iec.yaml (2026-03-15) ≠ 2009-01 (ISO iso.yaml)``."""
    shown = "(left out on purpose)" if why.get("withheld") else _short(why["value"], limit)
    line = f"{shown} — {why['from']}"
    for claim in why["claims"]:
        if not claim["agrees"]:
            line += f" ≠ {_short(claim['value'], limit)} ({claim['from']})"
    return line


def _short(value: object, limit: int) -> str:
    text = "—" if value is None else str(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def clause_text(c: dict) -> str:
    """A clause in place as text: breadcrumb, heading, text, children, neighbours, links."""
    crumbs = " › ".join(f"{b['number']} {b['heading'] or ''}".strip() for b in c["breadcrumb"])
    lines = [f"{c['designation']}  {crumbs + ' › ' if crumbs else ''}{c['clause']}"]
    lines += ["", f"{c['clause']}  {c['heading'] or ''}".rstrip(), ""]
    lines += [c["text"]] if c["text"] else []
    for block in c.get("blocks", ()):
        lines += ["", block_title(block)] + ([block["text"]] if block["text"] else [])
    if c["children"]:
        lines += ["", "Subclauses:"] + [f"  {k['number']}  {k['heading'] or ''}"
                                        for k in c["children"]]
    if c["terms"]:
        lines += ["", "Terms used:"] + [f"  {t['entry']}  {t['preferred']}: {t['definition'] or ''}"
                                        for t in c["terms"]]
    if c["citations"]:
        lines += ["", "Cites:"]
        for r in c["citations"]:
            known = f"  [{r['status']}]" if r["known"] else "  (not in the knowledge base)"
            lines.append(f"  {r['designation']}{known}")
    nav = []
    if c["previous"]:
        nav.append(f"← {c['previous']['number']} {c['previous']['heading'] or ''}".rstrip())
    if c["next"]:
        nav.append(f"→ {c['next']['number']} {c['next']['heading'] or ''}".rstrip())
    if nav:
        lines += ["", "   ".join(nav)]
    return "\n".join(lines)


def block_title(block: dict) -> str:
    """The title line of a note, example, table or figure: ``Table 1 — Heading``, ``NOTE 2``."""
    label = block["number"]
    if block["kind"] in ("note", "example"):  # "5.2 NOTE 1" is NOTE 1 of clause 5.2
        label = label.split(" ", 1)[-1]
    return f"{label} — {block['heading']}" if block["heading"] else label


def term_text(entries: list[dict]) -> str:
    """A term's entries as text, with their other-language equivalents."""
    lines = []
    for e in entries:
        lines.append(f"{e['designation']}  {e['entry']}  {e['preferred']} ({e['language']})")
        if e["admitted"]:
            lines.append(f"    admitted: {'; '.join(e['admitted'])}")
        if e["definition"]:
            lines.append(f"    {e['definition']}")
        lines += [f"    = {q['preferred']} ({q['language']}, {q['designation']})"
                  for q in e["equivalents"]]
    return "\n".join(lines)


def hits_text(results, limit: int = 20) -> str:
    """A page of search hits as text: where (and the other editions with the same clause),
    how a cross-lingual hit was found, then the snippet; then how many match."""
    lines = []
    for hit in results.hits:
        lines.append(f"{hit['designation']}  {hit['clause']}  {hit['heading'] or ''}".rstrip())
        if hit.get("also_in"):
            lines.append(f"    also in {', '.join(hit['also_in'])}")
        via = hit.get("via")
        if via and "term" in via:
            lines.append(f"    found through the term {via['term']} ({via['from']})")
        elif via:
            lines.append(f"    found through the adoption: clause {via['clause']} of "
                         f"{via['adoption']} matches")
        lines.append(f"    {hit['snippet']}")
    shown = len(results.hits)
    cross = getattr(results, "cross", 0)
    split = f" ({results.direct:,} direct, {cross:,} through terms and adoptions)" \
        if cross else ""
    if not results.total:
        lines.append(f"no clause matches {results.query!r}")
    elif not shown:
        lines.append(f"no hits on this page: {results.total:,} clauses match{split}")
    else:
        first = results.offset + 1
        span = f"{first}–{first + shown - 1}" if shown > 1 else f"{first}"
        more = "" if results.offset + shown >= results.total else \
            f" (next: --page {results.offset // max(limit, 1) + 2})"
        lines.append(f"{span} of {results.total:,} clauses{split}{more}")
    return "\n".join(lines)


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """A plain-text table with columns as wide as their widest cell (CJK counts double)."""
    width = display_width
    widths = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(pad(c, w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return [line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows]


def bulletin_text(b: dict) -> str:
    """A bulletin's mentions as a table: where, as written, kind, canonical, resolved, status."""
    from collections import Counter

    kinds = Counter(m["kind"] for m in b["mentions"])
    lines = [f"{b['id']}  {b['title']}", f"date: {b['date'] or 'unknown'}   "
             f"{len(b['mentions'])} mentions: " + ", ".join(f"{n} {k}" for k, n in
                                                           kinds.most_common()), ""]
    rows = []
    for m in b["mentions"]:
        status = m["status"] or ("" if m["known"] or m["kind"] not in ("standard", "draft")
                                 else "not in the knowledge base")
        if m.get("stale"):
            status += " (stale)"
        rows.append([f"{m['start']}-{m['end']}", (m["article"] or "")[:24], m["as_written"],
                     m["kind"], m["canonical"] or "", m["resolved"] or "", status])
    lines += _table(["where", "article", "as written", "kind", "canonical", "resolved",
                     "status"], rows)
    return "\n".join(lines)


def check_text(result: dict) -> str:
    """Stale citations of a bulletin, one per line."""
    n = result["counts"]
    lines = [f"{result['bulletin']} (date {result['date'] or 'unknown'}): "
             f"{count(n['stale_citations'], 'stale citation')} of "
             f"{count(n['stale_standards'], 'standard')} among the {n['standards']} standards "
             f"cited ({count(n['mentions'], 'mention')})"]
    for s in result["stale"]:
        lines.append(f"  {s['as_written']} → {s['resolved']}: {s['stale']}")
    if result.get("since"):
        changed = result["changed"]
        lines.append(f"changed since {result['since']}: {len(changed)} of the cited standards")
        for c in changed:
            lines.append(f"  {c['work']} (cited as {c['as_written']}):")
            for row in c["changes"]:
                what = (f"{row['field']}: {row['old'] or '—'} → {row['new'] or '—'}"
                        if row["field"] else "new")
                lines.append(f"    {row['at']}  {row['code']}  {row['edition']}  {what}")
    return "\n".join(lines)


# --- comparisons ---------------------------------------------------------------------------

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


_MD_SPECIAL = re.compile(r"([\\`*_~|\[\]<>&!#])")


def md_escape(text: str) -> str:
    """Text that CommonMark (and GitHub's tables) shows as it is, never as markup; a line
    break is ``<br>`` (a table cell holds one line)."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", "<br>")


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
    lines += ["  " + line for line in _table(
        ["national", "international", "only in", "national heading", "international heading"],
        [[r["national"] or "—", r["international"] or "—",
          "" if r["where"] == "both" else r["where"].removesuffix(" only"),
          r["national_heading"] or "", r["international_heading"] or ""]
         for r in result["clauses"]])]
    lines += ["", "Terms (by English equivalent):"]
    lines += ["  " + line for line in _table(
        ["national", "term", "English equivalent", "", "international", "term"],
        [[t["national"] or "—", t["term"] or "", t["equivalent"] or "", "→",
          t["international"] or "—", t["international_term"] or ""]
         for t in result["terms"]])]
    return "\n".join(lines)
