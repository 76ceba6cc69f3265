"""Datasette's table permission rules, read once per table rather than on every check.

Datasette 0.65.5 answers "may this actor see this table?" (``view-table``, four or five times
a table page: the page, its crumbs, the database's visibility) by merging every metadata
source with a deep copy of each, ``_table_permission_allows``: 0.38 ms a call with this
package's ``metadata.yml``, about a tenth of a table page's CPU.  Its answer (the ``allow``
blocks of one table) depends only on the metadata, which Datasette sets once, at its start,
when no plugin gives metadata through the ``get_metadata`` hook.  :func:`install` makes each
table's answer once under those conditions and asks Datasette every time otherwise.
"""

from __future__ import annotations

from typing import Any

from datasette.plugins import pm


def install(datasette) -> None:
    """Remember ``datasette``'s table permission rules per (database, table) while its
    metadata is the one it started with and no plugin supplies metadata."""
    ask = datasette._table_permission_allows
    if getattr(ask, "remembers", False):
        return
    known: dict[tuple[str, str], list[Any]] = {}
    started_with = datasette._metadata_local

    def table_permission_allows(database: str, table: str) -> list[Any]:
        if pm.hook.get_metadata.get_hookimpls() or datasette._metadata_local is not started_with:
            return ask(database, table)
        key = (database, table)
        if key not in known:
            known[key] = ask(database, table)
        return list(known[key])

    table_permission_allows.remembers = True
    datasette._table_permission_allows = table_permission_allows
