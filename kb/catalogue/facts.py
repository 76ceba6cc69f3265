"""Facts from claims: the one place that decides what the knowledge base shows.

Every source keeps what it says about an edition in ``claims`` (one row per source, property
and key: a title, a date, a stage, a stage event, a relation), with the source's provenance in
``sources`` (file, loader, ``origin`` — whose record it is — and ``said``, the date the source
said it).  Nothing a source says overwrites another source.  The columns of ``editions`` and the
rows of ``stage_events`` and ``relations`` are derived from the claims by the rules below, for
the editions a load touched; the result depends on the set of claims only, never on the order
in which they were loaded.

**Tiers.**  Each claim has a tier, from who says it about which document:

0. *curated* — the project's catalogue (``data/``, the ``catalogue`` loader);
1. *own* — the publisher's own record or the document itself: ISO's record of an ISO or
   ISO/IEC document, IEC's of an IEC one, SAMR's of a GB standard, an STS file of itself;
2. *other* — any other catalogue's record;
3. *observed* — a crawler's observation: a stage seen in a record on the day it was crawled.

**Fixed facts** (titles, dates, edition, ICS, committee, pages, relations): the lowest tier
wins; within a tier the newest ``said``, then the source path.  **Precision**: a date that
agrees with the chosen one and is more precise refines it (``2018-07`` → ``2018-07-03``),
whatever its tier.  Values that disagree are kept as a conflict: :func:`explain` lists them
(``2006-08-31 (IEC) · 2006-09 (ISO)``) and ``editions.conflicts`` names the fields.

**The state** (stage and status) changes over time: the newest observation wins (``said``),
then the tier.  A source without a date is older than any dated one.

A draft that no source gives a stage (``ISO/AWI 5801``, named only by the record of the
edition it will replace) is at the stage its prefix implies, sub-stage 00 (AWI: 20.00).

**Scope and the Chinese catalogue's departments**: ``scope`` (the abstract), ``authority``
(主管部门) and ``drafters`` (起草单位, a JSON list) are fixed facts; scopes worded differently
by two sources are not a conflict.

**Stage events**: per stage code, dates that agree merge into one event, the most precise;
codes that happen once (published, withdrawn, 发布, 实施, 废止) keep the tier winner's date and
the rest as a conflict; other codes (reviews, ballots) may recur on different dates.  A
crawler's observation of a stage is dropped when a source dates that stage on or before it.

**Consistency**: an edition replaced by a published edition is ``replaced`` (the catalogue's
"withdrawn, replaced by …"); one withdrawn with nothing replacing it stays ``withdrawn``.

**Identity**: a record of an undated edition (``ISO 20121``, ``ISO 9001:2015/Amd 1``: a
crawler's record of an edition before its year was known) describes the dated edition of the
same designation (``ISO 20121:2024``) that has the same page or project id, or else whose
year is the record's publication year.  Its claims count as that edition's, its designation
is kept in ``aliases``, and relations to it point to the dated edition.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from kb.catalogue.model import OBSERVED_NOTE
from kb.identifiers import stages
from kb.identifiers.designation import DesignationError, parse
from kb.wording import N_

__all__ = ["EDITION_FIELDS", "Claim", "Facts", "derive", "edition_facts", "explain",
           "another_document", "dated_twins", "has_claims", "sensible", "snapshot", "source_label",
           "tier"]

#: The edition columns that come from claims (the others come from the designation).
EDITION_FIELDS = (
    "title_en", "title_zh", "title_fr", "edition", "status", "stage", "published", "effective",
    "withdrawn", "committee", "authority", "drafters", "ics", "ccs", "languages", "pages", "url",
    "record_source", "project_id", "note", "scope",
)
#: The note of a claim that leaves a field empty on purpose (a curator who knows a value and
#: judges it wrong): it wins as a value would, and the field stays empty.
WITHHELD = "left out on purpose"
#: Fields each source describes in its own way (its page, its wording of where the record
#: comes from, its project number, its remark, its wording of the scope): different values are
#: not a conflict.
_DESCRIPTIVE = frozenset({"url", "record_source", "note", "project_id", "languages", "scope"})
#: Date fields: a more precise date that agrees refines the chosen one.
_DATES = ("published", "effective", "withdrawn")
#: Stage codes that happen once in an edition's life.
_ONCE = frozenset({"60.60", "95.99", "发布", "实施", "废止"})
#: Relation claims are stored under these properties (the relation type), keyed by object.
RELATION_PROPERTIES = ("replaces", "amends", "corrects", "adopts", "cites")

#: Claims that make their subject an edition of its own (relations and work titles do not).
_EDITION_PROPERTIES = frozenset({*EDITION_FIELDS, "event"})

CURATED, OWN, OTHER, OBSERVED = range(4)
_TIER_NAMES = ("curated", "own record", "other catalogue", "crawler observation")
#: Origins that stand for a publisher other than by its own name.
_ORIGIN_SCHEMES = {"SAMR": ("cn-national",), "SAC": ("cn-national",)}


class Claim(NamedTuple):
    """One thing one source says about one edition."""

    subject: str
    property: str
    key: str
    value: str | None
    note: str | None
    source: int
    path: str
    loader: str
    origin: str | None
    said: str | None


@lru_cache(maxsize=65536)
def _publishers(designation: str) -> tuple[tuple[str, ...], str]:
    try:
        d = parse(designation)
    except DesignationError:
        return (), ""
    return d.publishers, d.scheme


@lru_cache(maxsize=65536)
def _draft(designation: str) -> bool:
    try:
        return parse(designation).draft_stage is not None
    except DesignationError:
        return False


def tier(claim: Claim) -> int:
    """The claim's tier (see the module doc)."""
    if claim.property == "event" and claim.note == OBSERVED_NOTE:
        return OBSERVED
    if claim.loader == "catalogue":
        return CURATED
    if claim.origin == "document":
        return OWN
    publishers, scheme = _publishers(claim.subject)
    if claim.origin and (claim.origin in publishers
                         or scheme in _ORIGIN_SCHEMES.get(claim.origin, ())):
        return OWN
    return OTHER


def _said(claim: Claim) -> str:
    return claim.said or ""


def _fixed_order(claims: list[Claim]) -> list[Claim]:
    """Lowest tier first; within a tier the newest said, then the source path."""
    if len(claims) == 1:
        return claims
    by_said = sorted(claims, key=lambda c: (c.path, c.source))
    by_said.sort(key=_said, reverse=True)
    return sorted(by_said, key=tier)


def _state_order(claims: Iterable[Claim]) -> list[Claim]:
    """Newest said first, then the lowest tier, then the source path."""
    ordered = sorted(claims, key=lambda c: (tier(c), c.path, c.source))
    return sorted(ordered, key=_said, reverse=True)


def _agrees(a: str, b: str) -> bool:
    """Two dates agree if one is the other made more precise."""
    return a == b or a.startswith(b + "-") or b.startswith(a + "-")


def _refine(chosen: str, claims: list[Claim]) -> str:
    best = chosen
    for claim in claims:
        value = claim.value or ""
        if _agrees(value, best) and len(value) > len(best):
            best = value
    return best


# --- one edition -----------------------------------------------------------------------------


@dataclass
class Facts:
    """What the rules make of one edition's claims."""

    fields: dict[str, object]
    #: per field, the claims behind it, the chosen first (for explain and conflicts)
    support: dict[str, list[Claim]]
    conflicts: list[str]
    events: list[tuple[str, str, str | None, int]]  # code, date, note, source
    #: type, object, degree, note, source
    relations: list[tuple[str, str, str | None, str | None, int]]


def edition_facts(subject: str, claims: list[Claim]) -> Facts:
    """Apply the rules to the claims about one edition."""
    by_property: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        by_property[claim.property].append(claim)
    fields: dict[str, object] = {}
    support: dict[str, list[Claim]] = {}
    conflicts: list[str] = []
    for name in EDITION_FIELDS:
        if name in ("stage", "status"):
            continue
        candidates = [c for c in by_property.get(name, ())
                      if c.value is not None or c.note == WITHHELD]
        if not candidates:
            continue
        ordered = _fixed_order(candidates)
        if ordered[0].value is None:  # the best source leaves it empty on purpose
            support[name] = ordered
            if any(c.value is not None for c in ordered):
                conflicts.append(name)
            continue
        ordered = [c for c in ordered if c.value is not None]
        value = ordered[0].value
        if name in _DATES:
            value = _refine(value, ordered)
            differ = [c for c in ordered if not _agrees(c.value, value)]
        else:
            differ = [c for c in ordered if c.value != value]
        fields[name] = int(value) if name == "pages" else value
        support[name] = ordered
        if differ and name not in _DESCRIPTIVE:
            conflicts.append(name)
    _state(by_property, fields, support)
    if fields.get("stage") is None and fields.get("status") in (None, "draft"):
        _implied_stage(subject, claims, fields, support)
    event_claims = by_property.get("event", []) + _date_events(subject, by_property)
    for name, ordered in support.items():  # a date left out on purpose: its event too
        if ordered and ordered[0].value is None and ordered[0].note == WITHHELD:
            code = _date_codes(subject).get(name)
            event_claims = [c for c in event_claims if c.key.split("|", 1)[0] != code
                            or tier(c) <= tier(ordered[0])]
    events, event_conflicts = _events(event_claims)
    if event_conflicts:
        conflicts.append("events")
    relations = _relations(by_property)
    return Facts(fields, support, conflicts, events, relations)


def _status_of(stage: str | None) -> str | None:
    if not stage:
        return None
    if stage in stages.CN_STATUSES:
        return stages.CN_STATUSES[stage]
    if stage in stages.CN_LIFECYCLE:
        return None
    return stages.status_for_code(stage)


def _state(by_property: dict, fields: dict, support: dict) -> None:
    """Stage and status: the newest observation wins (a source's stage and status together)."""
    stage_claims = {c.source: c for c in by_property.get("stage", ()) if c.value}
    status_claims = {c.source: c for c in by_property.get("status", ()) if c.value}
    every = _state_order([*stage_claims.values(), *status_claims.values()])
    if not every:
        return
    first = every[0].source
    stage = stage_claims.get(first)
    status = status_claims.get(first)
    if stage is None:  # the newest source gives a status only: a stage that agrees with it
        stage = next((c for c in _state_order(stage_claims.values())
                      if status is None or _status_of(c.value) == status.value), None)
    fields["stage"] = stage.value if stage else None
    fields["stage_label"] = stages.label(stage.value) if stage else None
    fields["status"] = status.value if status else _status_of(fields["stage"])
    support["stage"] = _state_order(stage_claims.values())
    support["status"] = _state_order(status_claims.values())


def _implied_stage(subject: str, claims: list[Claim], fields: dict, support: dict) -> None:
    """A draft no source gives a stage (a project named only in another record, as the
    draft that will replace it) is at the stage its prefix implies: ``ISO/AWI 5801`` 20.00."""
    try:
        prefix = parse(subject).draft_stage
    except DesignationError:
        return
    group = stages.DRAFT_PREFIX_STAGE.get((prefix or "").upper())
    if group is None or not claims:
        return
    code = f"{group}.00"
    fields["stage"] = code
    fields["stage_label"] = stages.label(code)
    fields["status"] = fields.get("status") or _status_of(code)
    support["stage"] = [Claim(subject, "stage", "", code, None, claims[0].source,
                              f"the stage its prefix {prefix} implies", "rule", "rule", None)]


def _events(claims: list[Claim]) -> tuple[list[tuple], bool]:
    by_code: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        by_code[claim.key.split("|", 1)[0]].append(claim)
    out = []
    conflict = False
    for code, group in sorted(by_code.items()):
        dated = _fixed_order(group)
        known = [c for c in dated if tier(c) != OBSERVED]
        observed = [c for c in dated if tier(c) == OBSERVED]
        chosen: list[tuple[str, Claim]] = []  # (date, claim behind it)
        for claim in known:
            date = claim.value or ""
            merged = False
            for i, (have, behind) in enumerate(chosen):
                # an undated event ("it happened") agrees with any date of the same step
                if not date or not have or _agrees(date, have):
                    chosen[i] = (date, claim) if len(date) > len(have) else (have, behind)
                    merged = True
                    break
            if merged:
                continue
            if code in _ONCE and chosen:
                conflict = True  # a second date for something that happens once
                continue
            chosen.append((date, claim))
        for claim in observed:  # a crawler saw the stage: only if nobody dates it earlier
            date = claim.value or ""
            if any(have and have <= date for have, _ in chosen):
                continue
            if any(have == date for have, _ in chosen):
                continue
            chosen.append((date, claim))
        for date, claim in chosen:
            out.append((code, date, claim.note, claim.source))
    return out, conflict


def _date_codes(subject: str) -> dict[str, str | None]:
    """The stage code each date field stands for (Chinese documents, accreditation bodies'
    included, go through 发布 … 废止)."""
    scheme = _publishers(subject)[1]
    chinese = scheme.startswith("cn-") or scheme in ("cnas", "cnca")
    return {"published": "发布" if chinese else "60.60",
            "withdrawn": "废止" if chinese else "95.99", "effective": "实施" if chinese else None}


#: Codes that name the same step in the two lifecycles.
_SAME_STEP = {"60.60": "发布", "发布": "60.60", "95.99": "废止", "废止": "95.99"}


def _date_events(subject: str, by_property: dict) -> list[Claim]:
    """The stage events a source's dates stand for (published: 60.60 or 发布; withdrawn: 95.99
    or 废止; in force: 实施), so that a date and its event never disagree."""
    if _draft(subject):  # a draft's record dates its circulation, not a publication
        return []
    given = {c.key.split("|", 1)[0] for c in by_property.get("event", ())}
    out = []
    for name, code in _date_codes(subject).items():
        if code in _SAME_STEP and code not in given and _SAME_STEP[code] in given:
            code = _SAME_STEP[code]  # a source names the step in the other lifecycle's words
        for c in by_property.get(name, ()):
            if code and c.value:
                out.append(Claim(c.subject, "event", f"{code}|{c.value}", c.value, None,
                                 c.source, c.path, c.loader, c.origin, c.said))
    return out


def _relations(by_property: dict) -> list[tuple]:
    out = []
    for kind in RELATION_PROPERTIES:
        by_object: dict[str, list[Claim]] = defaultdict(list)
        for claim in by_property.get(kind, ()):
            by_object[claim.key].append(claim)
        for obj, group in sorted(by_object.items()):
            ordered = _fixed_order(group)
            degree = next((c.value for c in ordered if c.value), None)
            note = next((c.note for c in ordered if c.note), None)
            out.append((kind, obj, degree, note, ordered[0].source))
    return out


# --- the database ----------------------------------------------------------------------------


#: Claims first (CROSS JOIN fixes the order): with the statistics of a small knowledge base
#: the planner would walk every source and probe its claims (twice the time of a bulk load).
_CLAIMS_SQL = """select c.subject, c.property, c.key, c.value, c.note, s.id, s.path, s.loader,
                        s.origin, s.said
                 from claims c cross join sources s on s.id = c.source_id
                 where c.subject in ({marks})"""


def _claims(conn: sqlite3.Connection, subjects: list[str]) -> Iterator[tuple[str, list[Claim]]]:
    for i in range(0, len(subjects), 500):
        chunk = subjects[i:i + 500]
        grouped: dict[str, list[Claim]] = {s: [] for s in chunk}
        for row in conn.execute(_CLAIMS_SQL.format(marks=",".join("?" * len(chunk))), chunk):
            grouped[row[0]].append(Claim(*row))
        yield from grouped.items()


def derive(conn: sqlite3.Connection, subjects: Iterable[str], at: str | None = None) -> int:
    """Re-derive the editions, stage events and relations of ``subjects`` (edition ids) from
    their claims, in the caller's transaction, and log what changed as of ``at`` (a date;
    today by default); return how many editions were derived."""
    wanted = set(subjects)
    if not wanted:
        return 0
    members = _identify(conn, wanted)  # edition -> the subjects whose claims are its claims
    subjects = sorted(members)
    replaced_before = _replaced_objects(conn, subjects)
    watched = sorted(set(subjects) | replaced_before)
    before = _tracked(conn, watched)
    own: dict[str, str | None] = {}  # the status each edition's own claims give
    for chunk in _member_claims(conn, members):
        own.update(_write_facts(conn, [(s, c, edition_facts(s, c)) for s, c in chunk]))
    # what these editions replace, now or before, may change status: their own claims again
    objects = (replaced_before | _replaced_objects(conn, subjects)) - own.keys()
    for chunk in _member_claims(conn, _members(conn, objects)):
        for subject, claims in chunk:
            own[subject] = edition_facts(subject, claims).fields.get("status")
    _replacement_status(conn, own)
    _work_titles(conn, sorted({w for w in map(_work, subjects) if w}))
    watched = sorted(set(watched) | own.keys())
    _log_changes(conn, before, _tracked(conn, watched), at)
    return len(subjects)


_FACT_COLUMNS = (*EDITION_FIELDS, "stage_label", "source_id", "conflicts")


def _write_facts(conn: sqlite3.Connection, derived: list[tuple[str, list[Claim], Facts]]
                 ) -> dict[str, str | None]:
    """Write the derived facts of a few hundred editions in a few statements; return the
    status each edition's own claims give."""
    _drop_forgotten_drafts(conn, [s for s, claims, _ in derived if not claims and _draft(s)])
    subjects = [s for s, _, _ in derived]
    marks = ",".join("?" * len(subjects))
    _ensure_rows(conn, [s for s, claims, _ in derived
                        if any(c.property in _EDITION_PROPERTIES for c in claims)])
    updates, events, ics, own = [], [], [], {}
    for subject, _, facts in derived:
        fields = facts.fields
        own[subject] = fields.get("status")
        winner = (facts.support.get("status") or facts.support.get("stage")
                  or next(iter(facts.support.values()), None))
        updates.append([fields.get(c) for c in EDITION_FIELDS] + [
            fields.get("stage_label"), winner[0].source if winner else None,
            ",".join(facts.conflicts) or None, subject])
        events += [(subject, code, date, stages.label(code), note, source)
                   for code, date, note, source in facts.events]
        ics += [(subject, code) for code in json.loads(fields.get("ics") or "[]")]
    conn.executemany(f"update editions set {', '.join(f'{c} = ?' for c in _FACT_COLUMNS)} "
                     "where id = ?", updates)
    conn.execute(f"delete from stage_events where edition_id in ({marks})", subjects)
    conn.executemany("insert into stage_events(edition_id, code, date, label, note, source_id) "
                     "values (?, ?, ?, ?, ?, ?)", events)
    conn.execute(f"delete from edition_ics where edition_id in ({marks})", subjects)
    conn.executemany("insert or ignore into edition_ics(edition_id, ics_code) values (?, ?)",
                     ics)
    conn.execute(f"delete from relations where subject in ({marks})", subjects)
    conn.executemany(
        "insert into relations(subject, type, object, degree, note, subject_work, "
        "object_work, source_id) values (?, ?, ?, ?, ?, ?, ?, ?)",
        [(subject, kind, obj, degree, note, _work(subject), _work(obj), source)
         for subject, kind, obj, degree, note, source in _resolved(
             conn, [(s, f.relations) for s, _, f in derived])])
    return own


#: The facts whose changes are logged (``changes``), and the codes of the log, after
#: Perinorm's update codes: N new, C changed, W withdrawn, R replaced.
TRACKED = (N_("status"), N_("stage"), N_("published"), N_("effective"), N_("withdrawn"),
           N_("title_en"), N_("title_zh"))
CHANGE_CODES = {"N": N_("new"), "C": N_("changed"), "W": N_("withdrawn"), "R": N_("replaced")}


def _tracked(conn: sqlite3.Connection, editions: list[str]) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in rows_in(
        conn, f"select id, {', '.join(TRACKED)} from editions where id in ({{}})", editions)}


def _log_changes(conn: sqlite3.Connection, before: dict, after: dict, at: str | None) -> None:
    """Log what derivation changed in the tracked facts (kb changes)."""
    import datetime as dt

    at = at or dt.date.today().isoformat()
    rows = []
    for edition in sorted(after):
        new, old = after[edition], before.get(edition)
        if not any(v is not None for v in new):
            continue
        if old is None or not any(v is not None for v in old):
            rows.append((at, edition, "N", None, None, new[0]))
            continue
        for name, was, now in zip(TRACKED, old, new, strict=True):
            if was == now:
                continue
            code = "C"
            if name == "status" and now in ("withdrawn", "replaced"):
                code = "W" if now == "withdrawn" else "R"
            rows.append((at, edition, code, name, was, now))
    conn.executemany("insert into changes(at, edition_id, code, field, old, new) "
                     "values (?, ?, ?, ?, ?, ?)", rows)


_YEAR = re.compile(r"(?<=\d)[:-](\d{4})$")  # ISO 20121:2024, GB/T 19011-2021


def _undated(designation: str) -> bool:
    """A published document's designation without its year (not a draft, not a work with a
    year elsewhere): ``ISO 20121``, ``ISO 9001:2015/Amd 1``."""
    try:
        d = parse(designation)
    except DesignationError:
        return False
    if d.draft_stage or d.stage:
        return False
    return d.supplements[-1].year is None if d.supplements else d.year is None


def _identify(conn: sqlite3.Connection, subjects: set[str]) -> dict[str, set[str]]:
    """Decide which undated records describe which dated editions (the module doc's
    identity rule) for ``subjects`` and their undated or dated twins; update ``aliases``;
    return every edition to derive with the subjects whose claims are its own."""
    twins = {m.string[:m.start()] for s in subjects if (m := _YEAR.search(s))}
    undated = sorted(s for s in subjects | twins if _undated(s))
    before = dict(rows_in(conn, "select alias, edition from aliases where alias in ({})",
                           undated))
    # a record with no claims describes nothing: only those with claims can be aliases
    undated = [r[0] for r in rows_in(
        conn, "select distinct subject from claims where subject in ({}) order by subject",
        undated)]
    now: dict[str, str] = {}
    for alias in undated:
        edition = _dated_twin(conn, alias)
        if edition is not None:
            now[alias] = edition
    changed = {a for a in set(before) | set(now) if before.get(a) != now.get(a)}
    if changed:
        conn.executemany("delete from aliases where alias = ?", [(a,) for a in changed])
        conn.executemany("insert into aliases(alias, edition) values (?, ?)",
                         [(a, now[a]) for a in sorted(changed) if a in now])
        # whoever points a relation at a changed alias points elsewhere now
        subjects = subjects | set(r[0] for r in rows_in(
            conn, "select distinct subject from claims where key in ({}) and property in ("
            + ",".join(f"'{p}'" for p in RELATION_PROPERTIES) + ")", sorted(changed)))
    # an alias is no edition of its own, though a later record of it wrote its row again
    for (alias,) in rows_in(conn, "select id from editions where id in ({})", sorted(now)):
        _drop_rows(conn, alias)
    every = subjects | set(before.values()) | set(now.values()) | (set(before) - now.keys())
    return _members(conn, {e for e in every if e not in now})


def _members(conn: sqlite3.Connection, editions: Iterable[str]) -> dict[str, set[str]]:
    """Each edition with itself and the undated records that describe it."""
    editions = sorted(set(editions))
    out = {e: {e} for e in editions}
    for alias, edition in rows_in(conn, "select alias, edition from aliases where edition in ({})",
                                   editions):
        out[edition].add(alias)
    return out


def _identity_keys(conn: sqlite3.Connection, subject: str) -> set[tuple[str, str]]:
    """What names one document whatever its designation: its page and project id."""
    return {(p, v) for p, v in conn.execute(
        "select property, value from claims where subject = ? and property in "
        "('url', 'project_id') and value is not null", (subject,))}


def _publication_years(conn: sqlite3.Connection, subject: str) -> set[str]:
    return {r[0][:4] for r in conn.execute(
        "select value from claims where subject = ? and (property = 'published' or "
        "(property = 'event' and key glob '60.60|*')) and value != ''", (subject,))}


def _dated_twin(conn: sqlite3.Connection, alias: str) -> str | None:
    """The dated edition an undated record describes, or None."""
    candidates = dated_twins(conn, alias)
    if not candidates or conn.execute("select 1 from clauses where edition_id = ? limit 1",
                                      (alias,)).fetchone():
        return None
    own = _identity_keys(conn, alias)
    years = _publication_years(conn, alias)
    same = [c for c in candidates if own & _identity_keys(conn, c)
            and not (years and _years_contradict(years, _YEAR.search(c).group(1)))]
    if len(same) == 1:
        return same[0]
    dated = [c for c in candidates if _YEAR.search(c).group(1) in years]
    return dated[0] if len(dated) == 1 else None


def _years_contradict(years: set[str], year: str) -> bool:
    """No publication year of a record is the designation's year or the year before (a
    document dated for the new year may appear in December)."""
    return not any(y in (year, str(int(year) - 1)) for y in years if y.isdigit())


def another_document(conn: sqlite3.Connection, undated: str, twins: list[str]) -> bool:
    """Whether an undated record that is none of its dated twins shows it is another
    document (the next edition, before its year is in its designation): a page or project
    id of its own, or a publication year none of them has."""
    own = _identity_keys(conn, undated)
    if own and not any(own & _identity_keys(conn, t) for t in twins):
        return True
    years = _publication_years(conn, undated)
    return bool(years) and not years & {_YEAR.search(t).group(1) for t in twins}


def dated_twins(conn: sqlite3.Connection, undated: str, where: str = "1") -> list[str]:
    """The editions whose designation is ``undated`` with a year (``ISO 20121:2024``,
    ``GB/T 19011-2021``), by two range scans of the primary key."""
    out = []
    for mark in (":", "-"):
        out += [r[0] for r in conn.execute(
            f"select id from editions where id between ? and ? and ({where}) order by id",
            (undated + mark + "0000", undated + mark + "9999"))
            if _YEAR.search(r[0]) and len(r[0]) == len(undated) + 5]
    return out


def _drop_rows(conn: sqlite3.Connection, edition: str) -> None:
    for sql in ("delete from stage_events where edition_id = ?",
                "delete from edition_ics where edition_id = ?",
                "delete from relations where subject = ?", "delete from editions where id = ?"):
        conn.execute(sql, (edition,))


def _drop_forgotten_drafts(conn: sqlite3.Connection, drafts: list[str]) -> None:
    """Drafts no source speaks of any more and that have no text (a project a record named
    as under way, until a newer version of the record named its next stage): no row."""
    texts = {r[0] for r in rows_in(conn, "select distinct edition_id from clauses "
                                         "where edition_id in ({})", drafts)}
    for draft in drafts:
        if draft not in texts:
            _drop_rows(conn, draft)


def _ensure_rows(conn: sqlite3.Connection, editions: list[str]) -> None:
    """The editions' rows (what their designations say), where a merge had removed them."""
    have = {r[0] for r in rows_in(conn, "select id from editions where id in ({})", editions)}
    rows = []
    for edition in editions:
        if edition not in have:
            d = parse(edition).edition
            rows.append((d.canonical, d.work.canonical, d.kind, "/".join(d.publishers),
                         d.doctype, d.draft_stage, d.year))
    conn.executemany("insert or ignore into editions(id, work_id, kind, publisher, doctype, "
                     "draft_stage, year) values (?, ?, ?, ?, ?, ?, ?)", rows)


def _resolved(conn: sqlite3.Connection, relations: list[tuple[str, list[tuple]]]
              ) -> list[tuple]:
    """(subject, type, object, degree, note, source) for each subject's relations, their
    objects through ``aliases``, without self-relations and without replacements that make
    no sense (:func:`sensible`) or that the object claims back (a cycle)."""
    objects = sorted({r[1] for _, rs in relations for r in rs})
    alias = dict(rows_in(conn, "select alias, edition from aliases where alias in ({})",
                          objects))
    back = _claimed_back(conn, {(subject, alias.get(r[1], r[1])) for subject, rs in relations
                                for r in rs if r[0] == "replaces"})
    out = []
    for subject, rs in relations:
        seen = set()
        for kind, obj, degree, note, source in rs:
            obj = alias.get(obj, obj)
            if obj == subject or (kind, obj) in seen or not sensible(subject, kind, obj):
                continue
            if kind == "replaces" and (subject, obj) in back:  # neither claim can be right
                REFUSED.add(" ↔ ".join(sorted((subject, obj))))
                continue
            seen.add((kind, obj))
            out.append((subject, kind, obj, degree, note, source))
    return out


#: Replacement cycles refused by the current process's derivations (the store reports them).
REFUSED: set[str] = set()


def _claimed_back(conn: sqlite3.Connection, pairs: set[tuple[str, str]]
                  ) -> set[tuple[str, str]]:
    """The (subject, object) pairs where some source says the object replaces the subject
    (each directly or as an alias)."""
    if not pairs:
        return set()
    names = {e: {e} for pair in pairs for e in pair}
    for alias, edition in rows_in(conn, "select alias, edition from aliases where edition "
                                         "in ({})", sorted(names)):
        names[edition].add(alias)
    claimed = set()  # (claimer, key): a claim that the claimer replaces the key
    for subject, key in rows_in(
            conn, "select subject, key from claims where property = 'replaces' and subject "
                  "in ({})", sorted({n for _, obj in pairs for n in names[obj]})):
        claimed.add((subject, key))
    return {(subject, obj) for subject, obj in pairs
            if any((m, n) in claimed for m in names[obj] for n in names[subject])
            and sensible(obj, "replaces", subject)}


def sensible(subject: str, kind: str, obj: str) -> bool:
    """False for a replacement the catalogue's rules forbid, whoever claims it: a published
    document replacing a draft (a draft becomes the document, it is not replaced by it); a
    supplement replacing its base, or a draft or edition of its base's work (it amends);
    an edition replacing its own supplement."""
    if kind != "replaces":
        return True
    try:
        s, o = parse(subject), parse(obj)
    except DesignationError:
        return True
    if o.draft_stage and not s.draft_stage:
        return False
    if s.supplements and o.work == s.work and (not o.supplements or o.draft_stage):
        return False
    return not (o.supplements and o.base is not None and o.base.canonical == subject)


def rows_in(conn: sqlite3.Connection, sql: str, values: list[str]) -> list[tuple]:
    """The rows of ``sql`` with its ``in ({})`` filled by ``values``, 500 at a time (under
    SQLite's limit on parameters)."""
    out = []
    for i in range(0, len(values), 500):
        chunk = values[i:i + 500]
        out += conn.execute(sql.format(",".join("?" * len(chunk))), chunk).fetchall()
    return out


def _member_claims(conn: sqlite3.Connection, members: dict[str, set[str]]
                   ) -> Iterator[list[tuple[str, list[Claim]]]]:
    """Lists of a few hundred (edition, its claims and those of the records that describe
    it, as its own)."""
    editions = sorted(members)
    for i in range(0, len(editions), 500):
        chunk = editions[i:i + 500]
        owner = {m: edition for edition in chunk for m in members[edition]}
        grouped: dict[str, list[Claim]] = defaultdict(list)
        for subject, claims in _claims(conn, sorted(owner)):
            edition = owner[subject]
            grouped[edition] += claims if subject == edition else [
                c._replace(subject=edition) for c in claims]
        yield [(edition, grouped.get(edition, [])) for edition in chunk]


def _work_titles(conn: sqlite3.Connection, works: list[str]) -> None:
    """A work's title in each language: what a source says of the work (tier first), else
    the title of its latest standard (not a supplement) that has one."""
    for i in range(0, len(works), 500):
        chunk = works[i:i + 500]
        claimed: dict[str, dict[str, str]] = defaultdict(dict)
        for subject, claims in _claims(conn, chunk):
            for language in ("en", "zh", "fr"):
                named = [c for c in claims if c.property == f"work:title_{language}" and c.value]
                if named:
                    claimed[subject][language] = _fixed_order(named)[0].value
        for work in chunk:
            values = []
            for language in ("en", "zh", "fr"):
                title = claimed[work].get(language)
                if title is None:
                    row = conn.execute(
                        f"""select title_{language} from editions where work_id = ?
                              and title_{language} is not null and kind in ('standard', 'draft')
                            order by draft_stage is not null, year desc, id desc limit 1""",
                        (work,)).fetchone()
                    title = row[0] if row else None
                values.append(title)
            conn.execute("update works set title_en = ?, title_zh = ?, title_fr = ? "
                         "where id = ?", (*values, work))


def _work(designation: str) -> str | None:
    try:
        return parse(designation).work.canonical
    except DesignationError:
        return None


def _replaced_objects(conn: sqlite3.Connection, subjects: list[str]) -> set[str]:
    return {r[0] for r in rows_in(conn, "select object from relations where type = 'replaces' "
                                         "and subject in ({})", subjects)}


#: Statuses of a published edition that puts the one it replaces out of force ("upcoming":
#: published, not yet in force, the older one stays current until then).
_IN_FORCE_OR_AFTER = ("current", "replaced", "withdrawn")


def _replacement_status(conn: sqlite3.Connection, own: dict[str, str | None]) -> None:
    """An edition replaced by a published edition is ``replaced`` unless its own claims make it
    a draft, an abandoned project or not yet in force; otherwise its status is its own."""
    editions = sorted(own)
    for i in range(0, len(editions), 500):
        chunk = editions[i:i + 500]
        replaced = {r[0] for r in conn.execute(
            # relations by object first (CROSS JOIN keeps the order; from the status index
            # the plan visits every current edition)
            f"""select r.object from relations r cross join editions newer
                on newer.id = r.subject
                where r.type = 'replaces' and r.object in ({','.join('?' * len(chunk))})
                  and +newer.status in ({','.join('?' * len(_IN_FORCE_OR_AFTER))})""",
            (*chunk, *_IN_FORCE_OR_AFTER))}
        updates = []
        for edition in chunk:
            status = own[edition]
            if edition in replaced and status in (None, "current", "withdrawn"):
                status = "replaced"
            updates.append((status, edition, status))
        conn.executemany("update editions set status = ? where id = ? and status is not ?",
                         updates)


def snapshot(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    """Every derived fact, without what depends on load order (source ids): equal snapshots
    mean the same knowledge."""
    return {
        "editions": conn.execute(
            f"""select id, work_id, kind, {', '.join(EDITION_FIELDS)}, stage_label, conflicts
                from editions order by id""").fetchall(),
        "stage_events": conn.execute(
            "select edition_id, code, date, note from stage_events "
            "order by edition_id, code, date").fetchall(),
        "relations": conn.execute(
            "select subject, type, object, degree, note from relations "
            "order by subject, type, object").fetchall(),
        "works": conn.execute("select id, title_en, title_zh, title_fr from works order by id"
                              ).fetchall(),
        "edition_ics": conn.execute("select edition_id, ics_code from edition_ics order by 1, 2"
                                    ).fetchall(),
        "aliases": conn.execute("select alias, edition from aliases order by 1").fetchall(),
    }


# --- explanations ----------------------------------------------------------------------------


def has_claims(conn: sqlite3.Connection) -> bool:
    """False for a database written before claims (schema < 5): any load brings it up."""
    return conn.execute("select 1 from sqlite_master where name = 'claims'").fetchone() is not None


def source_label(claim: Claim) -> str:
    """Where a claim comes from, short: the origin, the file and the date it was said."""
    if claim.loader == "rule":
        return f"rule: {claim.path}"
    name = claim.path.rsplit("!", 1)[-1].rsplit("/", 1)[-1]
    origin = "data/" if claim.loader == "catalogue" else (claim.origin or claim.loader)
    return f"{origin} {name}" + (f" ({claim.said})" if claim.said else "")


def explain(conn: sqlite3.Connection, edition: str) -> dict[str, dict]:
    """For each field of ``edition``, the value shown, where it comes from and, if sources
    disagree, their values: ``{field: {"value", "from", "tier", "conflict", "claims": [...]}}``."""
    if not has_claims(conn):  # a database of an earlier schema, not yet brought up
        return {}
    claims = next(iter(dict(_claims(conn, [edition])).values()), [])
    facts = edition_facts(edition, claims)
    row = conn.execute("select status from editions where id = ?", (edition,)).fetchone()
    if row and row[0] != facts.fields.get("status"):  # the consistency rule changed it
        replaced_by = [r[0] for r in conn.execute(
            "select subject from relations where type = 'replaces' and object = ? "
            "order by subject", (edition,))]
        facts.fields["status"] = row[0]
        facts.support["status"] = [Claim(edition, "status", "", row[0], None, 0,
                                         "replaced by " + ", ".join(replaced_by), "rule",
                                         "rule", None), *facts.support.get("status", [])]
    out: dict[str, dict] = {}
    for name, ordered in facts.support.items():
        if not ordered:
            continue
        value = facts.fields.get(name)
        out[name] = {
            "value": value, "from": source_label(ordered[0]), "tier": _TIER_NAMES[tier(ordered[0])],
            "withheld": value is None and ordered[0].note == WITHHELD,
            "conflict": name in facts.conflicts,
            "claims": [{"value": c.value, "from": source_label(c), "tier": _TIER_NAMES[tier(c)],
                        "agrees": _same(name, c.value, value)} for c in ordered],
        }
    return out


#: Statuses that say the same thing in different catalogues' words.
_SAME_STATUS = {"replaced": "withdrawn"}


def _same(name: str, claimed: str | None, shown: object) -> bool:
    if name in _DESCRIPTIVE:
        return True
    if claimed is None or shown is None:
        return claimed == shown
    if name in _DATES:
        return _agrees(claimed, str(shown))
    if name == "status":  # "withdrawn" in ISO's words is "replaced" when a successor exists
        return _SAME_STATUS.get(claimed, claimed) == _SAME_STATUS.get(str(shown), str(shown))
    return claimed == str(shown)


def inferred_status(edition: dict, latest: bool, replaced: bool,
                    today: str | None = None) -> tuple[str, str] | None:
    """A status for an edition no source gives one to, from what is known of it, or None.

    ``edition`` has ``status``, ``published``, ``effective``, ``withdrawn`` and ``draft_stage``
    (or ``kind``); ``latest``: it is its work's latest published edition; ``replaced``: an
    edition is recorded as replacing it.  A published edition that is its work's latest,
    that nothing replaces or withdraws, is ``current`` once in force (its 实施 date, else its
    publication) and ``upcoming`` before; the second value says why, for the page to show.
    The rule is applied where facts are shown, never stored: a status a source gives wins.
    """
    import datetime as dt

    if edition.get("status") or edition.get("draft_stage") or edition.get("kind") == "draft":
        return None
    if not latest or replaced or edition.get("withdrawn"):
        return None
    since = edition.get("effective") or edition.get("published")
    if not since:
        return None
    today = today or dt.date.today().isoformat()
    if str(since) > today:
        return "upcoming", f"no source gives its status; in force from {since}"
    return "current", (f"no source gives its status; the latest edition known, in force since "
                       f"{since}, and nothing known replaces or withdraws it")
