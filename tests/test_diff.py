"""Comparing editions clause by clause (kb/diff.py), and an adoption with its source."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from kb import diff
from kb.cli import main
from kb.model import Clause, Document, Edition, Relation, Term
from kb.store import Store

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
    assert scope["summary"] == "changed: 1 words added, 2 deleted"
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
    assert "~~several years~~**time**" in md
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
