"""NISO STS and ISO STS XML: edition metadata, the clause tree, terms and citations.

The file is streamed with ``lxml.etree.iterparse`` and a parser that loads no DTD, resolves
no entities and reaches no network.  Metadata (``<iso-meta>``, ``<std-meta>``, ``<nat-meta>``,
``<reg-meta>``) becomes an :class:`Edition`; each ``<sec>``, ``<app>``, ``<term-sec>`` and
``<ref-list>`` becomes a :class:`Clause` (number, heading, its own text, kind, order,
parent); TBX term entries become :class:`Term` records; every ``<std>`` citation becomes a
``cites`` relation naming the clauses that cite it.  XML handling stays in this module's
small functions; the records it yields are plain.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from kb.designation import DesignationError, parse
from kb.model import Clause, Document, Edition, LoadError, Relation, Term, check_date

NAME = "sts"
TBX = "urn:iso:std:iso:30042:ed-1"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_CLAUSES = ("sec", "app", "term-sec", "ref-list")
_NESTED = {"sec", "app", "app-group", "term-sec", "label", "title"}
_META = ("nat-meta", "reg-meta", "iso-meta", "std-meta")
_SPACE = re.compile(r"\s+")


def accepts(path: Path, head: bytes) -> bool:
    return path.suffix == ".xml" and (b"<standard" in head or any(
        f"<{m}".encode() in head for m in _META))


def documents(path: Path) -> Iterator[Document]:
    data = path.read_bytes()
    yield Document(name=str(path), sha256=hashlib.sha256(data).hexdigest(), loader=NAME,
                   records=lambda: records(path))


def _text(element) -> str:
    """Readable text of an element: inline markup kept, whitespace collapsed."""
    return _SPACE.sub(" ", "".join(element.itertext())).strip() if element is not None else ""


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def records(path: Path) -> Iterator:
    """Records of one STS document, streamed."""
    state = _State()
    try:
        for event, element in etree.iterparse(
            str(path), events=("start", "end"), resolve_entities=False, no_network=True,
            load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True,
        ):
            name = _local(element.tag)
            if event == "start":
                if name in _CLAUSES and not (name == "ref-list" and state.stack):
                    state.order += 1
                    state.stack.append([element, state.order, None])
                continue
            if name in _META and state.edition is None:
                yield from state.metadata(name, element)
            elif name == "std":
                state.cite(element)
            elif name in _CLAUSES and state.stack and state.stack[-1][0] is element:
                yield from state.clause(name, element)
                element.clear(keep_tail=True)
    except etree.XMLSyntaxError as error:
        raise LoadError(f"line {error.lineno}: malformed XML: {error.msg}") from None
    if state.edition is None:
        raise LoadError("no <iso-meta>, <std-meta>, <nat-meta> or <reg-meta> with a designation")
    yield from state.citations()


class _State:
    """What the stream has seen so far: the edition, open clauses, citations."""

    def __init__(self) -> None:
        self.edition: str | None = None
        self.language = "en"
        self.order = 0
        self.stack: list[list] = []  # [element, order, number once known] of open clauses
        self.cited: dict[str, list[str]] = {}

    # metadata -------------------------------------------------------------------------------
    def metadata(self, name: str, meta) -> Iterator:
        written = _std_ref(meta)
        if not written:
            return
        try:
            designation = parse(written).edition.canonical
        except DesignationError as error:
            if name in ("nat-meta", "reg-meta"):  # keep to the international identity
                return
            raise LoadError(f"<{name}>/<std-ref>: {error}") from None
        self.edition = designation
        self.language = _text(meta.find("content-language")) or _text(
            meta.find("doc-ident/language")) or "en"
        titles = {}
        for wrap in meta.findall("title-wrap"):
            lang = wrap.get(XML_LANG) or self.language
            full = _text(wrap.find("full")) or " — ".join(
                _text(wrap.find(p)) for p in ("intro", "main", "compl") if _text(wrap.find(p)))
            if full:
                titles[lang] = full
        try:
            published = check_date(_text(meta.find("release-date")) or None, "release-date")
        except ValueError as error:
            raise LoadError(f"<{name}>: {error}") from None
        yield Edition(
            designation=designation, titles=titles,
            edition=_text(meta.find("std-ident/edition")) or None, published=published,
            ics=tuple(_text(i) for i in meta.findall("ics") if _text(i)),
            committee=_text(meta.find("comm-ref")) or None, languages=(self.language,),
            record_source="STS XML",
        )

    # clauses --------------------------------------------------------------------------------
    def number(self, frame: list) -> str:
        """The number of an open clause, fixed once its label has been read."""
        if frame[2] is None:
            frame[2] = _number(_local(frame[0].tag), frame[0], frame[1])
        return frame[2]

    def clause(self, name: str, element) -> Iterator:
        frame = self.stack[-1]
        number = self.number(frame)
        self.stack.pop()
        order = frame[1]
        parent = self.number(self.stack[-1]) if self.stack else None
        if self.edition is None:
            raise LoadError(f"<{name}> before the document's metadata")
        text = _own_text(element)
        if name == "term-sec":
            terms = list(_term(self.edition, number, element))
            yield from terms
            own = [t for t in terms if t.language == self.language] or terms
            heading = own[0].preferred if own else None
            if terms:
                text = _term_text(own[0], [t for t in terms if t is not own[0]])
        else:
            heading = _text(element.find("title")) or None
        yield Clause(
            designation=self.edition, number=number, heading=heading, text=text,
            kind=_kind(name, element), order=order, parent=parent, language=self.language,
        )

    # citations ------------------------------------------------------------------------------
    def cite(self, element) -> None:
        written = _text(element.find("std-ref")) or _text(element)
        written = written.split(",")[0].strip()
        try:
            cited = parse(written).edition.canonical
        except DesignationError:
            return  # not a designation the knowledge base can link (kept in the clause text)
        where = self.number(self.stack[-1]) if self.stack else ""
        places = self.cited.setdefault(cited, [])
        if where and where not in places:
            places.append(where)

    def citations(self) -> Iterator[Relation]:
        for cited, places in self.cited.items():
            if cited == self.edition:
                continue
            note = f"cited in {', '.join(places)}" if places else None
            yield Relation(self.edition, "cites", cited, note=note)


def _std_ref(meta) -> str:
    for ref in meta.findall("std-ref"):
        if ref.get("type") == "dated" and _text(ref):
            return _text(ref)
    for ref in meta.findall("std-ref"):
        if _text(ref):
            return _text(ref)
    return _text(meta.find("doc-ref"))


_SLUGS = {"foreword": "foreword", "intro": "introduction", "bibl": "bibliography"}


def _number(name: str, element, order: int) -> str:
    label = _text(element.find("label"))
    if label:
        label = re.sub(r"^(Annex|Anhang|Annexe|附录)\s*", "", label).strip()
        return label
    kind = element.get("sec-type") or element.get("content-type") or ""
    if kind in _SLUGS:
        return _SLUGS[kind]
    title = _text(element.find("title")).lower()
    if title:
        return re.sub(r"[^\w]+", "-", title).strip("-")[:60]
    return element.get("id") or f"{name}-{order}"


def _kind(name: str, element) -> str:
    if name == "term-sec":
        return "term"
    if name == "ref-list":
        return "bibliography"
    if name == "app":
        marker = " ".join(filter(None, (element.get("content-type"), _text(
            element.find("annex-type")), _text(element.find("title")))))
        return "annex-informative" if "inform" in marker.lower() else "annex-normative"
    sec_type = element.get("sec-type") or ""
    return {"foreword": "foreword", "intro": "introduction"}.get(sec_type, "clause")


def _own_text(element) -> str:
    """The clause's own text, without its sub-clauses, one block per paragraph."""
    blocks = []
    for child in element:
        if _local(child.tag) in _NESTED or not isinstance(child.tag, str):
            continue
        text = _block_text(child)
        if text:
            blocks.append(text)
    return "\n".join(blocks)


def _block_text(element) -> str:
    """A block's text; a list gives one line per item, its label and text apart."""
    if _local(element.tag) != "list":
        return _text(element)
    items = []
    for item in element:
        if _local(item.tag) == "list-item":
            parts = [_block_text(part) for part in item if isinstance(part.tag, str)]
            items.append(" ".join(p for p in parts if p))
    return "\n".join(i for i in items if i) or _text(element)


def _term_text(term: Term, others: list[Term]) -> str:
    """A term entry as clause text: admitted terms, definition, notes, source, equivalents."""
    lines = [f"admitted: {'; '.join(term.admitted)}"] if term.admitted else []
    lines += [term.definition] if term.definition else []
    lines += [f"deprecated: {'; '.join(term.deprecated)}"] if term.deprecated else []
    lines += list(term.notes)
    lines += [f"[SOURCE: {term.source}]"] if term.source else []
    lines += [f"{other.language}: {other.preferred}" for other in others]
    return "\n".join(lines)


def _term(designation: str, number: str, element) -> Iterator[Term]:
    for entry in element.iter(f"{{{TBX}}}termEntry"):
        for lang_set in entry.findall(f"{{{TBX}}}langSet"):
            language = lang_set.get(XML_LANG) or "en"
            preferred, admitted, deprecated = [], [], []
            for tig in lang_set.iter(f"{{{TBX}}}tig"):
                term = _text(tig.find(f"{{{TBX}}}term"))
                status = ""
                for note in tig.findall(f"{{{TBX}}}normativeAuthorization"):
                    status = note.get("value") or _text(note)
                for note in tig.findall(f"{{{TBX}}}termNote"):
                    if note.get("type") == "normativeAuthorization":
                        status = _text(note)
                if not term:
                    continue
                if "deprecated" in status:
                    deprecated.append(term)
                elif "admitted" in status or (preferred and "preferred" not in status):
                    admitted.append(term)
                else:
                    preferred.append(term)
            if not preferred and not admitted:
                continue
            first = (preferred or admitted)[0]
            yield Term(
                designation=designation, entry=number, language=language, preferred=first,
                admitted=tuple(t for t in preferred[1:] + admitted if t != first),
                deprecated=tuple(deprecated),
                definition=_text(lang_set.find(f"{{{TBX}}}definition")) or None,
                notes=tuple(_text(n) for n in lang_set.iter(f"{{{TBX}}}note") if _text(n)),
                source=_text(lang_set.find(f"{{{TBX}}}source")) or None,
            )
