#!/usr/bin/env python
"""Do rjieba (jieba-rs) and the Python jieba cut Chinese the same way, and how fast?

kb.text.analysis cuts Chinese with rjieba; this checks it against jieba, the reference, on every
run of Chinese characters in the shared corpus (bulletins, GB catalogue, ISO Open Data, STS)
and in data/, then on synthetic text drawn from jieba's dictionary (its 30 000 most frequent
Chinese words, Zipf, glued without spaces so that the cut depends on context).

    python benchmarks/segmenters.py               # about 30 s
    python benchmarks/segmenters.py --synthetic 0 # the real text only

Figures: runs cut identically; word boundaries in common (|A ∩ B| / |A ∪ B|); cutting time of
each; the cold start of each (import and first cut, in a fresh process, median of 5).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = ROOT.parent / "shared" / "corpus"
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
SUFFIXES = (".txt", ".xml", ".yaml", ".yml", ".json", ".jsonl", ".md", ".html")


def real_runs() -> list[str]:
    runs = []
    for root in (CORPUS, ROOT / "data", ROOT / "tests" / "fixtures"):
        for path in sorted(root.rglob("*")) if root.exists() else ():
            if path.is_file() and path.suffix in SUFFIXES and path.stat().st_size < 50e6:
                try:
                    runs += HAN.findall(path.read_text(encoding="utf-8"))
                except UnicodeDecodeError:
                    continue
    return runs


def synthetic_runs(count: int, seed: int = 11) -> list[str]:
    import jieba

    with open(Path(jieba.__file__).with_name("dict.txt"), encoding="utf-8") as lines:
        entries = [line.split(" ")[:2] for line in lines]
    words = [w for w, _ in sorted(((w, int(f)) for w, f in entries if HAN.fullmatch(w)),
                                  key=lambda e: -e[1])][:30_000]  # the most frequent
    rng = random.Random(seed)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(words))]
    return ["".join(rng.choices(words, weights, k=rng.randint(4, 40))) for _ in range(count)]


def boundaries(words: list[str]) -> set[int]:
    out, at = set(), 0
    for word in words:
        at += len(word)
        out.add(at)
    return out


def compare(runs: list[str]) -> dict:
    import jieba
    import rjieba

    jieba.setLogLevel(60)
    jieba.initialize()
    rjieba.cut("预热")
    started = time.perf_counter()
    reference = [list(jieba.cut(run)) for run in runs]
    jieba_s = time.perf_counter() - started
    started = time.perf_counter()
    fast = [rjieba.cut(run) for run in runs]
    rjieba_s = time.perf_counter() - started
    same = sum(a == b for a, b in zip(reference, fast, strict=True))
    common = sum(len(boundaries(a) & boundaries(b)) for a, b in zip(reference, fast, strict=True))
    union = sum(len(boundaries(a) | boundaries(b)) for a, b in zip(reference, fast, strict=True))
    differ = [(r, a, b) for r, a, b in zip(runs, reference, fast, strict=True) if a != b][:5]
    return {"runs": len(runs), "chars": sum(map(len, runs)), "same": same,
            "boundaries": common / union if union else 1.0, "jieba_s": jieba_s,
            "rjieba_s": rjieba_s, "examples": differ}


def cold(code: str) -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ,
                                                                    "PYTHONWARNINGS": "ignore"},
                       stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=100_000,
                        help="synthetic runs to compare (0: none)")
    args = parser.parse_args()
    sets = {"real text (shared corpus, data/, fixtures)": real_runs()}
    if args.synthetic:
        sets[f"synthetic ({args.synthetic:,} runs from jieba's dictionary)"] = \
            synthetic_runs(args.synthetic)
    print(f"{'text':52} {'runs':>9} {'chars':>11} {'identical':>10} {'boundaries':>10} "
          f"{'jieba s':>8} {'rjieba s':>8}")
    for name, runs in sets.items():
        r = compare(runs)
        print(f"{name:52} {r['runs']:>9,} {r['chars']:>11,} {r['same'] / r['runs']:>10.4%} "
              f"{r['boundaries']:>10.4%} {r['jieba_s']:>8.2f} {r['rjieba_s']:>8.2f}")
        for run, a, b in r["examples"]:
            print(f"    {run}: jieba {'/'.join(a)} · rjieba {'/'.join(b)}")
    jieba_cold = cold("import jieba; jieba.setLogLevel(60); list(jieba.cut('审核方案'))")
    rjieba_cold = cold("import rjieba; rjieba.cut('审核方案')")
    bare = cold("pass")
    print(f"cold start, import and first cut (median of 5, python alone {bare:.2f} s): "
          f"jieba {jieba_cold:.2f} s, rjieba {rjieba_cold:.2f} s")


if __name__ == "__main__":
    main()
