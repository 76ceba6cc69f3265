"""Clause text from plain text, Word and PDF files (``.txt``, ``.docx``, ``.pdf``).

Word paragraphs (python-docx) and PDF page text (pdfplumber) become lines; plain text is
decoded as UTF-8, UTF-16 (with a byte-order mark) or GB18030.  From there one pipeline:
running headers (short lines repeated on every page), page numbers and contents-page lines
are dropped;
numbered headings (``1``, ``4.1.2``, ``A.1``), annex headings (``附录A（规范性）``,
``Annex B (informative)``) and the unnumbered parts (Foreword, Introduction, Bibliography;
前言, 引言, 参考文献) start clauses; Chinese lines broken mid-sentence are joined without a
space; clause 3 entries give terms (number, term with its English equivalent, admitted terms,
definition, notes).  The document's designation comes from the command line
(``kb load --designation``) or from its running header.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from kb.bulletins import mentions
from kb.catalogue.model import Citation, Clause, Document, Edition, LoadError, Provenance, Term
from kb.identifiers.designation import DesignationError, parse
from loaders import bounds

#: 2: citations found in the text
VERSION = 2
NAME = "text"

_CJK = re.compile(r"[\u3400-\u9fff]")
_PAGE_NUMBER = re.compile(r"^(?:\d{1,3}|[ivxlcIVXLC]{1,6}|[\u2160-\u216b]{1,3}|- ?\d{1,3} ?-)$")
_CONTENTS = re.compile(r"(?:\.{4,}|…{2,}|·{4,})\s*\S{0,6}$")
_UNNUMBERED = {
    "前言": "foreword", "foreword": "foreword", "引言": "introduction",
    "introduction": "introduction", "参考文献": "bibliography", "bibliography": "bibliography",
}
_ANNEX = re.compile(
    r"^(?:附\s*录|Annex)\s*([A-Z])\s*[（(]\s*(规范性|资料性|normative|informative)\s*[)）]\s*(.*)$",
    re.I,
)
_HEADING = re.compile(r"^((?:\d{1,2}|[A-Z])(?:\.\d{1,3}){0,4})\s+(\S.{0,79})$")
_ENTRY = re.compile(r"^(\d{1,2}(?:\.\d{1,3}){1,3})$")
_SENTENCE_END = "。！？；：.!?;:"
_BLOCK_START = re.compile(
    r"^(?:——|[—–•·\-]\s|[a-z]\)|\d{1,2}\)|注\s*\d*\s*[：:]|示例|Note\b|NOTE\b|EXAMPLE\b|\[|"
    r"(?:ISO|IEC|GB|[A-Z]{2}/[TZ]|T/[A-Z]+)[ /]?[A-Z]*\s*\d)"  # a reference list entry
)


def accepts(path: Path, head: bytes) -> bool:
    return path.suffix.lower() in (".txt", ".docx", ".pdf")


def documents(path: Path, designation: str | None = None) -> Iterator[Document]:
    data = path.read_bytes()
    digest = hashlib.sha256(data + (designation or "").encode()).hexdigest()
    kind = path.suffix.lower()
    yield Document(name=str(path), sha256=digest, loader=NAME,
                   records=lambda: records(data, designation, kind))


def decode(data: bytes) -> str:
    """Text from bytes in UTF-8, UTF-16 (with a byte-order mark) or GB18030.

    :raises LoadError: when the bytes are none of these.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise LoadError("not UTF-8, UTF-16 or GB18030 text")


def records(data: bytes, designation: str | None = None, kind: str = ".txt") -> Iterator:
    """Records of one text, Word or PDF document."""
    if not data.strip():
        raise LoadError("empty document")
    text = extract_text(data, kind)
    lines = [line.rstrip() for line in text.splitlines()]
    headers = _running_headers(lines)
    key = _designation(designation, headers, lines)
    language = "zh" if sum(bool(_CJK.search(line)) for line in lines) > len(lines) / 4 else "en"
    yield Provenance("document")
    yield Edition(designation=key, languages=(language,), record_source="text")
    body = [line for line in lines if line.strip() not in headers
            and not _PAGE_NUMBER.match(line.strip()) and not _CONTENTS.search(line)]
    yield from _clauses(key, language, body)


def extract_text(data: bytes, kind: str) -> str:
    """The text of a ``.docx``, ``.pdf`` or plain-text file's bytes, one line per line.

    :raises LoadError: for an unreadable, encrypted or text-less file, or an unknown encoding.
    """
    if kind == ".docx":
        return _docx_text(data)
    if kind == ".pdf":
        return _pdf_text(data)
    return decode(data)


def _docx_text(data: bytes) -> str:
    import io
    import zipfile

    import docx

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise LoadError("not a Word document (a .docx file is a zip archive; this one is not)")
    bounds.check_zip(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except (KeyError, ValueError, zipfile.BadZipFile) as error:
        raise LoadError(f"not a readable Word document ({error})") from None
    return "\n".join(paragraph.text for paragraph in document.paragraphs)


def _pdf_text(data: bytes) -> str:
    from loaders import pdf_reader

    pages = pdf_reader.pages(data)  # in a child process, bounded in memory and time
    if not any(page.strip() for page in pages):
        raise LoadError("the PDF has no text layer (scanned images?): run OCR first")
    return "\n".join(pages)


def _running_headers(lines: list[str]) -> set[str]:
    counts = Counter(line.strip() for line in lines if line.strip())
    pages = max(3, sum(1 for line in lines if _PAGE_NUMBER.match(line.strip())) // 2)
    return {line for line, n in counts.items() if n >= pages and len(line) <= 40}


def _designation(given: str | None, headers: set[str], lines: list[str]) -> str:
    """The designation named on the command line, else the running header's, else the first
    line near the top that is one."""
    if given:
        try:
            return parse(given).edition.canonical
        except DesignationError as error:
            raise LoadError(f"--designation: {error}") from None
    for candidate in sorted(headers, key=len) + [line.strip() for line in lines[:40]]:
        try:
            return parse(re.sub(r"\((?:E|F|R)\)$", "", candidate)).edition.canonical
        except DesignationError:
            continue
    raise LoadError("cannot tell the document's designation: name it with --designation")


def _heading(line: str) -> tuple[str, str | None, str] | None:
    """(number, heading, kind) when a line starts a clause."""
    text = line.strip()
    if text.lower() in _UNNUMBERED:
        slug = _UNNUMBERED[text.lower()]
        return slug, text, slug
    annex = _ANNEX.match(text)
    if annex:
        informative = annex.group(2).lower() in ("资料性", "informative")
        return annex.group(1), annex.group(3) or None, (
            "annex-informative" if informative else "annex-normative")
    entry = _ENTRY.match(text)
    if entry:
        return entry.group(1), None, "entry"
    heading = _HEADING.match(text)
    if heading and heading.group(2)[-1] not in _SENTENCE_END and len(heading.group(2)) <= 60 \
            and not re.search(r"[，,。]", heading.group(2)):
        return heading.group(1), heading.group(2).strip(), "clause"
    return None


def _clauses(key: str, language: str, lines: list[str]) -> Iterator:
    started = False
    current: dict | None = None
    order = 0
    annex_waiting_title = False
    for line in lines:
        found = _heading(line)
        if found and (started or found[2] in ("foreword", "introduction") or found[0] == "1"):
            started = True
            if current:
                yield from _finish(key, language, current)
            number, heading, kind = found
            order += 1
            current = {"number": number, "heading": heading, "kind": kind, "order": order,
                       "lines": []}
            annex_waiting_title = kind.startswith("annex") and not heading
            continue
        if not started or current is None:
            continue
        if annex_waiting_title and line.strip():
            current["heading"] = line.strip()
            annex_waiting_title = False
            continue
        current["lines"].append(line)
    if current:
        yield from _finish(key, language, current)


def _parent(number: str) -> str | None:
    return number.rsplit(".", 1)[0] if "." in number else None


def _paragraphs(lines: list[str]) -> list[str]:
    """Lines joined into paragraphs: Chinese without spaces, English with one."""
    paragraphs: list[str] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            if paragraphs and paragraphs[-1]:
                paragraphs.append("")
            continue
        if not paragraphs or not paragraphs[-1] or _BLOCK_START.match(line) or \
                paragraphs[-1][-1] in _SENTENCE_END and _CJK.search(line[:1] or ""):
            paragraphs.append(line)
            continue
        previous = paragraphs[-1]
        if _CJK.search(previous[-1]) or _CJK.search(line[0]) and not previous[-1].isalnum():
            paragraphs[-1] = previous + line
        elif _CJK.search(previous[-1] + line[0]):
            paragraphs[-1] = previous + line
        else:
            paragraphs[-1] = previous + " " + line
    return [p for p in paragraphs if p]


def _finish(key: str, language: str, clause: dict) -> Iterator:
    number, kind = clause["number"], clause["kind"]
    heading = clause["heading"]
    lines = clause["lines"]
    if kind == "entry":  # term lines stand alone; the definition and notes are paragraphs
        kind = "term"
        names, english, used = _term_names([line.strip() for line in lines if line.strip()])
        rest = _paragraphs(_after(lines, used))
        if names:
            yield from _term(key, language, number, names, english, rest)
            heading = names[0]
        paragraphs = ([f"{language_name}: {english}" for language_name in ["en"] if english]
                      + ([f"admitted: {'; '.join(names[1:])}"] if len(names) > 1 else [])
                      + rest)
    else:
        paragraphs = _paragraphs(lines)
    text = "\n".join(paragraphs)
    yield Clause(designation=key, number=number, heading=heading, text=text,
                 kind=kind, order=clause["order"], parent=_parent(number), language=language)
    yield from _citations(key, language, number, text)


def _citations(key: str, language: str, number: str, text: str) -> Iterator:
    """The standards a clause's text cites, found by the mention finder."""
    cited: dict[str, str] = {}
    for mention in mentions.find(text):
        if mention.kind in ("standard", "draft") and mention.canonical and \
                mention.canonical != key:
            cited.setdefault(mention.canonical, mention.as_written)
    for canonical, written in cited.items():  # the store adds the edition's cites relation
        yield Citation(key, number, canonical, written, language)


def _after(lines: list[str], used: int) -> list[str]:
    """The lines after the first ``used`` non-empty ones."""
    seen = 0
    for i, line in enumerate(lines):
        if seen == used:
            return lines[i:]
        if line.strip():
            seen += 1
    return []


def _term_names(lines: list[str]) -> tuple[list[str], str | None, int]:
    """(terms, English equivalent, lines used) at the start of a term entry."""
    names: list[str] = []
    english = None
    used = 0
    for line in lines[:4]:
        if len(line) > 60 or line.endswith(tuple(_SENTENCE_END)) or _BLOCK_START.match(line) \
                or len(line.split()) > 6:
            break
        zh = re.match(r"^([\u3400-\u9fff（）()《》\-—、；;\s]+?)\s+([A-Za-z].*)$", line)
        if zh:
            names += [n.strip() for n in re.split(r"[；;]", zh.group(1)) if n.strip()]
            english = zh.group(2).strip()
            used += 1
            break
        if _CJK.search(line) and names:
            break
        names.append(line.strip())
        used += 1
    return names, english, used


def _term(key: str, language: str, number: str, names: list[str], english: str | None,
          rest: list[str]) -> Iterator[Term]:
    notes = [p for p in rest if re.match(r"^(注\s*\d*\s*[：:]|Note\b|NOTE\b)", p)]
    definition = next((p for p in rest if p not in notes), None)
    deprecated = [n.split(":", 1)[1].strip() for n in names if n.lower().startswith("deprecated:")]
    names = [n for n in names if not n.lower().startswith("deprecated:")]
    yield Term(designation=key, entry=number, language=language, preferred=names[0],
               admitted=tuple(names[1:]), deprecated=tuple(deprecated), definition=definition,
               notes=tuple(notes))
    if english:
        yield Term(designation=key, entry=number, language="en", preferred=english)
