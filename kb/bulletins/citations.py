"""Questions about loaded bulletins: their mentions resolved against the knowledge base,
stale citations, and the reference table of the standards they cite.

Mentions are stored as found (:mod:`loaders.bulletin`); they are resolved here, when asked,
so a bulletin always shows what the knowledge base knows now.  A dated citation resolves to
that edition, an undated one to the work's latest edition (saying so), a draft to the
edition whose project passed the stage it names around the bulletin's date.
"""

from __future__ import annotations

import bisect
import sqlite3
from pathlib import Path

from kb.catalogue import facts
from kb.catalogue.queries import NotFound, became, dict_rows, in_force, latest_edition
from kb.identifiers import stages
from kb.identifiers.designation import DesignationError, parse

__all__ = ["bulletin", "changed_since", "check", "counts", "find", "listing", "references",
           "resolve_citation", "work_changes"]

#: Editor's order of schemes in a reference table: international, national, sector, others.
SCHEME_ORDER = {"iso": 0, "iec": 0, "iec-ca": 0, "cn-national": 1, "cn-sector": 2, "cn-local": 3,
                "cn-group": 4, "cn-enterprise": 5, "cnas": 6, "cnca": 6, "ilac": 7}


def _has_bulletins(conn: sqlite3.Connection) -> bool:
    """False for a database made before bulletins were stored (schema < 3)."""
    return conn.execute("select 1 from sqlite_master where name = 'bulletins'").fetchone() \
        is not None


def listing(conn: sqlite3.Connection) -> list[dict]:
    """The loaded bulletins, newest first, with their numbers of mentions."""
    if not _has_bulletins(conn):
        return []
    return dict_rows(conn, """select b.id, b.title, b.date, count(m.start) as mentions
                              from bulletins b left join mentions m on m.bulletin_id = b.id
                              group by b.id order by b.date desc, b.id""")


def find(conn: sqlite3.Connection, ref: str) -> str:
    """The id of a loaded bulletin given its id, the path it was loaded from, or its name.

    :raises NotFound: naming the bulletins there are.
    """
    ref = ref.strip()
    if not _has_bulletins(conn):
        raise NotFound(f"no bulletin {ref!r}; none is loaded (kb bulletin load)")
    candidates = [ref, str(Path(ref)), str(Path(ref).resolve()) if ref else ref]
    for value in candidates:
        row = conn.execute("select id from bulletins where id = ? or path = ?",
                           (value, value)).fetchone()
        if row:
            return row[0]
    row = conn.execute("select id from bulletins where id = ?", (Path(ref).stem,)).fetchone()
    if row:
        return row[0]
    known = [r[0] for r in conn.execute("select id from bulletins order by id limit 20")]
    there = f"; loaded: {', '.join(known)}" if known else "; none is loaded (kb bulletin load)"
    raise NotFound(f"no bulletin {ref!r}{there}")


def _edition(conn, key: str) -> dict | None:
    rows = dict_rows(conn, """select id, work_id, kind, year, title_en, title_zh, status, stage,
                                 stage_label, draft_stage, published, effective, withdrawn
                                 from editions where id = ?""",
                 (key,))
    return rows[0] if rows else None


def _latest(conn, work: str, as_of: str | None = None) -> dict | None:
    """The work's latest edition (at ``as_of`` if given), with its facts."""
    key = latest_edition(conn, work, as_of)
    return _edition(conn, key) if key else None


def _draft(conn, designation, as_of: str | None) -> tuple[dict | None, dict | None]:
    """(edition, stage event) of the project that passed the draft's stage around ``as_of``:
    the last to reach it by then, else the first published after; a draft record that became
    an edition stands for that edition (:func:`kb.catalogue.queries.became`)."""
    group = stages.DRAFT_PREFIX_STAGE.get(designation.stage.upper(), "")
    candidates = dict_rows(conn, """select e.id, e.published, ev.code, ev.date from editions e
                                join stage_events ev on ev.edition_id = e.id
                                where e.work_id = ? and ev.code like ?
                                order by coalesce(e.published, nullif(ev.date, ''), '9999')""",
                       (designation.work.canonical, f"{group}.%"))
    targets: dict[str, str | None] = {}
    for c in candidates:  # a draft record that became an edition stands for that edition
        if c["id"] not in targets:
            targets[c["id"]] = became(conn, c["id"])
        if targets[c["id"]]:
            c["id"], c["published"] = targets[c["id"]], \
                _edition(conn, targets[c["id"]])["published"]
    candidates.sort(key=lambda c: str(c["published"] or c["date"] or "9999"))
    if as_of:
        # the project that was at that stage by the bulletin's date (the latest such), else
        # the first published after it
        before = [c for c in candidates if c["date"] and str(c["date"]) <= as_of]
        later = [c for c in candidates if (c["published"] or "9999") >= as_of[:7]]
        candidates = sorted(before, key=lambda c: str(c["date"]), reverse=True) or later \
            or candidates
    if candidates:
        chosen = candidates[0]
        return _edition(conn, chosen["id"]), {"code": chosen["code"], "date": chosen["date"],
                                              "label": stages.label(chosen["code"])}
    return _edition(conn, designation.edition.canonical), None


def _supplement_of_some_edition(conn, d) -> dict | None:
    """The one edition that is ``d``'s supplement (same supplements) of a dated edition of
    its work, when ``d`` leaves the base's year out."""
    found = []
    for (key,) in conn.execute("select id from editions where work_id = ?",
                               (d.work.canonical,)):
        try:
            other = parse(key)
        except DesignationError:
            continue
        if other.year and other.supplements == d.supplements and other.edition != d.edition:
            found.append(key)
    return _edition(conn, found[0]) if len(found) == 1 else None


def resolve_citation(conn: sqlite3.Connection, canonical: str | None, kind: str,
                     as_of: str | None = None, exact: bool = False) -> dict:
    """What a mention names now: the resolved edition, its status, stage, latest edition,
    replacements and national adoptions, and how it was resolved (``resolution``).

    :param exact: ``canonical`` is an edition's id: take it as it is (no project of a draft,
        no latest edition of an undated work).
    """
    result = {"resolved": None, "work": None, "status": None, "stage": None,
              "stage_label": None, "latest": None, "replaced_by": [], "adoptions": [],
              "title_en": None, "title_zh": None, "published": None, "resolution": None,
              "known": False, "in_force": None, "path": [], "amendments": [],
              "status_inferred": None}
    if kind not in ("standard", "draft") or not canonical:
        result["resolution"] = "not a standard"
        return result
    try:
        d = parse(canonical)
    except DesignationError:
        result["resolution"] = "not a designation the knowledge base reads"
        return result
    if d.adopted and not exact and _edition(conn, d.edition.canonical) is None:
        # a national adoption the knowledge base does not hold: the ISO or IEC edition it
        # most likely adopts, the latest published by the end of the adoption's year
        adopted = _latest(conn, d.adopted.canonical, f"{d.year}-12-31" if d.year else None)
        if adopted:
            result = resolve_citation(conn, adopted["id"], kind, exact=True)
            result["resolution"] = f"a national adoption of {adopted['id']}"
            return result
    work = d.work.canonical
    result["work"] = work
    event = None
    if exact:
        edition, resolution = _edition(conn, canonical), "as chosen"
    elif d.stage:
        edition, event = _draft(conn, d, as_of)
        resolution = (f"draft: the project of {edition['id']} at stage {event['code']} "
                      f"({event['label']})" if edition and event else "draft")
    elif d.year is None and not d.supplements and d.edition_number:
        # "IEC 60601-1, 3rd edition": the edition of that number
        found = conn.execute("""select id from editions where work_id = ? and edition = ?
                                and kind = 'standard' and coalesce(draft_stage, '') = ''
                                order by year limit 1""", (work, d.edition_number)).fetchone()
        edition = _edition(conn, found[0]) if found else None
        resolution = f"edition {d.edition_number}: {found[0]}" if found else "by edition"
    elif d.year is None and not d.supplements:
        edition = _latest(conn, work)
        resolution = f"undated: the latest edition, {edition['id']}" if edition else "undated"
    else:
        edition = _edition(conn, d.edition.canonical)
        resolution = "dated"
        if edition is None and d.supplements and d.year is None:
            edition = _supplement_of_some_edition(conn, d)
            if edition:  # "ISO 14001/Amd 1:2024": the amendment of the 2015 edition
                resolution = f"a supplement written without its base's year: {edition['id']}"
    latest = _latest(conn, work)
    result["latest"] = latest["id"] if latest else None
    if edition is None:
        result["resolution"] = "not in the knowledge base"
        return result
    inferred = facts.inferred_status(
        edition, latest is not None and latest["id"] == edition["id"],
        conn.execute("select 1 from relations where object = ? and type = 'replaces'",
                     (edition["id"],)).fetchone() is not None)
    if inferred:  # no source gives a status: the rule's, said to be inferred
        edition = {**edition, "status": inferred[0]}
    result.update(status_inferred=inferred[1] if inferred else None)
    result.update(
        resolved=edition["id"], status=edition["status"], stage=edition["stage"],
        stage_label=edition["stage_label"], title_en=edition["title_en"],
        title_zh=edition["title_zh"], published=edition["published"], known=True,
        resolution=resolution, draft_stage=event,
    )
    result["replaced_by"] = [r[0] for r in conn.execute(
        """select r.subject from relations r join editions e on e.id = r.subject
           where r.object = ? and r.type = 'replaces' and coalesce(e.draft_stage, '') = ''
           order by r.subject""", (edition["id"],))]
    chain = in_force(conn, edition["id"])
    result["in_force"] = chain["path"][-1] if chain["current"] else None
    # a draft's path starts at the draft as cited, then the edition it became, onwards
    result["path"] = ([d.edition.canonical] if event else []) + chain["path"]
    result["amendments"] = chain["amendments"]
    result["adoptions"] = dict_rows(conn, """select r.subject as designation, r.degree, e.status
                                         from relations r left join editions e on e.id = r.subject
                                         where r.type = 'adopts' and r.object = ?
                                         order by r.subject""", (edition["id"],))
    return result


def bulletin(conn: sqlite3.Connection, ref: str) -> dict:
    """A bulletin with its articles and every mention, resolved.

    :raises NotFound: for a bulletin that is not loaded.
    """
    key = find(conn, ref)
    row = dict_rows(conn, "select id, title, date, language, path, text from bulletins "
                      "where id = ?", (key,))[0]
    articles = dict_rows(conn, """select number, part, heading, start, "end" from articles
                              where bulletin_id = ? order by number""", (key,))
    found = dict_rows(conn, """select start, "end", as_written, kind, canonical, title, note,
                                  sentence from mentions where bulletin_id = ? order by start""",
                  (key,))
    cache: dict[tuple, dict] = {}
    article_at = _article_finder(articles)
    for mention in found:
        cache_key = (mention["canonical"], mention["kind"])
        if cache_key not in cache:
            cache[cache_key] = resolve_citation(conn, mention["canonical"], mention["kind"],
                                                row["date"])
        mention.update(cache[cache_key])
        mention["article"] = article_at(mention["start"])
        mention["stale"] = _stale(mention, row["date"], conn)
    row["articles"] = articles
    row["mentions"] = found
    return row


def _article_finder(articles: list[dict]):
    """A function giving the heading of the first article (in number order) whose span holds
    a position, or None: by bisection when the articles follow each other without
    overlapping, as the loader writes them (a notice one citation a line has thousands)."""
    starts = [a["start"] for a in articles]
    apart = all(a["end"] + 1 <= b["start"] for a, b in zip(articles, articles[1:], strict=False))

    def at(position: int) -> str | None:
        if not apart:
            return next((a["heading"] for a in articles
                         if a["start"] <= position < a["end"] + 1), None)
        i = bisect.bisect_right(starts, position) - 1
        return articles[i]["heading"] if i >= 0 and position < articles[i]["end"] + 1 else None
    return at


def _stale(m: dict, as_of: str | None, conn) -> str | None:
    """Why a resolved citation is stale, or None; a superseded edition's reason says the
    path to the edition in force today (``ISO/IEC 17021:2011 → ISO/IEC 17021-1:2015``)."""
    if not m["known"]:
        return None
    if m["kind"] == "draft":
        if m["status"] in ("current", "replaced", "withdrawn") and m["published"]:
            published = (f"the draft has since been published as {m['resolved']} "
                         f"({m['published']})")
            if m["status"] in _SUPERSEDED:  # and that edition has moved on since
                return f"{published}, itself {m['status']} since: {chain_text(m)}"
            return published
        return None
    reasons = []
    if m["resolution"] and m["resolution"].startswith("undated"):
        then = _latest(conn, m["work"], as_of) if as_of else None
        if then and then["id"] != m["resolved"]:
            m["then"] = then["id"]
            reasons.append(f"undated: the latest edition was {then['id']} at the bulletin's "
                           f"date ({as_of}) and is now {m['resolved']}")
    if m["status"] in ("withdrawn", "replaced"):
        reasons.append(f"{m['status']}: {chain_text(m)}")
    return "; ".join(reasons) or None


_SUPERSEDED = ("withdrawn", "replaced")


def chain_text(m: dict) -> str:
    """A resolved citation's path to the edition in force, as people write it."""
    path = m.get("path") or [m["resolved"]]
    if len(path) == 1:
        return "no replacement is known" + (f"; latest: {m['latest']}" if m.get("latest") and
                                           m["latest"] != m["resolved"] else "")
    text = " → ".join(path)
    if not m.get("in_force"):
        return f"{text} (none of them is in force)"
    with_ = f" with {', '.join(m['amendments'])}" if m.get("amendments") else ""
    return f"{text}{with_} (in force)"


def check(conn: sqlite3.Connection, ref: str, since: str | None = None) -> dict:
    """The bulletin's stale citations, one per distinct citation, in text order; with
    ``since`` (a date), also what loads and ``kb update`` changed since then in the standards
    it cites (``changed``: per cited work, its logged changes)."""
    b = bulletin(conn, ref)
    seen, stale = set(), []
    for m in b["mentions"]:
        if m["stale"] and (m["as_written"], m["resolved"]) not in seen:
            seen.add((m["as_written"], m["resolved"]))
            stale.append({k: m.get(k) for k in ("start", "end", "as_written", "canonical",
                                                "kind", "resolved", "status", "latest",
                                                "path", "in_force", "stale", "article")})
    result = {"bulletin": b["id"], "title": b["title"], "date": b["date"], "stale": stale,
              "mentions": len(b["mentions"]), "counts": counts(b)}
    if since:
        if not facts.has_claims(conn):
            raise NotFound("this knowledge base was written by an earlier version of kb and "
                           "has no change log: `kb load` any file (or `kb build`) brings it up")
        result["since"] = since
        result["changed"] = changed_since(conn, b, since)
    return result


def changed_since(conn: sqlite3.Connection, b: dict, since: str) -> list[dict]:
    """Per work a bulletin (from :func:`bulletin`) cites, in text order, the changes logged
    to its editions on or after ``since`` (works with none are left out)."""
    cited: dict[str, dict] = {}
    for m in b["mentions"]:
        if m.get("work") and m["work"] not in cited:
            cited[m["work"]] = {"work": m["work"], "as_written": m["as_written"],
                                "resolved": m["resolved"]}
    logged = work_changes(conn, list(cited), since)
    return [{**c, "changes": logged[w]} for w, c in cited.items() if logged.get(w)]


def work_changes(conn: sqlite3.Connection, works: list[str], since: str
                 ) -> dict[str, list[dict]]:
    """The changes logged on or after ``since`` to the editions of each work, oldest first."""
    out: dict[str, list[dict]] = {}
    for i in range(0, len(works), 500):
        chunk = works[i:i + 500]
        for row in dict_rows(conn, f"""select e.work_id as work, c.at, c.code,
                                     c.edition_id as edition, c.field, c.old, c.new
                                from changes c join editions e on e.id = c.edition_id
                                where e.work_id in ({",".join("?" * len(chunk))}) and c.at >= ?
                                order by c.at, c.id""", (*chunk, since)):
            out.setdefault(row.pop("work"), []).append(row)
    return out


def references(b: dict) -> list[dict]:
    """One row per standard a bulletin (from :func:`bulletin`) cites, sorted as an editor
    expects: international, then national, then sector and others, each by number.

    Each row also says where the text cites it (``citations``: the mentions' spans and
    forms, in text order) and, if any of them is stale, why (``stale``, the first reason;
    ``then``, for an undated citation that moved on, the edition it meant on the bulletin's
    date)."""
    rows: dict[str, dict] = {}
    for m in b["mentions"]:
        if m["kind"] not in ("standard", "draft"):
            continue
        key = m["resolved"] or m["canonical"]
        if key not in rows:
            rows[key] = {**reference_row(m), "citations": [], "stale": None, "then": None}
        row = rows[key]
        row["citations"].append({"start": m["start"], "end": m["end"],
                                 "as_written": m["as_written"], "stale": m["stale"]})
        if m["stale"] and row["stale"] is None:
            row["stale"] = m["stale"]
        if m.get("then") and row["then"] is None:
            row["then"] = m["then"]
    return sort_references(list(rows.values()))


def counts(b: dict, rows: list[dict] | None = None) -> dict:
    """What a bulletin's page and ``kb check`` count, the same way: ``mentions`` (every
    designation-like string found, by ``kind``), ``standards`` (rows of the reference table:
    distinct standards and drafts cited), ``unknown`` (of those, not in the knowledge base),
    ``stale_citations`` (distinct citations as written that are stale: the lines of
    ``kb check``) and ``stale_standards`` (reference rows with a stale citation)."""
    rows = references(b) if rows is None else rows
    kinds: dict[str, int] = {}
    for m in b["mentions"]:
        kinds[m["kind"]] = kinds.get(m["kind"], 0) + 1
    stale = {(m["as_written"], m["resolved"]) for m in b["mentions"] if m["stale"]}
    return {"mentions": len(b["mentions"]), "kinds": kinds, "standards": len(rows),
            "unknown": sum(1 for r in rows if not r["known"]),
            "stale_citations": len(stale), "stale_standards": sum(1 for r in rows if r["stale"])}


def reference_row(m: dict) -> dict:
    """A row of a reference table from a resolved citation."""
    adoptions = m.get("adoptions") or []
    return {
        "designation": m["resolved"] or m["canonical"], "as_written": m.get("as_written"),
        "kind": m.get("kind"),
        "title_en": m.get("title_en"), "title_zh": m.get("title_zh") or m.get("title"),
        "year": _year(m["resolved"] or m["canonical"]), "status": m.get("status"),
        "stage": m.get("stage"), "stage_label": m.get("stage_label"),
        "published": m.get("published"), "replaced_by": ", ".join(m.get("replaced_by") or []),
        "in_force": m.get("in_force") if len(m.get("path") or []) > 1 else None,
        "path": " → ".join(m.get("path") or []) if len(m.get("path") or []) > 1 else None,
        "adoption": ", ".join(a["designation"] for a in adoptions),
        "degree": ", ".join(sorted({a["degree"] for a in adoptions if a["degree"]})),
        "known": m.get("known", False), "note": m.get("resolution"),
        "status_inferred": m.get("status_inferred"),
    }


def _year(designation: str) -> int | None:
    """The year of the document a designation names: an amendment's own, not its base's."""
    try:
        d = parse(designation)
    except DesignationError:
        return None
    years = [s.year for s in d.supplements if s.year]
    return years[-1] if years else d.year


def sort_references(rows: list[dict]) -> list[dict]:
    """International, national, sector, local, group, accreditation; then by number."""
    def key(row: dict) -> tuple:
        try:
            d = parse(row["designation"])
        except DesignationError:
            return (9, "", (), row["designation"])
        number = tuple(int(p) if p.isdigit() else 0 for p in (d.number, *d.parts))
        return (SCHEME_ORDER.get(d.scheme, 8), d.publisher, number, row["designation"])
    return sorted(rows, key=key)
