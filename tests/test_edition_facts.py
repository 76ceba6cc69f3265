"""An edition's authority (主管部门), drafting organisations (起草单位) and scope, from every
source that gives them, and the revision under way that a published record names: issue 23."""

from __future__ import annotations

import sqlite3
import tarfile

import pytest

from kb.catalogue import facts, queries
from kb.catalogue.model import Document, Edition
from kb.catalogue.store import SCHEMA_VERSION, Store
from tests.conftest import FIXTURES, ROOT, corpus, dump_digest, load

CATALOGUE = """\
source: "made up for the tests"
checked: 2026-12-01
works:
  - work: GB/T 99011
    title: {zh: 审核指南, en: Guidelines for auditing}
    editions:
      - designation: GB/T 99011-2021
        published: 2021-08-20
        committee: SAC/TC 999
        authority: 国家标准化管理委员会
        drafters: [中国标准化研究院, 中国合格评定国家认可中心]
        scope: |
          本文件提供了审核的指南。
          本文件适用于所有组织。
      - designation: GB/T 99011-2013
        drafters: 中国标准化研究院
"""


@pytest.fixture
def catalogue_db(tmp_path):
    path = tmp_path / "gb.yaml"
    path.write_text(CATALOGUE, encoding="utf-8")
    db = tmp_path / "kb.db"
    summary = load(db, path)
    assert summary.failed == 0 and not summary.warnings, (summary.errors, summary.warnings)
    return db


def test_the_catalogue_gives_authority_drafters_and_scope(catalogue_db):
    conn = sqlite3.connect(catalogue_db)
    shown = queries.edition(conn, "GB/T 99011-2021")
    assert shown["authority"] == "国家标准化管理委员会"
    assert shown["drafters"] == ["中国标准化研究院", "中国合格评定国家认可中心"]
    assert shown["scope"] == "本文件提供了审核的指南。\n本文件适用于所有组织。"
    assert shown["provenance"]["drafters"]["from"] == "data/ gb.yaml (2026-12-01)"
    by_id = {e["designation"]: e for e in queries.history(conn, "GB/T 99011")["editions"]}
    assert by_id["GB/T 99011-2013"]["drafters"] == ["中国标准化研究院"]  # one text: a list of one
    assert (by_id["GB/T 99011-2013"]["authority"], by_id["GB/T 99011-2013"]["scope"]) \
        == (None, None)
    assert by_id["GB/T 99011-2021"]["authority"] == "国家标准化管理委员会"


def test_a_field_of_the_wrong_shape_is_refused_by_name(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(CATALOGUE.replace("authority: 国家标准化管理委员会",
                                      "authority: {name: 国家标准委}"), encoding="utf-8")
    summary = load(tmp_path / "kb.db", path)
    assert summary.failed == 1
    assert "bad.yaml:7: field 'authority': expected a text" in summary.errors[0]


def test_the_csv_catalogue_gives_them_too(tmp_path):
    path = tmp_path / "editions.csv"
    path.write_text("designation,authority,drafters,scope\n"
                    "GB/T 99012-2020,国家标准委,甲研究院; 乙中心,范围。\n", encoding="utf-8")
    db = tmp_path / "kb.db"
    summary = load(db, path)
    assert summary.failed == 0 and not summary.warnings
    row = queries.edition(sqlite3.connect(db), "GB/T 99012-2020")
    assert (row["authority"], row["drafters"], row["scope"]) == (
        "国家标准委", ["甲研究院", "乙中心"], "范围。")


def test_sources_that_disagree_on_drafters_keep_both_and_the_curated_wins(catalogue_db):
    store = Store(catalogue_db)
    store.load([Document("samr.html", "s", "samr", lambda: iter([
        Edition("GB/T 99011-2021", drafters=("中国标准化研究院",), authority="国家标准委",
                scope="另一种措辞。")]))])
    why = facts.explain(store.conn, "GB/T 99011-2021")
    assert why["drafters"]["conflict"] and why["authority"]["conflict"]
    assert not why["scope"]["conflict"]  # a scope worded another way is no conflict
    row = queries.edition(store.conn, "GB/T 99011-2021")
    assert row["authority"] == "国家标准化管理委员会" and len(row["drafters"]) == 2
    store.close()


# --- the real sources ------------------------------------------------------------------------


def test_relaton_abstract_is_the_scope_english_first(tmp_path):
    db = tmp_path / "kb.db"
    summary = load(db, corpus("relaton", "focus", "iso", "iso-10011-1-1990.yaml"),
                   corpus("relaton", "focus", "iso", "iso-14010-1996.yaml"),
                   FIXTURES / "relaton")
    assert summary.failed == 0, summary.errors
    conn = sqlite3.connect(db)
    scope = dict(conn.execute("select id, scope from editions where scope is not null"))
    assert scope["ISO 10011-1:1990"].startswith("Establishes basic audit principles")
    # no English abstract: the one there is (in French, a language of the record)
    assert scope["ISO 14010:1996"].startswith("La présente Norme internationale établit")
    # HTML paragraphs become lines; English before the French listed first
    assert scope["ISO 5801:2017"] == ("This document specifies procedures for testing fans.\n"
                                      "It applies to fans of every kind.")
    assert scope["ISO 5802:2001"] == "Seulement en français."


def test_iso_open_data_scope_and_samr_authority(tmp_path):
    db = tmp_path / "kb.db"
    summary = load(db, corpus("iso-open-data", "62085.json"),
                   corpus("relaton", "focus", "iso", "iso-9001-2015.yaml"),
                   corpus("gb-catalogue", "relaton-gb-vcr-cassettes"))
    assert summary.failed == 0, summary.errors
    conn = sqlite3.connect(db)
    iso = queries.edition(conn, "ISO 9001:2015")
    lines = iso["scope"].splitlines()
    assert lines[0] == ("ISO 9001:2015 specifies requirements for a quality management system "
                        "when an organization:")
    assert lines[1].startswith("a) needs to demonstrate") and "<p>" not in iso["scope"]
    assert "scope" not in (conn.execute("select conflicts from editions where id = ?",
                                        ("ISO 9001:2015",)).fetchone()[0] or "")
    authority = dict(conn.execute("select id, authority from editions where id like 'GB/T%'"))
    assert authority["GB/T 20223-2006"] == "市场监管总局"
    assert authority["GB/T 5606.1-2004"] == "国家烟草局"
    assert authority["GB/T 1.1-2020"] == "国家标准委"


# --- a revision under way ----------------------------------------------------------------------


def _revision_of(conn: sqlite3.Connection, work: str, edition: str) -> dict:
    return {e["designation"]: e for e in queries.history(conn, work)["editions"]}[edition]


def test_the_draft_a_published_record_names_will_replace_it(tmp_path):
    """ISO 5801:2017 "obsoletes ISO/AWI 5801" (a fixture shaped as Relaton's record): the
    draft replaces the edition, at the stage its prefix implies, and is its revision."""
    db = tmp_path / "kb.db"
    assert load(db, FIXTURES / "relaton").failed == 0
    conn = sqlite3.connect(db)
    edition = _revision_of(conn, "ISO 5801", "ISO 5801:2017")
    assert edition["revised_as"] == ["ISO/AWI 5801"]
    assert edition["replaced_by"] == [] and edition["status"] == "current"
    draft = queries.edition(conn, "ISO/AWI 5801")
    assert (draft["stage"], draft["status"]) == ("20.00", "draft")
    assert draft["provenance"]["stage"]["from"] == "rule: the stage its prefix AWI implies"
    assert conn.execute("select subject, type, object from relations where subject like "
                        "'ISO/AWI%'").fetchall() == [("ISO/AWI 5801", "replaces",
                                                      "ISO 5801:2017")]
    # what the record replaced is still what it replaced
    assert conn.execute("select subject from relations where object = 'ISO 5801:2007'"
                        ).fetchall() == [("ISO 5801:2017",)]
    # the relation's own stage, where the record gives one, is the draft's
    assert queries.edition(conn, "ISO/CD 5802")["stage"] == "30.60"
    assert _revision_of(conn, "ISO 5802", "ISO 5802:2001")["revised_as"] == ["ISO/CD 5802"]


def _real_record(name: str) -> bytes:
    """A record of relaton-data-iso from focus/ or the bulk archive, or skip."""
    focus = corpus("relaton", "focus", "iso") / name
    if focus.exists():
        return focus.read_bytes()
    with tarfile.open(corpus("relaton", "bulk", "relaton-data-iso-bulk.tar.xz"), "r:xz") as tar:
        for member in tar:
            if member.name.endswith("/" + name):
                return tar.extractfile(member).read()
    pytest.skip(f"{name} is not in the shared corpus (held back, or absent)")


@pytest.mark.parametrize(("name", "edition", "draft", "stage"), [
    ("iso-5801-2017.yaml", "ISO 5801:2017", "ISO/AWI 5801", "20.00"),
    ("iso-45001-2018.yaml", "ISO 45001:2018", "ISO/AWI 45001", "20.00"),
])
def test_the_real_records_revision_under_way(tmp_path, name, edition, draft, stage):
    record = tmp_path / name
    record.write_bytes(_real_record(name))
    db = tmp_path / "kb.db"
    assert load(db, record).failed == 0
    conn = sqlite3.connect(db)
    work = edition.split(":")[0]
    assert draft in _revision_of(conn, work, edition)["revised_as"]
    assert queries.edition(conn, draft)["stage"] == stage


def test_the_drafts_own_record_gives_its_stage(tmp_path):
    """ISO 10012:2003's record names ISO/DIS 10012, which has a record of its own: that
    record's stage, not the one the prefix implies."""
    db = tmp_path / "kb.db"
    assert load(db, corpus("relaton", "focus", "iso", "iso-10012-2003.yaml"),
                corpus("relaton", "focus", "iso", "iso-dis-10012.yaml")).failed == 0
    conn = sqlite3.connect(db)
    own = conn.execute("select stage from editions where id = 'ISO/DIS 10012'").fetchone()[0]
    assert own != "40.00" and own.startswith("40.")
    assert _revision_of(conn, "ISO 10012", "ISO 10012:2003")["revised_as"] == ["ISO/DIS 10012"]


def test_a_draft_no_source_names_any_more_is_gone(tmp_path):
    """A newer version of the record names the next stage of the project: the earlier draft,
    with no claim and no text left, is no edition any more."""
    path = tmp_path / "iso-5801-2017.yaml"
    original = (FIXTURES / "relaton" / "iso-5801-2017.yaml").read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    db = tmp_path / "kb.db"
    assert load(db, path).loaded == 1
    path.write_text(original.replace("ISO/AWI 5801", "ISO/CD 5801"), encoding="utf-8")
    assert load(db, path).loaded == 1
    conn = sqlite3.connect(db)
    drafts = [r[0] for r in conn.execute("select id from editions where draft_stage is not null")]
    assert drafts == ["ISO/CD 5801"]
    assert _revision_of(conn, "ISO 5801", "ISO 5801:2017")["revised_as"] == ["ISO/CD 5801"]


# --- an existing database ----------------------------------------------------------------------


def test_a_schema_5_database_gains_the_columns_and_loads_alike(tmp_path):
    """A database written before the three columns: opening it for writing adds them (and
    only that: the facts stay); loading data/ again fills them and gives the facts of a fresh
    build; loading it once more changes nothing; a failed load leaves it byte-identical."""
    data = ROOT / "data" / "catalogue"
    fresh = tmp_path / "fresh.db"
    assert load(fresh, data).failed == 0
    old = tmp_path / "old.db"
    assert load(old, data).failed == 0
    conn = sqlite3.connect(old)  # as schema 5 left it
    conn.execute("update editions set authority = null, drafters = null, scope = null")
    conn.execute("delete from claims where property in ('authority', 'drafters', 'scope')")
    before = facts.snapshot(conn)  # what it knew
    for column in ("authority", "drafters", "scope"):
        conn.execute(f"alter table editions drop column {column}")
    conn.execute("update kb_meta set value = '5' where key = 'schema_version'")
    conn.execute("update sources set loader_version = 1")  # read by the catalogue loader 1
    conn.commit()
    conn.close()
    store = Store(old)
    assert {"authority", "drafters", "scope"} <= set(store.db["editions"].columns_dict)
    assert store.conn.execute("select value from kb_meta where key = 'schema_version'"
                              ).fetchone() == (str(SCHEMA_VERSION),)
    store.close()
    conn = sqlite3.connect(old)
    assert facts.snapshot(conn) == before  # the columns, empty: nothing else changed
    conn.close()
    assert load(old, data).loaded > 0  # a newer catalogue loader reads every file again
    assert facts.snapshot(sqlite3.connect(old)) == facts.snapshot(sqlite3.connect(fresh))
    digest = dump_digest(old)
    assert load(old, data).loaded == 0
    assert dump_digest(old) == digest
    summary = load(old, FIXTURES / "bad" / "unknown-stage.yaml")
    assert summary.failed == 1 and dump_digest(old) == digest

