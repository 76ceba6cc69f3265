"""Bounds on what input may cost: YAML aliases, ZIP members, PDF pages, XML declarations.

Every loader reads untrusted files.  The checks here run before the expensive step (alias
expansion, inflating a member, parsing pages) and refuse in one line, so a crafted file ends
in a :class:`~kb.model.LoadError` naming what it exceeded, never in gigabytes of memory:

* YAML: aliases may add at most :data:`YAML_ALIAS_NODES` nodes to a document (real catalogue
  and Relaton files use few or none; a "billion laughs" file adds billions);
* ZIP (Word ``.docx``): at most :data:`ZIP_MEMBERS` members, each at most
  :data:`ZIP_MEMBER_BYTES` inflated, all together at most :data:`ZIP_TOTAL_BYTES`, and no
  member inflating more than :data:`ZIP_RATIO` times its compressed size; then every member
  is inflated in small steps and its size and CRC checked, since a directory can lie;
* PDF: read in a child process limited to :data:`PDF_MEMORY` of address space and
  :data:`PDF_SECONDS` of processor time, at most :data:`PDF_PAGES` pages and
  :data:`PDF_OBJECTS` objects (pdfminer inflates streams whole: only the process can be
  bounded);
* XML: a DOCTYPE with its own declarations (``[<!ENTITY …>]``) is refused; a DOCTYPE that only
  names an external DTD (as ISO STS files do) is read without it: the named characters such
  DTDs declare (``&mdash;``, the HTML and ISO 8879 sets) are read as themselves, and any other
  entity the document uses is refused with its line.
  No parser loads a DTD, expands an entity, follows XInclude or reaches the network.
"""

from __future__ import annotations

import html.entities
import io
import os
import re
import zipfile
import zlib
from collections.abc import Iterator

import yaml
from lxml import etree

from kb.model import LoadError

#: Nodes YAML aliases may add to one document, beyond those written out.
YAML_ALIAS_NODES = 100_000
#: Members of a ZIP container, inflated bytes of one member and of all, inflation ratio.
ZIP_MEMBERS = 10_000
ZIP_MEMBER_BYTES = 64 << 20
ZIP_TOTAL_BYTES = 256 << 20
ZIP_RATIO = 200
#: Pages and objects of a PDF; memory (address space) and processor seconds of the process
#: that reads it (loaders/pdf_reader.py).
PDF_PAGES = 5_000
PDF_OBJECTS = 2_000_000
PDF_MEMORY = 480 << 20
PDF_SECONDS = 120


def load_yaml(text: str, loader: type[yaml.SafeLoader]):
    """A YAML document read by ``loader``, after checking that its aliases stay within
    :data:`YAML_ALIAS_NODES` added nodes.

    :raises yaml.YAMLError: for malformed YAML (with its mark).
    :raises LoadError: for aliases beyond the bound.
    """
    reader = loader(text)
    try:
        node = reader.get_single_node()
        if node is None:
            return None
        written, expanded = _sizes(node)
        if expanded - written > YAML_ALIAS_NODES:
            raise LoadError(
                f"YAML aliases would add {expanded - written:,} nodes (at most "
                f"{YAML_ALIAS_NODES:,}): refused as an alias bomb")
        return reader.construct_document(node)
    finally:
        reader.dispose()


def _sizes(root: yaml.Node) -> tuple[int, int]:
    """(nodes written, nodes after replaying every alias) of a composed YAML graph."""
    expanded: dict[int, int] = {}  # id(node) -> its size with aliases replayed
    written: set[int] = set()
    # iterative post-order walk: aliases are shared nodes, met more than once
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            children = _children(node)
            expanded[key] = min(1 + sum(expanded[id(c)] for c in children), 1 << 62)
            continue
        if key in expanded:
            continue
        if key in written:  # an alias to a node still open: a recursive structure
            raise LoadError("YAML aliases refer to themselves: refused")
        written.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in expanded)
    return len(written), expanded[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def check_zip(data: bytes) -> None:
    """Refuse a ZIP container whose members would inflate beyond the bounds.

    :raises LoadError: naming the member and the bound.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise LoadError(f"not a readable zip archive ({error})") from None
    if len(members) > ZIP_MEMBERS:
        raise LoadError(f"{len(members):,} members in the zip archive (at most {ZIP_MEMBERS:,})")
    total = 0
    for member in members:
        size = member.file_size
        total += size
        if size > ZIP_MEMBER_BYTES:
            raise LoadError(f"zip member {member.filename} inflates to {size:,} bytes (at most "
                            f"{ZIP_MEMBER_BYTES:,})")
        ratio = size // max(member.compress_size, 1)
        if size > 1 << 20 and ratio > ZIP_RATIO:
            raise LoadError(f"zip member {member.filename} inflates {ratio:,} times (at most "
                            f"{ZIP_RATIO}): refused as a zip bomb")
    if total > ZIP_TOTAL_BYTES:
        raise LoadError(f"the zip archive inflates to {total:,} bytes (at most "
                        f"{ZIP_TOTAL_BYTES:,})")
    # the directory's sizes can lie, and a reader inflates a whole member at once: inflate
    # each member in small steps, checking its size and CRC, before anything else reads it
    for member in members:
        try:
            with archive.open(member) as stream:
                while stream.read(1 << 16):
                    pass
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError,
                RuntimeError, zlib.error) as error:
            raise LoadError(f"zip member {member.filename} is damaged or not what the archive "
                            f"says ({error})") from None


#: Bytes a gzip-compressed body may inflate to (a SAMR page is tens of KB).
GZIP_BYTES = 32 << 20


def gunzip(data: bytes) -> bytes:
    """Inflate gzip ``data`` in steps, refusing past :data:`GZIP_BYTES`.

    :raises LoadError: for damaged data or too much of it.
    """
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    try:
        chunk = inflater.decompress(data, 1 << 20)
        while chunk:
            out += chunk
            if len(out) > GZIP_BYTES:
                raise LoadError(f"gzip data inflates past {GZIP_BYTES:,} bytes: refused")
            chunk = inflater.decompress(inflater.unconsumed_tail, 1 << 20)
    except zlib.error as error:
        raise LoadError(f"damaged gzip data ({error})") from None
    return bytes(out)


def check_doctype(element) -> str | None:
    """At a document's first element: refuse a DOCTYPE with declarations of its own; return
    the external DTD a DOCTYPE names (never loaded), or None.

    :raises LoadError: with the line of the document's first element.
    """
    dtd = element.getroottree().docinfo.internalDTD
    if dtd is None:
        return None
    if next(dtd.iterentities(), None) is not None or next(dtd.iterelements(), None) is not None:
        raise LoadError(f"line {element.sourceline}: the DOCTYPE declares entities or elements "
                        "of its own: refused (a DTD is never read; entities are never expanded)")
    return dtd.system_url


def undefined_entity(error_log) -> str | None:
    """The first entity a parsed document used without defining it, as a one-line reason."""
    for entry in error_log:
        if entry.type_name in ("WAR_UNDECLARED_ENTITY", "ERR_UNDECLARED_ENTITY"):
            return (f"line {entry.line}: {entry.message} (a DTD is never read: write the "
                    "character itself)")
    return None


def local_name(tag) -> str:
    """An element's name without its namespace or its undeclared prefix (``tbx:term``);
    "" for comments and entities, whose tag is not text."""
    return tag.rpartition("}")[2].rpartition(":")[2] if isinstance(tag, str) else ""


#: XML read whole to map its named characters (files with a DOCTYPE only).
XML_BYTES = 256 << 20
_PREDEFINED = {b"amp", b"lt", b"gt", b"quot", b"apos"}
_NAMED = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")


def _named_characters(data: bytes) -> tuple[bytes, int]:
    """``&mdash;`` and the other HTML and ISO 8879 named characters that STS DTDs declare,
    written as character references (``&#8212;``), so no DTD is needed to read them; other
    names are left for the parser to refuse.  Returns the bytes and how many were mapped."""
    count = 0

    def one(match: re.Match[bytes]) -> bytes:
        nonlocal count
        name = match.group(1)
        value = html.entities.html5.get(name.decode() + ";") if name not in _PREDEFINED \
            else None
        if value is None:
            return match.group()
        count += 1
        return "".join(f"&#{ord(c)};" for c in value).encode()

    return _NAMED.sub(one, data), count


#: The only way loaders parse XML: no DTD, no entity expansion, no network, no XInclude.
XML_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                   remove_comments=True, remove_pis=True)


def iterparse(source, events: tuple[str, ...] = ("start", "end"), tags: tuple[str, ...] = (),
              warnings: list[str] | None = None) -> Iterator[tuple[str, object]]:
    """``lxml.etree.iterparse`` with the bounds above: the DOCTYPE checked at the first
    element, undefined entities and malformed XML refused with their line once the stream
    ends (the store drops what a refused document yielded).  An undeclared namespace prefix
    (``tbx:term`` without ``xmlns:tbx``) is forgiven and said in ``warnings``.

    :param tags: only elements with these local names (all if empty).
    :raises LoadError: one line, with the line of the fault.
    """
    mapped = 0
    with open(source, "rb") as handle:
        head = handle.read(1 << 16)
    if b"<!DOCTYPE" in head:  # entities of a DTD that is never read: map the named characters
        size = os.path.getsize(source)
        if size > XML_BYTES:
            raise LoadError(f"{size:,} bytes of XML with a DOCTYPE (at most {XML_BYTES:,})")
        with open(source, "rb") as handle:
            data, mapped = _named_characters(handle.read())
        source = io.BytesIO(data)
    parser = etree.iterparse(source, events=("start", "end"), recover=True, **XML_OPTIONS)
    first = True
    try:
        for event, element in parser:
            if first:
                first = False
                dtd = check_doctype(element)
                if dtd and warnings is not None:
                    warnings.append(f"the DOCTYPE names the DTD {dtd}: read without it"
                                    + (f" ({mapped:,} named characters such as &mdash; read "
                                       "as themselves)" if mapped else ""))
            if event not in events:
                continue
            if tags and local_name(element.tag) not in tags:
                continue
            yield event, element
    except etree.XMLSyntaxError as error:
        raise LoadError(f"line {error.lineno}: malformed XML: {error.msg}") from None
    errors = parser.error_log
    entity = undefined_entity(errors)
    if entity:
        raise LoadError(entity)
    fatal = next((e for e in errors if e.level_name in ("ERROR", "FATAL")
                  and e.domain_name != "NAMESPACE"), None)
    if fatal is not None:
        raise LoadError(f"line {fatal.line}: malformed XML: {fatal.message}")
    if first:
        raise LoadError("no XML element in the file")
    prefixes = [e for e in errors if e.domain_name == "NAMESPACE"]
    if prefixes and warnings is not None:
        warnings.append(f"line {prefixes[0].line}: {len(prefixes):,} undeclared namespace "
                        f"prefixes read by their names ({prefixes[0].message})")


def parse_xml(data: bytes):
    """A whole small XML document's root, with the bounds of :func:`iterparse`.

    :raises LoadError: one line, with the line of the fault.
    """
    if b"<!DOCTYPE" in data[:1 << 16]:
        data = _named_characters(data)[0]
    parser = etree.XMLParser(**XML_OPTIONS)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise LoadError(f"line {error.lineno}: malformed XML: {error.msg}") from None
    if root is None:
        raise LoadError("no XML element in the file")
    check_doctype(root)
    entity = undefined_entity(parser.error_log)
    if entity:
        raise LoadError(entity)
    return root
