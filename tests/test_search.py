"""Full-text search in English and Chinese over real FTS5 tables (kb/search.py)."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from click.testing import CliRunner

from kb import search
from kb.cli import main
from tests.conftest import FIXTURES, corpus


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "kb.db"
    runner = CliRunner()
    result = runner.invoke(main, ["load", "--db", str(path), "-q",
                                  str(FIXTURES / "sample-zh.sts.xml"),
                                  str(corpus("sts", "rice-en.final.sts.xml"))])
    assert result.exit_code == 0, result.output
    return path


def test_segment_cuts_chinese_only():
    assert search.segment("审核方案的目标").split() == ["审核", "方案", "的", "目标"]
    assert search.segment("audit programme") == "audit programme"


@pytest.mark.parametrize("query", ["审核方案", "审核 方案", "审核方案目标"])
def test_chinese_queries_find_the_audit_programme_clauses(db, query):
    hits = search.search(sqlite3.connect(db), query)
    clauses = [h["clause"] for h in hits]
    assert "5.2" in clauses and all(h["designation"] == "T/KBS 1-2026" for h in hits)
    snippet = next(h["snippet"] for h in hits if h["clause"] == "5.2")
    assert not re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", snippet)  # no segmentation gaps
    if query != "审核方案目标":  # that one matches the heading, not the text
        assert "[审核" in snippet


def test_english_stemming(db):
    conn = sqlite3.connect(db)
    hits = search.search(conn, "husked rices")
    assert hits[0]["clause"] == "3.10" and "[husked] [rice]" in hits[0]["snippet"]
    assert search.search(conn, "paddy", kind="term")[0]["clause"] == "3.1"


def test_filters(db):
    conn = sqlite3.connect(db)
    assert search.search(conn, "rice", standard="T/KBS 1-2026") == []
    assert {h["language"] for h in search.search(conn, "审核", language="zh")} == {"zh"}
    assert search.search(conn, "rice", standard="ISO 17301-1:2016")


def test_work_and_edition_filters(db):
    conn = sqlite3.connect(db)
    assert search.search(conn, "rice", standard="ISO 17301-1")  # the work
    result = CliRunner().invoke(main, ["search", "--db", str(db), "--json", "--edition",
                                       "ISO17301-1：2016", "rice"])
    assert result.exit_code == 0 and json.loads(result.output)
    missing = CliRunner().invoke(main, ["search", "--db", str(db), "--edition",
                                        "ISO 17301-1:2009", "rice"])
    assert missing.exit_code == 1
    assert "ISO 17301-1:2009 is not in the knowledge base" in missing.output


def test_ranking_is_exact_below_the_bound_and_bounded_above(db, monkeypatch):
    conn = sqlite3.connect(db)
    raw = [r[0] for r in conn.execute(
        "select number from clauses_fts where clauses_fts match '\"rice\"' "
        "order by bm25(clauses_fts, 4.0, 1.0, 0.5, 0.0) limit 10")]
    assert len(raw) == 10
    assert [h["clause"] for h in search.search(conn, "rice", limit=10)] == raw
    monkeypatch.setattr(search, "RANK_LIMIT", 12)  # more matches than that: rank a sample
    sample = conn.execute(
        "select number, bm25(clauses_fts, 4.0, 1.0, 0.5, 0.0) from clauses_fts "
        "where clauses_fts match '\"rice\"' limit 12").fetchall()
    best = [n for n, _ in sorted(sample, key=lambda c: c[1])[:10]]
    assert [h["clause"] for h in search.search(conn, "rice", limit=10)] == best
    # the sample is spread over the text: rowids are hashes, not the order of loading
    order = [r[0] for r in conn.execute(
        "select c.ord from clauses_fts f join clauses c on c.edition_id = f.edition_id and "
        "c.language = f.language and c.number = f.number where clauses_fts match '\"rice\"' "
        "limit 12")]
    assert order != sorted(order)


def test_cli_json(db):
    result = CliRunner().invoke(main, ["search", "--db", str(db), "--json", "审核 方案",
                                       "-n", "2"])
    hits = json.loads(result.output)
    assert {"designation", "clause", "heading", "snippet", "score"} <= set(hits[0])


def test_index_rebuild_and_missing_index(db, tmp_path):
    result = CliRunner().invoke(main, ["index", "--db", str(db)])
    assert result.exit_code == 0 and "indexed" in result.output
    empty = tmp_path / "kb.db"
    CliRunner().invoke(main, ["load", "--db", str(empty), "-q", str(FIXTURES / "mini.yaml")])
    result = CliRunner().invoke(main, ["search", "--db", str(empty), "audit"])
    assert result.exit_code == 1 and "kb index" in result.output


def test_read_a_clause_in_place(db):
    result = CliRunner().invoke(main, ["read", "--db", str(db), "--json", "ISO17301-1：2016",
                                       "6.5.1"])
    c = json.loads(result.output)
    assert [b["number"] for b in c["breadcrumb"]] == ["6", "6.5"]
    assert c["previous"]["number"] == "6.5" and c["next"]["number"] == "6.5.2"
    assert {"paddy", "husked rice"} <= {t["preferred"] for t in c["terms"]}
    assert c["citations"] == [{"designation": "ISO 6646", "as_written": "ISO 6646",
                               "known": False, "status": None, "title_en": None}]
    assert c["blocks"] == [{"number": "6.5.1 CAUTION", "heading": None, "kind": "note",
                            "text": "Only use paddy or parboiled rice for the determination of "
                                    "husked rice yield."}]


def test_read_chinese_clause_and_unknown_clause(db):
    result = CliRunner().invoke(main, ["read", "--db", str(db), "T/KBS 1-2026", "5.3"])
    assert result.exit_code == 0 and "5 审核方案的管理 › 5.3" in result.output
    assert "审核方案" in result.output and "GB/T 19011-2021" in result.output
    missing = CliRunner().invoke(main, ["read", "--db", str(db), "T/KBS 1-2026", "5.9"])
    assert missing.exit_code == 1 and "closest: 5.3, 5.2" in missing.output


def test_term_with_equivalents(db):
    result = CliRunner().invoke(main, ["term", "--db", str(db), "--json", "审核方案"])
    entries = json.loads(result.output)
    assert entries[0]["designation"] == "T/KBS 1-2026" and entries[0]["entry"] == "3.1"
    assert entries[0]["definition"].startswith("针对特定时间段")
    assert entries[0]["equivalents"][0]["preferred"] == "audit programme"
    result = CliRunner().invoke(main, ["term", "--db", str(db), "rough rice"])
    assert result.exit_code == 0 and "paddy" in result.output
    result = CliRunner().invoke(main, ["term", "--db", str(db), "no such term"])
    assert result.exit_code == 1 and "no loaded standard defines" in result.output


@pytest.mark.parametrize("query", ["审核方案", "审核 方案"])
def test_whoosh_engine_finds_the_same_clauses(db, query):
    conn = sqlite3.connect(db)
    fts = {h["clause"] for h in search.search(conn, query)}
    whoosh = search.search(conn, query, engine="whoosh")
    assert {h["clause"] for h in whoosh} == fts and {"3.1", "5.2", "5.3"} <= fts
    assert not any(re.search(r"[\u4e00-\u9fff][\]\[]? [\]\[]?[\u4e00-\u9fff]", h["snippet"])
                   for h in whoosh)  # no spaces left from the segmentation


def test_whoosh_engine_english_and_cli(db):
    conn = sqlite3.connect(db)
    clauses = [h["clause"] for h in search.search(conn, "husked rices", engine="whoosh")]
    assert "3.10" in clauses[:3]
    result = CliRunner().invoke(main, ["search", "--db", str(db), "--engine", "whoosh",
                                       "--json", "paddy", "--kind", "term"])
    assert json.loads(result.output)[0]["clause"] == "3.1"
    assert search.whoosh_dir(conn).is_dir()


def test_status_filter(db):
    conn = sqlite3.connect(db)
    conn.execute("update editions set status = 'withdrawn' where id = 'ISO 17301-1:2016'")
    for engine in ("fts", "whoosh"):
        assert search.search(conn, "rice", status="current", engine=engine) == []
        assert search.search(conn, "rice", status="withdrawn", engine=engine)
    conn.rollback()


def test_reloading_updates_the_indexes_incrementally(tmp_path):
    db = tmp_path / "kb.db"
    source = corpus("sts", "rice-en.final.sts.xml").read_text(encoding="utf-8")
    rice = tmp_path / "rice.xml"
    rice.write_text(source, encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["load", "--db", str(db), "-q", str(rice)]).exit_code == 0
    assert runner.invoke(main, ["load", "--db", str(db), "-q",
                                str(FIXTURES / "sample-zh.sts.xml")]).exit_code == 0
    conn = sqlite3.connect(db)
    assert {h["clause"] for h in search.search(conn, "审核方案")} >= {"5.2", "5.3"}
    heading = conn.execute("select heading from clauses where number = '9'").fetchone()[0]
    assert any(h["clause"] == "9" for h in search.search(conn, heading, engine="whoosh"))
    start = source.index('<sec id="sec_9"')
    end = source.index("</sec>", start) + len("</sec>")
    rice.write_text(source[:start] + source[end:], encoding="utf-8")
    assert runner.invoke(main, ["load", "--db", str(db), "-q", str(rice)]).exit_code == 0
    conn = sqlite3.connect(db)
    for engine in ("fts", "whoosh"):
        assert not any(h["clause"] == "9" and h["designation"] == "ISO 17301-1:2016"
                       for h in search.search(conn, heading, engine=engine))
        assert {h["clause"] for h in search.search(conn, "审核方案", engine=engine)} >= {
            "5.2", "5.3"}
    indexed = conn.execute("select count(*) from clauses_fts").fetchone()[0]
    assert indexed == conn.execute("select count(*) from clauses").fetchone()[0]
