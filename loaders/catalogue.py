"""The project's own catalogue format (``data/catalogue/*.yaml``, JSON Lines or CSV).

A YAML file with a default public ``source``, a list of ``works`` each with its ``editions``
(designation, titles, dates, status, stage, ICS, committee, stage events, replaces, adopts,
cites) and optional free-standing ``relations``.  For large catalogues the same structure
comes as JSON Lines (``.jsonl``): one work entry per line, or a line ``{"relations": [...]}``;
it is read line by line.  A flat CSV form has one edition per row (see ``CSV_COLUMNS``).
The format is documented in the README.  Errors name the file,
the line and the field.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import yaml

from kb.catalogue.model import (
    Document,
    Edition,
    LoadError,
    LoadWarning,
    Provenance,
    Relation,
    StageEvent,
    Work,
    check_date,
    lenient_date,
)
from kb.identifiers import stages
from kb.identifiers.designation import DesignationError, parse
from loaders import bounds

NAME = "catalogue"
#: 2: authority (主管部门), drafters (起草单位) and scope are read.
VERSION = 2

_EDITION_FIELDS = {
    "designation", "title", "edition", "status", "stage", "published", "effective", "withdrawn",
    "ics", "ccs", "committee", "languages", "pages", "url", "source", "replaces", "adopts",
    "cites", "amends", "corrects", "stages", "project_id", "note", "authority", "drafters",
    "scope",
}
_WORK_FIELDS = {"work", "title", "editions", "note", "source", "relations"}


class _LineLoader(yaml.SafeLoader):
    """A safe YAML loader that remembers the line of every mapping as ``__line__``."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Dates stay text so that check_date can say which field holds an impossible one.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def accepts(path: Path, head: bytes) -> bool:
    if path.suffix == ".csv":
        return b"designation" in head.split(b"\n", 1)[0]
    if path.suffix == ".jsonl":
        return head.lstrip().startswith((b'{"work"', b'{"relations"'))
    return path.suffix in (".yaml", ".yml") and b"\nworks:" in b"\n" + head


def documents(path: Path):
    from loaders import file_document

    if path.suffix in (".jsonl", ".csv"):
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        read = json_records if path.suffix == ".jsonl" else csv_records
        yield Document(str(path), digest.hexdigest(), NAME, lambda: read(path))
        return
    yield file_document(path, NAME, lambda data: records(data, str(path)))


def json_records(path: Path) -> Iterator:
    """Records of a JSON Lines catalogue, streamed line by line."""
    name = str(path)
    unknown: set[str] = set()
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as error:
                raise LoadError(f"{name}:{number}: malformed JSON: {error.msg}") from None
            if not isinstance(entry, dict):
                raise LoadError(f"{name}:{number}: expected a JSON object")
            if "work" in entry:
                yield from _work(entry, name, entry.get("source"), number, unknown)
            for relation in entry.get("relations") or []:
                where = f"{name}:{number}"
                yield _relation(relation.get("subject"), relation.get("type"),
                                relation.get("object"), where, relation.get("degree"),
                                relation.get("note"))


#: Columns of the CSV form: one edition per row; lists are separated by ";".
CSV_COLUMNS = (
    "designation", "title_en", "title_zh", "title_fr", "edition", "status", "stage",
    "published", "effective", "withdrawn", "ics", "ccs", "committee", "url", "source",
    "replaces", "adopts", "degree", "cites", "note", "authority", "drafters", "scope",
)


def csv_records(path: Path) -> Iterator:
    """Records of a CSV catalogue (one edition per row), streamed row by row."""
    name = str(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, strict=True)
            unknown = [c for c in reader.fieldnames or () if c not in CSV_COLUMNS]
            if not reader.fieldnames or "designation" not in reader.fieldnames:
                raise LoadError(f"{name}:1: the header needs a 'designation' column")
            for column in unknown:
                yield LoadWarning(f"{name}:1: column {column!r} is not in the catalogue format: "
                                  f"skipped (known: {', '.join(CSV_COLUMNS)})")
            for row in reader:
                line = reader.line_num
                if None in row:
                    raise LoadError(f"{name}:{line}: more fields than the header has")
                if not any((v or "").strip() for v in row.values()):
                    continue
                yield from _edition(_csv_node(row, line), name, {}, None)
    except csv.Error as error:
        raise LoadError(f"{name}:{reader.line_num + 1}: malformed CSV: {error}") from None
    except UnicodeDecodeError as error:
        raise LoadError(f"{name}: not UTF-8 text ({error.reason})") from None


def _csv_node(row: dict, line: int) -> dict:
    def items(value: str | None) -> list[str]:
        return [v.strip() for v in (value or "").split(";") if v.strip()]

    node: dict = {"__line__": line}
    titles = {lang: row.get(f"title_{lang}") for lang in ("en", "zh", "fr")}
    node["title"] = {k: v for k, v in titles.items() if v}
    for column in ("designation", "edition", "status", "stage", "published", "effective",
                   "withdrawn", "committee", "url", "source", "note", "authority", "scope"):
        if (row.get(column) or "").strip():
            node[column] = row[column].strip()
    for column in ("ics", "ccs", "replaces", "cites", "drafters"):
        if items(row.get(column)):
            node[column] = items(row.get(column))
    if (row.get("adopts") or "").strip():
        node["adopts"] = {"designation": row["adopts"].strip(),
                          "degree": (row.get("degree") or "").strip() or None}
    return node


def records(data: bytes, name: str = "<catalogue>") -> Iterator:
    """Records of one catalogue file."""
    try:
        tree = bounds.load_yaml(data.decode("utf-8"), _LineLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark else name
        problem = getattr(error, "problem", None) or str(error)
        context = getattr(error, "context_mark", None)
        if context is not None and getattr(error, "context", None):
            problem += f" ({error.context} at line {context.line + 1})"
        raise LoadError(f"{where}: malformed YAML: {problem}") from None
    except UnicodeDecodeError as error:
        raise LoadError(f"{name}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except LoadError as error:
        raise LoadError(f"{name}: {error}") from None
    if not isinstance(tree, dict) or not isinstance(tree.get("works", []), list):
        raise LoadError(f"{name}: expected a mapping with a 'works' list")
    default_source = tree.get("source")
    try:  # the day the curator checked the file's facts: a claim as of that day
        yield Provenance(None, check_date(tree.get("checked"), "checked"))
    except ValueError as error:
        raise LoadError(f"{name}: field {error}") from None
    unknown: set[str] = set()
    for work in tree.get("works") or []:
        yield from _work(work, name, default_source, unknown=unknown)
    for relation in tree.get("relations") or []:
        line = _line(relation)
        where = f"{name}:{line}"
        yield _relation(relation.get("subject"), relation.get("type"), relation.get("object"),
                        where, relation.get("degree"), relation.get("note"))


def _line(node: object, default: int | None = None) -> int | str:
    """The line a YAML mapping started on, or the line of the JSON Lines entry."""
    if default is not None:
        return default
    return node.get("__line__", "?") if isinstance(node, dict) else "?"


def _fail(where: str, field: str, message: str) -> LoadError:
    return LoadError(f"{where}: field '{field}': {message}")


def _designation(value: object, where: str, field: str) -> str:
    if not isinstance(value, str):
        raise _fail(where, field, f"expected a designation, found {value!r}")
    try:
        return parse(value).edition.canonical
    except DesignationError as error:
        raise _fail(where, field, str(error)) from None


def _titles(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {"en": value}
    if not isinstance(value, dict):
        raise _fail(where, "title", "expected a mapping of language to title")
    return {str(k): str(v) for k, v in value.items() if k != "__line__" and v}


def _unknown_fields(node: dict, known: frozenset, where: str, seen: set[str]) -> Iterator:
    """A warning for each field outside the format, the first time a file uses it (it is
    skipped wherever it appears)."""
    for field_ in sorted(set(node) - known - {"__line__"} - seen, key=str):
        seen.add(field_)
        yield LoadWarning(f"{where}: field {str(field_)!r} is not in the catalogue format: "
                          "skipped here and wherever else the file uses it")


def _work(node: object, name: str, default_source: str | None, line=None,
          unknown: set[str] | None = None) -> Iterator:
    where = f"{name}:{_line(node, line)}"
    if not isinstance(node, dict) or "work" not in node:
        raise LoadError(f"{where}: each entry of 'works' needs a 'work' designation")
    unknown = set() if unknown is None else unknown
    yield from _unknown_fields(node, _WORK_FIELDS, where, unknown)
    work = _designation(node["work"], where, "work")
    titles = _titles(node.get("title"), where)
    yield Work(designation=work, titles=titles)
    source = node.get("source", default_source)
    for edition in node.get("editions") or []:
        yield from _edition(edition, name, titles, source, line, unknown)


def _edition(
    node: object, name: str, work_titles: dict, source: str | None, line=None,
    unknown: set[str] | None = None,
) -> Iterator:
    where = f"{name}:{_line(node, line)}"
    if not isinstance(node, dict) or "designation" not in node:
        raise LoadError(f"{where}: each edition needs a 'designation'")
    yield from _unknown_fields(node, _EDITION_FIELDS, where, set() if unknown is None
                               else unknown)
    designation = _designation(node["designation"], where, "designation")
    titles = _titles(node.get("title"), where) or dict(work_titles)  # the work's, if none
    stage = node.get("stage")
    try:
        if stage is not None:
            stage = str(stage)
            if stage not in stages.CN_STATUSES:
                stage = stages.normalize_code(stage)
        status = stages.normalize_status(node["status"]) if node.get("status") else None
    except stages.StageError as error:
        field = "stage" if "stage code" in str(error) else "status"
        raise _fail(where, field, str(error)) from None
    dates = {}
    for field in ("published", "effective", "withdrawn"):
        try:
            dates[field], forgiven = lenient_date(node.get(field), f"field '{field}'")
        except ValueError as error:
            raise LoadError(f"{where}: {error}") from None
        if forgiven:
            yield LoadWarning(f"{where}: {forgiven}")
    authority, scope = (_text(node.get(f), where, f) for f in ("authority", "scope"))
    yield Edition(
        designation=designation, titles=titles,
        edition=str(node["edition"]) if node.get("edition") is not None else None,
        status=status, stage=stage, committee=node.get("committee"),
        authority=authority, drafters=_texts(node.get("drafters"), where, "drafters"),
        scope=scope,
        ics=tuple(str(c) for c in node.get("ics") or ()),
        ccs=tuple(str(c) for c in node.get("ccs") or ()),
        languages=tuple(node.get("languages") or ()), pages=node.get("pages"),
        url=node.get("url"), record_source=node.get("source", source),
        project_id=str(node["project_id"]) if node.get("project_id") else None,
        note=node.get("note"), **dates,
        withheld=tuple(f for f in ("published", "effective", "withdrawn")
                       if f in node and node[f] is None),
    )
    for event in node.get("stages") or []:
        ewhere = f"{name}:{_line(event, line)}"
        if not isinstance(event, dict) or "code" not in event:
            raise _fail(ewhere, "stages", "each stage event needs a 'code' and a 'date'")
        code = str(event["code"])
        try:
            if code not in stages.CN_LIFECYCLE:
                code = stages.normalize_code(code)
            date, forgiven = lenient_date(event.get("date"), "date")
        except (stages.StageError, ValueError) as error:
            raise _fail(ewhere, "stages", str(error)) from None
        if forgiven:
            yield LoadWarning(f"{ewhere}: field 'stages': {forgiven}")
        yield StageEvent(designation, code, date, event.get("note"))
    for kind in ("replaces", "cites", "amends", "corrects"):
        for target in _as_list(node.get(kind)):
            yield _relation(designation, kind, target, where)
    for adoption in _as_list(node.get("adopts")):
        if isinstance(adoption, dict):
            yield _relation(designation, "adopts", adoption.get("designation"), where,
                            adoption.get("degree"), adoption.get("note"))
        else:
            yield _relation(designation, "adopts", adoption, where)


def _text(value: object, where: str, field: str) -> str | None:
    """A text field (a number is read as its text); empty is unknown."""
    if value is None or isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, dict | list | bool):
        raise _fail(where, field, f"expected a text, found {value!r:.60}")
    return str(value).strip()


def _texts(value: object, where: str, field: str) -> tuple[str, ...]:
    """A list of texts (or one text, a list of one), empty entries dropped."""
    return tuple(t for t in (_text(v, where, field) for v in _as_list(value)) if t)


def _as_list(value: object) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _relation(subject, kind, obj, where: str, degree=None, note=None) -> Relation:
    if kind not in ("replaces", "amends", "corrects", "adopts", "cites"):
        raise _fail(where, "type", f"unknown relation type {kind!r}")
    if degree is not None and degree not in ("IDT", "MOD", "NEQ"):
        raise _fail(where, "degree", f"{degree!r} is not IDT, MOD or NEQ")
    return Relation(
        subject=_designation(subject, where, "subject"), type=kind,
        object=_designation(obj, where, kind), degree=degree, note=note,
    )
