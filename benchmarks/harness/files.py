"""Sizes and clean-up of the files a benchmark writes."""

from __future__ import annotations

import shutil
from pathlib import Path


def mb(n_bytes: float) -> float:
    return n_bytes / 1e6


def file_size(path: Path) -> int:
    """Bytes of a folder's files, or of a database with its journal and write-ahead log."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    total = 0
    for suffix in ("", "-wal", "-journal"):
        p = Path(str(path) + suffix)
        if p.exists():
            total += p.stat().st_size
    return total


def unlink_db(path: Path) -> None:
    """Delete a database with its journal and log, and the search index folders beside it
    (``.tantivy``, ``.whoosh``, with their ``.building`` and ``.old`` folders and locks)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    for engine in (".tantivy", ".whoosh"):
        for suffix in ("", ".building", ".old"):
            shutil.rmtree(Path(str(path) + engine + suffix), ignore_errors=True)
        Path(str(path) + engine + ".lock").unlink(missing_ok=True)
