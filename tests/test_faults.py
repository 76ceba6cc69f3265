"""Storage faults, made for real: a page overwritten, a file that is not a database, a full
disk (SQLite's page limit, and a real tmpfs when one can be mounted), a read-only file system,
a write lock held past the busy time-out, a damaged search index.  Each ends in one line
naming the file and what to do, a non-zero exit, and nothing already stored lost
(kb/catalogue/storage.py says them; tests/hostile.py makes the faults)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb.catalogue import snapshots, storage
from kb.catalogue.store import Store
from loaders import documents_for
from tests.conftest import BULLETIN, ROOT, dump_digest
from tests.hostile import Server, catalogue, damage, in_tmpfs


def kb(*args: str) -> tuple[int, str]:
    """``kb`` in a fresh process: (exit code, standard error then standard output)."""
    done = subprocess.run([sys.executable, "-m", "kb.cli", *args], capture_output=True,
                          text=True, cwd=ROOT)
    return done.returncode, done.stderr + done.stdout


def one_line(output: str) -> str:
    """The output's only line (and no traceback)."""
    assert "Traceback" not in output, output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    return lines[0]


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("faults") / "kb.db"
    assert kb("build", "--db", str(db), "-q")[0] == 0
    return db


@pytest.fixture
def db(base, tmp_path) -> Path:
    """A copy of the base (and its search index) to spoil."""
    import shutil

    copy = tmp_path / "kb.db"
    shutil.copy2(base, copy)
    shutil.copytree(f"{base}.tantivy", f"{copy}.tantivy")
    return copy


# --- a damaged database ----------------------------------------------------------------------

_DAMAGED = [  # (the page overwritten: a table's root, None for page 1's schema), command
    ("clauses", ["search", "audit"]),
    ("clauses", ["search", "audit", "--engine", "fts"]),
    ("clauses", ["read", "T/KBS 1-2026", "5.2"]),
    ("editions", ["history", "ISO 19011"]),
    ("editions", ["show", "ISO 19011:2018"]),
    ("editions", ["load", "-q", "NEW"]),
    (None, ["changes"]),
    (None, ["term", "audit"]),
    (None, ["export", "--work", "ISO 19011"]),
    (None, ["index", "-q"]),
    (None, ["load", "-q", str(ROOT / "data" / "catalogue")]),
    (None, ["bulletin", "load", "-q", str(BULLETIN)]),
]


@pytest.mark.parametrize(("table", "command"), _DAMAGED,
                         ids=[f"{t or 'schema'}-{'-'.join(c[:2])}" for t, c in _DAMAGED])
def test_a_damaged_database_is_one_line_and_not_written(db, tmp_path, table, command):
    command = [str(catalogue(tmp_path, 5)) if a == "NEW" else a for a in command]
    damage(db, table)
    before = file_digest(db)
    name = command[:2] if command[0] == "bulletin" else command[:1]
    code, output = kb(*name, "--db", str(db), *command[len(name):])
    line = one_line(output)
    assert code == 1
    assert line == (f"kb: {db}: the knowledge base is damaged (database disk image is "
                    "malformed); nothing was changed: restore the last snapshot or rebuild "
                    "it with `kb build` (`kb doctor` says which table is hurt)")
    assert file_digest(db) == before


def test_a_damaged_database_names_the_snapshot_to_restore(db):
    snapshot = snapshots.publish(db)
    damage(db, "clauses")
    code, output = kb("search", "--db", str(db), "audit")
    assert code == 1 and f"restore the last snapshot (cp {snapshot} {db})" in one_line(output)
    os.replace(snapshot.parent / "kb.db", db)  # what the line says to do
    code, output = kb("search", "--db", str(db), "audit")
    assert code == 0 and "clauses" in output


@pytest.mark.parametrize(("table", "hurt"), [
    ("clauses", "clauses: database disk image is malformed"),
    ("editions", "editions: database disk image is malformed"),
    ("idx_editions_status_id", "editions: Page "),
    ("clauses_fts_content", "clauses_fts_content: database disk image is malformed (part of "
                            "the clauses_fts search index)"),
    (None, "the file: the schema (page 1) cannot be read"),
])
def test_doctor_says_which_table_is_hurt(db, table, hurt):
    damage(db, table)
    before = file_digest(db)
    code, output = kb("doctor", "--db", str(db))
    assert code == 1 and "Traceback" not in output, output
    said, *lines = output.strip().splitlines()  # standard error first
    assert said.startswith(f"kb: {db}: the knowledge base is damaged (hurt: ")
    assert said.endswith("rebuild it with `kb build`; the catalogue's rules were not "
                         "checked")
    assert lines[0].endswith("integrity: tables SQLite's quick check finds damaged (--full: "
                             "the full check)")
    assert any(line.strip().startswith(hurt) for line in lines[1:]), output
    assert "current-but-replaced" not in output
    full = kb("doctor", "--full", "--db", str(db))
    assert full[0] == 1 and "SQLite's full integrity check" in full[1]
    assert file_digest(db) == before


def test_doctor_on_a_whole_database_checks_the_file_first(db):
    for args in ((), ("--full",)):
        code, output = kb("doctor", "--db", str(db), *args)
        assert code == 0, output
        first = output.splitlines()[0].split()
        assert first[:2] == ["0", "integrity:"], output
    import json

    code, output = kb("doctor", "--json", "--db", str(db))
    found = {f["check"]: f for f in json.loads(output)}
    assert found["integrity"]["count"] == 0 and "current-but-replaced" in found


# --- not a database --------------------------------------------------------------------------


@pytest.mark.parametrize("spoil", ["text", "header"])
@pytest.mark.parametrize("command", [["search", "audit"], ["history", "ISO 19011"],
                                     ["doctor"], ["load", "-q", str(ROOT / "data" / "catalogue")]])
def test_a_file_that_is_not_a_database_is_one_line(db, spoil, command):
    if spoil == "text":
        db.write_text("designation,title\nISO 19011:2018,not a database\n" * 100)
    else:  # the 16-byte "SQLite format 3" header overwritten
        with open(db, "r+b") as handle:
            handle.write(b"\xa5" * 16)
    before = file_digest(db)
    code, output = kb(command[0], "--db", str(db), *command[1:])
    assert code == 1 and one_line(output) == (
        f"kb: {db}: not a knowledge base (file is not a database): name the right file with "
        "--db, restore the last snapshot or rebuild it with `kb build`")
    assert file_digest(db) == before


# --- a full disk -----------------------------------------------------------------------------


def test_a_full_disk_is_rolled_back_whole(db, tmp_path):
    """SQLite's own page limit makes "database or disk is full" for real: the load's
    transaction is rolled back, and the line says what to do."""
    big = catalogue(tmp_path, 3000)
    before = dump_digest(db)
    store = Store(db)
    pages = store.conn.execute("pragma page_count").fetchone()[0]
    store.conn.execute(f"pragma max_page_count = {pages + 8}")
    try:
        with pytest.raises(sqlite3.OperationalError) as raised:
            store.load(documents_for([big]))
    finally:
        store.close()
    assert storage.fault(raised.value) == "full"
    assert storage.explain(db, raised.value) == (
        f"{db}: the disk is full (database or disk is full); what was stored before is kept: "
        "free space and run the command again (what is already loaded is skipped)")
    assert dump_digest(db) == before
    assert not Path(f"{db}-journal").exists()


def _tmpfs_or_skip(result: dict) -> dict:
    if "skip" in result:
        pytest.skip("no tmpfs can be mounted here, so the real full disk and read-only file "
                    "system are not tested (SQLite's page limit still makes a full disk): "
                    + result["skip"])
    return result


def _tmpfs_size(db: Path, extra: int = 200_000) -> int:
    used = db.stat().st_size + sum(f.stat().st_size for f in Path(f"{db}.tantivy").iterdir())
    return used + extra


def test_a_full_disk_during_kb_load_is_one_line_and_keeps_what_was_stored(db, tmp_path):
    big = catalogue(tmp_path, 3000)
    disk = tmp_path / "disk"
    target = disk / "kb.db"
    result = _tmpfs_or_skip(in_tmpfs(
        disk, _tmpfs_size(db), [db, Path(f"{db}.tantivy")], target,
        [sys.executable, "-m", "kb.cli", "load", "-q", "--db", str(target), str(big)]))
    assert result["code"] == 1, result
    assert one_line(result["output"]) == (
        f"kb: {target}: the disk is full (database or disk is full); what was stored before "
        "is kept: free space and run the command again (what is already loaded is skipped)")
    assert result["after"] == result["before"]
    assert result["left"] == ["kb.db", "kb.db.tantivy"]  # no journal left behind


def test_a_full_disk_during_kb_build_leaves_the_old_database(db, tmp_path):
    disk = tmp_path / "disk"
    target = disk / "kb.db"
    result = _tmpfs_or_skip(in_tmpfs(
        disk, _tmpfs_size(db), [db, Path(f"{db}.tantivy")], target,
        [sys.executable, "-m", "kb.cli", "build", "-q", "--db", str(target)]))
    assert result["code"] == 1, result
    line = one_line(result["output"])
    assert line.startswith(f"kb: {target}: the disk is full ("), line
    assert result["after"] == result["before"]
    assert result["left"] == ["kb.db", "kb.db.tantivy"]  # the new file is gone


# --- a read-only folder ----------------------------------------------------------------------


def test_a_read_only_file_system_is_one_line(db, tmp_path):
    """A tmpfs remounted read-only (root ignores file permissions): a load and a build say
    where nothing can be written; reading still works."""
    disk = tmp_path / "disk"
    target = disk / "kb.db"
    files = [db, Path(f"{db}.tantivy")]
    load = [sys.executable, "-m", "kb.cli", "load", "-q", "--db", str(target),
            str(catalogue(tmp_path, 5))]
    result = _tmpfs_or_skip(in_tmpfs(disk, _tmpfs_size(db), files, target, load,
                                     readonly=True))
    assert result["code"] == 1, result
    assert one_line(result["output"]) == (
        f"kb: {target}: cannot write here (attempt to write a readonly database: its file "
        f"system is mounted read-only); nothing was changed: make {disk} writable, or copy the "
        "knowledge base elsewhere and use --db")
    assert result["after"] == result["before"]
    build = in_tmpfs(disk, _tmpfs_size(db), files, target,
                     [sys.executable, "-m", "kb.cli", "build", "-q", "--db", str(target)],
                     readonly=True)
    assert build["code"] == 1 and build["after"] == build["before"], build
    assert one_line(build["output"]) == (
        f"kb: {target}: cannot write here (Read-only file system); nothing was changed: make "
        f"{disk} writable, or copy the knowledge base elsewhere and use --db")
    search = [sys.executable, "-m", "kb.cli", "search", "--db", str(target), "audit"]
    fts = in_tmpfs(disk, _tmpfs_size(db), files, target, [*search, "--engine", "fts"],
                   readonly=True)
    assert fts["code"] == 0 and "clauses" in fts["output"], fts  # reading needs no writing
    ranked = in_tmpfs(disk, _tmpfs_size(db), files, target, search, readonly=True)
    line = one_line(ranked["output"])  # but tantivy opens its lock files for writing
    assert ranked["code"] == 1 and line.startswith(
        f"kb: {target}: the tantivy index beside the database cannot be opened where nothing "
        "may be written ("), line
    assert line.endswith("search with --engine fts, or copy the knowledge base elsewhere")


def test_a_read_only_folder_is_one_line_for_an_unprivileged_user(db):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders: the tmpfs test covers root")
    db.chmod(0o444)
    db.parent.chmod(0o555)
    try:
        before = dump_digest(db)
        code, output = kb("load", "-q", "--db", str(db), str(ROOT / "data" / "catalogue"))
        assert dump_digest(db) == before
    finally:
        db.parent.chmod(0o755)
        db.chmod(0o644)
    assert code == 1 and one_line(output).startswith(f"kb: {db}: cannot write here (")


# --- locked past the busy time-out -----------------------------------------------------------


@pytest.mark.parametrize(("lock", "command"), [
    ("BEGIN IMMEDIATE", ["load", "-q", str(ROOT / "data" / "catalogue")]),
    ("BEGIN EXCLUSIVE", ["history", "ISO 19011"]),
])
def test_a_lock_held_past_the_time_out_is_one_line(db, tmp_path, lock, command):
    """Another connection holds a write lock (IMMEDIATE keeps writers out, EXCLUSIVE readers
    too) longer than the command waits."""
    big = catalogue(tmp_path, 50)  # something not loaded yet
    if command[0] == "load":
        command = [*command[:-1], str(big)]
    before = dump_digest(db)
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute(lock)
        started = time.monotonic()
        code, output = kb(command[0], "--db", str(db), *command[1:])
        waited = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 1 and one_line(output) == (
        f"kb: {db}: another process has held the knowledge base locked for more than "
        f"{storage.BUSY_SECONDS:g} s (database is locked); nothing was changed: let it finish "
        "(a load or `kb index`) and run the command again")
    assert waited >= storage.BUSY_SECONDS
    assert dump_digest(db) == before
    assert kb(command[0], "--db", str(db), *command[1:])[0] == 0  # once the lock is gone


# --- a damaged search index ------------------------------------------------------------------


def test_a_damaged_search_index_says_kb_index_rebuilds_it(db):
    for term in Path(f"{db}.tantivy").glob("*.term"):
        data = bytearray(term.read_bytes())
        data[:len(data) // 2] = b"\xa5" * (len(data) // 2)
        term.write_bytes(bytes(data))
    before = dump_digest(db)
    code, output = kb("search", "--db", str(db), "audit")
    line = one_line(output)
    assert code == 1 and line.startswith(f"kb: {db}: the tantivy index beside the database "
                                         "cannot be used (")
    assert line.endswith("run `kb index`")
    assert dump_digest(db) == before
    assert kb("index", "-q", "--db", str(db))[0] == 0
    code, output = kb("search", "--db", str(db), "audit")
    assert code == 0 and "clauses" in output


# --- kb serve --------------------------------------------------------------------------------


def test_kb_serve_refuses_a_damaged_database_and_serves_the_last_good_snapshot(db):
    first = snapshots.publish(db)
    second = snapshots.publish(db)
    damage(second, "editions")  # the current snapshot is damaged too: the one before serves
    damage(db, "editions")
    with Server(db) as running:
        status, body = running.get("/-/standards/ISO%2019011")
    said = running.process.stderr.read().decode()
    assert status == 200 and b"ISO 19011:2018" in body
    assert snapshots.current(db) == first
    assert f"kb: {db}: damaged (" in said and (
        f"serving the last good snapshot, {first.parent}; restore it (cp {first} {db}) or "
        "rebuild with `kb build`") in said, said
    assert sorted(p.name for p in snapshots.folder(db).iterdir()) == [
        "000001", "000002", "current"]  # no snapshot of the damaged file was published


def test_kb_serve_without_a_good_snapshot_refuses_in_one_line(db):
    damage(db, "editions")
    code, output = kb("serve", "--db", str(db), "--port", "0")
    assert code == 1 and one_line(output).startswith(
        f"kb: {db}: the knowledge base is damaged (")
    assert output.strip().endswith("; no snapshot of it is whole, nothing to serve")
    assert not any(p.name.startswith(".") for p in snapshots.folder(db).iterdir())
