"""Full-text search in English and Chinese over real indexes: SQLite FTS5, tantivy and whoosh
(kb/text/search.py, kb/text/analysis.py), built by the real store and commands."""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import sqlite3
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.catalogue.model import Clause, Document, Edition
from kb.catalogue.store import Store
from kb.cli import main
from kb.text import analysis, search
from loaders import documents_for
from tests.conftest import FIXTURES, corpus

ENGINES = search.ENGINES


def _load_clauses(db: Path, designation: str, language: str,
                  clauses: list[tuple[str, str | None, str]], kind: str = "clause") -> None:
    """Load (number, heading, text) clauses through the real store, as one document."""
    def records():
        yield Edition(designation=designation)
        for order, (number, heading, text) in enumerate(clauses):
            yield Clause(designation=designation, number=number, heading=heading, text=text,
                         kind=kind, order=order, parent=None, language=language)

    digest = hashlib.sha256(repr((designation, clauses)).encode()).hexdigest()
    store = Store(db)
    try:
        summary = store.load([Document(designation, digest, "test", records)])
        assert summary.failed == 0, summary.errors
    finally:
        store.close()


def _all(conn, query: str, engine: str, **filters) -> set[tuple[str, str]]:
    results = search.search(conn, query, limit=1000, engine=engine, **filters)
    assert results.total == len(results.hits)
    return {(h["designation"], h["clause"]) for h in results.hits}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "kb.db"
    result = CliRunner().invoke(main, ["load", "--db", str(path), "-q",
                                       str(FIXTURES / "sample-zh.sts.xml"),
                                       str(corpus("sts", "rice-en.final.sts.xml"))])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["index", "--db", str(path), "-q", "--whoosh"])
    assert result.exit_code == 0, result.output
    return path


# --- analysis --------------------------------------------------------------------------------


def test_folding_keeps_offsets_and_joins_scripts():
    assert analysis.fold("ＩＳＯ９００１：２０１５ 審核方案 Café") == "iso9001:2015 审核方案 cafe"
    text = "ＡＢ審核ﬁ"
    assert len(analysis.fold(text)) == len(text)


def test_index_text_words_sub_words_and_grams():
    analysed = analysis.index_text("管理体系", "审核组和受审核方")
    assert analysed.heading == "管理体系 管理 理体 体系 系"  # its words, then its grams
    assert "体系" in analysed.sub.split() and "管理" in analysed.sub.split()
    assert analysed.grams.split()[:4] == ["管理", "理体", "体系", "系"]
    # jieba does not see 受审核方 or 审核组 here, the bigrams do
    assert "受审核方" not in analysed.text.split() and "审核组" not in analysed.text.split()
    assert {"受审", "审核", "核方", "核组"} <= set(analysed.grams.split())


def test_stems_are_fts5s_own():
    """The ranking engines index the terms FTS5's porter tokenizer makes, departures kept."""
    words = ["as", "is", "assembly", "technology", "possibly", "programmes", "s", "rices"]
    conn = sqlite3.connect(":memory:")
    conn.execute("create virtual table t using fts5(x, tokenize = 'porter unicode61')")
    conn.execute("create virtual table v using fts5vocab(t, 'instance')")
    conn.executemany("insert into t(rowid, x) values (?, ?)", enumerate(words, 1))
    expected = dict(conn.execute("select doc, term from v"))
    assert analysis.terms(" ".join(words)) == [expected[i] for i in range(1, len(words) + 1)]
    assert analysis.term("as") == "as" and analysis.term("assembly") == "assembl"


def test_query_parsing_is_literal_and_bounded():
    parsed = analysis.parse_query('"audit programmes" audit* NOT (x) -risk 審核')
    kinds = [(p.kind, p.words) for p in parsed.parts]
    assert ("phrase", ("audit", "programmes")) in kinds and ("prefix", ("audit",)) in kinds
    assert ("word", ("not",)) in kinds and ("word", ("risk",)) in kinds
    assert ("han", ("审核",)) in kinds
    assert len(analysis.parse_query("audit " * 100).parts) == 1  # a repeated word, asked once
    for bad, message in (("", "empty query"), ("  * ", "nothing to search"),
                         ("x" * 10_000, "at most 1,000"),
                         (" ".join(f"w{i}" for i in range(40)), "more than 32")):
        with pytest.raises(analysis.QueryError, match=message):
            analysis.parse_query(bad)


# --- finding ---------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("query", ["审核方案", "审核 方案", "审核方案目标"])
def test_chinese_queries_find_the_audit_programme_clauses(db, engine, query):
    hits = search.search(sqlite3.connect(db), query, engine=engine).hits
    clauses = [h["clause"] for h in hits]
    assert {"5.2", "5.3"} <= set(clauses) if query != "审核方案目标" else clauses == ["5.2"]
    assert all(h["designation"] == "T/KBS 1-2026" for h in hits)
    snippet = next(h["snippet"] for h in hits if h["clause"] == "5.2")
    assert not re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", snippet)  # the text as written
    if query != "审核方案目标":  # that one matches the heading, not the text
        assert "[审核" in snippet


@pytest.mark.parametrize("engine", ENGINES)
def test_english_stemming_and_kind(db, engine):
    conn = sqlite3.connect(db)
    hits = search.search(conn, "husked rices", engine=engine).hits
    # the terms and the clause named so first
    assert {h["clause"] for h in hits[:3]} == {"3.2", "3.10", "6.5"}
    assert "[husked] [rice]" in next(h["snippet"] for h in hits if h["clause"] == "3.10")
    assert search.search(conn, "paddy", kind="term", engine=engine).hits[0]["clause"] == "3.1"


CONTEXTS = [  # jieba cuts each of these terms differently by context
    ("1", None, "即受审核方不在现场时，审核组宜采用远程方法。"),
    ("2", None, "审核组和受审核方宜商定日程。"),
    ("3", None, "审核组宜确认审核方案管理人员的要求。"),
    ("4", "受审核方", "受审核方是被审核的组织。"),
    ("5", None, "审核方案的管理由指定人员负责。"),
    ("6", None, "管理体系的审核。具体系统的说明见附录。"),
    ("7", None, "審核組與受審核方溝通。"),  # Traditional
    ("8", None, "无关的条款，只谈温度和压力。"),
    ("9", None, "ＩＳＯ９００１：２０１５的审核"),  # full-width
]


@pytest.fixture(scope="module")
def contexts_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("contexts") / "kb.db"
    _load_clauses(path, "T/KBS 9-2026", "zh", CONTEXTS)
    result = CliRunner().invoke(main, ["index", "--db", str(path), "-q", "--whoosh"])
    assert result.exit_code == 0, result.output
    return path


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("query", ["受审核方", "审核组", "方案管理", "体系", "审", "方",
                                   "审核方案管理人员", "受審核方", "iso9001", "ＩＳＯ９００１"])
def test_every_chinese_occurrence_is_found(contexts_db, engine, query):
    """Recall against the stored text itself: every clause that contains the query."""
    conn = sqlite3.connect(contexts_db)
    needle = analysis.fold(query).replace(" ", "")
    expected = {("T/KBS 9-2026", number) for number, heading, text in CONTEXTS
                if needle in analysis.fold((heading or "") + text).replace(" ", "")}
    assert expected, query
    assert _all(conn, query, engine) == expected


def test_the_unranked_count_is_the_ranked_searchs(contexts_db):
    """tantivy's count of matches (what decides the match alone, nothing scored) is the total
    of the ranked search, for every kind of query part and with filters."""
    from kb.text.search_tantivy import Ranking

    ranking = Ranking(Path(str(contexts_db) + ".tantivy"))
    queries = ["受审核方", "审", "方", "体系", "审核方案管理人员", "iso9001", "iso*",
               '"管理 体系"', "审核 方案", "the", "受審核方"]
    for query in queries:
        parsed = analysis.parse_query(query)
        for filters in ({}, {"language": ["zh"]}, {"language": ["en"]},
                        {"scope": ["T/KBS 9-2026"]}, {"kind": ["clause"]}):
            total, _ = ranking.search(parsed, search.WEIGHTS, filters, 1, 0)
            assert ranking.count(parsed, filters) == total, (query, filters)
    assert ranking.count(analysis.parse_query("审"), {}) > 3


@pytest.mark.parametrize("engine", ENGINES)
def test_a_word_ranks_above_a_straddling_occurrence(contexts_db, engine):
    conn = sqlite3.connect(contexts_db)
    hits = [h["clause"] for h in search.search(conn, "体系", engine=engine).hits]
    assert hits == ["6"]  # 管理体系 and 具体系统 are both in clause 6: one hit
    hits = [h["clause"] for h in search.search(conn, "受审核方", engine=engine).hits]
    assert hits[0] == "4"  # the heading and the word


@pytest.fixture(scope="module")
def ranked_db(tmp_path_factory):
    """Short clauses (exact tantivy field norms) where one word is in most of them, so a
    sample of its matches would not hold the best ones."""
    rng = random.Random(7)
    vocabulary = [f"w{i}" for i in range(300)]
    clauses = []
    for i in range(3000):
        words = rng.choices(vocabulary, k=rng.randint(3, 30))
        words += ["audit"] * (rng.random() < 0.4) * rng.randint(1, 4)
        rng.shuffle(words)
        heading = " ".join(rng.choices(vocabulary, k=2) + (["audit"] if i % 97 == 0 else []))
        clauses.append((f"{i + 1}", heading, " ".join(words)))
    path = tmp_path_factory.mktemp("ranked") / "kb.db"
    _load_clauses(path, "ISO 99999:2026", "en", clauses)
    return path, clauses


def _bm25(clauses, word: str, engine: str) -> dict[str, float]:
    """Brute-force scoring of every clause by the formula the engine uses."""
    docs = [(n, h.split(), t.split()) for n, h, t in clauses]
    total = len(docs)
    score: Counter = Counter()
    weights = search.WEIGHTS
    if engine == "fts":  # one idf a phrase, weighted frequencies, the row's length (scope: 3)
        having = sum(1 for _, h, t in docs if word in h or word in t)
        idf = max(math.log((total - having + 0.5) / (having + 0.5)), 1e-6)
        lengths = [len(h) + len(t) + 3 for _, h, t in docs]
        average = sum(lengths) / total
        for (number, h, t), length in zip(docs, lengths, strict=True):
            tf = weights["heading"] * h.count(word) + weights["text"] * t.count(word)
            if tf:
                score[number] = idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / average))
        return score
    for field in ("heading", "text"):  # tantivy: BM25 a field, boosted, summed
        lengths = [len(h if field == "heading" else t) for _, h, t in docs]
        average = sum(lengths) / total
        having = sum(1 for _, h, t in docs if word in (h if field == "heading" else t))
        idf = math.log(1 + (total - having + 0.5) / (having + 0.5))
        for (number, h, t), length in zip(docs, lengths, strict=True):
            tf = (h if field == "heading" else t).count(word)
            if tf:
                score[number] += weights[field] * idf * tf * 2.2 / (
                    tf + 1.2 * (0.25 + 0.75 * length / average))
    return score


@pytest.mark.parametrize("engine", ["tantivy", "fts"])
def test_top_k_is_exact_against_brute_force(ranked_db, engine):
    path, clauses = ranked_db
    conn = sqlite3.connect(path)
    exact = _bm25(clauses, "audit", engine)
    best = sorted(exact.items(), key=lambda kv: -kv[1])
    for offset in (0, 10, 500):
        results = search.search(conn, "audit", limit=10, offset=offset, engine=engine)
        assert results.total == len(exact) > 1000
        scores = [h["score"] for h in results.hits]
        assert scores == pytest.approx([s for _, s in best[offset:offset + 10]], abs=2e-3)
        top = {h["clause"] for h in results.hits}
        boundary = best[offset + 9][1]  # ties at the page boundary may go either way
        assert {n for n, s in best[offset:offset + 10] if s > boundary + 1e-3} <= top


def test_every_engine_counts_every_match_under_a_limit(ranked_db):
    """A page of 10 from 1 200 matches: each engine's count is every match, not the ones
    its top-k pruning happened to visit (whoosh's matcher replacement undercounted)."""
    path, clauses = ranked_db
    result = CliRunner().invoke(main, ["index", "--db", str(path), "-q", "--whoosh"])
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(path)
    for word in ("audit", "w1", "w299"):
        having = {n for n, h, t in clauses if word in h.split() + t.split()}
        for engine in ENGINES:
            for offset in (0, 20):
                results = search.search(conn, word, limit=10, offset=offset, engine=engine)
                assert results.total == len(having), (word, engine, offset)
                assert {h["clause"] for h in results.hits} <= having
    assert len({n for n, h, t in clauses if "audit" in h.split() + t.split()}) > 1000


@pytest.mark.parametrize("engine", ENGINES)
def test_a_heading_match_outranks_a_body_only_match(tmp_path, engine):
    path = tmp_path / "kb.db"
    _load_clauses(path, "ISO 99998:2026", "en", [
        ("1", "General", "Remote audits use information technology to gather evidence."),
        ("2", "Remote audits", "Methods that work at a distance."),
        ("3", "Scope", "This document covers remote audit methods and remote audits."),
    ])
    CliRunner().invoke(main, ["index", "--db", str(path), "-q", "--whoosh"])
    conn = sqlite3.connect(path)
    hits = search.search(conn, "remote audits", engine=engine).hits
    assert hits[0]["clause"] == "2"
    # Datasette and SQL users: ORDER BY rank carries the weights too
    raw = conn.execute("select number from clauses_fts where clauses_fts match "
                       "'remote audits' order by rank").fetchall()
    assert raw[0] == ("2",) and len(raw) == 3


def test_snippets_mark_phrases_where_they_stand(db):
    conn = sqlite3.connect(db)
    hit = search.search(conn, '"husked rice" paddy', limit=1).hits[0]
    assert "[husked rice]" in hit["snippet"] and "[paddy]" in hit["snippet"]
    assert "[husked]" not in hit["snippet"]


@pytest.mark.parametrize("query", ["审核方案", "rice", "husk*", "determination*", "rices*",
                                   '"husked rice"', "方", "体系", "rice 审核", "5.2", "as",
                                   "a", "is"])
def test_every_engine_finds_the_same_clauses(db, query):
    conn = sqlite3.connect(db)
    found = {engine: _all(conn, query, engine) for engine in ENGINES}
    assert found["tantivy"] == found["fts"] == found["whoosh"], query


@pytest.mark.parametrize("engine", ENGINES)
def test_filters(db, engine):
    conn = sqlite3.connect(db)
    assert search.search(conn, "rice", standard="T/KBS 1-2026", engine=engine).total == 0
    assert {h["language"] for h in search.search(conn, "审核", language="zh",
                                                 engine=engine).hits} == {"zh"}
    edition = _all(conn, "rice", engine, standard="ISO 17301-1:2016")
    assert edition and edition == _all(conn, "rice", engine, standard="ISO 17301-1")
    assert _all(conn, "rice", engine, kind="term") < edition
    conn.execute("update editions set status = 'withdrawn' where id = 'ISO 17301-1:2016'")
    assert search.search(conn, "rice", status="current", engine=engine).total == 0
    assert search.search(conn, "rice", status="withdrawn", engine=engine).total
    conn.rollback()


def test_paging_and_counts(db):
    conn = sqlite3.connect(db)
    every = search.search(conn, "rice", limit=1000)
    page = search.search(conn, "rice", limit=5, offset=5)
    assert page.total == every.total > 10
    assert [h["clause"] for h in page.hits] == [h["clause"] for h in every.hits[5:10]]
    past = search.search(conn, "rice", limit=5, offset=every.total + 5)
    assert past.total == every.total and past.hits == []


# --- the command -----------------------------------------------------------------------------


def test_cli_json_and_text(db):
    result = CliRunner().invoke(main, ["search", "--db", str(db), "--json", "审核 方案",
                                       "-n", "2"])
    page = json.loads(result.output)
    assert page["total"] > 2 and page["offset"] == 0 and page["engine"] == "tantivy"
    assert {"designation", "clause", "heading", "snippet", "score"} <= set(page["hits"][0])
    result = CliRunner().invoke(main, ["search", "--db", str(db), "rice", "-n", "3",
                                       "--page", "2"])
    assert result.exit_code == 0
    assert re.search(r"^4–6 of \d+ clauses \(next: --page 3\)$", result.output, re.M)


@pytest.mark.parametrize(("query", "expect"), [
    (["-audit"], "of"), (["--", "-audit"], "of"),
    (['AND OR NOT ( ) ^ : NEAR "'], "no clause matches"),
    (["x" * 10_000], "QUERY: 10,000 characters (at most 1,000)"),
    (["audit " * 20_000], "QUERY: 120,000 characters (at most 1,000)"),
    (["*"], "nothing to search for"), ([""], "empty query"),
])
def test_hostile_queries_answer_in_one_line(db, query, expect):
    result = CliRunner().invoke(main, ["search", "--db", str(db), *query])
    assert expect in result.output.splitlines()[-1] or expect in result.output
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1)


def test_whoosh_needs_its_index(tmp_path):
    db = tmp_path / "kb.db"
    assert CliRunner().invoke(main, ["load", "--db", str(db), "-q",
                                     str(FIXTURES / "sample-zh.sts.xml")]).exit_code == 0
    result = CliRunner().invoke(main, ["search", "--db", str(db), "--engine", "whoosh", "审核"])
    assert result.exit_code == 1 and "kb index --whoosh" in result.output
    assert CliRunner().invoke(main, ["search", "--db", str(db), "审核"]).exit_code == 0


def test_a_damaged_ranking_index_is_one_line(tmp_path):
    db = tmp_path / "kb.db"
    assert CliRunner().invoke(main, ["load", "--db", str(db), "-q",
                                     str(FIXTURES / "sample-zh.sts.xml")]).exit_code == 0
    for path in Path(f"{db}.tantivy").glob("*.idx"):
        path.write_bytes(b"\0" * 64)
    search._OPEN.clear()
    result = CliRunner().invoke(main, ["search", "--db", str(db), "审核"])
    assert result.exit_code == 1 and "run `kb index`" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert CliRunner().invoke(main, ["index", "--db", str(db), "-q"]).exit_code == 0
    search._OPEN.clear()
    assert CliRunner().invoke(main, ["search", "--db", str(db), "审核"]).exit_code == 0


def test_index_command_and_missing_index(db, tmp_path):
    result = CliRunner().invoke(main, ["index", "--db", str(db)])
    assert result.exit_code == 0 and "indexed" in result.output
    empty = tmp_path / "kb.db"
    CliRunner().invoke(main, ["load", "--db", str(empty), "-q", str(FIXTURES / "mini.yaml")])
    result = CliRunner().invoke(main, ["search", "--db", str(empty), "audit"])
    assert result.exit_code == 1 and "kb index" in result.output


# --- staying in step -------------------------------------------------------------------------


def _digest(paths) -> dict[str, str]:
    out = {}
    for root in paths:
        root = Path(root)
        for path in ([root] if root.is_file() else sorted(root.rglob("*"))):
            if path.is_file() and not path.name.endswith(".lock"):
                out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def test_a_refused_load_changes_no_byte(tmp_path):
    db = tmp_path / "kb.db"
    runner = CliRunner()
    assert runner.invoke(main, ["load", "--db", str(db), "-q",
                                str(FIXTURES / "sample-zh.sts.xml")]).exit_code == 0
    assert runner.invoke(main, ["index", "--db", str(db), "-q", "--whoosh"]).exit_code == 0
    before = _digest([db, f"{db}.tantivy", f"{db}.whoosh"])
    text = (FIXTURES / "sample-zh.sts.xml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.sts.xml"  # the same edition, cut off mid-way
    broken.write_text(text.replace("审核方案", "审核计划")[: len(text) * 2 // 3],
                      encoding="utf-8")
    result = runner.invoke(main, ["load", "--db", str(db), "-q", str(broken)])
    assert result.exit_code == 1
    assert _digest([db, f"{db}.tantivy", f"{db}.whoosh"]) == before


def test_an_index_left_behind_is_repaired_incrementally(tmp_path):
    """A kill between the database commit and the index update: the store has committed the
    text, the folder indexes have not seen it; the next command applies just that text."""
    db = tmp_path / "kb.db"
    runner = CliRunner()
    assert runner.invoke(main, ["load", "--db", str(db), "-q", str(FIXTURES / "sample-zh.sts.xml"),
                                ]).exit_code == 0
    assert runner.invoke(main, ["index", "--db", str(db), "-q", "--whoosh"]).exit_code == 0
    _load_clauses(db, "T/KBS 9-2026", "zh", CONTEXTS)  # the store alone: no folder update
    state = json.loads((Path(f"{db}.tantivy") / "kb-state.json").read_text())
    conn = sqlite3.connect(db)
    assert search.search(conn, "受审核方", engine="fts").total == 4
    written = search.sync(conn)  # what the next command does first
    assert written == 2 * len(CONTEXTS)  # tantivy and whoosh, that text only
    for engine in ENGINES:
        assert search.search(conn, "受审核方", engine=engine).total == 4
    after = json.loads((Path(f"{db}.tantivy") / "kb-state.json").read_text())
    assert after["epoch"] == state["epoch"] and after["generation"] > state["generation"]
    assert search.sync(conn) == 0


def test_reloading_updates_every_index(tmp_path):
    db = tmp_path / "kb.db"
    source = corpus("sts", "rice-en.final.sts.xml").read_text(encoding="utf-8")
    rice = tmp_path / "rice.xml"
    rice.write_text(source, encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["load", "--db", str(db), "-q", str(rice)]).exit_code == 0
    assert runner.invoke(main, ["index", "--db", str(db), "-q", "--whoosh"]).exit_code == 0
    assert runner.invoke(main, ["load", "--db", str(db), "-q",
                                str(FIXTURES / "sample-zh.sts.xml")]).exit_code == 0
    conn = sqlite3.connect(db)
    heading = conn.execute("select heading from clauses where number = '9'").fetchone()[0]
    for engine in ENGINES:
        assert {h["clause"] for h in search.search(conn, "审核方案", engine=engine).hits} >= {
            "5.2", "5.3"}
        assert ("ISO 17301-1:2016", "9") in _all(conn, heading, engine)
    start = source.index('<sec id="sec_9"')
    end = source.index("</sec>", start) + len("</sec>")
    rice.write_text(source[:start] + source[end:], encoding="utf-8")
    assert runner.invoke(main, ["load", "--db", str(db), "-q", str(rice)]).exit_code == 0
    conn = sqlite3.connect(db)
    for engine in ENGINES:
        assert ("ISO 17301-1:2016", "9") not in _all(conn, heading, engine)
    indexed = conn.execute("select count(*) from clauses_fts").fetchone()[0]
    assert indexed == conn.execute("select count(*) from clauses").fetchone()[0]


# --- reading ---------------------------------------------------------------------------------


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


# --- as an expert reads it: editions collapsed, cross-lingual hits, snippets, titles ----------


@pytest.fixture(scope="module")
def samples_db(tmp_path_factory):
    """`kb build` (the sample work's editions T/KBS 1-2026 and 1-2027 in English and the
    Chinese T/KBS 1.1-2026 that adopts 1-2026), with every index, whoosh too."""
    path = tmp_path_factory.mktemp("samples") / "kb.db"
    for args in (["build", "--db", str(path), "-q"], ["index", "--db", str(path), "-q",
                                                       "--whoosh"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
    return path


def _distinct_matches(conn, query: str, language: str | None = None) -> set[tuple]:
    """(work, language, number) of every clause FTS5 matches, straight from SQL."""
    parsed = analysis.parse_query(query)
    rows = conn.execute(
        "select e.work_id, c.language, c.number from clauses_fts f join clauses c on "
        "c.rowid = f.rowid join editions e on e.id = c.edition_id where clauses_fts match ?",
        (search_fts_match(parsed),)).fetchall()
    return {r for r in rows if language is None or r[1] == language}


def search_fts_match(parsed) -> str:
    from kb.text import search_fts

    return search_fts.match_expression(parsed, [])


@pytest.mark.parametrize("engine", ENGINES)
def test_one_hit_a_clause_of_a_work_newest_edition_first(samples_db, engine):
    conn = sqlite3.connect(samples_db)
    results = search.search(conn, "audit programme", limit=1000, engine=engine, cross=False)
    keys = [(h["designation"].split("-")[0], h["language"], h["clause"]) for h in results.hits]
    assert len(keys) == len(set(keys)) == results.total == results.direct
    assert results.total == len(_distinct_matches(conn, "audit programme"))
    both = [h for h in results.hits if h["also_in"]]
    assert both and all(h["designation"] == "T/KBS 1-2027" and h["also_in"] == ["T/KBS 1-2026"]
                        for h in both)
    # paging stays consistent: pages of 7 give the same hits, each once
    paged = []
    for page in range(0, results.total, 7):
        part = search.search(conn, "audit programme", limit=7, offset=page, engine=engine,
                             cross=False)
        assert part.total == results.total
        paged += [(h["designation"], h["clause"]) for h in part.hits]
    assert sorted(paged) == sorted((h["designation"], h["clause"]) for h in results.hits)


def test_collapse_is_exact_beyond_the_page_with_many_editions(tmp_path):
    """Five editions of one work with the same clauses: the top k and the count of clauses are
    exact though most raw hits are duplicates (the over-fetch reaches past the page)."""
    db = tmp_path / "kb.db"
    rng = random.Random(3)
    base = [(f"{i}", None, " ".join(rng.choices(["audit", "plan", "scope", "team"], k=8)))
            for i in range(1, 121)]
    for year in (2010, 2013, 2016, 2019, 2022):
        clauses = [(n, h, t + (" audit" if year == 2022 and n == "7" else "")) for n, h, t in base]
        _load_clauses(db, f"ISO 99997:{year}", "en", clauses)
    _load_clauses(db, "ISO 99996:2020", "en", base[:40])
    conn = sqlite3.connect(db)
    search.rebuild(conn)
    conn.commit()
    wanted = _distinct_matches(conn, "audit")
    for engine in ("tantivy", "fts"):
        every = search.search(conn, "audit", limit=1000, engine=engine)
        assert every.total == len(wanted) == len(every.hits)
        assert all(h["designation"] in ("ISO 99997:2022", "ISO 99996:2020") for h in every.hits)
        seven = next(h for h in every.hits if h["clause"] == "7" and "99997" in h["designation"])
        assert seven["also_in"] == ["ISO 99997:2019", "ISO 99997:2016", "ISO 99997:2013",
                                    "ISO 99997:2010"]
        page = search.search(conn, "audit", limit=10, offset=30, engine=engine)
        assert page.total == every.total
        assert [h["score"] for h in page.hits] == [h["score"] for h in every.hits[30:40]]


def test_a_connection_reads_the_editions_that_collapse_again_after_a_change(tmp_path):
    """The editions of works with several editions with text (``_shared``) are read again by a
    connection when another has committed since its last search, or it has written itself."""
    db = tmp_path / "kb.db"
    _load_clauses(db, "ISO 99995:2010", "en", [("1", None, "audit plan")])
    conn = sqlite3.connect(db)
    search.rebuild(conn)
    conn.commit()
    assert search._shared(conn)[0] == {} == search._shared(conn)[0]
    _load_clauses(db, "ISO 99995:2020", "en", [("1", None, "audit scope")])  # another one
    assert set(search._shared(conn)[0]) == {"ISO 99995:2010", "ISO 99995:2020"}
    assert search.search(conn, "audit").hits[0]["also_in"] == ["ISO 99995:2010"]
    conn.execute("delete from clauses where edition_id = 'ISO 99995:2020'")  # this one
    assert search._shared(conn)[0] == {}
    conn.rollback()
    assert set(search._shared(conn)[0]) == {"ISO 99995:2010", "ISO 99995:2020"}


@pytest.mark.parametrize("engine", ENGINES)
def test_an_english_query_finds_the_chinese_clauses_through_the_term(samples_db, engine):
    conn = sqlite3.connect(samples_db)
    results = search.search(conn, "audit programme", limit=1000, engine=engine)
    direct = [h for h in results.hits if "via" not in h]
    crossed = [h for h in results.hits if "via" in h]
    assert results.hits[:len(direct)] == direct  # every direct hit first
    assert results.direct == len(direct) and results.cross == len(crossed)
    assert results.total == results.direct + results.cross
    terms = [h for h in crossed if "term" in h["via"]]
    assert terms and all(h["via"] == {"term": "审核方案", "from": "audit programme"}
                         and h["language"] == "zh" and "[审核方案]" in h["snippet"]
                         for h in terms)
    # exactly the Chinese clauses that have the term and do not match the query themselves
    has_term = _distinct_matches(conn, "审核方案", "zh")
    assert len(terms) == len(has_term - _distinct_matches(conn, "audit programme"))
    # through the adoption: a Chinese clause of the same number as an English direct hit
    adopted = [h for h in crossed if "adoption" in h["via"]]
    assert adopted and all(h["designation"] == "T/KBS 1.1-2026"
                           and h["via"]["adoption"] == "T/KBS 1-2026"
                           and h["via"]["clause"] == h["clause"] for h in adopted)
    off = search.search(conn, "audit programme", limit=1000, engine=engine, cross=False)
    assert off.total == results.direct and not any("via" in h for h in off.hits)


def test_cross_lingual_totals_agree_across_engines_and_pages(samples_db):
    conn = sqlite3.connect(samples_db)
    for query in ("audit programme", "审核方案", "remote audit"):
        answers = [search.search(conn, query, limit=1000, engine=e) for e in ENGINES]
        assert len({(a.total, a.direct, a.cross) for a in answers}) == 1, query
        assert len({frozenset((h["designation"], h["language"], h["clause"]) for h in a.hits)
                    for a in answers}) == 1, query
        whole = answers[0]
        for engine in ENGINES:  # a page of direct hits alone: the cross hits only counted
            first = search.search(conn, query, limit=1, engine=engine)
            assert (first.total, first.direct, first.cross) == (
                whole.total, whole.direct, whole.cross), (query, engine)
        tail = search.search(conn, query, limit=5, offset=whole.direct - 2)
        assert [(h["designation"], h["clause"]) for h in tail.hits] == [
            (h["designation"], h["clause"]) for h in whole.hits[whole.direct - 2:
                                                                  whole.direct + 3]]
    # a Chinese query finds the English clauses, newest edition first, through the term
    zh = search.search(conn, "审核方案", limit=1000, language="en")
    via = [h for h in zh.hits if h.get("via", {}).get("term") == "audit programme"]
    assert any(h["designation"] == "T/KBS 1-2027" and h["also_in"] == ["T/KBS 1-2026"]
               for h in via)
    assert not any("T/KBS 1-2027" in h["also_in"] for h in via)


def test_snippets_cut_between_words_and_keep_the_sentence():
    words = ("Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
             "incididunt ut labore et dolore magna aliqua. ") * 3
    text = words + "The audit programme should record its objectives. " + words
    cut = analysis.snippet(text, analysis.parse_query("objectives"), ("[", "]"))
    assert "The audit programme should record its [objectives]." in cut
    body = cut.strip("… ")
    assert text.find(body.replace("[", "").replace("]", "")) >= 0  # a piece of the text
    start = text.find(body.replace("[", "").replace("]", ""))
    assert start == 0 or text[start - 1] == " "  # starts on a word
    long = "word " * 30 + "alpha beta gamma objectives delta " + "word " * 60
    cut = analysis.snippet(long, analysis.parse_query("objectives"), ("[", "]"))
    inner = cut.strip("… ").replace("[", "").replace("]", "")
    at = long.find(inner)
    assert at > 0 and long[at - 1] == " " and long[at + len(inner)] == " "
    # paragraphs without a stop are not run together
    assert analysis.snippet("Scope\nThis document gives guidance", analysis.parse_query(
        "guidance"), ("[", "]")) == "Scope · This document gives [guidance]"


def test_snippets_cut_chinese_between_characters_never_in_a_combining_sequence():
    text = ("前言。" + "审核员宜保持独立。" * 20 + "审核方案宜形成文件并定期评审。"
            + "审核组长负责。" * 20)
    cut = analysis.snippet(text, analysis.parse_query("审核方案"), ("[", "]"))
    assert "[审核方案]宜形成文件并定期评审。" in cut
    assert analysis._width(cut.replace("[", "").replace("]", "")) <= 164
    accents = "e\u0301" * 200 + " audit " + "e\u0301" * 200
    cut = analysis.snippet(accents, analysis.parse_query("audit"), ("[", "]"))
    body = cut.removeprefix("… ").removesuffix(" …")
    assert not unicodedata.combining(body[0]) and not unicodedata.combining(body.lstrip()[0])
    assert body.endswith("e\u0301") or body.endswith("]") or body.endswith(" ")


def test_titles_resolve_to_their_standard(samples_db):
    from kb.catalogue import queries

    conn = sqlite3.connect(samples_db)
    assert queries.resolve(conn, "Conformity assessment — General requirements for bodies "
                                 "operating certification of persons") == ("ISO/IEC 17024", None)
    # full-width and Traditional fold as search folds them; several works are listed
    with pytest.raises(queries.NotFound, match="GB/T 19001, ISO 9001; name one"):
        queries.resolve(conn, "質量管理體系　要求")
    with pytest.raises(queries.NotFound, match="GB/T 19011, ISO 19011"):
        queries.resolve(conn, "管理体系审核指南")
    assert queries.resolve(conn, "ＣＯＮＦＯＲＭＩＴＹ assessment: general requirements for "
                                 "bodies operating certification of persons")[0] == \
        "ISO/IEC 17024"
    # the beginning of a title, from a few words on
    assert {w for w, _ in search.find_titles(conn, "Conformity assessment — Requirements for "
                                                   "bodies certifying")} == {"ISO/IEC 17065"}
    with pytest.raises(queries.DesignationError):
        queries.resolve(conn, "nothing like any title")
    plan = " ".join(r[-1] for r in conn.execute(
        "explain query plan select work_id from search_titles where key = ?", ("x",)))
    assert "search_titles_key" in plan  # an index lookup, not a scan


def test_a_later_load_keeps_the_title_index_in_step(tmp_path):
    from kb.catalogue import queries

    db = tmp_path / "kb.db"
    _load_clauses(db, "ISO 99995:2020", "en", [("1", None, "text")])
    conn = sqlite3.connect(db)
    conn.execute("update editions set title_en = 'Widgets — Vocabulary' "
                 "where id = 'ISO 99995:2020'")
    search.sync_titles(conn)
    assert queries.resolve(conn, "widgets vocabulary") == ("ISO 99995", "ISO 99995:2020")
    conn.execute("update editions set title_en = 'Gadgets' where id = 'ISO 99995:2020'")
    search.sync_titles(conn)
    assert search.find_titles(conn, "widgets vocabulary") == []
    assert search.find_titles(conn, "ＧＡＤＧＥＴＳ") == [("ISO 99995", "ISO 99995:2020")]


# --- FTS5 after the commit -------------------------------------------------------------------


def _behind_db(tmp_path) -> Path:
    """A knowledge base whose last load committed and brought tantivy up to date, and whose
    FTS5 has not taken that load's clauses yet (what ``kb load`` has between its two steps)."""
    db = tmp_path / "kb.db"
    runner = CliRunner()
    assert runner.invoke(main, ["load", "--db", str(db), "-q",
                                str(FIXTURES / "sample-zh.sts.xml")]).exit_code == 0

    def records():
        yield Edition(designation="T/KBS 9-2026")
        for order, (number, heading, text) in enumerate(CONTEXTS):
            yield Clause(designation="T/KBS 9-2026", number=number, heading=heading, text=text,
                         kind="clause", order=order, parent=None, language="zh")

    store = Store(db)
    try:
        summary = store.load([Document("T/KBS 9-2026", "c" * 64, "test", records)],
                             fill_fts=False)
        assert summary.failed == 0, summary.errors
        search.sync(store.conn)
    finally:
        store.close()
    return db


def test_tantivy_answers_before_fts5_which_says_it_is_behind_then_catches_up(tmp_path):
    db = _behind_db(tmp_path)
    conn = sqlite3.connect(db, isolation_level=None)
    assert search.search(conn, "受审核方", engine="tantivy").total == 4
    with pytest.raises(search.SearchError) as refused:
        search.search(conn, "受审核方", engine="fts")
    line = str(refused.value)
    assert "\n" not in line and f"{len(CONTEXTS):,} clauses behind" in line
    # SQL users see FTS5 as it is: the pending clauses are exactly what it lacks
    assert conn.execute("select count(*) from clauses_fts_pending").fetchone()[0] == len(CONTEXTS)
    moved = []
    assert search.search_fts.drain(conn, progress=moved.append, rows=3) == len(CONTEXTS)
    assert moved[0] == 3 and sum(moved) == len(CONTEXTS)  # in transactions of 3
    assert search.search(conn, "受审核方", engine="fts").total == 4
    assert conn.execute("select count(*) from clauses_fts").fetchone()[0] == \
        conn.execute("select count(*) from clauses").fetchone()[0]
    assert search.drain_fts(conn) == 0


def test_a_drain_cut_short_keeps_what_it_moved_and_a_deleted_clause_never_arrives(tmp_path):
    db = _behind_db(tmp_path)
    conn = sqlite3.connect(db, isolation_level=None)

    def killed(_n):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        search.search_fts.drain(conn, progress=killed, rows=2)
    assert search.search_fts.behind(conn) == len(CONTEXTS) - 2  # the first 2 committed
    conn.execute("delete from clauses where edition_id = 'T/KBS 9-2026' and number = ?",
                 (CONTEXTS[-1][0],))
    assert search.search_fts.behind(conn) == len(CONTEXTS) - 3
    search.drain_fts(conn)
    fts = conn.execute("select count(*) from clauses_fts where edition_id = 'T/KBS 9-2026'")
    assert fts.fetchone()[0] == len(CONTEXTS) - 1


def test_a_refused_load_while_fts5_is_behind_changes_no_byte(tmp_path):
    db = _behind_db(tmp_path)
    before = _digest([db, f"{db}.tantivy"])
    text = (FIXTURES / "sample-zh.sts.xml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.sts.xml"
    broken.write_text(text.replace("审核方案", "审核计划")[: len(text) * 2 // 3],
                      encoding="utf-8")
    store = Store(db)
    try:
        summary = store.load(documents_for([str(broken)]), fill_fts=False)
    finally:
        store.close()
    assert summary.failed == 1
    assert _digest([db, f"{db}.tantivy"]) == before


def test_kb_load_leaves_fts5_whole(tmp_path):
    db = tmp_path / "kb.db"
    assert CliRunner().invoke(main, ["load", "--db", str(db), "-q",
                                     str(FIXTURES / "sample-zh.sts.xml")]).exit_code == 0
    conn = sqlite3.connect(db)
    assert search.search_fts.behind(conn) == 0
    assert search.search(conn, "审核方案", engine="fts").total == \
        search.search(conn, "审核方案", engine="tantivy").total > 0


def test_documents_made_in_workers_match_those_made_from_the_stored_analysis(tmp_path,
                                                                             monkeypatch):
    """kb index analyses in forked workers and builds the engines' documents from what they
    send; a load's sync builds tantivy from the analysis FTS5 keeps, in this process: both
    give every engine the same answers."""
    db = tmp_path / "kb.db"
    assert CliRunner().invoke(main, ["load", "--db", str(db), "-q",
                                     str(FIXTURES / "sample-zh.sts.xml"),
                                     str(corpus("sts", "rice-en.final.sts.xml"))]).exit_code == 0
    monkeypatch.setattr(search, "_BATCH", 3)  # many batches: the workers' path
    conn = sqlite3.connect(db, isolation_level=None)
    clauses = conn.execute("select count(*) from clauses").fetchone()[0]
    assert clauses > 4 * 3
    queries = ["审核方案", "审核", "rice", "grain*", '"milled rice"', "管理体系 审核"]
    conn.execute("begin")
    assert search.rebuild(conn, whoosh=True, defer_fts=True) == clauses
    conn.execute("commit")
    search.drain_fts(conn)
    built = {(q, e): _all(conn, q, e) for q in queries for e in ENGINES}
    assert all(built[q, "tantivy"] for q in queries[:4])
    for q in queries:
        assert built[q, "tantivy"] == built[q, "fts"] == built[q, "whoosh"], q
    for engine in ENGINES:  # the filters' fields too
        terms = _all(conn, "rice", engine, kind="term")
        assert terms and terms < built["rice", engine]
        assert {d for d, _ in _all(conn, "审核", engine, language="zh")} == {
            d for d, _ in built["审核", engine]}
    ranked = [search.search(conn, q, limit=5, **filters).as_dict() for q in queries
              for filters in ({}, {"kind": "term"}, {"language": "en"})]
    search.sync(conn)
    import shutil

    shutil.rmtree(f"{db}.tantivy")
    assert search.sync(conn, engines=("tantivy",)) == clauses  # from the stored analysis
    assert [search.search(conn, q, limit=5, **filters).as_dict() for q in queries
            for filters in ({}, {"kind": "term"}, {"language": "en"})] == ranked
