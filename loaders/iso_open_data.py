"""ISO Open Data: deliverables metadata (JSON, JSON Lines), the ICS tree (XML) and the
technical committees (JSON Lines, optionally gzipped).

Deliverables become editions with reference, edition, publication date, ICS, owner committee,
current stage and scope (English preferred, as plain text); ``replaces``/``replacedBy`` hold
ISO project ids, resolved to designations within the file (the full deliverables file holds
every id).  Relations to ids outside the
file are reported in the document's note rather than guessed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from kb.catalogue.model import (
    Committee,
    Document,
    Edition,
    IcsField,
    LoadError,
    LoadWarning,
    Provenance,
    Relation,
    StageEvent,
    lenient_date,
)
from kb.identifiers import stages
from kb.identifiers.designation import DesignationError, parse
from loaders import bounds
from loaders.markup import plain_text

NAME = "iso-open-data"
#: 2: a deliverable's ``scope`` (HTML) is read as its scope, English preferred.
VERSION = 2
SOURCE = "ISO Open Data (https://www.iso.org/open-data.html), ODC-By 1.0"


def accepts(path: Path, head: bytes) -> bool:
    name = path.name.lower()
    if name.endswith(".xml"):
        return b"<fields" in head
    if name.endswith((".json", ".jsonl", ".jsonl.gz", ".json.gz", ".ndjson")):
        if head[:2] == b"\x1f\x8b":
            head = _gz_head(path)
        return b'"reference"' in head
    return False


def _gz_head(path: Path) -> bytes:
    with gzip.open(path, "rb") as handle:
        try:
            return handle.read(4096)
        except (OSError, EOFError):
            return b""


def documents(path: Path) -> Iterator[Document]:
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    if path.name.lower().endswith(".xml"):
        parse_records = _ics_records
    else:
        parse_records = _json_records
    yield Document(name=str(path), sha256=sha, loader=NAME,
                   records=lambda: parse_records(path))


def _open_text(path: Path):
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def _json_rows(path: Path) -> Iterator[tuple[int, dict]]:
    """(line, object) for JSON Lines, or for a JSON file holding an object or a list."""
    with _open_text(path) as handle:
        first = handle.read(1)
        while first.isspace():
            first = handle.read(1)
        handle.seek(0)
        if first == "[" or (first == "{" and not path.name.lower().endswith(
                (".jsonl", ".jsonl.gz", ".ndjson"))):
            try:
                value = json.load(handle)
            except json.JSONDecodeError as error:
                raise LoadError(f"line {error.lineno}: malformed JSON: {error.msg}") from None
            for row in value if isinstance(value, list) else [value]:
                yield 1, row
            return
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as error:
                raise LoadError(f"line {number}: malformed JSON: {error.msg}") from None


def _json_records(path: Path) -> Iterator:
    yield Provenance("ISO")  # ISO's own catalogue
    ids: dict[int, str] = {}
    kind = None
    for _, row in _json_rows(path):  # first pass: project ids to references
        if isinstance(row, dict) and "id" in row and row.get("reference"):
            ids[row["id"]] = row["reference"]
            kind = kind or ("committee" if "secretariat" in row or "sortKey" in row
                            else "deliverable")
    for line, row in _json_rows(path):
        if not isinstance(row, dict):
            raise LoadError(f"line {line}: expected a JSON object")
        if kind == "committee":
            yield from _committee(row, ids)
        else:
            yield from _deliverable(row, ids, line)


def _committee(row: dict, ids: dict) -> Iterator[Committee]:
    reference = row.get("reference")
    if not reference:
        return
    title = row.get("title") or {}
    secretariat = row.get("secretariat") or {}
    yield Committee(
        reference=reference, title=title.get("en") if isinstance(title, dict) else title,
        status=row.get("status"), secretariat=secretariat.get("acronym"),
        parent=ids.get(row.get("parentId")),
    )


def _deliverable(row: dict, ids: dict, line: int) -> Iterator:
    where = f"line {line}"
    reference = row.get("reference")
    if not reference:
        raise LoadError(f"{where}: field 'reference' is missing")
    try:
        designation = parse(reference).edition.canonical
    except DesignationError as error:
        raise LoadError(f"{where}: field 'reference': {error}") from None
    code = None
    if row.get("currentStage") is not None:
        try:
            code = stages.normalize_code(row["currentStage"])
        except stages.StageError as error:
            raise LoadError(f"{where}: field 'currentStage': {error}") from None
    try:
        published, forgiven = lenient_date(row.get("publicationDate"), "field 'publicationDate'")
    except ValueError as error:
        raise LoadError(f"{where}: {error}") from None
    if forgiven:
        yield LoadWarning(f"{where}: {forgiven}")
    title = row.get("title") or {}
    pages = row.get("pages") or {}
    yield Edition(
        designation=designation, titles=title if isinstance(title, dict) else {"en": title},
        edition=str(row["edition"]) if row.get("edition") is not None else None, stage=code,
        published=published, ics=tuple(row.get("icsCode") or ()),
        committee=row.get("ownerCommittee"), languages=tuple(row.get("languages") or ()),
        pages=pages.get("en") if isinstance(pages, dict) else None,
        url=f"https://www.iso.org/standard/{row['id']}.html" if row.get("id") else None,
        record_source=SOURCE, project_id=str(row["id"]) if row.get("id") else None,
        scope=_scope(row.get("scope")),
    )
    if published:
        yield StageEvent(designation, "60.60", published, "published")
    for old in row.get("replaces") or ():
        if old in ids:
            yield Relation(designation, "replaces", parse(ids[old]).edition.canonical)
    for new in row.get("replacedBy") or ():
        if new in ids:
            yield Relation(parse(ids[new]).edition.canonical, "replaces", designation)


def _scope(value: object) -> str | None:
    """A deliverable's scope (``{"en": "<p>…</p>", "fr": …}``) as plain text, English
    preferred, else the first language that has one."""
    if not isinstance(value, dict):
        return plain_text(value) if isinstance(value, str) else None
    texts = [v for k, v in sorted(value.items(), key=lambda kv: kv[0] != "en")
             if isinstance(v, str) and v.strip()]
    return plain_text(texts[0]) if texts else None


def _ics_records(path: Path) -> Iterator[IcsField]:
    """ICS fields, groups and sub-groups from ISO Open Data's ``ICS-simple.xml``, streamed."""
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    for _, element in bounds.iterparse(str(path), events=("end",),
                                       tags=("field", "group", "subGroup")):
        identifier = element.find("identifier")  # a bare <group>03.120</group> is a link
        if identifier is not None and identifier.text:
            titles = {t.get(lang): " ".join((t.text or "").split())
                      for t in element.findall("title")}
            yield IcsField(code=identifier.text.strip(), title_en=titles.get("en"),
                           title_fr=titles.get("fr"))
        if element.tag != "group" or identifier is not None:
            element.clear()
