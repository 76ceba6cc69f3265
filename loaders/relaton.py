"""Relaton bibliographic items (YAML and XML), single files or whole ``.tar.xz`` archives.

Covers the ISO and IEC records of relaton-data-iso / relaton-data-iec and the Relaton GB items
(``bibdata``/``bibitem`` XML, YAML).  Each item becomes an :class:`Edition` with its titles,
dates, edition, stage or status, ICS, CCS, committee and abstract (its scope, English
preferred); ``obsoletes`` becomes ``replaces``, except that a draft named by a published
record's ``obsoletes`` is the project under way that will replace it (ISO 5801:2017 "obsoletes
ISO/AWI 5801": ISO/AWI 5801 replaces ISO 5801:2017); ``updates`` on an *older* edition names
its successor (read as "updated by"); dates become
stage events (published → 60.60, obsoleted → 95.99).  A record kept from an earlier commit
(``focus-history/<record>/<YYYY-MM-DD>_<commit>.yaml``) adds a stage event dated when the
crawler saw that stage.  Archives are streamed member by member, never unpacked.
"""

from __future__ import annotations

import hashlib
import lzma
import re
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import yaml_rs
from lxml import etree

from kb.catalogue.model import (
    OBSERVED_NOTE,
    Document,
    Edition,
    LoadError,
    LoadWarning,
    Provenance,
    Relation,
    Skipped,
    StageEvent,
    is_placeholder,
    lenient_date,
)
from kb.identifiers import stages
from kb.identifiers.designation import DesignationError, parse
from loaders import bounds
from loaders.markup import plain_text

NAME = "relaton"
#: 2: ``abstract`` becomes the scope; a draft a published record ``obsoletes`` replaces it.
VERSION = 2

_OBSERVED = re.compile(r"^(\d{4}-\d{2}-\d{2})_[0-9a-f]{6,40}\.ya?ml$")

#: Document types that have no designation of a standard (IEC white papers, reports …).
_NOT_STANDARDS = re.compile(
    r"^IEC (White Paper|Trend Report|Technology Report|Technology and Market Outlook Paper)\b"
)


def accepts(path: Path, head: bytes) -> bool:
    name = path.name
    if name.endswith(tuple(ARCHIVES)):
        return True
    if path.suffix in (".yaml", ".yml"):
        return b"docid:" in head or b"schema-version:" in head or b"\nid:" in b"\n" + head
    if path.suffix == ".xml":
        return b"<bibdata" in head or b"<bibitem" in head
    return False


def documents(path: Path, known: set[str] | None = None) -> Iterator[Document]:
    """The documents of a file; for an archive, ``known`` (hashes of documents already
    loaded) spares parsing members the store will not load again."""
    name = path.name
    if name.endswith(tuple(ARCHIVES)):
        yield from _archive_documents(path, known or set())
        return
    data = path.read_bytes()
    observed = _OBSERVED.match(name)
    date = observed.group(1) if observed else None
    # the same record seen on a given date says more than the record alone: hash both
    digest = hashlib.sha256(data + (f"\0observed {date}".encode() if date else b""))
    yield Document(
        name=str(path), sha256=digest.hexdigest(), loader=NAME,
        records=lambda: records(data, is_xml=path.suffix == ".xml", observed=date),
    )


#: Archive suffixes and how each is compressed.
ARCHIVES = {".tar.xz": "r:xz", ".tar.gz": "r:gz", ".tgz": "r:gz", ".tar": "r:"}
#: What opening or reading a damaged archive may raise.
ARCHIVE_ERRORS = (tarfile.TarError, OSError, EOFError, lzma.LZMAError, zlib.error)


def archive_mode(name: str) -> str:
    """The ``tarfile`` mode of an archive by its name, so that a damaged one is reported in
    the words of its own compression (not one line per method tried)."""
    return next((mode for suffix, mode in ARCHIVES.items() if name.endswith(suffix)), "r:*")


def archive_error(error: BaseException) -> str:
    """An archive error in one line."""
    return " ".join(str(error).split()) or type(error).__name__


def _archive_documents(path: Path, known: set[str]) -> Iterator[Document]:
    try:
        tarfile.open(path, archive_mode(path.name)).close()
    except ARCHIVE_ERRORS as error:
        raise LoadError(f"{path}: not a readable archive ({archive_error(error)})") from None
    count = 0
    for entry in _read_ahead(path, known):
        if entry[0] is None:  # the damaged rest is one failed document
            yield _failed(path, count, f"archive damaged after {count} members "
                                       f"({archive_error(entry[2])})")
            return
        name, digest, parsed = entry
        count += 1
        yield Document(name=name, sha256=digest, loader=NAME,
                       records=lambda parsed=parsed: _parsed_records(parsed))
    if not count:  # an empty archive, or one of something else: say so, as a failure
        yield _failed(path, 0, "no Relaton records (YAML or XML files) in the archive")


#: Archive members read per batch in the second process, and batches read ahead.
_BATCH = 200
_AHEAD = 8

#: What reading one record may raise: the document fails, with the message, as in the store.
_RECORD_ERRORS = (LoadError, DesignationError, stages.StageError, ValueError, KeyError,
                  TypeError)


def _parse(data: bytes, is_xml: bool) -> tuple[list, BaseException | None]:
    """The records of one archive member, and the error that stopped reading it (if any)."""
    out: list = []
    try:
        item = _from_xml(data) if is_xml else _from_yaml(data)
        for record in _shaped(_item_records(item, None)):
            out.append(record)
    except _RECORD_ERRORS as error:
        return out, error
    return out, None


def _read_members(path: Path, known: set[str]) -> Iterator[list[tuple]]:
    """Batches of (member name, sha256, parsed) in archive order; a damaged archive ends
    with (None, None, the error): the members read so far stand.  A member whose hash is
    ``known`` is not parsed: its bytes come instead, parsed only if the store asks."""
    batch: list[tuple] = []
    try:
        with tarfile.open(path, archive_mode(path.name)) as archive:
            for member in archive:
                if not member.isfile() or not _is_record(member.name):
                    continue
                handle = archive.extractfile(member)
                if handle is None:
                    continue
                data = handle.read()
                digest = hashlib.sha256(data).hexdigest()
                is_xml = member.name.endswith(".xml")
                if member.name.startswith("/") or ".." in member.name.split("/"):
                    # nothing is ever extracted, but a name that climbs out of the archive is
                    # a crafted one: that member fails, named
                    parsed = ([], LoadError("a member name that leaves the archive: refused"))
                else:
                    parsed = (data, is_xml) if digest in known else _parse(data, is_xml)
                batch.append((f"{path}!{member.name}", digest, parsed))
                if len(batch) == _BATCH:
                    yield batch
                    batch = []
    except ARCHIVE_ERRORS as error:
        batch.append((None, None, error))
    if batch:
        yield batch


def _is_record(name: str) -> bool:
    """A member of an archive that holds a record: a YAML or XML file, not in a hidden
    folder (``.github/workflows/*.yml`` of a repository archive) and not one of Relaton's
    index files (``index-v1.yaml``)."""
    parts = name.split("/")
    return (parts[-1].endswith((".yaml", ".yml", ".xml"))
            and not parts[-1].startswith("index")
            and not any(part.startswith(".") and part not in (".", "..") for part in parts))


def _reader(path: Path, known: set[str], queue) -> None:  # the second process
    try:
        for batch in _read_members(path, known):
            queue.put(batch)
    finally:
        queue.put(None)


def _read_ahead(path: Path, known: set[str]) -> Iterator[tuple]:
    """(name, sha256, parsed) for each member, in order.  Decompressing the archive and
    reading YAML into records is half of a bulk load's time: a second process does it,
    batches ahead of the store."""
    import multiprocessing
    import os
    import queue as queues

    if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for batch in _read_members(path, known):
            yield from batch
        return
    context = multiprocessing.get_context("fork")
    pending = context.Queue(maxsize=_AHEAD)
    worker = context.Process(target=_reader, args=(path, known, pending), daemon=True)
    worker.start()
    try:
        while True:
            try:
                batch = pending.get(timeout=5)
            except queues.Empty:
                if not worker.is_alive():
                    raise LoadError(f"{path}: the archive reader stopped "
                                    f"(exit code {worker.exitcode})") from None
                continue
            if batch is None:
                break
            yield from batch
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()


def _parsed_records(parsed: tuple) -> Iterator:
    if isinstance(parsed[0], bytes):  # a member read but not parsed (its hash was known)
        parsed = _parse(*parsed)
    records, error = parsed
    yield from records
    if error is not None:
        raise error


def _failed(path: Path, count: int, message: str) -> Document:
    """A document standing for what could not be read of an archive: it fails with
    ``message`` (after ``count`` members that stand)."""

    def fail():
        raise LoadError(message)

    digest = hashlib.sha256(f"{path}\0{count}\0{message}".encode()).hexdigest()
    return Document(name=f"{path}", sha256=digest, loader=NAME, records=fail)


def records(data: bytes, is_xml: bool = False, observed: str | None = None) -> Iterator:
    """Records of one Relaton item (YAML or XML)."""
    item = _from_xml(data) if is_xml else _from_yaml(data)
    yield from _shaped(_item_records(item, observed))


def _shaped(records: Iterator) -> Iterator:
    """Records, with a field of the wrong shape anywhere in the item (a text where a mapping
    belongs) refused in one line rather than as an AttributeError."""
    try:
        yield from records
    except AttributeError as error:
        raise LoadError(f"a field has an unexpected shape ({error})") from None


# --- reading the two serialisations into one dict shape -----------------------------------


#: YAML aliases a record may replay (Relaton records use none): a bound against alias bombs.
YAML_ALIAS_EVENTS = 100_000
_YAML_LIMITS = yaml_rs.AliasLimits(max_total_replayed_events=YAML_ALIAS_EVENTS)
_YAML_WHERE = re.compile(r"at line (\d+), column (\d+)")


def _from_yaml(data: bytes) -> dict:
    """A Relaton YAML record (YAML 1.2, read by yaml-rs: ten times PyYAML's C loader on the
    bulk archives, the same values; dates stay strings)."""
    try:
        item = yaml_rs.loads(data.decode("utf-8"), parse_datetime=False,
                             alias_limits=_YAML_LIMITS,
                             duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.LastWins)
    except UnicodeDecodeError as error:
        raise LoadError(f"not UTF-8 (byte {error.start})") from None
    except yaml_rs.YAMLDecodeError as error:
        if "alias replay limit" in str(error):
            raise LoadError(f"YAML aliases would replay more than {YAML_ALIAS_EVENTS:,} events:"
                            " refused as an alias bomb") from None
        lines = str(error).strip().splitlines() or ["?"]
        where = _YAML_WHERE.search(lines[0])
        problem = lines[-1].strip() if where else lines[0]
        at = f"line {where.group(1)}: " if where else ""
        raise LoadError(f"{at}malformed YAML: {problem}") from None
    if not isinstance(item, dict):
        raise LoadError("not a Relaton item (expected a YAML mapping)")
    return item


def _from_xml(data: bytes) -> dict:
    root = bounds.parse_xml(data)
    if root.tag not in ("bibdata", "bibitem"):
        raise LoadError(f"not a Relaton item (root element <{root.tag}>)")
    return _xml_item(root)


def _text(el) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _xml_item(root) -> dict:
    item: dict = {
        "title": [{"content": _text(t), "language": [t.get("language")], "type": t.get("type")}
                  for t in root.findall("title")],
        "docid": [{"id": _text(d), "type": d.get("type"), "primary": d.get("primary") == "true"}
                  for d in root.findall("docidentifier")],
        "date": [{"type": d.get("type"), "value": _text(d.find("on"))}
                 for d in root.findall("date")],
        "link": [{"type": u.get("type"), "content": _text(u)} for u in root.findall("uri")],
        "language": [_text(x) for x in root.findall("language")],
        "relation": [{"type": r.get("type"), "bibitem": _xml_item(r.find("bibitem"))}
                     for r in root.findall("relation") if r.find("bibitem") is not None],
        "abstract": [{"content": etree.tostring(a, encoding="unicode", with_tail=False),
                      "language": [a.get("language")], "format": "text/html"}
                     for a in root.findall("abstract")],
        "ext": {},
    }
    edition = root.find("edition")
    if edition is not None:
        item["edition"] = _text(edition)
    stage = root.find("status/stage")
    if stage is not None:
        item["docstatus"] = {"stage": {"value": _text(stage)}}
        sub = root.find("status/substage")
        if sub is not None:
            item["docstatus"]["substage"] = {"value": _text(sub)}
    ext = root.find("ext")
    if ext is not None:
        item["ext"] = {
            "ics": [{"code": _text(i.find("code"))} for i in ext.findall("ics")],
            "ccs": [{"code": _text(i.find("code"))} for i in ext.findall("ccs")],
            "committee": _text(ext.find("gbcommittee")) or None,
            "structuredidentifier": {
                "project_number": _text(ext.find("structuredidentifier/project-number"))
            },
        }
    formatted = root.find("formattedref")
    if formatted is not None:
        item["formattedref"] = {"content": _text(formatted)}
    return item


# --- one item to records ------------------------------------------------------------------


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _content(value) -> str | None:
    if isinstance(value, dict):
        value = value.get("content")
    return str(value).strip() if value not in (None, "") else None


def _designation_of(item: dict) -> str | None:
    docids = [d for d in _as_list(item.get("docid")) if isinstance(d, dict)]
    docids.sort(key=lambda d: (not d.get("primary"), d.get("type") in ("URN", "iso-reference")))
    for docid in docids:
        value = _content(docid.get("id"))
        if not value or str(docid.get("type")) in ("URN", "iso-reference"):
            continue
        if value.startswith("T") and docid.get("type") not in (None, "Chinese Standard"):
            value = f"{docid['type']}/{value}"  # Relaton GB YAML: id "T13368", type "JB"
        return value
    ref = _content(item.get("formattedref"))
    if ref:
        return ref
    return None


def _titles(item: dict) -> dict[str, str]:
    titles: dict[str, str] = {}
    for kind in ("main", "title-main"):
        for title in _as_list(item.get("title")):
            if not isinstance(title, dict) or title.get("type") != kind:
                continue
            lang = (_as_list(title.get("language")) or ["en"])[0] or "en"
            content = _content(title)
            if content and lang not in titles:
                titles[lang] = content
    return titles


def _dates(item: dict, forgiven: list[str]) -> dict[str, str]:
    """The item's dates by type; placeholders (``N/A``) are left out, said in ``forgiven``."""
    dates = {}
    for date in _as_list(item.get("date")):
        if isinstance(date, dict) and date.get("type") and date.get("value") is not None:
            value = date["value"]
            if isinstance(value, dict):
                value = value.get("on") or value.get("from")
            known, warning = lenient_date(value, f"field 'date' ({date['type']})")
            if warning:
                forgiven.append(warning)
            elif known:
                dates[str(date["type"])] = known
    return dates


def _stage(item: dict) -> tuple[str | None, str | None]:
    """(harmonized stage code, status) from ``docstatus``."""
    status = item.get("docstatus") or {}
    if not isinstance(status, dict):
        raise LoadError(f"field 'docstatus': expected a mapping, found {status!r:.60}")
    stage = _content((status.get("stage") or {}).get("value") if isinstance(
        status.get("stage"), dict) else status.get("stage"))
    sub = status.get("substage")
    sub = _content(sub.get("value") if isinstance(sub, dict) else sub)
    if not stage:
        return None, None
    if stage.isdigit():
        code = stages.normalize_code(f"{stage}.{sub or '00'}")
        return code, stages.status_for_code(code)
    return None, stages.normalize_status(stage)


def _committee(ext: dict) -> str | None:
    group = ext.get("editorialgroup") or {}
    for tc in _as_list(group.get("technical_committee")):
        if isinstance(tc, dict):
            ident = tc.get("identifier") or tc.get("name")
            if ident:
                return str(ident)
    committee = ext.get("committee")
    if isinstance(committee, dict):
        return _content(committee.get("name"))
    return _content(committee)


def _codes(value) -> tuple[str, ...]:
    codes = []
    for entry in _as_list(value):
        code = entry.get("code") if isinstance(entry, dict) else entry
        if code:
            codes.append(str(code))
    return tuple(codes)


def _item_records(item: dict, observed: str | None) -> Iterator:
    written = _designation_of(item)
    if not written:
        raise LoadError("field 'docid': no identifier")
    not_standard = _NOT_STANDARDS.match(written)
    if not_standard:  # a white paper or report: no standard designation to key it by
        yield Skipped(f"{not_standard.group(0)} (not a standard)")
        return
    try:
        designation = parse(written).edition.canonical
    except DesignationError as error:
        raise LoadError(f"field 'docid': {error}") from None
    fetched: list[str] = []
    yield Provenance(_origin(item), observed or _fetched(item, fetched))
    for warning in fetched:
        yield LoadWarning(warning)
    code, status = _stage(item)
    forgiven: list[str] = []
    dates = _dates(item, forgiven)
    for warning in forgiven:
        yield LoadWarning(warning)
    ext = item.get("ext") or {}
    links = {str(k.get("type")): _content(k) for k in _as_list(item.get("link"))
             if isinstance(k, dict)}
    edition = item.get("edition")
    edition = _content(edition) if edition is not None else None
    structured = ext.get("structuredidentifier") or {}
    if isinstance(structured, list):
        structured = structured[0] if structured else {}
    published = _published(parse(designation), dates)
    yield Edition(
        designation=designation, titles=_titles(item), edition=edition, status=status,
        stage=code, published=published,
        effective=dates.get("implemented") or dates.get("effective"),
        withdrawn=dates.get("obsoleted"), ics=_codes(ext.get("ics")), ccs=_codes(ext.get("ccs")),
        committee=_committee(ext), languages=tuple(str(x) for x in _as_list(item.get("language"))),
        url=links.get("src"), record_source="Relaton (data from iso.org / iec.ch / SAMR)",
        project_id=_content(structured.get("project_number")) if structured else None,
        scope=_abstract(item),
    )
    chinese = parse(designation).scheme.startswith("cn-")
    if published and (code is None or code >= "60.60"):
        yield StageEvent(designation, "发布" if chinese else "60.60", published,
                         None if chinese else "published")
    if dates.get("obsoleted"):
        yield StageEvent(designation, "95.99", dates["obsoleted"], "withdrawn")
    if observed and code:
        yield StageEvent(designation, code, observed, OBSERVED_NOTE)
    for relation in _as_list(item.get("relation")):
        yield from _relation(designation, relation)


def _abstract(item: dict) -> str | None:
    """The item's abstract as plain text: the English one, else one in the record's own
    language (its ``language`` list, in order), else the first."""
    abstracts = [a for a in _as_list(item.get("abstract")) if isinstance(a, dict)
                 and _content(a)]
    if not abstracts:
        return None
    languages = ["en", *(str(x) for x in _as_list(item.get("language")))]

    def rank(abstract: dict) -> int:
        language = next(iter(_as_list(abstract.get("language"))), None)
        return languages.index(language) if language in languages else len(languages)

    chosen = min(abstracts, key=rank)
    return plain_text(_content(chosen), is_html=chosen.get("format") == "text/html")


def _published(d, dates: dict[str, str]) -> str | None:
    """The publication date.  An amendment's or corrigendum's record gives its base
    edition's year as ``published`` and its own date as ``updated``: the supplement's own date
    is ``updated``, and a ``published`` outside the supplement's year is not its date."""
    published = dates.get("published") or dates.get("issued")
    if not d.supplements:
        return published
    if d.draft_stage:  # a draft supplement's record gives its base's dates
        return None
    year = d.supplements[-1].year
    for value in (dates.get("updated"), published):
        if value and (year is None or value[:4] == str(year)):
            return value
    return None


#: Relaton identifier types of the Chinese catalogue (SAMR's openstd and its sector lists).
_CHINESE_TYPES = {"Chinese Standard", "GB", "JB", "HG", "YY", "NY"}


def _origin(item: dict) -> str | None:
    """Whose catalogue the record copies: its primary identifier's type (ISO, IEC; SAMR for
    the Chinese catalogue)."""
    for docid in _as_list(item.get("docid")):
        if isinstance(docid, dict) and docid.get("primary"):
            kind = str(docid.get("type") or "") or None
            return "SAMR" if kind in _CHINESE_TYPES else kind
    return None


def _fetched(item: dict, forgiven: list[str]) -> str | None:
    """The day the Relaton crawler fetched the record, if it says."""
    if not item.get("fetched"):
        return None
    value = str(item["fetched"])
    try:
        day, warning = lenient_date(value if is_placeholder(value) else value[:10],
                                    "field 'fetched'")
    except ValueError:
        raise LoadError(f"field 'fetched': {item['fetched']!r} is not a date") from None
    if warning:
        forgiven.append(warning)
    return day


def _relation(designation: str, relation: dict) -> Iterator[Relation]:
    kind = relation.get("type")
    target = _designation_of(relation.get("bibitem") or {})
    if kind not in ("obsoletes", "updates", "obsoletedBy", "updatedBy", "adoptedFrom",
                    "amends", "corrects", "cites") or not target:
        return
    try:
        other = parse(target).edition.canonical
    except DesignationError as error:
        raise LoadError(f"field 'relation' ({kind}): {error}") from None
    if kind == "obsoletes" and _under_way(designation, other):
        yield from _revision(designation, other, relation.get("bibitem") or {})
    elif kind == "obsoletes":
        yield from _replacement(designation, other)
    elif kind in ("updates", "obsoletedBy", "updatedBy"):  # the target is the newer edition
        yield from _replacement(other, designation)
    elif kind == "adoptedFrom":
        yield Relation(designation, "adopts", other)
    else:
        yield Relation(designation, kind, other)


def _under_way(designation: str, obsoleted: str) -> bool:
    """Whether a record's ``obsoletes`` names the project under way that will replace it: a
    published document's record naming a draft (not a draft supplement, which amends)."""
    record, other = parse(designation), parse(obsoleted)
    return bool(other.draft_stage and not other.supplements and not record.draft_stage)


def _revision(published: str, draft: str, bibitem: dict) -> Iterator:
    """The draft that will replace ``published``, at the stage the relation's item gives (if
    any; else kb.catalogue.facts gives it the stage its prefix implies), replacing it."""
    code, status = _stage(bibitem)
    yield Edition(designation=draft, stage=code, status=status)
    yield Relation(draft, "replaces", published,
                   note=f"the project under way: {published}'s record names it under obsoletes")


def _replacement(newer: str, older: str) -> Iterator[Relation]:
    """``newer`` replaces ``older``, unless the pair is a draft and what it became, or a
    supplement and its base (which it amends, not replaces)."""
    new, old = parse(newer), parse(older)
    if old.draft_stage and not new.draft_stage and old.work == new.work and not new.supplements:
        return
    if new.base is not None and new.base.canonical == older:
        return
    yield Relation(newer, "replaces", older)
