"""Bulletins and notices (plain text, Word, PDF): their text, parts, articles and mentions.

The text is read like any text document (:mod:`loaders.text`: UTF-8, UTF-16, GB18030, Word,
PDF), then lines broken by the page layout are joined again: Chinese without a space,
English with one.  A line is a heading when it is short and ends without punctuation
(``第一部分 专家工作组动态``, a group's name, an article's title); ``第…部分`` headings
open parts, other headings articles.  Every designation-like string becomes a mention
(:func:`kb.bulletins.mentions.find`) with its character span in the stored text and the sentence
around it.  The bulletin's date comes from the command line, or else the latest full date
written in it.  Its title is the one given (``--title``), else its first line when that
reads as a title; a text that opens with a section heading has none of its own and is
shown by its id (the load says so, as it says when it finds no date or no citation).
"""

from __future__ import annotations

import bisect
import hashlib
import re
import statistics
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from kb import limits
from kb.bulletins import mentions
from kb.catalogue.model import Article, Bulletin, BulletinMention, Document, LoadError, LoadWarning
from kb.render import display_width
from loaders import bounds
from loaders.text import extract_text

NAME = "bulletin"
#: What a bulletin can be; other files in a folder of bulletins are skipped.
SUFFIXES = (".txt", ".docx", ".pdf")

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Chinese characters and full-width punctuation: no space is put next to them
_WIDE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_SENTENCE_END = "。！？!?；;：:."
_PART = re.compile(r"^第[一二三四五六七八九十百\d]+(?:部分|章|篇)\s*\S*")
_LIST_ITEM = re.compile(r"^(?:\d{1,2}\s*[.、．)）]|[（(]\s*\d{1,2}\s*[)）]|"
                        r"[一二三四五六七八九十]+、|--|——|[-•·]\s)")
_BYLINE = re.compile(r"^(?:供稿|投稿|撰稿|来源|作者|编辑|Source|By)\s*[:：]", re.I)
_PAGE_NUMBER = re.compile(r"^(?:\d{1,3}|- ?\d{1,3} ?-|第\s*\d+\s*页)$")
_DATE = re.compile(r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_ENGLISH_DATE = re.compile(
    r"\b(\d{1,2})\s+(" + "|".join(_MONTHS) + r")\s+((?:19|20)\d\d)\b|\b(" + "|".join(_MONTHS)
    + r")\s+(\d{1,2}),\s*((?:19|20)\d\d)\b", re.I)
_SENTENCE_MARK = re.compile(r"[。！？!?\n]")


def accepts(path: Path, head: bytes) -> bool:
    return False  # bulletins are loaded on purpose (kb bulletin load), never detected


def documents(path: Path, date: str | None = None,
              title: str | None = None) -> Iterator[Document]:
    if path.suffix.lower() not in SUFFIXES:
        raise LoadError(f"{path}: a bulletin is a text, Word or PDF file "
                        f"({', '.join(SUFFIXES)})")
    if (size := path.stat().st_size) > bounds.BULLETIN_FILE_BYTES:
        raise LoadError(f"{path}: {size:,} bytes (a bulletin's file is at most "
                        f"{bounds.BULLETIN_FILE_BYTES:,})")
    data = path.read_bytes()
    given = (date or "") + ("\0" + title if title else "")
    digest = hashlib.sha256(data + given.encode()).hexdigest()
    yield Document(name=str(path), sha256=digest, loader=NAME,
                   records=lambda: records(path, data, date, title))


def bulletin_id(path: Path) -> str:
    """The id a bulletin is stored under: its file name without the extension."""
    return unicodedata.normalize("NFC", path.stem)


def title_of(paragraphs: list[str]) -> str | None:
    """The document's own title: its first paragraph, if that reads as a title (a short line,
    not a section heading such as ``第一部分 专家工作组动态``, a date or a byline), else None."""
    first = paragraphs[0].strip() if paragraphs else ""
    if not first or _PART.match(first) or display_width(first) > 120 or \
            _DATE.fullmatch(first) or _ISO_DATE.fullmatch(first) or _BYLINE.match(first):
        return None
    return first


def records(path: Path, data: bytes, date: str | None = None,
            title: str | None = None) -> Iterator:
    """The bulletin, its articles and its mentions; warnings for what it lacks (a title, a
    date, any citation of a standard)."""
    if not data.strip():
        raise LoadError("empty file")
    text = extract_text(data, path.suffix.lower())
    if "\x00" in text or _control_characters(text) > len(text) / 100:
        raise LoadError("not a text document (binary content)")
    paragraphs = join_lines(text.splitlines())
    if not paragraphs:
        raise LoadError("no text")
    body = "\n".join(paragraphs)
    if (size := len(body.encode())) > limits.VALUE_BYTES:
        raise LoadError(f"the text is {size:,} bytes (at most {limits.VALUE_BYTES:,}: split "
                        "the notice into parts)")
    key = bulletin_id(path)
    language = "zh" if len(_CJK.findall(body)) > len(body) / 5 else "en"
    own_title = title or title_of(paragraphs)
    date = date or _latest_date(body)
    found = list(mentions.find(body))
    cited = sum(1 for m in found if m.kind in ("standard", "draft"))
    if date is None and not cited:
        yield LoadWarning("no date and no citation of a standard found: this does not read "
                          "like a bulletin (loaded as one; give --date if it is)")
    elif date is None:
        yield LoadWarning("no date found in the text: undated citations are checked against "
                          "today's catalogue; give the bulletin's date with --date")
    if own_title is None:
        yield LoadWarning(f"no title of its own (the text opens with {paragraphs[0][:40]!r}): "
                          "shown by its id; give one with --title")
    yield Bulletin(id=key, title=(own_title or key)[:200], date=date,
                   language=language, text=body, path=str(path.resolve()))
    yield from _articles(key, paragraphs)
    sentences = _Sentences(body)
    for mention in found:
        yield BulletinMention(key, mention.start, mention.end, mention.as_written,
                              mention.kind, mention.canonical, mention.title, mention.note,
                              sentences.around(mention.start, mention.end))


def _control_characters(text: str) -> int:
    """Control, unassigned and private characters (not spaces, line or page breaks)."""
    return sum(1 for c in text if c not in "\n\t\r\f\v" and
               unicodedata.category(c) in ("Cc", "Cn", "Co", "Cs"))


def join_lines(lines: list[str]) -> list[str]:
    """Paragraphs from lines broken by a page layout.

    A line as wide as the text's full lines that does not end a sentence continues on the
    next non-empty line; blank lines between such lines are layout, not paragraph breaks.
    """
    stripped = ["" if _PAGE_NUMBER.match(line.strip()) else line.strip() for line in lines]
    widths = [display_width(line) for line in stripped if line]
    if not widths:
        return []
    full = statistics.quantiles(widths, n=10)[7] if len(widths) >= 10 else max(widths)
    paragraphs: list[list[str]] = []  # each paragraph's lines and the glue between them,
    # joined at the end: a paragraph of 30 000 lines is not copied 30 000 times
    open_paragraph = False  # the last paragraph continues on the next line
    for line in stripped:
        if not line:
            continue
        if open_paragraph and paragraphs and not _PART.match(line):
            previous = paragraphs[-1][-1]  # its last line (never empty)
            glue = "" if _WIDE.match(previous[-1]) or _WIDE.match(line[0]) or \
                previous.endswith("-") else " "
            paragraphs[-1] += (glue, line)
        else:
            paragraphs.append([line])
        open_paragraph = display_width(line) >= 0.85 * full and line[-1] not in _SENTENCE_END
    return ["".join(pieces) for pieces in paragraphs]


def is_heading(paragraph: str) -> bool:
    """A short line without closing punctuation that is not a list item."""
    text = paragraph.strip()
    return (0 < display_width(text) <= 60 and text[-1] not in _SENTENCE_END + "，,、" and
            not _LIST_ITEM.match(text) and not _BYLINE.match(text) and
            not _DATE.fullmatch(text) and not _ISO_DATE.fullmatch(text) and
            not re.search(r"\s{2,}", text))


def _articles(key: str, paragraphs: list[str]) -> Iterator[Article]:
    """Parts and articles by their headings, with their spans in the stored text."""
    offset, part, number = 0, None, 0
    current: Article | None = None
    for paragraph in paragraphs:
        start, end = offset, offset + len(paragraph)
        offset = end + 1
        if _PART.match(paragraph):
            part = paragraph.strip()
            if current:
                yield current
            current = None
            continue
        if is_heading(paragraph) and offset > len(paragraphs[0]) + 1:
            if current:
                yield current
            number += 1
            current = Article(key, number, part, paragraph.strip(), start, end)
        elif current:
            current = Article(key, current.number, current.part, current.heading,
                              current.start, end)
    if current:
        yield current


def _latest_date(text: str) -> str | None:
    dates = [f"{y}-{int(m):02d}-{int(d):02d}" for y, m, d in _DATE.findall(text)]
    dates += [f"{y}-{m}-{d}" for y, m, d in _ISO_DATE.findall(text)]
    for day, month, year, month2, day2, year2 in _ENGLISH_DATE.findall(text):
        number = _MONTHS.index((month or month2).lower()) + 1
        dates.append(f"{year or year2}-{number:02d}-{int(day or day2):02d}")
    valid = [d for d in dates if 1 <= int(d[5:7]) <= 12 and 1 <= int(d[8:10]) <= 31]
    return max(valid) if valid else None


class _Sentences:
    """The sentence around a span (to the nearest 。！？ or line end, at most 300 chars), for
    many spans of one text: the sentence ends are found once, then looked up by bisection,
    so a paragraph of 100 000 citations costs no more per citation than one of ten."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.ends = [m.start() for m in _SENTENCE_MARK.finditer(text)]

    def around(self, start: int, end: int) -> str:
        text, ends = self.text, self.ends
        before = bisect.bisect_left(ends, start)  # the last mark before the span
        left = ends[before - 1] + 1 if before else 0
        after = bisect.bisect_left(ends, end, before)  # the first mark at or after its end
        right = ends[after] + 1 if after < len(ends) else len(text)
        if right - left <= 300:
            return text[left:right].strip()
        first, last = left, right  # strip without copying a long paragraph
        while first < last and text[first].isspace():
            first += 1
        while last > first and text[last - 1].isspace():
            last -= 1
        if last - first <= 300:
            return text[first:last]
        return text[max(left, start - 120):min(right, end + 120)].strip()
