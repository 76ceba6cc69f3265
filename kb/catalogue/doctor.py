"""The catalogue's health: what in the derived facts breaks the catalogue's own rules.

Each check is one SQL question over the derived tables (see :mod:`kb.catalogue.facts`), with its
count
and a few examples; ``kb doctor`` prints them and, with ``--strict``, exits non-zero when any
is found.  First of all it asks SQLite whether the file itself is whole (:func:`integrity`,
``quick_check``, or ``integrity_check`` with ``--full``): a damaged file is reported table by
table, and the rules are not checked on it.  The checks:

* **current but replaced** — a current edition that a published edition replaces;
* **published twice** — an edition with two publication events, or sources disagreeing on
  its publication date;
* **dated outside its year** — a dated designation published in another year (a year's
  difference is allowed for January publications of the previous year's document);
* **undated duplicates** — an undated edition beside a published dated edition of the same
  work, with nothing to tell them apart (the crawler's record of a then upcoming edition);
  the next edition, with a page or project id of its own or a later year, is not one;
* **replacement cycles** — editions that replace each other, directly or through others;
* **relations to nothing** — replaces, amends or corrects an edition the knowledge base does
  not hold (amended or replaced documents should be known);
* **conflicting sources** — editions whose sources disagree on a fact (kept, not a fault of
  the knowledge base, but worth a curator's look);
* **dropped relations** — replacements a source claims that the rules drop (information).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["CHECKS", "FAULTS", "Finding", "faults", "integrity", "run"]

EXAMPLES = 5


@dataclass
class Finding:
    """One check's result: how many editions break the rule, and some of them."""

    name: str
    title: str
    count: int
    examples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"check": self.name, "title": self.title, "count": self.count,
                "examples": self.examples}


def _rows(conn: sqlite3.Connection, sql: str, params=()) -> tuple[int, list[str]]:
    rows = [str(r[0]) for r in conn.execute(sql, params)]
    return len(rows), rows[:EXAMPLES]


def _current_but_replaced(conn):
    # relations first (CROSS JOIN fixes the order): a plan from the status index is quadratic
    return _rows(conn, """select distinct e.id || ' (replaced by ' || r.subject || ')'
        from relations r cross join editions e on e.id = r.object
        cross join editions n on n.id = r.subject
        where r.type = 'replaces' and +e.status = 'current'
          and +n.status in ('current', 'replaced', 'withdrawn')
        order by 1""")


def _published_twice(conn):
    return _rows(conn, """select id || ': ' || group_concat(date, ' and ') from (
            select edition_id as id, date from stage_events
            where code in ('60.60', '发布') order by date)
        group by id having count(*) > 1
        union all
        select id || ': sources disagree on ' || conflicts from editions
        where ',' || conflicts || ',' like '%,published,%'
        order by 1""")


def _dated_outside_year(conn):
    return _rows(conn, """select id || ' published ' || published from editions
        where year is not null and published is not null and kind = 'standard'
          and draft_stage is null
          and cast(substr(published, 1, 4) as integer) != year
          and not (cast(substr(published, 1, 4) as integer) = year + 1
                   and substr(published, 6, 2) = '01')
        order by id""")


def _undated_duplicates(conn):
    """Undated editions (kb.catalogue.facts' sense) that have a published dated twin the identity
    rule
    could not merge them into (no shared page or project id, no matching year), and nothing
    that shows them to be another document (the next edition, with its own page)."""
    from kb.catalogue.facts import _undated, another_document, dated_twins

    found = []
    for (edition,) in conn.execute("select id from editions where draft_stage is null "
                                   "order by id").fetchall():
        if not _undated(edition):
            continue
        twins = dated_twins(conn, edition,
                            "status in ('current', 'replaced', 'withdrawn')")
        if twins and not another_document(conn, edition, twins):
            found.append(f"{edition} beside {twins[-1]}")
    return len(found), found[:EXAMPLES]


def _cycles(conn):
    """Strongly connected groups of the replaces graph (Tarjan's algorithm, iterative): each
    group of two or more editions, or one that replaces itself, is a cycle."""
    graph: dict[str, list[str]] = {}
    for subject, obj in conn.execute("select subject, object from relations "
                                     "where type = 'replaces' order by subject, object"):
        graph.setdefault(subject, []).append(obj)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(graph.get(root, ())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in graph.get(node, ()):
                    groups.append(sorted(group))
    cycles = [" ↔ ".join(group) for group in sorted(groups)]
    return len(cycles), cycles[:EXAMPLES]


def _relations_to_nothing(conn):
    return _rows(conn, """select r.subject || ' ' || r.type || ' ' || r.object from relations r
        where r.type in ('replaces', 'amends', 'corrects')
          and not exists (select 1 from editions e where e.id = r.object)
        order by r.subject, r.object""")


def _dropped(conn):
    """Replacement claims the rules drop (kb.catalogue.facts.sensible, and cycles: claimed both
    ways)."""
    from kb.catalogue.facts import sensible

    claimed = {(s, o) for s, o in conn.execute(
        "select distinct subject, key from claims where property = 'replaces'")}
    found = []
    for subject, obj in sorted(claimed):
        if not sensible(subject, "replaces", obj):
            found.append(f"{subject} replaces {obj} (not a replacement)")
        elif (obj, subject) in claimed and subject < obj and sensible(obj, "replaces", subject):
            found.append(f"{subject} ↔ {obj} (a cycle: refused both ways)")
    return len(found), found[:EXAMPLES]


def _conflicts(conn):
    return _rows(conn, """select id || ': ' || conflicts from editions
        where conflicts is not null order by id""")


#: name → (title, check)
CHECKS: dict[str, tuple[str, Callable]] = {
    "current-but-replaced": ("current but replaced by a published edition",
                             _current_but_replaced),
    "published-twice": ("published twice, or on dates the sources disagree about",
                        _published_twice),
    "dated-outside-year": ("published outside the year its designation gives",
                           _dated_outside_year),
    "undated-duplicate": ("undated edition beside a published dated one of the same work",
                          _undated_duplicates),
    "replacement-cycle": ("editions that replace each other", _cycles),
    "relation-to-nothing": ("replaces, amends or corrects an edition not in the knowledge base",
                            _relations_to_nothing),
    "conflicting-sources": ("sources disagree on a fact (kept; for a curator's look)",
                            _conflicts),
    "dropped-relation": ("replacements some source claims that the rules drop (a published "
                         "document replacing a draft, a supplement its base, cycles)", _dropped),
}
#: Checks that ``--strict`` fails on (conflicts and dropped claims are information).
FAULTS = tuple(name for name in CHECKS if name not in ("conflicting-sources", "dropped-relation"))


def integrity(conn: sqlite3.Connection, full: bool = False) -> Finding:
    """SQLite's check of the file itself (:func:`kb.catalogue.storage.check`: ``quick_check``, or
    ``integrity_check`` when ``full``): each problem names the table it hurts."""
    from kb.catalogue import storage

    problems = storage.check(conn, full)
    title = ("tables SQLite's " + ("full integrity check" if full else "quick check")
             + " finds damaged" + ("" if full else " (--full: the full check)"))
    examples = []
    for problem in problems[:EXAMPLES]:
        part = storage.owner(problem.table)
        examples.append(f"{problem}" + (f" ({part})" if part else ""))
    return Finding("integrity", title, len(problems), examples)


def run(conn: sqlite3.Connection) -> list[Finding]:
    """Every check on the knowledge base."""
    out = []
    for name, (title, check) in CHECKS.items():
        count, examples = check(conn)
        out.append(Finding(name, title, count, examples))
    return out


def faults(findings: list[Finding]) -> int:
    """How many findings break the catalogue's rules (:data:`FAULTS`; not conflicts)."""
    return sum(f.count for f in findings if f.name in FAULTS)
