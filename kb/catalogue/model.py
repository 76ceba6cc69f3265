"""Plain records that loaders produce and the store writes.

Loaders parse sources into these dataclasses and never touch SQL; :mod:`kb.catalogue.store` turns
them
into rows.  Designations in records are canonical strings (see :mod:`kb.identifiers.designation`);
``check_date`` validates dates so an impossible date fails in the loader, naming its field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = [
    "Article", "Bulletin", "BulletinMention", "Citation", "Clause", "Term", "Committee",
    "Document", "Edition", "IcsField", "LoadError", "Provenance",
    "Relation", "StageEvent", "Work", "BLOCK_KINDS", "RELATION_TYPES", "ADOPTION_DEGREES",
    "OBSERVED_NOTE", "check_date",
]

#: Relation types between documents (subject <type> object).
RELATION_TYPES = ("replaces", "amends", "corrects", "adopts", "cites")
#: Degrees of correspondence of an adoption.
ADOPTION_DEGREES = ("IDT", "MOD", "NEQ")


#: Note on a stage event dated when a catalogue crawler saw the stage, not when it happened.
OBSERVED_NOTE = "stage seen in the catalogue record on this date (crawler date)"


class LoadError(ValueError):
    """A source cannot be loaded; the message names the file and line or field."""


_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


#: What real files write where they do not know a date (compared folded to lower case).
PLACEHOLDERS = frozenset({
    "n/a", "na", "n.a.", "tbd", "tba", "tbc", "unknown", "none", "null", "nil", "-", "--",
    "—", "?", "0000", "0000-00", "0000-00-00", "00/00/0000", "00.00.0000", "待定", "未知",
    "无", "暂无", "不详",
})


def is_placeholder(value: object) -> bool:
    """Whether a field holds a placeholder for "not known" (``N/A``, ``TBD``, ``0000-00-00``)."""
    return isinstance(value, str) and value.strip().lower() in PLACEHOLDERS


def lenient_date(value: object, where: str = "date") -> tuple[str | None, str | None]:
    """A date as :func:`check_date` reads it, and a placeholder (``N/A``, ``TBD``) as unknown:
    ``(date, warning)``, the warning naming ``where`` when a placeholder was met.

    :raises ValueError: for a malformed or impossible date that is not a placeholder.
    """
    if is_placeholder(value):
        return None, f"{where}: placeholder {str(value).strip()!r} recorded as unknown"
    return check_date(value, where), None


def check_date(value: object, where: str = "date") -> str | None:
    """Return a date as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, or None for empty values.

    :raises ValueError: naming ``where`` for malformed or impossible dates.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return _check_text_date(value, where)
    return _check_date(value, where)


@lru_cache(maxsize=65536)
def _check_text_date(text: str, where: str) -> str | None:
    return _check_date(text, where)


def _check_date(value: object, where: str) -> str | None:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    m = _DATE.match(text)
    if not m:
        raise ValueError(f"{where}: {text!r} is not a date (expected YYYY-MM-DD)")
    year, month, day = m.groups()
    try:
        dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError as error:
        raise ValueError(f"{where}: impossible date {text!r} ({error})") from None
    parts = [year] + [f"{int(x):02d}" for x in (month, day) if x]
    return "-".join(parts)


@dataclass
class Work:
    """A standard across its editions, e.g. ``ISO 19011``."""

    designation: str
    titles: dict[str, str] = field(default_factory=dict)


@dataclass
class Edition:
    """One published or draft document: ``ISO 19011:2018``, ``ISO/DIS 19011``."""

    designation: str
    titles: dict[str, str] = field(default_factory=dict)  # language -> title
    edition: str | None = None
    status: str | None = None  # current, upcoming, draft, abandoned, withdrawn, replaced
    stage: str | None = None  # harmonized code (90.93) or Chinese status (现行)
    published: str | None = None
    effective: str | None = None  # 实施日期, entry into force
    withdrawn: str | None = None
    ics: tuple[str, ...] = ()
    ccs: tuple[str, ...] = ()
    committee: str | None = None
    authority: str | None = None  # 主管部门, the competent department
    drafters: tuple[str, ...] = ()  # 起草单位, the drafting organisations
    scope: str | None = None  # the abstract or scope, as plain text (paragraphs by lines)
    languages: tuple[str, ...] = ()
    pages: int | None = None
    url: str | None = None
    record_source: str | None = None  # the public source this record's facts come from
    project_id: str | None = None  # publisher's project or catalogue id
    note: str | None = None  # a remark on the record (e.g. a doubt about a fact)
    #: fields the source leaves empty on purpose (it knows a value and judges it wrong)
    withheld: tuple[str, ...] = ()


@dataclass
class StageEvent:
    """A dated step in an edition's history: a harmonized code or a Chinese lifecycle step."""

    designation: str
    code: str
    date: str | None
    note: str | None = None


@dataclass
class Relation:
    """``subject`` <type> ``object``; either end may be a document not yet loaded."""

    subject: str
    type: str
    object: str
    degree: str | None = None  # IDT, MOD, NEQ for adoptions
    note: str | None = None


@dataclass
class IcsField:
    """A field of the International Classification for Standards."""

    code: str
    title_en: str | None = None
    title_fr: str | None = None


@dataclass
class Committee:
    """A technical committee or subcommittee, e.g. ``ISO/TC 176/SC 2``."""

    reference: str
    title: str | None = None
    status: str | None = None
    secretariat: str | None = None
    parent: str | None = None


#: Clause kinds that are blocks inside a clause (shown with it, not navigated to).
BLOCK_KINDS = ("note", "example", "table", "figure")


@dataclass
class Clause:
    """A numbered part of an edition's text: clause, annex, term entry, foreword …

    ``number`` is the clause number (``5.4.2``, ``A.1``, ``3.12``) or, for unnumbered parts,
    a name (``foreword``, ``introduction``, ``bibliography``); ``parent`` is its parent's.
    A document that gives the clauses of an edition in a language replaces all of them.
    """

    designation: str
    number: str
    heading: str | None
    text: str
    kind: str  # clause, annex-normative, annex-informative, term, foreword, introduction,
    #            bibliography, or a block: note, example, table, figure (see BLOCK_KINDS)
    order: int
    parent: str | None = None
    language: str = "en"


@dataclass
class Citation:
    """A clause of an edition citing another document, dated (an edition) or undated (the
    work, "latest edition"); ``cited`` is canonical, ``as_written`` as the text has it.
    Citations are part of an edition's text and are replaced with it; the store records the
    edition's ``cites`` relation for each."""

    designation: str
    clause: str
    cited: str
    as_written: str
    language: str = "en"


@dataclass
class Term:
    """A term entry: the preferred term, admitted and deprecated ones, definition, notes."""

    designation: str
    entry: str  # the entry's clause number, e.g. 3.1
    language: str
    preferred: str
    admitted: tuple[str, ...] = ()
    deprecated: tuple[str, ...] = ()
    definition: str | None = None
    notes: tuple[str, ...] = ()
    source: str | None = None


@dataclass
class Provenance:
    """Who says what follows in a document, and when: ``origin`` is whose record it is (a
    publisher's catalogue such as ``ISO``, ``IEC`` or ``SAMR``; ``document`` for a document's
    own metadata), ``said`` the date the source said it (a crawl or export date).  A loader
    yields it before the records it applies to (see :mod:`kb.catalogue.facts` for how they
    weigh)."""

    origin: str | None = None
    said: str | None = None


@dataclass
class LoadWarning:
    """Something a loader forgave in a document (a placeholder date, an element it skipped):
    the store reports it, with the document's name, in the load's warnings."""

    message: str


@dataclass
class Skipped:
    """A document that is not one the knowledge base keeps (an IEC white paper, a trend
    report): a loader yields it as the document's only record, with the reason, and the store
    counts it apart from failures."""

    reason: str


Record = (Provenance | Work | Edition | StageEvent | Relation | IcsField | Committee | Clause
          | Term | Skipped | LoadWarning)


@dataclass
class Document:
    """One source document: its name, content hash and a lazy stream of records.

    ``records`` is called only when the store decides to load the document, so an unchanged
    document is never parsed twice.
    """

    name: str
    sha256: str
    loader: str
    records: Callable[[], Iterable[Record]]
    #: the loader's VERSION: a document already loaded by an older version is loaded again
    loader_version: int = 1


@dataclass
class Bulletin:
    """An issue of a bulletin or a notice: its text after line repair, and its date."""

    id: str
    title: str
    date: str | None
    language: str
    text: str
    path: str


@dataclass
class Article:
    """A part of a bulletin under one heading; ``start``/``end`` index the bulletin's text."""

    bulletin: str
    number: int
    part: str | None
    heading: str
    start: int
    end: int


@dataclass
class BulletinMention:
    """A designation-like string in a bulletin (see :class:`kb.bulletins.mentions.Mention`)."""

    bulletin: str
    start: int
    end: int
    as_written: str
    kind: str
    canonical: str | None
    title: str | None
    note: str | None
    sentence: str


_FRONT = ("foreword", "introduction", "前言", "引言")
_BACK = ("bibliography", "index", "参考文献", "索引")


def clause_key(number: str | None) -> tuple:
    """A clause number's place in a document, for sorting: numbers as numbers (3.2 before
    3.10), annexes (A, A.1) after the numbered clauses, the foreword and introduction before
    them and the bibliography after; a note or example (``4.3 NOTE 2``) just after its clause,
    before its subclauses.  Any string has a key, and keys always compare."""
    text = (number or "").strip()
    head, _, rest = text.partition(" ")
    key: list[tuple[int, int, str]] = []
    for i, part in enumerate(head.split(".")):
        digits = re.match(r"(\d+)(.*)", part)
        if digits:
            key.append((0, int(digits.group(1)), digits.group(2).casefold()))
        elif i == 0 and part.casefold() in _FRONT:
            key.append((-2, _FRONT.index(part.casefold()), ""))
        elif i == 0 and part.casefold() in _BACK:
            key.append((3, _BACK.index(part.casefold()), ""))
        elif len(part) == 1 and part.isalpha():
            key.append((1, 0, part.upper()))  # an annex letter
        else:
            key.append((2, 0, part.casefold()))
    for word in re.findall(r"\d+|[^\s\d]+", rest):  # NOTE 2, EXAMPLE, 注：
        key.append((-1, int(word), "") if word.isdigit() else (-1, 0, word.casefold()))
    return tuple(key)
