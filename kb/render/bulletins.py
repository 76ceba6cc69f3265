"""A bulletin's mentions and its stale citations, as text."""

from __future__ import annotations

from kb.render.text import table
from kb.wording import count


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
    lines += table(["where", "article", "as written", "kind", "canonical", "resolved",
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
