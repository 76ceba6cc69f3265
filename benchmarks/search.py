#!/usr/bin/env python
"""Clause-text search benchmark of the knowledge base at 1 000 000 clauses.

Run from the repository root::

    python benchmarks/search.py                        # 1 M clauses, everything
    python benchmarks/search.py --clauses 20000 --whoosh-clauses 5000   # a quick check, 2 min

It measures the search design of :mod:`kb.text.search`: each clause analysed once
(:func:`kb.text.analysis.index_text`) and fed to FTS5 inside the database and to the tantivy index
beside it (the default engine), whoosh on request.  Every figure comes from the same run on the
current machine; see benchmarks/README.md for what each one means.  Steps:

1. generate synthetic clause text, half English and half Chinese, in editions of 120–280
   clauses (``ISO 9xxxx:YYYY`` in English, ``GB/T 9xxxx-YYYY`` in Chinese, numbers the embedded
   catalogue does not use), words drawn from a Zipf distribution (s = 1.1) over vocabularies
   of 30 000 words per language whose top ranks are real words; streamed to a JSON Lines file;
2. load it with the real store path, ``Store(db).load(documents)``, one document of Edition
   and Clause records per edition, in a child process (the store indexes what it writes in
   FTS5 as it goes, ``kb.text.search.index_texts``);
3. build every default index as ``kb index`` does: ``kb.text.search.rebuild(conn)`` in one
   transaction (segmentation in a fork pool over the cores, FTS5 and tantivy fed from it), in
   a child process; sizes from ``dbstat`` and the folder;
4. segmentation alone: ``kb.text.analysis.index_text`` over every clause in a fork pool of 2;
5. the whoosh index, which builds at a few hundred clauses a second, on a SUBSET: a copy of
   the database holding the first ``--whoosh-clauses`` clauses (100 000), rebuilt without and
   then with whoosh;
6. a fixed set of 200 queries in classes (rare, mid and very common words, AND, phrases,
   Chinese words, compounds and word pairs, filters), in one process, every engine
   interleaved query by query, one warm-up pass then the timed pass: ``search()`` with
   tantivy and with FTS5, raw FTS5 ``MATCH … ORDER BY rank LIMIT 20``, and on the subset
   whoosh and tantivy;
7. recall@20 of each engine against its own brute-force scoring of every match;
8. ``kb search`` from a cold process, end to end, beside the process start-up.

Peak RSS is each child's own (``os.wait4``); the process tree's (pool workers included) is
sampled from ``/proc``.  The summary table is printed at the end and written, with every raw
figure, to ``<out>/search.json``.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import hashlib
import json
import math
import os
import platform
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import threading
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
# 2–5. Child processes: load, index build, segmentation (peak RSS is each child's own)
# =============================================================================================


def _load_worker(result_path: str, db: str, corpus: str, total: str) -> None:
    """Load the JSON Lines file with ``Store.load``, one document per edition."""
    from kb.catalogue.model import Clause, Document, Edition
    from kb.catalogue.store import Store

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
    _write(result_path, {"loaded": summary.loaded, "failed": summary.failed,
                         "records": summary.records, "errors": summary.errors[:20],
                         "seconds": seconds})


def _index_worker(result_path: str, db: str, total: str, whoosh: str) -> None:
    """``kb index`` (``--whoosh``): ``kb.text.search.rebuild`` in one transaction on a
    Store-opened connection, as the command runs it."""
    from kb.catalogue.store import Store
    from kb.text import search

    bar = _bar(total=int(total), desc="kb index" + (" --whoosh" if whoosh == "1" else ""),
               unit=" clauses")
    fed = [0.0]

    def progress(n: int) -> None:
        bar.update(n)
        fed[0] = time.perf_counter()

    store = Store(db)  # kb index opens the store the same way (same PRAGMAs)
    started = time.perf_counter()
    try:
        with store.db.atomic():
            count = search.rebuild(store.conn, progress=progress, whoosh=whoosh == "1",
                                   defer_fts=True)
            rebuilt = time.perf_counter()
        committed = time.perf_counter()  # tantivy answers from here
        search.drain_fts(store.conn)  # then FTS5 follows, as kb index does
        filled = time.perf_counter()
    finally:
        store.close()
    bar.close()
    _write(result_path, {"clauses": count, "seconds": filled - started,
                         "tantivy_seconds": committed - started,
                         "fts_fill_seconds": filled - committed,
                         "feed_seconds": (fed[0] or rebuilt) - started,
                         "folders_seconds": rebuilt - (fed[0] or rebuilt),
                         "sqlite_commit_seconds": committed - rebuilt})


def _segment_batch(rows: list[tuple]) -> list:
    """index_text over one batch; [English clauses, their seconds, Chinese, seconds]."""
    from kb.text import analysis

    out = [0, 0.0, 0, 0.0]
    for heading, text, language in rows:
        t = time.perf_counter()
        analysis.index_text(heading, text)
        i = 0 if language == "en" else 2
        out[i] += 1
        out[i + 1] += time.perf_counter() - t
    return out


def _segment_worker(result_path: str, db: str, total: str, workers: str) -> None:
    """``kb.text.analysis.index_text`` over every clause in a fork pool of ``workers``, batches of
    500 read from the database in this process, as ``kb.text.search.rebuild`` spreads them."""
    import multiprocessing

    from kb.text import analysis

    workers_n = int(workers)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    analysis.index_text("预热", "")  # the dictionaries are loaded before the fork, as in kb
    bar = _bar(total=int(total), desc=f"index_text, {workers_n} workers", unit=" clauses")
    sums = [0, 0.0, 0, 0.0]

    def add(part):
        for i, v in enumerate(part):
            sums[i] += v
        bar.update(part[0] + part[2])

    started = time.perf_counter()
    cursor = conn.execute("select heading, text, language from clauses")
    pending: collections.deque = collections.deque()
    with multiprocessing.get_context("fork").Pool(workers_n) as pool:
        while batch := cursor.fetchmany(500):
            pending.append(pool.apply_async(_segment_batch, (batch,)))
            if len(pending) >= 4 * workers_n:
                add(pending.popleft().get())
        while pending:
            add(pending.popleft().get())
    seconds = time.perf_counter() - started
    bar.close()
    conn.close()
    _write(result_path, {"clauses": sums[0] + sums[2], "seconds": seconds, "workers": workers_n,
                         "en": sums[0], "en_cpu_seconds": sums[1], "zh": sums[2],
                         "zh_cpu_seconds": sums[3]})


def _write(path: str, data: dict) -> None:
    Path(path).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


class _TreeMemory(threading.Thread):
    """Samples the summed RSS and PSS of a process and its descendants (pool workers) from
    ``/proc`` every 0.2 s; forked workers share pages, so PSS is the fairer sum."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_rss_kb = self.peak_pss_kb = self.peak_processes = 0
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    with open(f"/proc/{entry.name}/stat") as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(ppid, []).append(int(entry.name))
        tree, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo += children.get(pid, [])
        return tree

    def run(self) -> None:
        if not Path("/proc/self/smaps_rollup").exists():
            return
        while not self._stop_event.is_set():
            rss = pss = n = 0
            for pid in self._tree():
                try:
                    with open(f"/proc/{pid}/smaps_rollup") as f:
                        for line in f:
                            if line.startswith("Rss:"):
                                rss += int(line.split()[1])
                            elif line.startswith("Pss:"):
                                pss += int(line.split()[1])
                    n += 1
                except (OSError, ValueError):
                    continue
            self.peak_rss_kb = max(self.peak_rss_kb, rss)
            self.peak_pss_kb = max(self.peak_pss_kb, pss)
            self.peak_processes = max(self.peak_processes, n)
            self._stop_event.wait(0.2)


class _OtherLoad:
    """CPU time the rest of the machine used while a step ran (``/proc/stat`` busy time
    minus this process's and its reaped children's): the figures are only comparable when
    this stays near 0 cores."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.busy = self._busy()
        self.own = self._own()

    @staticmethod
    def _busy() -> float:
        try:
            with open("/proc/stat") as f:
                v = [int(x) for x in f.readline().split()[1:9]]
        except (OSError, ValueError):
            return float("nan")
        return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")  # not idle, not iowait

    @staticmethod
    def _own() -> float:
        import resource

        return sum(u.ru_utime + u.ru_stime for u in (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN)))

    def cores(self) -> float:
        """Mean cores other processes kept busy since this object was made."""
        wall = time.perf_counter() - self.started
        other = (self._busy() - self.busy) - (self._own() - self.own)
        return max(0.0, other) / wall if wall > 0 else 0.0


def _run_child(step: str, db: Path, *args) -> tuple[dict, dict]:
    """Run ``search.py <step> RESULT DB ARGS...``; return (its result, process figures).

    ``peak_rss_kb`` is from ``os.wait4``: the largest resident set of the child or of any
    process it waited for (its pool workers), each on its own; ``tree_*`` are the sampled
    sums over the child and its live descendants; ``other_cores`` is what the rest of the
    machine used meanwhile (:class:`_OtherLoad`).
    """
    result_path = Path(f"{db}.{step[1:]}-result.json")
    result_path.unlink(missing_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), step, str(result_path), str(db),
               *map(str, args)]
    load = _OtherLoad()
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT)
    sampler = _TreeMemory(child.pid)
    sampler.start()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    sampler.stop()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{step[1:]}: the child process failed with exit code {code}")
    result = json.loads(result_path.read_text(encoding="utf-8"))
    result_path.unlink()
    return result, {"process_wall_seconds": wall, "peak_rss_kb": usage.ru_maxrss,
                    "tree_peak_rss_kb": sampler.peak_rss_kb,
                    "tree_peak_pss_kb": sampler.peak_pss_kb,
                    "tree_peak_processes": sampler.peak_processes,
                    "other_cores": load.cores()}


def _sizes(db: Path) -> dict:
    """Bytes per table from ``dbstat`` (FTS5 shadow tables, clauses), the file, and the
    folder indexes beside it."""
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
        tables, method = {}, "no dbstat"
    finally:
        conn.close()
    folders = {engine: file_size(Path(f"{db}.{engine}")) for engine in ("tantivy", "whoosh")
               if Path(f"{db}.{engine}").is_dir()}
    return {"tables": tables, "method": method, "db_bytes": file_size(db),
            "fts_bytes": sum(v for k, v in tables.items() if k != "clauses"),
            "folders": folders}


def _index_code() -> str:
    """A digest of the code that analyses and indexes: ``--reuse`` rebuilds the indexes
    when it changed (kb.text.search is being worked on)."""
    digest = hashlib.sha1()
    for name in ("analysis", "search", "search_fts", "search_tantivy", "search_whoosh"):
        digest.update((ROOT / "kb" / "text" / f"{name}.py").read_bytes())
    return digest.hexdigest()[:12]


def build_indexes(db: Path, clauses: int) -> dict:
    """Step 3 (kb index) and step 4 (segmentation alone), each in a child process."""
    before = file_size(db)
    print("[3] kb index: segment + FTS5 + tantivy (kb.text.search.rebuild)", file=sys.stderr)
    result, proc = _run_child("_index", db, clauses, 0)
    sizes = _sizes(db)
    index = {**result, **proc, "db_before": before, "sizes": sizes, "code": _index_code()}
    print(f"[4] segmentation alone: kb.text.analysis.index_text, fork pool of {SEGMENT_WORKERS}",
          file=sys.stderr)
    result, proc = _run_child("_segment", db, clauses, SEGMENT_WORKERS)
    return {"index": index, "segment": {**result, **proc}}


def build_subset(db: Path, subset: Path, wanted: int) -> dict:
    """Step 5: a copy of the database holding its first ``wanted`` clauses (by rowid, both
    languages: the editions alternate), rebuilt as ``kb index`` and ``kb index --whoosh``."""
    print(f"[5] subset: the first {wanted:,} clauses, kb index, then kb index --whoosh",
          file=sys.stderr)
    from kb.catalogue.store import Store

    unlink_db(subset)
    started = time.perf_counter()
    Store(subset).close()  # the schema
    conn = sqlite3.connect(str(subset), isolation_level=None)
    try:
        conn.execute("attach database ? as full", (str(db),))
        last = conn.execute("select rowid from full.clauses order by rowid limit 1 offset ?",
                            (wanted - 1,)).fetchone()
        last = last[0] if last else conn.execute("select max(rowid) from full.clauses"
                                                 ).fetchone()[0]
        conn.execute("begin")
        conn.execute("insert into clauses select * from full.clauses where rowid <= ? "
                     "order by rowid", (last,))
        conn.execute("insert into editions select * from full.editions where id in "
                     "(select distinct edition_id from main.clauses)")
        conn.execute("insert into works select * from full.works where id in "
                     "(select work_id from main.editions)")
        conn.execute("insert into sources select * from full.sources where id in "
                     "(select source_id from main.clauses union select source_id from "
                     "main.editions)")
        conn.execute("commit")
        conn.execute("detach database full")
        count = conn.execute("select count(*) from clauses").fetchone()[0]
    finally:
        conn.close()
    copy_seconds = time.perf_counter() - started
    result, proc = _run_child("_index", subset, count, 0)
    plain = {**result, **proc, "sizes": _sizes(subset)}
    result, proc = _run_child("_index", subset, count, 1)
    with_whoosh = {**result, **proc, "sizes": _sizes(subset)}
    return {"clauses": count, "copy_seconds": copy_seconds, "index": plain,
            "whoosh": with_whoosh, "code": _index_code()}


# =============================================================================================
# 6. Queries
# =============================================================================================

CLASSES = (("en-rare", 20), ("en-mid", 20), ("common", 20), ("en-and", 20), ("en-phrase", 15),
           ("zh-word", 25), ("zh-compound", 20), ("zh-2words", 20), ("filter-lang", 14),
           ("filter-std", 13), ("filter-kind", 13))
RARE, MID, COMMON = (10_000, VOCABULARY), (100, 3_000), (0, 10)  # rank ranges (0-based)


def make_queries(vocab: Vocabulary, clauses: int, seed: int, total: int) -> list[dict]:
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
    return queries


def _standard_query(picked: tuple[str, str, str]) -> tuple[str, dict]:
    """(query, filters) for a word of an edition, filtered by that edition."""
    designation, _language, text = picked
    return text, {"standard": designation}




#: The engines timed, in the order they run for each query, and what each one is.
ENGINES = ("tantivy", "tantivy-raw", "fts", "raw", "whoosh", "tantivy-subset")
ENGINE_NAMES = {"tantivy": "search(engine='tantivy'), the default",
                "tantivy-raw": "raw tantivy: the same index and query, top 20 + snippets",
                "fts": "search(engine='fts')",
                "raw": "raw FTS5 MATCH … ORDER BY rank LIMIT 20",
                "whoosh": "search(engine='whoosh') [SUBSET]",
                "tantivy-subset": "search(engine='tantivy') [SUBSET]"}
SUBSET_ENGINES = ("whoosh", "tantivy-subset")


def _raw_fts(conn: sqlite3.Connection, q: dict) -> list[int]:
    """Raw FTS5: the MATCH expression kb.text.search builds (filters as its scope tokens, the
    language as a condition, as ``kb.text.search_fts.search`` has them), ORDER BY rank LIMIT 20."""
    from kb.text import analysis, search_fts

    f = q["filters"]
    scopes = search_fts.scopes(f.get("standard"), f.get("kind"))
    sql = "select rowid from clauses_fts where clauses_fts match ?"
    params = [search_fts.match_expression(analysis.parse_query(q["query"]), scopes)]
    if f.get("language"):
        sql += " and language = ?"
        params.append(f["language"])
    return [r[0] for r in conn.execute(sql + " order by rank limit ?", [*params, LIMIT])]


class _RawTantivy:
    """The engine under ``search()``: tantivy itself on the same index folder, asked the
    same query (the tantivy query ``kb.text.search_tantivy.Ranking`` builds for the parsed query
    and filters, built before the clock starts), top 20 with the count, each hit's stored
    key read, its text fetched from SQLite and cut into a snippet (the one snippet cutter,
    :func:`kb.text.analysis.snippet`, since the index stores no text).  Left out, so measured
    as our layer: query analysis, the status filter, collapsing editions (the duplicate
    count), cross-lingual hits, paging."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        import tantivy

        from kb.text import search

        self.conn = conn
        self.index = tantivy.Index.open(str(search.index_folder(conn, "tantivy")))
        self.searcher = self.index.searcher()
        self.ranking = search._folder_engine(conn, "tantivy")
        self.prepared: dict[int, tuple] = {}

    def prepare(self, q: dict) -> None:
        """The tantivy query and the parsed query (for snippets), outside the timing."""
        from kb.text import analysis, search

        f = q["filters"]
        parsed = analysis.parse_query(q["query"])
        editions = None
        if f.get("status"):
            editions = [r[0] for r in self.conn.execute(
                "select id from editions where status = ?", (f["status"],))]
        filters = search.engine_filters(f.get("standard"), f.get("language"), f.get("kind"),
                                        editions)
        self.prepared[q["id"]] = (self.ranking._query(self.index.schema, parsed, search.WEIGHTS,
                                                      filters), parsed)

    def __call__(self, q: dict) -> list[list]:
        from kb.text import analysis, search

        query, parsed = self.prepared[q["id"]]
        result = self.searcher.search(query, limit=LIMIT, count=True)
        hits = []
        for score, address in result.hits:
            doc = self.searcher.doc(address)
            key = (doc.get_first("edition"), doc.get_first("language"), doc.get_first("number"))
            row = self.conn.execute("select heading, text from clauses where edition_id = ? "
                                    "and language = ? and number = ?", key).fetchone()
            snippet = analysis.snippet((row[1] or row[0] or "") if row else "", parsed,
                                       (search.MARK_START, search.MARK_END))
            hits.append([*key, round(score, 3), snippet])
        return [result.count, hits]


def _query_worker(result_path: str, db: str, subset: str, queries_path: str) -> None:
    """Time every query against the engines: a warm-up pass, then the timed pass, the
    engines interleaved query by query (each sees the same cache state)."""
    from kb.text import search

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)  # as kb.cli opens it
    sub = sqlite3.connect(f"file:{subset}?mode=ro", uri=True) if subset != "-" else None
    queries = json.loads(Path(queries_path).read_text(encoding="utf-8"))

    def through(connection, engine):
        return lambda q: search.search(connection, q["query"], limit=LIMIT, engine=engine,
                                       **q["filters"])

    raw_tantivy = _RawTantivy(conn)
    for q in queries:
        raw_tantivy.prepare(q)
    engines = {"tantivy": through(conn, "tantivy"), "tantivy-raw": raw_tantivy,
               "fts": through(conn, "fts"), "raw": lambda q: _raw_fts(conn, q)}
    if sub is not None:
        engines["whoosh"] = through(sub, "whoosh")
        engines["tantivy-subset"] = through(sub, "tantivy")
    results = {q["id"]: {"ms": {}, "warmup_ms": {}, "total": {}, "hits": {}, "errors": {}}
               for q in queries}
    for phase in ("warmup_ms", "ms"):
        with _bar(total=len(queries) * len(engines), desc=f"queries ({phase[:-3] or 'timed'})",
                  unit=" runs", unit_scale=False) as bar:
            for q in queries:
                r = results[q["id"]]
                for name, engine in engines.items():
                    t = time.perf_counter()
                    try:
                        out = engine(q)
                    except Exception as error:  # recorded per query, the run goes on
                        out = None
                        r["errors"][name] = f"{type(error).__name__}: {error}"
                    r[phase][name] = (time.perf_counter() - t) * 1e3
                    if phase == "ms" and out is not None:
                        if name == "raw":
                            r["total"][name], r["hits"][name] = None, out
                        elif name == "tantivy-raw":
                            r["total"][name] = out[0]
                            r["hits"][name] = [h[:4] for h in out[1]]
                        else:
                            r["total"][name] = out.total
                            r["hits"][name] = [[h["designation"], h["language"], h["clause"],
                                                h["score"]] for h in out.hits]
                    bar.update()
    conn.close()
    if sub is not None:
        sub.close()
    _write(result_path, {"engines": list(engines), "results": results})


# =============================================================================================
# 7. Recall@20 against brute force
# =============================================================================================


class _AllDocs:
    """Stands in for tantivy's searcher inside ``Ranking.search``: the same query, with
    ``limit`` = every match, so the top-k heap never fills, nothing is skipped and every
    match is scored; documents are not read (a hit's key is its address)."""

    def __init__(self, searcher) -> None:
        self.searcher = searcher
        self.query = None

    def search(self, query, limit, offset=0, count=True):
        self.query = query
        total = self.searcher.search(query, limit=1, count=True).count
        return self.searcher.search(query, limit=max(total, 1), count=True)

    def doc(self, address):
        return _Address(address)


class _Address:
    def __init__(self, address) -> None:
        self.key = (address.segment_ord, address.doc)

    def get_first(self, _field):
        return self.key


class _TantivyBrute:
    """Every match of a query scored by tantivy (``kb.text.search_tantivy.Ranking.search``'s own
    query and filters), and the clause keys mapped to document addresses."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        from kb.text import search
        from kb.text.search_tantivy import Ranking

        outer = self
        self.proxy: _AllDocs | None = None

        class Exhaustive(Ranking):
            def _searcher(self):
                index, searcher = super()._searcher()
                outer.proxy = _AllDocs(searcher)
                return index, outer.proxy

        self.ranking = Exhaustive(search.index_folder(conn, "tantivy"))
        self.explained = 0
        self.explain_max_diff = 0.0

    def scores(self, parsed, filters: dict) -> dict:
        from kb.text import search

        _total, hits = self.ranking.search(parsed, search.WEIGHTS, filters, LIMIT, 0)
        scores = {key[0]: score for score, key in hits}
        self._explain(hits[:LIMIT])
        return scores

    def _explain(self, hits) -> None:
        """An independent check of the scores: tantivy's explanation of a document (the
        scorer on that document alone, no collector) against the score collected."""
        import tantivy

        searcher = self.proxy.searcher
        for score, key in hits:
            segment, doc = key[0]
            address = tantivy.DocAddress(segment, doc)
            value = json.loads(self.proxy.query.explain(searcher, address).to_json())["value"]
            self.explained += 1
            self.explain_max_diff = max(self.explain_max_diff, abs(value - score))

    def ids(self, hits: list) -> list:
        import tantivy

        searcher = self.proxy.searcher
        schema = self.ranking._index.schema
        Occur, Q = tantivy.Occur, tantivy.Query
        out = []
        for designation, language, number, *_ in hits:
            found = searcher.search(Q.boolean_query([
                (Occur.Must, Q.term_query(schema, "edition", designation)),
                (Occur.Must, Q.term_query(schema, "language", language)),
                (Occur.Must, Q.term_query(schema, "number", number))]), limit=1).hits
            out.append((found[0][1].segment_ord, found[0][1].doc) if found else None)
        return out


class _FtsBrute:
    """Every match of a query ranked by FTS5: ``ORDER BY rank`` with no limit (bm25 with the
    weights kb.text.search configured); keys are rowids."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def scores(self, parsed, filters: dict) -> dict:
        """``filters`` as kb.text.search.engine_filters gives them (one value a field here)."""
        from kb.text import search_fts

        one = {field: values[0] for field, values in filters.items()}
        scopes = search_fts.scopes(one.get("scope"), one.get("kind"))
        sql = "select rowid, rank from clauses_fts where clauses_fts match ?"
        params = [search_fts.match_expression(parsed, scopes)]
        if one.get("language"):
            sql += " and language = ?"
            params.append(one["language"])
        return {rowid: -rank for rowid, rank in self.conn.execute(sql + " order by rank",
                                                                  params)}

    def ids(self, hits: list) -> list:
        out = []
        for designation, language, number, *_ in hits:
            row = self.conn.execute("select rowid from clauses where edition_id = ? and "
                                    "language = ? and number = ?",
                                    (designation, language, number)).fetchone()
            out.append(row[0] if row else None)
        return out


class _WhooshAll:
    """Stands in for whoosh's searcher inside ``Whoosh.search``: ``limit=None`` (whoosh's
    UnlimitedCollector, every match scored), hits not read (a hit's key is its document number)."""

    def __init__(self, searcher) -> None:
        self.searcher = searcher

    def up_to_date(self) -> bool:
        return True

    def search_with_collector(self, query, collector):
        """Whoosh.search's query and filter, with whoosh's collector of every match."""
        results = _WhooshResults(self.searcher.search(
            query, limit=None, optimize=False, filter=getattr(collector, "allow", None)))
        collector.results = lambda: results


class _WhooshResults:
    def __init__(self, results) -> None:
        self.results = results

    def __len__(self) -> int:
        return len(self.results)

    def __getitem__(self, item):
        return [_WhooshHit(score, docnum) for score, docnum in self.results.top_n[item]]


class _WhooshHit:
    def __init__(self, score: float, docnum: int) -> None:
        self.score, self.docnum = score, docnum

    def __getitem__(self, _field):
        return self.docnum


class _WhooshBrute:
    """Every match of a query scored by whoosh (``kb.text.search_whoosh.Whoosh.search``'s own
    query and filters, ``limit=None``); keys are document numbers."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        from kb.text import search
        from kb.text.search_whoosh import Whoosh, _whoosh

        self.engine = Whoosh(search.index_folder(conn, "whoosh"))
        index = _whoosh()[2]
        self.searcher = index.open_dir(str(self.engine.folder)).searcher()
        self.engine._searcher = _WhooshAll(self.searcher)

    def scores(self, parsed, filters: dict) -> dict:
        from kb.text import search

        total, hits = self.engine.search(parsed, search.WEIGHTS, filters, 1 << 30, 0)
        return {key[0]: score for score, key in hits}

    def ids(self, hits: list) -> list:
        return [self.searcher.document_number(key=f"{d}\0{lang}\0{n}")
                for d, lang, n, *_ in hits]


def _judge(scores: dict, ids: list, hits: list | None, total: int | None) -> dict:
    """recall@20 of one engine's top 20 against the brute force's, ties at the 20th score
    counted as matches; and whether its scores and total agree with the brute force's."""
    n = len(scores)
    expected = min(LIMIT, n)
    if expected:
        floor = sorted(scores.values(), reverse=True)[expected - 1]
        floor -= 1e-6 * max(1.0, abs(floor))
    else:
        floor = math.inf
    matched = sum(1 for i in ids[:LIMIT] if i in scores and scores[i] >= floor)
    tied = sum(1 for s in scores.values() if s >= floor) - expected
    out = {"brute_total": n, "expected": expected, "matched": matched, "returned": len(ids),
           "recall": matched / expected if expected else (1.0 if not ids else 0.0),
           "ties_beyond_20": tied, "total_equal": total is None or total == n}
    if hits and len(hits[0]) > 3:  # a score per hit: it should be the brute force's
        out["score_mismatches"] = sum(
            1 for i, h in zip(ids, hits, strict=True)
            if i in scores and abs(scores[i] - h[3]) > 6e-4 + 1e-5 * abs(scores[i]))
    return out


def _recall_worker(result_path: str, db: str, subset: str, queries_path: str) -> None:
    """For every query and engine, every match scored by the engine itself, and recall@20
    of the timed pass's top 20 against it."""
    from kb.text import analysis, search

    queries = json.loads(Path(queries_path).read_text(encoding="utf-8"))
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    brutes = {"tantivy": (_TantivyBrute(conn), ("tantivy", "tantivy-raw")),
              "fts": (_FtsBrute(conn), ("fts", "raw"))}
    if subset != "-":
        sub = sqlite3.connect(f"file:{subset}?mode=ro", uri=True)
        brutes["whoosh"] = (_WhooshBrute(sub), ("whoosh",))
        brutes["tantivy-subset"] = (_TantivyBrute(sub), ("tantivy-subset",))
    out: dict = {}
    with _bar(total=len(queries) * len(brutes), desc="brute force", unit=" runs",
              unit_scale=False) as bar:
        for q in queries:
            r = out[q["id"]] = {"brute_ms": {}, "judged": {}, "errors": {}}
            f = q["filters"]
            filters = search.engine_filters(f.get("standard"), f.get("language"),
                                            f.get("kind"))
            for name, (brute, judged) in brutes.items():
                bar.update()
                t = time.perf_counter()
                try:
                    scores = brute.scores(analysis.parse_query(q["query"]), filters)
                except Exception as error:
                    r["errors"][name] = f"{type(error).__name__}: {error}"
                    continue
                r["brute_ms"][name] = (time.perf_counter() - t) * 1e3
                for engine in judged:
                    hits = q["hits"].get(engine)
                    if hits is None:
                        continue
                    ids = hits if engine == "raw" else brute.ids(hits)
                    r["judged"][engine] = _judge(scores, ids, None if engine == "raw" else hits,
                                                 q["total"].get(engine))
    checks = {name: {"explained": b.explained, "max_abs_diff": b.explain_max_diff}
              for name, (b, _) in brutes.items() if isinstance(b, _TantivyBrute)}
    _write(result_path, {"results": out, "explain": checks})


def query_stats(queries: list[dict], engines: list[str]) -> dict:
    """Latency, matches and recall per engine, over all queries and per class (queries that
    raised are left out of the latencies)."""

    def summary(qs: list[dict], engine: str) -> dict:
        ok = [q for q in qs if engine in q["ms"] and engine not in q["errors"]]
        times = [q["ms"][engine] for q in ok]
        totals = [q["total"][engine] for q in ok if q["total"].get(engine) is not None]
        judged = [q["recall"][engine] for q in ok if engine in q.get("recall", {})]
        recalls = [j["recall"] for j in judged]
        slowest = sorted(ok, key=lambda q: q["ms"][engine], reverse=True)[:3]
        return {
            "n": len(times), "p50": pct(times, 0.5), "p95": pct(times, 0.95),
            "max": max(times, default=float("nan")), "sum_ms": sum(times),
            "mean_total": statistics.mean(totals) if totals else None,
            "zero": sum(1 for q in ok if not q["hits"].get(engine)),
            "errors": sum(1 for q in qs if engine in q["errors"]),
            "recall_n": len(recalls),
            "recall_mean": statistics.mean(recalls) if recalls else None,
            "recall_min": min(recalls, default=None),
            "recall_below": sum(1 for r in recalls if r < 1),
            "score_mismatches": sum(j.get("score_mismatches", 0) for j in judged),
            "total_mismatches": sum(1 for j in judged if not j["total_equal"]),
            "ties": sum(1 for j in judged if j["ties_beyond_20"] > 0),
            "slowest": [{"id": q["id"], "query": q["query"], "filters": q["filters"],
                         "ms": q["ms"][engine]} for q in slowest],
        }

    stats: dict = {"overall": {e: summary(queries, e) for e in engines}, "classes": {}}
    for name, _ in CLASSES:
        qs = [q for q in queries if q["class"] == name]
        if qs:
            stats["classes"][name] = {e: summary(qs, e) for e in engines}
    pairs = {}
    for a, b in (("tantivy", "fts"), ("tantivy-subset", "whoosh")):
        both = [q for q in queries if q["total"].get(a) is not None
                and q["total"].get(b) is not None]
        if both:
            differ = [q for q in both if q["total"][a] != q["total"][b]]
            pairs[f"{a}/{b}"] = {"equal": len(both) - len(differ), "of": len(both),
                                 "differ": [{"id": q["id"], "query": q["query"],
                                             a: q["total"][a], b: q["total"][b]}
                                            for q in differ[:10]]}
    stats["same_matches"] = pairs
    both = [q for q in queries if "tantivy" in q["ms"] and "tantivy-raw" in q["ms"]
            and not {"tantivy", "tantivy-raw"} & q["errors"].keys()]
    if both:
        ours = [q["ms"]["tantivy"] for q in both]
        raw = [q["ms"]["tantivy-raw"] for q in both]
        each = [q["ms"]["tantivy"] / max(q["ms"]["tantivy-raw"], 1e-6) for q in both]
        stats["layer"] = {"n": len(both), "p50": pct(ours, 0.5) / pct(raw, 0.5),
                          "p95": pct(ours, 0.95) / pct(raw, 0.95),
                          "each_p50": pct(each, 0.5), "each_p95": pct(each, 0.95),
                          "classes": {}}
        for name, _ in CLASSES:
            qs = [q for q in both if q["class"] == name]
            if qs:
                o = [q["ms"]["tantivy"] for q in qs]
                r = [q["ms"]["tantivy-raw"] for q in qs]
                stats["layer"]["classes"][name] = {"p50": pct(o, 0.5) / pct(r, 0.5),
                                                   "p95": pct(o, 0.95) / pct(r, 0.95)}
    errors: dict[tuple, list] = {}
    for q in queries:
        for engine, message in q["errors"].items():
            errors.setdefault((engine, message), []).append(q["id"])
        for engine, message in q.get("brute_errors", {}).items():
            errors.setdefault((f"brute {engine}", message), []).append(q["id"])
    stats["errors"] = [{"engine": e, "message": m, "queries": ids}
                       for (e, m), ids in errors.items()]
    return stats


# =============================================================================================
# 8. The command line, from a cold process
# =============================================================================================


def _kb_command() -> tuple[list[str], str]:
    """The ``kb`` script beside this interpreter when it runs this checkout's kb (an editable
    install), else ``python -m kb.cli`` from the checkout."""
    script = Path(sys.executable).with_name("kb")
    if script.exists():
        where = subprocess.run([sys.executable, "-c", "import kb; print(kb.__file__)"],
                               capture_output=True, text=True, cwd="/").stdout.strip()
        if where.startswith(str(ROOT) + os.sep):
            return [str(script)], "kb"
    return [sys.executable, "-m", "kb.cli"], "python -m kb.cli"


def cli_runs(db: Path, rounds: int = 5) -> dict:
    """Start-up and ``kb search`` end to end, each the median of ``rounds`` runs; a round
    runs every command once (a first round warms the file cache and is not counted)."""
    kb, kb_name = _kb_command()
    imports = ("import kb.cli, kb.text.search, tantivy; from kb.text import analysis; "
               "analysis.parse_query('审核方案')")
    commands = {
        "startup": ([sys.executable, "-c", "import kb.cli"], "python -c 'import kb.cli'"),
        "startup_search": ([sys.executable, "-c", imports],
                           "+ import kb.text.search, tantivy; parse_query('审核方案')"),
        "zh": (kb + ["search", "--db", str(db), "审核方案"], f"{kb_name} search --db DB 审核方案"),
        "zh_fts": (kb + ["search", "--db", str(db), "--engine", "fts", "审核方案"],
                   f"{kb_name} search --db DB --engine fts 审核方案"),
        "en": (kb + ["search", "--db", str(db), "audit programme"],
               f"{kb_name} search --db DB 'audit programme'"),
    }
    times: dict = {name: [] for name in commands}
    first: dict = {}
    done: dict = {}
    with _bar(total=(rounds + 1) * len(commands), desc="command lines", unit=" runs",
              unit_scale=False) as bar:
        for round_ in range(rounds + 1):
            for name, (command, _) in commands.items():
                t = time.perf_counter()
                done[name] = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
                ms = (time.perf_counter() - t) * 1e3
                if round_:
                    times[name].append(ms)
                else:
                    first[name] = ms
                bar.update()
    return {name: {"command": label, "ms": statistics.median(times[name]),
                   "runs_ms": times[name], "first_ms": first[name],
                   "exit": done[name].returncode, "lines": len(done[name].stdout.splitlines()),
                   "stdout_head": done[name].stdout.splitlines()[:3],
                   "stderr": done[name].stderr.strip()[-300:]}
            for name, (_, label) in commands.items()}


# =============================================================================================
# The table
# =============================================================================================

COLUMNS = ("#", "figure", "n", "wall s", "throughput", "p50 / p95 / max", "recall@20",
           "peak RSS", "size", "aim", "notes")
#: The aims the figures are compared with.
AIM_BUILD_SECONDS = 240  # segmentation + FTS5 + tantivy of 1 M clauses on 2 cores
AIM_RSS_BYTES = 1.5e9
AIM_P95_MS = 50  # tantivy, in-process, snippets included
AIM_RECALL = 1.0
AIM_LAYER = 1.5  # search() over raw tantivy at p95: the cost of our layer
AIM_CLI_MS = 500  # the first Chinese query from a cold CLI
AIM_OTHER_CORES = 0.1  # a quiet machine: what other processes may use meanwhile

#: What a class means, where the engines differ.
CLASS_NOTES = {"en-phrase": "a phrase in every engine",
               "zh-compound": "a Chinese run: its bigrams in a row match, jieba words rank",
               "zh-2words": "two Chinese runs, both must match",
               "filter-std": "standard= an edition of the first 20",
               "filter-kind": "kind='clause'"}


def _mb(kb: float) -> str:
    return f"{kb * 1024 / 1e6:,.0f} MB"


def _aim(ok: bool | None, text: str) -> str:
    return "" if ok is None else f"{text}: {'met' if ok else 'MISSED'}"


def _lat(s: dict) -> str:
    return f"{s['p50']:.1f} / {s['p95']:.1f} / {s['max']:.1f} ms" if s["n"] else ""


def _recall(s: dict) -> str:
    if not s.get("recall_n"):
        return ""
    return (f"{100 * s['recall_mean']:.1f} % (min {100 * s['recall_min']:.0f} %, "
            f"{s['recall_below']} < 100 %)")


def _peak(proc: dict) -> float:
    """The peak memory judged against the aim: the largest single process or the sampled
    PSS sum of the process tree, whichever is larger (bytes)."""
    return max(proc["peak_rss_kb"], proc.get("tree_peak_pss_kb", 0)) * 1024


def _proc_note(proc: dict) -> str:
    if not proc.get("tree_peak_rss_kb"):
        return ""
    return (f"tree peak ({proc['tree_peak_processes']} processes): RSS sum "
            f"{_mb(proc['tree_peak_rss_kb'])}, PSS sum {_mb(proc['tree_peak_pss_kb'])}")


def other_loads(res: dict) -> list[tuple[str, float]]:
    """(step, mean cores other processes kept busy during it), for the steps measured."""
    steps = (("generate", ("generate",)), ("load", ("load",)), ("kb index", ("build", "index")),
             ("segmentation", ("build", "segment")), ("subset kb index", ("subset", "index")),
             ("whoosh build", ("subset", "whoosh")), ("queries", ("query_process",)),
             ("recall", ("recall_process",)), ("cli", ("cli_other",)))
    out = []
    for name, path in steps:
        value = res
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, dict) and value.get("other_cores") is not None:
            out.append((name, value["other_cores"]))
    return out


def build_rows(res: dict) -> list[tuple]:
    rows: list[tuple] = []

    def row(*cells):
        rows.append(cells + ("",) * (len(COLUMNS) - len(cells)))

    loads = other_loads(res)
    if loads:
        worst = max(v for _, v in loads)
        row("0", "other processes on the machine", f"{len(loads)} steps", "", "", "", "", "",
            "", _aim(worst < AIM_OTHER_CORES, f"< {AIM_OTHER_CORES} cores in every step"),
            "mean cores busy outside the benchmark during each step (/proc/stat): "
            + ", ".join(f"{name} {v:.2f}" for name, v in loads)
            + ("" if worst < AIM_OTHER_CORES else
               "; the figures of the steps above the aim are not comparable"))

    full_scale = res["clauses"] >= 1_000_000
    g = res.get("generate")
    if g:
        ln = g["lengths"]
        row("1", "generate clauses -> JSONL", f"{g['clauses']:,}", f"{g['seconds']:.1f}",
            f"{g['clauses'] / g['seconds']:,.0f} clauses/s", "", "", "",
            f"{mb(g['bytes']):,.0f} MB file", "",
            f"{g['editions']:,} editions; en {g['en']:,}, zh {g['zh']:,}; median en "
            f"{ln['en_words']['median']:.0f} words ({ln['en_chars']['median']:.0f} chars, max "
            f"{ln['en_chars']['max']:,}), zh {ln['zh_chars']['median']:.0f} chars (max "
            f"{ln['zh_chars']['max']:,}); vocab {g['vocabulary']['en']:,} en + "
            f"{g['vocabulary']['zh']:,} zh, Zipf s={g['vocabulary']['zipf_s']}")
    s = res.get("load")
    if s:
        row("1", "Store.load (1 document/edition)", f"{s['clauses']:,}", f"{s['seconds']:.1f}",
            f"{s['clauses'] / s['seconds']:,.0f} clauses/s", "", "", _mb(s["peak_rss_kb"]),
            f"{mb(s['db_bytes']):,.0f} MB DB", "",
            f"{s['loaded']:,} documents, {s['records']:,} records, {s['failed']} failed; the "
            f"store indexes FTS5 as it writes (kb.text.search.index_texts, one process): FTS5 "
            f"{mb(s['fts_bytes']):,.0f} MB after the load; clauses table "
            f"{mb(s['clauses_bytes']):,.0f} MB")
    b = res.get("build")
    if b:
        x, sizes = b["index"], b["index"]["sizes"]
        t = sizes["tables"]
        part = lambda p: sum(v for k, v in t.items() if k.startswith(p))  # noqa: E731
        tantivy_bytes = sizes["folders"].get("tantivy", 0)
        peak = _peak(x)
        row("1", "build: segment + FTS5 + tantivy (kb index)", f"{x['clauses']:,}",
            f"{x['seconds']:.1f}", f"{x['clauses'] / x['seconds']:,.0f} clauses/s", "", "",
            _mb(x["peak_rss_kb"]),
            f"{mb(sizes['fts_bytes']):,.0f} MB FTS5 + {mb(tantivy_bytes):,.0f} MB tantivy",
            _aim(x["seconds"] < AIM_BUILD_SECONDS if full_scale else None,
                 f"< {AIM_BUILD_SECONDS // 60} min") + ("; " if full_scale else "")
            + _aim(peak < AIM_RSS_BYTES, f"peak < {AIM_RSS_BYTES / 1e9:.1f} GB"),
            f"kb.text.search.rebuild in 1 txn: analyse + FTS5 pending rows + tantivy add "
            f"{x['feed_seconds']:.1f} s, tantivy commit + merge {x['folders_seconds']:.1f} s, "
            f"SQLite commit {x['sqlite_commit_seconds']:.1f} s: tantivy answers after "
            f"{x.get('tantivy_seconds', x['seconds']):.1f} s; then FTS5 filled "
            f"{x.get('fts_fill_seconds', 0):.1f} s; {_proc_note(x)}; "
            f"clauses_fts {mb(part('clauses_fts')):,.0f} MB (content "
            f"{mb(t.get('clauses_fts_content', 0)):,.0f}, index "
            f"{mb(t.get('clauses_fts_data', 0) + t.get('clauses_fts_idx', 0)):,.0f}), "
            f"terms_fts {mb(part('terms_fts')):,.1f} MB ({sizes['method']}); DB "
            f"{mb(x['db_before']):,.0f} -> {mb(sizes['db_bytes']):,.0f} MB")
        sg = b["segment"]
        rate = lambda n, cpu: f"{n / cpu:,.0f}/s" if cpu else "n/a"  # noqa: E731
        row("1", f"  segmentation alone: index_text, fork pool of {sg['workers']}",
            f"{sg['clauses']:,}", f"{sg['seconds']:.1f}",
            f"{sg['clauses'] / sg['seconds']:,.0f} clauses/s", "", "", _mb(sg["peak_rss_kb"]),
            "", "",
            f"every clause (not a sample), read in batches of 500 by the parent; per core: en "
            f"{rate(sg['en'], sg['en_cpu_seconds'])}, zh {rate(sg['zh'], sg['zh_cpu_seconds'])}"
            f" clauses; {100 * sg['seconds'] / x['seconds']:.0f} % of the build's wall time; "
            f"{_proc_note(sg)}")
    sub = res.get("subset")
    if sub:
        p, w = sub["index"], sub["whoosh"]
        whoosh_seconds = w["seconds"] - p["seconds"]
        row("1", f"  kb index [SUBSET {sub['clauses'] // 1000:,}k]", f"{sub['clauses']:,}",
            f"{p['seconds']:.1f}", f"{sub['clauses'] / p['seconds']:,.0f} clauses/s", "", "",
            _mb(p["peak_rss_kb"]),
            f"{mb(p['sizes']['fts_bytes']):,.0f} MB FTS5 + "
            f"{mb(p['sizes']['folders'].get('tantivy', 0)):,.0f} MB tantivy", "",
            f"the same on a copy holding the first {sub['clauses']:,} clauses (copied in "
            f"{sub['copy_seconds']:.1f} s), for scale and for the whoosh queries")
        row("1", f"whoosh build [SUBSET {sub['clauses'] // 1000:,}k]", f"{sub['clauses']:,}",
            f"{whoosh_seconds:.1f}", f"{sub['clauses'] / whoosh_seconds:,.0f} docs/s"
            if whoosh_seconds > 0 else "", "", "", _mb(w["peak_rss_kb"]),
            f"{mb(w['sizes']['folders'].get('whoosh', 0)):,.0f} MB whoosh", "",
            f"SUBSET: first {sub['clauses']:,} of {res['clauses']:,} clauses only; kb index "
            f"--whoosh on the copy took {w['seconds']:.1f} s, minus kb index alone "
            f"{p['seconds']:.1f} s; {_proc_note(w)}")
    elif res.get("whoosh_skipped"):
        row("1", "whoosh build", "", "", "", "", "", "", "", "",
            "skipped (--whoosh-clauses 0): no whoosh index, no whoosh queries")
    st = res.get("stats")
    if st:
        qp = res["query_process"]
        for e, s in st["overall"].items():
            slow = s["slowest"][0] if s["slowest"] else None
            aims = []
            if e == "tantivy":
                aims.append(_aim(s["p95"] < AIM_P95_MS, f"p95 < {AIM_P95_MS} ms"))
            if s["recall_n"]:
                aims.append(_aim(s["recall_mean"] >= AIM_RECALL, "recall 100 %"))
            note = []
            if s["mean_total"] is not None:
                note.append(f"mean matches {s['mean_total']:,.0f}")
            note.append(f"0 hits {s['zero']}, errors {s['errors']}")
            if slow:
                filt = "".join(f" {k}={v}" for k, v in slow["filters"].items())
                note.append(f"slowest #{slow['id']} {slow['query']}{filt} {slow['ms']:.0f} ms")
            if e == "tantivy":
                note.append("peak RSS: the query process, all engines; " + _proc_note(qp))
            row("2", ENGINE_NAMES[e], f"{s['n']} queries", f"{s['sum_ms'] / 1e3:.2f}",
                f"{s['n'] / (s['sum_ms'] / 1e3):,.1f} q/s" if s["n"] else "", _lat(s),
                _recall(s), _mb(qp["peak_rss_kb"]) if e == "tantivy" else "", "",
                "; ".join(a for a in aims if a), "; ".join(note))
        for cls, by_engine in st["classes"].items():
            for e, s in by_engine.items():
                note = []
                if s["mean_total"] is not None:
                    note.append(f"mean matches {s['mean_total']:,.0f}")
                if s["zero"]:
                    note.append(f"0 hits {s['zero']}")
                if s["errors"]:
                    note.append(f"errors {s['errors']}")
                if e == "tantivy" and cls in CLASS_NOTES:
                    note.append(CLASS_NOTES[cls])
                label = e + (" [SUBSET]" if e in SUBSET_ENGINES else "")
                row("2", f"  {cls}: {label}", str(s["n"]), f"{s['sum_ms'] / 1e3:.2f}", "",
                    _lat(s), _recall(s), "", "", "", "; ".join(note))
        for error in st["errors"]:
            ids = error["queries"]
            row("2", f"  error ({error['engine']})", f"{len(ids)} queries", "", "", "", "", "",
                "", "", f"{error['message'][:120]} (#{', #'.join(map(str, ids[:6]))}"
                f"{' …' if len(ids) > 6 else ''})")
        rp = res["recall_process"]
        for e, s in st["overall"].items():
            if not s["recall_n"]:
                continue
            brute = {"tantivy": "tantivy", "tantivy-raw": "tantivy", "fts": "fts", "raw": "fts",
                     "whoosh": "whoosh",
                     "tantivy-subset": "tantivy-subset"}[e]
            ms = [q["brute_ms"][brute] for q in res["queries"] if brute in q.get("brute_ms", {})]
            how = {"tantivy": "Ranking.search's own query with limit = every match (the top-k "
                              "heap never fills: every match scored), no documents read",
                   "fts": "ORDER BY rank over every match, no LIMIT",
                   "whoosh": "Whoosh.search's own query with limit=None"}[brute.split("-")[0]]
            note = [how]
            check = res.get("explain", {}).get(brute)
            if check and check["explained"]:
                note.append(f"tantivy explain() of the brute top 20 ({check['explained']:,} "
                            f"docs) differs by at most {check['max_abs_diff']:.2g}")
            note.append(f"scores of the hits = brute force's except {s['score_mismatches']}; "
                        f"totals equal except {s['total_mismatches']}; ties at the 20th score "
                        f"in {s['ties']} queries")
            row("3", f"recall@20: {ENGINE_NAMES[e]}", f"{s['recall_n']} queries",
                f"{sum(ms) / 1e3:.1f}" if ms else "", "",
                f"{pct(ms, 0.5):.0f} / {pct(ms, 0.95):.0f} / {max(ms):.0f} ms" if ms else "",
                _recall(s), _mb(rp["peak_rss_kb"]) if e == "tantivy" else "", "",
                _aim(s["recall_mean"] >= AIM_RECALL, "100 %"),
                "brute force (its time in the wall/latency columns): " + "; ".join(note))
        layer = st.get("layer")
        if layer:
            row("3", "our layer: search(tantivy) / raw tantivy", f"{layer['n']} queries", "",
                "", f"{layer['p50']:.2f}x / {layer['p95']:.2f}x", "", "", "",
                _aim(layer["p95"] <= AIM_LAYER, f"<= {AIM_LAYER}x at p95"),
                "ratio of the p50s and of the p95s, interleaved query by query; per query "
                f"the ratio's p50 {layer['each_p50']:.2f}x, p95 {layer['each_p95']:.2f}x; by "
                "class (p95): " + ", ".join(f"{c} {v['p95']:.2f}x"
                                            for c, v in layer["classes"].items()))
        for pair, c in st["same_matches"].items():
            a, b = pair.split("/")
            row("3", f"same matches: {a} and {b}", f"{c['equal']} of {c['of']}", "", "", "",
                "", "", "", "", "total matches equal" + ("" if not c["differ"] else
                                                         "; differ: " + ", ".join(
                    f"#{d['id']} {d['query']} {d[a]:,} vs {d[b]:,}" for d in c["differ"][:4])))
        for cls, by_engine in st["classes"].items():
            totals = "; ".join(f"{e} {s['mean_total']:,.0f}" for e, s in by_engine.items()
                               if s["mean_total"] is not None)
            row("3", f"  mean matches: {cls}", str(by_engine["tantivy"]["n"]), "", "", "", "",
                "", "", "", totals)
    cli = res.get("cli")
    if cli:
        for name, c in cli.items():
            aim = _aim(c["ms"] < AIM_CLI_MS, f"< {AIM_CLI_MS / 1e3:.1f} s") \
                if name == "zh" else ""
            note = f"median of {len(c['runs_ms'])}; first (warm-up) run {c['first_ms']:.0f} ms"
            if name.startswith(("zh", "en")):
                note += f"; exit {c['exit']}, {c['lines']} lines"
                if c["exit"]:
                    note += f": {(c['stderr'].splitlines() or [''])[-1][:100]}"
                base = cli["startup"]["ms"]
                note += f"; minus start-up {c['ms'] - base:.0f} ms"
            row("4", c["command"], f"{len(c['runs_ms'])} runs", f"{c['ms'] / 1e3:.2f}", "",
                f"{c['ms']:.0f} ms", "", "", "", aim, note)
    return rows


def format_table(rows: list[tuple]) -> str:
    return common.format_table(COLUMNS, rows, {2, 3, 5, 6, 7, 8})


def summary_line(res: dict) -> str:
    parts = []
    b = res.get("build")
    if b:
        x = b["index"]
        parts.append(f"kb index (segment + FTS5 + tantivy) {x['seconds']:.0f} s "
                     f"(aim < {AIM_BUILD_SECONDS} s), peak {_peak(x) / 1e6:,.0f} MB; "
                     f"segmentation alone {b['segment']['seconds']:.0f} s")
    if res.get("subset"):
        sub = res["subset"]
        parts.append(f"whoosh build {sub['whoosh']['seconds'] - sub['index']['seconds']:.0f} s "
                     f"for a SUBSET of {sub['clauses']:,} clauses")
    st = res.get("stats")
    if st:
        o = st["overall"]
        parts.append("p50/p95 " + ", ".join(
            f"{e} {o[e]['p50']:.1f}/{o[e]['p95']:.1f} ms" for e in o if o[e]["n"]))
        parts.append("recall@20 " + ", ".join(
            f"{e} {100 * o[e]['recall_mean']:.1f} %" for e in o if o[e]["recall_n"]))
        if st.get("layer"):
            parts.append(f"search()/raw tantivy p50 {st['layer']['p50']:.2f}x, p95 "
                         f"{st['layer']['p95']:.2f}x (aim <= {AIM_LAYER}x)")
        if st["errors"]:
            parts.append(f"ERRORS on {sum(len(e['queries']) for e in st['errors'])} runs")
    if res.get("cli"):
        parts.append(f"cold kb search 审核方案 {res['cli']['zh']['ms']:.0f} ms "
                     f"(start-up {res['cli']['startup']['ms']:.0f} ms)")
    loads = other_loads(res)
    if loads:
        name, worst = max(loads, key=lambda item: item[1])
        parts.append(f"other processes at most {worst:.2f} cores ({name})"
                     + ("" if worst < AIM_OTHER_CORES else ": NOT a quiet machine"))
    return f"summary ({res['clauses']:,} clauses): " + "; ".join(parts)


# =============================================================================================

SEGMENT_WORKERS = 2


def _files(out: Path, clauses: int) -> dict:
    db = out / f"search-{clauses}.db"
    return {"corpus": out / f"search-{clauses}.jsonl", "db": db,
            "subset": out / f"search-{clauses}.subset.db",
            "build": out / f"search-{clauses}.build.json",
            "queries": out / f"search-{clauses}.queries.json",
            "timed": out / f"search-{clauses}.timed.json"}


def clean(out: Path, clauses: int) -> None:
    """Delete what a run of ``clauses`` left in ``out`` (databases, index folders, the JSON
    Lines file, intermediate JSON), keeping ``search.json``."""
    files = _files(out, clauses)
    for name in ("db", "subset"):
        unlink_db(files[name])
    for name in ("corpus", "build", "queries", "timed"):
        files[name].unlink(missing_ok=True)
    for path in out.glob(f"search-{clauses}*-result.json"):
        path.unlink()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clauses", type=int, default=1_000_000,
                        help="synthetic clauses, half English, half Chinese (default 1 000 000)")
    parser.add_argument("--whoosh-clauses", type=int, default=100_000,
                        help="the whoosh SUBSET: a copy of the database with its first N "
                             "clauses, indexed with whoosh too (default 100 000; 0: none)")
    parser.add_argument("--out", type=Path, default=HERE / "out",
                        help="folder for the clauses, the databases, the indexes and results")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the databases and indexes of an earlier run with the same "
                             "--clauses and --seed (steps 1-5; the indexes are rebuilt if the "
                             "kb code that builds them changed)")
    parser.add_argument("--keep-corpus", action="store_true",
                        help="keep the JSON Lines file (deleted once loaded by default)")
    parser.add_argument("--clean", action="store_true",
                        help="delete this size's databases, indexes and files at the end")
    parser.add_argument("--clean-only", action="store_true",
                        help="only delete what an earlier run of this size left, and exit")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--queries", type=int, default=200, help="queries (default 200)")
    args = parser.parse_args(argv)
    if args.clauses < 1000 or args.queries < len(CLASSES):
        parser.error(f"--clauses must be >= 1000 and --queries >= {len(CLASSES)}")
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    if args.clean_only:
        clean(out, args.clauses)
        print(f"deleted the files of --clauses {args.clauses} in {out}", file=sys.stderr)
        return
    files = _files(out, args.clauses)
    db, subset = files["db"], files["subset"]
    results_file = out / "search.json"
    wanted_subset = min(args.whoosh_clauses, args.clauses)
    res: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                             "sqlite": sqlite3.sqlite_version, "platform": platform.platform()},
                 "clauses": args.clauses, "seed": args.seed, "whoosh_clauses": wanted_subset,
                 "started": dt.datetime.now().isoformat(), "db": str(db),
                 "command": " ".join(["python", "benchmarks/search.py", *sys.argv[1:]])}
    run_started = time.perf_counter()

    def save():
        res["total_seconds"] = time.perf_counter() - run_started
        results_file.write_text(json.dumps(res, indent=1, ensure_ascii=False), encoding="utf-8")
        files["build"].write_text(json.dumps({k: res.get(k) for k in (
            "clauses", "seed", "generate", "load", "build", "subset")}, indent=1),
            encoding="utf-8")

    print(f"[1] vocabularies ({VOCABULARY:,} words each)", file=sys.stderr)
    vocab = Vocabulary(args.seed)
    if args.reuse:
        previous = json.loads(files["build"].read_text()) if files["build"].exists() else {}
        if previous.get("seed") != args.seed or not db.exists() or not previous.get("build"):
            raise SystemExit(f"--reuse: no earlier run of {args.clauses} clauses, seed "
                             f"{args.seed}, in {out}")
        for key in ("generate", "load", "build", "subset"):
            res[key] = previous.get(key)
        if res["build"]["index"].get("code") != _index_code():
            print("[3] kb's analysis or indexing code changed since that run: rebuilt",
                  file=sys.stderr)
            res["build"] = build_indexes(db, res["load"]["clauses"])
            res["subset"] = None
        print(f"[1-4] reusing {db.name}", file=sys.stderr)
    else:
        unlink_db(db)
        print(f"[1] generating {args.clauses:,} clauses into {files['corpus']}", file=sys.stderr)
        load = _OtherLoad()
        res["generate"] = generate(files["corpus"], vocab, args.clauses, args.seed)
        res["generate"]["other_cores"] = load.cores()
        save()
        print(f"[2] loading {files['corpus'].name} into {db}", file=sys.stderr)
        result, proc = _run_child("_load", db, files["corpus"],
                                  args.clauses + res["generate"]["editions"])
        if result["failed"]:
            raise SystemExit(f"load: {result['failed']} documents failed: {result['errors'][:3]}")
        if not args.keep_corpus:
            files["corpus"].unlink()
        sizes = _sizes(db)
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        clauses = conn.execute("select count(*) from clauses").fetchone()[0]
        conn.close()
        res["load"] = {**result, **proc, "clauses": clauses, "db_bytes": sizes["db_bytes"],
                       "clauses_bytes": sizes["tables"].get("clauses", 0),
                       "fts_bytes": sizes["fts_bytes"]}
        save()
        res["build"] = build_indexes(db, clauses)
        save()
    sub = res.get("subset")
    if not wanted_subset:
        res["subset"], res["whoosh_skipped"] = None, True
        unlink_db(subset)
    elif not (sub and sub.get("clauses") == min(wanted_subset, res["load"]["clauses"])
              and sub.get("code") == _index_code() and subset.exists()):
        res["subset"] = build_subset(db, subset, wanted_subset)
    save()

    queries = make_queries(vocab, args.clauses, args.seed, args.queries)
    files["queries"].write_text(json.dumps(queries, ensure_ascii=False, indent=1),
                                encoding="utf-8")
    engines = [e for e in ENGINES if wanted_subset or e not in SUBSET_ENGINES]
    print(f"[6] {len(queries)} queries x {len(engines)} engines, warm-up then timed",
          file=sys.stderr)
    subset_arg = subset if wanted_subset else "-"
    result, proc = _run_child("_queries", db, subset_arg, files["queries"])
    for q in queries:
        q.update(result["results"][str(q["id"])])
    res["query_process"] = proc
    files["timed"].write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
    print("[7] recall@20: every match scored by each engine", file=sys.stderr)
    result, proc = _run_child("_recall", db, subset_arg, files["timed"])
    for q in queries:
        r = result["results"][str(q["id"])]
        q["recall"], q["brute_ms"], q["brute_errors"] = r["judged"], r["brute_ms"], r["errors"]
    res["recall_process"], res["explain"] = proc, result["explain"]
    res["queries"] = queries
    res["stats"] = query_stats(queries, engines)
    save()
    print("[8] kb search from a cold process", file=sys.stderr)
    load = _OtherLoad()
    res["cli"] = cli_runs(db)
    res["cli_other"] = {"other_cores": load.cores()}
    save()

    res["total_seconds"] = time.perf_counter() - run_started
    table = format_table(build_rows(res))
    res["table"] = [dict(zip(COLUMNS, r, strict=True)) for r in build_rows(res)]
    res["table_text"] = table
    res["summary"] = summary_line(res)
    if args.clean:
        clean(out, args.clauses)
    results_file.write_text(json.dumps(res, indent=1, ensure_ascii=False), encoding="utf-8")
    print()
    print(f"standards-kb search benchmark — {args.clauses:,} clauses; {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; "
          f"total {res['total_seconds'] / 60:.1f} min")
    print(table)
    print()
    print(res["summary"])
    print(f"(written to {results_file})")


WORKERS = {"_load": _load_worker, "_index": _index_worker, "_segment": _segment_worker,
           "_queries": _query_worker, "_recall": _recall_worker}

if __name__ == "__main__":
    if sys.argv[1:2] and sys.argv[1] in WORKERS:
        WORKERS[sys.argv[1]](*sys.argv[2:])
    else:
        main()
