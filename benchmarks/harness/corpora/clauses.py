"""Synthetic clause text: English and Chinese editions of Zipf-drawn words.

``Vocabulary`` and ``generate`` are the search benchmark's corpus (benchmarks/search.py, also
serve.py's and collapse.py's clauses): editions of 120–280 clauses in pairs, one English
(``ISO 9xxxx:YYYY``) and one Chinese (``GB/T 9xxxx-YYYY``), words drawn from a Zipf
distribution (s = 1.1) over 30 000 words per language whose top ranks are real words, the
same for the same seed.  ``load`` puts such a file in a store as the benchmarks load it.
``term_vocabulary`` and ``fork_clauses`` are whoosh_fork.py's simpler corpus.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import statistics
import time
import warnings
from array import array
from collections import Counter
from itertools import accumulate
from pathlib import Path

from harness.progress import bar as _bar
from harness.report import pct

#: Words per vocabulary (each language), Zipf exponent, first designation number.
VOCABULARY = 30_000
ZIPF_S = 1.1
FIRST_NUMBER = 90_000  # ISO 9xxxx / GB/T 9xxxx: data/catalogue uses none of them

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
HAN = re.compile(r"[\u4e00-\u9fff]+")

#: Text lengths: log-normal with these medians (English words, Chinese characters of words,
#: punctuation not counted) and sigma; terms are shorter.  Overall: ~60 words, ~150 characters.
EN_MEDIAN, ZH_MEDIAN, TERM_EN_MEDIAN, TERM_ZH_MEDIAN, SIGMA = 66, 140, 20, 40, 0.9
EN_MAX_WORDS, ZH_MAX_CHARS = 700, 3500

_FIXED_HEADINGS = {"foreword": ("Foreword", "前言"), "introduction": ("Introduction", "引言"),
                   "1": ("Scope", "范围"), "2": ("Normative references", "规范性引用文件"),
                   "3": ("Terms and definitions", "术语和定义"),
                   "bibliography": ("Bibliography", "参考文献")}



class Vocabulary:
    """Two vocabularies of VOCABULARY words, most frequent first, and Zipf weights (the
    search benchmark's words for ``seed``, or the ``en`` and ``zh`` given)."""

    def __init__(self, seed: int, en: list[str] | None = None,
                 zh: list[str] | None = None) -> None:
        self.en = _english_words(seed) if en is None else en
        self.zh = _chinese_words() if zh is None else zh
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
        word = _pseudo_word(rng)
        if len(word) >= 4 and stem(word) not in stems:
            stems.add(stem(word))
            words.append(word)
    return words


def _chinese_words() -> list[str]:
    """ZH_TOP, then jieba's dictionary words of 2–4 common Han characters, by frequency.

    "Common" means among the 3 500 characters with the highest summed word frequency in the
    dictionary; taking real words keeps the text segmentable the way real text is.
    """
    entries = list(_jieba_words())
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


def _pseudo_word(rng: random.Random) -> str:
    """A pseudo-word of 1–3 syllables."""
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                   for _ in range(rng.choice((1, 2, 2, 2, 3))))


def _jieba_words():
    """(word, frequency) of every all-Han word of jieba's dictionary, in its order."""
    import jieba

    with open(Path(jieba.__file__).with_name("dict.txt"), encoding="utf-8") as lines:
        for line in lines:
            word, freq, *_ = line.split()
            if HAN.fullmatch(word):
                yield word, int(freq)


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


def english_text(rng, vocab: Vocabulary, n: int, words_out: list | None) -> str:
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
            text = english_text(rng, vocab, n, words_out)
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


def documents(corpus: str | Path):
    """The documents of a file of :func:`generate`, one per edition (its Edition and Clause
    records), for ``Store.load``."""
    from kb.catalogue.model import Clause, Document, Edition

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


def load(db: str, corpus: str, total: int) -> dict:
    """Load a file of :func:`generate` with ``Store.load`` (:func:`documents`); ``total``
    records, for the progress bar."""
    from kb.catalogue.store import Store

    bar = _bar(total=int(total), desc="Store.load", unit=" records")
    started = time.perf_counter()
    store = Store(db)
    try:
        summary = store.load(documents(corpus), on_records=bar.update)
    finally:
        store.close()
    seconds = time.perf_counter() - started
    bar.close()
    return {"loaded": summary.loaded, "failed": summary.failed, "records": summary.records,
            "errors": summary.errors[:20], "seconds": seconds}


# ---------------------------------------------------------------------------------------------
# whoosh_fork.py's corpus: other words, clauses of 40-200 words without editions' structure
# ---------------------------------------------------------------------------------------------

FORK_MIN_WORDS, FORK_MAX_WORDS = 40, 200


def term_vocabulary(seed: int) -> Vocabulary:
    """EN_TOP, then pseudo-words of 1-3 syllables, no two with the same index term (the
    project's own stemming, :func:`kb.text.analysis.terms`); the VOCABULARY most frequent
    words of 1-4 Han characters in jieba's dictionary."""
    from kb.text.analysis import terms

    rng = random.Random(f"{seed}/vocabulary/en")
    en = list(dict.fromkeys(EN_TOP))
    stems = set(terms(" ".join(en)))
    while len(en) < VOCABULARY:
        batch = [_pseudo_word(rng) for _ in range(2000)]
        for word, stem in zip(batch, terms(" ".join(batch)), strict=True):
            if len(word) >= 4 and stem not in stems and len(en) < VOCABULARY:
                stems.add(stem)
                en.append(word)
    entries = sorted((-freq, word) for word, freq in _jieba_words() if len(word) <= 4)
    return Vocabulary(seed, en, [w for _, w in entries[:VOCABULARY]])


def fork_clause(rng: random.Random, vocab: Vocabulary, language: str) -> tuple[str | None, str]:
    """(heading or None, text) of one clause."""
    n = rng.randint(FORK_MIN_WORDS, FORK_MAX_WORDS)
    words = vocab.draw(rng, language, n)
    if language == "en":
        sentences, i = [], 0
        while i < n:
            s = words[i:i + rng.randint(6, 22)]
            i += len(s)
            s[0] = s[0].capitalize()
            sentences.append(" ".join(s) + ".")
        text = " ".join(sentences)
        heading = vocab.draw(rng, "en", rng.randint(1, 4))
        head = " ".join([heading[0].capitalize(), *heading[1:]])
    else:
        out, run = [], rng.randint(3, 9)
        for i, w in enumerate(words, 1):
            out.append(w)
            if i % run == 0 or i == n:
                out.append("。" if rng.random() < 0.35 or i == n else "，")
        text = "".join(out)
        head = "".join(vocab.draw(rng, "zh", rng.randint(1, 3)))
    return (None if rng.random() < 0.1 else head), text


def fork_clauses(clauses: int, seed: int, vocab: Vocabulary) -> list[tuple]:
    """(edition, language, number, kind, work, heading, text) of ``clauses`` clauses,
    alternating English and Chinese, 200 to an edition."""
    rng = random.Random(f"{seed}/clauses")
    raw = []
    for i in range(clauses):
        language = "en" if i % 2 == 0 else "zh"
        edition_no, pos = divmod(i // 2, 200)
        edition = (f"ISO {90000 + edition_no}:2020" if language == "en"
                   else f"GB/T {90000 + edition_no}-2020")
        number = f"{pos // 20 + 4}.{pos % 20 + 1}"
        kind = "term" if pos % 10 == 9 else "clause"
        head, text = fork_clause(rng, vocab, language)
        raw.append((edition, language, number, kind, None, head, text))
    return raw
