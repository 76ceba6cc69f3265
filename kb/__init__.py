"""The standards knowledge base: catalogue facts and clause text of standards in SQLite.

The folders follow a record's way in and a question's way out, each importing only from the
ones above it in this list (and the shared modules at the end):

* :mod:`kb.identifiers` — how standards are named: the designation grammar, stage codes,
  issuers;
* :mod:`kb.text` — clause text analysed (English and Chinese) and indexed: the search engines
  behind one entry point;
* :mod:`kb.catalogue` — the knowledge base on disk: the records loaders hand over, the store
  that writes them, the facts derived from every source's claims, the queries and the
  comparison of editions that read them, checks, updates, snapshots;
* :mod:`kb.bulletins` — the standards a bulletin cites: mentions found in text, resolved
  against the catalogue, exported as reference tables;
* :mod:`kb.web` — the Datasette plugin (pages, guards, the interface's languages) and the
  workers that serve it;
* :mod:`kb.cli` — the ``kb`` command, over the same functions as the pages (its plumbing in
  :mod:`kb.cli_support`).

Shared by all: :mod:`kb.wording` (interface text and counts), :mod:`kb.render` (text for the
terminal and the exports), :mod:`kb.limits` (bounds on parameters and values).  Loaders live
apart, in the ``loaders`` package: they read files and import only :mod:`kb.catalogue.model`,
:mod:`kb.identifiers`, :mod:`kb.bulletins.mentions` and the shared modules.
docs/architecture.md is the map.
"""
