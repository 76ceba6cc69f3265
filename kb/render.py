"""Plain-text renderings of query results for the terminal."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Columns a text takes in a terminal or a fixed-width layout: Chinese counts double."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


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


def _event_line(ev: dict) -> str:
    note = f" ({ev['note']})" if ev.get("note") else ""
    return f"      {ev['date'] or '    ?     '}  {ev['code']:<6} {ev['label']}{note}"


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
    for e in h["editions"]:
        lines.append("  " + _edition_line(e))
        for name, why in (e.get("provenance") or {}).items():
            if any(not c["agrees"] for c in why["claims"]):
                lines.append(f"      ≠ {name}: {provenance_line(why)}")
        for ev in e["events"]:
            lines.append(_event_line(ev))
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
    if e.get("ics"):
        lines.append(f"  ICS: {', '.join(e['ics'])}")
    if e.get("url"):
        lines.append(f"  {e['url']}")
    if e.get("record_source"):
        lines.append(f"  source: {e['record_source']}")
    if e.get("remark"):
        lines.append(f"  note: {e['remark']}")
    if e["events"]:
        lines.append("  stage events:")
        lines += [_event_line(ev) for ev in e["events"]]
    if e["relations"]:
        lines.append("  relations:")
        for r in e["relations"]:
            degree = f" ({r['degree']})" if r.get("degree") else ""
            lines.append(f"    {r['subject']} {r['type']} {r['object']}{degree}")
    if e.get("provenance"):
        lines.append("  where each fact comes from (≠ sources disagree):")
        width = max(len(name) for name in e["provenance"])
        for name, why in e["provenance"].items():
            lines.append(f"    {name:<{width}}  {provenance_line(why)}")
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
    """A page of search hits as text: where, then the snippet; then how many match."""
    lines = []
    for hit in results.hits:
        lines.append(f"{hit['designation']}  {hit['clause']}  {hit['heading'] or ''}".rstrip())
        lines.append(f"    {hit['snippet']}")
    shown = len(results.hits)
    if not results.total:
        lines.append(f"no clause matches {results.query!r}")
    elif not shown:
        lines.append(f"no hits on this page: {results.total:,} clauses match")
    else:
        first = results.offset + 1
        span = f"{first}–{first + shown - 1}" if shown > 1 else f"{first}"
        more = "" if results.offset + shown >= results.total else \
            f" (next: --page {results.offset // max(limit, 1) + 2})"
        lines.append(f"{span} of {results.total:,} clauses{more}")
    return "\n".join(lines)


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """A plain-text table with columns as wide as their widest cell (CJK counts double)."""
    width = display_width
    widths = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(c + " " * (w - width(c)) for c, w in zip(cells, widths,
                                                                   strict=True)).rstrip()

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
    lines = [f"{result['bulletin']} (date {result['date'] or 'unknown'}): "
             f"{len(result['stale'])} stale citations among {result['mentions']} mentions"]
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


def _redline_text(lines: list, marks=("[-", "-]", "{+", "+}"), context: int = 80) -> str:
    """A redline with the deleted and inserted words marked; long unchanged stretches are
    cut to ``context`` characters on each side of a change."""
    out = []
    for i, (op, text) in enumerate(lines):
        if op == "=":
            if context and len(text) > 2 * context + 20:
                head = text[:context] if i else ""
                tail = text[-context:] if i < len(lines) - 1 else ""
                text = f"{head} … {tail}".strip() if head or tail else text
            out.append(text)
        elif op == "-":
            out.append(f"{marks[0]}{text}{marks[1]}")
        else:
            out.append(f"{marks[2]}{text}{marks[3]}")
    return "".join(out)


def kept_pairs(result: dict, only: str | None) -> list[dict]:
    if only == "changed":
        return [p for p in result["pairs"] if p["kind"] != "unchanged"]
    if only:
        return [p for p in result["pairs"] if p["kind"] == only]
    return result["pairs"]


def _counts_line(counts: dict) -> str:
    return ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items() if n)


def diff_text(result: dict, only: str | None = None) -> str:
    """A comparison as text: a summary line, then each pair with its redline."""
    lines = [f"{result['old']} → {result['new']} ({result['language']}): "
             f"{_counts_line(result['counts'])}", ""]
    for p in kept_pairs(result, only):
        where = f"{p['old'] or '—'} → {p['new'] or '—'}"
        heading = p["new_heading"] or p["old_heading"] or ""
        lines.append(f"{where:16} {p['kind']:10} {heading}  ({p['summary']})")
        if p["redline"] and p["kind"] != "unchanged":
            lines += ["    " + line for line in _redline_text(p["redline"]).splitlines()]
    changed = [t for t in result["terms"] if t["kind"] != "unchanged"]
    if changed:
        lines += ["", "Terms:"]
        for t in changed:
            lines.append(f"  {t['old'] or '—'} → {t['new'] or '—'}  {t['term']}: {t['kind']}")
            if t["redline"]:
                lines.append("    " + _redline_text(t["redline"]))
    return "\n".join(lines)


def diff_markdown(result: dict, only: str | None = None) -> str:
    """A comparison as Markdown: a table of the pairs, redlines with ~~deleted~~ **added**."""
    lines = [f"## {result['old']} → {result['new']}", "", _counts_line(result["counts"]), "",
             "| old | new | what | heading | change |", "|---|---|---|---|---|"]
    for p in kept_pairs(result, only):
        change = _redline_text(p["redline"], ("~~", "~~", "**", "**")) if p["redline"] and \
            p["kind"] != "unchanged" else p["summary"]
        cells = [p["old"] or "", p["new"] or "", p["kind"],
                 p["new_heading"] or p["old_heading"] or "", change]
        lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", "<br>")
                                        for c in cells) + " |")
    return "\n".join(lines) + "\n"


def diff_html(result: dict, only: str | None = None) -> str:
    """A comparison as a self-contained HTML page: side by side, redline in the new column."""
    from html import escape

    def red(lines):
        return "".join(escape(t) if op == "=" else f"<del>{escape(t)}</del>" if op == "-"
                       else f"<ins>{escape(t)}</ins>" for op, t in lines)

    rows = []
    for p in kept_pairs(result, only):
        old = escape(p["old_heading"] or "") if p["old"] else ""
        new = red(p["redline"]) if p["redline"] and p["kind"] != "unchanged" else \
            escape(p["text"] or p["new_heading"] or "")
        rows.append(f'<tr class="{p["kind"]}"><td>{escape(p["old"] or "")}</td>'
                    f'<td>{escape(p["new"] or "")}</td><td>{p["kind"]}</td><td>{old}</td>'
                    f'<td class="text">{new}</td></tr>')
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{escape(result['old'])} → {escape(result['new'])}</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px;vertical-align:top}} .text{{white-space:pre-wrap}}
del{{background:#fdd;color:#900}} ins{{background:#dfd;color:#060;text-decoration:none}}
tr.added{{background:#f4fff4}} tr.removed{{background:#fff4f4}}</style></head><body>
<h1>{escape(result['old'])} → {escape(result['new'])}</h1>
<p>{escape(_counts_line(result['counts']))}</p>
<table><tr><th>old</th><th>new</th><th>what</th><th>old heading</th><th>text (redline)</th></tr>
{''.join(rows)}</table></body></html>
"""


def crosswalk_text(result: dict) -> str:
    """A crosswalk as text: the verdict, clauses on one side only, terms by equivalent."""
    lines = [f"{result['national']} adopts {result['international']} "
             f"({result['degree'] or 'degree unknown'}): {result['verdict']}",
             ", ".join(f"{n} {k}" for k, n in result["counts"].items()), ""]
    for r in result["clauses"]:
        mark = "" if r["where"] == "both" else f"  [{r['where']}]"
        lines.append(f"  {r['national'] or '—':10} {r['international'] or '—':10} "
                     f"{r['national_heading'] or ''} / {r['international_heading'] or ''}{mark}")
    lines += ["", "Terms (by English equivalent):"]
    for t in result["terms"]:
        lines.append(f"  {t['national'] or '—':6} {t['term'] or '':12} {t['equivalent'] or '':28}"
                     f" → {t['international'] or '—':6} {t['international_term'] or ''}")
    return "\n".join(lines)
