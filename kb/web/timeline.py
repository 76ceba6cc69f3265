"""A work's history drawn as an SVG time axis: one row per edition, draft or adoption."""

from __future__ import annotations

import datetime as dt
from html import escape

from kb.identifiers.designation import try_parse
from kb.identifiers.stages import CN_LIFECYCLE
from kb.wording import N_, in_language

_GROUP_COLOURS = {
    "00": "#9e9e9e", "10": "#9e9e9e", "20": "#8e6cc0", "30": "#3f7fbf", "40": "#e08a00",
    "50": "#d4572a", "60": "#2e8b57", "90": "#5b8c5a", "95": "#b03a3a",
}
_CN_COLOURS = {"发布": "#2e8b57", "实施": "#1f6f8b", "废止": "#b03a3a"}
_ROW = 30
_LEFT = 190
_WIDTH = 900


def _year(date: str | None) -> float | None:
    if not date:
        return None
    parts = [int(p) for p in date.split("-")]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else 7
    day = parts[2] if len(parts) > 2 else 1
    return year + (month - 1) / 12 + (day - 1) / 365


def _colour(code: str) -> str:
    return _CN_COLOURS.get(code) or _GROUP_COLOURS.get(code[:2], "#607d8b")


def rows_for(history: dict) -> list[dict]:
    """The rows to draw: editions of the work, then documents it replaced, then adoptions."""
    rows = []
    published = {e["designation"]: e.get("published") for e in history["editions"]}
    for e in history["editions"]:
        if e.get("became"):  # a draft drawn on the line of the edition it became
            continue
        events = e.get("lifecycle", e["events"])
        ends = [published.get(n) for n in e.get("replaced_by", []) if published.get(n)]
        end = e.get("withdrawn") or (min(ends) if ends else None)
        rows.append({"label": e["designation"], "events": events, "status": e["status"],
                     "start": e.get("published"), "end": end, "kind": "edition",
                     # a draft's designation carries its base's year, not its own
                     "year": None if e.get("draft_stage") or e["status"] == "draft"
                     else e.get("year")})
    for r in history["adoptions"]:
        degree = f" ({r['degree']})" if r.get("degree") else ""
        parsed = try_parse(r["subject"])
        rows.append({"label": r["subject"] + degree, "events": r.get("events", []),
                     "status": r.get("subject_status"), "start": None, "end": None,
                     "kind": "adoption", "year": parsed.year if parsed else None})
    # a row with no date at all would be an empty line: left out (the tables list it)
    return [row for row in rows if row["start"] or row["year"] or any(
        ev["date"] for ev in row["events"])]


def spans(history: dict) -> list[dict]:
    """The rows of the picture as text, for narrow screens: each row's ``label``, ``kind``,
    ``status``, and the dates it runs ``since`` and ``until`` (None: still running, or not
    known), from the same rows the picture draws."""
    out = []
    for row in rows_for(history):
        dates = sorted(ev["date"] for ev in row["events"] if ev["date"])
        since = row["start"] or (dates[0] if dates else None) or \
            (str(row["year"]) if row["year"] else None)
        ended = sorted(ev["date"] for ev in row["events"]
                       if ev["date"] and ev["code"] in ("95.99", "废止"))
        until = row["end"] or (ended[-1] if ended else None)
        out.append({"label": row["label"], "kind": row["kind"], "status": row["status"],
                    "since": since, "until": until if until != since else None})
    return out


def svg(history: dict, lang: str = "en") -> str:
    """The timeline as an inline SVG string (empty if nothing is dated), its words in
    ``lang`` (the events' labels as the history gives them)."""
    rows = rows_for(history)
    dates = [_year(ev["date"]) for row in rows for ev in row["events"]]
    dates += [_year(row["start"]) for row in rows] + [_year(row["end"]) for row in rows]
    dates += [row["year"] + 0.5 for row in rows if row["year"]]
    dates = [d for d in dates if d is not None]
    if not dates:
        return ""
    now = dt.date.today().year + 1
    first, last = int(min(dates)) - 1, max(int(max(dates)) + 2, min(now, int(max(dates)) + 6))
    span = max(last - first, 1)

    def x(year: float) -> float:
        return _LEFT + (year - first) / span * (_WIDTH - _LEFT - 20)

    height = 40 + _ROW * len(rows)
    named = in_language(N_("Timeline of {work}"), lang).format(
        work=history["work"]["designation"])
    out = [f'<svg class="kb-timeline" viewBox="0 0 {_WIDTH} {height}" width="100%" '
           f'role="img" aria-label="{escape(named)}" '
           'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="11">']
    step = 1 if span <= 12 else 2 if span <= 24 else 5
    for year in range(first - first % step + step, last + 1, step):
        out.append(f'<line x1="{x(year):.1f}" y1="18" x2="{x(year):.1f}" y2="{height - 4}" '
                   'stroke="#e3e3e3"/>')
        out.append(f'<text x="{x(year):.1f}" y="13" text-anchor="middle" fill="#555">{year}'
                   '</text>')
    for i, row in enumerate(rows):
        y = 36 + i * _ROW
        colour = "#555" if row["kind"] == "edition" else "#1f6f8b"
        out.append(f'<text x="{_LEFT - 8}" y="{y + 4}" text-anchor="end" fill="{colour}" '
                   'translate="no">'
                   f'{escape(row["label"])}</text>')
        points = sorted(  # by date alone: two events of one day keep their order
            ((d, ev) for ev in row["events"] if (d := _year(ev["date"])) is not None),
            key=lambda point: point[0])
        start = _year(row["start"]) or (points[0][0] if points else None)
        year_only = start is None and row["year"] is not None
        if year_only:  # known by its year alone: drawn from the middle of that year
            start = row["year"] + 0.5
        end = _year(row["end"])
        if end is None and row["status"] in ("current", "upcoming", "draft"):
            end = min(now, last)
        if end is None and points:
            end = points[-1][0]
        if start is not None and end is not None and end > start:
            stroke = "#2e8b57" if row["status"] == "current" else "#b9b9b9"
            out.append(f'<line x1="{x(start):.1f}" y1="{y}" x2="{x(end):.1f}" y2="{y}" '
                       f'stroke="{stroke}" stroke-width="4" stroke-linecap="round"/>')
        if year_only:
            only = in_language(N_("{year} (year only)"), lang).format(year=row["year"])
            out.append(f'<rect x="{x(start) - 4:.1f}" y="{y - 4}" width="8" height="8" '
                       f'fill="#fff" stroke="#2e8b57" stroke-width="2"><title>'
                       f'{escape(only)}</title></rect>')
        for d, ev in points:
            # a Chinese lifecycle step is its own name: said once, in the page's language
            named = ev["label"] if ev["code"] in CN_LIFECYCLE else f"{ev['code']} {ev['label']}"
            title = escape(f"{ev['date']} {named}")
            out.append(f'<circle cx="{x(d):.1f}" cy="{y}" r="5" fill="{_colour(ev["code"])}" '
                       f'stroke="#fff"><title>{title}</title></circle>')
    out.append("</svg>")
    return "".join(out)
