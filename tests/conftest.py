"""Shared fixtures: real SQLite files built by the real loaders, and the shared corpus."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from kb.catalogue.store import Store
from loaders import documents_for

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
ROOT = HERE.parent
CORPUS = ROOT.parent / "shared" / "corpus"
#: The invented test bulletin (tests/fixtures/bulletins/README.md).
BULLETIN = FIXTURES / "bulletins" / "kbs-bulletin-2019-04.txt"


def corpus(*parts: str) -> Path:
    """A path in ../shared/corpus, or skip the test with the reason when it is absent."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared corpus not available: {path} is absent")
    return path


def dump_digest(db_path: Path) -> str:
    """A digest of every row of every table: equal digests mean an unchanged database."""
    conn = sqlite3.connect(db_path)
    try:
        text = "\n".join(conn.iterdump())
    finally:
        conn.close()
    return hashlib.sha256(text.encode()).hexdigest()


def load(db_path: Path, *paths) -> object:
    store = Store(db_path)
    try:
        return store.load(documents_for(paths))
    finally:
        store.close()


@pytest.fixture
def mini_db(tmp_path) -> Path:
    """A knowledge base loaded from the test catalogue fixture."""
    path = tmp_path / "kb.db"
    summary = load(path, FIXTURES / "mini.yaml")
    assert summary.failed == 0, summary.errors
    return path


def built(db: Path) -> Path:
    """``kb build`` from data/ into ``db``, then ``kb bulletin load`` of the test bulletin."""
    from click.testing import CliRunner

    from kb.cli import main

    for args in (["build", "--db", str(db), "-q"],
                 ["bulletin", "load", "--db", str(db), "-q", str(BULLETIN)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
    return db
