"""Reference tables (kb/bulletins/export.py) in every format, from a bulletin and from a query."""

from __future__ import annotations

import csv
import html
import io
import json
import sqlite3

import pytest
from click.testing import CliRunner

from kb.bulletins import citations
from kb.bulletins import export as exports
from kb.bulletins.export import BINARY, FORMATS
from kb.cli import main
from tests.conftest import built

BOM = b"\xef\xbb\xbf"
TEXT_FORMATS = [f for f in FORMATS if f not in BINARY]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return built(tmp_path_factory.mktemp("export") / "kb.db")


def export(db, *args):
    result = run("export", "--db", db, *args)
    assert result.exit_code == 0, result.output
    return result.output


def table(text: str) -> list[list[str]]:
    """A CSV export's rows (after its byte-order mark)."""
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def reference(designation: str, title: str) -> dict:
    """A reference-table row for a designation the knowledge base does not hold."""
    return citations.reference_row({"resolved": None, "canonical": designation, "title": title,
                                    "known": False})


def test_csv_rows_sorted_international_national_sector(db):
    rows = table(export(db, "kbs-bulletin-2019-04", "--lang", "en"))
    assert rows[0][:4] == ["Designation", "Title", "Year", "Status"]
    designations = [r[0] for r in rows[1:]]
    first_national = next(i for i, d in enumerate(designations) if d.startswith("GB/T"))
    assert all(d.startswith(("ISO", "IEC")) for d in designations[:first_national])
    assert designations.index("ISO 9001:2015") < designations.index("ISO 19011:2018")
    by_designation = {r[0]: r for r in rows[1:]}
    assert by_designation["ISO 19011:2018"][1] == "Guidelines for auditing management systems"
    assert by_designation["GB/T 19011-2013"][3] == "replaced"
    assert by_designation["GB/T 19011-2013"][6] == "GB/T 19011-2021"
    chinese = table(export(db, "kbs-bulletin-2019-04", "--lang", "zh"))
    assert chinese[0][:2] == ["标准编号", "标准名称"]
    assert {r[0]: r[1] for r in chinese[1:]}["ISO 19011:2018"] == "管理体系审核指南"


def test_gbt7714_full_and_simplified(db):
    full = export(db, "kbs-bulletin-2019-04", "--format", "gbt7714")
    assert ("中华人民共和国国家质量监督检验检疫总局, 中国国家标准化管理委员会. 管理体系审核指南: "
            "GB/T 19011—2013[S]. 北京: 中国标准出版社, 2013.") in full
    simple = export(db, "kbs-bulletin-2019-04", "--format", "gbt7714", "--simplified")
    assert "GB/T 19011—2013 管理体系审核指南[S]." in simple
    iso = export(db, "kbs-bulletin-2019-04", "--format", "iso690", "--lang", "en")
    assert ("INTERNATIONAL ORGANIZATION FOR STANDARDIZATION. ISO 19011:2018. Guidelines for "
            "auditing management systems. Geneva: ISO, 2018.") in iso


def test_citation_manager_formats(db):
    items = json.loads(export(db, "kbs-bulletin-2019-04", "--format", "csl-json", "--lang",
                              "en"))
    item = next(i for i in items if i["number"] == "ISO 19011:2018")
    assert item["type"] == "standard" and item["issued"] == {"date-parts": [[2018, 7]]}
    bibtex = export(db, "kbs-bulletin-2019-04", "--format", "bibtex")
    assert bibtex.count("@techreport{") == len(items)
    assert "number = {ISO 19011:2018}" in bibtex
    ris = export(db, "kbs-bulletin-2019-04", "--format", "ris")
    assert ris.count("TY  - STAND") == len(items) == ris.count("ER  - ")


def test_markdown_and_printable_html(db):
    md = export(db, "kbs-bulletin-2019-04", "--format", "md", "--lang", "en")
    assert md.splitlines()[2].startswith("| Designation | Title |")
    page = export(db, "kbs-bulletin-2019-04", "--format", "html")
    assert "@page { size: A4" in page and "<th>标准编号</th>" in page
    assert "<link" not in page and "<script" not in page  # self-contained


def test_xlsx_and_docx(db, tmp_path):
    openpyxl = pytest.importorskip("openpyxl", reason="openpyxl reads the workbook back")
    import docx

    xlsx = tmp_path / "refs.xlsx"
    export(db, "kbs-bulletin-2019-04", "--format", "xlsx", "-o", xlsx, "--lang", "en")
    sheet = openpyxl.load_workbook(xlsx).active
    assert sheet.freeze_panes == "A2" and sheet["A1"].value == "Designation"
    assert sheet["A1"].font.bold and sheet.column_dimensions["B"].width > 30
    assert sheet.max_row > 10
    word = tmp_path / "refs.docx"
    export(db, "kbs-bulletin-2019-04", "--format", "docx", "-o", word)
    table = docx.Document(word).tables[0]
    assert table.rows[0].cells[0].text == "标准编号" and len(table.rows) == sheet.max_row


def test_a_query_result(db):
    rows = table(export(db, "--committee", "ISO/PC302", "--status", "current", "--lang", "en"))
    assert [r[0] for r in rows[1:]] == ["ISO 19011:2026"]
    everything = export(db, "--committee", "ISO/PC 302", "--format", "md")
    assert "ISO/DIS 19011" in everything and "ISO 19011:2011" not in everything  # TC 176
    current = export(db, "--work", "ISO19011", "--status", "current", "--format", "md")
    assert "ISO 19011:2026" in current and "ISO 19011:2018" not in current


@pytest.mark.parametrize(("args", "message"), [
    (["kbs-bulletin-2019-04", "--format", "pdf"], "unknown export format 'pdf'"),
    (["kbs-bulletin-2019-04", "--lang", "fr"], "unknown language 'fr'"),
    (["kbs-bulletin-2019-04", "--format", "xlsx"], "name it with -o FILE"),
    (["no-such-bulletin"], "no bulletin 'no-such-bulletin'"),
    (["--designation", "ISO 19011"], "is undated"),
    ([], "name a bulletin"),
])
def test_bad_requests(db, tmp_path, args, message):
    out = tmp_path / "out.csv"
    result = run("export", "--db", db, *args, "-o", out) if "xlsx" not in args else \
        run("export", "--db", db, *args)
    assert result.exit_code == 1 and message in result.output
    assert not out.exists() and not list(tmp_path.glob("*.part"))


def test_every_format_is_tested():
    tested = {"csv", "gbt7714", "iso690", "csl-json", "bibtex", "ris", "md", "html", "xlsx",
              "docx"}
    assert tested == set(FORMATS)


def test_an_output_that_cannot_be_written(db, tmp_path):
    result = run("export", "--db", db, "kbs-bulletin-2019-04", "--format", "xlsx", "-o",
                 tmp_path / "missing" / "refs.xlsx")
    assert result.exit_code == 1
    assert result.output.strip().endswith("refs.xlsx: cannot write (No such file or directory)")


def test_csv_has_a_byte_order_mark_unless_asked_not_to(db, tmp_path):
    """Excel on Windows reads a CSV without a BOM in the ANSI code page: Chinese as mojibake."""
    out = run("export", "--db", db, "kbs-bulletin-2019-04").stdout_bytes
    assert out.startswith(BOM + "标准编号,".encode())
    bare = run("export", "--db", db, "kbs-bulletin-2019-04", "--no-bom").stdout_bytes
    assert bare.startswith("标准编号,".encode()) and bare == out[len(BOM):]
    export(db, "kbs-bulletin-2019-04", "-o", tmp_path / "refs.csv")
    assert (tmp_path / "refs.csv").read_bytes() == out
    export(db, "kbs-bulletin-2019-04", "--no-bom", "-o", tmp_path / "bare.csv")
    assert (tmp_path / "bare.csv").read_bytes() == bare
    for fmt in ("md", "html", "gbt7714", "csl-json"):  # only the CSV has one
        assert not export(db, "kbs-bulletin-2019-04", "--format", fmt).startswith("\ufeff")


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_every_text_format_ends_with_a_newline(db, tmp_path, fmt):
    for lang in ("zh", "en"):
        text = export(db, "kbs-bulletin-2019-04", "--format", fmt, "--lang", lang)
        assert text.endswith("\n") and not text.endswith("\n\n"), text[-40:]
        export(db, "kbs-bulletin-2019-04", "--format", fmt, "--lang", lang,
               "-o", tmp_path / f"refs.{fmt}")
        assert (tmp_path / f"refs.{fmt}").read_bytes().endswith(b"\n")
        empty = exports.export([], fmt, lang)
        assert empty.endswith("\n")


def test_html_and_markdown_are_titled_with_the_bulletin_title(db):
    with sqlite3.connect(db) as conn:
        (title,) = conn.execute("select title from bulletins where id = ?",
                                ("kbs-bulletin-2019-04",)).fetchone()
    assert title and title != "kbs-bulletin-2019-04"
    page = export(db, "kbs-bulletin-2019-04", "--format", "html")
    assert f"<title>{html.escape(title)}</title>" in page
    assert f"<h1>{html.escape(title)}</h1>" in page
    assert "kbs-bulletin-2019-04" not in page
    assert export(db, "kbs-bulletin-2019-04", "--format", "md").startswith(f"## {title}\n")
    escaped = exports.export([], "html", "en", title="Q&A <draft>")
    assert "<title>Q&amp;A &lt;draft&gt;</title>" in escaped
    assert "<h1>Q&amp;A &lt;draft&gt;</h1>" in escaped


@pytest.mark.asyncio
async def test_web_downloads_open_right(db):
    from datasette.app import Datasette

    client = Datasette([str(db)], immutables=[], settings={"suggest_facets": False}).client
    with sqlite3.connect(db) as conn:
        (title,) = conn.execute("select title from bulletins where id = ?",
                                ("kbs-bulletin-2019-04",)).fetchone()
    sheet = await client.get("/-/bulletin/kbs-bulletin-2019-04.csv?lang=zh")
    assert sheet.status_code == 200 and sheet.content.startswith(BOM + "标准编号,".encode())
    assert "kbs-bulletin-2019-04.csv" in sheet.headers["content-disposition"]
    page = await client.get("/-/bulletin/kbs-bulletin-2019-04.html?lang=zh")
    assert f"<title>{html.escape(title)}</title>" in page.text
    assert f"<h1>{html.escape(title)}</h1>" in page.text
    for fmt in TEXT_FORMATS:
        body = await client.get(f"/-/bulletin/kbs-bulletin-2019-04.{fmt}?lang=zh")
        assert body.status_code == 200 and body.content.endswith(b"\n"), fmt


def test_gbt7714_entries_name_the_issuing_body(db):
    """``[n] 主要责任者. 标准名称: 标准编号[S]. 出版地: 出版者, 出版年.`` for every kind of
    designation: international, national, sector, group, accreditation."""
    full = export(db, "--designation", "ISO 19011:2018", "--designation", "GB/T 19011-2021",
                  "--designation", "LY/T 2603-2016", "--designation", "CNAS-CC121:2017",
                  "--format", "gbt7714").splitlines()
    assert full == [
        "[1] 国际标准化组织. 管理体系审核指南: ISO 19011:2018[S]. 日内瓦: ISO, 2018.",
        "[2] 国家市场监督管理总局, 国家标准化管理委员会. 管理体系审核指南: GB/T 19011—2021[S]. "
        "北京: 中国标准出版社, 2021.",
        "[3] 国家林业局. 中国森林认证 生产经营性珍稀濒危植物经营: LY/T 2603—2016[S]. 2016.",
        "[4] 中国合格评定国家认可委员会. 环境管理体系审核及认证的能力要求: CNAS-CC121:2017[S]. "
        "北京: 中国合格评定国家认可委员会, 2017.",
    ]
    group = exports.export([reference("T/CAS 290-2017", "智能家电系统互联互操作评价技术指南")],
                           "gbt7714")
    assert group == ("[1] 中国标准化协会. 智能家电系统互联互操作评价技术指南: "
                     "T/CAS 290—2017[S]. 2017.\n")
    joint = export(db, "--designation", "ISO/IEC 17021-1:2015", "--format", "gbt7714")
    assert joint.startswith("[1] 国际标准化组织, 国际电工委员会. ")
    assert joint.endswith("[S]. 日内瓦: ISO/IEC, 2015.\n")
    english = export(db, "--designation", "LY/T 2603-2016", "--format", "iso690", "--lang", "en")
    assert english.startswith("[1] STATE FORESTRY ADMINISTRATION. LY/T 2603-2016. ")
    untitled = export(db, "kbs-bulletin-2019-04", "--format", "gbt7714")
    assert "国际电工委员会. IEC 62304[S]. 日内瓦: IEC." in untitled  # no title: no "标准名称: "
    assert ": IEC 62304" not in untitled


@pytest.mark.parametrize(("designation", "body"), [
    ("LY/T 2513-2015", "国家林业局"),  # the body's name in the year of the document
    ("LY/T 2987-2018", "国家林业和草原局"),
    ("HJ/T 91-2002", "国家环境保护总局"),
    ("HJ 2.2-2018", "生态环境部"),
    ("RB/T 214-2017", "国家认证认可监督管理委员会"),
    ("JJF 1059.1-2012", "国家质量监督检验检疫总局"),
    ("JB/T 7928-2014", "工业和信息化部"),
    ("CNCA-C01-01:2014", "国家认证认可监督管理委员会"),
    ("GB/T 19021.1-1993", "国家技术监督局"),
    ("GB/T 19001-2000", "国家质量技术监督局"),
    ("GB/T 19001-2016", "中华人民共和国国家质量监督检验检疫总局, 中国国家标准化管理委员会"),
    ("T/CECS 10001-2019", "中国工程建设标准化协会"),  # these numbers are illustrative:
    ("DB11/T 1000-2013", "北京市质量技术监督局"),  # the code and the year decide the body
    ("DB44/T 2000-2020", "广东省市场监督管理局"),
])
def test_issuing_bodies_by_scheme_and_year(designation, body):
    entry = exports.export([reference(designation, "题名")], "gbt7714")
    assert entry.startswith(f"[1] {body}. 题名: "), entry


def test_an_unknown_body_is_left_out_not_guessed(db):
    """T/KBS is the project's own fictional code: no body, no publisher."""
    entry = export(db, "--designation", "T/KBS 1-2026", "--format", "gbt7714")
    assert entry == "[1] 样例 管理体系审核指南: T/KBS 1—2026[S]. 2026.\n"
