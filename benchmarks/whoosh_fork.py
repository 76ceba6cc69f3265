#!/usr/bin/env python
"""Is the maintained whoosh fork (``Whoosh-Reloaded`` 2.7.5) a drop-in for the pinned
``whoosh==2.7.4`` behind :mod:`kb.text.search_whoosh`?  Speed, install, warnings, same answers.

Run from the repository root::

    python benchmarks/whoosh_fork.py                   # 50 000 clauses
    python benchmarks/whoosh_fork.py --clauses 2000    # a quick check

Steps (everything lands in ``benchmarks/out/``, git-ignored):

1. ``pip download --no-deps`` both wheels (skipped when present), plus whatever each wheel
   declares in ``Requires-Dist`` (the fork declares ``cached-property``), and unzip each wheel
   into its own folder; compile every module of each package, recording the warnings
   Python 3.11 gives; install each into a throwaway venv from those files (``pip install``,
   ``pip check``), then both into one venv, to see how the two distributions of one import
   name collide;
2. N synthetic clauses, half English, half Chinese (seeded): English words drawn Zipf
   (s = 1.1) over real English words followed by synthetic ones, Chinese text glued from the
   most frequent words of jieba's dictionary, 40-200 words a clause, short headings;
   analysed once by :func:`kb.text.analysis.index_text` and pickled;
3. per version, child processes with that unzipped wheel first on ``sys.path`` (each prints
   ``whoosh.versionstring()``), run in ABBA order: ``--builds`` builds (2) with
   ``kb.text.search_whoosh.Whoosh(folder).writer(create=True)``, docs streamed 1 000 a batch
   (add + commit seconds, docs/s, size on disk, the child's peak RSS: VmHWM, see
   ``harness.processes.vm_hwm_mb``), then ``--rounds`` query children (2), each one warm-up
   pass then ``--passes`` timed passes (2) of 100 fixed queries through
   ``Whoosh(folder).search(parse_query(q), WEIGHTS, {}, 10, 0)``;
   a query's time is its median over every timed pass; its total and top-10 keys are kept,
   and every warning is recorded;
4. each version also answers the queries from the other version's index (format
   compatibility both ways);
5. one table, the per-class medians, and whether totals and top-10 keys agree.

Raw figures go to ``benchmarks/out/whoosh_fork.json``.  The script exits 0 whatever the fork
does; failures are reported in the output.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import pickle
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
import traceback
import warnings
import zipfile
from collections import Counter
from pathlib import Path

from harness.corpora.clauses import (  # this folder is first on sys.path
    HAN,
    Vocabulary,
    fork_clauses,
    term_vocabulary,
)
from harness.processes import vm_hwm_mb
from harness.report import format_table, pct
from harness.rounds import alternating

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
WHEELS = OUT / "whoosh-wheels"
#: (tag, pip requirement, wheel file name prefix)
VERSIONS = (("whoosh-2.7.4", "whoosh==2.7.4", "Whoosh-2.7.4-"),
            ("reloaded-2.7.5", "Whoosh-Reloaded==2.7.5", "Whoosh_Reloaded-2.7.5-"))
GENERATOR = 2  # bump when the generated clauses change: the pickle name carries it
LIMIT = 10
BATCH = 1000  # documents per writer.add(), as kb.text.search builds a folder
KB_SOURCES = ("kb/text/analysis.py", "kb/text/search.py", "kb/text/search_whoosh.py")

def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


# =============================================================================================
# 1. Wheels, compile warnings, install check
# =============================================================================================


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)


def fetch_wheels() -> dict:
    """Download and unzip both wheels and their declared dependencies; {tag: info}."""
    WHEELS.mkdir(parents=True, exist_ok=True)
    wanted = [req for _, req, _ in VERSIONS]
    if not all(any(WHEELS.glob(prefix + "*.whl")) for _, _, prefix in VERSIONS):
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(WHEELS), *wanted]
        log("$", " ".join(cmd[2:]))
        done = _run(cmd)
        if done.returncode:
            raise SystemExit(f"pip download failed:\n{done.stdout}\n{done.stderr}")
    info = {}
    for tag, req, prefix in VERSIONS:
        wheel = next(WHEELS.glob(prefix + "*.whl"))
        folder = OUT / f"wheel-{tag}"
        if not (folder / "whoosh" / "__init__.py").exists():
            shutil.rmtree(folder, ignore_errors=True)
            with zipfile.ZipFile(wheel) as z:
                z.extractall(folder)
        meta = next(folder.glob("*.dist-info")) / "METADATA"
        requires = [line.split(":", 1)[1].strip() for line in
                    meta.read_text(encoding="utf-8").splitlines()
                    if line.startswith("Requires-Dist:")]
        deps_folder = OUT / f"whoosh-deps-{tag}"
        deps: list[str] = []
        if requires:  # the child must see them too, or the wheel cannot even import
            deps_wheels = WHEELS / f"deps-{tag}"
            if not any(deps_wheels.glob("*.whl")):
                cmd = [sys.executable, "-m", "pip", "download", "--only-binary", ":all:", "-d",
                       str(deps_wheels), *requires]
                log("$", " ".join(cmd[2:]))
                done = _run(cmd)
                if done.returncode:
                    raise SystemExit(f"pip download failed:\n{done.stdout}\n{done.stderr}")
            for dep in sorted(deps_wheels.glob("*.whl")):
                deps.append(dep.name)
                with zipfile.ZipFile(dep) as z:
                    z.extractall(deps_folder)
        info[tag] = {"requirement": req, "wheel": wheel.name,
                     "wheel_bytes": wheel.stat().st_size, "folder": str(folder),
                     "requires_dist": requires, "dep_wheels": deps,
                     "deps_folder": str(deps_folder) if deps else None,
                     "files": sum(1 for _ in (folder / "whoosh").rglob("*.py"))}
    return info


def compile_warnings(folder: Path) -> dict:
    """Compile every module of the package as Python 3.11 does at import; its warnings."""
    found: list[dict] = []
    errors: list[str] = []
    for path in sorted((folder / "whoosh").rglob("*.py")):
        source = path.read_bytes()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                compile(source, str(path), "exec", dont_inherit=True)
            except SyntaxError as error:
                errors.append(f"{path.relative_to(folder)}:{error.lineno}: {error.msg}")
        for w in caught:
            found.append({"category": w.category.__name__, "message": str(w.message),
                          "where": f"{Path(w.filename).relative_to(folder)}:{w.lineno}"})
    by_kind = Counter(f"{w['category']}: {re.sub(chr(39) + '.*' + chr(39), 'X', w['message'])}"
                      for w in found)
    return {"count": len(found), "by_kind": dict(by_kind.most_common()),
            "files": len({w["where"].split(":")[0] for w in found}),
            "all": found, "syntax_errors": errors}


def install_check(info: dict) -> dict:
    """pip install each distribution into a fresh venv from the downloaded files, then both
    into one venv; what pip says, ``pip check``, and what ``import whoosh`` then gives."""
    links = ["--no-index", "--find-links", str(WHEELS)]
    for tag in info:
        if info[tag]["deps_folder"]:
            links += ["--find-links", str(WHEELS / f"deps-{tag}")]
    probe = ("import warnings, whoosh, whoosh.index, whoosh.reading, whoosh.searching;"
             "print(whoosh.versionstring(), whoosh.__file__)")
    out: dict = {}

    def venv(name: str) -> Path:
        path = OUT / name
        shutil.rmtree(path, ignore_errors=True)
        done = _run([sys.executable, "-m", "venv", str(path)])
        if done.returncode:
            raise RuntimeError(done.stderr)
        return path / "bin"

    def step(bin_: Path, *args: str) -> dict:
        done = _run([str(bin_ / "python"), *args])
        text = (done.stdout + done.stderr).strip()
        lines = [ln for ln in text.splitlines()
                 if not ln.startswith(("Looking in links", "Processing ", "Requirement already",
                                       "[notice]"))]
        return {"rc": done.returncode, "output": lines[-12:]}

    try:
        for tag, req, _ in VERSIONS:
            bin_ = venv(f"venv-{tag}")
            res = {"install": step(bin_, "-m", "pip", "install", "-q", "--no-compile", *links,
                                   req),
                   "check": step(bin_, "-m", "pip", "check"),
                   "import": step(bin_, "-B", "-W", "always", "-c", probe),
                   "list": step(bin_, "-m", "pip", "list", "--format", "freeze")}
            out[tag] = res
            shutil.rmtree(bin_.parent, ignore_errors=True)
        bin_ = venv("venv-both")
        both = {"install 2.7.4": step(bin_, "-m", "pip", "install", "-q", *links,
                                      VERSIONS[0][1]),
                "then install fork": step(bin_, "-m", "pip", "install", "-q", *links,
                                          VERSIONS[1][1]),
                "import": step(bin_, "-B", "-c", probe),
                "check": step(bin_, "-m", "pip", "check"),
                "uninstall whoosh (2.7.4)": step(bin_, "-m", "pip", "uninstall", "-y",
                                                 "whoosh"),
                "import after uninstall": step(bin_, "-B", "-c", probe)}
        out["both"] = both
        shutil.rmtree(bin_.parent, ignore_errors=True)
    except Exception as error:  # noqa: BLE001 - reported, not fatal
        out["error"] = f"{type(error).__name__}: {error}"
    return out


# =============================================================================================
# 2. Synthetic clauses
# =============================================================================================


def _analyse(batch: list[tuple]) -> list[tuple]:
    """Analysed as ``kb index`` feeds the writers: the index terms computed ahead, in the
    worker, where this version of kb.text.analysis can (``with_terms``)."""
    from kb.text.analysis import index_text

    def analysed(head, text):
        a = index_text(head, text)
        return a.with_terms() if hasattr(a, "with_terms") else a

    return [(e, lang, num, kind, work, analysed(head, text))
            for e, lang, num, kind, work, head, text in batch]


def kb_fingerprint() -> str:
    """A hash of the kb search code this process reads (others may commit while it runs)."""
    digest = hashlib.sha256()
    for name in KB_SOURCES:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()[:12]


def make_docs(clauses: int, seed: int, vocab: Vocabulary) -> tuple[Path, dict]:
    analysis = hashlib.sha256((ROOT / "kb" / "text" / "analysis.py").read_bytes()).hexdigest()[:8]
    path = OUT / f"whoosh_fork-docs-g{GENERATOR}-{analysis}-{clauses}-{seed}.pkl"
    if path.exists():
        log(f"reusing {path.relative_to(ROOT)}")
        return path, json.loads(path.with_suffix(".json").read_text())
    t0 = time.perf_counter()
    raw = fork_clauses(clauses, seed, vocab)
    generated = time.perf_counter() - t0
    import multiprocessing

    t0 = time.perf_counter()
    chunks = [raw[i:i + 2000] for i in range(0, len(raw), 2000)]
    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
        docs = [d for part in pool.map(_analyse, chunks) for d in part]
    analysed = time.perf_counter() - t0
    words = {lang: statistics.mean(len(r[6].split()) if lang == "en" else len(r[6])
                                   for r in raw if r[1] == lang) for lang in ("en", "zh")}
    meta = {"clauses": clauses, "seed": seed, "generate_s": round(generated, 2),
            "analyse_s": round(analysed, 2), "mean_en_words": round(words["en"], 1),
            "mean_zh_chars": round(words["zh"], 1),
            "mean_indexed_tokens": round(statistics.mean(
                len(a.text.split()) + len(a.grams.split()) for *_, a in docs), 1)}
    with open(path, "wb") as f:  # one pickle a batch: a child holds one batch at a time
        for i in range(0, len(docs), BATCH):
            pickle.dump(docs[i:i + BATCH], f, protocol=pickle.HIGHEST_PROTOCOL)
    path.with_suffix(".json").write_text(json.dumps(meta))
    return path, meta


def doc_batches(path: Path):
    """The pickled docs, BATCH at a time."""
    with open(path, "rb") as f:
        while True:
            try:
                yield pickle.load(f)
            except EOFError:
                return


def make_queries(vocab: Vocabulary, docs_path: Path, seed: int) -> list[tuple[str, str]]:
    """100 fixed queries as (class, text)."""
    rng = random.Random(f"{seed}/queries")
    en, zh = vocab.en, vocab.zh
    common = ["audit", "management", "shall", "requirements", "organization", "risk",
              "information", "evidence", "quality", "process", "system", "competence"]
    mid = [en[i] for i in (120, 140, 160, 180, 200, 220, 240, 260)]
    rare_ranks = (1000, 2000, 3000, 5000, 7000, 10000, 13000, 16000, 20000, 24000, 27000, 29990)
    rare = [en[i] for i in rare_ranks]
    two = [f"{a} {b}" for a, b in (
        ("audit", "evidence"), ("risk", "management"), ("quality", "system"),
        ("management", "review"), ("audit", rare[0]), ("shall", rare[3]), (mid[0], mid[1]),
        (mid[2], rare[1]), (rare[2], rare[4]), ("competence", "training"),
        ("corrective", "action"), ("the", "of"), ("calibration", "equipment"),
        ("internal", mid[3]))]
    docs = [d for batch in doc_batches(docs_path) for d in batch]
    english = [d[5].text.split() for d in docs if d[1] == "en"]
    chinese = [d[5].text.split() for d in docs if d[1] == "zh"]
    phrases = ['"the audit"', '"management system"']
    for n in (2, 2, 2, 3, 3, 4):  # adjacent words of real clauses: each has a hit
        words = english[rng.randrange(len(english))]
        i = rng.randrange(len(words) - n)
        phrases.append('"' + " ".join(words[i:i + n]) + '"')
    prefixes = ["audit*", "manag*", "requir*", "cert*", "qual*", rare[5][:4] + "*"]
    zh_words = [w for w in zh if 2 <= len(w) <= 4][:20]
    zh_chars = [w for w in zh if len(w) == 1][:10]
    zh_runs = []
    for _ in range(10):  # two jieba words in a row from a clause: a 3-8 character run
        words = chinese[rng.randrange(len(chinese))]
        while True:
            i = rng.randrange(len(words) - 1)
            run = words[i] + words[i + 1]
            if HAN.fullmatch(run) and len(run) >= 3:
                break
        zh_runs.append(run)
    queries = ([("en-common", q) for q in common] + [("en-mid", q) for q in mid]
               + [("en-rare", q) for q in rare] + [("en-two", q) for q in two]
               + [("en-phrase", q) for q in phrases] + [("en-prefix", q) for q in prefixes]
               + [("zh-word", q) for q in zh_words] + [("zh-char", q) for q in zh_chars]
               + [("zh-run", q) for q in zh_runs])
    assert len(queries) == 100, len(queries)
    return queries


# =============================================================================================
# 3. The child: one whoosh version
# =============================================================================================


def child(args) -> None:
    """Runs with the chosen wheel first on sys.path; writes its figures to args.result."""
    sys.path[:0] = [args.wheel] + ([args.deps] if args.deps else []) + [str(ROOT)]
    recorded: Counter = Counter()

    def record(message, category, filename, lineno, file=None, line=None):
        recorded[(category.__name__, str(message), filename, lineno)] += 1

    warnings.simplefilter("always")
    warnings.showwarning = record
    result: dict = {"mode": args.mode}
    try:
        t0 = time.perf_counter()
        import whoosh
        from whoosh import analysis, fields, index, query  # noqa: F401 - what kb imports
        result["import_s"] = round(time.perf_counter() - t0, 3)
        result["version"] = whoosh.versionstring()
        result["file"] = whoosh.__file__
        print(f"[child {args.mode}] whoosh.versionstring() = {whoosh.versionstring()} "
              f"from {Path(whoosh.__file__).parent}", file=sys.stderr, flush=True)
        if not whoosh.__file__.startswith(args.wheel):
            raise RuntimeError(f"imported {whoosh.__file__}, not the wheel in {args.wheel}")
        result["kb"] = kb_fingerprint()
        from kb.text.analysis import parse_query
        from kb.text.search import WEIGHTS
        from kb.text.search_whoosh import Whoosh

        folder = Path(args.index)
        result["rss_start_mb"] = vm_hwm_mb()
        if args.mode == "build":
            shutil.rmtree(folder, ignore_errors=True)
            spent, cpu, count, t_start = 0.0, 0.0, 0, time.perf_counter()
            t0, c0 = time.perf_counter(), time.process_time()
            writer = Whoosh(folder).writer(create=True)
            spent += time.perf_counter() - t0
            cpu += time.process_time() - c0
            for batch in doc_batches(Path(args.docs)):  # unpickling is not timed
                t0, c0 = time.perf_counter(), time.process_time()
                writer.add(batch)
                spent += time.perf_counter() - t0
                cpu += time.process_time() - c0
                count += len(batch)
                if count % (BATCH * 10) == 0:
                    log(f"[child build] {count:,} docs, {spent:.0f} s")
            del batch
            t0, c0 = time.perf_counter(), time.process_time()
            writer.commit()
            commit = time.perf_counter() - t0
            cpu += time.process_time() - c0
            result.update(docs=count, add_s=spent, commit_s=commit, build_s=spent + commit,
                          build_cpu_s=cpu,
                          build_wall_s=time.perf_counter() - t_start,
                          docs_per_s=count / (spent + commit), rss_build_peak_mb=vm_hwm_mb(),
                          index_bytes=sum(p.stat().st_size for p in folder.rglob("*")
                                          if p.is_file()),
                          index_files=len(list(folder.iterdir())))
        else:
            with open(args.queries, encoding="utf-8") as f:
                queries = json.load(f)
            engine = Whoosh(folder)
            parsed = [parse_query(text) for _, text in queries]
            passes = 1 if args.mode == "read-other" else 1 + int(args.passes)
            runs: list[list[float]] = []
            cpu_runs: list[list[float]] = []
            for _ in range(passes):  # the first pass warms up (unless only reading)
                answers, times, cpus = [], [], []
                for q in parsed:
                    t0, c0 = time.perf_counter(), time.process_time()
                    total, hits = engine.search(q, WEIGHTS, {}, LIMIT, 0)
                    times.append((time.perf_counter() - t0) * 1000)
                    cpus.append((time.process_time() - c0) * 1000)
                    answers.append({"total": total, "keys": ["\t".join(k) for _, k in hits],
                                    "scores": [s for s, _ in hits]})
                runs.append(times)
                cpu_runs.append(cpus)
            engine.close()
            result.update(answers=answers, warmup_ms=runs[0], pass_ms=runs[1:] or runs,
                          pass_cpu_ms=cpu_runs[1:] or cpu_runs,
                          rss_end_mb=vm_hwm_mb())
    except BaseException:  # noqa: BLE001 - the parent reports it
        result["error"] = traceback.format_exc()
    result["ru_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    wheel = str(Path(args.wheel).resolve())
    result["warnings"] = [
        {"category": c, "message": m, "where": _short(fn, wheel), "lineno": ln, "count": n,
         "from_whoosh": str(Path(fn).resolve()).startswith(wheel)}
        for (c, m, fn, ln), n in recorded.most_common()]
    Path(args.result).write_text(json.dumps(result))


def _short(filename: str, wheel: str) -> str:
    path = str(Path(filename).resolve())
    return path[len(wheel) + 1:] if path.startswith(wheel) else filename


def run_child(mode: str, tag: str, info: dict, index: Path, docs: Path, queries: Path,
              passes: int = 1) -> dict:
    result_path = OUT / f"whoosh_fork-{mode}-{tag}.json"
    result_path.unlink(missing_ok=True)
    cmd = [sys.executable, "-B", str(Path(__file__).resolve()), "--child", mode,
           "--passes", str(passes),
           "--wheel", str(Path(info["folder"]).resolve()), "--index", str(index),
           "--docs", str(docs), "--queries", str(queries), "--result", str(result_path)]
    if info["deps_folder"]:
        cmd += ["--deps", str(Path(info["deps_folder"]).resolve())]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)  # stderr: live progress
    wall = time.perf_counter() - t0
    if not result_path.exists():
        return {"error": f"child exited {done.returncode} without a result (see stderr)",
                "wall_s": wall}
    result = json.loads(result_path.read_text())
    result["wall_s"] = wall
    result["returncode"] = done.returncode
    if done.stdout.strip():
        result["stdout"] = done.stdout[-2000:]
    return result


# =============================================================================================
# 4. Report
# =============================================================================================


def table(columns: tuple[str, ...], rows: list[tuple]) -> str:
    """The first column left-aligned, the others right-aligned."""
    return format_table(columns, rows, set(range(1, len(columns))))


def compare(queries, a: dict, b: dict) -> dict:
    """Queries whose total or top-10 keys differ between two answer lists; score drift."""
    differ, examples, drift = 0, [], 0.0
    for (cls, text), x, y in zip(queries, a["answers"], b["answers"], strict=True):
        if x["total"] != y["total"] or x["keys"] != y["keys"]:
            differ += 1
            if len(examples) < 5:
                examples.append({"class": cls, "query": text, "totals": [x["total"], y["total"]],
                                 "top10_same_set": sorted(x["keys"]) == sorted(y["keys"]),
                                 "first_keys": [x["keys"][:3], y["keys"][:3]]})
        for s, t in zip(x["scores"], y["scores"], strict=False):
            drift = max(drift, abs(s - t) / max(abs(s), 1e-12))
    return {"differ": differ, "examples": examples, "max_rel_score_diff": drift}


def aggregate(steps: dict[str, list]) -> dict:
    """One version's figures from its build and query children: the median build, each
    query's median over every timed pass of every round, warnings of all children."""
    out: dict = {}
    builds = [b for b in steps["build"] if "build_s" in b]
    queries = [q for q in steps["query"] if "answers" in q]
    errors = [c["error"] for c in steps["build"] + steps["query"] if "error" in c]
    if errors:
        out["error"] = errors[0]
    for child in steps["build"] + steps["query"]:
        out.setdefault("version", child.get("version"))
    if builds:
        mid = sorted(builds, key=lambda b: b["build_s"])[(len(builds) - 1) // 2]
        out.update(build_s=statistics.median(b["build_s"] for b in builds),
                   build_cpu_s=statistics.median(b["build_cpu_s"] for b in builds),
                   builds_s=[b["build_s"] for b in builds],
                   commit_s=statistics.median(b["commit_s"] for b in builds),
                   docs=mid["docs"], index_bytes=mid["index_bytes"],
                   rss_start_mb=max(b["rss_start_mb"] for b in builds),
                   rss_build_peak_mb=max(b["rss_build_peak_mb"] for b in builds))
        out["docs_per_s"] = out["docs"] / out["build_s"]
    if queries:
        passes = [p for q in queries for p in q["pass_ms"]]
        cpu_passes = [p for q in queries for p in q["pass_cpu_ms"]]
        out.update(answers=queries[0]["answers"], pass_sums_ms=[sum(p) for p in passes],
                   ms=[statistics.median(t) for t in zip(*passes, strict=True)],
                   cpu_ms=[statistics.median(t) for t in zip(*cpu_passes, strict=True)],
                   rounds_agree=all(q["answers"] == queries[0]["answers"] for q in queries),
                   rss_query_peak_mb=max(q["rss_end_mb"] for q in queries))
    seen: dict = {}
    for child in steps["build"] + steps["query"]:
        for w in child.get("warnings", []):
            key = (w["category"], w["message"], w["where"], w["lineno"])
            if key in seen:
                seen[key]["count"] += w["count"]
            else:
                seen[key] = dict(w)
    out["warnings"] = list(seen.values())
    return out


def report(args, wall_start: float, info, compiled, installs, meta, queries, runs, cross):
    a_tag, b_tag = VERSIONS[0][0], VERSIONS[1][0]
    lines = [f"whoosh vs Whoosh-Reloaded through kb.text.search_whoosh.Whoosh, {args.clauses:,} "
             f"clauses (half en, half zh), Python {sys.version.split()[0]}, "
             f"{os.cpu_count()} cores",
             f"clauses: mean {meta['mean_en_words']} English words, {meta['mean_zh_chars']} "
             f"Chinese characters; analysed once by kb.text.analysis.index_text in "
             f"{meta['analyse_s']} s", ""]
    rows = []
    for tag, _, _ in VERSIONS:
        r = runs[tag]
        build = (f"{r['build_s']:.1f}", f"{r['build_cpu_s']:.1f}", f"{r['docs_per_s']:,.0f}",
                 f"{r['index_bytes'] / 1e6:.1f}", f"{r['rss_build_peak_mb']:.0f}"
                 ) if "build_s" in r else ("FAILED", "", "", "", "")
        ms = r.get("ms")
        search = (f"{pct(ms, 0.5):.2f}", f"{pct(ms, 0.95):.2f}", f"{max(ms):.2f}",
                  f"{sum(ms):.0f}", f"{sum(r['cpu_ms']):.0f}") if ms else ("FAILED", "", "", "", "")
        rows.append((tag, r.get("version") or "?", *build, *search))
    lines.append(table(("version", "whoosh.versionstring()", "build s", "build CPU s", "docs/s",
                        "size MB", "peak RSS MB", "p50 ms", "p95 ms", "max ms", "sum ms",
                        "sum CPU ms"), rows))
    lines.append(f"build s: median of {args.builds} builds (add + commit, unpickling not "
                 f"timed); peak RSS: the build child's VmHWM (docs streamed {BATCH} at a time); "
                 f"query ms: each query's median over {args.rounds} child processes x "
                 f"{args.passes} timed passes (each child warms up first), p50/p95/max/sum over "
                 f"the 100 queries; children run in ABBA order")
    ok = all("answers" in runs[t] for t, _, _ in VERSIONS)
    order = "; ".join(
        f"{s['mode']} {s['tag']}: " + (f"{s['build_s']:.1f} s" if s["build_s"] else
                                       "/".join(f"{x / 1000:.1f}" for x in s["pass_sums_ms"])
                                       + " s a pass") + (" ERROR" if s["error"] else "")
        for s in runs["sequence"])
    lines += ["", f"children in run order: {order}",
              f"load average (1 min) at the start / end of the run: {runs['load'][0]:.2f} / "
              f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (wall times include any "
              "other work on the machine; CPU times much less so)"]
    prints = {runs.get("kb_start")} | {q["kb"] for q in runs["sequence"]} | {
        c.get("kb") for c in cross.values()}
    lines.append(f"kb search code ({', '.join(KB_SOURCES)}): " + (
        f"the same in every child ({runs.get('kb_start')})" if len(prints) == 1 else
        f"CHANGED DURING THE RUN ({sorted(map(str, prints))}): figures mix two versions "
        "of kb; run again"))
    agree = [runs[t].get("rounds_agree") for t, _, _ in VERSIONS]
    if not all(agree):
        lines.append(f"query rounds gave the same answers: {agree} (expected both True)")
    if ok:
        a, b = runs[a_tag], runs[b_tag]
        ratios = [y / x for x, y in zip(a["ms"], b["ms"], strict=True) if x > 0]
        cpu_ratios = [y / x for x, y in zip(a["cpu_ms"], b["cpu_ms"], strict=True) if x > 0]
        lines += [f"{b_tag} / {a_tag} in CPU time: build x{b['build_cpu_s'] / a['build_cpu_s']:.3f}"
                  f"; queries: sum x{sum(b['cpu_ms']) / sum(a['cpu_ms']):.3f}, per-query median "
                  f"x{statistics.median(cpu_ratios):.3f}, {sum(r < 1 for r in cpu_ratios)} of "
                  f"{len(cpu_ratios)} queries faster in the fork"]
        lines += [f"child RSS at start (imports, before any doc): {a['rss_start_mb']:.0f} / "
                  f"{b['rss_start_mb']:.0f} MB; commit part of the build: {a['commit_s']:.1f} / "
                  f"{b['commit_s']:.1f} s; peak RSS of the query children: "
                  f"{a['rss_query_peak_mb']:.0f} / {b['rss_query_peak_mb']:.0f} MB",
                  f"{b_tag} / {a_tag}: build time x{b['build_s'] / a['build_s']:.3f}; "
                  f"query time: sum x{sum(b['ms']) / sum(a['ms']):.3f}, per-query ratio median "
                  f"x{statistics.median(ratios):.3f} (geometric mean "
                  f"x{math.exp(statistics.mean(math.log(r) for r in ratios)):.3f}), "
                  f"{sum(r < 1 for r in ratios)} of {len(ratios)} queries faster in the fork", ""]
        classes = list(dict.fromkeys(c for c, _ in queries))
        crow = []
        for cls in classes:
            idx = [i for i, (c, _) in enumerate(queries) if c == cls]
            ta = [a["ms"][i] for i in idx]
            tb = [b["ms"][i] for i in idx]
            crow.append((cls, len(idx), f"{statistics.median(ta):.2f}",
                         f"{statistics.median(tb):.2f}",
                         f"{statistics.median(tb) / statistics.median(ta):.2f}",
                         f"{statistics.median(a['answers'][i]['total'] for i in idx):,.0f}"))
        lines.append(table(("query class", "n", f"p50 ms {a_tag}", f"p50 ms {b_tag}",
                            "ratio", "median total"), crow))
        same = compare(queries, a, b)
        lines += ["", f"same answers (total and top-10 keys, in order), own index each: "
                  f"{100 - same['differ']}/100 identical, {same['differ']} differ; "
                  f"largest relative score difference {same['max_rel_score_diff']:.2e}"]
        for ex in same["examples"]:
            lines.append(f"  differs: [{ex['class']}] {ex['query']!r} totals {ex['totals']}, "
                         f"same top-10 set {ex['top10_same_set']}, first keys "
                         f"{ex['first_keys']}")
        for label, (reader, built) in (("fork reads the 2.7.4 index", (b_tag, a_tag)),
                                       ("2.7.4 reads the fork's index", (a_tag, b_tag))):
            c = cross.get(reader)
            if not c or "answers" not in c:
                err = (c or {}).get("error", "not run").strip().splitlines()
                lines.append(f"{label}: FAILED: {err[-1] if err else ''}")
                continue
            d = compare(queries, runs[built], c)
            lines.append(f"{label}: {100 - d['differ']}/100 answers identical to "
                         f"{built} on its own index")
    for tag, _, _ in VERSIONS:
        r = runs[tag]
        if "error" in r:
            lines += ["", f"{tag} FAILED:", r["error"].rstrip()]
    lines += ["", "install (pip, from the downloaded files, into a fresh venv):"]
    for tag, req, _ in VERSIONS:
        i = installs.get(tag)
        if not i:
            lines.append(f"  {req}: not checked ({installs.get('error', '')})")
            continue
        pkgs = ", ".join(ln for ln in i["list"]["output"]
                         if not ln.lower().startswith(("pip==", "setuptools==")))
        warns = [ln for ln in i["import"]["output"] if "Warning" in ln]
        lines.append(f"  {req}: pip install rc {i['install']['rc']}"
                     f"{' ' + ' | '.join(i['install']['output']) if i['install']['output'] else ''}"
                     f"; installs [{pkgs}]; pip check: {' '.join(i['check']['output'])}; "
                     f"import (no .pyc, -W always): {len(warns)} warning lines")
    if "both" in installs:
        for step, res in installs["both"].items():
            lines.append(f"  both in one venv, {step}: rc {res['rc']} "
                         f"{' | '.join(res['output'][-3:])}")
    lines += ["", "warnings Python 3.11 gives when it compiles each package (every module):"]
    for tag, _, _ in VERSIONS:
        c = compiled[tag]
        kinds = "; ".join(f"{n} x {k}" for k, n in c["by_kind"].items()) or "none"
        errors = f"; SYNTAX ERRORS {c['syntax_errors']}" if c["syntax_errors"] else ""
        lines.append(f"  {tag}: {c['count']} in {c['files']} of {info[tag]['files']} files "
                     f"({kinds}){errors}")
        for w in c["all"]:
            lines.append(f"    {w['category']}: {w['message']}  [{w['where']}]")
    lines.append("warnings raised at run time by whoosh code in the child (imports compiled "
                 "fresh, -B; build and queries):")
    for tag, _, _ in VERSIONS:
        ws = [w for w in runs[tag].get("warnings", []) if w["from_whoosh"]]
        other = [w for w in runs[tag].get("warnings", []) if not w["from_whoosh"]]
        lines.append(f"  {tag}: {sum(w['count'] for w in ws)} ({len(ws)} distinct)"
                     f"{f'; {len(other)} distinct from other code' if other else ''}")
        for w in ws[:40]:
            lines.append(f"    {w['category']}: {w['message']}  [{w['where']}:{w['lineno']}]"
                         + (f" x{w['count']}" if w["count"] > 1 else ""))
    lines += ["", f"wall time {time.perf_counter() - wall_start:.0f} s; raw figures in "
              f"{(OUT / 'whoosh_fork.json').relative_to(ROOT)}"]
    return "\n".join(lines)


# =============================================================================================
# main
# =============================================================================================


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clauses", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--builds", type=int, default=2,
                        help="index builds per version, in ABBA order; the median is shown")
    parser.add_argument("--rounds", type=int, default=2,
                        help="query children per version, in ABBA order")
    parser.add_argument("--passes", type=int, default=2,
                        help="timed passes per query child after its warm-up pass")
    parser.add_argument("--skip-install-check", action="store_true",
                        help="do not pip install into throwaway venvs")
    parser.add_argument("--child", dest="mode", help=argparse.SUPPRESS)
    for hidden in ("--wheel", "--deps", "--index", "--docs", "--queries", "--result"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        child(args)
        return 0
    wall_start = time.perf_counter()
    kb_start = kb_fingerprint()
    load_start = os.getloadavg()
    OUT.mkdir(parents=True, exist_ok=True)
    sys.path.insert(1, str(ROOT))  # the kb of this checkout
    log("1. wheels")
    info = fetch_wheels()
    compiled = {tag: compile_warnings(Path(info[tag]["folder"])) for tag in info}
    installs = {} if args.skip_install_check else install_check(info)
    log("2. clauses")
    vocab = term_vocabulary(args.seed)
    docs_path, meta = make_docs(args.clauses, args.seed, vocab)
    queries = make_queries(vocab, docs_path, args.seed)
    queries_path = OUT / "whoosh_fork-queries.json"
    queries_path.write_text(json.dumps(queries, ensure_ascii=False))
    log("3. build, then search, one child process per version and step, in ABBA order")
    indexes = {tag: OUT / f"whoosh_fork-{tag}-{args.clauses}.whoosh" for tag, _, _ in VERSIONS}
    steps: dict[str, dict[str, list]] = {tag: {"build": [], "query": []} for tag in indexes}
    sequence = []
    for mode, count in (("build", args.builds), ("query", args.rounds)):
        for i, tag in alternating([t for t, _, _ in VERSIONS], count):
            log(f"   {mode} {i + 1}/{count}: {tag}")
            done = run_child(mode, tag, info[tag], indexes[tag], docs_path, queries_path,
                             args.passes)
            steps[tag][mode].append(done)
            sequence.append((mode, tag, done))
    runs = {tag: aggregate(steps[tag]) for tag in steps}
    runs["kb_start"] = kb_start
    runs["load"] = load_start
    runs["sequence"] = [
        {"mode": m, "tag": t, "build_s": d.get("build_s"), "kb": d.get("kb"),
         "pass_sums_ms": [sum(p) for p in d.get("pass_ms", [])], "error": "error" in d}
        for m, t, d in sequence]
    log("4. each version reads the other's index")
    cross = {}
    (a_tag, *_), (b_tag, *_) = VERSIONS
    for reader, built in ((b_tag, a_tag), (a_tag, b_tag)):
        if indexes[built].exists():
            cross[reader] = run_child("read-other", reader, info[reader], indexes[built],
                                      docs_path, queries_path)
    text = report(args, wall_start, info, compiled, installs, meta, queries, runs, cross)
    print(text)
    (OUT / "whoosh_fork.json").write_text(json.dumps(
        {"clauses": args.clauses, "seed": args.seed, "wheels": info, "compile": compiled,
         "install": installs, "data": meta, "queries": queries, "runs": runs, "cross": cross,
         "table_text": text}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
