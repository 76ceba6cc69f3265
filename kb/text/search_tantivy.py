"""The ranking engine: a tantivy index in a folder beside the database (the default engine).

tantivy (the Rust engine's official Python binding) scores BM25 and skips, with block-max
WAND, the documents that cannot enter the top k, so its top k is exact without scoring every
match.  Documents are the clauses as :mod:`kb.text.analysis` reads them, English stemmed
(:func:`kb.text.analysis.terms`), given to tantivy split on spaces; filters (edition, work,
language, kind) are indexed fields that narrow the matches before they are ranked.
"""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path

from kb.text.analysis import Part, Query, kinds

__all__ = ["SCHEMA", "Ranking", "group_id"]

_FIELDS = ("heading", "text", "sub", "grams")
#: The version of the schema: a folder written with another is built again.
SCHEMA = 2
#: Matches whose groups the first search reads (most sets are smaller: one search).
_FIRST_GROUPS = 1024


def group_id(work: str, language: str, number: str) -> int:
    """The ``group`` field's value: one clause of a work in one language, as 63 bits of its
    BLAKE2 hash (two clauses of a million share one with a probability under 1e-7)."""
    digest = hashlib.blake2b(f"{work}\x1f{language}\x1f{number}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big") >> 1


def _schema():
    import tantivy

    builder = tantivy.SchemaBuilder()
    for name in ("edition", "language", "number"):
        builder.add_text_field(name, stored=True, tokenizer_name="raw")
    for name in ("work", "kind"):
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    # the clause a document is of, whatever the edition (work, language, number), as a number
    # (group_id): read from its column for every match when editions are collapsed, without
    # fetching documents (ordering 30 000 matches by it takes 6 ms; by a text column, 1 s)
    builder.add_unsigned_field("group", fast=True, indexed=False)
    for name in _FIELDS:
        builder.add_text_field(name, tokenizer_name="whitespace",
                               index_option="freq" if name == "sub" else "position")
    return builder.build()


class Ranking:
    """One tantivy index folder: write documents, search them."""

    name = "tantivy"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._index = None
        self._lock = threading.Lock()

    # --- writing ---------------------------------------------------------------------------
    def writer(self, create: bool = False):
        import tantivy

        self.folder.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(_schema(), path=str(self.folder), reuse=not create)
        return _Writer(index)

    # --- searching -------------------------------------------------------------------------
    def _searcher(self):
        import tantivy

        with self._lock:
            if self._index is None:
                self._index = tantivy.Index.open(str(self.folder))
            else:
                self._index.reload()
            return self._index, self._index.searcher()

    def close(self) -> None:
        self._index = None

    def pinned(self) -> _Pinned:
        """The index as it is now, for the several searches of one query (the index is
        reloaded once, not before each of them)."""
        return _Pinned(*self._searcher())

    def search(self, query: Query, weights: dict[str, float], filters: dict,
               limit: int, offset: int) -> tuple[int, list[tuple[float, tuple]]]:
        """(matches, [(score, (edition, language, number))]), best first; ``filters`` maps a
        field (``scope`` for edition or work) to the values it may take."""
        return self.pinned().search(query, weights, filters, limit, offset)

    def groups(self, query: Query, weights: dict[str, float], filters: dict) -> list[int]:
        """The :func:`group_id` of every match, unranked: read from the ``group`` column (no
        stored document is fetched)."""
        return self.pinned().groups(query, weights, filters)

    def count(self, query: Query, filters: dict) -> int:
        """How many documents match, unranked (half the CPU of a ranked search of a Chinese
        word: only what decides the match is evaluated, and nothing is scored)."""
        return self.pinned().count(query, filters)


class _Pinned:
    """One searcher of a :class:`Ranking`: the searches of one query read the same index."""

    def __init__(self, index, searcher) -> None:
        self.index, self.searcher = index, searcher

    def search(self, query: Query, weights: dict[str, float], filters: dict,
               limit: int, offset: int) -> tuple[int, list[tuple[float, tuple]]]:
        """:meth:`Ranking.search` on this searcher."""
        searcher = self.searcher
        result = searcher.search(_query(self.index.schema, query, weights, filters),
                                 limit=limit, offset=offset, count=True)
        hits = []
        for score, address in result.hits:
            doc = searcher.doc(address)
            hits.append((score, (doc.get_first("edition"), doc.get_first("language"),
                                 doc.get_first("number"))))
        return result.count, hits

    def groups(self, query: Query, weights: dict[str, float], filters: dict) -> list[int]:
        """:meth:`Ranking.groups` on this searcher."""
        searcher = self.searcher
        wanted = _query(self.index.schema, query, weights, filters)
        result = searcher.search(wanted, limit=_FIRST_GROUPS, count=True,
                                 order_by_field="group")
        if result.count > len(result.hits):  # more than the first search holds
            result = searcher.search(wanted, limit=result.count, count=False,
                                     order_by_field="group")
        return [key for key, _ in result.hits]

    def count(self, query: Query, filters: dict) -> int:
        """:meth:`Ranking.count` on this searcher."""
        import tantivy

        wanted = tantivy.Query.const_score_query(_query(self.index.schema, query, None,
                                                        filters), 1.0)
        return self.searcher.search(wanted, limit=1, count=True).count


def _query(schema, query: Query, weights: dict[str, float] | None, filters: dict):
    """The tantivy query of ``query`` with ``filters``; without ``weights``, the query that
    matches the same documents for counting them: of a Chinese run its grams alone (its words
    only rank), no boosts."""
    import tantivy

    Occur, Q = tantivy.Occur, tantivy.Query
    musts = [(Occur.Must, _part(schema, part, weights)) for part in query.parts]
    for field, values in filters.items():
        if field == "scope":  # edition or work
            choice = Q.boolean_query([(Occur.Should, _one_of(schema, "edition", values)),
                                      (Occur.Should, _one_of(schema, "work", values))])
        else:
            choice = _one_of(schema, field, values)
        musts.append((Occur.Must, Q.const_score_query(choice, 0.0)))
    return Q.boolean_query(musts)


def _one_of(schema, field: str, values: list[str]):
    """The documents whose ``field`` is one of ``values``.  One value is a term query, which
    the other parts' postings skip through; a term set marks every document of its terms in a
    bit set first (half the index for a language: 审核 in Chinese counted in 22 ms, not 28)."""
    import tantivy

    if len(values) == 1:
        return tantivy.Query.term_query(schema, field, values[0], index_option="basic")
    return tantivy.Query.term_set_query(schema, field, values)


def _field_query(schema, field: str, words: tuple[str, ...], weight: float | None):
    import tantivy

    Q = tantivy.Query
    if len(words) == 1:
        query = Q.term_query(schema, field, words[0], index_option="freq")
    else:
        query = Q.phrase_query(schema, field, list(words))
    return Q.boost_query(query, weight) if weight not in (1.0, None) else query


def _part(schema, part: Part, weights: dict[str, float] | None):
    """One query part: the fields it may match (heading or text), each with its weight
    (without ``weights``: what decides the match, unweighted)."""
    import tantivy

    Occur, Q = tantivy.Occur, tantivy.Query
    weight = weights.get if weights is not None else lambda field: None
    if part.kind == "prefix":
        pattern = re.escape(part.terms[0]) + ".*"
        return Q.boolean_query([
            (Occur.Should, _boost(Q.regex_query(schema, f, pattern), weight(f)))
            for f in ("heading", "text")])
    if part.kind in ("word", "phrase"):
        words = part.terms
        return Q.boolean_query([(Occur.Should, _field_query(schema, f, words, weight(f)))
                                for f in ("heading", "text")])
    # a Chinese run: its grams decide the match, its words (and sub-words) the rank
    if len(part.grams) == 1 and len(part.grams[0]) == 1:
        grams = _boost(Q.regex_query(schema, "grams", re.escape(part.grams[0]) + ".?"),
                       weight("grams"))
    else:
        grams = _field_query(schema, "grams", part.grams, weight("grams"))
    if weights is None:
        return grams
    ranked = [(Occur.Must, grams)]
    if len(part.grams[0]) > 1:  # the heading carries its grams too
        ranked.append((Occur.Should, _field_query(schema, "heading", part.grams,
                                                  weights["heading"])))
    ranked += [(Occur.Should, _field_query(schema, f, part.words, weights[f]))
               for f in ("heading", "text")]
    if len(part.words) == 1:
        ranked.append((Occur.Should, _field_query(schema, "sub", part.words, weights["sub"])))
    return Q.boolean_query(ranked)


def _boost(query, weight: float | None):
    import tantivy

    return query if weight is None else tantivy.Query.boost_query(query, weight)


class _Writer:
    """Adds and deletes documents; :meth:`commit` publishes them."""

    def __init__(self, index) -> None:
        self.index = index
        self.writer = index.writer(heap_size=256_000_000)

    def add(self, docs) -> None:
        """Add (edition, language, number, kind, work, :class:`Analysed`) documents."""
        import tantivy

        for edition, language, number, kind, work, analysed in docs:
            doc = tantivy.Document(
                edition=edition, language=language, number=number, work=work or edition,
                kind=kinds(kind), **analysed.ranking_fields())
            doc.add_unsigned("group", group_id(work or edition, language, number))
            self.writer.add_document(doc)

    def delete(self, edition: str, language: str) -> None:
        import tantivy

        Occur, Q, schema = tantivy.Occur, tantivy.Query, self.index.schema
        self.writer.delete_documents_by_query(Q.boolean_query([
            (Occur.Must, Q.term_query(schema, "edition", edition)),
            (Occur.Must, Q.term_query(schema, "language", language))]))

    def commit(self) -> None:
        self.writer.commit()
        self.writer.wait_merging_threads()

    def abort(self) -> None:
        self.writer.rollback()
