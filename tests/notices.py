"""Scoring the mention finder against the hand-annotated notices (tests/fixtures/notices/).

A gold mention is found when the finder reports a mention that overlaps its span and names the
same document (the same canonical form; committees and government documents by span alone).
A reported mention is correct when it is such a match; anything else it reports is a false hit.
Used by ``tests/test_notices.py`` and ``benchmarks/mentions_accuracy.py``.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kb.bulletins import citations, mentions
from kb.identifiers.designation import DesignationError, normalize, parse

NOTICES = Path(__file__).parent / "fixtures" / "notices"
#: Kinds named by their span alone (their canonical form is the text as written).
BY_SPAN = ("committee", "government-document")


@dataclass
class Score:
    """Counts per class (the gold kind for recall, the reported kind for precision)."""

    gold: Counter = field(default_factory=Counter)
    found: Counter = field(default_factory=Counter)
    reported: Counter = field(default_factory=Counter)
    correct: Counter = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)
    false_hits: list[str] = field(default_factory=list)

    def recall(self, kind: str | None = None) -> float:
        gold = self.gold[kind] if kind else sum(self.gold.values())
        found = self.found[kind] if kind else sum(self.found.values())
        return found / gold if gold else 1.0

    def precision(self, kind: str | None = None) -> float:
        reported = self.reported[kind] if kind else sum(self.reported.values())
        correct = self.correct[kind] if kind else sum(self.correct.values())
        return correct / reported if reported else 1.0


def _same(a: str | None, b: str | None) -> bool:
    if a == b:
        return True
    try:
        return a is not None and b is not None and normalize(a) == normalize(b)
    except DesignationError:
        return False


@dataclass
class _Resolved:
    """A reported mention and the edition the knowledge base resolves it to."""

    mention: mentions.Mention
    resolved: str | None

    def __getattr__(self, name: str):
        return getattr(self.mention, name)

    @property
    def names(self) -> tuple[str | None, ...]:
        return (self.mention.canonical, self.resolved)


def _resolved(conn: sqlite3.Connection | None, mention: mentions.Mention) -> str | None:
    if conn is None or mention.kind not in ("standard", "draft"):
        return None
    return citations.resolve_citation(conn, mention.canonical, mention.kind)["resolved"]


def gold(name: str) -> tuple[str, list[tuple[int, int, dict]]]:
    """A notice's text and its annotations with their spans."""
    text = (NOTICES / f"{name}.txt").read_text(encoding="utf-8")
    spans, position = [], 0
    for entry in json.loads((NOTICES / f"{name}.ann.json").read_text(encoding="utf-8")):
        start = text.index(entry["text"], position)
        spans.append((start, start + len(entry["text"]), entry))
        position = start + len(entry["text"])
    return text, spans


_BARE = re.compile(r"^(?:\d|(?:MD|GD|ID|PL|CC|CL|RC|GL|WG|TC|SC)\s*\d)")
_YEAR = re.compile(r"(?:19|20)\d\d")


def construction(written: str, kind: str, canonical: str | None) -> str:
    """The class of construction a mention is written in (for recall and precision by class):
    committees, government documents, drafts, bare numbers or codes read from context,
    accreditation and other bodies' documents, amendments, an edition year written apart
    from the number, Chinese standards, or ISO/IEC designations dated or undated."""
    if kind in ("committee", "government-document", "draft"):
        return kind
    if _BARE.match(written):
        return "bare number or code"
    try:
        designation = parse(canonical or written)
    except DesignationError:
        return "not a designation"
    if designation.scheme in ("other", "ilac", "cnas", "cnca", "adoption"):
        return "accreditation and other bodies"
    if designation.supplements:
        return "amendment or corrigendum"
    if designation.year and str(designation.year) not in written and _YEAR.search(written) \
            is None:
        return "edition year written apart"
    if designation.scheme.startswith("cn-"):
        return "Chinese national or sector"
    return "ISO/IEC dated" if designation.year else "ISO/IEC undated"


def score(names: list[str] | None = None, conn: sqlite3.Connection | None = None,
          by: str = "kind") -> Score:
    """Score the finder over the notices (all of them by default).

    :param conn: a knowledge base: a mention also names the edition the bulletin page resolves
        it to there (``ISO 14001/Amd 1:2024`` is ISO 14001:2015/Amd 1:2024), as editors see it.
    :param by: count by ``kind`` or by ``construction`` (see :func:`construction`).
    """
    def key(written: str, kind: str, canonical: str | None) -> str:
        return kind if by == "kind" else construction(written, kind, canonical)

    result = Score()
    for name in names or sorted(p.name.removesuffix(".ann.json")
                                for p in NOTICES.glob("*.ann.json")):
        text, spans = gold(name)
        found = [_Resolved(m, _resolved(conn, m)) for m in mentions.find(text)]
        matched: set[int] = set()
        for start, end, entry in spans:
            kind = entry["kind"]
            cls = key(entry["text"], kind, entry["canonical"])
            result.gold[cls] += 1
            hit = next((i for i, m in enumerate(found) if i not in matched
                        and m.start < end and start < m.end
                        and (kind in BY_SPAN and m.kind == kind
                             or kind not in BY_SPAN and any(
                                 _same(c, entry["canonical"]) for c in m.names))),
                       None)
            if hit is None:
                result.misses.append(f"{name}: {entry['text']!r} ({kind}, "
                                     f"{entry['canonical']})")
                continue
            matched.add(hit)
            result.found[cls] += 1
        for i, m in enumerate(found):
            cls = key(m.as_written, m.kind, m.canonical)
            result.reported[cls] += 1
            if i in matched:
                result.correct[cls] += 1
            else:
                result.false_hits.append(f"{name}: {m.as_written!r} ({m.kind}, {m.canonical})")
    return result
