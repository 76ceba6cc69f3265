"""Text kept in catalogue records as markup (an abstract in HTML, a scope with ``<p>``s), read
as plain text: one line per paragraph, spaces within a line collapsed."""

from __future__ import annotations

from lxml import etree, html

#: Elements that end a line of the plain text.
_BLOCKS = ("p", "div", "li", "br", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote")


def plain_text(markup: str | None, is_html: bool = True) -> str | None:
    """The text of ``markup`` (HTML, or plain text if not ``is_html``): one line per
    paragraph, or None if empty."""
    if markup is None:
        return None
    text = str(markup)
    if is_html and "<" in text:
        try:
            root = html.fragment_fromstring(text, create_parent="div")
        except (etree.ParserError, ValueError):
            root = None
        if root is not None:
            for element in root.iter(*_BLOCKS):
                element.tail = "\n" + (element.tail or "")
            text = root.text_content()
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line) or None
