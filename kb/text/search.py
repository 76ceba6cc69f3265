"""Full-text search over clause text, in English and Chinese: the one door to every engine.

Three engines index the same analysis of each clause (:mod:`kb.text.analysis`: folding, jieba
words, sub-words, character grams) and answer the same parsed query, so they find the same
clauses; they differ in where they live and how fast they rank:

* ``tantivy`` (:mod:`kb.text.search_tantivy`), the default of ``kb search`` and the pages: a
  folder beside the database; exact top k (block-max WAND) in milliseconds at a million
  clauses.
* ``fts`` (:mod:`kb.text.search_fts`): SQLite FTS5 inside the database, for Datasette's
  ``?_search=`` and SQL users; exact ``ORDER BY rank``, slow on very common words.
* ``whoosh`` (:mod:`kb.text.search_whoosh`): the original design's engine, built on request.

Nothing is sampled: every engine ranks every match and says how many there are
(:class:`Results`).  Snippets are cut from each hit's own text (:func:`kb.text.analysis.snippet`).

**As an expert reads it.**  The same clause (work, language, number) in several editions is
one hit, the newest edition's, with ``also_in`` (:func:`_collapse`: exact, at a cost
proportional to the matches among works with several editions carrying text); after every
direct hit come the clauses of the other language found through the knowledge base's
bilingual terms and adoptions, with ``via`` (:func:`_cross`).  Titles of works and editions
are indexed folded (:func:`find_titles`) so that a title finds its standard.

**Staying in step.**  The transaction that writes the clauses analyses them and writes the
rows FTS5 will hold to its pending table (:func:`index_texts`, called by the store; terms go
to ``terms_fts`` at once), and appends the texts it changed to ``search_log``; FTS5 takes the
pending rows after the commit (:func:`drain_fts`, run by the command that loaded, in
transactions of its own), and while any are left every FTS5 answer is refused in one line
(:func:`kb.text.search_fts.behind_line`) rather than given without them.  Each folder index
records the database state it reflects (the ``search_epoch`` of its last full build and the
last ``search_log`` generation applied) in ``kb-state.json``; :func:`sync`, run after every
load and before every search, applies the texts logged since, reading their analysis from the
FTS5 table or its pending rows instead of segmenting again.  So a kill between the commit and
the folder update is repaired by the next command, for just
the texts it missed; a load that is refused changes nothing at all.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import sqlite3
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kb.text import analysis, search_fts, search_tantivy
from kb.text.analysis import QueryError
from kb.text.search_tantivy import Ranking
from kb.text.search_whoosh import Whoosh

__all__ = ["DEFAULT_ENGINE", "ENGINES", "MARK_END", "MARK_START", "WEIGHTS", "QueryError",
           "Results", "SearchError", "drain_fts", "engine_filters", "equivalent", "find_titles",
           "index_texts", "move_indexes", "rebuild", "search", "sync", "sync_titles",
           "title_key"]

#: Engines behind :func:`search`, the default first.
ENGINES = ("tantivy", "fts", "whoosh")
DEFAULT_ENGINE = "tantivy"
#: Weight of a match in each indexed part of a clause, the same in every engine.
WEIGHTS = {"heading": 3.0, "text": 1.0, "sub": 0.5, "grams": 0.25, "scope": 0.0}
MARK_START, MARK_END = "[", "]"
_FOLDERS = {"tantivy": Ranking, "whoosh": Whoosh}
#: The schema version of each folder engine; a folder of another version is built again.
_SCHEMAS = {"tantivy": search_tantivy.SCHEMA, "whoosh": 1}
_STATE = "kb-state.json"


class SearchError(RuntimeError):
    """Search cannot run (no index yet …); the message says what to do in one line."""


@dataclass
class Results:
    """One page of hits: ``total`` clauses match (``direct`` of them by their own text,
    ``cross`` in the other language through a term or an adoption); ``hits`` are those from
    ``offset`` on, each edition-collapsed (``also_in``) and, for a cross-lingual one, with
    ``via``."""

    query: str
    engine: str
    total: int
    offset: int
    hits: list[dict] = field(default_factory=list)
    direct: int | None = None
    cross: int = 0

    def __post_init__(self) -> None:
        if self.direct is None:
            self.direct = self.total - self.cross

    def as_dict(self) -> dict:
        return {"query": self.query, "engine": self.engine, "total": self.total,
                "direct": self.direct, "cross": self.cross, "offset": self.offset,
                "hits": self.hits}


# --- searching -------------------------------------------------------------------------------


def search(
    conn: sqlite3.Connection, query: str, limit: int = 20, standard: str | None = None,
    language: str | None = None, kind: str | None = None, engine: str = DEFAULT_ENGINE,
    offset: int = 0, marks: tuple[str, str] = (MARK_START, MARK_END),
    status: str | None = None, cross: bool = True,
) -> Results:
    """Clauses matching ``query``, best first, ``limit`` from ``offset``, with snippets.

    Hits of one clause in several editions of a work collapse into one (:func:`_collapse`);
    with ``cross``, clauses in the other language found through the knowledge base's
    bilingual terms and adoptions follow every direct hit (:func:`_cross`).

    :param standard: only this work or edition (canonical designation).
    :param kind: only clauses of this kind or family (``annex`` takes both annex kinds).
    :param status: only editions with this status (``current`` …).
    :param engine: one of :data:`ENGINES`.
    :param cross: also find clauses in the other language (terms, adoptions).
    :raises QueryError: nothing to search for, or too much (one line).
    :raises SearchError: the engine has no index.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown search engine {engine!r} (known: {', '.join(ENGINES)})")
    parsed = analysis.parse_query(query)
    limit, offset = max(0, int(limit)), max(0, int(offset))
    if not search_fts.exists(conn):
        raise SearchError("no search index yet (run `kb index`)")
    editions = None
    if status:
        editions = [r[0] for r in conn.execute(
            "select e.id from editions e where e.status = ? and exists "
            "(select 1 from clauses c where c.edition_id = e.id)", (status,))]
    if editions == []:  # no edition of that status has text
        return Results(query, engine, 0, offset)
    groups = count = None
    if engine == "fts":
        missing = search_fts.behind(conn)
        if missing:
            raise SearchError(search_fts.behind_line(missing))

        def rank(parsed, language, only, limit, offset):
            return search_fts.search(conn, parsed, search_fts.scopes(standard, kind),
                                     language, only, limit, offset)
    else:
        index = _folder_engine(conn, engine)
        if engine == "whoosh" and not (index.folder / _STATE).exists():
            raise SearchError("no whoosh index (run `kb index --whoosh`)")
        try:
            sync(conn, engines=(engine,))
            if hasattr(index, "pinned"):  # one reading of the index for the whole query
                index = index.pinned()
        except (OSError, ValueError) as error:
            raise _unusable(engine, error) from None

        def rank(parsed, language, only, limit, offset):
            try:
                return index.search(parsed, WEIGHTS,
                                    engine_filters(standard, language, kind, only),
                                    limit, offset)
            except (OSError, ValueError) as error:  # unwritable folder, damaged files
                raise _unusable(engine, error) from None

        if hasattr(index, "groups"):
            def groups(parsed, language, only):
                try:
                    return index.groups(parsed, WEIGHTS,
                                        engine_filters(standard, language, kind, only))
                except (OSError, ValueError) as error:
                    raise _unusable(engine, error) from None

        if hasattr(index, "count"):
            def count(parsed, language, only):
                try:
                    return index.count(parsed, engine_filters(standard, language, kind, only))
                except (OSError, ValueError) as error:
                    raise _unusable(engine, error) from None
    ranker = _Ranker(conn, rank, editions, groups, count)
    need = offset + limit
    direct_total, direct = _collapse(ranker, parsed, language, need)
    cross_total, crossed = 0, []
    if cross:
        cross_total, crossed = _cross(ranker, parsed, language, standard, kind,
                                      max(0, need - direct_total))
    direct = direct[:direct_total]
    groups = _stable(direct[offset:need]) + _stable(crossed[max(0, offset - direct_total):
                                                         max(0, need - direct_total)])
    return Results(query, engine, direct_total + cross_total, offset,
                   _hits(conn, parsed, groups, marks, ranker.age), direct_total, cross_total)


def _unusable(engine: str, error: BaseException) -> SearchError:
    """The one line for an index folder that cannot be used: unwritable, or damaged."""
    message = " ".join(str(error).split())[:200]
    if re.search(r"ReadOnlyFilesystem|Read-only file system|PermissionDenied", message):
        # tantivy opens its lock files for writing, even to read
        return SearchError(f"the {engine} index beside the database cannot be opened where "
                           f"nothing may be written ({message}); search with --engine fts, or "
                           "copy the knowledge base elsewhere")
    return SearchError(f"the {engine} index beside the database cannot be used ({message}); "
                       "run `kb index`")


def engine_filters(standard: str | None = None, language: str | None = None,
                   kind: str | None = None, editions: list[str] | None = None
                   ) -> dict[str, list[str]]:
    """The filters a folder engine takes: each field (``scope``: the edition or the work) and
    the values it may have; a filter not given is left out."""
    return {field: [value] if isinstance(value, str) else value for field, value in
            (("scope", standard), ("language", language), ("kind", kind),
             ("edition", editions)) if value is not None}


Key = tuple[str, str, str]  # (edition, language, number)
#: Matches fetched by the first search of a set enumerated whole (most sets are smaller).
_FIRST_FETCH = 256


class _Ranker:
    """One engine with the request's filters: ranks a parsed query among all editions or some
    (``only``, intersected with the status filter's), and knows each edition's work and age."""

    def __init__(self, conn: sqlite3.Connection, rank: Callable, editions: list[str] | None,
                 groups: Callable | None = None, count: Callable | None = None):
        self.conn, self._rank, self._groups, self._count = conn, rank, groups, count
        self.editions = None if editions is None else set(editions)
        self._ages: dict[str, tuple] = {}
        self._shared: tuple | None = None

    def shared(self) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
        """:func:`_shared`, looked up once a search (a search with cross-lingual hits asks for
        it once for each term)."""
        if self._shared is None:
            self._shared = _shared(self.conn)
        return self._shared

    def _only(self, only: Iterable[str] | None) -> list[str] | None:
        if only is not None:
            only = set(only)
            if self.editions is not None:
                only &= self.editions
            return sorted(only)
        return None if self.editions is None else sorted(self.editions)

    def groups(self, parsed: analysis.Query, language: str | None,
               only: Iterable[str]) -> list[int]:
        """The clause (:meth:`gid`) of every match among the editions ``only``, one a match:
        from the engine's group column where it has one, else from its ranking."""
        only = self._only(only)
        if not only:
            return []
        if self._groups is not None:
            return self._groups(parsed, language, only)
        return [self.gid(key) for _, key in self.every(parsed, language, only)]

    def gid(self, key: Key) -> int:
        """The number that stands for the clause of ``key`` (:func:`group_id`)."""
        return search_tantivy.group_id(*self.group(key))

    def rank(self, parsed: analysis.Query, language: str | None, only: Iterable[str] | None,
             limit: int, offset: int = 0) -> tuple[int, list[tuple[float, Key]]]:
        only = self._only(only)
        if only == []:
            return 0, []
        total, ranked = self._rank(parsed, language, only, max(1, limit), offset)
        return total, (ranked if limit else [])

    def count(self, parsed: analysis.Query, language: str | None,
              only: Iterable[str] | None) -> int:
        """How many raw hits :meth:`rank` would find: counted unranked where the engine can."""
        if self._count is None:
            return self.rank(parsed, language, only, 1)[0]
        only = self._only(only)
        return 0 if only == [] else self._count(parsed, language, only)

    def every(self, parsed: analysis.Query, language: str | None,
              only: Iterable[str]) -> list[tuple[float, Key]]:
        """Every match among the editions ``only`` (a bounded set), best first."""
        only = list(only)
        if not only:
            return []
        return self._every(parsed, language, only)

    def all(self, parsed: analysis.Query, language: str | None) -> list[tuple[float, Key]]:
        """Every match, best first (for sets known to be small: an intersection)."""
        return self._every(parsed, language, None)

    def _every(self, parsed: analysis.Query, language: str | None,
               only: Iterable[str] | None) -> list[tuple[float, Key]]:
        # one search holds a small set whole; a larger one is searched again for all
        total, ranked = self.rank(parsed, language, only, _FIRST_FETCH)
        if total > len(ranked):
            total, ranked = self.rank(parsed, language, only, total)
        return ranked

    def age(self, edition: str) -> tuple:
        """(work, publication date or year, edition): what collapsing and ordering use."""
        if edition not in self._ages:
            row = self.conn.execute("select work_id, coalesce(published, cast(year as text), "
                                    "'') from editions where id = ?", (edition,)).fetchone()
            self._ages[edition] = (row[0] or edition, row[1] or "") if row else (edition, "")
        return self._ages[edition]

    def group(self, key: Key) -> tuple[str, str, str]:
        return (self.age(key[0])[0], key[1], key[2])


#: id(connection) -> (the connection, its ``data_version`` and ``total_changes`` then, what
#: :func:`_shared` read): the connection is held, so its id is not reused while it is here.
_SHARED: dict[int, tuple[sqlite3.Connection, int, int, tuple]] = {}


def _shared(conn: sqlite3.Connection) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """({edition: work} of the editions with text whose work has another edition with text,
    {edition: [(adopting or adopted edition with text, degree)]}): one pass over the editions
    with an index probe each (0.16 s at 90 000 editions), made again by a connection only once
    another has committed (``PRAGMA data_version``) or it has written (``total_changes``)
    since (outside a transaction): any change, so a relation or a clause deleted counts too."""
    version = conn.execute("pragma data_version").fetchone()[0]
    seen = _SHARED.get(id(conn))
    if seen and seen[0] is conn and seen[1:3] == (version, conn.total_changes):
        return seen[3]
    texts = dict(conn.execute("select e.id, e.work_id from editions e where exists "
                              "(select 1 from clauses c where c.edition_id = e.id)"))
    works = Counter(w for w in texts.values() if w)
    several = {e: w for e, w in texts.items() if w and works[w] > 1}
    adoptions: dict[str, list[tuple[str, str]]] = {}
    for subject, object_, degree in conn.execute(
            "select subject, object, degree from relations where type = 'adopts'"):
        if subject in texts and object_ in texts and subject != object_:
            adoptions.setdefault(subject, []).append((object_, degree or ""))
            adoptions.setdefault(object_, []).append((subject, degree or ""))
    if not conn.in_transaction:  # what a transaction wrote may yet be rolled back
        if len(_SHARED) > 16:
            _SHARED.clear()
        _SHARED[id(conn)] = (conn, version, conn.total_changes, (several, adoptions))
    return several, adoptions


@dataclass
class _Group:
    """One collapsed hit: the clause's members (matching editions), best score first."""

    score: float
    members: list[tuple[float, Key]]
    via: dict | None = None
    query: analysis.Query | None = None  # what marks its snippet, if not the query


def _collapse(ranker: _Ranker, parsed: analysis.Query, language: str | None, need: int,
              exclude: set[Key] | frozenset = frozenset(), only: Iterable[str] | None = None
              ) -> tuple[int, list[_Group]]:
    """(how many clauses match once editions are collapsed, the first ``need`` of them).

    Hits of the same work, language and clause number are one clause, shown as its newest
    edition with the others in ``also_in``.  Exact at any size, at this cost:

    * only works with several editions carrying text can repeat a clause, so the matches
      among their editions are counted by clause (tantivy reads each match's ``group`` column
      without fetching documents; the other engines enumerate them): ``d`` duplicates, in time
      proportional to those matches and nothing for the rest of the index;
    * the first ``need`` clauses are among the first ``need + d`` raw hits (at most ``d`` of
      them repeat a clause): a first over-fetch of ``need + min(d, need + 16)`` almost always
      holds them, and the full bound is fetched only when it does not;
    * the editions of the shown clauses that repeat are ranked once more, among their work's
      editions only, for ``also_in``.

    ``exclude`` (raw hits to leave out: the direct hits of a cross-lingual set, each a match
    of ``parsed``) is taken off the counts and over-fetched for the same way.  With no work of
    several editions the engine's own answer is used as it is.
    """
    several, _ = ranker.shared()
    scope = set(several) if only is None else set(only) & several.keys()
    counts = Counter(ranker.groups(parsed, language, scope)) if scope else Counter()
    for key in exclude:
        gid = ranker.gid(key)
        if key[0] in scope and counts.get(gid):
            counts[gid] -= 1
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    if need == 0:  # the count alone (cross-lingual hits after a page of direct ones)
        return ranker.count(parsed, language, only) - duplicates - len(exclude), []
    base = need + len(exclude)
    tries = dict.fromkeys((base + min(duplicates, need + 16), base + duplicates))
    for limit in tries:
        total, ranked = ranker.rank(parsed, language, only, limit)
        groups: list[_Group] = []
        seen: set[tuple] = set()
        for score, key in ranked:
            if key in exclude:
                continue
            group = ranker.group(key)
            if group not in seen:
                seen.add(group)
                groups.append(_Group(score, [(score, key)]))
                if len(groups) >= need:
                    break
        if len(groups) >= need or len(ranked) >= total:
            break
    repeated = [g for g in groups if counts.get(ranker.gid(g.members[0][1]), 0) > 1]
    if repeated:
        works = {ranker.group(g.members[0][1])[0] for g in repeated}
        members: dict[tuple, list[tuple[float, Key]]] = {}
        for score, key in ranker.every(parsed, language,
                                       [e for e in scope if several[e] in works]):
            if key not in exclude:
                members.setdefault(ranker.group(key), []).append((score, key))
        for group in repeated:
            group.members = members.get(ranker.group(group.members[0][1]), group.members)
    return total - duplicates - len(exclude), groups


def _query_language(parsed: analysis.Query) -> str | None:
    """``zh`` for a query of Chinese only, ``en`` for one without Chinese, else None."""
    han = {part.kind == "han" for part in parsed.parts}
    return "zh" if han == {True} else "en" if han == {False} else None


def _term_key(text: str) -> tuple[str, ...]:
    return tuple(analysis.terms(" ".join(analysis.words(text))))


def equivalent(conn: sqlite3.Connection, parsed: analysis.Query
               ) -> tuple[str, str, str] | None:
    """(the equivalent term in the other language, the term the query is, that language) when
    the whole query is a term the knowledge base defines in one language with an equivalent in
    the other (the same entry of the same edition); the equivalent most entries give.  Found
    through ``terms_fts`` (indexed), checked word for word (stemmed)."""
    source = _query_language(parsed)
    plain = parsed.text.replace('"', " ").replace("*", " ")
    words = analysis.words(plain)
    if source is None or not words:
        return None
    other = "zh" if source == "en" else "en"
    wanted = _term_key(plain)
    try:
        rows = conn.execute(
            "select edition_id, entry, preferred from terms_fts where terms_fts match ? "
            "and language = ? limit 2000",
            ('preferred : "' + " ".join(words) + '"', source)).fetchall()
    except sqlite3.OperationalError:
        return None
    found: Counter = Counter()
    for edition, entry, preferred in rows:
        if tuple(analysis.terms(preferred or "")) != wanted:
            continue
        pair = conn.execute(
            "select o.preferred, s.preferred from terms o join terms s on s.edition_id = "
            "o.edition_id and s.entry = o.entry and s.language = ? where o.edition_id = ? "
            "and o.entry = ? and o.language = ?", (source, edition, entry, other)).fetchone()
        if pair and pair[0] and pair[0].strip():
            found[(" ".join(pair[0].replace('"', " ").split()), pair[1])] += 1
    if not found:
        return None
    (term, said), _ = min(found.items(), key=lambda item: (-item[1], item[0]))
    return term, said, other


def _cross(ranker: _Ranker, parsed: analysis.Query, language: str | None,
           standard: str | None, kind: str | None, need: int) -> tuple[int, list[_Group]]:
    """(how many clauses the query finds only in the other language, the first ``need``).

    Through a term (:func:`equivalent`): the clauses that match the equivalent, in its
    language, less those that match the query itself (their intersection is enumerated and
    over-fetched for, so the count and top k stay exact), collapsed like direct hits.
    Through an adoption: the clause of the same number, in the other language, of the edition
    that adopts or is adopted by an edition with a direct hit (the direct matches among the
    editions in an adoption with text on both sides are enumerated: cost proportional to
    them), less direct and term hits; each ranked with the score of the hit it mirrors.
    Cross hits of one clause in several editions are collapsed within each way found."""
    conn = ranker.conn
    groups: list[_Group] = []
    total = 0
    term_query = None
    found = equivalent(conn, parsed)
    if found and language in (None, found[2]):
        term, said, other = found
        term_query = analysis.parse_query(f'"{term}"')
        both = analysis.Query(parsed.text, tuple(dict.fromkeys(parsed.parts +
                                                               term_query.parts)))
        overlap = {key for _, key in ranker.all(both, other)}
        total, groups = _collapse(ranker, term_query, other, need, exclude=overlap)
        for group in groups:
            group.via, group.query = {"term": term, "from": said}, term_query
    _, adoptions = ranker.shared()
    if adoptions:
        editions = adoptions.keys()
        direct = ranker.every(parsed, None, editions)
        taken = {key for _, key in direct}
        if term_query is not None:
            taken |= {key for _, key in ranker.every(term_query, found[2], editions)}
        mirrored: dict[tuple, _Group] = {}
        for score, (edition, lang, number) in direct:
            for partner, degree in adoptions.get(edition, ()):
                for (other_lang, clause_kind) in conn.execute(
                        "select language, kind from clauses where edition_id = ? and "
                        "number = ? and language != ?", (partner, number, lang)):
                    key = (partner, other_lang, number)
                    if key in taken or not _passes(ranker, key, clause_kind, language,
                                                   standard, kind):
                        continue
                    group = ranker.group(key)
                    if group in mirrored:
                        if key not in {k for _, k in mirrored[group].members}:
                            mirrored[group].members.append((score, key))
                        continue
                    mirrored[group] = _Group(score, [(score, key)], {
                        "adoption": edition, "degree": degree, "clause": number})
        total += len(mirrored)
        groups += mirrored.values()
    groups.sort(key=lambda g: (-round(float(g.score), 6), *g.members[0][1]))
    return total, groups[:need]


def _passes(ranker: _Ranker, key: Key, clause_kind: str | None, language: str | None,
            standard: str | None, kind: str | None) -> bool:
    """Whether a clause found through an adoption passes the request's filters."""
    edition, lang, _ = key
    if language and lang != language:
        return False
    if kind and kind not in analysis.kinds(clause_kind):
        return False
    if ranker.editions is not None and edition not in ranker.editions:
        return False
    return not standard or standard in (edition, ranker.age(edition)[0])


def _stable(groups: list[_Group]) -> list[_Group]:
    """A page's hits with equal scores in a stable order, whatever the engine's document order
    (tantivy's depends on its indexing threads): by designation, language, clause."""
    return sorted(groups, key=lambda g: (-float(g.score), *g.members[0][1]))


def _hits(conn: sqlite3.Connection, parsed: analysis.Query, groups: list[_Group],
          marks, age: Callable[[str], tuple]) -> list[dict]:
    """The page's hits: each group's newest edition (by ``age``, the ranker's, which has
    looked up every ranked edition already) with its clause's text read in one query and
    its snippet."""
    def newest(key: Key) -> tuple:
        return (age(key[0])[1], key[0])

    shown = [sorted({k for _, k in group.members}, key=newest, reverse=True)
             for group in groups]
    wanted = list(dict.fromkeys(keys[0] for keys in shown))
    rows: dict[Key, tuple] = {}
    for at in range(0, len(wanted), 500):  # 1 500 parameters a query at most
        chunk = wanted[at:at + 500]
        pairs = ", ".join(["(?, ?, ?)"] * len(chunk))
        for edition, language, number, *row in conn.execute(
                f"select v.column1, v.column2, v.column3, c.heading, c.text, c.kind "
                f"from (values {pairs}) v join clauses c on c.edition_id = v.column1 and "
                "c.language = v.column2 and c.number = v.column3",
                [part for key in chunk for part in key]):
            rows[(edition, language, number)] = tuple(row)
    hits = []
    for group, keys in zip(groups, shown, strict=True):
        edition, language, number = keys[0]
        row = rows.get(keys[0])
        if row is None:  # deleted since the index was read
            continue
        heading, text, kind = row
        # the text around its matches; the start of the text where only the heading matched
        cut = analysis.snippet(text or heading or "", group.query or parsed, marks)
        hit = {"designation": edition, "clause": number, "heading": heading,
               "kind": kind, "language": language, "snippet": cut,
               "score": round(float(group.score), 3), "also_in": [k[0] for k in keys[1:]]}
        if group.via:
            hit["via"] = group.via
        hits.append(hit)
    return hits


# --- the folder indexes ----------------------------------------------------------------------


_OPEN: dict[tuple[str, str], tuple[int, object]] = {}
_OPEN_LOCK = threading.Lock()


def index_folder(conn: sqlite3.Connection, engine: str) -> Path | None:
    """The folder of ``engine``'s index beside the database (None for an in-memory one)."""
    row = conn.execute("pragma database_list").fetchone()
    return _beside(row[2], engine) if row and row[2] else None


def _beside(database: str | Path, engine: str) -> Path:
    return Path(f"{database}.{engine}")


def move_indexes(source: str | Path, target: str | Path) -> None:
    """The folder indexes built beside database file ``source`` follow it to ``target`` (a
    build renamed the file), replacing those that were there."""
    for name in _FOLDERS:
        built, old = _beside(source, name), _beside(target, name)
        shutil.rmtree(old, ignore_errors=True)
        if built.exists():
            built.rename(old)
        Path(f"{built}.lock").unlink(missing_ok=True)


def _folder_engine(conn: sqlite3.Connection, engine: str):
    """The open engine object of the folder (reopened when the folder was swapped)."""
    folder = index_folder(conn, engine)
    if folder is None:
        raise SearchError(f"the {engine} engine needs a database file")
    try:
        inode = folder.stat().st_ino
    except FileNotFoundError:
        inode = -1
    with _OPEN_LOCK:
        known = _OPEN.get((engine, str(folder)))
        if known and known[0] == inode:
            return known[1]
        if known:
            known[1].close()
        opened = _FOLDERS[engine](folder)
        _OPEN[(engine, str(folder))] = (inode, opened)
        return opened


def _read_state(folder: Path) -> dict | None:
    try:
        return json.loads((folder / _STATE).read_text())
    except (OSError, ValueError):
        return None


def _write_state(folder: Path, epoch: str, generation: int, name: str) -> None:
    temporary = folder / (_STATE + ".tmp")
    temporary.write_text(json.dumps({"epoch": epoch, "generation": generation,
                                     "schema": _SCHEMAS[name]}))
    os.replace(temporary, folder / _STATE)


def _db_state(conn: sqlite3.Connection) -> tuple[str | None, int]:
    """(the epoch of the FTS5 tables, the last search_log generation)."""
    try:
        epoch = conn.execute("select value from kb_meta where key = 'search_epoch'").fetchone()
        generation = conn.execute("select max(generation) from search_log").fetchone()[0]
    except sqlite3.OperationalError:
        return None, 0
    return (epoch[0] if epoch else None), generation or 0


@contextlib.contextmanager
def _locked(folder: Path):
    """One writer of the folder at a time, across processes."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{folder}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sync(conn: sqlite3.Connection, engines: Iterable[str] = ("tantivy", "whoosh"),
         progress: Callable[[int], None] | None = None) -> int:
    """Bring the folder indexes up to date with the database; return the clauses written.

    A folder index of another epoch (or none, for tantivy) is rebuilt from the FTS5 table;
    one behind the log gets the logged texts again.  whoosh is kept only once built.
    """
    epoch, generation = _db_state(conn)
    if epoch is None:
        return 0
    written = 0
    for name in engines:
        folder = index_folder(conn, name)
        if folder is None:
            continue
        state = _read_state(folder)
        schema = _SCHEMAS[name]
        if state == {"epoch": epoch, "generation": generation, "schema": schema}:
            continue
        if state is None and name == "whoosh":
            continue
        with _locked(folder):
            state = _read_state(folder)
            if (state is not None and state["epoch"] == epoch
                    and state.get("schema", 1) == schema):
                if state["generation"] < generation:
                    written += _apply_log(conn, name, folder, state["generation"],
                                          generation)
                    _write_state(folder, epoch, generation, name)
            else:
                written += _build_folder(conn, name, folder, epoch, generation, progress)
    return written


def _apply_log(conn, name: str, folder: Path, since: int, until: int) -> int:
    texts = conn.execute("select distinct edition_id, language from search_log "
                         "where generation > ? and generation <= ? order by 1, 2",
                         (since, until)).fetchall()
    writer = _FOLDERS[name](folder).writer()
    count = 0
    try:
        for edition, language in texts:
            writer.delete(edition, language)
            docs = list(_stored_docs(conn, "c.edition_id = ? and c.language = ?",
                                     (edition, language)))
            writer.add(docs)
            count += len(docs)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return count


def _build_folder(conn, name: str, folder: Path, epoch: str, generation: int,
                  progress=None) -> int:
    """Build a folder index whole from the FTS5 table's analysis, then swap it in."""
    building = folder.with_name(folder.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    writer = _FOLDERS[name](building).writer(create=True)
    count = 0
    try:
        batch = []
        for doc in _stored_docs(conn):
            batch.append(doc)
            if len(batch) >= 1000:
                writer.add(batch)
                count += len(batch)
                if progress:
                    progress(len(batch))
                batch = []
        writer.add(batch)
        count += len(batch)
        if progress:
            progress(len(batch))
        writer.commit()
    except BaseException:
        writer.abort()
        shutil.rmtree(building, ignore_errors=True)
        raise
    _write_state(building, epoch, generation, name)
    _swap(building, folder)
    return count


def _swap(building: Path, folder: Path) -> None:
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    building.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def _stored_docs(conn, where: str = "1", params: tuple = ()) -> Iterator[tuple]:
    """Documents for a folder index from the analysis kept in the FTS5 table and in its
    pending rows (each clause is in one of them)."""
    tables = ["clauses_fts"]
    if conn.execute("select 1 from sqlite_master where name = ?",
                    (search_fts.PENDING,)).fetchone():
        tables.append(search_fts.PENDING)
    for table in tables:
        for edition, language, number, kind, work, heading, text, sub, grams in conn.execute(
            f"""select c.edition_id, c.language, c.number, c.kind, e.work_id,
                       f.heading, f.text, f.sub, f.grams
                from clauses c join {table} f on f.rowid = c.rowid
                left join editions e on e.id = c.edition_id where {where}""", params):
            yield (edition, language, number, kind, work,
                   analysis.Analysed(heading, text, sub, grams))


# --- indexing --------------------------------------------------------------------------------


def _ensure_tables(conn: sqlite3.Connection) -> None:
    conn.execute("""create table if not exists search_log (
                      generation integer primary key autoincrement,
                      edition_id text not null, language text not null)""")
    conn.execute("create table if not exists kb_meta (key text primary key, value text)")
    if search_fts.exists(conn):
        search_fts.ensure_pending(conn)


def index_texts(conn: sqlite3.Connection, texts: Iterable[tuple[str, str]]) -> int:
    """Analyse the (edition, language) texts just written, inside the caller's transaction,
    into FTS5's pending rows (:func:`drain_fts` moves them in after the commit), and log them
    for the folder indexes (see the module doc); return the clauses analysed."""
    texts = sorted(set(texts))
    if not texts:
        return 0
    _ensure_tables(conn)
    if not search_fts.exists(conn):
        return rebuild_fts(conn)
    # one pass over every text, so a bulk load analyses its clauses on every core
    conn.execute("create temp table if not exists kb_texts (edition_id text, language text)")
    conn.execute("delete from temp.kb_texts")
    conn.executemany("insert into temp.kb_texts values (?, ?)", texts)
    count = _index_fts(conn, "(c.edition_id, c.language) in "
                             "(select edition_id, language from temp.kb_texts)", pending=True)
    conn.executemany("insert into search_log(edition_id, language) values (?, ?)", texts)
    conn.execute("delete from temp.kb_texts")
    return count


def rebuild_fts(conn: sqlite3.Connection, progress=None, folders: tuple = (),
                pending: bool = True) -> int:
    """Drop and rebuild the FTS5 tables in the caller's transaction, under a new epoch, and
    feed the same analysed rows to the folder ``writers`` given; the clauses' rows go to
    FTS5's pending table (:func:`drain_fts` after the commit) unless ``pending`` is false."""
    _ensure_tables(conn)
    search_fts.create(conn, WEIGHTS)
    conn.execute("insert or replace into kb_meta(key, value) values ('search_epoch', ?)",
                 (uuid.uuid4().hex,))
    return _index_fts(conn, progress=progress, folders=folders, pending=pending)


def drain_fts(conn: sqlite3.Connection, progress: Callable[[int], None] | None = None) -> int:
    """Fill FTS5 with the clauses analysed since (:func:`kb.text.search_fts.drain`), after the
    transaction that wrote them; return the clauses moved in."""
    return search_fts.drain(conn, progress)


def _index_fts(conn, where: str = "1", params: tuple = (), progress=None,
               folders: tuple = (), pending: bool = False) -> int:
    cursor = conn.execute(
        f"""select c.rowid, c.edition_id, c.language, c.number, c.kind, e.work_id,
                   c.heading, c.text
            from clauses c left join editions e on e.id = c.edition_id where {where}""",
        params)
    count = 0
    for rows in _analysed_batches(cursor, with_terms=bool(folders)):
        search_fts.insert(conn, [search_fts.clause_row(*row) for row in rows], pending)
        for writer in folders:
            writer.add([(e, lang, n, k, w, a) for _, e, lang, n, k, w, a in rows])
        count += len(rows)
        if progress:
            progress(len(rows))
    terms = conn.execute(
        f"""select c.rowid, c.edition_id, c.language, c.entry, c.preferred, c.admitted,
                   c.definition from terms c where {where}""", params).fetchall()
    search_fts.insert_terms(conn, [
        (rowid, e, lang, entry, *(" ".join(analysis.words(v or "")) for v in values))
        for rowid, e, lang, entry, *values in terms])
    return count


_BATCH = 500


def _analyse(rows: list[tuple], with_terms: bool = False) -> list[tuple]:
    """(rowid, edition, language, number, kind, work, Analysed) rows; the index terms too
    if a ranking index takes them."""
    out = []
    for row in rows:
        analysed = analysis.index_text(row[6], row[7])
        out.append((*row[:6], analysed.with_terms() if with_terms else analysed))
    return out


def _analysed_batches(cursor: sqlite3.Cursor, with_terms: bool = False
                      ) -> Iterator[list[tuple]]:
    """Batches of (rowid, edition, language, number, kind, work, Analysed): analysing is most
    of the work, so a large set is spread over the machine's cores (fork: the workers share
    the loaded dictionaries)."""
    import multiprocessing
    from collections import deque

    first = cursor.fetchmany(_BATCH)
    second = cursor.fetchmany(_BATCH) if len(first) == _BATCH else []
    workers = min(os.cpu_count() or 1, 8)
    if not second or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for batch in (first, second):
            if batch:
                yield _analyse(batch, with_terms)
        while batch := cursor.fetchmany(_BATCH):
            yield _analyse(batch, with_terms)
        return
    analysis.index_text("预热", "")  # load the dictionaries once, before the fork
    pending: deque = deque()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        batch = first
        while batch:
            pending.append(pool.apply_async(_analyse, (batch, with_terms)))
            if len(pending) >= 2 * workers:
                yield pending.popleft().get()
            batch = second or cursor.fetchmany(_BATCH)
            second = []
        while pending:
            yield pending.popleft().get()


def rebuild(conn: sqlite3.Connection, progress: Callable[[int], None] | None = None,
            whoosh: bool | None = None, defer_fts: bool = False) -> int:
    """Drop and rebuild every index from the clauses; return the clauses indexed.

    The clauses are analysed once and fed to FTS5 (in the caller's transaction; with
    ``defer_fts``, to its pending rows, for :func:`drain_fts` once the transaction has
    committed, so that tantivy answers first) and to the tantivy index
    (built in a new folder and swapped in; should the transaction not commit, the next
    :func:`sync` sees another epoch and builds it again); whoosh too if it exists or
    ``whoosh`` is true, and a whoosh index is dropped if ``whoosh`` is false.
    """
    names = ["tantivy"]
    whoosh_folder = index_folder(conn, "whoosh")
    if whoosh or (whoosh is None and whoosh_folder is not None and
                  (whoosh_folder / _STATE).exists()):
        names.append("whoosh")
    folders = {}
    for name in names:
        folder = index_folder(conn, name)
        if folder is not None:
            building = folder.with_name(folder.name + ".building")
            shutil.rmtree(building, ignore_errors=True)
            folders[name] = (folder, building, _FOLDERS[name](building).writer(create=True))
    try:
        count = rebuild_fts(conn, progress, tuple(w for _, _, w in folders.values()),
                            pending=defer_fts)
        for _, _, writer in folders.values():
            writer.commit()
    except BaseException:
        for _, building, writer in folders.values():
            writer.abort()
            shutil.rmtree(building, ignore_errors=True)
        raise
    sync_titles(conn, rebuild=True)
    epoch, generation = _db_state(conn)
    for name, (folder, building, _) in folders.items():
        _write_state(building, epoch, generation, name)
        with _locked(folder):
            _swap(building, folder)
    if whoosh is False and whoosh_folder is not None:
        shutil.rmtree(whoosh_folder, ignore_errors=True)
    return count


# --- titles ----------------------------------------------------------------------------------
#
# ``search_titles`` holds every title of every work and edition (zh, en, fr) folded as search
# folds text (:func:`title_key`), indexed, so that a title finds its standard without reading
# every edition.  Triggers on ``works`` and ``editions`` queue the works whose titles a write
# may have changed (``search_titles_queue``); :func:`sync_titles`, run in every load's
# transaction and by ``kb index``, writes their keys again.

_TITLE_LANGUAGES = ("en", "zh", "fr")
#: Titles found by a beginning at most; more is a list too long to be an answer.
TITLE_MATCHES = 50
#: A title's beginning finds it only from this many characters on (Chinese count double).
TITLE_PREFIX = 8


def title_key(text: str | None) -> str:
    """A title as it is looked up: folded (:func:`kb.text.analysis.fold`: full-width, Traditional,
    capitals, accents), punctuation gone, words joined by one space (Chinese by none)."""
    out = ""
    for match in analysis._TOKEN.finditer(analysis.fold(text or "")):
        word = match.group()
        if out and not analysis.HAN_RUN.match(word) and not analysis.HAN_RUN.match(out[-1]):
            out += " "
        out += word
    return out


def _title_tables(conn: sqlite3.Connection) -> bool:
    """Create the title index, its queue and the triggers; True if they were missing."""
    if conn.execute("select 1 from sqlite_master where name = 'search_titles'").fetchone():
        return False
    conn.execute("""create table search_titles (key text not null, work_id text not null,
                      edition_id text, language text not null)""")
    conn.execute("create index search_titles_key on search_titles(key)")
    conn.execute("create index search_titles_work on search_titles(work_id)")
    # no key: an outer INSERT OR REPLACE would override a trigger's OR IGNORE; read distinct
    conn.execute("create table if not exists search_titles_queue (work_id text)")
    titles = ", ".join(f"title_{language}" for language in _TITLE_LANGUAGES)
    for table, work in (("editions", "work_id"), ("works", "id")):
        for event, rows in (("insert", ("new",)), ("delete", ("old",)),
                            (f"update of {titles}, {work}", ("old", "new"))):
            name = f"search_titles_{table}_{event.split()[0]}"
            inserts = " ".join(f"insert into search_titles_queue values "
                               f"(coalesce({row}.{work}, ''));" for row in rows)
            conn.execute(f"drop trigger if exists {name}")
            conn.execute(f"create trigger {name} after {event} on {table} begin {inserts} end")
    return True


def sync_titles(conn: sqlite3.Connection, rebuild: bool = False) -> int:
    """Write the title keys of the works queued since (all of them when the index is new or
    ``rebuild``), in the caller's transaction; return the works written."""
    if not conn.execute("select 1 from sqlite_master where name = 'editions'").fetchone():
        return 0
    if _title_tables(conn) or rebuild:
        conn.execute("delete from search_titles")
        conn.execute("delete from search_titles_queue")
        works = None
    else:
        works = [r[0] for r in conn.execute("select distinct work_id from search_titles_queue")]
        if not works:
            return 0
        conn.execute("delete from search_titles_queue")
    columns = ", ".join(f"title_{language}" for language in _TITLE_LANGUAGES)
    rows: list[tuple] = []
    if works is None:
        sources = [conn.execute(f"select id, null, {columns} from works"),
                   conn.execute(f"select work_id, id, {columns} from editions")]
        count = conn.execute("select count(*) from works").fetchone()[0]
    else:
        sources = []
        for i in range(0, len(works), 500):
            chunk = works[i:i + 500]
            marks = ",".join("?" * len(chunk))
            conn.execute(f"delete from search_titles where work_id in ({marks})", chunk)
            sources += [conn.execute(f"select id, null, {columns} from works where id in "
                                     f"({marks})", chunk).fetchall(),
                        conn.execute(f"select work_id, id, {columns} from editions where "
                                     f"work_id in ({marks})", chunk).fetchall()]
        count = len(works)
    for source in sources:
        for work, edition, *titles in source:
            if not work:
                continue
            for language, title in zip(_TITLE_LANGUAGES, titles, strict=True):
                key = title_key(title)
                if key:
                    rows.append((key, work, edition, language))
            if len(rows) >= 5000:
                conn.executemany("insert into search_titles values (?, ?, ?, ?)", rows)
                rows = []
    conn.executemany("insert into search_titles values (?, ?, ?, ?)", rows)
    return count


def find_titles(conn: sqlite3.Connection, text: str) -> list[tuple[str, str | None]]:
    """The (work, edition or None) whose title is ``text`` as search folds it, or, if none,
    whose title begins with it (from :data:`TITLE_PREFIX` columns on): one row a work, the
    edition given when only one edition of the work, and not the work itself, has that title.
    Two index lookups on ``search_titles``; empty if the knowledge base has no title index."""
    key = title_key(text)
    if not key:
        return []
    try:
        rows = conn.execute("select work_id, edition_id from search_titles where key = ? "
                            "limit ?", (key, TITLE_MATCHES * 20)).fetchall()
        if not rows and analysis._width(key) >= TITLE_PREFIX:
            rows = conn.execute(
                "select work_id, edition_id from search_titles where key >= ? and key < ? "
                "limit ?", (key, key + "\U0010ffff", TITLE_MATCHES * 20)).fetchall()
    except sqlite3.OperationalError:  # a knowledge base of before the title index
        return []
    found: dict[str, set[str | None]] = {}
    for work, edition in rows:
        found.setdefault(work, set()).add(edition)
    out = []
    for work in sorted(found):
        editions = found[work]
        out.append((work, next(iter(editions)) if len(editions) == 1 and None not in editions
                    else None))
    return out[:TITLE_MATCHES]
