"""Comparing editions clause by clause (kb/catalogue/diff.py), and an adoption with its source."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from kb import render
from kb.catalogue import diff
from kb.catalogue.model import Clause, Document, Edition, Relation, Term
from kb.catalogue.store import Store
from kb.cli import main

LOREM = {
    "scope": "This document gives guidance on auditing management systems and on managing "
             "audit programmes over several years for organizations of any size.",
    "a": "The audit programme should set objectives that follow from the policy of the "
         "organization and from the needs of interested parties.",
    "b": "Risks to the audit programme include a lack of resources, unclear objectives and "
         "auditors without the competence needed for the audit.",
    "c": "The auditee should give the audit team access to people, places and documented "
         "information in good time before the audit starts.",
    "d": "Findings should be graded so that the auditee can tell minor nonconformities from "
         "those that affect the ability of the system to meet its objectives.",
    "e": "Remote audits use information and communication technology when the auditors and "
         "the auditee are in different places or when travel is not possible.",
    "f": "Records of the audit programme should be kept to show that it was carried out as "
         "planned and to allow its effectiveness to be reviewed later on.",
}


# text full of Markdown syntax, which must show as it is (T/KBT 3), and Chinese (T/KBT 4)
MARKUP = {
    "heading": "Use of *stars*, _lines_ & <b>tags</b> | pipes",
    "old": "Values of *x* must be [checked](a) ~~twice~~ by the | team, with `code` & "
           "<b>tags</b> \\ here. **Unchanged** text stays _as it is_.",
    "new": "Values of *y* must be [verified](a) ~~once~~ by the | team, with `code` & "
           "<b>markup</b> \\ here. **Unchanged** text stays _as it is_.",
}
CHINESE = ("审核方案应当确定目标。审核组应当由审核员组成。",
           "审核方案应确定明确的目标。审核组由审核员和技术专家组成。")


def _doc(designation: str, clauses: list[tuple], terms=(), language: str = "en") -> Document:
    def records():
        yield Edition(designation=designation, languages=(language,))
        for order, (number, parent, heading, text) in enumerate(clauses, 1):
            yield Clause(designation, number, heading, text, "clause", order, parent, language)
        for entry, preferred, definition in terms:
            yield Term(designation=designation, entry=entry, language=language,
                       preferred=preferred, definition=definition)
    return Document(name=designation, sha256=designation + language, loader="test",
                    records=records)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("diff") / "kb.db"
    old = [("1", None, "Scope", LOREM["scope"]), ("2", None, "Programme", LOREM["a"]),
           ("2.1", "2", "Risks", LOREM["b"]), ("2.2", "2", "Access", LOREM["c"]),
           ("2.3", "2", "Records", LOREM["f"]), ("3", None, "Findings", LOREM["d"]),
           ("3.1", "3", "Remote", LOREM["e"])]
    new = [("1", None, "Scope", LOREM["scope"].replace("over several years", "over time")),
           ("2", None, "Programme", LOREM["a"]),
           ("2.1", "2", "Climate", "Climate change should be considered when the audit "
                                   "programme objectives are set."),
           ("2.2", "2", "Risks", LOREM["b"]), ("2.3", "2", "Access", LOREM["c"]),
           ("3", None, "Findings", LOREM["d"]), ("3.1", "3", "Records", LOREM["f"])]
    store = Store(path)
    summary = store.load([
        _doc("T/KBT 1-2020", old, [("3.1", "audit", "systematic process for evidence")]),
        _doc("T/KBT 1-2025", new, [("3.1", "audit", "systematic and documented process for "
                                                    "obtaining evidence"),
                                   ("3.2", "auditee", "organization being audited")]),
        _doc("T/KBT 1.1-2020", [("1", None, "范围", "本文件给出管理体系审核的指南。"),
                                ("2", None, "审核方案", "审核方案应当确定目标。")],
             [("3.1", "审核", "获取证据的系统过程")], "zh"),
        _doc("T/KBT 2-2020", [("1", None, "Scope", "Other text.")]),
        _doc("T/KBT 3-2020", [("1", None, MARKUP["heading"], MARKUP["old"])]),
        _doc("T/KBT 3-2025", [("1", None, MARKUP["heading"], MARKUP["new"])]),
        _doc("T/KBT 4-2020", [("1", None, "范围", CHINESE[0])], language="zh"),
        _doc("T/KBT 4-2025", [("1", None, "范围", CHINESE[1])], language="zh"),
    ])
    assert summary.failed == 0, summary.errors
    store.close()
    return path


def compare(db, a="T/KBT 1-2020", b="T/KBT 1-2025"):
    return diff.compare(sqlite3.connect(db), a, b)


def test_alignment_kinds(db):
    pairs = {(p["kind"], p["old"], p["new"]) for p in compare(db)["pairs"]}
    assert pairs == {
        ("changed", "1", "1"), ("unchanged", "2", "2"), ("added", None, "2.1"),
        ("renumbered", "2.1", "2.2"), ("renumbered", "2.2", "2.3"),
        ("moved", "2.3", "3.1"), ("unchanged", "3", "3"), ("removed", "3.1", None),
    }


def test_redline_and_counts(db):
    result = compare(db)
    scope = next(p for p in result["pairs"] if p["old"] == "1")
    assert ("-", "several years") in scope["redline"] and ("+", "time") in scope["redline"]
    assert scope["summary"] == "changed: 1 word added, 2 deleted"
    assert result["counts"]["renumbered"] == 2 and result["counts"]["terms_changed"] == 1
    (term,) = [t for t in result["terms"] if t["kind"] == "changed"]
    assert ("+", " and documented") in term["redline"]
    assert {t["term"] for t in result["terms"] if t["kind"] == "added"} == {"auditee"}


def test_chinese_is_compared_by_words():
    lines = diff.redline("审核方案应当确定目标。", "审核方案应确定明确的目标。")
    assert ("+", "明确的") in lines and not any(op != "=" and len(t) == 1 and t == "明"
                                                for op, t in lines)


def test_split_and_merge():
    def clauses(items):
        return [diff._Clause(n, None, None, t, "clause", i) for i, (n, t) in enumerate(items)]

    whole = LOREM["a"] + " " + LOREM["b"] + " " + LOREM["c"]
    split = diff.align(clauses([("1", whole)]),
                       clauses([("1", LOREM["a"]), ("2", LOREM["b"] + " " + LOREM["c"])]))
    assert {(p.kind, p.old.number, p.new.number) for p in split} == {
        ("split", "1", "1"), ("split", "1", "2")}
    merged = diff.align(clauses([("1", LOREM["a"]), ("2", LOREM["b"])]),
                        clauses([("1", LOREM["a"] + " " + LOREM["b"])]))
    assert {(p.kind, p.old.number, p.new.number) for p in merged} == {
        ("merged", "1", "1"), ("merged", "2", "1")}


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_cli_formats_and_only_changed(db):
    result = run("diff", "--db", db, "--format", "json", "--only", "changed", "T/KBT 1-2020",
                 "T/KBT 1-2025")
    assert result.exit_code == 0, result.output
    pairs = json.loads(result.output)["pairs"]
    assert pairs and all(p["kind"] != "unchanged" for p in pairs)
    assert {"kind", "old", "new"} <= set(pairs[0])
    assert {p["kind"] for p in pairs} >= {"added", "removed", "renumbered", "moved"}
    text = run("diff", "--db", db, "T/KBT 1-2020", "T/KBT 1-2025").output
    assert "[-several years-]{+time+}" in text and "2.3 → 3.1" in text
    md = run("diff", "--db", db, "--format", "md", "T/KBT 1-2020", "T/KBT 1-2025").output
    assert "<del>several years</del><ins>time</ins>" in md
    html = run("diff", "--db", db, "--format", "html", "T/KBT 1-2020", "T/KBT 1-2025").output
    assert "<del>several years</del><ins>time</ins>" in html


@pytest.mark.parametrize(("a", "b", "message"), [
    ("T/KBT 1", "T/KBT 1-2025", "'T/KBT 1' is undated: name one edition (T/KBT 1-2020 (text), "
                                "T/KBT 1-2025 (text))"),
    ("T/KBT 1-2020", "T/KBT 2-2020", "editions of different works"),
    ("T/KBT 1-2020", "T/KBT 1-2030", "'T/KBT 1-2030' is not in the knowledge base; its work "
                                     "has T/KBT 1-2020 (text), T/KBT 1-2025 (text)"),
    ("T/KBT 1-2020", "ISO 9999:2020", "'ISO 9999:2020' is not in the knowledge base"),
    ("T/KBT 1-2020", "not a standard", "is not a designation"),
])
def test_bad_requests(db, a, b, message):
    result = run("diff", "--db", db, a, b)
    assert result.exit_code == 1 and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_crosswalk(db, tmp_path):
    path = tmp_path / "kb.db"
    path.write_bytes(db.read_bytes())
    store = Store(path)

    def relation():
        yield Relation("T/KBT 1.1-2020", "adopts", "T/KBT 1-2020", degree="IDT")
        yield Term(designation="T/KBT 1.1-2020", entry="3.1", language="en", preferred="audit")

    store.load([Document(name="adoption", sha256="adoption", loader="test", records=relation)])
    store.close()
    result = run("crosswalk", "--db", path, "--json", "T/KBT 1.1-2020", "T/KBT 1-2020")
    assert result.exit_code == 0, result.output
    walk = json.loads(result.output)
    assert walk["degree"] == "IDT" and not walk["structurally_identical"]
    assert walk["verdict"].startswith("declared IDT but not structurally identical")
    only = {c["international"] for c in walk["clauses"] if c["where"] == "international only"}
    assert only == {"2.1", "2.2", "2.3", "3", "3.1"}
    (term,) = walk["terms"]
    assert (term["term"], term["equivalent"], term["international"]) == ("审核", "audit", "3.1")
    refused = run("crosswalk", "--db", path, "T/KBT 2-2020", "T/KBT 1-2020")
    assert refused.exit_code == 1 and "does not adopt" in refused.output


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("samples") / "kb.db"
    result = run("build", "--db", path, "-q")
    assert result.exit_code == 0, result.output
    return path


def test_the_sample_editions(built):
    """Every change listed in data/samples/README.md, and nothing else."""
    result = compare(built, "T/KBS 1-2026", "T/KBS 1-2027")
    assert {k: n for k, n in result["counts"].items() if n} == {
        "unchanged": 61, "changed": 10, "renumbered": 7, "moved": 1, "split": 1, "added": 6,
        "removed": 1, "terms_changed": 1}
    pairs = {(p["kind"], p["old"], p["new"]) for p in result["pairs"] if p["kind"] != "unchanged"}
    assert pairs == {
        ("changed", "foreword", "foreword"), ("changed", "1", "1"), ("changed", "3.13", "3.13"),
        ("changed", "4.2", "4.2"), ("changed", "5.2", "5.2"), ("changed", "5.3", "5.3"),
        ("changed", "5.4.1", "5.4.1"), ("changed", "6.3.3", "6.3.3"),
        ("changed", "7.4.2", "7.4.2"), ("changed", "A.4", "A.4"),
        ("added", None, "3.17"), ("added", None, "5.4.4"), ("added", None, "5.4.4 NOTE"),
        ("added", None, "C"), ("added", None, "C.1"), ("added", None, "C.2"),
        ("renumbered", "5.4.4", "5.4.5"), ("renumbered", "5.7", "5.8"),
        ("renumbered", "6.2.1", "6.2.2"), ("renumbered", "6.2.2", "6.2.3"),
        ("renumbered", "6.2.3", "6.2.4"), ("renumbered", "6.2.3 NOTE", "6.2.4 NOTE"),
        ("renumbered", "B.3", "B.2"), ("moved", "5.5.3", "6.2.1"),
        ("split", "5.6", "5.6"), ("split", "5.6", "5.7"), ("removed", "B.2", None),
    }
    (term,) = [t for t in result["terms"] if t["kind"] == "changed"]
    assert term["old"] == term["new"] == "3.13"


def test_the_sample_crosswalk(built):
    walk = diff.crosswalk(sqlite3.connect(built), "T/KBS 1.1-2026", "T/KBS 1-2026")
    assert walk["structurally_identical"] and walk["degree"] == "IDT"
    assert walk["counts"] == {"both": 81, "national only": 0, "international only": 0,
                              "terms matched": 16}
    assert {"term": "审核方案", "equivalent": "audit programme", "national": "3.2",
            "international": "3.2", "international_term": "audit programme"} in walk["terms"]


def test_an_edition_without_text(built):
    result = run("diff", "--db", built, "ISO 19011:2011", "ISO 19011:2018")
    assert result.exit_code == 1
    assert result.output.strip() == ("kb: ISO 19011:2011 has no clause text in the knowledge "
                                     "base (load it with kb load)")
    walk = run("crosswalk", "--db", built, "GB/T 19011-2013", "ISO 19011:2011")
    assert walk.exit_code == 1 and "has no clause text" in walk.output


# --- redlines people can read (issue 15) ---------------------------------------------------


def _sample(built, *args):
    result = run("diff", "--db", built, *args, "T/KBS 1-2026", "T/KBS 1-2027")
    assert result.exit_code == 0, result.output
    return result.output


def test_edits_are_phrases_with_the_spaces_outside(built):
    """Replacements that alternate across a word or two are one deleted phrase and one
    inserted phrase; spaces stay as they are, outside the marks."""
    result = compare(built, "T/KBS 1-2026", "T/KBS 1-2027")
    a4 = next(p for p in result["pairs"] if p["new"] == "A.4")["redline"]
    assert ("-", "intervals set by") in a4
    assert ("+", "least every three years, or more often where") in a4
    text = _sample(built, "--only", "changed")
    for shown in (
            "re-evaluated at [-intervals set by-]{+least every three years, or more often "
            "where+} the audit programme {+requires it+}. Evaluation",
            "Monitoring [-and reviewing-] the audit programme\n",
            "they were [-recently responsible-]{+responsible during the previous twelve "
            "months+}. Where",
            "in which [-the auditors (3.9) and the people or places being examined are not in "
            "the same physical location and communicate by-]{+at least one auditor (3.9) is "
            "not physically present where the activities examined take place, and audit "
            "evidence (3.6) is gathered through+} information",
            "the people involved [-and-]{+,+} the use",
            "it has the [-same-] clause structure",
            # an inserted list item is a whole line, not "— the{+X;↵— the +}outcomes"
            "parties;\n    {+— the organization's commitments on climate change and other "
            "sustainability matters;+}\n    — the outcomes",
            # a change never spans lines: each line is marked
            "[-Monitoring and reviewing-]{+Reviewing+} the audit programme\n    [-At planned",
    ):
        assert shown in text, shown
    assert "[-intervals-]" not in text and "[- " not in text and " -]" not in text
    assert "{+ " not in text and " +}" not in text
    # the summary counts the words edited, not the unchanged ones inside a phrase
    assert "(changed: 10 words added, 3 deleted)" in text
    html = _sample(built, "--format", "html")
    assert "Monitoring <del>and reviewing</del> the audit programme" in html
    assert "at <del>intervals set by</del><ins>least every three years, or more often " \
           "where</ins> the audit programme <ins>requires it</ins>." in html


def test_the_redline_keeps_both_texts(built):
    """Whatever the grouping, the = and - texts are the old text, = and + the new one."""
    conn = sqlite3.connect(built)
    old = {c.number: diff._full(c) for c in diff._load(conn, "T/KBS 1-2026", "en")}
    new = {c.number: diff._full(c) for c in diff._load(conn, "T/KBS 1-2027", "en")}
    cases = [(old[n], new[n]) for n in old.keys() & new.keys()] + [
        (MARKUP["old"], MARKUP["new"]), CHINESE, ("the same clause", "the clause"),
        ("a b c d e", "a x c y e"), ("", "new"), ("old", "")]
    for a, b in cases:
        lines = diff.redline(a, b)
        assert "".join(t for op, t in lines if op != "+") == a
        assert "".join(t for op, t in lines if op != "-") == b
        assert all(t for _, t in lines)
        assert all(x[0] != y[0] for x, y in zip(lines, lines[1:], strict=False))  # merged


def test_chinese_redlines_get_no_spaces(db):
    """Chinese has no spaces between words, and a redline adds none (nor around the … of
    an unchanged stretch cut short)."""
    text = run("diff", "--db", db, "T/KBT 4-2020", "T/KBT 4-2025").output
    assert "审核方案[-应当-]{+应+}确定{+明确的+}目标。" in text
    middle = "审核组应当由审核员组成，审核员应当具备所需的能力。" * 8
    lines = diff.redline(CHINESE[0] + middle + "审核结束。", CHINESE[1] + middle + "审核完成。")
    plain = render._redline_text(lines)
    assert "…" in plain and plain.endswith("审核[-结束-]{+完成+}。")
    for shown in (plain, render.redline_html(lines), render._redline_markdown(lines),
                  run("diff", "--db", db, "--format", "md", "T/KBT 4-2020",
                      "T/KBT 4-2025").output.splitlines()[-1].strip("| ").split(" | ")[-1]):
        assert " " not in shown, shown


def _cells(html: str) -> list[list[list[list[tuple[str, str]]]]]:
    """The tables of an HTML page: rows of cells, each as (innermost tag, text) pieces."""
    from html.parser import HTMLParser

    tables: list = []

    class Cells(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.open: list[str] = []
            self.cell: list | None = None

        def handle_starttag(self, tag, attrs):
            if tag == "table":
                tables.append([])
            elif tag == "tr":
                tables[-1].append([])
            elif tag in ("td", "th"):
                self.cell = []
                tables[-1][-1].append(self.cell)
            elif tag != "br":
                self.open.append(tag)

        def handle_endtag(self, tag):
            if tag in ("td", "th"):
                self.cell = None
            elif tag in self.open:
                self.open.remove(tag)

        def handle_data(self, data):
            if self.cell is not None:
                self.cell.append((self.open[-1] if self.open else "", data))

    Cells().feed(html)
    return tables


def _check_markdown(markdown: str, result: dict, plain: bool) -> None:
    """Rendered as CommonMark (tables, strikethrough): every cell is its text, deleted text
    exactly inside <del>, inserted exactly inside <ins>, the rest outside them."""
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)
    tables = _cells(html)
    pieces = [piece for table in tables for row in table for cell in row for piece in cell]
    if plain:  # the sample has no ~~ or ** of its own: none may be left over from marks
        text = "".join(t for _, t in pieces)
        assert "~~" not in text and "**" not in text
    assert {tag for tag, _ in pieces} <= {"tbody", "thead", "del", "ins"}, html
    pairs = [[p["old"] or "", p["new"] or "", p["kind"], p["new_heading"] or p["old_heading"]
              or "", p["redline"] if p["kind"] != "unchanged" else []] for p in result["pairs"]]
    terms = [[t["old"] or "", t["new"] or "", t["term"], t["kind"], t["redline"]]
             for t in result["terms"] if t["kind"] != "unchanged"]
    rows = [row for table in tables for row in table[1:]]  # without the headers
    assert len(rows) == len(pairs) + len(terms)

    def bare(s: str) -> str:
        return "".join(s.split())

    for row, p in zip(rows, pairs + terms, strict=True):
        assert ["".join(t for _, t in cell) for cell in row[:4]] == p[:4]
        if not p[4]:
            continue
        change, redline = row[4], p[4]
        for tag, op in (("del", "-"), ("ins", "+")):
            assert bare("".join(t for g, t in change if g == tag)) == \
                bare("".join(t for o, t in redline if o == op)), (p, tag)
        for tag, other, ops in (("del", "ins", "=-"), ("ins", "del", "=+")):
            shown = "".join(t for g, t in change if g != other)
            whole = bare("".join(t for o, t in redline if o in ops))
            for fragment in shown.split("…"):  # unchanged text cut short
                assert bare(fragment) in whole, (p, tag, fragment)


def test_markdown_renders_right_in_commonmark(built, db):
    result = compare(built, "T/KBS 1-2026", "T/KBS 1-2027")
    _check_markdown(_sample(built, "--format", "md"), result, plain=True)
    for work in ("T/KBT 1", "T/KBT 4"):
        old, new = f"{work}-2020", f"{work}-2025"
        markdown = run("diff", "--db", db, "--format", "md", old, new).output
        _check_markdown(markdown, compare(db, old, new), plain=True)
    markdown = run("diff", "--db", db, "--format", "md", "T/KBT 3-2020", "T/KBT 3-2025").output
    _check_markdown(markdown, compare(db, "T/KBT 3-2020", "T/KBT 3-2025"), plain=False)
    assert "\\*" in markdown and "\\|" in markdown and "\\<b\\>" in markdown


def test_clause_numbers_sort_as_numbers(built):
    entries = [f"3.{i}" for i in range(1, 18)]
    text = run("crosswalk", "--db", built, "T/KBS 1.1-2026", "T/KBS 1-2026").output
    listed = [line.split()[0] for line in text.splitlines() if " → " in line]
    assert listed == entries[:16]
    walk = diff.crosswalk(sqlite3.connect(built), "T/KBS 1.1-2026", "T/KBS 1-2026")
    assert [t["national"] for t in walk["terms"]] == entries[:16]
    result = compare(built, "T/KBS 1-2026", "T/KBS 1-2027")
    assert [t["new"] for t in result["terms"]] == entries
    split = {"kind": "split", "old": "5", "new": "9", "also": ["10"], "added_words": 0,
             "deleted_words": 0}
    assert diff.summary(split) == "5 split into 9, 10"
    numbers = ["B.2", "3.10", "bibliography", "A.1", "3.2", "10", "4.3 NOTE 2", "4.3.1", "2",
               "foreword", "4.3", "A", "4.3 NOTE 1", "3.1", "introduction", "3.9"]
    assert sorted(numbers, key=diff.clause_key) == [
        "foreword", "introduction", "2", "3.1", "3.2", "3.9", "3.10", "4.3", "4.3 NOTE 1",
        "4.3 NOTE 2", "4.3.1", "10", "A", "A.1", "B.2", "bibliography"]
    assert sorted(["", "表1", "4.3 注：", "x.y.z"], key=diff.clause_key)  # any string sorts


def test_crosswalk_columns_line_up_in_chinese(built):
    from kb.render import display_width

    text = run("crosswalk", "--db", built, "T/KBS 1.1-2026", "T/KBS 1-2026").output
    terms = [line for line in text.splitlines() if " → " in line]
    walk = diff.crosswalk(sqlite3.connect(built), "T/KBS 1.1-2026", "T/KBS 1-2026")
    assert len({display_width(line[:line.index(" → ")]) for line in terms}) == 1
    assert len({display_width(line[:line.index(t["equivalent"])]) for line, t in zip(
        terms, walk["terms"], strict=True)}) == 1
    clauses = [line for line in text.splitlines() if line.startswith("  ") and
               (" 前言 " in line or " 范围 " in line or " 规范性引用文件 " in line)]
    assert len(clauses) == 3
    assert len({display_width(line[:line.index(english)]) for line, english in zip(
        clauses, ("Foreword", "Scope", "Normative references"), strict=True)}) == 1
    assert "81 both, 0 national only, 0 international only, 16 terms matched" in text


def test_counts_read_in_the_singular(built):
    text = _sample(built)
    assert text.splitlines()[0].endswith("1 removed, 1 term changed")
    assert "(changed: 1 word added, 1 deleted)" in text  # 5.4.1: (see 5.7) → (see 5.8)
    assert "words added" in text and " 1 words" not in text and "(1 words)" not in text


def test_diff_columns_line_up(built):
    from kb.render import display_width

    text = _sample(built)
    kinds = [line for line in text.splitlines() if " → " in line and not line.startswith(" ")
             and "(" in line][1:]
    starts = {display_width(line[:line.index(kind)]) for line in kinds
              for kind in [next(k for k in diff.KINDS if f" {k} " in line)]}
    assert len(starts) == 1, starts
