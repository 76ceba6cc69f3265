"""Loaders over the real shared corpus (skipped with a reason when it is absent)."""

from __future__ import annotations

import io
import sqlite3
import tarfile

import pytest

from kb.catalogue import queries
from loaders import LOADERS, detect, documents_for
from tests.conftest import FIXTURES, corpus, dump_digest, load


def test_detection_picks_the_loader_from_the_file():
    assert detect(FIXTURES / "mini.yaml").NAME == "catalogue"
    assert detect(corpus("relaton", "focus", "iso", "iso-19011-2018.yaml")).NAME == "relaton"
    assert detect(corpus("gb-catalogue", "relaton-gb-examples", "gbt_20223_2006.xml")).NAME \
        == "relaton"
    assert detect(corpus("gb-catalogue", "relaton-gb-vcr-cassettes", "gb_t_1_1.yml")).NAME \
        == "samr"
    assert detect(corpus("iso-open-data", "62085.json")).NAME == "iso-open-data"
    assert detect(corpus("iso-open-data", "ICS-simple.xml")).NAME == "iso-open-data"
    assert detect(corpus("sts", "rice-en.final.sts.xml")).NAME == "sts"
    assert set(LOADERS) == {"catalogue", "relaton", "samr", "iso-open-data", "sts", "text",
                            "bulletin"}


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("corpus") / "kb.db"
    summary = load(db, corpus("relaton", "focus"), corpus("relaton", "focus-history"),
                   corpus("gb-catalogue"), corpus("iso-open-data"))
    assert summary.failed == 0, summary.errors
    return db


def test_relaton_history_of_iso_19011(corpus_db):
    conn = sqlite3.connect(corpus_db)
    h = queries.history(conn, "ISO 19011")
    editions = [e["designation"] for e in h["editions"]]
    assert editions[:3] == ["ISO 19011:2002", "ISO 19011:2011", "ISO 19011:2018"]
    assert "ISO/DIS 19011" in editions
    replaced = {r["object"] for r in h["predecessors"]}
    assert replaced == {"ISO 10011-1:1990", "ISO 10011-2:1991", "ISO 10011-3:1991",
                        "ISO 14010:1996", "ISO 14011:1996", "ISO 14012:1996"}
    by_id = {e["designation"]: e for e in h["editions"]}
    assert by_id["ISO 19011:2002"]["replaced_by"] == ["ISO 19011:2011"]
    assert by_id["ISO 19011:2011"]["replaced_by"] == ["ISO 19011:2018"]
    # ISO's record says withdrawn (95.99); a published edition replaced it: the catalogue's
    # "withdrawn, replaced by" is the knowledge base's "replaced"
    assert by_id["ISO 19011:2002"]["status"] == "replaced"
    assert by_id["ISO 19011:2002"]["stage"] == "95.99"
    assert by_id["ISO/DIS 19011"]["status"] == "draft"
    # the current draft was seen at 40.00 then at 40.20 (focus-history versions)
    codes = [(ev["code"], ev["date"]) for ev in by_id["ISO/DIS 19011"]["events"]]
    assert ("40.00", "2025-01-16") in codes and ("40.20", "2025-03-21") in codes


def test_relaton_stage_moves_are_events(corpus_db):
    conn = sqlite3.connect(corpus_db)
    events = conn.execute("select code from stage_events where edition_id = ? order by date",
                          ("ISO 14001:2015/DAmd 2",)).fetchall()
    assert [e[0] for e in events] == ["40.00", "40.20", "40.60"]


def test_relaton_iec_records_and_committees(corpus_db):
    conn = sqlite3.connect(corpus_db)
    row = conn.execute("select status, published, committee, withdrawn from editions "
                       "where id = 'ISO/IEC 17021:2006'").fetchone()
    assert row[0] in ("replaced", "withdrawn") and row[1].startswith("2006-0")
    assert row[3] == "2012-01-31"
    assert conn.execute("select title from committees where reference = 'ISO/TC 176/SC 2'"
                        ).fetchone()[0] == "Quality systems"


def test_gb_records_and_samr_pages(corpus_db):
    conn = sqlite3.connect(corpus_db)
    row = conn.execute("select title_zh, title_en, status, published, effective, ccs "
                       "from editions where id = 'GB/T 5606.1-2004'").fetchone()
    assert row[0].startswith("卷烟") and row[1].startswith("Cigarettes")
    assert row[2] == "current" and row[3] == "2004-12-14" and row[4] == "2005-03-01"
    assert conn.execute("select 1 from relations where subject = 'GB/T 5606.1-2004' and "
                        "type = 'replaces' and object = 'GB/T 5606.1-1996'").fetchone()
    statuses = dict(conn.execute(
        "select id, status from editions where work_id = 'GB/T 1.1'").fetchall())
    assert statuses["GB/T 1.1-2020"] == "current" and statuses["GB/T 1.1-2009"] == "withdrawn"
    assert conn.execute("select status from editions where id = 'GB/T 20223-2006'"
                        ).fetchone() == ("withdrawn",)


def test_iso_open_data_links_ics_and_committees(corpus_db):
    conn = sqlite3.connect(corpus_db)
    row = conn.execute("""select e.edition, e.published, e.stage, c.title from editions e
        join committees c on c.reference = e.committee where e.id = 'ISO 9001:2015'""").fetchone()
    assert row == ("5", "2015-09-22", "90.92", "Quality systems")
    titles = conn.execute("""select i.title_en from edition_ics x join ics i
        on i.code = x.ics_code where x.edition_id = 'ISO 9001:2015' order by i.code""").fetchall()
    assert titles and all(t[0] for t in titles)
    assert conn.execute("select count(*) from committees").fetchone()[0] >= 785
    assert conn.execute("select count(*) from ics").fetchone()[0] > 1000


def test_archives_are_read_without_unpacking(tmp_path):
    focus = corpus("relaton", "focus", "iso")
    archive = tmp_path / "records.tar.xz"
    with tarfile.open(archive, "w:xz") as tar:
        for path in sorted(focus.glob("iso-19011-*.yaml")):
            tar.add(path, arcname=f"data/{path.name}")
        bad = b"docid: [unclosed\n"
        info = tarfile.TarInfo("data/broken.yaml")
        info.size = len(bad)
        tar.addfile(info, io.BytesIO(bad))
    documents = list(documents_for([archive]))
    assert len(documents) == 4
    assert all("!data/" in d.name for d in documents)
    db = tmp_path / "kb.db"
    summary = load(db, archive)
    assert (summary.loaded, summary.failed) == (3, 1)
    assert "broken.yaml" in summary.errors[0] and "malformed YAML" in summary.errors[0]
    before = dump_digest(db)
    assert load(db, archive).unchanged == 3
    assert dump_digest(db) == before


def test_a_white_paper_is_skipped_with_its_reason_not_failed(tmp_path):
    """IEC publishes white papers and reports beside its standards; they are not kept, and a
    load that meets them succeeds and says how many it skipped and why."""
    from click.testing import CliRunner

    from kb.cli import main

    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "iec_wp_iot_2016.yaml").write_text(
        "schema-version: v1.2.9\nid: IECWPIoT2016\ndocid:\n- id: IEC White Paper IoT "
        "Platform:2016\n  type: IEC\n  primary: true\n", encoding="utf-8")
    (folder / "iec_ca_01_2016.yaml").write_text(
        "schema-version: v1.2.9\nid: IECCA012016\ndocid:\n- id: IEC CA 01:2016\n"
        "  type: IEC\n  primary: true\ndate:\n- type: published\n  value: '2016-05-12'\n",
        encoding="utf-8")
    result = CliRunner().invoke(main, ["load", "--db", str(tmp_path / "kb.db"), "-q",
                                       str(folder)])
    assert result.exit_code == 0, result.output
    assert "1 loaded, 0 unchanged, 1 skipped, 0 failed" in result.output
    assert "skipped 1 document the knowledge base does not keep: IEC White Paper " \
           "(not a standard) 1" in result.output
    conn = sqlite3.connect(tmp_path / "kb.db")
    assert conn.execute("select published from editions where id = 'IEC CA 01:2016'"
                        ).fetchone() == ("2016-05-12",)


def test_members_already_loaded_are_not_parsed_ahead(tmp_path):
    """An archive's reader parses ahead only the members the store has not loaded; the
    others are parsed when asked, to the same records."""
    focus = corpus("relaton", "focus", "iso")
    archive = tmp_path / "records.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted(focus.glob("iso-19011-*.yaml")):
            tar.add(path, arcname=f"data/{path.name}")
    eager = list(documents_for([archive]))
    hashes = {d.sha256 for d in eager}
    lazy = list(documents_for([archive], known=lambda loader, version: hashes))
    assert [d.sha256 for d in lazy] == [d.sha256 for d in eager]
    for a, b in zip(eager, lazy, strict=True):
        assert list(a.records()) == list(b.records())
    db = tmp_path / "kb.db"
    assert load(db, archive).loaded == len(eager)
    from kb.catalogue.store import Store

    store = Store(db)
    try:
        assert hashes <= store.loaded_hashes("relaton", 1)
    finally:
        store.close()


def test_unknown_files_in_folders_are_skipped_and_named_files_refused(tmp_path):
    from kb.catalogue.model import LoadError

    (tmp_path / "notes.dat").write_text("hello")
    skipped: list[str] = []
    assert list(documents_for([tmp_path], skipped=skipped)) == []
    assert skipped == [str(tmp_path / "notes.dat")]
    with pytest.raises(LoadError, match="no loader for this file"):
        list(documents_for([tmp_path / "notes.dat"]))
    with pytest.raises(LoadError, match="no such file"):
        list(documents_for([tmp_path / "missing.yaml"]))


def test_malformed_relaton_xml_names_the_line(tmp_path):
    bad = tmp_path / "item.xml"
    bad.write_text("<bibdata>\n<title>x</title>\n<docidentifier>GB/T 1-2000\n</bibdata>\n")
    db = tmp_path / "kb.db"
    summary = load(db, bad)
    assert summary.failed == 1 and "line 4" in summary.errors[0]
    assert "malformed XML" in summary.errors[0]


def test_xml_entities_are_not_expanded(tmp_path):
    evil = tmp_path / "evil.xml"
    evil.write_text('<?xml version="1.0"?>\n<!DOCTYPE bibdata [<!ENTITY x SYSTEM '
                    '"file:///etc/passwd">]>\n<bibdata><docidentifier primary="true">'
                    'GB/T 1-2000</docidentifier><title language="en" type="main">&x;</title>'
                    '</bibdata>\n')
    db = tmp_path / "kb.db"
    load(db, evil)
    titles = sqlite3.connect(db).execute("select title_en from editions").fetchall()
    assert all("root:" not in (t[0] or "") for t in titles)


def test_csv_catalogue(tmp_path):
    db = tmp_path / "kb.db"
    summary = load(db, FIXTURES / "editions.csv")
    assert summary.failed == 0 and summary.records == 5
    conn = sqlite3.connect(db)
    assert conn.execute("select degree from relations where subject = 'GB/T 36749-2018' and "
                        "type = 'adopts' and object = 'ISO 37120:2014'").fetchone() == ("IDT",)
    assert conn.execute("select status, effective from editions where id = 'GB/T 36749-2018'"
                        ).fetchone() == ("current", "2019-04-01")


def test_unknown_columns_and_fields_are_skipped_with_one_warning_each(tmp_path):
    """Only a file that cannot be understood is refused: a column or a field outside the
    format is named once per file and skipped; the rest loads."""
    path = tmp_path / "cat.csv"
    path.write_text("designation,colour\nISO 1:2002,blue\nISO 2:2003,red\n")
    summary = load(tmp_path / "kb.db", path)
    assert summary.loaded == 1 and summary.failed == 0
    assert len(summary.warnings) == 1
    assert "cat.csv:1: column 'colour' is not in the catalogue format: skipped" \
        in summary.warnings[0]
    yaml_path = tmp_path / "cat.yaml"
    yaml_path.write_text("works:\n- work: ISO 3\n  colour: blue\n  editions:\n"
                         "  - designation: ISO 3:2004\n    colour: red\n    shape: round\n")
    summary = load(tmp_path / "kb.db", yaml_path)
    assert summary.loaded == 1 and summary.failed == 0
    assert [w.split(":", 1)[1] for w in summary.warnings] == [
        "2: field 'colour' is not in the catalogue format: skipped here and wherever else the "
        "file uses it",
        "5: field 'shape' is not in the catalogue format: skipped here and wherever else the "
        "file uses it"]
    conn = sqlite3.connect(tmp_path / "kb.db")
    assert conn.execute("select count(*) from editions where id in ('ISO 1:2002', "
                        "'ISO 2:2003', 'ISO 3:2004')").fetchone()[0] == 3


def test_a_damaged_archive_keeps_the_members_before_the_damage(tmp_path):
    focus = corpus("relaton", "focus", "iso")
    archive = tmp_path / "records.tar.xz"
    with tarfile.open(archive, "w:xz") as tar:
        for path in sorted(focus.glob("iso-*.yaml"))[:40]:
            tar.add(path, arcname=f"data/{path.name}")
    damaged = tmp_path / "damaged.tar.xz"
    damaged.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    summary = load(tmp_path / "kb.db", damaged)
    assert summary.failed == 1 and "archive damaged after" in summary.errors[-1]
    assert summary.loaded >= 1


def test_an_unreadable_file_in_a_folder_is_reported_and_the_rest_loads(tmp_path):
    """A dangling link (and, when not run as root, a file without read permission) is named
    in one line and counted as failed; the other files of the folder load."""
    import os

    folder = tmp_path / "catalogue"
    folder.mkdir()
    (folder / "a.yaml").write_text((FIXTURES / "mini.yaml").read_text(encoding="utf-8"),
                                   encoding="utf-8")
    (folder / "b.yaml").symlink_to(tmp_path / "gone.yaml")
    unreadable = 1
    if os.geteuid() != 0:
        locked = folder / "c.yaml"
        locked.write_text("works: []\n", encoding="utf-8")
        locked.chmod(0)
        unreadable += 1
    os.mkfifo(folder / "d.yaml")  # a pipe would block a reader for ever: not read at all
    summary = load(tmp_path / "kb.db", folder)
    assert summary.loaded == 1 and summary.failed == unreadable
    assert any(e.startswith(f"{folder / 'b.yaml'}: cannot read the file (No such file")
               for e in summary.errors), summary.errors
