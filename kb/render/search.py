"""A clause in place, a term's entries and a page of search hits, as text."""

from __future__ import annotations


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
