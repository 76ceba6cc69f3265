"""Clause text analysed and indexed.  :mod:`~kb.text.analysis` turns English and Chinese
text and queries into terms (jieba words beside character bigrams); :mod:`~kb.text.search`
is the one entry point to the engines — it builds, updates and queries them and collapses
editions — :mod:`~kb.text.search_tantivy` (the default: exact top k),
:mod:`~kb.text.search_fts` (SQLite FTS5, for Datasette and SQL users) and
:mod:`~kb.text.search_whoosh` (built on request).  A new engine is a module here with the
``Engine`` methods :mod:`kb.text.search` calls.

It imports nothing else of ``kb``: the store writes into these indexes, the readers query
them.
"""
