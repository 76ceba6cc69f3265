"""Claims, then facts: each source's claims kept, the rules of kb.catalogue.facts, load order."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.catalogue import facts, queries
from kb.catalogue.model import Document, Edition, Provenance, Relation, StageEvent
from kb.catalogue.store import Store
from loaders import documents_for
from tests.conftest import ROOT, corpus


def _document(name: str, records: list, loader: str = "relaton") -> Document:
    digest = hashlib.sha256(repr((name, records)).encode()).hexdigest()
    return Document(name=name, sha256=digest, loader=loader, records=lambda: iter(records))


def _row(conn, edition: str, *columns: str) -> tuple:
    return conn.execute(f"select {', '.join(columns)} from editions where id = ?",
                        (edition,)).fetchone()


def test_curated_first_and_a_precise_date_refines_it(tmp_path):
    store = Store(tmp_path / "kb.db")
    store.load([
        _document("iso.yaml", [Provenance("ISO", "2025-06-02"),
                               Edition("ISO 19011:2018", published="2018-07-03",
                                       titles={"en": "Guidelines for auditing (ISO)"})]),
        _document("data/iso-19011.yaml", [Edition("ISO 19011:2018", published="2018-07",
                                                  titles={"en": "Guidelines for auditing"})],
                  loader="catalogue"),
    ])
    conn = store.conn
    assert _row(conn, "ISO 19011:2018", "published", "title_en", "conflicts") == (
        "2018-07-03", "Guidelines for auditing", "title_en")
    why = facts.explain(conn, "ISO 19011:2018")
    assert why["published"]["from"].startswith("data/") and not why["published"]["conflict"]
    assert [c["value"] for c in why["published"]["claims"]] == ["2018-07", "2018-07-03"]
    assert why["title_en"]["conflict"]
    # the claims stay: nothing one source said was overwritten by the other
    assert conn.execute("select count(*) from claims where subject = 'ISO 19011:2018' and "
                        "property = 'published'").fetchone() == (2,)


def test_disagreeing_dates_keep_both_and_the_own_record_wins(tmp_path):
    store = Store(tmp_path / "kb.db")
    store.load([
        _document("iec.yaml", [Provenance("IEC", "2026-03-15"),
                               Edition("IEC 61000-4-2:2008", published="2008-12-09")]),
        _document("iso.yaml", [Provenance("ISO", "2025-06-02"),
                               Edition("IEC 61000-4-2:2008", published="2009-01")]),
    ])
    why = facts.explain(store.conn, "IEC 61000-4-2:2008")["published"]
    assert why["value"] == "2008-12-09" and why["conflict"]
    assert [(c["value"], c["tier"]) for c in why["claims"]] == [
        ("2008-12-09", "own record"), ("2009-01", "other catalogue")]


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_the_newest_observation_of_a_stage_wins(tmp_path, order):
    older = _document("a/iso-9001.yaml", [Provenance("ISO", "2024-01-18"),
                                          Edition("ISO 9001:2015", stage="90.93")])
    newer = _document("b/iso-9001.yaml", [Provenance("ISO", "2025-06-02"),
                                          Edition("ISO 9001:2015", stage="90.92")])
    store = Store(tmp_path / "kb.db")
    for i in order:
        store.load([(older, newer)[i]])
    assert _row(store.conn, "ISO 9001:2015", "stage", "status") == ("90.92", "current")


def test_replaced_by_a_published_edition_and_back_when_the_claim_goes(tmp_path):
    store = Store(tmp_path / "kb.db")
    store.load([_document("old.yaml", [Provenance("ISO"), Edition("ISO 1:2001", stage="95.99")]),
                _document("draft.yaml", [Edition("ISO/DIS 1", stage="40.20"),
                                         Relation("ISO/DIS 1", "replaces", "ISO 1:2001")])])
    assert _row(store.conn, "ISO 1:2001", "status") == ("withdrawn",)  # a draft replaces nothing
    store.load([_document("new.yaml", [Edition("ISO 1:2010", stage="60.60"),
                                       Relation("ISO 1:2010", "replaces", "ISO 1:2001")])])
    assert _row(store.conn, "ISO 1:2001", "status") == ("replaced",)
    # a new version of new.yaml no longer says so: its old claims go, the status follows
    store.load([_document("new.yaml", [Edition("ISO 1:2010", stage="60.60")])])
    assert _row(store.conn, "ISO 1:2001", "status") == ("withdrawn",)
    assert store.conn.execute("select count(*) from sources where superseded_by is not null"
                              ).fetchone() == (1,)


def test_observed_stages_give_way_to_dated_ones(tmp_path):
    from kb.catalogue.model import OBSERVED_NOTE

    store = Store(tmp_path / "kb.db")
    store.load([_document("seen.yaml", [
        StageEvent("ISO/DIS 19011", "40.20", "2025-04-04", OBSERVED_NOTE),
        StageEvent("ISO/DIS 19011", "40.60", "2025-06-01", OBSERVED_NOTE)]),
        _document("dated.yaml", [StageEvent("ISO/DIS 19011", "40.20", "2025-03-21")])])
    events = store.conn.execute("select code, date from stage_events where edition_id = ? "
                                "order by date", ("ISO/DIS 19011",)).fetchall()
    assert events == [("40.20", "2025-03-21"), ("40.60", "2025-06-01")]


# --- load order ------------------------------------------------------------------------------


def _sources() -> list[Path]:
    """A small real set of sources that disagree: the curated ISO 19011 line, ISO's and
    IEC's Relaton records and earlier versions of them, ISO Open Data, the GB catalogue."""
    relaton = corpus("relaton")
    picked = [ROOT / "data" / "catalogue" / "iso-19011.yaml",
              ROOT / "data" / "catalogue" / "iso-iec-17021.yaml",
              relaton / "focus" / "iso" / "iso-19011-2018.yaml",
              relaton / "focus" / "iso" / "iso-19011-2011.yaml",
              relaton / "focus" / "iso" / "iso-dis-19011.yaml",
              relaton / "focus" / "iec" / "iso_iec_17021-1_2015.yaml"]
    picked += sorted((relaton / "focus-history" / "iso-19011-2018").glob("*.yaml"))[:3]
    picked += sorted((relaton / "focus-history" / "iso-dis-19011").glob("*.yaml"))[:2]
    return [p for p in picked if p.exists()]


@pytest.fixture(scope="module")
def in_order(tmp_path_factory):
    sources = _sources()
    db = tmp_path_factory.mktemp("order") / "kb.db"
    store = Store(db)
    for path in sources:
        assert store.load(documents_for([path])).failed == 0, path
    dump = facts.snapshot(store.conn)
    store.close()
    return sources, dump


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_load_order_gives_the_same_facts(in_order, tmp_path_factory, data):
    sources, expected = in_order
    order = data.draw(st.permutations(sources))
    together = data.draw(st.booleans())  # one load of every file, or one load per file
    db = tmp_path_factory.mktemp("perm") / "kb.db"
    store = Store(db)
    if together:
        store.load(documents_for(order))
    else:
        for path in order:
            store.load(documents_for([path]))
    assert facts.snapshot(store.conn) == expected
    store.close()
    shutil.rmtree(db.parent)


def test_history_of_the_line_is_what_the_rules_say(in_order, tmp_path):
    sources, _ = in_order
    store = Store(tmp_path / "kb.db")
    store.load(documents_for(sources))
    h = queries.history(store.conn, "ISO 19011")
    by_id = {e["designation"]: e for e in h["editions"]}
    assert by_id["ISO 19011:2011"]["status"] == "replaced"
    assert by_id["ISO 19011:2018"]["published"] == "2018-07"
    # data/ and ISO's record agree; the history says where the date comes from
    assert by_id["ISO 19011:2018"]["provenance"]["published"]["from"].startswith("data/")
    assert by_id["ISO 19011:2018"]["provenance"]["published"]["tier"] == "curated"


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])
def test_an_undated_record_is_the_dated_edition_it_describes(tmp_path, order):
    """The crawler's record of ISO 20121 before its year was known (same page as ISO
    20121:2024) is that edition: one edition, its claims merged, relations to it redirected."""
    docs = [
        _document("iso-20121.yaml", [
            Provenance("ISO", "2024-03-29"),
            Edition("ISO 20121", stage="60.00", published="2024-04",
                    url="https://www.iso.org/standard/86389.html"),
            Relation("ISO 20121", "replaces", "ISO 20121:2012")]),
        _document("iso-20121-2024.yaml", [
            Provenance("ISO", "2025-06-02"),
            Edition("ISO 20121:2024", stage="60.60", published="2024-04-23",
                    url="https://www.iso.org/standard/86389.html"),
            Relation("ISO 20121:2024", "replaces", "ISO 20121:2012")]),
        _document("iso-20121-2012.yaml", [
            Provenance("ISO", "2024-01-18"), Edition("ISO 20121:2012", stage="95.99"),
            Relation("ISO 20121", "replaces", "ISO 20121:2012")]),
    ]
    store = Store(tmp_path / "kb.db")
    for i in order:
        store.load([docs[i]])
    conn = store.conn
    assert conn.execute("select id from editions where work_id = 'ISO 20121' order by id"
                        ).fetchall() == [("ISO 20121:2012",), ("ISO 20121:2024",)]
    assert _row(conn, "ISO 20121:2024", "stage", "published") == ("60.60", "2024-04-23")
    assert conn.execute("select subject from relations where object = 'ISO 20121:2012'"
                        ).fetchall() == [("ISO 20121:2024",)]
    assert _row(conn, "ISO 20121:2012", "status") == ("replaced",)
    assert conn.execute("select alias, edition from aliases").fetchall() == [
        ("ISO 20121", "ISO 20121:2024")]
    # a later record of the alias (a crawler's older copy) leaves no edition row behind
    store.load([_document("iso-20121-seen.yaml", [
        Provenance("ISO", "2024-02-24"),
        Edition("ISO 20121", stage="60.00", published="2024-03")])])
    assert conn.execute("select id from editions where work_id = 'ISO 20121' order by id"
                        ).fetchall() == [("ISO 20121:2012",), ("ISO 20121:2024",)]


def test_a_shared_key_with_a_contradicting_year_is_not_the_same_edition(tmp_path):
    """SAMR-style records whose "project id" is the bare designation: the undated record
    published in 2009 is not JB/T 13368-2018, whatever key they share."""
    store = Store(tmp_path / "kb.db")
    store.load([_document("jbt.yaml", [
        Provenance("SAMR"),
        Edition("JB/T 13368", published="2009-01-01", project_id="JB/T 13368"),
        Edition("JB/T 13368-2018", published="2018-02-09", project_id="JB/T 13368")])])
    conn = store.conn
    assert conn.execute("select count(*) from aliases").fetchone() == (0,)
    assert _row(conn, "JB/T 13368-2018", "published") == ("2018-02-09",)


def test_an_undated_supplement_takes_the_year_of_its_date(tmp_path):
    store = Store(tmp_path / "kb.db")
    store.load([_document("amd.yaml", [Provenance("ISO"),
                                       Edition("ISO 9001:2015/Amd 1", published="2024-02")]),
                _document("amd-2024.yaml", [Provenance("ISO"),
                                            Edition("ISO 9001:2015/Amd 1:2024",
                                                    published="2024-02")])])
    ids = [r[0] for r in store.conn.execute(
        "select id from editions where id like 'ISO 9001:2015/Amd%'")]
    assert ids == ["ISO 9001:2015/Amd 1:2024"]


def test_doctor_finds_what_breaks_the_rules(tmp_path):
    from click.testing import CliRunner

    from kb.cli import main

    store = Store(tmp_path / "kb.db")
    store.load([_document("bad.yaml", [
        Edition("ISO 2:2001", stage="60.60", published="2003-05"),
        Edition("ISO 3:2001", stage="60.60"), Edition("ISO 3:2005", stage="60.60"),
        Edition("ISO 3:2010", stage="60.60"),
        Relation("ISO 3:2001", "replaces", "ISO 3:2005"),  # a longer cycle: reported
        Relation("ISO 3:2005", "replaces", "ISO 3:2010"),
        Relation("ISO 3:2010", "replaces", "ISO 3:2001"),
        Relation("ISO 4:2010", "amends", "ISO 4:2009"),
        # an undated record nothing tells apart from the published edition: reported
        Edition("ISO 5", stage="60.00"), Edition("ISO 5:2010", stage="60.60"),
        # the next edition before its year is known, with its own page: not a duplicate
        Edition("ISO 6", stage="60.00", published="2025-05",
                url="https://www.iso.org/standard/6002.html"),
        Edition("ISO 6:2010", stage="60.60", url="https://www.iso.org/standard/6001.html")])])
    store.close()
    result = CliRunner().invoke(main, ["doctor", "--db", str(tmp_path / "kb.db"), "--json"])
    found = {f["check"]: f for f in __import__("json").loads(result.output)}
    assert found["dated-outside-year"]["examples"] == ["ISO 2:2001 published 2003-05"]
    assert found["replacement-cycle"]["count"] == 1
    assert found["relation-to-nothing"]["examples"] == ["ISO 4:2010 amends ISO 4:2009"]
    assert found["undated-duplicate"]["examples"] == ["ISO 5 beside ISO 5:2010"]
    strict = CliRunner().invoke(main, ["doctor", "--db", str(tmp_path / "kb.db"), "--strict"])
    assert strict.exit_code == 1 and "findings against the catalogue's rules" in strict.output


def test_show_and_the_history_page_say_where_facts_come_from(tmp_path):
    import json

    from click.testing import CliRunner

    from kb.cli import main

    db = tmp_path / "kb.db"
    store = Store(db)
    store.load(documents_for([ROOT / "data" / "catalogue" / "iso-iec-17021.yaml",
                              corpus("relaton", "focus", "iso", "iso-iec-17021-2006.yaml")]))
    store.close()
    text = CliRunner().invoke(main, ["show", "--db", str(db), "ISO/IEC 17021:2006"]).output
    line = next(x for x in text.splitlines() if x.strip().startswith("published"))
    assert "2006-08-31 — data/ iso-iec-17021.yaml" in line
    assert "≠ 2006-09 (ISO iso-iec-17021-2006.yaml)" in line
    shown = json.loads(CliRunner().invoke(main, ["show", "--db", str(db), "--json",
                                                 "ISO/IEC 17021:2006"]).output)
    assert shown["provenance"]["published"]["conflict"] is True
    history = CliRunner().invoke(main, ["history", "--db", str(db), "ISO/IEC 17021"]).output
    assert "≠ published: 2006-08-31 — data/ iso-iec-17021.yaml" in history
    assert "≠ status" not in history  # ISO's "withdrawn" is the knowledge base's "replaced"
    # the publication event follows the publication date
    assert "2006-08-31  60.60" in history and "2006-09  60.60" not in history


@pytest.mark.asyncio
async def test_the_history_page_marks_conflicts(tmp_path):
    from datasette.app import Datasette

    db = tmp_path / "kb.db"
    store = Store(db)
    store.load(documents_for([ROOT / "data" / "catalogue" / "iso-iec-17021.yaml",
                              corpus("relaton", "focus", "iso", "iso-iec-17021-2006.yaml")]))
    store.close()
    ds = Datasette([str(db)], metadata={})
    page = await ds.client.get("/-/standards/ISO%2FIEC%2017021")
    assert page.status_code == 200
    # the fact shown carries a mark where sources disagree, the other value in its tooltip;
    # every source is one click away, in the edition's "where these facts come from"
    assert '<span class="kb-conflict" translate="no" title="2006-09 — ISO' in page.text
    assert '<details class="kb-why">' in page.text and "data/ iso-iec-17021.yaml" in page.text
    assert '<tr class="disagrees">' in page.text


def test_nonsense_replacements_are_dropped_and_cycles_refused(tmp_path):
    from click.testing import CliRunner

    from kb.cli import main

    db = tmp_path / "kb.db"
    store = Store(db)
    summary = store.load([_document("odd.yaml", [
        Edition("IEC 60601-2-31:2020", stage="60.60"),
        Relation("IEC 60601-2-31:2020", "replaces", "IEC/DIS 80601-2-31"),  # its own draft
        Relation("ISO 14001:2015/Amd 1:2024", "replaces", "ISO 14001:2015/CD Amd 2"),
        Relation("ISO 5:2001", "replaces", "ISO 5:2005"),
        Relation("ISO 5:2005", "replaces", "ISO 5:2001"),
        Relation("ISO 6:2010", "replaces", "ISO 6:2001")])])
    assert store.conn.execute("select subject, object from relations where type = 'replaces'"
                              ).fetchall() == [("ISO 6:2010", "ISO 6:2001")]
    assert summary.warnings == ["replacement cycle refused (each claims to replace the other): "
                                "ISO 5:2001 ↔ ISO 5:2005"]
    store.close()
    doctor = CliRunner().invoke(main, ["doctor", "--db", str(db)]).output
    assert "3  dropped-relation" in doctor and "ISO 5:2001 ↔ ISO 5:2005 (a cycle" in doctor


def test_a_date_left_out_on_purpose_stays_out(tmp_path):
    """data/ leaves ISO/IEC 17021:2006's withdrawal date out (IEC's 2012-01-31 is a year after
    its replacement): IEC's record does not bring it back, and the conflict shows."""
    db = tmp_path / "kb.db"
    store = Store(db)
    store.load(documents_for([ROOT / "data" / "catalogue" / "iso-iec-17021.yaml"]))
    store.load([_document("iec/iso_iec_17021_2006.yaml", [
        Provenance("IEC", "2026-03-15"),
        Edition("ISO/IEC 17021:2006", withdrawn="2012-01-31", published="2006-08-31")])])
    assert _row(store.conn, "ISO/IEC 17021:2006", "withdrawn", "published") == (
        None, "2006-08-31")
    assert store.conn.execute("select count(*) from stage_events where edition_id = ? and "
                              "code = '95.99' and date != ''", ("ISO/IEC 17021:2006",)
                              ).fetchone() == (0,)
    why = facts.explain(store.conn, "ISO/IEC 17021:2006")["withdrawn"]
    assert why["withheld"] and why["from"].startswith("data/")
    from kb.render import provenance_line
    assert provenance_line(why).startswith("(left out on purpose) — data/ iso-iec-17021.yaml")
    assert "≠ 2012-01-31 (IEC iso_iec_17021_2006.yaml (2026-03-15))" in provenance_line(why)


def test_the_embedded_catalogue_keeps_the_rules(tmp_path):
    """data/ as built: no edition published twice (a 发布 event and a published date are one
    step), nothing current that a published edition replaces, no cycles, no conflicts within."""
    from click.testing import CliRunner

    from kb.catalogue import doctor
    from kb.cli import main

    db = tmp_path / "kb.db"
    assert CliRunner().invoke(main, ["build", "--db", str(db), "-q"]).exit_code == 0
    found = {f.name: f for f in doctor.run(sqlite3.connect(db))}
    for name in ("published-twice", "current-but-replaced", "replacement-cycle",
                 "undated-duplicate", "dated-outside-year", "conflicting-sources"):
        assert found[name].count == 0, (name, found[name].examples)
    events = sqlite3.connect(db).execute(
        "select code, date from stage_events where edition_id = 'CNAS-CC121:2017' and "
        "code in ('发布', '60.60')").fetchall()
    assert events == [("发布", "2017-04-15")]


def test_a_database_of_an_earlier_schema(tmp_path):
    """Read commands work on a schema-4 database (no claims yet); doctor says what to do; a
    load brings it up, its facts becoming claims of the sources that wrote them."""
    from click.testing import CliRunner

    from kb.cli import main

    db = tmp_path / "kb.db"
    store = Store(db)
    store.load([_document("a.yaml", [Provenance("ISO"), Edition("ISO 1:2001", stage="95.99",
                                                                 published="2001-05")])])
    store.close()
    conn = sqlite3.connect(db)  # as schema 4 left it: facts only
    for table in ("claims", "aliases", "changes"):
        conn.execute(f"drop table {table}")
    conn.commit()
    conn.close()
    runner = CliRunner()
    shown = runner.invoke(main, ["show", "--db", str(db), "ISO 1:2001"])
    assert shown.exit_code == 0 and "published 2001-05" in shown.output
    doctor = runner.invoke(main, ["doctor", "--db", str(db)])
    assert doctor.exit_code == 1 and "earlier version of kb" in doctor.output
    assert "Traceback" not in doctor.output
    store = Store(db)  # opening for writing brings it up
    assert store.conn.execute("select count(*) from claims where subject = 'ISO 1:2001'"
                              ).fetchone()[0] >= 2
    store.load([_document("b.yaml", [Provenance("ISO", "2030-01-01"),
                                     Edition("ISO 1:2001", stage="95.99")])])
    assert _row(store.conn, "ISO 1:2001", "published", "status") == ("2001-05", "withdrawn")
