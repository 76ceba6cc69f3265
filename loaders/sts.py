"""NISO STS and ISO STS XML: edition metadata, the clause tree, terms and citations.

The file is streamed with ``lxml.etree.iterparse`` and a parser that loads no DTD, resolves no
external entity and reaches no network; text entities the document declares itself are
expanded within the bounds of :mod:`loaders.bounds`.  Metadata (``<iso-meta>``,
``<std-meta>``, ``<nat-meta>``, ``<reg-meta>``) becomes an :class:`Edition`; each ``<sec>``,
``<app>``, ``<term-sec>`` and ``<ref-list>`` becomes a :class:`Clause` (number, heading, its
own text, kind, order, parent), and its notes, examples, tables and figures clauses of those
kinds under it; TBX term entries become :class:`Term` records; every ``<std>`` citation
becomes a ``cites`` relation of the edition and a :class:`Citation` of the clause that makes
it.  An element outside the STS tag set is read as text only and counted in a warning.  XML
handling stays in this module's small functions; the records it yields are plain.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from kb.catalogue.model import (
    Citation,
    Clause,
    Document,
    Edition,
    LoadError,
    LoadWarning,
    Provenance,
    Relation,
    Term,
    lenient_date,
)
from kb.identifiers.designation import DesignationError, parse
from loaders import bounds, sts_vocabulary

#: 2: notes, examples, tables and figures as clauses; citations table
VERSION = 2
NAME = "sts"
TBX = "urn:iso:std:iso:30042:ed-1"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_CLAUSES = ("sec", "app", "term-sec", "ref-list")
_NESTED = {"sec", "app", "app-group", "term-sec", "label", "title"}
#: Blocks inside a clause that become clauses of their own kind, children of the clause.
_BLOCKS = {"non-normative-note": "note", "non-normative-example": "example",
           "table-wrap": "table", "fig": "figure"}
_ORDER = "{urn:x-kb}order"  # document order of a block, set on the element at its start
_META = ("nat-meta", "reg-meta", "iso-meta", "std-meta")
_SPACE = re.compile(r"\s+")


def accepts(path: Path, head: bytes) -> bool:
    return path.suffix == ".xml" and (b"<standard" in head or any(
        f"<{m}".encode() in head for m in _META))


def documents(path: Path, designation: str | None = None) -> Iterator[Document]:
    """The document of one STS file; ``designation`` (from ``kb load --designation``) names
    its edition instead of the one in its metadata, or where the metadata has none."""
    data = path.read_bytes()
    digest = hashlib.sha256(data + (designation or "").encode()).hexdigest()
    yield Document(name=str(path), sha256=digest, loader=NAME,
                   records=lambda: records(path, designation))


def _text(element) -> str:
    """Readable text of an element: inline markup kept, whitespace collapsed."""
    return _SPACE.sub(" ", "".join(element.itertext())).strip() if element is not None else ""


def records(path: Path, designation: str | None = None) -> Iterator:
    """Records of one STS document, streamed (``designation`` overrides the metadata's)."""
    state = _State()
    yield Provenance("document")
    if designation:
        try:
            state.edition = state.given = parse(designation).edition.canonical
        except DesignationError as error:
            raise LoadError(f"--designation: {error}") from None
        yield Edition(designation=state.edition, record_source="STS XML")
    forgiven: list[str] = []  # undeclared namespace prefixes (tbx:term without xmlns:tbx)
    for event, element in bounds.iterparse(str(path), warnings=forgiven):
        name = bounds.local_name(element.tag)
        if event == "start":
            tag = element.tag
            if isinstance(tag, str) and not sts_vocabulary.known(tag):
                state.unknown[tag] += 1
            elif isinstance(tag, str) and tag.startswith("tbx:"):  # prefix undeclared
                element.tag = f"{{{TBX}}}{tag[4:]}"
            if name in _CLAUSES and not (name == "ref-list" and state.stack):
                state.order += 1
                state.stack.append([element, state.order, None])
            elif name in _BLOCKS and state.stack:
                state.order += 1
                element.set(_ORDER, str(state.order))
            continue
        if name in _META and not state.meta:
            yield from state.metadata(name, element)
        elif name == "std":
            state.cite(element)
        elif name in _CLAUSES and state.stack and state.stack[-1][0] is element:
            yield from state.clause(name, element)
            element.clear(keep_tail=True)
    for warning in forgiven:
        yield LoadWarning(warning)
    if state.edition is None:
        raise LoadError("no <iso-meta>, <std-meta>, <nat-meta> or <reg-meta> with a designation "
                        "(name the edition with --designation)")
    yield from state.citations()
    if state.unknown:
        yield LoadWarning(
            f"{sum(state.unknown.values()):,} elements outside the STS tag set read as text "
            "only: " + ", ".join(f"<{tag}> ×{n}" for tag, n in state.unknown.most_common(5))
            + (" …" if len(state.unknown) > 5 else ""))


class _State:
    """What the stream has seen so far: the edition, open clauses, citations."""

    def __init__(self) -> None:
        self.edition: str | None = None
        self.given: str | None = None  # the designation named on the command line
        self.meta = False  # the edition's metadata has been read
        self.language = "en"
        self.order = 0
        self.stack: list[list] = []  # [element, order, number once known] of open clauses
        self.cited: dict[str, dict[str, str]] = {}  # cited -> {clause: as written}
        self.numbers: set[str] = set()
        self.unknown: Counter[str] = Counter()  # elements outside the STS tag set

    # metadata -------------------------------------------------------------------------------
    def metadata(self, name: str, meta) -> Iterator:
        written = _std_ref(meta)
        if not written and not self.given:
            return
        try:
            designation = self.given or parse(written).edition.canonical
        except DesignationError as error:
            if name in ("nat-meta", "reg-meta"):  # keep to the international identity
                return
            raise LoadError(f"<{name}>/<std-ref>: {error} (name the edition with "
                            "--designation)") from None
        self.meta = True
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
        release = meta.find("release-date")
        where = f"line {release.sourceline}: <release-date>" if release is not None else ""
        try:
            published, forgiven = lenient_date(_text(release) or None, where)
        except ValueError as error:
            raise LoadError(f"<{name}>: {error}") from None
        if forgiven:
            yield LoadWarning(forgiven)
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
            frame[2] = _number(bounds.local_name(frame[0].tag), frame[0], frame[1])
        return frame[2]

    def clause(self, name: str, element) -> Iterator:
        frame = self.stack[-1]
        number = self.number(frame)
        self.stack.pop()
        order = frame[1]
        parent = self.number(self.stack[-1]) if self.stack else None
        if self.edition is None:
            raise LoadError(f"<{name}> before the document's metadata (name the edition with "
                            "--designation)")
        self.numbers.add(number)
        yield from self.blocks(element, number)
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

    def blocks(self, element, parent: str) -> Iterator[Clause]:
        """Notes, examples, tables and figures of a clause (not of its subclauses), as
        clauses of their own kind; they are taken out of the clause's own text."""
        for block in list(element.iter(*(f"{{*}}{b}" for b in _BLOCKS))):
            if _container(block) is not element:
                continue
            kind = _BLOCKS[bounds.local_name(block.tag)]
            label = _text(block.find("label"))
            caption = block.find("caption")
            heading = _text(caption.find("title")) if caption is not None else ""
            if kind in ("note", "example"):
                number = f"{parent} {label or kind.upper()}"
                parts = [c for c in block if bounds.local_name(c.tag) not in ("label", "caption")]
                text = "\n".join(filter(None, (_block_text(c) for c in parts)))
            else:
                if label and not re.match(r"[^\W\d]{2,}", label):  # "A.1" → "Figure A.1"
                    label = f"{kind.capitalize()} {label}"
                number = label or f"{parent} {kind}"
                extra = [_text(p) for p in caption.findall("p")] if caption is not None else []
                rows = [" | ".join(_text(cell) for cell in row if isinstance(cell.tag, str))
                        for row in block.iter("{*}tr")]
                text = "\n".join(filter(None, extra + rows))
            number = self._unique(number)
            yield Clause(designation=self.edition, number=number, heading=heading or None,
                         text=text, kind=kind, order=int(block.get(_ORDER) or self.order),
                         parent=parent, language=self.language)
            _detach(block)

    def _unique(self, number: str) -> str:
        base, n = number, 1
        while number in self.numbers:
            n += 1
            number = f"{base} ({n})"
        self.numbers.add(number)
        return number

    # citations ------------------------------------------------------------------------------
    def cite(self, element) -> None:
        written = _text(element.find("std-ref")) or _text(element)
        written = written.split(",")[0].strip()
        try:
            cited = parse(written).edition.canonical
        except DesignationError:
            return  # not a designation the knowledge base can link (kept in the clause text)
        where = self.number(self.stack[-1]) if self.stack else ""
        self.cited.setdefault(cited, {}).setdefault(where, written)

    def citations(self) -> Iterator[Relation | Citation]:
        for cited, places in self.cited.items():
            if cited == self.edition:
                continue
            if not any(places):  # cited outside every clause: the edition cites it
                yield Relation(self.edition, "cites", cited)
            for clause, written in places.items():
                if clause:  # the store records the edition's cites relation too
                    yield Citation(self.edition, clause, cited, written, self.language)


def _container(block):
    """The nearest enclosing clause or block of a block element."""
    parent = block.getparent()
    while parent is not None and bounds.local_name(parent.tag) not in (*_CLAUSES, *_BLOCKS):
        parent = parent.getparent()
    return parent


def _detach(element) -> None:
    """Take an element out of the tree, keeping the text that follows it."""
    parent, tail = element.getparent(), element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


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
        if bounds.local_name(child.tag) in _NESTED or not isinstance(child.tag, str):
            continue
        text = _block_text(child)
        if text:
            blocks.append(text)
    return "\n".join(blocks)


def _block_text(element) -> str:
    """A block's text; a list gives one line per item, its label and text apart."""
    if bounds.local_name(element.tag) != "list":
        return _text(element)
    items = []
    for item in element:
        if bounds.local_name(item.tag) == "list-item":
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
