"""A bulletin's text as HTML, each mention linked to its row of the reference table."""

from __future__ import annotations

from markupsafe import Markup


def bulletin_html(b: dict, rows: dict[str, int], _=lambda text, **v: text.format(**v)
                  ) -> Markup:
    """The bulletin's text as paragraphs and headings; each mention an anchor (``m<start>``)
    that jumps to its row of the reference table (``rows``: designation → row number), its
    tooltip in the interface language (``_``)."""
    text, mentions = b["text"], b["mentions"]
    headings = {a["start"]: a for a in b["articles"]}
    parts = {a["part"] for a in b["articles"]}  # a set: a list a line has thousands
    pieces_of_text, position, index = [], 0, 0
    for paragraph in text.split("\n"):
        start, end = position, position + len(paragraph)
        position = end + 1
        pieces, cursor = [], start
        while index < len(mentions) and mentions[index]["start"] < end:
            m = mentions[index]
            index += 1
            pieces.append(Markup.escape(text[cursor:m["start"]]))
            classes = ["kb-mention", m["kind"]] + (["stale"] if m["stale"] else []) + \
                ([] if m["known"] or m["kind"] not in ("standard", "draft") else ["unknown"])
            row = rows.get(m["resolved"] or m["canonical"] or "") \
                if m["kind"] in ("standard", "draft") else None
            title = " · ".join(filter(None, (
                m["canonical"], m["resolved"] and m["resolved"] != m["canonical"]
                and f"→ {m['resolved']}", m["status"] and _(m["status"]),
                m["stale"] and _("stale"),
                None if row or m["kind"] in ("standard", "draft") else _(m["kind"]))))
            label = Markup.escape(text[m["start"]:m["end"]])
            if row:
                pieces.append(Markup('<a id="m{}" class="{}" href="#ref-{}" title="{}">{}</a>')
                              .format(m["start"], " ".join(classes), row, title, label))
            else:
                pieces.append(Markup('<span id="m{}" class="{}" title="{}">{}</span>').format(
                    m["start"], " ".join(classes), title, label))
            cursor = m["end"]
        pieces.append(Markup.escape(text[cursor:end]))
        body = Markup("").join(pieces)
        if start in headings:
            pieces_of_text.append(Markup('<h3 id="a{}">{}</h3>').format(
                headings[start]["number"], body))
        elif paragraph.strip() and paragraph.strip() in parts:
            pieces_of_text.append(Markup("<h2>{}</h2>").format(body))
        elif paragraph.strip():
            pieces_of_text.append(Markup("<p>{}</p>").format(body))
    return Markup("\n").join(pieces_of_text)
