"""kb.web.templating: what it writes and looks up is what Jinja would, for less CPU."""

from __future__ import annotations

import asyncio
import types

import jinja2
from datasette.utils import to_css_class
from markupsafe import Markup

from kb.web import templating

#: The loop of Datasette 0.65.5's _table.html that table_rows replaces, as it was.
LOOP = """{% for row in display_rows %}
            <tr>
                {% for cell in row %}
                    <td class="col-{{ cell.column|to_css_class }} type-{{ cell.value_type }}" translate="no">{{ cell.value }}</td>
                {% endfor %}
            </tr>
        {% endfor %}"""  # noqa: E501


#: The header loop of Datasette 0.65.5's _table.html that table_head replaces, as it was.
HEAD = """{% for column in display_columns %}
                    <th {% if column.description %}data-column-description="{{ _(column.description) }}" {% endif %}class="col-{{ column.name|to_css_class }}" scope="col" translate="no" data-column="{{ column.name }}" data-column-type="{{ column.type.lower() }}" data-column-not-null="{{ column.notnull }}" data-is-pk="{% if column.is_pk %}1{% else %}0{% endif %}">
                        {% if not column.sortable %}
                            {{ column.name }}
                        {% else %}
                            {% if column.name == sort %}
                                <a href="{{ fix_path(path_with_replaced_args(request, {'_sort_desc': column.name, '_sort': None, '_next': None})) }}" rel="nofollow">{{ column.name }}&nbsp;▼</a>
                            {% else %}
                                <a href="{{ fix_path(path_with_replaced_args(request, {'_sort': column.name, '_sort_desc': None, '_next': None})) }}" rel="nofollow">{{ column.name }}{% if column.name == sort_desc %}&nbsp;▲{% endif %}</a>
                            {% endif %}
                        {% endif %}
                    </th>
                {% endfor %}"""  # noqa: E501


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(autoescape=True, enable_async=True)  # as Datasette makes it
    env.filters["to_css_class"] = to_css_class
    return env


def test_table_rows_write_what_datasettes_loop_wrote():
    rows = [
        [{"column": "id", "value_type": "pk", "value": Markup('<a href="/kb/t/1">1</a>')},
         {"column": "title en", "value_type": "str", "value": 'A & B <i> "q"'},
         {"column": "_hidden", "value_type": "none", "value": Markup("&nbsp;")},
         {"column": "pages", "value_type": "int", "value": 12}],
        [{"column": "审核", "value_type": "float", "value": 1.5},
         {"column": "note", "value_type": "str", "value": "it's 审核 & more"},
         {"column": "plain", "value_type": "str", "value": "ISO 19011:2018 审核指南"},
         {"column": "b", "value_type": "bytes", "value": b"<b>"},
         {"column": "m", "value_type": "str", "value": type("Markupish", (Markup,), {})("<i>")},
         {"column": "h", "value_type": "str",
          "value": type("Html", (), {"__html__": lambda self: "<u>"})()}],
    ]
    expected = asyncio.run(_environment().from_string(LOOP).render_async(display_rows=rows))
    assert str(templating.table_rows(rows)) == expected
    assert templating.table_rows([]) == ""


def test_quick_attributes_answer_as_jinja_does():
    template = ("{{ d.name }}|{{ d.missing is defined }}|{{ d.items is callable }}|"
                "{{ d.keys()|list|length }}|{{ o.real }}|{{ s.upper() }}")
    values = {"d": {"name": "<x>", "items": "shadowed", "keys": 1}, "o": 3, "s": "a"}
    plain = _environment()
    quick = _environment()
    templating.quick_attributes(quick)
    answers = [asyncio.run(env.from_string(template).render_async(**values))
               for env in (plain, quick)]
    assert answers[0] == answers[1] == "&lt;x&gt;|False|True|3|3|A"


#: The change log's rows as standards_changes.html wrote them with macros, before change_rows.
CHANGES = """{%- macro value(field, v) -%}{% if v is none %}—{% elif field == "status" %}{{ _(v) }}{% else %}<span translate="no">{{ v }}</span>{% endif %}{%- endmacro -%}
{% for c in changes %}<tr><td translate="no">{{ c.at }}</td><td>{{ _(codes[c.code]) }} <small translate="no">{{ c.code }}</small></td><td><a href="{{ work_url(c.edition) }}" translate="no">{{ c.edition }}</a></td><td>{% if c.field %}{{ _(c.field) }}: {{ value(c.field, c.old) }} → {{ value(c.field, c.new) }}{% else %}{{ value("status", c.new) if c.new else "" }}{% endif %}</td></tr>{% endfor %}"""  # noqa: E501


def test_change_rows_write_what_the_macros_wrote():
    from kb.catalogue.facts import CHANGE_CODES
    from kb.web import i18n
    from kb.web.changes import change_rows
    from kb.web.site import work_url

    rows = [
        {"at": "2024-01-01", "code": "C", "edition": "ISO 1:2000", "field": "status",
         "old": "current", "new": "withdrawn"},
        {"at": "2024-01-01", "code": "C", "edition": "GB/T <1>", "field": "title_en",
         "old": None, "new": "A & B <i>"},
        {"at": None, "code": "N", "edition": "X", "field": None, "old": None,
         "new": "current"},
        {"at": "2024-02-02", "code": "W", "edition": "X", "field": None, "old": None,
         "new": None},
        {"at": "2024-02-02", "code": "R", "edition": "X", "field": "stage", "old": "60.60",
         "new": '"q"'},
    ]
    template = _environment().from_string(CHANGES)
    for lang in ("en", "zh"):
        _ = i18n.translator(lang)
        expected = asyncio.run(template.render_async(changes=rows, codes=CHANGE_CODES, _=_,
                                                     work_url=work_url))
        assert str(change_rows(rows, CHANGE_CODES, _)) == expected
    zh = str(change_rows(rows[:1], CHANGE_CODES, i18n.translator("zh")))
    assert zh.endswith("<td>状态: 现行 → 废止</td></tr>")  # a status in the interface language


def _cells_database(path) -> None:
    import sqlite3

    con = sqlite3.connect(path)
    con.executescript("""
        create table works (id text primary key, title_en text);
        create table editions (id text primary key, work_id text references works(id),
                               url text, blob blob, pages integer, ratio real, note text);
        create table pairs (a text, b integer, v text, primary key (a, b));
        create table plain (v text, n integer);
        create table sized (id integer primary key, width real);
        create table notes (id integer primary key, work text references works(id));
    """)
    con.executemany("insert into notes values (?, ?)",
                    [(1, "ISO 19011"), (2, "GB/T 1"), (3, "GB/T 2"), (4, None)])
    con.executemany("insert into works values (?, ?)",
                    [("ISO 19011", "Guidelines & <auditing>"), ("GB/T 1", None)])
    con.executemany("insert into editions values (?, ?, ?, ?, ?, ?, ?)", [
        ("ISO 19011:2018", "ISO 19011", "https://www.iso.org/standard/70017.html", b"\x00\x01",
         48, 1.5, "x" * 3000),
        ("ISO 19011:2011", "ISO 19011", " http://a.example/b ", b"\x00", 0, None, ""),
        ("GB/T 1-2020", "GB/T 1", "https://a.example/with space", None, None, 0.0, "<b>&</b>"),
        ("GB/T 1-2009", "GB/T 2", "ftp://x", b"", -1, 2e10, "审核 方案"),
        ("X", None, None, None, None, None, None),
    ])
    con.executemany("insert into pairs values (?, ?, ?)", [("a/b", 1, "one"), ("c,d", 2, None)])
    con.executemany("insert into plain values (?, ?)", [("https://x.example", 1), (None, None)])
    con.execute("insert into sized values (1, 2.5)")
    con.commit()
    con.close()


def test_cells_are_what_datasettes_display_columns_and_rows_gave(tmp_path, monkeypatch):
    """kb.web.cells against Datasette's own function: every page of a database with each kind
    of value (links, URLs, blobs, numbers, long and empty text, expanded foreign keys, compound
    and rowid keys, a table with units), through the plugin's hook alone and beside another."""
    import re

    from datasette import hookimpl
    from datasette.app import Datasette
    from datasette.plugins import pm
    from datasette.views import row as row_view
    from datasette.views import table as table_view

    from kb.web import cells

    path = tmp_path / "cells.db"
    _cells_database(path)
    metadata = {"databases": {"cells": {"tables": {
        "works": {"label_column": "title_en"}, "sized": {"units": {"width": "m"}}}}}}
    urls = ["/cells/works", "/cells/editions", "/cells/editions?_labels=on",
            "/cells/editions?_label=work_id&_size=2", "/cells/pairs", "/cells/plain",
            "/cells/sized", "/cells/editions/ISO~2019011~3A2018", "/cells/pairs/a~2Fb,1",
            "/cells/plain/1", "/cells/works/ISO~2019011", "/cells/editions?_sort=pages",
            "/cells/notes", "/cells/notes/1"]

    def pages() -> list[tuple[int, str]]:
        datasette = Datasette([str(path)], metadata=metadata,
                              settings={"suggest_facets": False, "truncate_cells_html": 100})

        async def fetch():
            await datasette.invoke_startup()
            return [await datasette.client.get(url) for url in urls]
        return [(response.status_code, re.sub(r"[0-9.]+ ?ms", "", response.text))
                for response in asyncio.run(fetch())]

    other = types.ModuleType("another_render_cell")  # Datasette names plugins by __name__

    @hookimpl
    def render_cell(value, column):
        return Markup("<i>other</i>") if column == "pages" and value == 0 else None
    other.render_cell = render_cell

    for extra in (None, other):
        if extra is not None:
            pm.register(extra, name="another render_cell")
        try:
            ours = pages()
            assert table_view.display_columns_and_rows is cells.display_columns_and_rows
            with monkeypatch.context() as m:  # Datasette's own function, for the same pages
                m.setattr(cells, "install", lambda *args: None)
                m.setattr(table_view, "display_columns_and_rows", cells._datasette_display)
                m.setattr(row_view, "display_columns_and_rows", cells._datasette_display)
                theirs = pages()
        finally:
            if extra is not None:
                pm.unregister(extra)
        assert [status for status, _ in ours] == [200] * len(urls)
        for url, mine, datasettes in zip(urls, ours, theirs, strict=True):
            assert mine == datasettes, url
        text = "".join(body for _, body in ours)
        assert 'href="/-/standards/ISO%2019011"' in text  # the plugin's link
        assert "&lt;Binary:&nbsp;2&nbsp;bytes&gt;" in text and "\u2026" in text
        assert ('<a href="/cells/works/ISO+19011">Guidelines &amp; &lt;auditing&gt;</a>'
                '&nbsp;<em>ISO 19011</em>') in text  # an expanded foreign key
        assert ("<i>other</i>" in text) == (extra is not None)


def test_tilde_is_datasettes_tilde_encode():
    import random

    from datasette.utils import tilde_encode

    from kb.web.cells import tilde

    rng = random.Random(5)
    alphabet = [chr(c) for c in [*range(32, 127), 0, 10, 0xe9, 0x3000, 0x5ba1, 0x1f600]]
    texts = ["", " ", "ISO 19011:2018", "a/b,c~d.e", "GB/T 19011—2021 审核"] + [
        "".join(rng.choices(alphabet, k=rng.randint(1, 24))) for _ in range(3000)]
    assert [tilde(t) for t in texts] == [tilde_encode(t) for t in texts]


def test_table_head_writes_what_datasettes_header_loop_wrote():
    import itertools

    from datasette.utils import path_with_replaced_args

    columns = [
        {"name": "id", "sortable": True, "type": "INTEGER", "notnull": 1, "is_pk": True,
         "description": None},
        {"name": "title <en>", "sortable": True, "type": "TEXT", "notnull": 0, "is_pk": False,
         "description": 'A "title" & more'},
        {"name": "审核", "sortable": False, "type": "", "notnull": 0, "is_pk": False,
         "description": ""},
        {"name": "a&b", "sortable": True, "type": "Text", "notnull": 0, "is_pk": 0}]
    template = _environment().from_string(HEAD)
    for query, sort, sort_desc in itertools.product(
            ["", "status=current&_n=1", "_sort=a%26b&x=%E5%AE%A1&_next=3&_sort_desc=id"],
            [None, "id", "a&b"], [None, "title <en>", "a&b"]):
        request = types.SimpleNamespace(path="/kb/editions", query_string=query)
        names = {"display_columns": columns, "request": request, "sort": sort,
                 "sort_desc": sort_desc, "_": str.upper, "fix_path": lambda p: "/base" + p,
                 "path_with_replaced_args": path_with_replaced_args}
        expected = asyncio.run(template.render_async(**names))
        assert str(templating.table_head(columns, request, sort, sort_desc, str.upper,
                                         names["fix_path"])) == expected, (query, sort)
    assert templating.table_head([], request, None, None, str, str) == ""
