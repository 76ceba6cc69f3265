"""Read-only questions to the knowledge base, shared by the CLI and the Datasette pages.

Every function takes an open ``sqlite3.Connection`` and returns plain dicts and lists, so the
CLI prints them, ``--json`` dumps them and the web plugin renders them from the same data.
"""

from __future__ import annotations

import difflib
import json
import re
import sqlite3

from kb import facts, stages
from kb.designation import DesignationError, parse, try_parse
from kb.model import BLOCK_KINDS

__all__ = [
    "NotFound", "adopted_works", "chosen_editions", "clause", "contents",
    "dict_rows", "edition", "history",
    "changes", "in_force", "latest_edition", "resolve", "suggest", "term",
]


class NotFound(LookupError):
    """A designation that is not in the knowledge base; the message suggests close ones."""


def dict_rows(conn: sqlite3.Connection, sql: str, params=()) -> list[dict]:
    """The rows of a query as dicts keyed by column name."""
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def suggest(conn: sqlite3.Connection, text: str, limit: int = 5) -> list[str]:
    """The known designations closest to ``text``."""
    if len(text) > 200:  # longer than any designation: nothing is close
        return []
    try:
        d = parse(text)
        needle = d.number
    except DesignationError:
        digits = re.findall(r"\d{2,}", text)
        needle = digits[0] if digits else text.strip()[:12]
    needle = re.sub(r"[^0-9A-Za-z.-]", "", needle)
    # GLOB (not LIKE) so that the index on works.number serves the prefix search
    candidates = [r[0] for r in conn.execute(
        "select id from works where number glob ? limit 2000", (f"{needle}*",))]
    candidates += [r[0] for r in conn.execute(
        "select id from editions where work_id in (select id from works where number glob ?)"
        " limit 2000", (f"{needle}*",))]
    if not candidates and needle:
        candidates = [r[0] for r in conn.execute(
            "select id from works where number glob ? limit 2000", (f"{needle[:3]}*",))]
    close = difflib.get_close_matches(text.strip(), candidates, n=limit, cutoff=0.3)
    if not close and len(text.strip()) >= 3:  # "CC121" for CNAS-CC121: a part of a known id
        close = [r[0] for r in conn.execute(
            "select id from works where id like ? limit ?", (f"%{text.strip()}%", limit))]
    return close


def _not_found(conn: sqlite3.Connection, text: str) -> NotFound:
    close = suggest(conn, text)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return NotFound(f"{text!r} is not in the knowledge base{hint}")


def resolve(conn: sqlite3.Connection, text: str) -> tuple[str, str | None]:
    """(work id, edition id or None) for any spelling of a work or edition designation.

    :raises DesignationError: if ``text`` is not a designation.
    :raises NotFound: if neither the edition nor its work is known.
    """
    try:
        d = parse(text)
    except DesignationError as error:
        close = suggest(conn, text)
        if close:
            raise DesignationError(f"{error}; did you mean {', '.join(close)}?") from None
        raise
    key = d.edition.canonical
    row = conn.execute("select work_id from editions where id = ?", (key,)).fetchone()
    if row:
        return row[0], key
    work = d.work.canonical
    if conn.execute("select 1 from works where id = ?", (work,)).fetchone():
        if d.year is None and not d.supplements and not d.stage:
            return work, None
    raise _not_found(conn, text)


_EDITION_COLUMNS = """e.id as designation, e.work_id as work, e.kind, e.edition, e.year,
    e.title_en, e.title_zh, e.title_fr, e.status, e.stage, e.stage_label, e.draft_stage,
    e.published, e.effective, e.withdrawn, e.committee, c.title as committee_title, e.ics,
    e.ccs, e.languages, e.pages, e.url, e.record_source, e.note as remark"""


def _edition_rows(conn, where: str, params) -> list[dict]:
    rows = dict_rows(conn, f"""select {_EDITION_COLUMNS} from editions e
        left join committees c on c.reference = e.committee where {where}""", params)
    for row in rows:
        for field in ("ics", "ccs", "languages"):
            row[field] = json.loads(row[field]) if row[field] else []
    return rows


def _sort_key(e: dict) -> tuple:
    date = e.get("published") or (e["events"][0]["date"] if e.get("events") else "") or ""
    return (date or str(e.get("year") or "9999"), e["designation"])


def _events(conn, ids: list[str]) -> dict[str, list[dict]]:
    events: dict[str, list[dict]] = {i: [] for i in ids}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        marks = ",".join("?" * len(chunk))
        for row in dict_rows(conn, f"""select edition_id, code, date, label, note from stage_events
                where edition_id in ({marks}) order by date, code""", chunk):
            events[row.pop("edition_id")].append(row)
    for rows in events.values():  # in the order stages happen; a date breaks ties (reviews)
        rows.sort(key=lambda ev: (stages.sort_key(ev["code"]), ev["date"] or ""))
    return events


def latest_edition(conn: sqlite3.Connection, work: str, as_of: str | None = None) -> str | None:
    """The work's latest published edition (not a draft or an amendment), or the latest
    published on or before ``as_of`` (a date) if given."""
    rows = conn.execute("""select id, coalesce(published, year) from editions
                           where work_id = ? and kind = 'standard'
                           and coalesce(draft_stage, '') = ''
                           order by coalesce(published, year) desc, id desc""", (work,))
    for key, when in rows:
        if not as_of or str(when or "") <= as_of:
            return key
    return None


_SUPERSEDED = ("replaced", "withdrawn")


def _facts(conn: sqlite3.Connection, key: str) -> tuple | None:
    return conn.execute("""select work_id, status, coalesce(published, year) from editions
                           where id = ?""", (key,)).fetchone()


def _successor(conn: sqlite3.Connection, key: str) -> str | None:
    """The edition that took over from ``key``: the one recorded as replacing it (the latest
    if several), else a later published edition of its work, else — for a national adoption —
    the same body's adoption of what replaced the adopted edition."""
    found = conn.execute("""select r.subject from relations r join editions e on e.id = r.subject
                            where r.object = ? and r.type = 'replaces'
                            and coalesce(e.draft_stage, '') = ''
                            order by coalesce(e.published, e.year) desc, r.subject desc""",
                         (key,)).fetchone()
    if found:
        return found[0]
    work, _, when = _facts(conn, key)
    later = latest_edition(conn, work)
    if later and later != key and str(_facts(conn, later)[2] or "") > str(when or ""):
        return later
    adopted = conn.execute("select object from relations where subject = ? and type = 'adopts'",
                           (key,)).fetchone()
    if adopted:
        try:
            body = parse(key).publisher
        except DesignationError:
            return None
        for successor in in_force(conn, adopted[0])["path"][1:]:
            for (national,) in conn.execute("""select r.subject from relations r
                    join editions e on e.id = r.subject where r.type = 'adopts'
                    and r.object = ? and coalesce(e.draft_stage, '') = ''
                    order by r.subject""", (successor,)):
                if try_parse(national) and try_parse(national).publisher == body:
                    return national
    return None


def in_force(conn: sqlite3.Connection, key: str) -> dict:
    """Where an edition's replaced-by chain ends today.

    ``path`` runs from ``key`` through each edition that took over (see :func:`_successor`)
    to the last one known; ``current`` says whether that one is in force; ``amendments`` are
    its published amendments and corrigenda, which are in force with it.
    """
    path = [key]
    while len(path) < 30:
        facts_ = _facts(conn, path[-1])
        if facts_ is None or facts_[1] not in _SUPERSEDED:
            break
        following = _successor(conn, path[-1])
        if following is None or following in path:
            break
        path.append(following)
    last = _facts(conn, path[-1])
    amendments = [r[0] for r in conn.execute(
        """select r.subject from relations r join editions e on e.id = r.subject
           where r.object = ? and r.type in ('amends', 'corrects')
           and coalesce(e.draft_stage, '') = '' and e.status not in ('replaced', 'withdrawn')
           order by coalesce(e.published, e.year), r.subject""", (path[-1],))]
    return {"path": path, "current": bool(last and last[1] not in _SUPERSEDED),
            "amendments": amendments}


def chosen_editions(conn: sqlite3.Connection, committee: str | None = None,
                    works: tuple[str, ...] = (), designations: tuple[str, ...] = (),
                    status: str | None = None) -> list[str]:
    """Edition ids of a committee, of works, or named (any spelling), with a status.

    :raises NotFound: for an undated designation among ``designations``, or no match.
    """
    where, params = [], []
    if committee:
        from kb.designation import committee as committee_reference

        where.append("committee = ?")
        params.append(committee_reference(committee))
    if works:
        keys = [resolve(conn, w)[0] for w in works]
        where.append(f"work_id in ({','.join('?' * len(keys))})")
        params += keys
    if designations:
        keys = []
        for d in designations:
            _, key = resolve(conn, d)
            if key is None:
                raise NotFound(f"{d!r} is undated: name an edition, or use --work")
            keys.append(key)
        where.append(f"id in ({','.join('?' * len(keys))})")
        params += keys
    if status:
        where.append("status = ?")
        params.append(status)
    ids = [r[0] for r in conn.execute(
        f"select id from editions where {' and '.join(where) or '1'} order by id", params)]
    if not ids:
        raise NotFound("no edition matches these options")
    return ids


def edition(conn: sqlite3.Connection, text: str) -> dict:
    """One edition with its stage events and relations; a work designation gives its latest.

    :raises NotFound: with suggestions, for an unknown designation.
    """
    work, key = resolve(conn, text)
    note = None
    if key is None:
        key = latest_edition(conn, work)
        if key is None:
            rows = _edition_rows(conn, "e.work_id = ? order by e.year desc", (work,))
            if not rows:
                raise _not_found(conn, text)
            key = rows[0]["designation"]
        note = f"{text.strip()} is undated: showing its latest edition, {key}"
    row = _edition_rows(conn, "e.id = ?", (key,))[0]
    row["events"] = _events(conn, [key])[key]
    row["relations"] = dict_rows(conn, """select subject, type, object, degree, note from relations
        where subject = ? or object = ? order by type, subject, object""", (key, key))
    row["note"] = note
    row["provenance"] = facts.explain(conn, key)
    return row


#: The facts whose sources a history shows for each edition.
_HISTORY_FACTS = ("status", "stage", "published", "effective", "withdrawn")


def history(conn: sqlite3.Connection, text: str) -> dict:
    """The timeline of a work: editions, drafts, stage events, relations and adoptions.

    :raises NotFound: with suggestions, for an unknown designation.
    """
    work_id, _ = resolve(conn, text)
    work = dict_rows(conn, "select id as designation, title_en, title_zh, title_fr from works "
                       "where id = ?", (work_id,))[0]
    editions = _edition_rows(conn, "e.work_id = ?", (work_id,))
    events = _events(conn, [e["designation"] for e in editions])
    for e in editions:
        e["events"] = events[e["designation"]]
    editions.sort(key=_sort_key)
    relations = dict_rows(conn, """select r.subject, r.type, r.object, r.degree, r.note,
            r.subject_work, r.object_work, s.status as subject_status,
            s.title_en as subject_title_en, s.title_zh as subject_title_zh,
            o.status as object_status, o.title_en as object_title_en,
            o.title_zh as object_title_zh, s.id is not null as subject_known,
            o.id is not null as object_known
        from relations r left join editions s on s.id = r.subject
        left join editions o on o.id = r.object
        where r.subject_work = ? or r.object_work = ?
        order by r.type, r.subject, r.object""", (work_id, work_id))
    replaced_by: dict[str, list[str]] = {}
    for r in relations:
        if r["type"] == "replaces":
            replaced_by.setdefault(r["object"], []).append(r["subject"])
    with_text = {r[0] for r in conn.execute(
        f"select distinct edition_id from clauses where edition_id in "
        f"({','.join('?' * len(editions))})", [e["designation"] for e in editions])}
    for e in editions:
        e["has_text"] = e["designation"] in with_text
        e["provenance"] = {name: why for name, why in facts.explain(conn, e["designation"]).items()
                           if name in _HISTORY_FACTS}
        newer = replaced_by.get(e["designation"], [])
        drafts = [n for n in newer if (d := try_parse(n)) is not None and d.draft_stage]
        e["replaced_by"] = [n for n in newer if n not in drafts]
        e["revised_as"] = drafts
    ids = {e["designation"] for e in editions}
    predecessors = [r for r in relations if r["type"] == "replaces" and r["subject"] in ids
                    and r["object_work"] != work_id]
    successors = [r for r in relations if r["type"] == "replaces" and r["object"] in ids
                  and r["subject_work"] != work_id]
    adoptions = [r for r in relations if r["type"] == "adopts" and r["object_work"] == work_id]
    adopted = [r for r in relations if r["type"] == "adopts" and r["subject_work"] == work_id]
    adoption_events = _events(conn, [r["subject"] for r in adoptions])
    texts = with_text | {r[0] for r in conn.execute(
        f"select distinct edition_id from clauses where edition_id in "
        f"({','.join('?' * len(adoptions))})", [r["subject"] for r in adoptions])}
    for r in adoptions:
        r["events"] = adoption_events.get(r["subject"], [])
        r["crosswalk"] = r["subject"] in texts and r["object"] in texts  # both have text
    return {
        "work": work, "editions": editions, "relations": relations,
        "predecessors": predecessors, "successors": successors, "adoptions": adoptions,
        "adopts": adopted,
    }


def _text_edition(conn: sqlite3.Connection, designation: str) -> tuple[str, list[str]]:
    """The edition whose text to show (an undated designation: the latest with text) and
    the languages its text is in, English first.

    :raises NotFound: when there is no such edition or it has no clause text.
    """
    work, key = resolve(conn, designation)
    if key is None:
        rows = conn.execute("select distinct edition_id from clauses where edition_id in "
                            "(select id from editions where work_id = ?) order by edition_id desc",
                            (work,)).fetchall()
        if not rows:
            raise NotFound(f"{designation.strip()!r} has no clause text in the knowledge base")
        key = rows[0][0]
    languages = [r[0] for r in conn.execute(
        "select distinct language from clauses where edition_id = ? order by language = 'en' "
        "desc, language", (key,))]
    if not languages:
        raise NotFound(f"{key} has no clause text in the knowledge base")
    return key, languages


def contents(conn: sqlite3.Connection, designation: str, language: str | None = None) -> dict:
    """The top-level clauses of an edition's text, in order.

    :raises NotFound: when there is no such edition or it has no clause text.
    """
    key, languages = _text_edition(conn, designation)
    language = language if language in languages else languages[0]
    return {
        "designation": key, "work": parse(key).work.canonical, "language": language,
        "clauses": dict_rows(conn, """select number, heading, kind from clauses where
                                  edition_id = ? and language = ? and parent is null
                                  order by ord""", (key, language)),
    }


def adopted_works(conn: sqlite3.Connection, limit: int = 100) -> list[dict]:
    """Works that national or sector documents adopt, with their titles."""
    return dict_rows(conn, """select id, title_en, title_zh from works where id in (
                            select object_work from relations where type = 'adopts' limit ?)
                          order by id limit ?""", (limit * 3, limit))


def clause(conn: sqlite3.Connection, designation: str, number: str,
           language: str | None = None) -> dict:
    """A clause in place: breadcrumb of parents, text, children, previous and next clause,
    the terms of the same edition it uses, and the documents it cites (known or not).

    :raises NotFound: for an unknown edition or clause (naming the clauses there are).
    """
    key, languages = _text_edition(conn, designation)
    language = language if language in languages else languages[0]
    found = dict_rows(conn, """select number, parent, heading, text, kind, ord from clauses
                           where edition_id = ? and language = ? and number = ?""",
                  (key, language, number.strip()))
    if not found:
        numbers = [r[0] for r in conn.execute(
            "select number from clauses where edition_id = ? and language = ? order by ord",
            (key, language))]
        close = difflib.get_close_matches(number.strip(), numbers, n=5, cutoff=0.5)
        hint = f"; closest: {', '.join(close)}" if close else ""
        raise NotFound(f"{key} has no clause {number.strip()!r}{hint}")
    row = found[0]
    crumbs, parent = [], row["parent"]
    while parent:
        up = dict_rows(conn, "select number, parent, heading from clauses where edition_id = ? "
                         "and language = ? and number = ?", (key, language, parent))
        if not up:
            break
        crumbs.insert(0, {"number": up[0]["number"], "heading": up[0]["heading"]})
        parent = up[0]["parent"]
    blocks = ", ".join(f"'{k}'" for k in BLOCK_KINDS)
    neighbour = f"""select number, heading from clauses where edition_id = ? and language = ?
                    and kind not in ({blocks}) and ord {{op}} ? order by ord {{direction}}
                    limit 1"""
    at = (key, language, row["ord"])
    previous = dict_rows(conn, neighbour.format(op="<", direction="desc"), at)
    following = dict_rows(conn, neighbour.format(op=">", direction="asc"), at)
    children = dict_rows(conn, "select number, heading, kind, text from clauses where "
                           "edition_id = ? and language = ? and parent = ? order by ord",
                     (key, language, row["number"]))
    inside = [c for c in children if c["kind"] in BLOCK_KINDS]
    children = [{"number": c["number"], "heading": c["heading"]}
                for c in children if c["kind"] not in BLOCK_KINDS]
    text = "\n".join([row["heading"] or "", row["text"] or "",
                      *(f"{b['heading'] or ''}\n{b['text'] or ''}" for b in inside)]).lower()
    terms = [t for t in dict_rows(conn, """select entry, preferred, definition from terms
                                       where edition_id = ? and language = ?""", (key, language))
             if t["entry"] != row["number"] and t["preferred"].lower() in text]
    terms.sort(key=lambda t: [int(p) if p.isdigit() else p for p in re.split(r"[.]", t["entry"])])
    citations = dict_rows(conn, """select c.cited as designation, c.as_written,
                                      o.status, coalesce(o.title_en, w.title_en) as title_en,
                                      coalesce(o.id, w.id) is not null as known
                               from citations c left join editions o on o.id = c.cited
                               left join works w on w.id = c.cited
                               where c.edition_id = ? and c.language = ? and c.clause = ?
                               order by c.cited""", (key, language, row["number"]))
    for citation in citations:
        citation["known"] = bool(citation["known"])
    return {
        "designation": key, "language": language, "clause": row["number"],
        "heading": row["heading"], "kind": row["kind"], "text": row["text"],
        "breadcrumb": crumbs, "blocks": inside, "children": children,
        "previous": previous[0] if previous else None,
        "next": following[0] if following else None, "terms": terms, "citations": citations,
    }


def term(conn: sqlite3.Connection, text: str) -> list[dict]:
    """A term in every loaded standard: its entries with definitions, and the equivalents
    in other languages (the same entry in another language, or in the edition it adopts or
    that adopts it).

    :raises NotFound: when no loaded standard defines the term.
    """
    wanted = text.strip()
    if len(wanted) > 500:
        raise NotFound(f"no loaded standard defines a term of {len(wanted):,} characters")
    rows = dict_rows(conn, """select t.edition_id as designation, t.entry, t.language, t.preferred,
            t.admitted, t.deprecated, t.definition, t.notes, t.source, e.status
        from terms t left join editions e on e.id = t.edition_id
        where lower(t.preferred) = lower(?) or t.admitted like ? or t.deprecated like ?
        order by t.edition_id, t.entry""", (wanted, f'%"{wanted}"%', f'%"{wanted}"%'))
    if not rows:
        raise NotFound(f"no loaded standard defines {wanted!r}")
    for row in rows:
        for field in ("admitted", "deprecated", "notes"):
            row[field] = json.loads(row[field]) if row[field] else []
        related = [row["designation"]] + [r[0] for r in conn.execute(
            """select object from relations where subject = ? and type = 'adopts'
               union select subject from relations where object = ? and type = 'adopts'""",
            (row["designation"], row["designation"]))]
        marks = ",".join("?" * len(related))
        row["equivalents"] = dict_rows(conn, f"""select edition_id as designation, language,
                preferred, definition from terms
            where edition_id in ({marks}) and entry = ? and language != ?
            order by edition_id, language""", (*related, row["entry"], row["language"]))
    return rows


def changes(conn: sqlite3.Connection, since: str | None = None, code: str | None = None,
            limit: int = 100_000, offset: int = 0) -> list[dict]:
    """The change log of the editions' facts (see :data:`kb.facts.CHANGE_CODES`), newest
    first."""
    where, params = _changes_where(since, code)
    return dict_rows(conn, f"""select at, code, edition_id as edition, field, old, new
        from changes where {where} order by at desc, id desc limit ? offset ?""",
                     (*params, limit, offset))


def change_counts(conn: sqlite3.Connection, since: str | None = None, after: int = 0,
                  editions: bool = False) -> dict[str, int]:
    """How many changes of each code (N, C, W, R) the log holds, since a date and after a
    change id (:func:`last_change`) if given; with ``editions``, how many editions."""
    where, params = _changes_where(since, None)
    counted = "distinct edition_id" if editions else "*"
    return dict(conn.execute(f"select code, count({counted}) from changes where {where} "
                             "and id > ? group by code", (*params, after)).fetchall())


def last_change(conn: sqlite3.Connection) -> int:
    """The id of the newest change logged (0 if none): what a load logs comes after it."""
    return conn.execute("select coalesce(max(id), 0) from changes").fetchone()[0]


def _changes_where(since: str | None, code: str | None) -> tuple[str, list]:
    where, params = ["1"], []
    if since:
        where.append("at >= ?")
        params.append(since)
    if code:
        where.append("code = ?")
        params.append(code)
    return " and ".join(where), params
