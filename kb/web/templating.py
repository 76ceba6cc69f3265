"""Where Jinja spent the pages' CPU, done for less, with the same output.

* The cells of Datasette's table and row pages, written in Python rather than by Jinja.  A
  table page shows 50 rows of up to 25 columns: 1 250 cells, each of which Jinja (in
Datasette's asynchronous mode) renders with three awaited attribute lookups, a filter and
five yields, and most of the page's CPU went there.  :func:`table_rows` writes the same
  markup as the loop it replaces in Datasette 0.65.5's ``_table.html`` (byte for byte) in one
  pass over the rows; :func:`table_head` does the same for the header's ``<th>`` (a sort link
  a column, 1.3 ms of Jinja for 31 columns).
* ``x.name`` in a template, where ``x`` is a dict (what the query functions return): Jinja
  asks for the attribute first and looks up the key after the ``AttributeError`` — an
  exception for every field shown.  :func:`quick_attributes` looks the key up first when no
  attribute of a dict has that name, which is what Jinja would find anyway.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

from datasette.utils import to_css_class
from markupsafe import Markup, escape


@lru_cache(maxsize=4096)
def css_class(name: str) -> str:
    """Datasette's ``to_css_class`` of a column or table name (the same few names on every
    page, so their hashes are computed once)."""
    return to_css_class(name)


_ROW_START, _ROW_END = "\n            <tr>\n                ", "\n            </tr>\n        "
_CELL_END = "</td>\n                "


@lru_cache(maxsize=4096)
def _cell_start(column: str, value_type: str) -> str:
    return (f'\n                    <td class="col-{escape(css_class(column))} '
            f'type-{escape(value_type)}" translate="no">')


#: A character ``markupsafe.escape`` replaces.
_ESCAPED = re.compile(r"[&<>'\"]")


def table_rows(display_rows) -> Markup:
    """The ``<tr>`` of ``display_rows`` (Datasette's rows of cells: ``column``,
    ``value_type``, ``value``) as ``_table.html``'s loop writes them.  A cell is written as
    ``escape`` would (markup as it is, text escaped) without making a ``Markup`` of each
    (a Python ``__new__``: a tenth of a table page's CPU); text with nothing to escape is
    written as it is."""
    out = []
    add = out.append
    search = _ESCAPED.search
    for row in display_rows:
        add(_ROW_START)
        for cell in row:
            add(_cell_start(cell["column"], cell["value_type"]))
            value = cell["value"]
            kind = type(value)
            if kind is Markup:
                add(value)
            elif kind is int or kind is float:  # nothing in a number to escape
                add(str(value))
            elif kind is not str or search(value):
                add(escape(value))
            else:
                add(value)
            add(_CELL_END)
        add(_ROW_END)
    return Markup("".join(out))


def table_head(columns, request, sort, sort_desc, translate, fix_path) -> Markup:
    """The ``<th>`` of ``display_columns`` as ``_table.html``'s header loop writes them (the
    same markup as Jinja's, byte for byte), the request's query string read once for every
    column's sort link rather than once a column (``path_with_replaced_args``)."""
    pairs = parse_qsl(request.query_string)
    path = request.path

    def replaced(args: tuple) -> str:  # datasette.utils.path_with_replaced_args
        keys = {key for key, _ in args}
        query = urlencode([(k, v) for k, v in pairs if k not in keys]
                          + [(k, v) for k, v in args if v is not None])
        return path + (f"?{query}" if query else "")

    out = []
    add = out.append
    for column in columns:
        name = column["name"]
        shown = escape(name)
        add(_TH_START)
        if column.get("description"):
            add(f'data-column-description="{escape(translate(column["description"]))}" ')
        add(f'class="col-{escape(css_class(name))}" scope="col" translate="no" '
            f'data-column="{shown}" data-column-type="{escape(column["type"].lower())}" '
            f'data-column-not-null="{escape(column["notnull"])}" '
            f'data-is-pk="{1 if column["is_pk"] else 0}">{_TH_BODY}')
        if not column["sortable"]:
            add(f"{_NAME_LEAD}{shown}{_NAME_END}")
        elif name == sort:
            url = escape(fix_path(replaced((("_sort_desc", name), ("_sort", None),
                                            ("_next", None)))))
            add(f'{_LINK_LEAD}<a href="{url}" rel="nofollow">{shown}&nbsp;\u25bc</a>'
                f"{_LINK_END}")
        else:
            url = escape(fix_path(replaced((("_sort", name), ("_sort_desc", None),
                                            ("_next", None)))))
            mark = "&nbsp;\u25b2" if name == sort_desc else ""
            add(f'{_LINK_LEAD}<a href="{url}" rel="nofollow">{shown}{mark}</a>{_LINK_END}')
        add(_TH_END)
    return Markup("".join(out))


_TH_START = "\n                    <th "
_TH_BODY = "\n                        "
_NAME_LEAD, _NAME_END = "\n                            ", "\n                        "
_LINK_LEAD = "\n                            \n                                "
_LINK_END = "\n                            \n                        "
_TH_END = "\n                    </th>\n                "


_DICT_ATTRIBUTES = frozenset(dir(dict))


def quick_attributes(env) -> None:
    """Make ``env``'s attribute lookup (``x.name``) read a plain dict's key without first
    failing to find an attribute; the answer is Jinja's in every case (a dict's own methods,
    ``d.items``, still win over its keys; a missing key is undefined as before)."""
    slow = env.getattr
    undefined = env.undefined

    def lookup(obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return undefined(obj=obj, name=attribute)
        return slow(obj, attribute)

    env.getattr = lookup
