"""A work's history, an edition, and where each fact comes from, as text."""

from __future__ import annotations

from kb.render.text import display_width, pad


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
