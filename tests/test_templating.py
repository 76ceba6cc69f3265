"""kb.web.templating: what it writes and looks up is what Jinja would, for less CPU."""

from __future__ import annotations

import asyncio

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
        [{"column": "审核", "value_type": "float", "value": 1.5}],
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
