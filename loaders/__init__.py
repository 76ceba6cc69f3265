"""Loaders: one module per source format, each turning files into
:class:`kb.catalogue.model.Document`.

A loader module has ``NAME``, ``accepts(path, head) -> bool`` (``head`` is the first bytes
of the file), ``documents(path) -> Iterator[Document]`` and optionally ``VERSION``, raised
when it reads files differently so that files it read before are read again.  Loaders
parse only; they never touch the database.  :func:`documents_for` walks paths, picks the
loader for each file (or the one forced by name) and streams documents.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType

from kb.catalogue.model import Document, LoadError

from . import bulletin, catalogue, iso_open_data, relaton, samr, sts, text

__all__ = ["LOADERS", "detect", "documents_for", "file_document", "LoadError"]

#: Loaders by name, in the order they are tried.
LOADERS: dict[str, ModuleType] = {
    m.NAME: m for m in (catalogue, samr, iso_open_data, relaton, sts, text, bulletin)
}

_SKIP = {"SOURCES.md", "README.md", "versions.json"}


def detect(path: Path) -> ModuleType:
    """Choose the loader for a file from its name and first bytes.

    :raises LoadError: if no loader accepts the file.
    """
    with open(path, "rb") as handle:
        head = handle.read(4096)
    for loader in LOADERS.values():
        if loader.accepts(path, head):
            return loader
    raise LoadError(f"{path}: no loader for this file (known: {', '.join(LOADERS)})")


def _files(path: Path) -> Iterator[tuple[Path, bool]]:
    """(file, named explicitly) for a path or every regular file in a folder (not pipes,
    sockets or devices, which would block or never end)."""
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.name in _SKIP or child.name.startswith("."):
                continue
            if child.is_file() or child.is_symlink() and not child.exists():
                yield child, False  # a dangling link is reported as unreadable
    elif path.exists():
        if not path.is_file():
            raise LoadError(f"{path}: not a regular file")
        yield path, True
    elif path.is_symlink():
        raise LoadError(f"{path}: a link to a file that does not exist")
    else:
        raise LoadError(f"{path}: no such file or directory")


def documents_for(
    paths: Iterable[str | Path], loader: str | None = None, skipped: list[str] | None = None,
    designation: str | None = None, date: str | None = None, title: str | None = None,
    known: Callable[[str, int], set[str]] | None = None,
) -> Iterator[Document]:
    """Stream the documents of every file under ``paths``.

    :param loader: force this loader (a key of :data:`LOADERS`) instead of detecting one.
    :param skipped: collects files found in folders that no loader reads.
    :param designation: the designation of the documents, for loaders of formats that may
        not carry one (plain text, STS without metadata).
    :param date: the date of the documents, for loaders of undated ones (bulletins).
    :param title: the title of the documents, for loaders of untitled ones (bulletins).
    :param known: ``known(loader, version)`` gives the hashes of documents already loaded, for
        loaders that read ahead (archives) and so need not parse those.
    :raises LoadError: for a missing path, an unknown loader name or a named file that no
        loader reads.
    """
    if loader is not None and loader not in LOADERS:
        raise LoadError(f"unknown loader {loader!r} (known: {', '.join(LOADERS)})")
    hashes: dict[tuple[str, int], set[str]] = {}
    for path in paths:
        for file, named in _files(Path(path)):
            try:
                module = LOADERS[loader] if loader else detect(file)
                suffixes = getattr(module, "SUFFIXES", None)
                if not named and suffixes and file.suffix.lower() not in suffixes:
                    raise LoadError(f"{file}: not a file the {module.NAME} loader reads")
            except OSError as error:  # unreadable: reported as a failed document, the rest go on
                yield unreadable(file, error)
                continue
            except LoadError:
                if named:
                    raise
                if skipped is not None:
                    skipped.append(str(file))
                continue
            accepted = inspect.signature(module.documents).parameters
            options = {k: v for k, v in (("designation", designation), ("date", date),
                                                      ("title", title))
                       if v and k in accepted}
            if known is not None and "known" in accepted:
                key = (module.NAME, getattr(module, "VERSION", 1))
                if key not in hashes:  # asked once per load, not once per file
                    hashes[key] = known(*key)
                options["known"] = hashes[key]
            try:
                for document in module.documents(file, **options):
                    document.loader_version = getattr(module, "VERSION", 1)
                    yield document
            except OSError as error:
                yield unreadable(file, error)


def unreadable(path: Path, error: OSError) -> Document:
    """A document standing for a file that cannot be read: it fails with the reason, so the
    load reports it by name (and counts it as failed) and goes on with the other files."""
    reason = error.strerror or type(error).__name__

    def fail():
        raise LoadError(f"cannot read the file ({reason})")

    digest = hashlib.sha256(f"unreadable\0{path}\0{reason}".encode()).hexdigest()
    return Document(name=str(path), sha256=digest, loader="unreadable", records=fail)


def file_document(path: Path, loader: str, parse) -> Document:
    """A document for a whole file: hash its bytes, parse them lazily with ``parse(data)``."""
    data = path.read_bytes()
    return Document(
        name=str(path), sha256=hashlib.sha256(data).hexdigest(), loader=loader,
        records=lambda: parse(data),
    )
