"""The standards a bulletin cites.  :mod:`~kb.bulletins.mentions` finds designations,
committees and documents in running text (English and Chinese, as people write them);
:mod:`~kb.bulletins.citations` resolves a loaded bulletin's mentions against the catalogue
(the edition cited, the one in force, stale citations, the counts the page and ``kb check``
share); :mod:`~kb.bulletins.export` writes its reference table (CSV, XLSX, Markdown, HTML,
citation styles).  A new export format is a writer in :mod:`~kb.bulletins.export`.

May import :mod:`kb.catalogue`, :mod:`kb.identifiers` and the shared modules.
"""
