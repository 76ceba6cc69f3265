"""The grammar's fuzzer at a larger budget, counted by class: how many designations of each
class, rendered and then misspelled (look-alike colons, hyphens, slashes and spaces, spaces
around separators, invisible characters, any case; tests/fuzz.py), read back as themselves.
``--glued`` also tries each with the spaces around its number taken out (ISO9001:2015,
GB/T19001-2016), which the grammar reads for some classes only, and counts those apart.

    python benchmarks/grammar_fuzz.py [--cases 2000] [--glued]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from kb.identifiers.designation import DesignationError, parse  # noqa: E402
from tests.fuzz import CLASSES, misspelled  # noqa: E402


def run(name: str, cases: int, glued: bool) -> tuple[Counter, dict[str, list[str]]]:
    """Counts (tried, read right, per variant) and the first failures of one class."""
    counts, failures = Counter(), {}

    def check(variant: str, written: str, expected) -> None:
        counts[f"{variant} tried"] += 1
        try:
            ok = parse(written) == expected
        except DesignationError:
            ok = False
        counts[f"{variant} right"] += ok
        if not ok and len(failures.setdefault(variant, [])) < 4:
            failures[variant].append(written)

    @settings(max_examples=cases, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def case(data):
        designation = data.draw(CLASSES[name])
        written = str(designation)
        check("rendered", written, designation)
        check("misspelled", data.draw(misspelled(written)), designation)
        if glued:  # the spaces next to the number taken out
            check("glued", re.sub(r"(?<=[A-Za-z]) (?=\d)|(?<=\d) (?=[A-Za-z])", "", written),
                  designation)

    case()
    return counts, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000, help="designations per class")
    parser.add_argument("--glued", action="store_true")
    args = parser.parse_args()
    variants = ("rendered", "misspelled") + (("glued",) if args.glued else ())
    print(f"{'class':<42}" + "".join(f" {v + ' right/tried':>24}" for v in variants))
    all_failures = {}
    for name in CLASSES:
        counts, failures = run(name, args.cases, args.glued)
        print(f"{name:<42}" + "".join(
            f" {counts[v + ' right']:>11}/{counts[v + ' tried']:<12}" for v in variants))
        all_failures[name] = failures
    for name, failures in all_failures.items():
        for variant, written in failures.items():
            print(f"  {name}, {variant}: " + ", ".join(repr(w) for w in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
