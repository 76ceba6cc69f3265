"""Recorded SAMR catalogue pages (openstd.samr.gov.cn ``newGbInfo`` detail pages).

The recordings are VCR cassettes (YAML of HTTP exchanges, bodies often base64 + gzip).  Each
detail page gives 标准号, 中文/英文标准名称, 标准状态, CCS, ICS, 发布日期, 实施日期, 主管部门
(the edition's authority), 归口部门 (its committee) and 备注 (the recorded pages give no
起草单位);
``代替GB/T …`` in 备注 becomes a ``replaces`` relation, and the dates become 发布/实施 events.
A plain saved ``.html`` detail page loads the same way.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import yaml
from lxml import etree, html

from kb.catalogue.model import (
    Document,
    Edition,
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

NAME = "samr"
#: 2: 主管部门 is read (the edition's authority).
VERSION = 2
SOURCE = "SAMR national standards catalogue (openstd.samr.gov.cn)"

_DESIGNATION = re.compile(r"[A-Z]{1,4}(?:/[TZ])?\s*[\d.]+\s*[-—–]\s*\d{2,4}")
_REPLACES = re.compile(r"代替\s*((?:" + _DESIGNATION.pattern + r"[、，,;；\s]*)+)")


def accepts(path: Path, head: bytes) -> bool:
    if path.suffix in (".yml", ".yaml"):
        return b"http_interactions:" in head
    return path.suffix in (".html", ".htm") and "标准号".encode() in head + b""


def documents(path: Path) -> Iterator[Document]:
    data = path.read_bytes()
    yield Document(
        name=str(path), sha256=hashlib.sha256(data).hexdigest(), loader=NAME,
        records=lambda: records(data, is_html=path.suffix in (".html", ".htm")),
    )


def records(data: bytes, is_html: bool = False) -> Iterator:
    """Records of a cassette (or one saved page)."""
    if is_html:
        yield Provenance("SAMR")
        yield from _page_records(data.decode("utf-8", "replace"), None)
        return
    try:
        cassette = bounds.load_yaml(data, getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise LoadError(f"line {mark.line + 1 if mark else '?'}: malformed YAML") from None
    interactions = cassette.get("http_interactions") if isinstance(cassette, dict) else None
    if not isinstance(interactions, list):
        raise LoadError("not a VCR cassette (no list of http_interactions)")
    for number, exchange in enumerate(interactions, 1):
        request, response = (_mapping(exchange, "request", number),
                             _mapping(exchange, "response", number))
        uri = str(request.get("uri", ""))
        if "newGbInfo" not in uri or _mapping(response, "status", number).get("code") != 200:
            continue
        page = _body(_mapping(response, "body", number), number)
        yield Provenance("SAMR", _recorded(exchange.get("recorded_at")))  # a mapping: above
        yield from _page_records(page, uri)


def _mapping(node: object, key: str, number: int) -> dict:
    """``node[key]`` as a mapping (empty if absent), or a one-line refusal."""
    if not isinstance(node, dict):
        raise LoadError(f"interaction {number}: not a recorded HTTP exchange")
    value = node.get(key) or {}
    if not isinstance(value, dict):
        raise LoadError(f"interaction {number}: field '{key}' is not a mapping")
    return value


def _recorded(value: object) -> str | None:
    """The day a recording was made (``recorded_at``, an HTTP date), if it says."""
    try:
        return email.utils.parsedate_to_datetime(str(value)).date().isoformat() if value else None
    except (TypeError, ValueError):
        return None


def _body(body: dict, number: int) -> str:
    try:
        raw = base64.b64decode(body["base64_string"]) if "base64_string" in body else \
            str(body.get("string") or "").encode("utf-8")
        if raw[:2] == b"\x1f\x8b":
            raw = bounds.gunzip(raw)
    except (ValueError, OSError, EOFError, LoadError) as error:
        raise LoadError(f"interaction {number}: undecodable response body ({error})") from None
    return raw.decode("utf-8", "replace")


def _fields(page: str) -> dict[str, str]:
    try:
        tree = html.fromstring(page)
    except (etree.ParserError, ValueError) as error:
        raise LoadError(f"not a catalogue page ({error})") from None
    fields: dict[str, str] = {}
    for h1 in tree.iter("h1"):
        text = " ".join(h1.text_content().split())
        if text.startswith("标准号"):
            number = text.split("：", 1)[-1].split(":", 1)[-1]
            fields["标准号"] = re.split(r"[\u4e00-\u9fff]", number)[0].strip()
    for td in tree.iter("td"):
        text = " ".join(td.text_content().split())
        for label in ("中文标准名称", "英文标准名称", "标准状态"):
            if text.startswith(label):
                fields[label] = text.split("：", 1)[-1].strip()
    for title in tree.find_class("title"):
        label = re.sub(r"（.*?）|\(.*?\)", "", " ".join(title.text_content().split()))
        content = title.getnext()
        if content is not None and "content" in (content.get("class") or ""):
            fields[label.strip()] = " ".join(content.text_content().split())
    return fields


def _page_records(page: str, uri: str | None) -> Iterator:
    fields = _fields(page)
    written = fields.get("标准号")
    if not written:
        return
    try:
        designation = parse(written).edition.canonical
    except DesignationError as error:
        raise LoadError(f"field '标准号': {error}") from None
    status = fields.get("标准状态") or None
    try:
        published, forgiven = lenient_date(fields.get("发布日期"), "field '发布日期'")
        effective, forgiven_too = lenient_date(fields.get("实施日期"), "field '实施日期'")
    except ValueError as error:
        raise LoadError(str(error)) from None
    for warning in (forgiven, forgiven_too):
        if warning:
            yield LoadWarning(warning)
    if status and status not in stages.CN_STATUSES:
        raise LoadError(f"field '标准状态': unknown status {status!r}")
    titles = {"zh": fields.get("中文标准名称"), "en": fields.get("英文标准名称")}
    yield Edition(
        designation=designation, titles={k: v for k, v in titles.items() if v}, stage=status,
        published=published, effective=effective,
        ics=tuple(c for c in (fields.get("国际标准分类号") or "").split() if c),
        ccs=tuple(c for c in (fields.get("中国标准分类号") or "").split() if c),
        committee=fields.get("归口部门"), authority=fields.get("主管部门") or None, url=uri,
        record_source=SOURCE,
    )
    if published:
        yield StageEvent(designation, "发布", published)
    if effective:
        yield StageEvent(designation, "实施", effective)
    remark = fields.get("备注") or ""
    for group in _REPLACES.findall(remark):
        for old in _DESIGNATION.findall(group):
            try:
                yield Relation(designation, "replaces", parse(old).edition.canonical,
                               note=f"备注: {remark}")
            except DesignationError as error:
                raise LoadError(f"field '备注': {error}") from None
