"""Plain-text renderings of query results for the terminal."""

from __future__ import annotations


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
    lines.append("Editions and drafts:")
    for e in h["editions"]:
        lines.append("  " + _edition_line(e))
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
    return "\n".join(lines)


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


def hits_text(hits: list[dict]) -> str:
    """Search hits as text: where, then the snippet."""
    lines = []
    for hit in hits:
        lines.append(f"{hit['designation']}  {hit['clause']}  {hit['heading'] or ''}")
        lines.append(f"    {hit['snippet']}")
    lines.append(f"{len(hits)} hits")
    return "\n".join(lines)


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """A plain-text table with columns as wide as their widest cell (CJK counts double)."""
    import unicodedata

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

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
    return "\n".join(lines)
