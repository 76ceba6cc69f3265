"""Bounds on what input may cost: YAML aliases, ZIP members, PDF pages, XML declarations.

Every loader reads untrusted files.  The checks here run before the expensive step (alias
expansion, inflating a member, parsing pages) and refuse in one line, so a crafted file ends
in a :class:`~kb.catalogue.model.LoadError` naming what it exceeded, never in gigabytes of memory:

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
* XML: an external DTD a DOCTYPE names (as ISO STS files do) is never read: the named
  characters such DTDs declare (``&mdash;``, the HTML and ISO 8879 sets) are read as
  themselves, and any other entity the document uses is refused with its line.  Text entities
  the document declares itself (``<!DOCTYPE standard [<!ENTITY th "header text">]>``) are
  expanded by libxml2 (lxml's ``resolve_entities="internal"``), once the internal subset
  has been read and measured (:func:`internal_entities`): at most :data:`ENTITIES` of them,
  nested at most :data:`ENTITY_DEPTH` deep, each expanding to at most :data:`ENTITY_CHARS`
  characters and all the document's references together to at most :data:`ENTITY_TOTAL`;
  libxml2's own bound on amplification (five times the text that uses them) stays on.  An
  external entity (``SYSTEM``/``PUBLIC``) or a parameter entity (``<!ENTITY % …>``) is
  refused.  No parser loads a DTD, follows XInclude or reaches the network.
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

from kb.catalogue.model import LoadError

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


def check_doctype(element, declared: frozenset[str] = frozenset()) -> str | None:
    """At a document's first element: refuse a DOCTYPE that declares entities other than
    ``declared`` (those :func:`internal_entities` measured); return the external DTD a
    DOCTYPE names (never loaded), or None.

    :raises LoadError: with the line of the document's first element.
    """
    dtd = element.getroottree().docinfo.internalDTD
    if dtd is None:
        return None
    if any(entity.name not in declared for entity in dtd.iterentities()):
        raise LoadError(f"line {element.sourceline}: the DOCTYPE declares entities that were "
                        "not measured before reading: refused (put the DOCTYPE at the start of "
                        "the file)")
    return dtd.system_url


#: Entities an internal DTD subset may declare; how deep their references may nest; the
#: characters one may expand to; the characters all references of a document may add.
ENTITIES = 1_000
ENTITY_DEPTH = 8
ENTITY_CHARS = 64 << 10
ENTITY_TOTAL = 16 << 20
_REFERENCE = re.compile(r"&([A-Za-z_:][-\w.:]*);")
_REFERENCE_BYTES = re.compile(rb"&([A-Za-z_:][-\w.:]*);")
_PARAMETER = re.compile(rb"<!ENTITY\s+%")


def _line(data: bytes, at: int) -> int:
    return data.count(b"\n", 0, at) + 1


def internal_entities(data: bytes) -> frozenset[str]:
    """The names of the text entities a document's internal DTD subset declares, after
    measuring them; empty when it declares none.

    The subset is read by lxml from the document's start (no DTD loaded, nothing resolved);
    each entity's replacement text is measured through its references (its expanded length
    and nesting depth), and the document's references to it counted, so that libxml2 only
    ever expands what fits the bounds.

    :raises LoadError: one line, naming the line of the declaration (or of the reference)
        that is refused: an external or parameter entity, too many, too deep, too long, an
        entity that refers to itself.
    """
    parser = etree.iterparse(io.BytesIO(data), events=("start",), recover=True,
                             **{**XML_OPTIONS, "resolve_entities": False})
    try:
        root = next((element for _, element in parser), None)
    except etree.XMLSyntaxError:
        return frozenset()  # the full read names the fault
    dtd = root.getroottree().docinfo.internalDTD if root is not None else None
    entities = {e.name: e for e in dtd.iterentities()} if dtd is not None else {}
    if not entities:
        return frozenset()
    prolog_end = 0
    for _ in range(max(root.sourceline or 1, 1)):
        prolog_end = data.find(b"\n", prolog_end) + 1 or len(data)
    prolog = data[:prolog_end]

    def line(name: str) -> int:
        found = re.search(rb"<!ENTITY\s+" + re.escape(name.encode()) + rb"[\s\"']", prolog)
        return _line(data, found.start()) if found else root.sourceline

    parameter = _PARAMETER.search(prolog)
    if parameter:
        raise LoadError(f"line {_line(data, parameter.start())}: the DOCTYPE declares a "
                        "parameter entity: refused (only text entities are expanded)")
    for name, entity in entities.items():
        if entity.system_url is not None or entity.content is None:
            raise LoadError(f"line {line(name)}: the DOCTYPE declares the external entity "
                            f"'{name}' ({entity.system_url}): refused (no file or address is "
                            "ever read)")
    if len(entities) > ENTITIES:
        raise LoadError(f"line {root.sourceline}: the DOCTYPE declares {len(entities):,} "
                        f"entities (at most {ENTITIES:,}): refused")
    sizes: dict[str, tuple[int, int]] = {}  # name -> (expanded characters, depth)

    def measure(name: str, path: tuple[str, ...]) -> tuple[int, int]:
        if name in sizes:
            return sizes[name]
        if name in path:
            raise LoadError(f"line {line(name)}: the entity '{name}' refers to itself: refused")
        if len(path) >= ENTITY_DEPTH:  # (also bounds this recursion)
            raise LoadError(f"line {line(path[0])}: the entity '{path[0]}' nests entities "
                            f"more than {ENTITY_DEPTH} deep: refused")
        text = entities[name].content
        size, depth = len(_REFERENCE.sub("", text)), 1
        for match in _REFERENCE.finditer(text):
            inner = match.group(1)
            if inner in entities:
                inner_size, inner_depth = measure(inner, (*path, name))
                size, depth = size + inner_size, max(depth, inner_depth + 1)
            else:  # a predefined or named character, or an undefined one the parser refuses
                size += len(match.group())
            if depth > ENTITY_DEPTH:
                raise LoadError(f"line {line(name)}: the entity '{name}' nests entities more "
                                f"than {ENTITY_DEPTH} deep: refused")
            if size > ENTITY_CHARS:
                raise LoadError(f"line {line(name)}: the entity '{name}' expands to more than "
                                f"{ENTITY_CHARS:,} characters: refused as an entity bomb")
        sizes[name] = (size, depth)
        return sizes[name]

    for name in entities:  # every declaration, used or not
        measure(name, ())
    total = 0
    for match in _REFERENCE_BYTES.finditer(data, len(prolog)):
        name = match.group(1).decode()
        if name in entities:
            total += sizes[name][0]
            if total > ENTITY_TOTAL:
                raise LoadError(f"line {_line(data, match.start())}: the document's entities "
                                f"expand to more than {ENTITY_TOTAL:,} characters: refused as "
                                "an entity bomb")
    return frozenset(entities)


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
#: Bytes of a bulletin's file (text, Word or PDF) read at all; its text is bounded apart, by
#: kb.limits.VALUE_BYTES.
BULLETIN_FILE_BYTES = 256 << 20
_PREDEFINED = {b"amp", b"lt", b"gt", b"quot", b"apos"}
_NAMED = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")


def _named_characters(data: bytes, declared: frozenset[str] = frozenset()) -> tuple[bytes, int]:
    """``&mdash;`` and the other HTML and ISO 8879 named characters that STS DTDs declare,
    written as character references (``&#8212;``), so no DTD is needed to read them; the
    names the document ``declared`` itself, and other names, are left to the parser (which
    expands the first and refuses the rest).  Returns the bytes and how many were mapped."""
    count = 0

    def one(match: re.Match[bytes]) -> bytes:
        nonlocal count
        name = match.group(1)
        value = html.entities.html5.get(name.decode() + ";") if name not in _PREDEFINED \
            and name.decode() not in declared else None
        if value is None:
            return match.group()
        count += 1
        return "".join(f"&#{ord(c)};" for c in value).encode()

    return _NAMED.sub(one, data), count


#: The only way loaders parse XML: no DTD, no entity expansion, no network, no XInclude.
XML_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                   remove_comments=True, remove_pis=True)


def _options(declared: frozenset[str]) -> dict:
    """The parser's options: :data:`XML_OPTIONS`, and libxml2 expanding the document's own
    text entities when :func:`internal_entities` measured some (never an external one)."""
    return {**XML_OPTIONS, "resolve_entities": "internal"} if declared else XML_OPTIONS


def _fault(line: int, code: int, message: str) -> str:
    """One line for a fatal parser error (``code``: libxml2's error number)."""
    if code == etree.ErrorTypes.ERR_RESOURCE_LIMIT:  # libxml2's bound on entity amplification
        return (f"line {line}: the document's entities expand too much for the text that uses "
                f"them ({message.strip()}): refused as an entity bomb")
    return f"line {line}: malformed XML: {message}"


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
    declared: frozenset[str] = frozenset()
    with open(source, "rb") as handle:
        head = handle.read(1 << 16)
    if b"<!DOCTYPE" in head:  # entities of a DTD that is never read: map the named characters
        size = os.path.getsize(source)
        if size > XML_BYTES:
            raise LoadError(f"{size:,} bytes of XML with a DOCTYPE (at most {XML_BYTES:,})")
        with open(source, "rb") as handle:
            data = handle.read()
        declared = internal_entities(data)
        data, mapped = _named_characters(data, declared)
        source = io.BytesIO(data)
    parser = etree.iterparse(source, events=("start", "end"), recover=True,
                             **_options(declared))
    first = True
    try:
        for event, element in parser:
            if first:
                first = False
                dtd = check_doctype(element, declared)
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
        raise LoadError(_fault(error.lineno, error.code, error.msg)) from None
    errors = parser.error_log
    entity = undefined_entity(errors)
    if entity:
        raise LoadError(entity)
    fatal = next((e for e in errors if e.level_name in ("ERROR", "FATAL")
                  and e.domain_name != "NAMESPACE"), None)
    if fatal is not None:
        raise LoadError(_fault(fatal.line, fatal.type, fatal.message))
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
    declared: frozenset[str] = frozenset()
    if b"<!DOCTYPE" in data[:1 << 16]:
        declared = internal_entities(data)
        data = _named_characters(data, declared)[0]
    parser = etree.XMLParser(**_options(declared))
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise LoadError(_fault(error.lineno, error.code, error.msg)) from None
    if root is None:
        raise LoadError("no XML element in the file")
    check_doctype(root, declared)
    entity = undefined_entity(parser.error_log)
    if entity:
        raise LoadError(entity)
    return root
