"""The cells of Datasette's table and row pages, for half their CPU, the same output.

Datasette 0.65's ``display_columns_and_rows`` turns every cell of a page (50 rows of up to
30 columns on a table page) into a dict with its display value, and asks the ``render_cell``
plugin hook about each one: a pluggy call, an ``await``, a URL test and a handful of
``isinstance`` checks a cell, about 9 ms of a 25 ms table page at 90 000 editions (4.5 ms now).

:func:`display_columns_and_rows` gives the same columns and rows: the columns come from
Datasette's own function (called without rows), the cells from one pass that decides per
column what Datasette decides per cell.  When this package's hook is the only ``render_cell``
implementation, it is called directly for the columns it renders (``kb.web.WORK_COLUMNS``)
and not at all for the others, where it returns ``None``; with any other plugin installed,
every cell goes through the hook as before.  A table with ``units`` in its metadata is left
to Datasette whole.  :func:`install` puts it in the place of Datasette's in the table and row
views (at Datasette's startup: importing its views from a plugin is circular);
``tests/test_templating.py`` compares the pages of both on every kind of value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import markupsafe
from datasette.plugins import pm
from datasette.utils import (  # _tilde_encoder: what tilde_encode looks each byte up in
    CustomRow,
    _tilde_encoder,
    await_me_maybe,
    format_bytes,
    is_url,
    path_from_row_pks,
    truncate_url,
)

_NBSP = markupsafe.Markup("&nbsp;")
# datasette.views.table's, which cannot be imported when kb.web is (a circular import)
_LINK_WITH_LABEL = ('<a href="{base_url}{database}/{table}/{link_id}">{label}</a>&nbsp;'
                    '<em>{id}</em>')
_LINK_WITH_VALUE = '<a href="{base_url}{database}/{table}/{link_id}">{id}</a>'


def install(hook: Callable[..., Any], renders: Callable[[str, str], bool]) -> None:
    """Serve Datasette's table and row pages with :func:`display_columns_and_rows`;
    ``hook`` is this package's ``render_cell`` and ``renders(table, column)`` says where it
    may return something other than ``None``."""
    global _own, _datasette_display
    from datasette.views import row as row_view
    from datasette.views import table as table_view

    _own = (hook, renders)
    if table_view.display_columns_and_rows is not display_columns_and_rows:
        _datasette_display = table_view.display_columns_and_rows
    table_view.display_columns_and_rows = display_columns_and_rows
    row_view.display_columns_and_rows = display_columns_and_rows


_own: tuple[Callable[..., Any], Callable[[str, str], bool]] | None = None
_datasette_display: Callable[..., Any] | None = None


async def display_columns_and_rows(datasette, database_name, table_name, description, rows,
                                   link_column=False, truncate_cells=0,
                                   sortable_columns=None):
    """Datasette's ``display_columns_and_rows``: the same ``(columns, rows)``."""
    from datasette.views import table as table_view  # imported by now (not when kb.web is)

    if datasette.table_metadata(database_name, table_name).get("units"):
        return await _datasette_display(datasette, database_name, table_name, description,
                                       rows, link_column, truncate_cells, sortable_columns)
    columns, _ = await _datasette_display(datasette, database_name, table_name, description,
                                         [], link_column, truncate_cells, sortable_columns)
    db = datasette.databases[database_name]
    pks = await db.primary_keys(table_name)
    foreign = {fk["column"]: fk["other_table"]
               for fk in await db.foreign_keys_for_table(table_name)}
    names = [r[0] for r in description]
    skip = link_column and len(pks) == 1 and pks[0]
    hook, asked = _cell_hook(datasette, database_name, table_name)
    asks = [asked(name) for name in names]
    link = _link_cell(datasette, database_name, table_name, pks) if link_column else None
    base_url = datasette.setting("base_url")
    cell_rows = []
    for row in rows:
        cells = [link(row)] if link else []
        # a CustomRow (an OrderedDict) iterates through a Python __getitem__ a value
        values = map(row.get, row.columns) if isinstance(row, CustomRow) else row
        for value, name, ask in zip(values, names, asks, strict=False):
            if name == skip:
                continue
            shown = await hook(row, value, name) if ask else None
            kind = type(value)
            if shown:
                pass
            elif kind is str and value:  # most cells
                shown = _text(value, truncate_cells)
            elif value is None:  # most of the others
                shown = _NBSP
            else:
                shown = _display(datasette, database_name, table_name, pks, row, value, name,
                                 foreign, base_url, truncate_cells)
                if kind is dict:
                    value = value["value"]
                    kind = type(value)
            cells.append({"column": name, "value": shown, "raw": value,
                          "value_type": "none" if value is None else kind.__name__})
        cell_rows.append(table_view.Row(cells))
    return columns, cell_rows


def _cell_hook(datasette, database_name: str, table_name: str):
    """``(hook, asked)``: an awaitable ``hook(row, value, column)`` giving a plugin's display
    value or None, and ``asked(column)``, whether to call it for a column's cells.  When this
    package's hook is the only one it is called directly, for the columns it renders."""
    hooks = pm.hook.render_cell.get_hookimpls()
    if _own is not None and len(hooks) == 1 and hooks[0].function is _own[0]:
        own, argnames, renders = hooks[0].function, hooks[0].argnames, _own[1]

        async def direct(row, value, column):
            given = {"row": row, "value": value, "column": column, "table": table_name,
                     "database": database_name, "datasette": datasette}
            return await await_me_maybe(own(**{name: given[name] for name in argnames}))
        return direct, lambda column: renders(table_name, column)

    async def through_pluggy(row, value, column):
        for candidate in pm.hook.render_cell(row=row, value=value, column=column,
                                             table=table_name, database=database_name,
                                             datasette=datasette):
            candidate = await await_me_maybe(candidate)
            if candidate is not None:
                return candidate
        return None
    return through_pluggy, lambda column: bool(hooks)


def _link_cell(datasette, database_name: str, table_name: str, pks: list[str]):
    """The first cell of a table page's row: the link to the row's page."""
    special = len(pks) != 1
    column = pks[0] if len(pks) == 1 else "Link"
    table_path = datasette.urls.table(database_name, table_name)
    key = pks[0] if len(pks) == 1 else "rowid" if not pks else None

    def cell(row) -> dict[str, Any]:
        if key is None:  # a compound key: each part quoted on its own
            pk_path = path_from_row_pks(row, pks, False, False)
            quoted = path_from_row_pks(row, pks, False)
        else:  # what path_from_row_pks makes of one key, quoted and not
            value = row[key]
            pk_path = str(value["value"] if isinstance(value, dict) else value)
            quoted = tilde(pk_path)
        return {"column": column, "value_type": "pk", "is_special_link_column": special,
                "raw": pk_path, "value": markupsafe.Markup(
                    f'<a href="{table_path}/{quoted}">{markupsafe.escape(pk_path)}</a>')}
    return cell


def tilde(text: str) -> str:
    """Datasette's ``tilde_encode`` (``/`` -> ``~2F``, a space ``+``): its own table of
    bytes, looked up by ``map`` rather than a generator (half the time, in every row's
    link)."""
    return "".join(map(_tilde_encoder, text.encode("utf-8")))


def _text(value: str, truncate_cells: int) -> Any:
    """A text cell: a link if it is just a URL, else the text, cut at ``truncate_cells``."""
    stripped = value.strip()
    if stripped[:4] == "http" and is_url(stripped):
        shown = markupsafe.escape(truncate_url(stripped, truncate_cells))
        return markupsafe.Markup(f'<a href="{markupsafe.escape(stripped)}">{shown}</a>')
    if truncate_cells and len(value) > truncate_cells:
        return value[:truncate_cells] + "\u2026"
    return value


def _display(datasette, database_name: str, table_name: str, pks: list[str], row,
             value: Any, column: str, foreign: dict[str, str], base_url: str,
             truncate_cells: int) -> Any:
    """What Datasette shows for a cell no plugin rendered (its branches, in its order)."""
    if value is None or value == "":
        return _NBSP
    if isinstance(value, str):
        return _text(value, truncate_cells)
    if isinstance(value, bytes):
        formatted = format_bytes(len(value))
        return markupsafe.Markup(
            '<a class="blob-download" href="{}"{}>&lt;Binary:&nbsp;{:,}&nbsp;byte{}&gt;</a>'
            .format(datasette.urls.row_blob(database_name, table_name,
                                            path_from_row_pks(row, pks, not pks), column),
                    f' title="{formatted}"' if "bytes" not in formatted else "",
                    len(value), "" if len(value) == 1 else "s"))
    if isinstance(value, dict):  # an expanded foreign key: a link to the other row
        label, value = value["label"], value["value"]
        template = _LINK_WITH_LABEL if label != value else _LINK_WITH_VALUE
        return markupsafe.Markup(template.format(
            database=database_name, base_url=base_url, table=tilde(foreign[column]),
            link_id=tilde(str(value)), id=str(markupsafe.escape(value)),
            label=str(markupsafe.escape(label)) or "-"))
    text = str(value)
    if truncate_cells and len(text) > truncate_cells:
        return text[:truncate_cells] + "\u2026"
    return text
