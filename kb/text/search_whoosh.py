"""The whoosh engine: the pure-Python index the original design named, kept available.

whoosh 2.7.4 (2016, the last release) is pinned.  It takes the same documents and the same
query parts as the ranking engine (:mod:`kb.text.search_tantivy`): the analysis is done once, by
:mod:`kb.text.analysis`, and whoosh only splits on spaces, so both find the same clauses.  It is
built only on request (``kb index --whoosh``), as it indexes a few hundred clauses a second.
"""

from __future__ import annotations

import threading
import warnings
from functools import lru_cache
from pathlib import Path

from kb.text.analysis import Part, Query, kinds

__all__ = ["Whoosh"]


@lru_cache(maxsize=1)
def _whoosh():
    with warnings.catch_warnings():  # whoosh 2.7.4 (2016) predates current Pythons
        warnings.simplefilter("ignore")
        from whoosh import analysis, collectors, fields, index, query
    return analysis, fields, index, query, collectors


def _schema():
    analysis, fields, *_rest = _whoosh()
    spaces = analysis.SpaceSeparatedTokenizer()
    return fields.Schema(
        key=fields.ID(unique=True), edition=fields.ID(stored=True),
        language=fields.ID(stored=True), number=fields.ID(stored=True), work=fields.ID,
        kind=fields.KEYWORD, heading=fields.TEXT(analyzer=spaces, phrase=True),
        text=fields.TEXT(analyzer=spaces, phrase=True), sub=fields.TEXT(analyzer=spaces,
                                                                         phrase=False),
        grams=fields.TEXT(analyzer=spaces, phrase=True),
    )


class Whoosh:
    """One whoosh index folder: write documents, search them."""

    name = "whoosh"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._searcher = None
        self._lock = threading.Lock()

    def writer(self, create: bool = False):
        index = _whoosh()[2]
        self.folder.mkdir(parents=True, exist_ok=True)
        if create or not index.exists_in(str(self.folder)):
            return _Writer(index.create_in(str(self.folder), _schema()))
        return _Writer(index.open_dir(str(self.folder)))

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = None

    def search(self, query: Query, weights: dict[str, float], filters: dict,
               limit: int, offset: int) -> tuple[int, list[tuple[float, tuple]]]:
        _analysis, _fields, index, wquery, wcollectors = _whoosh()
        musts = [_part(wquery, part, weights) for part in query.parts]
        conditions = []
        for field, values in filters.items():
            if field == "scope":
                conditions.append(wquery.Or([wquery.Term(f, v) for v in values
                                             for f in ("edition", "work")]))
            else:
                conditions.append(wquery.Or([wquery.Term(field, v) for v in values]))
        with self._lock:
            if self._searcher is None:
                self._searcher = index.open_dir(str(self.folder)).searcher()
            elif not self._searcher.up_to_date():
                self._searcher = self._searcher.refresh()
            # Every match is scored, and counted: whoosh's block-quality skipping
            # (usequality) misses some of the exact top k, and its matcher replacement
            # (replace) drops the documents that cannot enter a full top k from the count
            collector = wcollectors.TopCollector(offset + limit, usequality=False, replace=0)
            if conditions:
                collector = wcollectors.FilterCollector(collector, allow=wquery.And(conditions))
            self._searcher.search_with_collector(wquery.And(musts), collector)
            results = collector.results()
            total = len(results)
            hits = [(hit.score, (hit["edition"], hit["language"], hit["number"]))
                    for hit in results[offset:offset + limit]]
        return total, hits


def _words(wquery, field: str, words: tuple[str, ...], weight: float):
    if len(words) == 1:
        return wquery.Term(field, words[0], boost=weight)
    return wquery.Phrase(field, list(words), boost=weight)


def _part(wquery, part: Part, weights: dict[str, float]):
    if part.kind == "prefix":
        return wquery.Or([wquery.Prefix(f, part.terms[0], boost=weights[f])
                          for f in ("heading", "text")])
    if part.kind in ("word", "phrase"):
        return wquery.Or([_words(wquery, f, part.terms, weights[f])
                          for f in ("heading", "text")])
    if len(part.grams) == 1 and len(part.grams[0]) == 1:
        grams = wquery.Prefix("grams", part.grams[0], boost=weights["grams"])
    else:
        grams = _words(wquery, "grams", part.grams, weights["grams"])
    optional = [_words(wquery, f, part.words, weights[f]) for f in ("heading", "text")]
    if len(part.grams[0]) > 1:  # the heading carries its grams too
        optional.append(_words(wquery, "heading", part.grams, weights["heading"]))
    if len(part.words) == 1:
        optional.append(_words(wquery, "sub", part.words, weights["sub"]))
    return wquery.AndMaybe(grams, wquery.Or(optional))


class _Writer:
    def __init__(self, index) -> None:
        self.writer = index.writer(limitmb=256)

    def add(self, docs) -> None:
        for edition, language, number, kind, work, analysed in docs:
            self.writer.add_document(
                key=f"{edition}\0{language}\0{number}", edition=edition, language=language,
                number=number, work=work or edition, kind=" ".join(kinds(kind)),
                **analysed.ranking_fields())

    def delete(self, edition: str, language: str) -> None:
        wquery = _whoosh()[3]
        self.writer.delete_by_query(wquery.And([wquery.Term("edition", edition),
                                                wquery.Term("language", language)]))

    def commit(self) -> None:
        self.writer.commit()

    def abort(self) -> None:
        self.writer.cancel()
