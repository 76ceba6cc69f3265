#!/usr/bin/env python
"""Fuzz every loader with mutated real files: cases run, findings (tracebacks, messages
that do not name the file in one line) by where they happen.

    python benchmarks/fuzz.py [--cases 10000] [--seed 1] [--show 3]

The seeds are the project's own data and fixtures plus the shared corpus when it is there;
the mutations and the rule a case must keep are in tests/fuzz.py.  Loads go into one
throw-away store, in this process.  Ends with one line: cases, findings, seconds.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tqdm import tqdm  # noqa: E402

from kb.catalogue.store import Store  # noqa: E402
from tests.fuzz import generated_seeds, mutate, run_case, seeds  # noqa: E402


def where(finding: str) -> str:
    """The last project frame of a traceback (or the first line of a message)."""
    frames = re.findall(r'File "([^"]+)", line (\d+)', finding)
    ours = [f"{Path(f).relative_to(ROOT)}:{n}" for f, n in frames
            if str(ROOT) in f and "/tests/" not in f]
    last = finding.strip().splitlines()[-1][:120]
    return f"{ours[-1] if ours else '?'}  {last}" if frames else finding[:120]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=1, help="tracebacks shown per place")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    findings: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    per_loader: Counter[str] = Counter()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        pool = seeds()
        for loader, paths in generated_seeds(folder).items():
            pool.setdefault(loader, []).extend(paths)
        data = {p: p.read_bytes() for paths in pool.values() for p in paths}
        loaders = sorted(pool)
        store = Store(folder / "fuzz.db")
        try:
            for _ in tqdm(range(args.cases), unit=" cases", file=sys.stderr):
                loader = rng.choice(loaders)
                seed = rng.choice(pool[loader])
                per_loader[loader] += 1
                finding = run_case(store, loader, seed, mutate(data[seed], rng), folder)
                if finding:
                    key = f"{loader}: {where(finding)}"
                    findings[key] += 1
                    examples.setdefault(key, []).append(finding)
        finally:
            store.close()
    seconds = time.perf_counter() - started
    print("cases by loader: " + ", ".join(f"{k} {v:,}" for k, v in sorted(per_loader.items())))
    print(f"seeds: {sum(len(v) for v in pool.values())} files")
    for key, count in findings.most_common():
        print(f"{count:>6}  {key}")
        for example in examples[key][:args.show]:
            print("        " + example.strip().replace("\n", "\n        ")[-1500:])
    print(f"{args.cases:,} cases, {sum(findings.values()):,} findings in {len(findings)} "
          f"places, {seconds:.0f} s")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
