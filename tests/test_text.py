"""Clause text from plain text as PDF conversion leaves it (loaders/text.py)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from kb.cli import main
from tests.conftest import ROOT, dump_digest

SAMPLES = ROOT / "data" / "samples"


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("text") / "kb.db"
    result = run("load", "--db", str(path), "-q", str(SAMPLES / "kbs-1-2026.zh.txt"),
                 str(SAMPLES / "kbs-1-2026.en.txt"))
    assert result.exit_code == 0, result.output
    return path


def test_same_clause_tree_as_the_xml(db):
    conn = sqlite3.connect(db)
    for designation in ("T/KBS 1-2026", "T/KBS 1.1-2026"):
        top = [r[0] for r in conn.execute("select number from clauses where edition_id = ? and "
                                          "parent is null order by ord", (designation,))]
        assert top == ["foreword", "introduction", "1", "2", "3", "4", "5", "6", "7", "A", "B",
                       "bibliography"]
        assert conn.execute("select count(*) from clauses where edition_id = ?",
                            (designation,)).fetchone() == (77,)
    kinds = dict(conn.execute("select number, kind from clauses where edition_id = "
                              "'T/KBS 1.1-2026' and number in ('A', 'B', '3.2')"))
    assert kinds == {"A": "annex-normative", "B": "annex-informative", "3.2": "term"}


def test_citations_found_in_the_text(db):
    conn = sqlite3.connect(db)
    cited = {r[0]: r[1] for r in conn.execute(
        "select cited, as_written from citations where edition_id = 'T/KBS 1-2026' "
        "and clause = '2'")}
    assert {"ISO 9000:2015", "ISO 19011:2018", "GB/T 19011-2021"} <= set(cited)
    result = run("read", "--db", str(db), "--json", "T/KBS 1-2026", "2")
    assert "ISO 19011:2018" in {c["designation"] for c in json.loads(result.output)["citations"]}


def test_chinese_lines_are_joined_without_spaces(db):
    conn = sqlite3.connect(db)
    text = conn.execute("select text from clauses where edition_id = 'T/KBS 1.1-2026' and "
                        "number = '5.2'").fetchone()[0]
    first = text.splitlines()[0]
    assert first.startswith("审核方案的目标宜由最高管理者") and " " not in first
    assert "\n——组织的战略方向" in text  # list items stay apart
    refs = conn.execute("select text from clauses where edition_id = 'T/KBS 1.1-2026' and "
                        "number = '2'").fetchone()[0]
    assert "\nGB/T 19011—2021 管理体系审核指南\n" in refs
    headers = conn.execute("select count(*) from clauses where text like '%T/KBS 1.1—2026%' "
                           "and number != 'foreword'").fetchone()[0]
    assert headers == 0  # running headers are gone


def test_terms_with_english_equivalents(db):
    result = run("term", "--db", str(db), "--json", "审核方案")
    entries = json.loads(result.output)
    zh = next(e for e in entries if e["designation"] == "T/KBS 1.1-2026")
    assert zh["entry"] == "3.2" and zh["definition"].startswith("组织为在选定期间内")
    assert {"audit programme"} <= {q["preferred"] for q in zh["equivalents"]}
    en = json.loads(run("term", "--db", str(db), "--json", "audit programme").output)
    assert any(e["admitted"] == ["audit program"] for e in en)


def test_search_finds_text_loaded_clauses(db):
    hits = json.loads(run("search", "--db", str(db), "--json", "审核 方案").output)["hits"]
    assert hits[0]["designation"] == "T/KBS 1.1-2026"


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty document"),
    (b"\x00\x01\x02\xff\xfe\xfd" * 50, "not UTF-8, UTF-16 or GB18030 text"),
    (b"Some notes\nwithout a designation\n", "cannot tell the document's designation"),
])
def test_bad_text_changes_nothing(db, tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    before = dump_digest(db)
    result = run("load", "--db", str(db), "-q", str(path))
    assert result.exit_code == 1 and message in result.output
    assert dump_digest(db) == before


def test_encodings_and_named_designation(tmp_path):
    text = (SAMPLES / "kbs-1-2026.zh.txt").read_text(encoding="utf-8")
    for encoding in ("gb18030", "utf-16"):
        path = tmp_path / f"doc-{encoding}.txt"
        path.write_bytes(text.encode(encoding))
        db = tmp_path / f"{encoding}.db"
        assert run("load", "--db", str(db), "-q", str(path)).exit_code == 0
        assert sqlite3.connect(db).execute(
            "select count(*) from clauses where edition_id = 'T/KBS 1.1-2026'").fetchone() == (77,)
    db = tmp_path / "named.db"
    result = run("load", "--db", str(db), "-q", "--designation", "T/KBS 9-2026",
                 str(SAMPLES / "kbs-1-2026.en.txt"))
    assert result.exit_code == 0
    assert sqlite3.connect(db).execute("select count(*) from clauses where edition_id = "
                                       "'T/KBS 9-2026'").fetchone() == (77,)


def test_word_documents(tmp_path):
    docx = pytest.importorskip("docx", reason="python-docx is not installed")
    document = docx.Document()
    for line in (SAMPLES / "kbs-1-2026.en.txt").read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    path = tmp_path / "sample.docx"
    document.save(path)
    db = tmp_path / "kb.db"
    assert run("load", "--db", str(db), "-q", str(path)).exit_code == 0
    assert sqlite3.connect(db).execute("select count(*) from clauses where edition_id = "
                                       "'T/KBS 1-2026'").fetchone() == (77,)
    fake = tmp_path / "fake.docx"
    fake.write_text("not a zip at all")
    before = dump_digest(db)
    result = run("load", "--db", str(db), "-q", str(fake))
    assert result.exit_code == 1 and "not a Word document" in result.output
    assert dump_digest(db) == before


def test_pdfs_without_text_or_readable_structure(tmp_path):
    pytest.importorskip("pdfplumber", reason="pdfplumber is not installed")
    db = tmp_path / "kb.db"
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
    result = run("load", "--db", str(db), "-q", str(broken))
    assert result.exit_code == 1 and "broken.pdf" in result.output
    assert len(result.output.strip().splitlines()) == 2  # the error and the summary


def test_a_pdf_without_a_text_layer(tmp_path):
    pytest.importorskip("pdfplumber", reason="pdfplumber is not installed")
    blank = tmp_path / "scanned.pdf"
    blank.write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n")
    result = run("load", "--db", str(tmp_path / "kb.db"), "-q", str(blank))
    assert result.exit_code == 1 and "no text layer" in result.output


def test_an_encrypted_pdf(tmp_path):
    pytest.importorskip("pdfplumber", reason="pdfplumber is not installed")
    db = tmp_path / "kb.db"
    assert run("load", "--db", str(db), "-q", str(SAMPLES / "kbs-1-2026.en.txt")).exit_code == 0
    before = dump_digest(db)
    # standard security handler, RC4 40-bit; the /U entry matches no empty user password
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        b"4 0 obj<</Filter/Standard/V 1/R 2/P -4/O<" + b"ab" * 32 + b">/U<" + b"cd" * 32
        + b">>>endobj\ntrailer<</Root 1 0 R/Encrypt 4 0 R/ID[<0123456789abcdef0123456789abcdef>"
        b"<0123456789abcdef0123456789abcdef>]>>\n%%EOF\n")
    result = run("load", "--db", str(db), "-q", str(locked))
    assert result.exit_code == 1
    assert "locked.pdf" in result.output and "encrypted" in result.output
    assert dump_digest(db) == before
