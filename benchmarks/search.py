#!/usr/bin/env python
"""Clause-text search benchmark of the knowledge base at 1 000 000 clauses.

Run from the repository root::

    python benchmarks/search.py                        # 1 M clauses, everything
    python benchmarks/search.py --clauses 20000        # a quick check, about 2 min

Every figure comes from the same run on the current machine; see benchmarks/README.md for what
each one means.  Steps:

1. generate synthetic clause text, half English and half Chinese, in editions of 120–280
   clauses (``ISO 9xxxx:YYYY`` in English, ``GB/T 9xxxx-YYYY`` in Chinese, numbers the embedded
   catalogue does not use), words drawn from a Zipf distribution (s = 1.1) over vocabularies
   of 30 000 words per language whose top ranks are real words; streamed to a JSON Lines file;
2. load it with the real store path, ``Store(db).load(documents)``, one document of Edition
   and Clause records per edition, in a child process;
3. build the FTS5 tables as ``kb index`` does (``kb.search._rebuild_fts`` in one transaction,
   the FTS5 half of ``kb.search.rebuild``), in a child process; sizes from ``dbstat``;
4. build the whoosh index beside the database (``kb.search._rebuild_whoosh``, the other half,
   or the first ``--whoosh-clauses`` clauses only), in a child process;
5. a fixed set of 200 queries in classes (rare, mid and very common words, AND, phrases,
   Chinese words, compounds and word pairs, filters), each timed after one warm-up pass in
   one process against three engines: raw FTS5 (``MATCH … ORDER BY rank LIMIT 20`` with the
   MATCH expression ``kb.search`` builds), ``kb.search.search(engine='fts')`` and
   ``kb.search.search(engine='whoosh')``; then, outside the comparison, ``search(engine='fts')``
   with its bound on ranked matches (``RANK_LIMIT``) lifted, to see what the bound saves and
   how many of its hits it keeps;
6. a few ``kb search --engine fts`` command lines end to end, beside the process start-up.

Peak RSS is each child's own (``os.wait4``).  The summary table is printed at the end and
written, with every raw figure, to ``<out>/search.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import os
import platform
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import warnings
from array import array
from collections import Counter
from itertools import accumulate
from pathlib import Path

import common  # this folder is first on sys.path
from common import file_size, mb, pct, unlink_db

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # measure the kb of this checkout, whatever is installed
    sys.path.insert(1, str(ROOT))

#: Words per vocabulary (each language), Zipf exponent, first designation number.
VOCABULARY = 30_000
ZIPF_S = 1.1
FIRST_NUMBER = 90_000  # ISO 9xxxx / GB/T 9xxxx: data/catalogue uses none of them
LIMIT = 20  # hits asked of every engine

#: Real words at the top ranks of the English vocabulary, most frequent first.
EN_TOP = (
    "the of and to audit shall a in management be for or by is with as on that this are "
    "organization system requirements risk programme process information evidence competence "
    "auditor audits criteria objectives documented an its should from not at which where any "
    "all other can may when has have been each performance quality control review results "
    "conformity nonconformity corrective action actions planning scope clause annex standard "
    "international document documents records personnel persons top leadership policy context "
    "interested parties needs expectations resources support operation evaluation improvement "
    "continual monitoring measurement analysis internal external provider providers product "
    "products service services customer customers data method methods techniques sampling team "
    "leader client auditee findings conclusions report plan activities activity "
    "responsibilities roles authority communication awareness training knowledge skills "
    "education experience opportunities changes change determine establish implement maintain "
    "ensure retain consider include including identified appropriate relevant applicable "
    "specified necessary effective effectiveness extent level levels time period frequency "
    "certification accreditation body bodies assessment verification validation calibration "
    "equipment measuring traceability safety health environmental environment energy security "
    "privacy legal statutory regulatory obligations compliance impartiality confidentiality "
    "independence objectivity ethical conduct professional due care approach based basis "
    "principles guidance guidelines general specific terms definitions note example examples "
    "see also such these those their they it if than more less within between during before "
    "after into through without under over only both either whether how what who used using "
    "use made make provide provided given taken take need required requirement design "
    "development production provision release delivery identification status property "
    "preservation output outputs input inputs nonconforming outcome outcomes intended "
    "organizational infrastructure work climate culture strategic direction commitment "
    "accountability integrity opportunity threat likelihood consequence treatment tolerance "
    "owner register matrix sample samples test testing tests specimen specimens temperature "
    "pressure value values limit limits tolerance accuracy uncertainty procedure procedures"
).split()

#: Real words at the top ranks of the Chinese vocabulary, most frequent first.
ZH_TOP = (
    "的 和 管理 审核 应 体系 在 方案 风险 能力 证据 审核方案 组织 要求 过程 信息 质量 进行 对 或 "
    "与 及 其 为 标准 文件 记录 评价 目标 审核员 准则 结果 确定 实施 保持 改进 控制 策划 范围 人员 "
    "职责 资源 绩效 监视 测量 分析 内部 外部 供方 产品 服务 顾客 数据 方法 抽样 审核组 组长 委托方 "
    "受审核方 发现 结论 报告 计划 活动 沟通 培训 知识 技能 经验 机遇 变更 认证 认可 机构 合格评定 "
    "验证 确认 校准 设备 安全 健康 环境 能源 法律 法规 合规 公正性 保密 独立性 客观 原则 指南 术语 "
    "定义 注 示例 适用 相关 有效性 管理体系 风险评估 审核证据 审核准则 能力评价 不符合 纠正措施 "
    "持续改进 最高管理者 领导作用 方针 相关方 支持 运行 绩效评价 文件化信息 样品 试验 温度 压力 "
    "限值 准确度 不确定度 程序"
).split()

#: Domain compounds for the Chinese compound queries: (compound, its two words).
ZH_COMPOUNDS = (("审核方案", "审核 方案"), ("管理体系", "管理 体系"), ("风险评估", "风险 评估"),
                ("审核证据", "审核 证据"), ("纠正措施", "纠正 措施"), ("持续改进", "持续 改进"),
                ("能力评价", "能力 评价"))

_ONSETS = ("b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w",
           "z", "br", "ch", "cl", "cr", "dr", "fl", "gr", "pl", "pr", "sh", "sl", "st", "th", "tr")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "ee", "io", "oa", "ou")
_CODAS = ("", "", "", "n", "r", "l", "m", "t", "x", "nd", "rk")
_HAN = re.compile(r"[\u4e00-\u9fff]+")

#: Text lengths: log-normal with these medians (English words, Chinese characters of words,
#: punctuation not counted) and sigma; terms are shorter.  Overall: ~60 words, ~150 characters.
EN_MEDIAN, ZH_MEDIAN, TERM_EN_MEDIAN, TERM_ZH_MEDIAN, SIGMA = 66, 140, 20, 40, 0.9
EN_MAX_WORDS, ZH_MAX_CHARS = 700, 3500

_FIXED_HEADINGS = {"foreword": ("Foreword", "前言"), "introduction": ("Introduction", "引言"),
                   "1": ("Scope", "范围"), "2": ("Normative references", "规范性引用文件"),
                   "3": ("Terms and definitions", "术语和定义"),
                   "bibliography": ("Bibliography", "参考文献")}


def _bar(**kwargs):
    from tqdm import tqdm

    kwargs.setdefault("unit_scale", True)
    return tqdm(file=sys.stderr, dynamic_ncols=True, mininterval=0.5, **kwargs)


# =============================================================================================
# 1. Vocabularies and synthetic clauses
# =============================================================================================


class Vocabulary:
    """Two vocabularies of VOCABULARY words, most frequent first, and Zipf weights."""

    def __init__(self, seed: int) -> None:
        self.en = _english_words(seed)
        self.zh = _chinese_words()
        self.cum = list(accumulate(k ** -ZIPF_S for k in range(1, VOCABULARY + 1)))
        self.rank = {"en": {w: i + 1 for i, w in enumerate(self.en)},
                     "zh": {w: i + 1 for i, w in enumerate(self.zh)}}

    def draw(self, rng: random.Random, language: str, k: int) -> list[str]:
        return rng.choices(self.en if language == "en" else self.zh, cum_weights=self.cum, k=k)


def _english_words(seed: int) -> list[str]:
    """EN_TOP, then pseudo-words of 1–3 syllables, no two with the same Porter stem."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from whoosh.lang.porter import stem
    rng = random.Random(f"{seed}/vocabulary/en")
    words = list(dict.fromkeys(EN_TOP))
    stems = {stem(w) for w in words}
    while len(words) < VOCABULARY:
        word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                       for _ in range(rng.choice((1, 2, 2, 2, 3))))
        if len(word) >= 4 and stem(word) not in stems:
            stems.add(stem(word))
            words.append(word)
    return words


def _chinese_words() -> list[str]:
    """ZH_TOP, then jieba's dictionary words of 2–4 common Han characters, by frequency.

    "Common" means among the 3 500 characters with the highest summed word frequency in the
    dictionary; taking real words keeps the text segmentable the way real text is.
    """
    import jieba

    entries = []
    with open(Path(jieba.__file__).with_name("dict.txt"), encoding="utf-8") as lines:
        for line in lines:
            word, freq, *_ = line.split()
            if _HAN.fullmatch(word):
                entries.append((word, int(freq)))
    chars: Counter = Counter()
    for word, freq in entries:
        for c in word:
            chars[c] += freq
    common = {c for c, _ in chars.most_common(3500)}
    words = list(dict.fromkeys(ZH_TOP))
    seen = set(words)
    for word, _ in sorted(((w, f) for w, f in entries
                           if 2 <= len(w) <= 4 and all(c in common for c in w)),
                          key=lambda e: (-e[1], e[0])):
        if len(words) >= VOCABULARY:
            break
        if word not in seen:
            seen.add(word)
            words.append(word)
    if len(words) < VOCABULARY:
        raise SystemExit(f"jieba's dictionary gives only {len(words)} Chinese words")
    return words


def edition_plan(clauses: int, seed: int):
    """Yield (index, language, designation, clause count) of every edition, in order.

    Editions come in pairs of the same number and size, one English (ISO) and one Chinese
    (GB/T), so the clauses are half English and half Chinese.
    """
    remaining, pair = clauses, 0
    while remaining > 0:
        r = random.Random(f"{seed}/pair/{pair}")
        size, year = r.randint(120, 280), r.randint(2000, 2024)
        en = min(size, (remaining + 1) // 2)
        zh = min(size, remaining - en)
        number = FIRST_NUMBER + pair
        yield 2 * pair, "en", f"ISO {number}:{year}", en
        if zh:
            yield 2 * pair + 1, "zh", f"GB/T {number}-{year}", zh
        remaining -= en + zh
        pair += 1


def _outline(rng: random.Random, count: int) -> list[tuple[str, str | None, str]]:
    """(number, parent, kind) of an edition's clauses, in order, ``count`` of them."""
    items: list[tuple[str, str | None, str]] = [
        ("foreword", None, "foreword"), ("introduction", None, "introduction"),
        ("1", None, "clause"), ("2", None, "clause"), ("3", None, "clause")]
    items += [(f"3.{i}", "3", "term") for i in range(1, rng.randint(5, 30) + 1)]
    annexes: list[tuple[str, str | None, str]] = []
    for letter, kind in (("A", "annex-normative"), ("B", "annex-informative")):
        if rng.random() < 0.7:
            annexes.append((letter, None, kind))
            annexes += [(f"{letter}.{i}", letter, kind) for i in range(1, rng.randint(1, 8) + 1)]
    budget = count - len(items) - len(annexes) - 1
    top = 4
    while budget > 0:
        items.append((str(top), None, "clause"))
        budget -= 1
        for s in range(1, rng.randint(2, 8) + 1):
            if budget <= 0:
                break
            sub = f"{top}.{s}"
            items.append((sub, str(top), "clause"))
            budget -= 1
            for t in range(1, rng.randint(0, 4) + 1):
                if budget <= 0:
                    break
                items.append((f"{sub}.{t}", sub, "clause"))
                budget -= 1
        top += 1
    return (items + annexes + [("bibliography", None, "bibliography")])[:count]


def _length(rng: random.Random, median: float, low: int, high: int) -> int:
    return max(low, min(high, round(rng.lognormvariate(math.log(median), SIGMA))))


def _english_text(rng, vocab: Vocabulary, n: int, words_out: list | None) -> str:
    words = vocab.draw(rng, "en", n)
    if words_out is not None:
        words_out.append(words)
    sentences, i = [], 0
    while i < n:
        m = rng.randint(6, 22)
        s = words[i:i + m]
        i += m
        s[0] = s[0].capitalize()
        if len(s) > 10:
            s[len(s) // 2] += ","
        sentences.append(" ".join(s) + ".")
    return " ".join(sentences)


def _chinese_text(rng, vocab: Vocabulary, target: int, words_out: list | None) -> str:
    """Words concatenated without spaces, with ， and 。 every 3–9 words."""
    words: list[str] = []
    length = 0
    while length < target:
        for w in vocab.draw(rng, "zh", max(4, (target - length) // 2)):
            words.append(w)
            length += len(w)
            if length >= target:
                break
    if words_out is not None:
        words_out.append(words)
    out, n, run = [], 0, rng.randint(3, 9)
    for w in words:
        out.append(w)
        n += 1
        if n >= run:
            out.append("。" if rng.random() < 0.35 else "，")
            n, run = 0, rng.randint(3, 9)
    if out[-1] == "，":
        out[-1] = "。"
    elif out[-1] != "。":
        out.append("。")
    return "".join(out)


def _heading(rng, vocab: Vocabulary, language: str, number: str, kind: str) -> str | None:
    if number in _FIXED_HEADINGS:
        return _FIXED_HEADINGS[number][language == "zh"]
    if kind == "clause" and number.count(".") == 2 and rng.random() < 0.5:
        return None  # a sub-subclause without a heading
    if kind == "term":
        words = vocab.draw(rng, language, rng.randint(1, 3 if language == "en" else 2))
        return (" " if language == "en" else "").join(words)
    words = vocab.draw(rng, language, rng.randint(1, 5 if language == "en" else 3))
    if language == "zh":
        return "".join(words)
    return " ".join([words[0].capitalize(), *words[1:]])


def make_edition(vocab: Vocabulary, seed: int, index: int, language: str, designation: str,
                 count: int, words_out: list | None = None) -> dict:
    """One edition with its clauses, the same for the same arguments (its own seeded RNG).

    ``words_out``, if given, receives the word list of each clause text (to pick phrases).
    """
    rng = random.Random(f"{seed}/edition/{index}")
    clauses = []
    for number, parent, kind in _outline(rng, count):
        heading = _heading(rng, vocab, language, number, kind)
        if language == "en":
            n = _length(rng, TERM_EN_MEDIAN if kind == "term" else EN_MEDIAN, 3, EN_MAX_WORDS)
            text = _english_text(rng, vocab, n, words_out)
        else:
            n = _length(rng, TERM_ZH_MEDIAN if kind == "term" else ZH_MEDIAN, 8, ZH_MAX_CHARS)
            text = _chinese_text(rng, vocab, n, words_out)
        clauses.append([number, parent, kind, heading, text])
    title = _heading(rng, vocab, language, "title", "title")
    return {"designation": designation, "language": language, "title": title,
            "clauses": clauses}


def generate(path: Path, vocab: Vocabulary, clauses: int, seed: int) -> dict:
    """Write the synthetic editions to ``path`` (JSON Lines, streamed); return what was written."""
    lengths = {"en_words": array("I"), "en_chars": array("I"), "zh_chars": array("I")}
    counts = Counter()
    editions = 0
    started = time.perf_counter()
    with open(path, "w", encoding="utf-8") as out, \
            _bar(total=clauses, desc="generate", unit=" clauses") as bar:
        for index, language, designation, count in edition_plan(clauses, seed):
            edition = make_edition(vocab, seed, index, language, designation, count)
            out.write(json.dumps(edition, ensure_ascii=False, separators=(",", ":")))
            out.write("\n")
            editions += 1
            counts[language] += count
            for _number, _parent, kind, _title, text in edition["clauses"]:
                counts[kind] += 1
                if language == "en":
                    lengths["en_words"].append(text.count(" ") + 1)
                    lengths["en_chars"].append(len(text))
                else:
                    lengths["zh_chars"].append(len(text))
            bar.update(count)
    stats = {name: {"median": statistics.median(v), "p95": pct(list(v), 0.95), "max": max(v)}
             for name, v in lengths.items() if v}
    return {"clauses": clauses, "editions": editions, "en": counts["en"], "zh": counts["zh"],
            "kinds": {k: n for k, n in counts.items() if k not in ("en", "zh")},
            "lengths": stats, "bytes": path.stat().st_size,
            "vocabulary": {"en": len(vocab.en), "zh": len(vocab.zh), "zipf_s": ZIPF_S},
            "seconds": time.perf_counter() - started}


# =============================================================================================
# 2–4. Child processes: load, FTS5 build, whoosh build (peak RSS is each child's own)
# =============================================================================================


def _load_worker(result_path: str, db: str, corpus: str, total: str) -> None:
    """Load the JSON Lines file with ``Store(db).load``, one document per edition."""
    from kb.model import Clause, Document, Edition
    from kb.store import Store

    def documents():
        with open(corpus, encoding="utf-8") as lines:
            for n, line in enumerate(lines, 1):
                def records(line=line):
                    e = json.loads(line)
                    designation, language = e["designation"], e["language"]
                    yield Edition(designation=designation, titles={language: e["title"]},
                                  status="current", languages=(language,))
                    for order, (number, parent, kind, heading, text) in enumerate(e["clauses"]):
                        yield Clause(designation=designation, number=number, heading=heading,
                                     text=text, kind=kind, order=order, parent=parent,
                                     language=language)

                yield Document(name=f"{Path(corpus).name}:{n}", loader="benchmark",
                               sha256=hashlib.sha256(line.encode()).hexdigest(), records=records)

    bar = _bar(total=int(total), desc="Store.load", unit=" records")
    started = time.perf_counter()
    store = Store(db)
    try:
        summary = store.load(documents(), on_records=bar.update)
    finally:
        store.close()
    seconds = time.perf_counter() - started
    bar.close()
    Path(result_path).write_text(json.dumps({
        "loaded": summary.loaded, "failed": summary.failed, "records": summary.records,
        "errors": summary.errors[:20], "seconds": seconds}), encoding="utf-8")


def _fts_worker(result_path: str, db: str, total: str) -> None:
    """The FTS5 half of ``kb index``: ``search._rebuild_fts`` in one transaction."""
    from kb import search
    from kb.store import Store

    bar = _bar(total=int(total), desc="FTS5 index", unit=" clauses")
    store = Store(db)  # kb index opens the store the same way (same PRAGMAs)
    started = time.perf_counter()
    try:
        with store.db.atomic():
            rows = search._rebuild_fts(store.conn, progress=bar.update)
    finally:
        store.close()
    seconds = time.perf_counter() - started
    bar.close()
    Path(result_path).write_text(json.dumps({"rows": rows, "seconds": seconds}),
                                 encoding="utf-8")


def _whoosh_worker(result_path: str, db: str, limit: str) -> None:
    """The whoosh half of ``kb index`` (``search._rebuild_whoosh``), or the first ``limit``
    clauses (by rowid) only, written the same way (``_add_whoosh``, ``limitmb=128``)."""
    from kb import search
    from kb.store import Store

    search._whoosh()  # imports whoosh with its warnings silenced
    from whoosh.writing import SegmentWriter

    store = Store(db)
    conn = store.conn
    total = conn.execute("select count(*) from clauses").fetchone()[0]
    subset = int(limit) if int(limit) < total else None
    bar = _bar(total=subset or total, desc="whoosh index", unit=" docs")
    add, commit = SegmentWriter.add_document, SegmentWriter.commit

    def add_document(self, **fields):
        bar.update()
        return add(self, **fields)

    def committing(self, *a, **k):
        bar.set_postfix_str("committing (merging segments)")
        return commit(self, *a, **k)

    SegmentWriter.add_document, SegmentWriter.commit = add_document, committing
    folder = search.whoosh_dir(conn)
    started = time.perf_counter()
    try:
        if subset is None:
            search._rebuild_whoosh(conn, folder)
        else:
            *_, index, _qparser, _query = search._whoosh()
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            writer = index.create_in(str(folder), search._schema()).writer(limitmb=128)
            last = conn.execute("select rowid from clauses order by rowid limit 1 offset ?",
                                (subset - 1,)).fetchone()[0]
            search._add_whoosh(conn, writer, "c.rowid <= ?", (last,))
            writer.commit()
    finally:
        store.close()
    seconds = time.perf_counter() - started
    bar.close()
    Path(result_path).write_text(json.dumps({"docs": bar.n, "total_clauses": total,
                                             "subset": subset is not None, "seconds": seconds}),
                                 encoding="utf-8")


def _run_child(step: str, db: Path, *args) -> tuple[dict, dict]:
    """Run ``search.py <step> RESULT DB ARGS...``; return (its result, process figures)."""
    result_path = db.with_suffix(f".{step[1:]}-result.json")
    result_path.unlink(missing_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), step, str(result_path), str(db),
               *map(str, args)]
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{step[1:]}: the child process failed with exit code {code}")
    result = json.loads(result_path.read_text(encoding="utf-8"))
    return result, {"process_wall_seconds": wall, "peak_rss_kb": usage.ru_maxrss}


def build_fts(db: Path, clauses: int, db_before: int) -> dict:
    """Step 3 in a child process, then the sizes."""
    print("[3] building the FTS5 tables", file=sys.stderr)
    result, proc = _run_child("_fts", db, clauses)
    sizes = _sizes(db)
    if sizes["method"] != "dbstat":  # no dbstat: what the database file grew by
        sizes["fts_bytes"] = sizes["db_bytes"] - db_before
    return {**result, **proc, "db_before": db_before, "sizes": sizes,
            "code": _index_code()["fts"]}


def _index_code() -> dict:
    """A digest of the kb.search code that builds each index: --reuse rebuilds an index
    when it changed (kb.search is being worked on)."""
    import inspect

    from kb import search

    def digest(*names):
        code = "".join(inspect.getsource(getattr(search, n)) for n in names
                       if hasattr(search, n))
        return hashlib.sha1(code.encode()).hexdigest()[:12]

    return {"fts": digest("_rebuild_fts", "_insert_fts", "segment", "_segmented", "_clause_row",
                          "scope_token"),
            "whoosh": digest("_rebuild_whoosh", "_add_whoosh", "_schema", "segment")}


def _sizes(db: Path) -> dict:
    """Bytes per table from ``dbstat`` (FTS5 shadow tables, clauses), and the file."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute(
            "select name from sqlite_master where rootpage > 0 and (name like 'clauses_fts%' "
            "or name like 'terms_fts%' or name = 'clauses')")]
        tables = {}
        for name in names:
            tables[name] = conn.execute(
                "select pgsize from dbstat where name = ? and aggregate = 1", (name,)
            ).fetchone()[0]
        method = "dbstat"
    except sqlite3.OperationalError:  # no dbstat in this SQLite build
        tables, method = {}, "file size difference"
    finally:
        conn.close()
    return {"tables": tables, "method": method, "db_bytes": file_size(db),
            "fts_bytes": sum(v for k, v in tables.items() if k != "clauses")}


# =============================================================================================
# 5. Queries
# =============================================================================================

#: Query classes and their share of the 200 queries.
CLASSES = (("en-rare", 20), ("en-mid", 20), ("common", 20), ("en-and", 20), ("en-phrase", 15),
           ("zh-word", 25), ("zh-compound", 20), ("zh-2words", 20), ("filter-lang", 14),
           ("filter-std", 13), ("filter-kind", 13))
RARE, MID, COMMON = (10_000, VOCABULARY), (100, 3_000), (0, 10)  # rank ranges (0-based)


def make_queries(vocab: Vocabulary, clauses: int, seed: int, total: int,
                 phrases_supported: bool) -> list[dict]:
    """``total`` queries in CLASSES, the same for the same vocabulary, size and seed.

    Phrases and word pairs are taken from the text of the first 20 editions (regenerated
    here), so they occur in the corpus; filtered queries by standard use those editions.
    """
    rng = random.Random(f"{seed}/queries")
    sample = []  # (designation, language, word lists)
    for index, language, designation, count in edition_plan(clauses, seed):
        if index >= 20:
            break
        words: list[list[str]] = []
        make_edition(vocab, seed, index, language, designation, count, words)
        sample.append((designation, language, words))
    rank = vocab.rank

    def word(language, span):
        return (vocab.en if language == "en" else vocab.zh)[rng.randrange(*span)]

    def adjacent(language, content):
        """Two adjacent words of the sample text: both ranked > 30, or one <= 30 one > 100."""
        texts = [w for _, lang, lists in sample if lang == language for w in lists if len(w) > 1]
        for _ in range(1000):
            words = rng.choice(texts)
            i = rng.randrange(len(words) - 1)
            a, b = words[i], words[i + 1]
            ra, rb = rank[language][a], rank[language][b]
            if min(ra, rb) > 30 if content else (min(ra, rb) <= 30 and max(ra, rb) > 100):
                return a, b
        return word(language, MID), word(language, MID)

    def own_word(span):
        designation, language, lists = rng.choice(sample)
        words = [w for ws in lists for w in ws if span[0] < rank[language][w] <= span[1]]
        return designation, language, rng.choice(words) if words else word(language, MID)

    # the top 10 of each language, interleaved (the, 的, of, 和 …), then ranks 11-30
    commons = [w for pair in zip(vocab.en[:30], vocab.zh[:30], strict=True) for w in pair]
    top10 = set(vocab.en[:10] + vocab.zh[:10])

    def common():
        text = commons.pop(0) if commons else word("en", COMMON)
        return ("top 10" if text in top10 else "top 30"), text, {}

    compounds = iter(ZH_COMPOUNDS)
    makers = {
        "en-rare": [lambda: ("rank > 10 000", word("en", RARE), {})],
        "en-mid": [lambda: ("rank 100-3 000", word("en", MID), {})],
        "common": [common],
        "en-and": [lambda: ("mid+mid", f"{word('en', MID)} {word('en', MID)}", {}),
                   lambda: ("common+mid", f"{word('en', COMMON)} {word('en', MID)}", {}),
                   lambda: ("common+rare", f"{word('en', COMMON)} {word('en', RARE)}", {}),
                   lambda: ("mid+rare", f"{word('en', MID)} {word('en', RARE)}", {}),
                   lambda: ("common+common", f"{word('en', COMMON)} {word('en', COMMON)}", {})],
        "en-phrase": [lambda: ("adjacent, both rank > 30", '"{} {}"'.format(*adjacent("en", True)),
                               {}),
                      lambda: ("adjacent, common + rank > 100",
                               '"{} {}"'.format(*adjacent("en", False)), {})],
        "zh-word": [lambda: ("rank > 10 000", word("zh", RARE), {}),
                    lambda: ("rank 100-3 000", word("zh", MID), {}),
                    lambda: ("domain, rank 11-60", word("zh", (10, 60)), {})],
        "zh-compound": [lambda: ("domain compound", next(compounds, ("风险管理",))[0], {}),
                        lambda: ("adjacent words joined", "".join(adjacent("zh", True)), {}),
                        lambda: ("mid words joined", word("zh", MID) + word("zh", MID), {})],
        "zh-2words": [lambda: ("domain pair", rng.choice(ZH_COMPOUNDS)[1], {}),
                      lambda: ("adjacent words", " ".join(adjacent("zh", True)), {}),
                      lambda: ("mid words", f"{word('zh', MID)} {word('zh', MID)}", {})],
        "filter-lang": [lambda: ("en common, lang=en", word("en", COMMON), {"language": "en"}),
                        lambda: ("zh common, lang=zh", word("zh", COMMON), {"language": "zh"}),
                        lambda: ("en mid, lang=en", word("en", MID), {"language": "en"}),
                        lambda: ("zh mid, lang=zh", word("zh", MID), {"language": "zh"})],
        "filter-std": [lambda: ("common word, standard=", *_standard_query(own_word((0, 10)))),
                       lambda: ("the edition's own mid word, standard=",
                                *_standard_query(own_word(MID)))],
        "filter-kind": [lambda: ("en common, kind=clause", word("en", COMMON), {"kind": "clause"}),
                        lambda: ("zh common, kind=clause", word("zh", COMMON), {"kind": "clause"}),
                        lambda: ("en mid, kind=clause", word("en", MID), {"kind": "clause"}),
                        lambda: ("zh mid, kind=clause", word("zh", MID), {"kind": "clause"})],
    }
    quotas = {name: max(1, round(share * total / 200)) for name, share in CLASSES}
    quotas["zh-word"] += total - sum(quotas.values())
    queries: list[dict] = []
    seen: set = set()
    for name, _ in CLASSES:
        taken, tries = 0, 0
        while taken < quotas[name] and tries < 100 * quotas[name] + 100:
            maker = makers[name][tries % len(makers[name])]
            tries += 1
            sub, text, filters = maker()
            key = (text, tuple(sorted(filters.items())))
            if key in seen:
                continue
            seen.add(key)
            queries.append({"id": len(queries) + 1, "class": name, "sub": sub, "query": text,
                            "filters": filters})
            taken += 1
    for q in queries:
        if q["class"] == "en-phrase" and not phrases_supported:
            q["note"] = "kb.search drops the quotes: the two words are AND-ed"
    return queries


def _standard_query(picked: tuple[str, str, str]) -> tuple[str, dict]:
    """(query, filters) for a word of an edition, filtered by that edition."""
    designation, _language, text = picked
    return text, {"standard": designation}


def _query_worker(result_path: str, db: str, queries_path: str, whoosh: str) -> None:
    """Time every query against the engines: a warm-up pass, then the timed pass."""
    from kb import search

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)  # as the CLI opens it
    started = time.perf_counter()
    search._jieba()
    jieba_seconds = time.perf_counter() - started
    queries = json.loads(Path(queries_path).read_text(encoding="utf-8"))

    def raw(q):
        match = search._match_query(q["query"])
        if not match:
            return []
        sql, params = "select rowid from clauses_fts where clauses_fts match ?", [match]
        f = q["filters"]
        if f.get("standard"):
            sql += " and edition_id = ?"
            params.append(f["standard"])
        if f.get("language"):
            sql += " and language = ?"
            params.append(f["language"])
        if f.get("kind"):
            sql += " and kind like ?"
            params.append(f"{f['kind']}%")
        return conn.execute(sql + " order by rank limit ?", [*params, LIMIT]).fetchall()

    engines = {"raw": raw,
               "fts": lambda q: search.search(conn, q["query"], limit=LIMIT, engine="fts",
                                              **q["filters"])}
    if whoosh == "1":
        engines["whoosh"] = lambda q: search.search(conn, q["query"], limit=LIMIT,
                                                    engine="whoosh", **q["filters"])
    results = {q["id"]: {"ms": {}, "warmup_ms": {}, "hits": {}, "errors": {}} for q in queries}
    keys: dict[int, set] = {}  # the hits of search(fts) in the timed pass
    for phase in ("warmup_ms", "ms"):
        with _bar(total=len(queries) * len(engines), desc=f"queries ({phase[:-3] or 'timed'})",
                  unit=" runs", unit_scale=False) as bar:
            for q in queries:
                r = results[q["id"]]
                for name, engine in engines.items():  # interleaved: same cache state for each
                    t = time.perf_counter()
                    try:
                        hits = engine(q)
                    except Exception as error:  # recorded per query, the run goes on
                        hits = None
                        r["errors"][name] = f"{type(error).__name__}: {error}"
                    r[phase][name] = (time.perf_counter() - t) * 1e3
                    r["hits"][name] = None if hits is None else len(hits)
                    if name == "fts" and hits is not None:
                        keys[q["id"]] = {_hit_key(h) for h in hits}
                    bar.update()
    bound = None
    if hasattr(search, "RANK_LIMIT"):  # search() ranks at most RANK_LIMIT matches
        bound = _exact_ranking(search, conn, queries, results, keys)
    conn.close()
    Path(result_path).write_text(json.dumps({"jieba_init_ms": jieba_seconds * 1e3,
                                             "rank_limit": bound, "results": results}),
                                 encoding="utf-8")


def _hit_key(hit: dict) -> tuple:
    return hit["designation"], hit["language"], hit["clause"]


def _exact_ranking(search, conn, queries: list[dict], results: dict, keys: dict) -> int:
    """Not part of the comparison: search(fts) again with its bound on ranked matches lifted
    (every match ranked), timed, and the share of its hits the bounded search also gave."""
    bound = search.RANK_LIMIT
    search.RANK_LIMIT = 1 << 62
    try:
        for q in _bar(iterable=queries, desc="exact ranking", unit=" queries",
                      unit_scale=False):
            r = results[q["id"]]
            t = time.perf_counter()
            try:
                hits = search.search(conn, q["query"], limit=LIMIT, engine="fts", **q["filters"])
            except Exception as error:
                r["errors"]["fts-exact"] = f"{type(error).__name__}: {error}"
                continue
            r["ms"]["fts-exact"] = (time.perf_counter() - t) * 1e3
            r["hits"]["fts-exact"] = len(hits)
            exact = {_hit_key(h) for h in hits}
            if exact and q["id"] in keys:
                r["overlap"] = len(exact & keys[q["id"]]) / len(exact)
    finally:
        search.RANK_LIMIT = bound
    return bound


def query_stats(queries: list[dict], engines: list[str]) -> dict:
    """p50/p95/max per engine, overall and per class (queries that raised left out);
    search(fts) against raw FTS5; search(fts) against its exact ranking, if measured."""
    if any("fts-exact" in q["ms"] for q in queries):
        engines = [*engines, "fts-exact"]

    def summary(qs, engine):
        ok = [q for q in qs if engine in q["ms"] and engine not in q["errors"]]
        times = [q["ms"][engine] for q in ok]
        hits = [q["hits"][engine] for q in ok]
        overlaps = [q["overlap"] for q in ok if q.get("overlap") is not None]
        return {"n": len(times), "p50": pct(times, 0.5), "p95": pct(times, 0.95),
                "max": max(times, default=float("nan")), "sum_ms": sum(times),
                "mean_hits": statistics.mean(hits) if hits else float("nan"),
                "zero_hits": sum(1 for h in hits if h == 0),
                "errors": sum(1 for q in qs if engine in q["errors"]),
                **({"exact": sum(1 for o in overlaps if o == 1), "compared": len(overlaps),
                    "mean_overlap": statistics.mean(overlaps)}
                   if engine == "fts" and overlaps else {})}

    stats = {"overall": {e: summary(queries, e) for e in engines}, "classes": {}}
    for name, _ in CLASSES:
        qs = [q for q in queries if q["class"] == name]
        if qs:
            stats["classes"][name] = {e: summary(qs, e) for e in engines if e != "fts-exact"}
    both = [q for q in queries if not {"raw", "fts"} & set(q["errors"])]
    slower = [q for q in both
              if q["ms"]["fts"] - q["ms"]["raw"] > 1.0 and q["ms"]["fts"] > 1.1 * q["ms"]["raw"]]
    slower.sort(key=lambda q: q["ms"]["fts"] - q["ms"]["raw"], reverse=True)
    stats["fts_slower_than_raw"] = {
        "count": len(slower), "of": len(both),
        "worst": [{"id": q["id"], "class": q["class"], "query": q["query"],
                   "filters": q["filters"], "raw_ms": q["ms"]["raw"], "fts_ms": q["ms"]["fts"]}
                  for q in slower[:8]]}
    errors: dict[tuple, list] = {}
    for q in queries:
        for engine, message in q["errors"].items():
            errors.setdefault((engine, message), []).append(q["id"])
    stats["errors"] = [{"engine": e, "message": m, "queries": ids}
                       for (e, m), ids in errors.items()]
    return stats


# =============================================================================================
# 6. The command line, end to end
# =============================================================================================


def cli_runs(db: Path, queries: list[dict], rounds: int = 5) -> dict:
    """Process start-up and ``kb search --engine fts`` for a few queries, each the median of
    ``rounds`` runs; a round runs every command once, so each sees the same machine load.

    Start-up is ``kb --version`` (interpreter, click and the kb.cli imports: what every
    command pays) and, for Chinese queries, that plus importing and initialising jieba.
    """
    kb = [sys.executable, "-m", "kb.cli"]  # this checkout's kb, as the `kb` script runs it
    chosen, classes = [], set()
    for q in queries:  # the first query of a few classes, and the first "the" and "的"
        if (q["class"] in ("en-rare", "zh-compound", "en-and", "filter-lang", "filter-std")
                and q["class"] not in classes) or q["query"] in ("the", "的"):
            classes.add(q["class"])
            if q["query"] not in [c["query"] for c in chosen]:
                chosen.append(q)
    commands = {"startup": kb + ["--version"],
                "startup_jieba": [sys.executable, "-c",
                                  "import kb.cli, kb.search; kb.search._jieba()"]}
    for q in chosen:
        options = ["search", "--db", str(db), "--engine", "fts", "-n", str(LIMIT)]
        for option, key in (("--standard", "standard"), ("--lang", "language"),
                            ("--kind", "kind")):
            if q["filters"].get(key):
                options += [option, q["filters"][key]]
        commands[q["id"]] = kb + options + [q["query"]]
    times: dict = {name: [] for name in commands}
    done: dict = {}
    with _bar(total=(rounds + 1) * len(commands), desc="command lines", unit=" runs",
              unit_scale=False) as bar:
        for round_ in range(rounds + 1):  # round 0 warms up (file cache, bytecode)
            for name, command in commands.items():
                t = time.perf_counter()
                done[name] = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
                if round_:
                    times[name].append((time.perf_counter() - t) * 1e3)
                bar.update()
    runs = []
    for q in chosen:
        out = done[q["id"]]
        runs.append({"id": q["id"], "class": q["class"], "query": q["query"],
                     "filters": q["filters"], "ms": statistics.median(times[q["id"]]),
                     "runs_ms": times[q["id"]], "exit": out.returncode,
                     "chinese": bool(_HAN.search(q["query"])),
                     "lines": len(out.stdout.splitlines()), "stderr": out.stderr.strip()[:300],
                     "in_process_ms": q["ms"].get("fts"),
                     "command": " ".join(["kb", *commands[q["id"]][3:]])})
    return {"startup_ms": statistics.median(times["startup"]),
            "startup_runs_ms": times["startup"], "startup_command": "python -m kb.cli --version",
            "startup_jieba_ms": statistics.median(times["startup_jieba"]),
            "startup_jieba_runs_ms": times["startup_jieba"],
            "startup_jieba_command": "python -c 'import kb.cli, kb.search; "
                                     "kb.search._jieba()'",
            "rounds": rounds, "runs": runs}


# =============================================================================================
# The table
# =============================================================================================

COLUMNS = ("#", "figure", "n", "wall s", "throughput", "p50 / p95 / max", "peak RSS", "size",
           "notes")
ENGINE_NAMES = {"raw": "raw FTS5 MATCH … ORDER BY rank", "fts": "search(engine='fts')",
                "whoosh": "search(engine='whoosh')",
                "fts-exact": "  search(fts), every match ranked"}


#: What a class means for an engine, where the engines differ.
CLASS_NOTES = {("en-phrase", "whoosh"): "a phrase (whoosh's parser)",
               ("zh-compound", "raw"): "jieba's words as one FTS5 phrase",
               ("zh-compound", "fts"): "jieba's words as one FTS5 phrase",
               ("zh-compound", "whoosh"): "jieba's words AND-ed",
               ("filter-std", "raw"): "edition_id = ? on the UNINDEXED column",
               ("filter-kind", "raw"): "kind like 'clause%' on the UNINDEXED column"}


def _rss(p: dict) -> str:
    return f"{p['peak_rss_kb'] / 1024:,.0f} MiB"


def _lat(s: dict) -> str:
    return f"{s['p50']:.1f} / {s['p95']:.1f} / {s['max']:.1f} ms" if s["n"] else ""


def _hits(s: dict) -> str:
    text = f"mean hits {s['mean_hits']:.1f}, 0 hits {s['zero_hits']}" if s["n"] else "no result"
    if s.get("compared"):
        text += (f"; top {LIMIT} = the exact ranking's on {s['exact']} of {s['compared']} "
                 f"(mean overlap {100 * s['mean_overlap']:.0f} %)")
    return text


def build_rows(res: dict) -> list[tuple]:
    rows: list[tuple] = []
    g = res.get("generate")
    if g:
        ln = g["lengths"]
        rows.append(("1", "generate clauses -> JSONL", f"{g['clauses']:,}", f"{g['seconds']:.1f}",
                     f"{g['clauses'] / g['seconds']:,.0f} clauses/s", "", "",
                     f"{mb(g['bytes']):,.0f} MB file",
                     f"{g['editions']:,} editions; en {g['en']:,}, zh {g['zh']:,}; median en "
                     f"{ln['en_words']['median']:.0f} words ({ln['en_chars']['median']:.0f} chars,"
                     f" max {ln['en_chars']['max']:,}), zh {ln['zh_chars']['median']:.0f} chars "
                     f"(max {ln['zh_chars']['max']:,}); vocab {g['vocabulary']['en']:,} en + "
                     f"{g['vocabulary']['zh']:,} zh, Zipf s={g['vocabulary']['zipf_s']}"))
    s = res.get("load")
    if s:
        rows.append(("2", "Store.load (1 document/edition)", f"{s['clauses']:,}",
                     f"{s['seconds']:.1f}", f"{s['clauses'] / s['seconds']:,.0f} clauses/s", "",
                     _rss(s), f"{mb(s['db_bytes']):,.0f} MB DB",
                     f"{s['loaded']:,} documents, {s['records']:,} records, {s['failed']} failed;"
                     f" clauses table {mb(s.get('clauses_bytes', 0)):,.0f} MB"))
    f = res.get("fts")
    if f:
        t = f["sizes"]["tables"]
        part = lambda p: sum(v for k, v in t.items() if k.startswith(p))  # noqa: E731
        rows.append(("3", "FTS5 build: _rebuild_fts, 1 txn", f"{f['rows']:,} rows",
                     f"{f['seconds']:.1f}", f"{f['rows'] / f['seconds']:,.0f} rows/s", "", _rss(f),
                     f"{mb(f['sizes']['fts_bytes']):,.0f} MB FTS5",
                     f"clauses_fts {mb(part('clauses_fts')):,.0f} MB (content "
                     f"{mb(t.get('clauses_fts_content', 0)):,.0f}, index "
                     f"{mb(t.get('clauses_fts_data', 0) + t.get('clauses_fts_idx', 0)):,.0f}), "
                     f"terms_fts {mb(part('terms_fts')):,.1f} MB ({f['sizes']['method']}); DB "
                     f"{mb(f['db_before']):,.0f} -> {mb(f['sizes']['db_bytes']):,.0f} MB"))
    w = res.get("whoosh")
    if res.get("whoosh_skipped"):
        rows.append(("4", "whoosh build", "", "", "", "", "", "",
                     "skipped (--whoosh-clauses 0): no whoosh index, no whoosh queries"))
    elif w:
        subset = f"SUBSET: first {w['docs']:,} of {w['total_clauses']:,} clauses only" \
            if w["subset"] else "all clauses"
        rows.append(("4", "whoosh build" + (" [SUBSET]" if w["subset"] else ""),
                     f"{w['docs']:,} docs", f"{w['seconds']:.1f}",
                     f"{w['docs'] / w['seconds']:,.0f} docs/s", "", _rss(w),
                     f"{mb(w['bytes']):,.0f} MB folder",
                     subset + ("; _rebuild_whoosh" if not w["subset"] else
                               "; _add_whoosh over rowid <= N, limitmb=128")))
    st = res.get("query_stats")
    if st:
        qp = res["query_process"]
        wsub = isinstance(w, dict) and w["subset"]
        for e, s in st["overall"].items():
            name = ENGINE_NAMES[e] + (" [SUBSET index]" if e == "whoosh" and wsub else "")
            note = {"raw": "; peak RSS: the query process (all engines)",
                    "fts-exact": f"; search(fts) with RANK_LIMIT ({qp.get('rank_limit')}) "
                                 "lifted, after the timed pass, not in the comparison"}
            rows.append(("5", name, f"{s['n']} queries", f"{s['sum_ms'] / 1e3:.2f}",
                         f"{s['n'] / (s['sum_ms'] / 1e3):,.1f} q/s" if s["n"] else "", _lat(s),
                         _rss(qp) if e == "raw" else "", "",
                         _hits(s) + f", errors {s['errors']}" + note.get(e, "")))
        for cls, by_engine in st["classes"].items():
            for e, s in by_engine.items():
                note = CLASS_NOTES.get((cls, e), "")
                if cls == "en-phrase" and e != "whoosh":
                    note = "a phrase" if res["phrases_supported"] else \
                        "not a phrase: kb.search drops the quotes, ANDs the words"
                label = f"{e} [SUBSET index]" if e == "whoosh" and wsub else e
                rows.append(("5", f"  {cls}: {label}", str(s["n"]), f"{s['sum_ms'] / 1e3:.2f}", "",
                             _lat(s), "", "",
                             _hits(s) + (f", errors {s['errors']}" if s["errors"] else "")
                             + (f"; {note}" if note else "")))
        for error in st["errors"]:
            ids = error["queries"]
            rows.append(("5", f"  error ({error['engine']})", f"{len(ids)} queries", "", "", "",
                         "", "", f"{error['message'][:120]} (#{', #'.join(map(str, ids[:6]))}"
                         f"{' …' if len(ids) > 6 else ''})"))
        c = st["fts_slower_than_raw"]
        rows.append(("5", "search(fts) slower than raw by >1 ms and >10 %",
                     f"{c['count']} of {c['of']}", "", "", "", "", "",
                     "the rest are within 1 ms or 10 %" if c["count"] else "none"))
        for q in c["worst"][:5]:
            filt = "".join(f" {k}={v}" for k, v in q["filters"].items())
            rows.append(("5", f"  #{q['id']} {q['class']}: {q['query']}{filt}", "", "", "",
                         f"{q['raw_ms']:.1f} -> {q['fts_ms']:.1f} ms", "", "",
                         f"+{q['fts_ms'] - q['raw_ms']:.1f} ms, "
                         f"x{q['fts_ms'] / max(q['raw_ms'], 1e-3):.1f}"))
        rows.append(("5", "jieba initialisation, once per process", "", "", "",
                     f"{qp['jieba_init_ms']:.0f} ms", "", "",
                     "paid by every CLI call with a Chinese query"))
    cli = res.get("cli")
    if cli:
        rows.append(("6", "process start-up: kb --version", f"{len(cli['startup_runs_ms'])} runs",
                     "", "", f"{cli['startup_ms']:.0f} ms", "", "",
                     "median; python -m kb.cli: interpreter, click, kb.cli imports"))
        rows.append(("6", "start-up + import kb.search, init jieba",
                     f"{len(cli['startup_jieba_runs_ms'])} runs", "", "",
                     f"{cli['startup_jieba_ms']:.0f} ms", "", "",
                     "median; what a Chinese query starts from"))
        for r in cli["runs"]:
            filt = "".join(f" {k}={v}" for k, v in r["filters"].items())
            base = cli["startup_jieba_ms"] if r["chinese"] else cli["startup_ms"]
            rows.append(("6", f"  kb search --engine fts {r['query']!r}{filt}",
                         f"{len(r['runs_ms'])} calls", f"{r['ms'] / 1e3:.2f}", "",
                         f"{r['ms']:.0f} ms", "", "",
                         f"median; minus start-up{' + jieba' if r['chinese'] else ''} "
                         f"{r['ms'] - base:.0f} ms; in-process {r['in_process_ms'] or 0:.1f} ms; "
                         f"exit {r['exit']}, {r['lines']} lines"
                         + (f": {(r['stderr'].splitlines() or [''])[-1][:100]}" if r["exit"]
                            else "")))
    return rows


def format_table(rows: list[tuple]) -> str:
    return common.format_table(COLUMNS, rows, {2, 3, 5, 6, 7})


def summary_line(res: dict) -> str:
    parts = []
    if res.get("load"):
        parts.append(f"load {res['load']['seconds']:.0f} s")
    if res.get("fts"):
        parts.append(f"FTS5 build {res['fts']['seconds']:.0f} s "
                     f"({mb(res['fts']['sizes']['fts_bytes']):,.0f} MB)")
    w = res.get("whoosh")
    if w and not res.get("whoosh_skipped"):
        parts.append(f"whoosh build {w['seconds']:.0f} s ({mb(w['bytes']):,.0f} MB"
                     + (f", SUBSET of {w['docs']:,} clauses)" if w["subset"] else ")"))
    st = res.get("query_stats")
    if st:
        o = st["overall"]
        parts.append(f"p50/p95 raw FTS5 {o['raw']['p50']:.1f}/{o['raw']['p95']:.1f} ms, "
                     f"search(fts) {o['fts']['p50']:.1f}/{o['fts']['p95']:.1f} ms"
                     + (f", whoosh {o['whoosh']['p50']:.1f}/{o['whoosh']['p95']:.1f} ms"
                        if "whoosh" in o else ""))
        c = st["fts_slower_than_raw"]
        parts.append(f"search(fts) slower than raw by >1 ms and >10 % on {c['count']} of "
                     f"{c['of']} queries")
        if o["fts"].get("compared"):
            parts.append(f"its top {LIMIT} = the exact ranking's on {o['fts']['exact']} of "
                         f"{o['fts']['compared']}")
        if st["errors"]:
            parts.append(f"ERRORS on {sum(len(e['queries']) for e in st['errors'])} query runs")
    return f"summary ({res['clauses']:,} clauses): " + "; ".join(parts)


# =============================================================================================


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clauses", type=int, default=1_000_000,
                        help="synthetic clauses, half English, half Chinese (default 1 000 000)")
    parser.add_argument("--whoosh-clauses", type=int, default=None,
                        help="build the whoosh index over the first N clauses only (default: "
                             "all; 0: no whoosh index and no whoosh queries)")
    parser.add_argument("--out", type=Path, default=HERE / "out",
                        help="folder for the clauses, the database, the indexes and results")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the database and indexes of an earlier run with the same "
                             "--clauses and --seed (skips steps 1-4; the whoosh index is rebuilt "
                             "if --whoosh-clauses differs)")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--queries", type=int, default=200, help="queries (default 200)")
    args = parser.parse_args(argv)
    if args.clauses < 1000 or args.queries < len(CLASSES):
        parser.error(f"--clauses must be >= 1000 and --queries >= {len(CLASSES)}")
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    corpus = out / f"search-{args.clauses}.jsonl"
    db = out / f"search-{args.clauses}.db"
    whoosh_folder = Path(str(db) + ".whoosh")
    build_file = out / f"search-{args.clauses}.build.json"  # steps 1-4, for --reuse
    results_file = out / "search.json"
    wanted_whoosh = args.clauses if args.whoosh_clauses is None \
        else min(args.whoosh_clauses, args.clauses)
    res: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                             "sqlite": sqlite3.sqlite_version, "platform": platform.platform()},
                 "clauses": args.clauses, "seed": args.seed, "whoosh_clauses": wanted_whoosh,
                 "started": dt.datetime.now().isoformat(), "db": str(db)}
    run_started = time.perf_counter()

    def save():
        res["total_seconds"] = time.perf_counter() - run_started
        res["table"] = [dict(zip(COLUMNS, r, strict=True)) for r in build_rows(res)]
        results_file.write_text(json.dumps(res, indent=1, ensure_ascii=False), encoding="utf-8")
        build_file.write_text(json.dumps({k: res.get(k) for k in (
            "clauses", "seed", "generate", "load", "fts", "whoosh")}, indent=1), encoding="utf-8")

    print(f"[1] vocabularies ({VOCABULARY:,} words each)", file=sys.stderr)
    vocab = Vocabulary(args.seed)
    if args.reuse:
        previous = json.loads(build_file.read_text()) if build_file.exists() else {}
        if previous.get("seed") != args.seed or not db.exists() or not previous.get("fts"):
            raise SystemExit(f"--reuse: no earlier run of {args.clauses} clauses, seed "
                             f"{args.seed}, in {out}")
        for key in ("generate", "load", "fts", "whoosh"):
            res[key] = previous.get(key)
        code = _index_code()
        if res["fts"].get("code") != code["fts"]:
            print("[3] kb.search indexes differently since that run: FTS5 rebuilt",
                  file=sys.stderr)
            res["fts"] = build_fts(db, res["load"]["clauses"], res["load"]["db_bytes"])
        w = res["whoosh"]
        have = w["docs"] if isinstance(w, dict) and whoosh_folder.exists() else 0
        if wanted_whoosh and (have != wanted_whoosh or w.get("code") != code["whoosh"]):
            res["whoosh"] = None
            shutil.rmtree(whoosh_folder, ignore_errors=True)
        print(f"[1-4] reusing {db.name}" + ("" if res["whoosh"] or not wanted_whoosh else
                                             " (the whoosh index is rebuilt)"), file=sys.stderr)
    else:
        unlink_db(db)
        print(f"[1] generating {args.clauses:,} clauses into {corpus}", file=sys.stderr)
        res["generate"] = generate(corpus, vocab, args.clauses, args.seed)
        save()
        print(f"[2] loading {corpus.name} into {db}", file=sys.stderr)
        result, proc = _run_child("_load", db, corpus,
                                  args.clauses + res["generate"]["editions"])
        if result["failed"]:
            raise SystemExit(f"load: {result['failed']} documents failed: {result['errors'][:3]}")
        sizes = _sizes(db)
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        clauses = conn.execute("select count(*) from clauses").fetchone()[0]
        conn.close()
        res["load"] = {**result, **proc, "clauses": clauses, "db_bytes": sizes["db_bytes"],
                       "clauses_bytes": sizes["tables"].get("clauses", 0)}
        save()
        res["fts"] = build_fts(db, clauses, res["load"]["db_bytes"])
        save()
    if wanted_whoosh == 0:
        res["whoosh_skipped"] = True  # an index of an earlier run is left as it is
    elif not res.get("whoosh"):
        print(f"[4] building the whoosh index ({wanted_whoosh:,} clauses)", file=sys.stderr)
        result, proc = _run_child("_whoosh", db, wanted_whoosh)
        res["whoosh"] = {**result, **proc, "bytes": file_size(whoosh_folder),
                         "code": _index_code()["whoosh"]}
    save()

    from kb import search

    phrases = '"a b"' in search._match_query('"a b"')
    queries = make_queries(vocab, args.clauses, args.seed, args.queries, phrases)
    res["phrases_supported"] = phrases
    queries_file = out / f"search-{args.clauses}.queries.json"
    queries_file.write_text(json.dumps(queries, ensure_ascii=False, indent=1), encoding="utf-8")
    engines = ["raw", "fts"] + (["whoosh"] if wanted_whoosh else [])
    print(f"[5] {len(queries)} queries x {len(engines)} engines, warm-up then timed",
          file=sys.stderr)
    result, proc = _run_child("_queries", db, queries_file, int("whoosh" in engines))
    for q in queries:
        q.update(result["results"][str(q["id"])])
    res["queries"] = queries
    res["query_process"] = {**proc, "jieba_init_ms": result["jieba_init_ms"],
                            "rank_limit": result["rank_limit"]}
    res["query_stats"] = query_stats(queries, engines)
    save()
    print("[6] kb search command lines", file=sys.stderr)
    res["cli"] = cli_runs(db, queries)
    save()

    table = format_table(build_rows(res))
    res["table_text"] = table
    res["summary"] = summary_line(res)
    results_file.write_text(json.dumps(res, indent=1, ensure_ascii=False), encoding="utf-8")
    print()
    print(f"standards-kb search benchmark — {args.clauses:,} clauses; {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; "
          f"total {res['total_seconds'] / 60:.1f} min")
    print(table)
    print()
    print(res["summary"])
    print(f"(written to {results_file})")


WORKERS = {"_load": _load_worker, "_fts": _fts_worker, "_whoosh": _whoosh_worker,
           "_queries": _query_worker}

if __name__ == "__main__":
    if sys.argv[1:2] and sys.argv[1] in WORKERS:
        WORKERS[sys.argv[1]](*sys.argv[2:])
    else:
        main()
