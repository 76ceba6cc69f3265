"""The frame of every page, given to the templates: the navigation bar, the notice that the
FTS5 index is behind, stage labels in the interface language, ``kb_code``, the SQL operators."""

from __future__ import annotations

from markupsafe import Markup

from kb.wording import N_

#: The site's sections, in the navigation bar of every page.
NAV = (("/", N_("Home")), ("/-/standards", N_("Standards")), ("/-/search", N_("Search")),
       ("/-/bulletins", N_("Bulletins")), ("/-/diff", N_("Compare")),
       ("/-/changes", N_("Changes")))


#: Tables whose search box or SQL reads the FTS5 index, which may be behind (kb.text.search_fts).
FTS_TABLES = ("clauses", "clauses_fts")


async def fts_behind(datasette, database: str | None, table: str | None, view_name: str,
                     request) -> int:
    """Clauses FTS5 lacks, on the pages that read it: the clause tables and SQL naming it."""
    from kb.text import search_fts

    sql = request.args.get("sql", "") if request is not None else ""
    if not database or not (table in FTS_TABLES or "clauses_fts" in sql):
        return 0
    try:
        rows = await datasette.get_database(database).execute(
            f"select count(*) from {search_fts.PENDING}")
    except Exception:  # no such table: a knowledge base of before it, or another database
        return 0
    return rows.first()[0]


def stage_label(code: str | None, ui: str) -> str:
    """A stage code's or Chinese lifecycle step's name in the interface language."""
    from kb.identifiers import stages

    if not code:
        return ""
    try:
        return stages.label(code, ui)
    except stages.StageError:
        return ""


def code_spans(text: str | None) -> Markup:
    """A plain description with its `backquoted` spans as code (``kb build`` in
    metadata.yml), the rest escaped."""
    import re

    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(Markup.escape(text or ""))))


#: Operators of Datasette's filters that are SQL's own words (or signs): shown as they are.
SQL_OPERATORS = frozenset({"=", "!=", ">", "\u2265", "<", "\u2264", "like", "not like", "glob"})
