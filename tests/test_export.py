"""Reference tables (kb/export.py) in every format, from a bulletin and from a query."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from kb.cli import main
from kb.export import FORMATS
from tests.conftest import built


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return built(tmp_path_factory.mktemp("export") / "kb.db")


def export(db, *args):
    result = run("export", "--db", db, *args)
    assert result.exit_code == 0, result.output
    return result.output


def test_csv_rows_sorted_international_national_sector(db):
    rows = list(csv.reader(io.StringIO(export(db, "kbs-bulletin-2019-04", "--lang", "en"))))
    assert rows[0][:4] == ["Designation", "Title", "Year", "Status"]
    designations = [r[0] for r in rows[1:]]
    first_national = next(i for i, d in enumerate(designations) if d.startswith("GB/T"))
    assert all(d.startswith(("ISO", "IEC")) for d in designations[:first_national])
    assert designations.index("ISO 9001:2015") < designations.index("ISO 19011:2018")
    by_designation = {r[0]: r for r in rows[1:]}
    assert by_designation["ISO 19011:2018"][1] == "Guidelines for auditing management systems"
    assert by_designation["GB/T 19011-2013"][3] == "replaced"
    assert by_designation["GB/T 19011-2013"][6] == "GB/T 19011-2021"
    chinese = list(csv.reader(io.StringIO(export(db, "kbs-bulletin-2019-04", "--lang", "zh"))))
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
    rows = list(csv.reader(io.StringIO(export(db, "--committee", "ISO/PC302", "--status",
                                              "current", "--lang", "en"))))
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
