"""The store: one transaction per document, idempotent loads, merged records."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from kb.catalogue.model import Document, Edition, LoadError, Relation, StageEvent
from kb.catalogue.store import Store
from tests.conftest import FIXTURES, dump_digest, load


def test_tables_exist(mini_db):
    names = set(sqlite3.connect(mini_db).execute(
        "select name from sqlite_master where type = 'table'").fetchone() or ())
    conn = sqlite3.connect(mini_db)
    names = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    assert {"works", "editions", "stage_events", "relations", "sources", "ics",
            "committees", "edition_ics"} <= names


def test_loading_twice_changes_nothing(mini_db):
    before = dump_digest(mini_db)
    summary = load(mini_db, FIXTURES / "mini.yaml")
    assert (summary.loaded, summary.unchanged, summary.failed) == (0, 1, 0)
    assert dump_digest(mini_db) == before


@pytest.mark.parametrize(("name", "message"), [
    ("malformed.yaml", "malformed.yaml:8: malformed YAML: found unexpected end of stream "
                       "(while scanning a quoted scalar at line 6)"),
    ("unknown-stage.yaml", "field 'stage': unknown stage code '45.45'"),
    ("impossible-date.yaml", "field 'published': impossible date '2015-02-30'"),
    ("bad-relation.yaml", "field 'replaces': 'ISO/TC 207' is a committee"),
    ("truncated.jsonl", "truncated.jsonl:2: malformed JSON"),
    ("broken.csv", "broken.csv:2: malformed CSV"),
])
def test_a_bad_document_leaves_the_database_unchanged(mini_db, name, message):
    before = dump_digest(mini_db)
    summary = load(mini_db, FIXTURES / "bad" / name)
    assert summary.failed == 1 and summary.loaded == 0
    assert len(summary.errors) == 1 and message in summary.errors[0]
    assert str(FIXTURES / "bad" / name) in summary.errors[0]
    assert "\n" not in summary.errors[0]
    assert dump_digest(mini_db) == before


def test_good_documents_load_beside_a_bad_one(tmp_path):
    db = tmp_path / "kb.db"
    summary = load(db, FIXTURES / "bad" / "unknown-stage.yaml", FIXTURES / "mini.yaml")
    assert (summary.loaded, summary.failed) == (1, 1)
    conn = sqlite3.connect(db)
    assert conn.execute("select count(*) from editions where id = 'ISO 14001:2015'").fetchone() \
        == (0,)
    assert conn.execute("select count(*) from editions where work_id = 'ISO 19011'").fetchone()[0] \
        >= 3


def _document(name, records, sha="x"):
    return Document(name=name, sha256=sha, loader="test", records=lambda: iter(records))


def test_records_merge_and_fields_are_kept(tmp_path):
    store = Store(tmp_path / "kb.db")
    store.load([_document("a", [Edition("ISO 19011:2018", titles={"en": "Guidelines"},
                                        published="2018-07-03", stage="90.92")], "a")])
    store.load([_document("b", [Edition("ISO19011：2018", titles={"zh": "管理体系审核指南"})],
                          "b")])
    row = store.conn.execute(
        "select title_en, title_zh, published, stage, status from editions "
        "where id = 'ISO 19011:2018'").fetchone()
    assert row == ("Guidelines", "管理体系审核指南", "2018-07-03", "90.92", "current")
    assert store.conn.execute("select count(*) from sources").fetchone() == (2,)


def test_relations_to_documents_not_loaded(tmp_path):
    store = Store(tmp_path / "kb.db")
    store.load([_document("a", [Relation("CNAS-CC121", "adopts", "ISO/IEC TS 17021-2:2016",
                                         degree="IDT")])])
    rows = store.conn.execute("select subject, type, object, degree, object_work from relations"
                              ).fetchall()
    assert rows == [("CNAS-CC121", "adopts", "ISO/IEC TS 17021-2:2016", "IDT",
                     "ISO/IEC TS 17021-2")]
    assert store.conn.execute("select count(*) from editions where id like 'ISO/IEC%'"
                              ).fetchone() == (0,)


def test_amendments_amend_their_base(mini_db):
    conn = sqlite3.connect(mini_db)
    assert conn.execute("select type, object from relations where subject = "
                        "'ISO 9001:2015/Amd 1:2024'").fetchall() == [("amends", "ISO 9001:2015")]


def test_a_large_document_that_fails_late_is_rolled_back(tmp_path, monkeypatch):
    import kb.catalogue.store

    monkeypatch.setattr(kb.catalogue.store, "_FLUSH_ROWS", 50)
    db = tmp_path / "kb.db"
    store = Store(db)
    store.load([_document("small", [Edition("ISO 1:2002")], "s")])
    before = dump_digest(db)

    def records():
        for n in range(1, 400):
            yield Edition(f"ISO {1000 + n}:2001")
            yield StageEvent(f"ISO {1000 + n}:2001", "60.60", "2001-05-01")
        raise LoadError("line 800: something wrong at the end")

    summary = store.load([Document("big", "b", "test", records)])
    assert summary.failed == 1 and "line 800" in summary.errors[0]
    store.close()
    assert dump_digest(db) == before


def test_large_documents_and_many_editions_give_the_same_facts(tmp_path, monkeypatch):
    """Documents written in savepoints and facts derived in slices give the facts of one
    flush and one derivation (the embedded catalogue, with tiny limits)."""
    import kb.catalogue.store
    from kb.catalogue import facts

    data = FIXTURES.parent.parent / "data" / "catalogue"
    whole = tmp_path / "whole.db"
    assert load(whole, data).failed == 0
    monkeypatch.setattr(kb.catalogue.store, "_FLUSH_ROWS", 50)
    monkeypatch.setattr(kb.catalogue.store, "_DERIVE_EDITIONS", 7)
    sliced = tmp_path / "sliced.db"
    assert load(sliced, data).failed == 0
    first = facts.snapshot(sqlite3.connect(whole))
    second = facts.snapshot(sqlite3.connect(sliced))
    assert first["stage_events"] and first["relations"]
    for table in first:
        assert sorted(first[table]) == sorted(second[table]), table


def test_failed_source_is_not_recorded_so_a_fixed_file_loads(tmp_path):
    db = tmp_path / "kb.db"
    bad = tmp_path / "cat.yaml"
    shutil.copy(FIXTURES / "bad" / "impossible-date.yaml", bad)
    assert load(db, bad).failed == 1
    bad.write_text(bad.read_text().replace("2015-02-30", "2015-09-15"))
    assert load(db, bad).loaded == 1


def test_a_newer_loader_reads_a_file_again(tmp_path):
    import sqlite3

    from loaders import documents_for, sts
    from tests.conftest import corpus

    source = corpus("sts", "rice-en.final.sts.xml")
    db = tmp_path / "kb.db"
    store = Store(db)
    assert store.load(documents_for([source])).loaded == 1
    assert store.load(documents_for([source])).unchanged == 1
    store.close()
    conn = sqlite3.connect(db)  # as an older version of the sts loader left it
    conn.execute("update sources set loader_version = ?", (sts.VERSION - 1,))
    conn.execute("delete from citations")
    conn.commit()
    conn.close()
    store = Store(db)
    assert store.load(documents_for([source])).loaded == 1
    store.close()
    assert sqlite3.connect(db).execute("select count(*) from citations").fetchone()[0] > 5


def test_a_file_restored_to_an_earlier_content_loads_again(tmp_path):
    """Edit a file, load it, restore it, load it: the restored content is that source again
    (it failed with a UNIQUE constraint before; found by the fuzzer)."""
    path = tmp_path / "cat.yaml"
    db = tmp_path / "kb.db"
    original = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    assert load(db, path).loaded == 1
    conn = sqlite3.connect(db)
    claims = conn.execute("select count(*) from claims").fetchone()[0]
    path.write_text(original.replace("Guidelines", "GUIDELINES"), encoding="utf-8")
    assert load(db, path).loaded == 1
    path.write_text(original, encoding="utf-8")
    assert load(db, path).loaded == 1
    assert load(db, path).unchanged == 1
    assert conn.execute("select id, superseded_by from sources order by id").fetchall() == [
        (1, None), (2, 1)]
    titles = {r[0] for r in conn.execute("select title_en from works")}
    assert not any("GUIDELINES" in (t or "") for t in titles)
    assert conn.execute("select count(*) from claims").fetchone()[0] == claims
