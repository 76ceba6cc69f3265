"""Text analysis for search: one reading of clause text and queries, shared by every engine.

Every search engine (:mod:`kb.text.search`) indexes what this module makes of a clause and searches
what it makes of a query, so they find the same clauses:

* **Folding** (:func:`fold`): full-width forms become half-width (NFKC), capitals small,
  Latin diacritics go (as FTS5's ``unicode61`` does), and Traditional Chinese becomes
  Simplified (OpenCC ``t2s``), so 審核 finds 审核 and ＩＳＯ finds ISO.
* **Words** (:func:`index_text`): Latin words as they are; each run of Chinese characters cut
  into words by jieba (``rjieba``, the jieba-rs binding: the same dictionary and cuts as the
  Python jieba, without its 0.9 s dictionary load).
* **Sub-words**: the dictionary words of two and three characters inside longer words
  (审核方案 → 审核, 方案), so a part of a compound ranks above a chance occurrence.
* **Grams**: the character bigrams of every Chinese run, and its last character.  jieba cuts
  by context (in 审核组和受审核方 neither 审核组 nor 受审核方 is a word), so words alone miss
  occurrences; a Chinese query is matched as the phrase of its bigrams, which finds every
  clause whose text contains it, and a one-character query as a prefix of the grams.
* **Terms** (:func:`terms`): what a ranking engine indexes: the words with English ones
  stemmed exactly as FTS5's ``porter`` tokenizer does.

Queries (:func:`parse_query`) are words, ``"quoted phrases"`` and ``prefix*``; everything else
is text: no operators, so a query cannot fail on syntax.  Snippets (:func:`snippet`) are cut
from a hit's own text, with the query's matches marked, the same for every engine.
"""

from __future__ import annotations

import operator
import os
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache

__all__ = ["Analysed", "Part", "Query", "QueryError", "cut", "fold", "grams", "index_text", "kinds",
           "parse_query", "segment", "snippet", "terms", "words"]

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_RUN = re.compile(f"[{_HAN}]+")
#: A run of Chinese characters, or a run of other letters and digits (``_`` separates, as in
#: FTS5's unicode61).
_TOKEN = re.compile(rf"[{_HAN}]+|[^\W_{_HAN}]+")
#: The tokens of :data:`_TOKEN` that are not Chinese (Chinese characters separate them).
_LATIN_TOKEN = re.compile(rf"[^\W_{_HAN}]+")
_QUOTED = re.compile(r'"([^"]*)"?')

#: Distinct words, phrases and Chinese runs one query may hold.
MAX_PARTS = 32
#: Characters of a query read at most.
MAX_QUERY_CHARS = 1000
#: Longer runs of letters and digits are not words (base64, hashes): not indexed.
MAX_WORD = 100


class QueryError(ValueError):
    """A query that cannot be searched; the message says why in one line."""


# --- folding ---------------------------------------------------------------------------------


class _FoldTable(dict):
    """str.translate table that folds a character on first sight: NFKC, lower case, no Latin
    diacritics (a character that folds to nothing or to several keeps its own length)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = unicodedata.normalize("NFKC", char).lower()
        stripped = "".join(c for c in unicodedata.normalize("NFKD", folded)
                           if not unicodedata.combining(c))
        if stripped and stripped.isascii():
            folded = stripped
        if len(folded) != 1:  # ligatures, ① … : keep offsets stable, fold them whole below
            folded = char.lower() if len(char.lower()) == 1 else char
        self[code] = folded
        return folded


_FOLD = _FoldTable()
_ACCENTED = re.compile("[\u00c0-\u024f\u1e00-\u1eff]")


@lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """``text`` folded for matching, the same length as ``text`` (offsets stay valid)."""
    if text.isascii():  # NFKC leaves ASCII as it is
        return text.lower()
    folded = unicodedata.normalize("NFKC", text).lower()
    if len(folded) != len(text):  # a character folded to several or to none
        folded = text.translate(_FOLD)
    elif _ACCENTED.search(folded):
        folded = folded.translate(_FOLD)
    if not folded.isascii() and HAN_RUN.search(folded):
        simplified = _opencc().convert(folded)
        if len(simplified) == len(folded):
            folded = simplified
        else:  # a phrase conversion changed the length: convert character by character
            folded = "".join(_t2s_char(c) for c in folded)
    return folded


@lru_cache(maxsize=65536)
def _t2s_char(char: str) -> str:
    converted = _opencc().convert(char)
    return converted if len(converted) == 1 else char


# --- segmentation ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _jieba():
    import rjieba

    return rjieba


def cut(run: str) -> list[str]:
    """A run of Chinese characters cut into words (jieba)."""
    return _jieba().cut(run)


def segment(text: str) -> list[tuple[str, int, int]]:
    """The words of ``text`` with their spans: (folded word, start, end), Chinese runs cut into
    words by jieba."""
    folded = fold(text or "")
    out: list[tuple[str, int, int]] = []
    for match in _TOKEN.finditer(folded):
        word, start = match.group(), match.start()
        if word[0] >= "\u3400" and HAN_RUN.fullmatch(word):
            for piece in cut(word):
                out.append((piece, start, start + len(piece)))
                start += len(piece)
        else:
            out.append((word, start, match.end()))
    return out


def words(text: str) -> list[str]:
    """The folded words of ``text`` (Chinese cut into words)."""
    return [w for w, _, _ in segment(text)]


def grams(run: str) -> str:
    """The grams of one folded Chinese run, joined by spaces: its bigrams, then its last
    character."""
    if len(run) < 2:
        return run
    return " ".join(map(operator.add, run, run[1:])) + " " + run[-1]


@dataclass(frozen=True)
class Analysed:
    """A clause's heading and text as the indexes take them: each a string of words joined
    by spaces (folded, unstemmed), the heading followed by its grams; ``sub`` the sub-words;
    ``grams`` the character grams of both."""

    heading: str
    text: str
    sub: str
    grams: str
    #: heading and text as index terms, when computed ahead (:meth:`with_terms`)
    stems: tuple[str, str] | None = None

    def with_terms(self) -> Analysed:
        """The same, with the index terms computed now (in a worker, say)."""
        return replace(self, stems=(" ".join(terms(self.heading)), " ".join(terms(self.text))))

    def ranking_fields(self) -> dict[str, str]:
        """What a ranking index takes: heading and text as terms (English stemmed), the
        sub-words and the grams, each a string of terms joined by spaces."""
        heading, text = self.stems or self.with_terms().stems
        return {"heading": heading, "text": text, "sub": self.sub, "grams": self.grams}


def index_text(heading: str | None, text: str | None) -> Analysed:
    """Analyse a clause once for every index (see the module doc)."""
    out: dict[str, str] = {}
    sub: list[str] = []
    all_grams: list[str] = []
    for name, value in (("heading", heading or ""), ("text", text or "")):
        folded = fold(value)
        tokens = _TOKEN.findall(folded)
        if folded.isascii() or not HAN_RUN.search(folded):  # no Chinese: the words as they are
            out[name] = " ".join(tokens if len(max(tokens, key=len, default="")) <= MAX_WORD
                                 else [w for w in tokens if len(w) <= MAX_WORD])
            continue
        pieces: list[str] = []
        first_gram = len(all_grams)
        for word in tokens:
            if word[0] >= "\u3400" and HAN_RUN.fullmatch(word):
                pieces_of_run = cut(word)
                pieces.extend(pieces_of_run)
                all_grams.append(grams(word))
                long = [piece for piece in pieces_of_run if len(piece) > 2]
                if long:
                    whole, known = set(pieces_of_run), _jieba().has_word
                    sub.extend(g for piece in long for n in (2, 3) if len(piece) > n
                               for i in range(len(piece) - n + 1)
                               if (g := piece[i:i + n]) not in whole and known(g))
            elif len(word) <= MAX_WORD:
                pieces.append(word)
        if name == "heading":  # so a Chinese match in the heading weighs as a heading
            pieces.extend(all_grams[first_gram:])
        out[name] = " ".join(pieces)
    return Analysed(out["heading"], out["text"], " ".join(sub), " ".join(all_grams))


def kinds(kind: str | None) -> list[str]:
    """The values a kind filter matches for a clause of ``kind``: the kind and its family
    (``annex-normative`` → ``annex``)."""
    kind = kind or "clause"
    return sorted({kind, kind.split("-")[0]})


# --- terms -----------------------------------------------------------------------------------


class _Stems:
    """English stems exactly as SQLite FTS5's ``porter`` tokenizer makes them (it departs from
    the published algorithm: no stem for words under three letters, ``-logi``, ``-bli``), so
    that the engines outside SQLite index the same terms as FTS5.  SQLite is asked once per
    new word, in bulk, through an in-memory table and ``fts5vocab``; one cache a process."""

    def __init__(self) -> None:
        self.known: dict[str, str] = {}
        self._conn: sqlite3.Connection | None = None
        self._pid = 0

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():  # not shared across a fork
            self._conn = sqlite3.connect(":memory:", check_same_thread=False)
            self._conn.execute("create virtual table w using fts5(x, tokenize = 'porter "
                               "unicode61', detail = 'column')")
            self._conn.execute("create virtual table v using fts5vocab(w, 'instance')")
            self._pid = os.getpid()
        return self._conn

    def learn(self, words: Iterable[str]) -> None:
        """Add the words not yet known: English ones with their stem, the others (Chinese
        words and grams) as themselves, so that a known word costs one lookup."""
        new = [w for w in set(words) if w not in self.known]
        latin = [w for w in new if _LATIN_WORD.fullmatch(w)]
        for word in set(new).difference(latin):
            self.known.setdefault(word, word)
        if not latin:
            return
        with _STEMS_LOCK:
            conn = self._connection()
            conn.executemany("insert into w(rowid, x) values (?, ?)", enumerate(latin, 1))
            for row, stem in conn.execute("select doc, term from v"):
                self.known[latin[row - 1]] = stem
            conn.execute("delete from w")
            for word in latin:  # a word FTS5 does not keep as one token stays as it is
                self.known.setdefault(word, word)


_STEMS = _Stems()
_STEMS_LOCK = threading.Lock()
_LATIN_WORD = re.compile(rf"[^{_HAN}]+")  # every word but the Chinese ones


def terms(joined: str) -> list[str]:
    """The index terms of a string of words (:class:`Analysed` fields): English words
    stemmed as FTS5's porter does, the others as they are."""
    items = joined.split()
    try:
        return list(map(_STEMS.known.__getitem__, items))
    except KeyError:
        _STEMS.learn(items)
        return list(map(_STEMS.known.__getitem__, items))


def term(word: str) -> str:
    """The index term of one folded word."""
    if word not in _STEMS.known:
        _STEMS.learn([word])
    return _STEMS.known[word]


# --- queries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One thing a query asks for; every part must match.

    ``kind`` is ``word`` (one word), ``prefix`` (words that start with ``words[0]``), ``phrase``
    (words in a row) or ``han`` (a run of Chinese characters, matched as a substring: its
    ``grams`` in a row, ranked by its jieba ``words``).
    """

    kind: str
    words: tuple[str, ...]
    grams: tuple[str, ...] = ()

    @property
    def terms(self) -> tuple[str, ...]:
        """The words as index terms (a prefix is stemmed too, as FTS5 stems it)."""
        return tuple(term(w) for w in self.words)


@dataclass(frozen=True)
class Query:
    """A parsed query: the parts every hit matches, and the query as typed."""

    text: str
    parts: tuple[Part, ...] = field(default_factory=tuple)


def _han_part(run: str) -> Part:
    bigrams = grams(run).split()
    if len(run) > 1:
        bigrams = bigrams[:-1]  # the last character is in the last bigram already
    return Part("han", tuple(cut(run)), tuple(bigrams))


def parse_query(text: str) -> Query:
    """Parse a query (see the module doc); :class:`QueryError` if there is nothing to search
    or too much."""
    raw = (text or "").strip()
    if not raw:
        raise QueryError("empty query: give words to search for")
    if len(raw) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(raw):,} characters long; at most "
                         f"{MAX_QUERY_CHARS:,} are searched")
    folded = fold(raw)
    parts: dict[Part, None] = {}  # in order, each once: a word repeated is asked once

    def add(part: Part) -> None:
        parts.setdefault(part, None)
        if len(parts) > MAX_PARTS:
            raise QueryError(f"the query asks for more than {MAX_PARTS} different words or "
                             "phrases; shorten it")

    for match in _QUOTED.finditer(folded):
        tokens = [w for w, _, _ in segment(match.group(1))]
        if len(tokens) == 1:
            run = tokens[0]
            add(_han_part(run) if HAN_RUN.fullmatch(run) else Part("word", (run,)))
        elif tokens:
            if all(HAN_RUN.fullmatch(t) for t in tokens) and HAN_RUN.fullmatch(
                    "".join(tokens)) and "".join(tokens) in match.group(1).replace(" ", ""):
                add(_han_part("".join(tokens)))
            else:
                add(Part("phrase", tuple(tokens)))
    rest = _QUOTED.sub(" ", folded)
    for match in re.finditer(rf"[{_HAN}]+|([^\W_{_HAN}]+)(\*)?", rest):
        word = match.group()
        if HAN_RUN.fullmatch(word):
            add(_han_part(word))
        elif match.group(2):
            add(Part("prefix", (match.group(1),)))
        else:
            add(Part("word", (word,)))
    if not parts:
        raise QueryError(f"nothing to search for in {text.strip()[:40]!r}: give words, "
                         "numbers or Chinese characters")
    return Query(raw, tuple(parts))


# --- snippets --------------------------------------------------------------------------------


def _matches(text: str, query: Query) -> list[tuple[int, int]]:
    """Spans of ``text`` that the query's parts match, sorted."""
    folded = fold(text)
    spans: list[tuple[int, int]] = []
    wanted = {p.terms[0] for p in query.parts if p.kind == "word"}
    prefixes = tuple(p.terms[0] for p in query.parts if p.kind == "prefix")
    phrases = [p.terms for p in query.parts if p.kind == "phrase"]
    if wanted or prefixes or phrases:
        # the stems of every word in bulk (one lookup each); the spans only of the matches
        stems = terms(" ".join(_LATIN_TOKEN.findall(folded)))
        firsts = {phrase[0] for phrase in phrases}
        hits = [i for i, stem in enumerate(stems) if stem in wanted or stem in firsts
                or (prefixes and stem.startswith(prefixes))]
        if hits:
            found = list(_LATIN_TOKEN.finditer(folded))
            for i in hits:
                if stems[i] in wanted or (prefixes and stems[i].startswith(prefixes)):
                    spans.append(found[i].span())
                for phrase in phrases:  # the words of a phrase where they stand in a row
                    if tuple(stems[i:i + len(phrase)]) == phrase:
                        spans.append((found[i].start(), found[i + len(phrase) - 1].end()))
    for part in query.parts:
        if part.kind == "han":
            run = "".join(part.words)
            start = folded.find(run)
            while start >= 0:
                spans.append((start, start + len(run)))
                start = folded.find(run, start + len(run))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


#: Where a sentence ends: a stop (and the closing quotes or brackets after it) then space, or a
#: Chinese stop, which needs no space.
_SENTENCE_END = re.compile(r"[.!?](?:[\"'\u201d\u2019)\]]*)(?=\s)"
                           r"|[。！？；](?:[\u201d\u2019」』）]*)")
_STOPS = ".!?;:。！？；：,，、"


def _paragraphs(text: str) -> str:
    """The text on one line: each line's spaces collapsed, lines joined by a space, or by
    " · " where a line ends without a stop (so two paragraphs never read as one sentence)."""
    lines = [" ".join(line.split()) for line in (text or "").splitlines()]
    out = ""
    for line in filter(None, lines):
        if out:
            out += " " if out[-1] in _STOPS or out[-1] in "\u201d\u2019)）」』" else " · "
        out += line
    return out


def _wide(char: str) -> bool:
    return char > "\u10ff" and _wide_ranges().match(char) is not None


@lru_cache(maxsize=1)
def _wide_ranges() -> re.Pattern:
    """The wide and full-width characters (East Asian Width W or F; the CJK blocks' unassigned
    code points too) as one character class."""
    ranges, start = [], None
    for code in range(0x1100, 0x40000):
        char = chr(code)
        wide = unicodedata.east_asian_width(char) in "WF" and (
            unicodedata.category(char) != "Cn" or 0x3400 <= code <= 0x9fff or code >= 0x20000)
        if wide and start is None:
            start = code
        elif not wide and start is not None:
            ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(code - 1))}")
            start = None
    if start is not None:
        ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(0x3ffff))}")
    return re.compile("[" + "".join(ranges) + "]")


def _width(text: str) -> int:
    """Display width: wide (Chinese) characters count double."""
    return len(text) if text.isascii() else len(text) + len(_wide_ranges().findall(text))


def _latin(char: str) -> bool:
    return char.isalnum() and not _wide(char)


def _boundary(text: str, at: int) -> bool:
    """Whether a cut at ``at`` is between words (Latin) or characters (Chinese) and never
    inside a combining sequence or a surrogate pair."""
    if at <= 0 or at >= len(text):
        return True
    after, before = text[at], text[at - 1]
    if (unicodedata.combining(after) or after in "\u200d\ufe0e\ufe0f"
            or "\ufe00" <= after <= "\ufe0f" or before == "\u200d"
            or "\udc00" <= after <= "\udfff"):
        return False
    return not (_latin(before) and _latin(after))


def _snap(text: str, at: int, back: bool = True) -> int:
    """The nearest word or character boundary at or before ``at`` (after, if ``back`` is
    false or there is none within 30 characters before)."""
    at = max(0, min(len(text), at))
    for step in range(0, 31):
        if back and _boundary(text, at - step):
            return at - step
    while not _boundary(text, at):
        at += 1
    return at


def _sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of one-line ``text``, each with its stop, spaces left out."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.end()))
        start = match.end()
        while start < len(text) and text[start] == " ":
            start += 1
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if e > s]


def _fit(text: str, budget: int, start: int, end: int) -> int:
    """The furthest end in ``text[start:end]`` on a boundary within ``budget`` columns."""
    width, at = 0, start
    while at < end:  # n characters are at most 2n columns: take half of what is left at once
        step = min((budget - width) // 2, end - at)
        if step <= 0:
            break
        width += _width(text[at:at + step])
        at += step
    while at < end:  # the last column or two, a character at a time
        width += 2 if _wide(text[at]) else 1
        if width > budget:
            break
        at += 1
    return at if at == end else _snap(text, at)


def snippet(text: str, query: Query, marks: tuple[str, str], width: int = 160) -> str:
    """A piece of ``text`` around the query's matches, at most ``width`` columns (Chinese
    counts double), each match between ``marks``; the start of the text if nothing matches.

    The sentence that holds the most matches is kept whole where it fits, with the sentences
    after (then before) it that fit whole too; a longer one is cut around its matches.  Cuts
    fall between words (English) or characters (Chinese), never inside a combining sequence;
    a cut is shown by "…"."""
    text = _paragraphs(text)
    spans = _matches(text, query)
    if _width(text) <= width:
        start, end = 0, len(text)
    elif not spans:
        start, end = 0, _fit(text, width, 0, len(text))
    else:
        sentences = _sentences(text)
        # the sentence with the most matches (the first of equals)
        counts = [sum(1 for s, e in spans if s < e_ and e > s_) for s_, e_ in sentences]
        best = max(range(len(sentences)), key=lambda i: (counts[i], -i))
        start, end = sentences[best]
        if _width(text[start:end]) <= width:
            # whole sentences after it, then before it, while they fit
            used = _width(text[start:end])
            for _, e_ in sentences[best + 1:]:
                if used + 1 + _width(text[end:e_]) > width:
                    break
                used += _width(text[end:e_])
                end = e_
            for s_, _ in reversed(sentences[:best]):
                if used + _width(text[s_:start]) > width:
                    break
                used += _width(text[s_:start])
                start = s_
        else:  # cut inside the sentence, around its first match
            first = next(s for s, e in spans if s < end and e > start)
            lead = min(first - start, _fit_back(text, width // 5, first, start))
            start = _snap(text, first - lead)
            end = _fit(text, width - 2, start, end)
    out, at = [], start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out += [text[at:s], marks[0], text[s:e], marks[1]]
        at = e
    out.append(text[at:end])
    body = "".join(out).strip()
    if end < len(text):  # no opening bracket or dash left hanging before the cut
        body = body.rstrip(" ([{（「『“‘—–-·,，、")
    return ("… " if start else "") + body + (" …" if end < len(text) else "")


def _fit_back(text: str, budget: int, at: int, floor: int) -> int:
    """How many characters before ``at`` (not before ``floor``) fill ``budget`` columns."""
    width, count = 0, 0
    while at - count > floor:
        width += 2 if _wide(text[at - count - 1]) else 1
        if width > budget:
            break
        count += 1
    return count
