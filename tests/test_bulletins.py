"""Bulletins: loading, mentions resolved against the knowledge base, stale citations."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from click.testing import CliRunner

from kb.cli import main
from tests.conftest import BULLETIN, built, corpus, dump_digest


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return built(tmp_path_factory.mktemp("bulletins") / "kb.db")


def test_load_and_show(db):
    result = run("bulletin", "show", "--db", db, "--json", "kbs-bulletin-2019-04")
    assert result.exit_code == 0, result.output
    b = json.loads(result.output)
    assert b["date"] == "2019-04-02" and [a["heading"] for a in b["articles"]] == [
        "管理体系审核组", "认证机构要求组", "ISO 45001 发布后的转换安排", "English summary"]
    first = b["mentions"][0]
    assert {"as_written", "canonical", "kind", "start", "end", "resolved", "status"} <= set(first)
    by_written = {m["as_written"]: m for m in b["mentions"]}
    assert by_written["ISO19011：2018"]["resolved"] == "ISO 19011:2018"
    assert by_written["ISO19011：2018"]["status"] == "replaced"  # by ISO 19011:2026
    assert by_written["GB/T 19011-2013"]["status"] == "replaced"
    assert by_written["ISO 45001"]["resolution"].startswith("undated: the latest edition")
    assert by_written["ISO 45001"]["resolved"] == "ISO 45001:2018"  # not its amendment
    assert by_written["PC302"]["kind"] == "committee" and by_written["PC302"]["resolved"] is None
    assert by_written["17021-4"]["canonical"] == "ISO/IEC TS 17021-4"
    text = run("bulletin", "show", "--db", db, "kbs-bulletin-2019-04").output
    assert "ISO19011：2018" in text and "government-document" in text


def test_spans_index_the_stored_text(db):
    conn = sqlite3.connect(db)
    text = conn.execute("select text from bulletins").fetchone()[0]
    for start, end, written in conn.execute("select start, end, as_written from mentions"):
        assert text[start:end] == written


def test_the_bulletin_is_found_by_its_path_too(db):
    result = run("bulletin", "show", "--db", db, "--json", BULLETIN)
    assert result.exit_code == 0 and json.loads(result.output)["id"] == "kbs-bulletin-2019-04"


def test_check_lists_stale_citations(db):
    result = run("check", "--db", db, "--json", "kbs-bulletin-2019-04")
    assert result.exit_code == 0, result.output
    stale = {s["as_written"]: s["stale"] for s in json.loads(result.output)["stale"]}
    assert stale["GB/T 19011-2013"] == "replaced: GB/T 19011-2013 → GB/T 19011-2021 (in force)"
    assert stale["ISO19011：2018"] == "replaced: ISO 19011:2018 → ISO 19011:2026 (in force)"


def test_the_check_follows_the_chain_across_works(db, tmp_path):
    """ISO/IEC 17021:2011 was replaced by a new work, ISO/IEC 17021-1:2015; an undated
    citation says where the chain ends and the path it took."""
    path = tmp_path / "iaf.txt"
    path.write_text("2008-09-15 IAF resolution: bodies shall transition to ISO/IEC 17021 and "
                    "stop using ISO/IEC 17021:2006.\n", encoding="utf-8")
    assert run("bulletin", "load", "--db", db, "-q", path).exit_code == 0
    result = run("check", "--db", db, "--json", "iaf")
    stale = {s["as_written"]: s["stale"] for s in json.loads(result.output)["stale"]}
    assert stale["ISO/IEC 17021"] == (
        "undated: the latest edition was ISO/IEC 17021:2006 at the bulletin's date (2008-09-15)"
        " and is now ISO/IEC 17021:2011; replaced: ISO/IEC 17021:2011 → ISO/IEC 17021-1:2015"
        " (in force)")
    assert stale["ISO/IEC 17021:2006"] == (
        "replaced: ISO/IEC 17021:2006 → ISO/IEC 17021:2011 → ISO/IEC 17021-1:2015 (in force)")
    by_written = {s["as_written"]: s for s in json.loads(result.output)["stale"]}
    assert by_written["ISO/IEC 17021"]["path"] == ["ISO/IEC 17021:2011", "ISO/IEC 17021-1:2015"]
    assert by_written["ISO/IEC 17021"]["in_force"] == "ISO/IEC 17021-1:2015"
    text = run("check", "--db", db, "iaf").output
    assert "ISO/IEC 17021:2011 → ISO/IEC 17021-1:2015 (in force)" in text


def _with_made_up(db, tmp_path, works: str):
    """A copy of ``db`` with a test catalogue of made-up designations (``works``: the YAML
    list of works) loaded into it."""
    copy = tmp_path / "kb.db"
    shutil.copy(db, copy)
    catalogue = tmp_path / "made-up.yaml"
    catalogue.write_text("source: test fixture, made-up designations\nworks:" + works,
                         encoding="utf-8")
    assert run("load", "--db", copy, "-q", catalogue).exit_code == 0
    return copy


def test_the_chain_goes_through_the_adopted_standard(db, tmp_path):
    """A national adoption nothing records as replaced is followed through what it adopts:
    the same body's adoption of the replacement (a made-up GB/T edition of ISO 19011:2002)."""
    copy = _with_made_up(db, tmp_path, """
  - work: GB/T 99011
    title: {zh: 管理体系审核指南}
    editions:
      - designation: GB/T 99011-2005
        status: withdrawn
        published: 2005-01-01
        adopts: {designation: "ISO 19011:2002", degree: IDT}
""")
    conn = sqlite3.connect(copy)
    from kb.catalogue.queries import in_force

    chain = in_force(conn, "GB/T 99011-2005")
    assert chain["path"] == ["GB/T 99011-2005", "GB/T 19011-2013", "GB/T 19011-2021"]
    assert chain["current"]
    assert in_force(conn, "ISO 9001:2015")["amendments"] == ["ISO 9001:2015/Amd 1:2024"]


def test_a_draft_resolves_to_its_project(db, tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text("2017 年 6 月 1 日，PC302 发布了 ISO19011DIS 稿。\n", encoding="utf-8")
    assert run("bulletin", "load", "--db", db, "-q", path).exit_code == 0
    result = run("check", "--db", db, "--json", "notice")
    (stale,) = json.loads(result.output)["stale"]
    assert stale["resolved"] == "ISO 19011:2018"
    assert stale["stale"].startswith("the draft has since been published as ISO 19011:2018")


def test_a_draft_is_the_project_at_that_stage_by_the_bulletins_date(db):
    """The 2019 bulletin's 'ISO/DIS 19011 circulated for comment in 2017' is the DIS of the
    2018 edition, not the later project's DIS record (which became ISO 19011:2026)."""
    result = json.loads(run("check", "--db", db, "--json", "kbs-bulletin-2019-04").output)
    (dis,) = [s for s in result["stale"] if s["as_written"] == "ISO/DIS 19011"]
    assert dis["resolved"] == "ISO 19011:2018"
    assert dis["path"] == ["ISO/DIS 19011", "ISO 19011:2018", "ISO 19011:2026"]
    import sqlite3

    from kb.catalogue.queries import became

    with sqlite3.connect(db) as conn:
        assert became(conn, "ISO/DIS 19011") == "ISO 19011:2026"
        assert became(conn, "ISO 19011:2018") is None


def test_an_amendment_without_its_base_year_is_the_one_the_catalogue_knows(db, tmp_path):
    """Notices write "ISO 14001/Amd 1:2024": the amendment of the one edition that has it."""
    import sqlite3

    from kb.bulletins import citations

    conn = sqlite3.connect(db)
    result = citations.resolve_citation(conn, "ISO 14001/Amd 1:2024", "standard")
    assert result["resolved"] == "ISO 14001:2015/Amd 1:2024"
    assert result["resolution"].startswith("a supplement written without its base's year")
    assert citations.resolve_citation(conn, "ISO 14001/Amd 9:2024", "standard")[
        "resolution"] == "not in the knowledge base"


def test_a_national_adoption_is_the_edition_it_adopts(db):
    """"BS EN ISO 19011:2011" is not in the knowledge base; ISO 19011:2011 is."""
    import sqlite3

    from kb.bulletins import citations

    conn = sqlite3.connect(db)
    result = citations.resolve_citation(conn, "BS EN ISO 19011:2011", "standard")
    assert result["resolved"] == "ISO 19011:2011"
    assert result["resolution"] == "a national adoption of ISO 19011:2011"
    assert result["replaced_by"] == ["ISO 19011:2018"]
    latest = citations.resolve_citation(conn, "ISO 19011", "standard")["resolved"]
    assert citations.resolve_citation(conn, "ГОСТ Р ИСО 19011", "standard")[
        "resolved"] == latest
    assert citations.resolve_citation(conn, "BS EN ISO 99999:2011", "standard")[
        "resolution"] == "not in the knowledge base"


def test_encodings(db, tmp_path):
    path = tmp_path / "gb.txt"
    path.write_bytes(BULLETIN.read_text(encoding="utf-8").encode("gb18030"))
    assert run("bulletin", "load", "--db", db, "-q", path).exit_code == 0
    conn = sqlite3.connect(db)
    assert conn.execute("select count(*) from mentions where bulletin_id = 'gb'").fetchone() == \
        conn.execute("select count(*) from mentions where bulletin_id = 'kbs-bulletin-2019-04'"
                     ).fetchone()


def test_full_width_spaces_are_text(db, tmp_path):
    path = tmp_path / "indented.txt"  # Chinese paragraphs indented with 　　 (U+3000)
    path.write_text("\u3000\u3000依据ISO 9001:2015开展审核。\n" * 40, encoding="utf-8")
    result = run("bulletin", "load", "--db", db, "-q", path)
    assert result.exit_code == 0, result.output


def test_a_word_bulletin(db, tmp_path):
    docx = pytest.importorskip("docx", reason="python-docx is not installed")
    document = docx.Document()
    for line in BULLETIN.read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    document.save(tmp_path / "word.docx")
    assert run("bulletin", "load", "--db", db, "-q", tmp_path / "word.docx").exit_code == 0
    conn = sqlite3.connect(db)
    written = "select as_written from mentions where bulletin_id = ? order by start"
    assert [r[0] for r in conn.execute(written, ("word",))] == \
        [r[0] for r in conn.execute(written, ("kbs-bulletin-2019-04",))]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.txt", b"  \n", "empty file"),
    ("binary.txt", bytes(range(256)) * 8, "not UTF-8, UTF-16 or GB18030 text"),
    ("latin1.txt", "Caf\xe9 r\xe9sum\xe9 ISO 9001".encode("latin-1"), "not UTF-8"),
    ("fake.docx", b"not a zip", "not a Word document"),
])
def test_bad_input(db, tmp_path, name, content, message):
    copy = tmp_path / "kb.db"
    shutil.copy(db, copy)
    before = dump_digest(copy)
    path = tmp_path / name
    path.write_bytes(content)
    result = run("bulletin", "load", "--db", copy, "-q", path)
    assert result.exit_code == 1 and message in result.output and name in result.output
    assert dump_digest(copy) == before


def test_unknown_bulletin(db):
    result = run("bulletin", "show", "--db", db, "no-such-bulletin")
    assert result.exit_code == 1
    assert "no bulletin 'no-such-bulletin'; loaded: " in result.output


def test_the_real_bulletin(tmp_path):
    path = corpus("bulletins", "cnca-expert-groups-2017.txt")
    db = tmp_path / "kb.db"
    assert run("build", "--db", db, "-q").exit_code == 0
    result = run("check", "--db", db, "--json", path)  # loads it first
    assert result.exit_code == 0, result.output
    stale = {s["as_written"]: s for s in json.loads(result.output)["stale"]}
    assert stale["ISO19011：2011"]["stale"] == (
        "replaced: ISO 19011:2011 → ISO 19011:2018 → ISO 19011:2026 (in force)")
    assert stale["ISO19011DIS"]["resolved"] == "ISO 19011:2018"
    bare = [s for s in json.loads(result.output)["stale"] if s["as_written"] == "ISO19011"]
    assert any("the latest edition was ISO 19011:2011" in s["stale"] for s in bare)
    # "与 2011 版 ISO19011 相比": the edition year written before it names the 2011 edition
    assert any(s["resolved"] == "ISO 19011:2011" and s["stale"].startswith("replaced: ")
               for s in bare)
    # a draft's path goes on past its publication to the edition in force today
    assert stale["ISO19011DIS"]["path"] == ["ISO/DIS 19011", "ISO 19011:2018", "ISO 19011:2026"]
    assert stale["ISO19011DIS"]["stale"].endswith(
        "itself replaced since: ISO/DIS 19011 → ISO 19011:2018 → ISO 19011:2026 (in force)")
    counts = json.loads(result.output)["counts"]
    assert counts["stale_citations"] == len(stale) + len(bare) - 1 == 9
    text = run("check", "--db", db, path).output
    assert text.startswith(f"cnca-expert-groups-2017 (date 2017-06-16): 9 stale citations of "
                           f"{counts['stale_standards']} standards among the "
                           f"{counts['standards']} standards cited (32 mentions)")
    # the knowledge base knows CNAS-CC121:2017 and LY/T 2603-2016 but no source gives their
    # status: the latest editions, in force, nothing replacing them — current, inferred
    shown = json.loads(run("bulletin", "show", "--db", db, "--json", path).output)
    for designation in ("CNAS-CC121:2017", "LY/T 2603-2016"):
        (m, *_) = [m for m in shown["mentions"] if m["resolved"] == designation]
        assert m["status"] == "current" and "no source gives its status" in m["status_inferred"]
    # and the printed table says the status is inferred
    table = run("export", "--db", db, "cnca-expert-groups-2017", "--format", "csv", "--lang",
                "zh").output
    assert "CNAS-CC121:2017" in table and "现行（推定）" in table


def test_a_title_of_its_own_or_given_and_warnings_for_what_is_missing(db, tmp_path):
    copy = tmp_path / "kb.db"
    shutil.copy(db, copy)
    untitled = tmp_path / "untitled.txt"
    untitled.write_text("第一部分 标准动态\n\n2019 年 3 月 1 日，会议讨论了 ISO 9001:2015。\n",
                        encoding="utf-8")
    result = run("bulletin", "load", "--db", copy, "-q", untitled)
    assert result.exit_code == 0 and "no title of its own" in result.output
    assert "--title" in result.output
    shown = json.loads(run("bulletin", "show", "--db", copy, "--json", "untitled").output)
    assert shown["title"] == "untitled"  # its id, not the section heading
    result = run("bulletin", "load", "--db", copy, "-q", "--title", "标准化简报 第 3 期", untitled)
    assert result.exit_code == 0 and "no title" not in result.output
    shown = json.loads(run("bulletin", "show", "--db", copy, "--json", "untitled").output)
    assert shown["title"] == "标准化简报 第 3 期"
    assert run("bulletin", "load", "--db", copy, "--title", " ", untitled).exit_code == 1
    # no date and nothing a bulletin cites: loaded, with a warning that says so
    stray = tmp_path / "stray.txt"
    stray.write_text("Minutes of the garden committee\n\nWe planted roses.\n", encoding="utf-8")
    result = run("bulletin", "load", "--db", copy, "-q", stray)
    assert result.exit_code == 0
    assert "no date and no citation of a standard found" in result.output
    undated = tmp_path / "undated.txt"
    undated.write_text("Notice\n\nISO 9001:2015 is cited here.\n", encoding="utf-8")
    result = run("bulletin", "load", "--db", copy, "-q", undated)
    assert "no date found in the text" in result.output and "no title" not in result.output


def test_a_folder_of_bulletins(tmp_path):
    folder = tmp_path / "bulletins"
    folder.mkdir()
    (folder / "one.txt").write_bytes(BULLETIN.read_bytes())
    (folder / "notes.md").write_text("# not a bulletin\n", encoding="utf-8")
    db = tmp_path / "kb.db"
    result = run("bulletin", "load", "--db", db, "-q", folder)
    assert result.exit_code == 0 and "1 loaded" in result.output
    assert "skipped 1 file no loader reads" in result.output
    named = run("bulletin", "load", "--db", db, "-q", folder / "notes.md")
    assert named.exit_code == 1 and "a bulletin is a text, Word or PDF file" in named.output


def test_an_amendment_is_cited_with_its_own_year(db):
    from kb.bulletins import citations

    conn = sqlite3.connect(db)
    rows = {r["designation"]: r for r in citations.references(
        citations.bulletin(conn, "kbs-bulletin-2019-04"))}
    assert rows["ISO 9001:2015/Amd 1:2024"]["year"] == 2024
    assert rows["ISO 9001:2015"]["year"] == 2015


def test_a_chain_through_adoptions_that_loop_ends(db, tmp_path):
    """Bad data: two withdrawn editions that adopt each other. The chain ends at once."""
    copy = _with_made_up(db, tmp_path, """
  - work: GB/T 99021
    title: {zh: 甲}
    editions:
      - designation: GB/T 99021-2001
        status: withdrawn
        adopts: {designation: "GB/T 99022-2001", degree: IDT}
  - work: GB/T 99022
    title: {zh: 乙}
    editions:
      - designation: GB/T 99022-2001
        status: withdrawn
        adopts: {designation: "GB/T 99021-2001", degree: IDT}
""")
    from kb.catalogue.queries import in_force

    chain = in_force(sqlite3.connect(copy), "GB/T 99021-2001")
    assert chain["path"] == ["GB/T 99021-2001"] and not chain["current"]


@pytest.mark.asyncio
async def test_a_notice_over_a_megabyte_is_served_and_one_too_large_refused(db, tmp_path):
    """A notice that lists a whole catalogue (over 1 MB of text) loads and its page answers
    through the served connections' limits; a text over kb.limits.VALUE_BYTES is refused in
    one line naming the file, and nothing stored changes."""
    from datasette.app import Datasette

    from kb import limits

    copy = tmp_path / "kb.db"
    shutil.copy(db, copy)
    long = tmp_path / "plan.txt"
    long.write_text("2024年国家标准制修订计划\n" + "".join(
        f"{i}. GB/T {20000 + i}-2024 标准化工作指南 第{i}部分\n" for i in range(1, 30_001)),
        encoding="utf-8")
    assert long.stat().st_size > 1_000_000
    assert run("bulletin", "load", "--db", copy, "-q", long).exit_code == 0
    served = Datasette([str(copy)], immutables=[], settings={"suggest_facets": False})
    page = await served.client.get("/-/bulletin/plan")
    assert page.status_code == 200 and "GB/T 50000-2024" in page.text
    table = await served.client.get("/kb/bulletins")
    assert table.status_code == 200
    before = dump_digest(copy)
    huge = tmp_path / "huge.txt"
    line = "ISO 9001:2015 质量管理体系 要求。" * 20 + "\n"
    huge.write_text(line * (limits.VALUE_BYTES // len(line.encode()) + 1), encoding="utf-8")
    result = run("bulletin", "load", "--db", copy, "-q", huge)
    assert result.exit_code == 1
    assert f"huge.txt: the text is {huge.stat().st_size - 1:,} bytes" in result.output
    assert dump_digest(copy) == before


def test_check_of_a_file_no_loader_reads_is_one_line(tmp_path):
    """``kb check FILE`` loads the file first; a file no bulletin loader reads is refused as
    ``kb bulletin load`` refuses it: one line naming it, exit 1, no traceback."""
    notes = tmp_path / "notes.xyz"
    notes.write_text("引用 GB/T 19011-2021。\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--db", str(tmp_path / "kb.db"), str(notes)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"kb: {notes}: a bulletin is a text, Word or PDF file (.txt, .docx, .pdf)"]
