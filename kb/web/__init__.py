"""The Datasette plugin: pages over the same query functions the CLI uses.

* ``/-/standards`` — find a standard by any spelling of its designation;
* ``/-/standards/<designation>`` — a work's history: timeline picture, editions and drafts
  with their stage events, replaced/replacing documents and adoptions, all linked;
* ``/-/standards/<designation>.json`` — the same history as JSON (as ``kb history --json``);
* ``/-/search?q=…`` — clause text search in English and Chinese (the query is segmented
  like the index), highlighted snippets, filters and paging; ``/-/search.json?q=…`` the
  same as an API, with the fields and paging of ``kb search --json``;
* ``/-/clause/<edition>/<number>`` — a clause in place (``/-/clause/<edition>/`` lists the
  top-level clauses); ``/-/term/<term>`` — a term in every loaded standard;
* ``/-/bulletins`` — the loaded bulletins; ``/-/bulletin/<id>`` — a bulletin's text with
  every mention highlighted and linked (stale ones marked) beside its reference table;
  ``/-/bulletin/<id>.<format>?lang=`` — the reference table in an export format;
* ``/-/changes?since=&code=`` — what loads and ``kb update`` changed in the editions' facts
  (new, changed, withdrawn, replaced), newest first, paged; ``/-/changes.json`` the same;
* ``/-/diff?old=&new=`` — two editions side by side, clause by clause, with a redline;
  ``/-/crosswalk?national=&international=`` — an adoption aligned with its source.

Each family of pages has its module: :mod:`~kb.web.history` (the standards index, a work's
history), :mod:`~kb.web.search_pages`, :mod:`~kb.web.clause_pages` (clauses and terms),
:mod:`~kb.web.bulletin_pages` (with :mod:`~kb.web.bulletin_text`), :mod:`~kb.web.compare`,
:mod:`~kb.web.changes`; :mod:`~kb.web.site` holds what they share (the knowledge base served,
the URLs, redirects), :mod:`~kb.web.frame` what every page's frame shows and
:mod:`~kb.web.errors` the error pages.  This module keeps the Datasette hooks and the routes.

Beside the pages: :mod:`~kb.web.guard` (limits on every served connection and request),
:mod:`~kb.web.cache` (pages of a snapshot kept by URL), :mod:`~kb.web.i18n` (the interface's
languages, gettext catalogues in ``locale/``), :mod:`~kb.web.templating` and
:mod:`~kb.web.cells` (the same pages for less CPU), :mod:`~kb.web.timeline`, and
:mod:`~kb.web.serving` (workers behind HAProxy for ``kb serve``).
May import every other folder of ``kb``; nothing imports it but the command line.
"""

from __future__ import annotations

from datasette import hookimpl
from markupsafe import Markup, escape

from kb.web import cells, errors, i18n, permissions, templating
from kb.web.bulletin_pages import bulletin_export, bulletin_page, bulletins_page
from kb.web.changes import changes_page
from kb.web.clause_pages import clause_page, term_page
from kb.web.compare import crosswalk_page, diff_page
from kb.web.frame import NAV, SQL_OPERATORS, code_spans, fts_behind, stage_label
from kb.web.guard import asgi_wrapper, fixed_templates, prepare_connection  # noqa: F401
from kb.web.history import standards_index, work_history, work_history_json
from kb.web.search_pages import search_json, search_page
from kb.web.site import clause_url, moved, term_url, work_url


@hookimpl
def extra_template_vars(request, datasette, database, table, view_name):
    scope = request.scope if request is not None else {}
    ui = i18n.language(scope)

    async def values():
        return {**names, "kb_fts_behind": await fts_behind(datasette, database, table,
                                                           view_name, request)}

    names = {"kb_work_url": work_url, "kb_clause_url": clause_url, "kb_term_url": term_url,
            "_": i18n.translator(ui), "ui": ui, "kb_nav": NAV,
            "kb_stage_label": lambda code: stage_label(code, ui),
            "kb_sql_operators": SQL_OPERATORS,
            "ui_switch": i18n.switch_url(scope, "en" if ui == "zh" else "zh")}
    return values


@hookimpl
def startup(datasette):
    fixed_templates(datasette)
    cells.install(render_cell, lambda table, column: (table, column) in WORK_COLUMNS)
    permissions.install(datasette)


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["kb_code"] = code_spans
    env.filters["kb_data"] = i18n.data
    env.filters["to_css_class"] = templating.css_class
    env.globals["kb_table_rows"] = templating.table_rows
    env.globals["kb_table_head"] = templating.table_head
    templating.quick_attributes(env)


@hookimpl
def handle_exception(datasette, request, exception):
    """Datasette's error pages in the interface language (:func:`kb.web.errors.error_page`)."""
    return errors.error_page(datasette, request, exception)


@hookimpl
def register_routes():
    return [
        (r"^/-/standards/?$", standards_index),
        (r"^/-/standards/(?P<designation>.+)\.json$", work_history_json),
        (r"^/-/standards/(?P<designation>.+)$", work_history),
        (r"^/-/search\.json$", search_json),
        (r"^/-/search/?$", search_page),
        (r"^/-/clause/(?P<designation>.+)/(?P<number>[^/]*)$", clause_page),
        (r"^/-/term/(?P<text>.+)$", term_page),
        (r"^/-/diff/?$", diff_page),
        (r"^/-/crosswalk/?$", crosswalk_page),
        (r"^/-/bulletins/?$", bulletins_page),
        (r"^/-/bulletin/(?P<id>[^/]+?)\.(?P<fmt>csv|xlsx|md|html|docx|gbt7714|iso690|bibtex|"
         r"csl-json|ris)$", bulletin_export),
        (r"^/-/bulletin/(?P<id>[^/]+?)(?P<json>\.json)$", bulletin_page),
        (r"^/-/bulletin/(?P<id>[^/]+)$", bulletin_page),
        (r"^/-/changes(?P<json>\.json)?$", changes_page),
        # old and guessable addresses, redirected to the page they mean
        (r"^/-/bulletins/(?P<rest>[^/]+)$", moved("/-/bulletin/{rest}")),
        (r"^/-/bulletin/?$", moved("/-/bulletins")),
        (r"^/-/standard(?:/(?P<rest>.*))?$", moved("/-/standards/{rest}")),
        (r"^/-/(?:compare|comparison)/?$", moved("/-/diff")),
        (r"^/-/clause/(?P<rest>[^/]+)$", moved("/-/clause/{rest}/")),
        (r"^/-/clauses?/?$", moved("/-/search")),
        (r"^/-/terms?/?$", moved("/-/search")),
    ]


# the columns holding a work's designation, linked to its history page by render_cell
WORK_COLUMNS = frozenset({("works", "id"), ("editions", "work_id"), ("relations", "work_id"),
                          ("relations", "subject_work"), ("relations", "object_work"),
                          ("editions", "subject_work"), ("editions", "object_work")})


@hookimpl
def render_cell(value, column, table):
    """Link work designations to their history page."""
    if (table, column) not in WORK_COLUMNS:
        return None
    label = None
    if isinstance(value, dict):  # an expanded foreign key
        value, label = value.get("value"), value.get("label")
    if isinstance(value, str):
        # escape() and an f-string: what Markup.format writes, for a tenth of its CPU
        link = f'<a href="{escape(work_url(value))}" title="history">{escape(value)}</a>'
        if label and label != value:
            link += f" <small>{escape(label)}</small>"
        return Markup(link)
    return None




def _register_whole() -> None:
    """A program that imports this module before Datasette's plugins (``import kb.web``, then
    Datasette) has Datasette load its entry point mid-import and register the module without
    its hooks, which it scans at registration: register it again, whole."""
    import sys

    from datasette.plugins import pm

    module = sys.modules[__name__]
    name = pm.get_name(module)
    if name is not None and not pm.get_hookcallers(module):
        pm.unregister(module)
        pm.register(module, name=name)


_register_whole()
