"""Agreement of kb.designation.normalize with the identifiers ISO and IEC publish.

Reads every Relaton record in ../shared/corpus/relaton/bulk/*.tar.xz (without unpacking),
takes each record's primary identifier (as printed by the publisher) and its iso-reference
(with the language code), and counts how often ``normalize`` returns it unchanged; also the
rate of ``parse`` over those identifiers.  Prints one table and the first disagreements.

    python benchmarks/designations.py [--corpus ../shared/corpus] [--perturbed]
"""

from __future__ import annotations

import argparse
import re
import sys
import tarfile
import time
from collections import Counter
from pathlib import Path

from kb.designation import DesignationError, normalize, parse

_DOCID = re.compile(
    r"^- id: (.+(?:\n    .+)*)\n  type: (ISO|IEC|iso-reference)(\n  primary: true)?", re.M
)


def identifiers(archive: Path):
    """(kind, identifier) for each record: kind is 'iso-primary', 'iec-primary' or 'reference'."""
    with tarfile.open(archive, "r:xz") as tar:
        for member in tar:
            if not member.isfile():
                continue
            text = tar.extractfile(member).read().decode("utf-8")
            block = text.split("\ndocid:\n", 1)[-1].split("\ndocnumber:", 1)[0]
            for m in _DOCID.finditer(block):
                value = " ".join(m.group(1).split()).strip("'\"")  # folded YAML scalars
                if not value[:1].isalpha():  # broken in the source, e.g. " 1:1998(E)"
                    continue
                if m.group(2) == "iso-reference":
                    yield "reference (with language)", value
                elif m.group(3):
                    yield f"{m.group(2)} primary", value


#: How people misspell a designation: (name, function).  Each keeps the document the same.
PERTURBATIONS = (
    ("lower case", lambda t: t.lower()),
    ("no spaces", lambda t: t.replace(" ", "")),
    ("full-width", lambda t: "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else
                                     "\u3000" if c == " " else c for c in t)),
    ("Chinese colon", lambda t: t.replace(":", "：")),
    ("dash for hyphen", lambda t: t.replace("-", "–")),
    ("hyphen for colon", lambda t: re.sub(r":((?:19|20)\d\d)$", r"-\1", t)),
    ("spaces around", lambda t: re.sub(r"([/:])", r" \1 ", t)),
    ("hyphen publishers", lambda t: t.replace("ISO/IEC", "ISO-IEC")),
    ("other house style", lambda t: re.sub(
        r"/(Amd|Cor) (\d+)", lambda m: f"/{m.group(1).upper()}{m.group(2)}",
        re.sub(r"/(AMD|COR)(\d+)", lambda m: f"/{m.group(1).title()} {m.group(2)}", t))),
    ("double spaces", lambda t: t.replace(" ", "  ")),
)


def perturbed(ids: list[str], rng) -> dict[str, tuple[int, int, list]]:
    """For each perturbation: (tried, normalized like the original, first failures)."""
    out = {}
    sample = rng.sample(ids, min(len(ids), 2_000))
    for name, change in PERTURBATIONS:
        tried = same = 0
        failures = []
        for identifier in sample:
            written = change(identifier)
            if written == identifier:
                continue
            tried += 1
            try:
                ok = normalize(written) == normalize(identifier)
            except DesignationError:
                ok = False
            same += ok
            if not ok and len(failures) < 3:
                failures.append(written)
        out[name] = (tried, same, failures)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(Path(__file__).resolve().parents[2] / "shared"
                                                / "corpus"))
    parser.add_argument("--perturbed", action="store_true",
                        help="also misspell a sample of 2 000 identifiers in ten ways people "
                             "do and count how many still normalize like the original")
    args = parser.parse_args()
    bulk = Path(args.corpus) / "relaton" / "bulk"
    archives = sorted(bulk.glob("*.tar.xz"))
    if not archives:
        print(f"no Relaton bulk archives under {bulk}", file=sys.stderr)
        return 1
    totals, agree, misses = Counter(), Counter(), {}
    all_ids = []
    for archive in archives:
        source = archive.name.split("-")[2]
        for kind, identifier in identifiers(archive):
            key = f"{source}: {kind}"
            totals[key] += 1
            all_ids.append(identifier)
            try:
                ok = normalize(identifier) == identifier
            except DesignationError:
                ok = False
            agree[key] += ok
            if not ok:
                misses.setdefault(key, []).append(identifier)
    parse.cache_clear()
    started = time.perf_counter()
    for identifier in all_ids:
        try:
            parse(identifier)
        except DesignationError:
            pass
    rate = len(all_ids) / (time.perf_counter() - started)
    print(f"{'identifiers':<40} {'count':>8} {'agree':>8} {'%':>7}")
    for key in sorted(totals):
        print(f"{key:<40} {totals[key]:>8} {agree[key]:>8} {100 * agree[key] / totals[key]:>6.2f}%")
    print(f"{'parse rate (uncached)':<40} {rate:>8.0f} /s")
    if args.perturbed:
        import random

        parseable = [i for i in dict.fromkeys(all_ids) if _parses(i)]
        results = perturbed(parseable, random.Random(1))
        tried = sum(t for t, _, _ in results.values())
        same = sum(s for _, s, _ in results.values())
        print(f"\n{'misspelled as':<40} {'tried':>8} {'alike':>8} {'%':>7}")
        for name, (t, s, _) in results.items():
            print(f"{name:<40} {t:>8} {s:>8} {100 * s / max(t, 1):>6.2f}%")
        print(f"{'all':<40} {tried:>8} {same:>8} {100 * same / max(tried, 1):>6.2f}%")
        for name, (_, _, failures) in results.items():
            for written in failures:
                print(f"  {name}: {written!r}")
    for key, values in sorted(misses.items()):
        print(f"\nfirst disagreements, {key}:")
        for value in values[:10]:
            try:
                print(f"  {value!r} -> {normalize(value)!r}")
            except DesignationError as error:
                print(f"  {value!r} -> error: {error}")
    return 0


def _parses(identifier: str) -> bool:
    try:
        parse(identifier)
    except DesignationError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
