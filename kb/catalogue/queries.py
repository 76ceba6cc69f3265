"""Read-only questions to the knowledge base, shared by the CLI and the Datasette pages.

Every function takes an open ``sqlite3.Connection`` and returns plain dicts and lists, so the
CLI prints them, ``--json`` dumps them and the web plugin renders them from the same data.
"""

from __future__ import annotations

import difflib
import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from kb.catalogue import facts
from kb.catalogue.model import BLOCK_KINDS, clause_key
from kb.identifiers import stages
from kb.identifiers.designation import DesignationError, committee_parts, parse, try_parse

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
    """The known designations closest to ``text``, best first, each once.

    One mistyped character puts the intended designation first when nothing else is as close:
    a letter O for a zero or I/l for a one (read as the digit), a digit missing, extra,
    substituted, or two neighbours swapped. Closeness is the optimal-string-alignment
    (Damerau-Levenshtein) distance of the numbers, plus smaller costs for a different publisher
    or type and, for an edition, a different year, stage or supplement; ties go to the edit a
    typist makes most (a doubled digit dropped or added), then to works in force, with more
    editions, shorter, in alphabetical order. An input without a year (stage, supplement) gets
    works, one with a year gets editions; committee-like input (``ISO/TC 176``,
    ``TC 207/SC 1``) gets committees, a government document number nothing. Candidates come
    from the index on ``works.number``: the numbers one edit away from the input's, its parts,
    then a bounded range of numbers that share its first digits; only a fragment that nothing
    else matches (``CC121`` for CNAS-CC121) is looked for in every work's id.
    """
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text or len(text) > 200:  # longer than any designation: nothing is close
        return []
    if try_parse(text) is None and (titled := _titled(conn, text)):  # a title: its works
        return [edition or work for work, edition in titled][:max(limit, len(titled))]
    folded = _fold_lookalikes(text)
    committee_like = _BARE_COMMITTEE.match(folded) is not None
    wanted: list[_Wanted] = []
    for form in dict.fromkeys((folded, text)):  # the folded reading first
        try:
            wanted.append(_wanted(parse(form)))
        except DesignationError as error:
            if error.kind == "government-document":
                return []
            committee_like = committee_like or error.kind == "committee"
    if committee_like:
        return _suggest_committees(conn, folded, limit)
    if not wanted:
        wanted = [w for w in (_loose_wanted(folded.upper()),) if w is not None]
    ranked = _rank(conn, wanted, limit) if wanted else []
    if not ranked and len(text) >= 3:  # "CC121" for CNAS-CC121: a part of a known id
        ranked = [r[0] for r in conn.execute(
            "select id from works where id like ? order by length(id), id limit ?",
            (f"%{text}%", limit))]
    return ranked


@dataclass(frozen=True)
class _Wanted:
    """What an input asks for: ``number`` "17021-1" (parts joined by hyphens, as in
    ``works.number``), ``prefix`` its publishers and type ("ISO", "IEC", "TS"; empty when the
    input names none), ``family`` (intl, cn, …) and ``tail`` (stage, year and supplements:
    "DIS:2018/AMD1:2024"), None when a work is wanted rather than an edition."""

    number: str
    prefix: tuple[str, ...] = ()
    family: str | None = None
    tail: str | None = None
    year: int | None = None


#: Letters typed for digits: O for 0, I or l for 1.
_LOOKALIKES = str.maketrans("OoIl", "0011")
_LOOKALIKE_RUN = re.compile(r"(?<![A-Za-z])[OoIl]+(?![A-Za-z])")
#: A committee without its publisher: ``TC 207/SC 1``, ``PC302``, ``JTC 1/SC 27``.
_BARE_COMMITTEE = re.compile(r"^(?:JTC\s*1\s*/\s*)?(?:TC|PC|SC|JTC|SyC|JWG|WG|AG)\s*[\d/]",
                             re.I)
#: A designation the parser cannot read: its number, and a year after it.
_LOOSE = re.compile(r"(?P<number>[A-Z]*\d[0-9A-Z]*(?:[-.]+[0-9A-Z]+)*)"
                    r"(?:\s*[:-]+\s*(?P<year>(?:19|20)\d\d)(?!\d))?")
_DIGITS = "0123456789"
#: Costs beside the number's edit distance (1 an edit).
_PART_COMPLETION = 0.75  # "ISO 19101" for its parts ISO 19101-1, -2 …
_EXTRA_PUBLISHER_OR_TYPE = 0.3  # "ISO 17021-1" for ISO/IEC 17021-1, "ISO 17021-4" for a TS
_OTHER_FAMILY = 0.6  # an international designation for a Chinese one, or the reverse
_TAIL_EDIT = 0.75  # an edit in the year, stage or supplement (with a publisher left out: 1.05)
_MAX_TAIL = 2.25
_MAX_COST = 3.0
_MAX_COMMITTEE_COST = 1.5  # one edit (and a publisher left out)


def _fold_lookalikes(text: str) -> str:
    """``ISO 19O11`` → ``ISO 19011``, ``ISO l9011`` → ``ISO 19011``, ``TC l`` → ``TC 1``: a
    run of O, I or l that is no part of a word and does not start the text is read as digits
    (``IS0`` for ISO, the other way round, is the parser's)."""
    return _LOOKALIKE_RUN.sub(
        lambda m: m.group().translate(_LOOKALIKES) if m.start() else m.group(), text)


def _family(scheme: str | None) -> str | None:
    if not scheme:
        return None
    return "intl" if scheme in ("iso", "iec") else "cn" if scheme.startswith("cn") else scheme


def _tail(d) -> str:
    return (f"{d.stage or ''}:{d.year or ''}"
            + "".join(s.render(d.style) for s in d.supplements)
            + (d.version or "")).upper().replace(" ", "")


def _wanted(d) -> _Wanted:
    dated = d.year is not None or d.stage or d.supplements
    return _Wanted(
        number="-".join((d.number, *d.parts)).upper(),
        prefix=tuple(p.upper() for p in d.publishers) + ((d.doctype.upper(),) if d.doctype
                                                         else ()),
        family=_family(d.scheme), tail=_tail(d) if dated else None, year=d.year)


def _loose_wanted(text: str) -> _Wanted | None:
    """What a string the parser refuses asks for: ``CC121``, ``19011``, ``IOS 9001:2015``."""
    m = _LOOSE.search(text)
    if not m:
        return None
    year = int(m.group("year")) if m.group("year") else None
    return _Wanted(number=m.group("number").replace(".", "-"),
                   prefix=tuple(re.findall(r"[A-Z]+", text[:m.start()])),
                   tail=None if year is None else f":{year}", year=year)


def _one_edit(number: str) -> set[str]:
    """Every string one edit from ``number``: a digit (or a part's hyphen) inserted, a digit
    substituted, a character deleted, two neighbours swapped."""
    out = {number}
    for i in range(len(number) + 1):
        head, rest = number[:i], number[i:]
        out.update(head + c + rest for c in _DIGITS + "-")
        if rest:
            out.add(head + rest[1:])
            out.update(head + c + rest[1:] for c in _DIGITS)
            if len(rest) > 1:
                out.add(head + rest[1] + rest[0] + rest[2:])
    out.discard("")
    return out


_WORK_COLUMNS = "id, publisher, doctype, scheme, number"


def _candidate_works(conn: sqlite3.Connection, numbers: list[str], enough: int) -> dict:
    """Works whose number is one edit from one of ``numbers`` or is a part of one; if that
    gives fewer than ``enough``, also those that share the number's first digits (a bounded
    range of the index)."""
    found: dict[str, tuple] = {}
    variants = sorted(set().union(*(_one_edit(n) for n in numbers)))
    for row in facts.rows_in(conn, f"select {_WORK_COLUMNS} from works where number in ({{}})",
                             variants):
        found[row[0]] = row
    for n in numbers:  # its parts: number >= 'N-' and < 'N.' ('.' follows '-')
        for row in conn.execute(f"select {_WORK_COLUMNS} from works where number >= ?"
                                " and number < ? limit 200", (n + "-", n + ".")):
            found[row[0]] = row
    if len(found) < enough:
        for n in numbers:
            head = n[:3] if len(n) >= 5 else n[:2]
            if not head:
                continue
            stop = head[:-1] + chr(ord(head[-1]) + 1)
            for row in conn.execute(f"select {_WORK_COLUMNS} from works where number >= ?"
                                    " and number < ? limit 5000", (head, stop)):
                found.setdefault(row[0], row)
    return found


def _number_cost(want: str, have: str) -> float:
    if have.startswith(want + "-"):
        return _PART_COMPLETION
    return OSA.distance(want, have)


def _prefix_cost(want: _Wanted, publisher: str | None, doctype: str | None,
                 scheme: str | None) -> float:
    if not want.prefix:
        return 0.0
    have = tuple((publisher or "").upper().split("/")) + ((doctype.upper(),) if doctype else ())
    if have == want.prefix:
        return 0.0
    family = _family(scheme)
    if want.family and family and want.family != family:
        return _OTHER_FAMILY + 0.3 * OSA.distance(" ".join(want.prefix), " ".join(have))
    if have[:1] == want.prefix[:1] and (set(have) <= set(want.prefix)
                                        or set(want.prefix) <= set(have)):
        return _EXTRA_PUBLISHER_OR_TYPE + 0.25 * (len(set(have) ^ set(want.prefix)) - 1)
    return min(1.5, 0.35 * OSA.distance(" ".join(want.prefix), " ".join(have)))


def _doubling(want: str, have: str) -> bool:
    """Whether ``have`` is ``want`` with one character doubled or undoubled (19011 / 1901)."""
    if abs(len(want) - len(have)) != 1:
        return False
    longer, shorter = (want, have) if len(want) > len(have) else (have, want)
    return any(longer[:i] + longer[i + 1:] == shorter
               for i in range(1, len(longer)) if longer[i] == longer[i - 1])


def _rank(conn: sqlite3.Connection, wanted: list[_Wanted], limit: int) -> list[str]:
    works = _candidate_works(conn, list(dict.fromkeys(w.number for w in wanted)), limit)
    if not works:
        return []
    costs: dict[str, tuple[float, bool]] = {}  # work -> (cost of its number and prefix, doubled)
    for key, (_, publisher, doctype, scheme, number) in works.items():
        costs[key] = min((_number_cost(w.number, number)
                          + _prefix_cost(w, publisher, doctype, scheme),
                          not _doubling(w.number, number)) for w in wanted)
    near = [k for k, (cost, _) in costs.items() if cost <= _MAX_COST]
    if not near:
        return []
    near.sort(key=lambda k: costs[k][0])
    dated = [w for w in wanted if w.tail is not None]
    scored = []
    if dated:  # an edition is wanted: the editions of the near works, in order of the works'
        done = 0  # costs, until the next work cannot beat the editions found
        while done < len(near) and not (len(scored) >= limit and scored[limit - 1][0]
                                        < costs[near[done]][0]):
            batch, done = near[done:done + 25], done + 25
            for key, work, status in facts.rows_in(
                    conn, "select id, work_id, status from editions where work_id in ({})",
                    batch):
                d = try_parse(key)
                if d is None:
                    continue
                tail = _tail(d)
                cost = costs[work][0] + min(
                    min(_MAX_TAIL, _TAIL_EDIT * OSA.distance(w.tail, tail))
                    + (abs(w.year - d.year) / 1000 if w.year and d.year else 0) for w in dated)
                scored.append((cost, costs[work][1], status != "current", 0, len(key), key))
            scored.sort()
    else:  # the works as close as the limit-th, whose ties the editions break
        near = [k for k in near if costs[k][0] <= costs[near[min(limit, len(near)) - 1]][0]]
        stats = {work: (in_force, n) for work, in_force, n in facts.rows_in(
            conn, "select work_id, max(status = 'current'), count(*) from editions"
            " where work_id in ({}) group by work_id", near)}
        for key in near:
            in_force, n = stats.get(key, (0, 0))
            scored.append((costs[key][0], costs[key][1], not in_force, -n, len(key), key))
    scored.sort()
    return [row[-1] for row in scored if row[0] <= _MAX_COST][:limit]


@lru_cache(maxsize=65536)
def _committee_key(reference: str) -> tuple[tuple[str, ...], str]:
    """:func:`kb.identifiers.designation.committee_parts` with the spaces of the rest left out
    (``JTC1/SC27``), kept for the committees scanned again and again."""
    publishers, rest = committee_parts(reference)
    return publishers, rest.replace(" ", "")


def _suggest_committees(conn: sqlite3.Connection, text: str, limit: int) -> list[str]:
    """The committees closest to a committee-like ``text`` (a bounded scan: committees are a
    few thousand at most)."""
    want_pub, want_body = _committee_key(text)
    references = [r[0] for r in conn.execute("select reference from committees limit 50000")]
    keys = [_committee_key(r) for r in references]
    bodies = [body for _, body in keys]
    close = {i: float(distance) for _, distance, i in process.extract(
        want_body, bodies, scorer=OSA.distance, score_cutoff=2, limit=None)}
    for i, body in enumerate(bodies):  # ISO/TC 176 for its subcommittees ISO/TC 176/SC 1 …
        if body.startswith(want_body + "/"):
            close.setdefault(i, _PART_COMPLETION)
    scored = []
    for i, distance in close.items():
        have_pub = keys[i][0]
        if not want_pub or have_pub == want_pub:
            cost = distance
        elif set(have_pub) <= set(want_pub) or set(want_pub) <= set(have_pub):
            # ISO/JTC 1 for ISO/IEC JTC 1; IEC's records name its committees without "IEC/"
            # (TC 57), so a bare reference is close to IEC/TC 57 and far from SAC/TC 57
            iec = not have_pub and ("IEC" in want_pub or "CISPR" in want_pub)
            cost = distance + (_EXTRA_PUBLISHER_OR_TYPE if have_pub or iec else 1.0)
        else:
            continue  # SAC/TC 261 is not ISO/TC 261
        scored.append((cost, not _doubling(want_body, keys[i][1]), len(references[i]),
                       references[i]))
    scored.sort()
    return [row[-1] for row in scored if row[0] <= _MAX_COMMITTEE_COST][:limit]


def _not_found(conn: sqlite3.Connection, text: str) -> NotFound:
    close = suggest(conn, text)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return NotFound(f"{text!r} is not in the knowledge base{hint}")


def _title_cap() -> int:
    from kb.text import search

    return search.TITLE_MATCHES


def _titled(conn: sqlite3.Connection, text: str) -> list[tuple[str, str | None]]:
    """The (work, edition or None) whose title ``text`` is (:func:`kb.text.search.find_titles`)."""
    from kb.text import search

    return search.find_titles(conn, text)


def resolve(conn: sqlite3.Connection, text: str) -> tuple[str, str | None]:
    """(work id, edition id or None) for any spelling of a work or edition designation, or
    for a title (zh, en, fr; folded as search folds text) that only one work has.

    :raises DesignationError: if ``text`` is neither a designation nor a title.
    :raises NotFound: if neither the edition nor its work is known, or several works have
        that title (the message lists them).
    """
    try:
        d = parse(text)
    except DesignationError as error:
        titled = _titled(conn, text)
        if len(titled) == 1:
            return titled[0]
        if titled:
            names = ", ".join(edition or work for work, edition in titled[:10])
            many = f"{len(titled)} or more" if len(titled) >= _title_cap() else \
                f"{len(titled)}"
            more = ", …" if len(titled) > 10 else ""
            raise NotFound(f"{text.strip()!r} matches the titles of {many} standards: "
                           f"{names}{more}; name one") from None
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
    e.ccs, e.languages, e.pages, e.url, e.record_source, e.note as remark, e.authority,
    e.drafters, e.scope"""


def _edition_rows(conn, where: str, params) -> list[dict]:
    rows = dict_rows(conn, f"""select {_EDITION_COLUMNS} from editions e
        left join committees c on c.reference = e.committee where {where}""", params)
    for row in rows:
        for field in ("ics", "ccs", "languages", "drafters"):
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


def _successor(conn: sqlite3.Connection, key: str, depth: int = 0) -> str | None:
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
    if adopted and depth < 2:  # an adoption of an adoption at most (cycles in bad data end)
        try:
            body = parse(key).publisher
        except DesignationError:
            return None
        for successor in in_force(conn, adopted[0], depth + 1)["path"][1:]:
            for (national,) in conn.execute("""select r.subject from relations r
                    join editions e on e.id = r.subject where r.type = 'adopts'
                    and r.object = ? and coalesce(e.draft_stage, '') = ''
                    order by r.subject""", (successor,)):
                if try_parse(national) and try_parse(national).publisher == body:
                    return national
    return None


def in_force(conn: sqlite3.Connection, key: str, depth: int = 0) -> dict:
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
        following = _successor(conn, path[-1], depth)
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
        from kb.identifiers.designation import committee as committee_reference

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
            s.published as published, s.effective as effective,
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
        e["provenance"] = facts.explain(conn, e["designation"])
        newer = replaced_by.get(e["designation"], [])
        drafts = [n for n in newer if (d := try_parse(n)) is not None and d.draft_stage]
        e["replaced_by"] = [n for n in newer if n not in drafts]
        e["revised_as"] = drafts
    _fold_drafts(editions)
    _supplements(editions, relations)
    latest = latest_edition(conn, work_id)
    by_id = {e["designation"]: e for e in editions}
    for e in editions:
        e["replaces"] = [r for r in relations if r["type"] == "replaces"
                         and r["subject"] == e["designation"]]
        e["adopted_as"] = [r for r in relations if r["type"] == "adopts"
                           and r["object"] == e["designation"]]
        e["adopts"] = [r for r in relations if r["type"] == "adopts"
                       and r["subject"] == e["designation"]]
        inferred = facts.inferred_status(e, e["designation"] == latest,
                                         e["designation"] in replaced_by)
        e["status_shown"], e["status_inferred"] = inferred or (e["status"], None)
        e["draft_remarks"] = [by_id[d]["remark"] for d in e["drafts"] if by_id[d]["remark"]]
    ics = _ics_titles(conn, {code for e in editions for code in e["ics"]})
    for e in editions:
        e["ics_titles"] = {code: ics.get(code) for code in e["ics"]}
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
    try:
        scheme = parse(work_id).scheme
    except DesignationError:
        scheme = None
    return {
        "work": work, "scheme": scheme, "editions": editions, "relations": relations,
        "predecessors": predecessors, "successors": successors, "adoptions": adoptions,
        "adopts": adopted, "under_way": _under_way(editions, relations),
    }


def _published(e: dict) -> bool:
    return not e.get("draft_stage") and e["kind"] == "standard" and e["status"] != "draft"


def _concluded(e: dict) -> bool:
    """A draft whose project reached publication (its stage 60 or later, or a status only a
    published document has)."""
    return bool(e.get("draft_stage")) and (
        (e.get("stage") or "")[:2] in ("60", "90", "95")
        or e["status"] in ("current", "replaced", "withdrawn"))


def _fold_drafts(editions: list[dict]) -> None:
    """A draft that became an edition is that edition's history: each edition gets its
    ``lifecycle`` (its stage events and those of the drafts that became it, in stage order,
    each marked with the draft it was recorded on) and ``drafts``; such a draft gets
    ``became`` (the edition), and pages show it inside that edition, not as a row.  The
    edition a draft became has the draft's edition number, else is the first published
    after the draft's last dated stage."""
    published = sorted((e for e in editions if _published(e)),
                       key=lambda e: str(e.get("published") or e.get("year") or ""))
    for e in editions:
        e["lifecycle"] = [{**ev, "draft": None} for ev in e["events"]]
        e["drafts"], e["became"] = [], None
    for d in editions:
        target = _became(d, published)
        if target is None:
            continue
        d["became"] = target["designation"]
        target["drafts"].append(d["designation"])
        seen = {(ev["code"], ev["date"]) for ev in target["lifecycle"]}
        target["lifecycle"] += [{**ev, "draft": d["designation"]} for ev in d["events"]
                                if (ev["code"], ev["date"]) not in seen]
    for e in editions:
        e["lifecycle"].sort(key=lambda ev: (stages.sort_key(ev["code"]), ev["date"] or ""))


def _became(draft: dict, published: list[dict]) -> dict | None:
    """The edition (of ``published``, in order of publication) a concluded draft became:
    the one with its edition number, else the first published on or after its last dated
    stage; None for a draft still under way or one no edition matches."""
    if not _concluded(draft):
        return None
    same = [e for e in published if draft.get("edition") and e.get("edition") == draft["edition"]]
    last = max((ev["date"] or "" for ev in draft.get("events", ())), default="")
    later = [e for e in published if str(e.get("published") or e.get("year") or "") >= last]
    return (same or later or [None])[0]


def became(conn: sqlite3.Connection, draft: str) -> str | None:
    """The edition a draft (an edition id with a stage prefix) became, by the rule the
    history page folds drafts with; None if it is not a concluded draft."""
    rows = _edition_rows(conn, "e.id = ?", (draft,))
    if not rows or not rows[0]["draft_stage"]:
        return None
    rows[0]["events"] = _events(conn, [draft])[draft]
    published = sorted((e for e in _edition_rows(conn, "e.work_id = ?", (rows[0]["work"],))
                        if _published(e)),
                       key=lambda e: str(e.get("published") or e.get("year") or ""))
    target = _became(rows[0], published)
    return target["designation"] if target else None


def _supplements(editions: list[dict], relations: list[dict]) -> None:
    """Amendments and corrigenda listed with the edition they amend (``supplements``), and
    each supplement with its base (``amends``)."""
    by_id = {e["designation"]: e for e in editions}
    for e in editions:
        e["supplements"], e["amends"] = [], None
    for r in relations:
        if r["type"] in ("amends", "corrects") and r["subject"] in by_id and \
                r["object"] in by_id:
            by_id[r["subject"]]["amends"] = r["object"]
            by_id[r["object"]]["supplements"].append(r["subject"])


def _under_way(editions: list[dict], relations: list[dict]) -> list[dict]:
    """The projects still under way and what each will replace: drafts of the work that are
    not concluded, and documents recorded as replacing an edition whose designation names a
    draft stage (``ISO/AWI 5801`` → stage 20 …)."""
    by_id = {e["designation"]: e for e in editions}
    out: dict[str, dict] = {}
    for e in editions:
        if (e.get("draft_stage") or e["status"] == "draft") and not _concluded(e) and \
                e["status"] not in ("abandoned", "withdrawn"):
            out[e["designation"]] = {"designation": e["designation"], "stage": e["stage"],
                                     "stage_label": e["stage_label"], "replaces": []}
    for r in relations:
        if r["type"] != "replaces":
            continue
        d = try_parse(r["subject"])
        if d is None or not d.draft_stage or r["subject"] in by_id and \
                r["subject"] not in out:
            continue
        if r["subject"] not in out:
            try:
                group = stages.code_for_prefix(d.draft_stage)
            except stages.StageError:
                group = None
            out[r["subject"]] = {"designation": r["subject"], "stage": f"{group}.00"
                                 if group else None, "stage_label": stages.label(f"{group}.00")
                                 if group else None, "replaces": []}
        out[r["subject"]]["replaces"].append(r["object"])
    return sorted(out.values(), key=lambda u: u["designation"])


def _ics_titles(conn: sqlite3.Connection, codes: set[str]) -> dict[str, str | None]:
    """The English titles of ICS fields (those the knowledge base has)."""
    if not codes:
        return {}
    found = dict(facts.rows_in(conn, "select code, title_en from ics where code in ({})",
                               sorted(codes)))
    return {code: found.get(code) for code in codes}


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
    terms.sort(key=lambda t: clause_key(t["entry"]))
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
    """The change log of the editions' facts (see :data:`kb.catalogue.facts.CHANGE_CODES`), newest
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
