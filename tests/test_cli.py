"""The kb command, run as a user runs it (click's runner over real files)."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from click.testing import CliRunner

from kb.cli import main
from tests.conftest import FIXTURES, ROOT, dump_digest


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def built_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("build") / "kb.db"
    result = run("build", "--db", str(db), "-q")
    assert result.exit_code == 0, result.output
    return db


def test_build_from_data(built_db):
    conn = sqlite3.connect(built_db)
    ids = {r[0] for r in conn.execute("select id from editions")}
    for designation in ("ISO 19011:2002", "ISO 19011:2011", "ISO 19011:2018",
                        "GB/T 19011-2003", "GB/T 19011-2013", "GB/T 19011-2021",
                        "ISO/IEC TS 17021-2:2012", "ISO/IEC TS 17021-4:2013", "ISO 26000:2010",
                        "ISO 37120:2018", "LY/T 2603-2016", "ISO 10011-1:1990",
                        "ISO 14010:1996", "ISO 20121:2012", "ISO/IEC 27001:2013",
                        "ISO/IEC 20000-1:2018", "ISO 9001:2015", "ISO 14001:2015",
                        "ISO 45001:2018", "ISO 50001:2018", "ISO 10012:2003"):
        assert designation in ids, designation
    works = {r[0] for r in conn.execute("select id from works")}
    assert "CNAS-CC121" in works
    sources = conn.execute("select count(*) from editions where record_source is null"
                           ).fetchone()[0]
    assert sources == 0  # every record names its public source


def test_history_text(built_db):
    result = run("history", "--db", str(built_db), "ISO19011：2011")
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("ISO 19011 — Guidelines for auditing management systems")
    for text in ("ISO 10011-1:1990", "ISO 14012:1996", "ISO 19011:2002", "ISO 19011:2018",
                 "replaced by ISO 19011:2011", "GB/T 19011-2013", "IDT", "40.20"):
        assert text in out, text


def test_history_json(built_db):
    result = run("history", "--db", str(built_db), "--json", "iso 19011")
    h = json.loads(result.output)
    assert h["work"]["designation"] == "ISO 19011"
    for e in h["editions"]:
        assert {"designation", "title_en", "published", "status", "events"} <= set(e)
    relations = {(r["subject"], r["type"], r["object"], r["degree"]) for r in h["relations"]}
    assert ("GB/T 19011-2021", "adopts", "ISO 19011:2018", "IDT") in relations
    assert ("ISO 19011:2018", "replaces", "ISO 19011:2011", None) in relations
    drafts = [e for e in h["editions"] if e["designation"] == "ISO 19011:2018"][0]["events"]
    assert {"30.20", "40.20", "60.60"} <= {ev["code"] for ev in drafts}


def test_show_any_spelling(built_db):
    a = run("show", "--db", str(built_db), "--json", "GB/T19011—2013").output
    b = run("show", "--db", str(built_db), "--json", "GB/T 19011-2013").output
    assert a == b and json.loads(a)["designation"] == "GB/T 19011-2013"
    undated = json.loads(run("show", "--db", str(built_db), "--json", "ISO 19011").output)
    assert undated["designation"] == "ISO 19011:2026" and "undated" in undated["note"]


def test_unknown_designation_suggests(built_db):
    result = run("show", "--db", str(built_db), "ISO 19012:2018")
    assert result.exit_code == 1
    assert "not in the knowledge base" in result.output and "ISO 19011" in result.output


def test_not_a_designation(built_db):
    result = run("history", "--db", str(built_db), "ISO/PC 302")
    assert result.exit_code == 1
    assert "committee" in result.output and len(result.output.strip().splitlines()) == 1


def test_db_from_environment(built_db):
    result = run("show", "ISO 26000:2010", env={"KB_DB": str(built_db)})
    assert result.exit_code == 0 and "ISO 26000:2010" in result.output


def test_load_reports_and_exits_nonzero_on_bad_input(tmp_path):
    db = tmp_path / "kb.db"
    assert run("load", "--db", str(db), "-q", str(FIXTURES / "mini.yaml")).exit_code == 0
    before = dump_digest(db)
    result = run("load", "--db", str(db), "-q", str(FIXTURES / "bad" / "unknown-stage.yaml"))
    assert result.exit_code == 1
    assert "unknown-stage.yaml:5: field 'stage': unknown stage code '45.45'" in result.output
    assert "0 loaded, 0 unchanged, 1 failed" in result.output
    assert dump_digest(db) == before
    again = run("load", "--db", str(db), "-q", str(FIXTURES / "mini.yaml"))
    assert "0 loaded, 1 unchanged, 0 failed" in again.output


def test_load_forced_loader_and_unknown_loader(tmp_path):
    db = tmp_path / "kb.db"
    result = run("load", "--db", str(db), "--loader", "catalogue", "-q",
                 str(FIXTURES / "mini.yaml"))
    assert result.exit_code == 0
    assert run("load", "--db", str(db), "--loader", "nope", "x").exit_code == 2


def test_failed_build_keeps_the_old_database(tmp_path, built_db):
    db = tmp_path / "kb.db"
    db.write_bytes(built_db.read_bytes())
    before = dump_digest(db)
    data = tmp_path / "data" / "catalogue"
    data.mkdir(parents=True)
    (data / "bad.yaml").write_text((FIXTURES / "bad" / "impossible-date.yaml").read_text())
    result = run("build", "--db", str(db), "--data", str(tmp_path / "data"), "-q")
    assert result.exit_code == 1 and "impossible date" in result.output
    assert dump_digest(db) == before


def test_parse_command():
    result = run("parse", "ISO19011：2011", "GB/T19011—2013")
    assert result.output.split() == ["ISO", "19011:2011", "GB/T", "19011-2013"]
    assert run("parse", "国认可〔2017〕43 号").exit_code == 1


def test_every_command_has_help():
    readme = (ROOT / "README.md").read_text()
    for name, command in main.commands.items():
        assert command.help, name
        assert f"kb {name}" in readme, f"README does not mention `kb {name}`"


def test_minus_h_is_help_for_every_command():
    """-h is help everywhere, kb serve too (its host is --host only)."""
    for name in main.commands:
        result = run(name, "-h")
        assert result.exit_code == 0 and result.output.startswith("Usage: "), name
        assert f" {name} [OPTIONS]" in result.output.splitlines()[0], name


def test_stages_lists_each_chinese_term_once():
    lines = run("stages").output.splitlines()
    chinese = [line.split()[0] for line in lines[lines.index(
        "Chinese standards (term, lifecycle step, catalogue status):") + 1:]]
    assert len(chinese) == len(set(chinese)) and "被代替" in chinese
    assert "  废止      abolished             withdrawn" in lines  # step and status, aligned
    from kb.render import display_width

    assert len({display_width(line[:line.index("—")]) for line in lines
                if line.startswith(("  现行", "  即将实施"))}) == 1


def test_counts_read_in_the_singular_for_one():
    from kb.wording import count

    assert [count(1, "file"), count(0, "file"), count(12345, "record"), count(2, "entry")] == [
        "1 file", "0 files", "12,345 records", "2 entries"]


def test_a_fragment_suggests_the_designation(built_db):
    result = run("history", "--db", str(built_db), "CC121")
    assert result.exit_code == 1 and "did you mean CNAS-CC121" in result.output


def test_a_file_that_is_not_a_database(tmp_path):
    db = tmp_path / "kb.db"
    db.write_bytes(b"this is not sqlite" * 100)
    result = run("load", "--db", str(db), "-q", str(FIXTURES / "mini.yaml"))
    assert result.exit_code == 1 and "not a knowledge base (file is not a database)" in \
        result.output


def test_loader_choices_match_the_loaders():
    from loaders import LOADERS

    assert set(main.commands["load"].params[1].type.choices) == set(LOADERS)


def test_build_has_sample_texts_to_search_and_read(built_db):
    zh = json.loads(run("search", "--db", str(built_db), "--json", "审核方案").output)["hits"]
    assert zh and zh[0]["designation"] == "T/KBS 1.1-2026"  # the English one has it as an
    # equivalent in its term entries
    assert any(h["clause"].startswith("5") for h in zh)
    en = json.loads(run("search", "--db", str(built_db), "--json",
                        "audit programmes").output)["hits"]
    # one hit a clause of the work: the newest edition, the other named under it; the Chinese
    # one, which gives English equivalents, among the direct hits too
    assert en[0]["designation"] == "T/KBS 1-2027" and en[0]["also_in"] == ["T/KBS 1-2026"]
    result = run("read", "--db", str(built_db), "T/KBS 1-2026", "5.2")
    assert result.exit_code == 0 and "5 Managing an audit programme › 5.2" in result.output
    conn = sqlite3.connect(built_db)
    kinds = {r[0] for r in conn.execute("select distinct kind from clauses")}
    assert {"annex-normative", "annex-informative", "term", "foreword"} <= kinds


def test_history_events_line_up_when_a_date_is_unknown(built_db):
    """Stage events under each edition: the code column starts at one place whether the
    date is a year, a month, a day or unknown (?)."""
    import re

    from kb.render import display_width

    out = run("history", "--db", str(built_db), "ISO 19011").output
    events = [m for m in (re.match(r" {6,}(\S+) +(\d\d\.\d\d) ", line)
                          for line in out.splitlines()) if m]
    assert {len(m.group(1)) for m in events} >= {4, 7, 10}  # 2016, 2016-12, 2017-03-15
    assert "?" in {m.group(1) for m in events}
    assert len({display_width(m.string[:m.start(2)]) for m in events}) == 1


def test_search_collapses_editions_and_finds_the_other_language(built_db):
    text = run("search", "--db", str(built_db), "-n", "3", "audit", "programme").output
    assert text.startswith("T/KBS 1-2027") and "    also in T/KBS 1-2026" in text
    assert re.search(r"1–3 of \d+ clauses \(\d+ direct, \d+ through terms and adoptions\)", text)
    page = json.loads(run("search", "--db", str(built_db), "--json", "-n", "1000",
                          "audit programme").output)
    crossed = [h for h in page["hits"] if "via" in h]
    assert crossed and page["cross"] == len(crossed) and page["direct"] + page["cross"] == \
        page["total"]
    last = run("search", "--db", str(built_db), "-n", "1", "--page", str(page["total"]),
               "audit programme").output
    assert "    found through the " in last
    off = json.loads(run("search", "--db", str(built_db), "--json", "-n", "1000",
                         "--no-cross", "audit programme").output)
    assert off["total"] == page["direct"] and off["cross"] == 0
    assert not any("via" in h for h in off["hits"])


def test_history_and_show_take_a_title(built_db):
    title = "Conformity assessment — General requirements for bodies operating certification " \
            "of persons"
    history = run("history", "--db", str(built_db), title)
    assert history.exit_code == 0 and history.output.startswith("ISO/IEC 17024")
    shown = run("show", "--db", str(built_db), "ＣＯＮＦＯＲＭＩＴＹ ASSESSMENT: " + title[24:])
    assert shown.exit_code == 0 and "ISO/IEC 17024" in shown.output.splitlines()[0]
    several = run("history", "--db", str(built_db), "管理體系審核指南")
    assert several.exit_code != 0
    assert "'管理體系審核指南' matches the titles of 2 standards: GB/T 19011, ISO 19011; " \
           "name one" in several.output
