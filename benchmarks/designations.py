"""Agreement of kb.designation.normalize with the identifiers ISO and IEC publish.

Reads every Relaton record in ../shared/corpus/relaton/bulk/*.tar.xz (without unpacking),
takes each record's primary identifier (as printed by the publisher) and its iso-reference
(with the language code), and counts how often ``normalize`` returns it unchanged; also the
rate of ``parse`` over those identifiers.  Prints one table and the first disagreements.

    python benchmarks/designations.py [--corpus ../shared/corpus]
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(Path(__file__).resolve().parents[2] / "shared"
                                                / "corpus"))
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
    for key, values in sorted(misses.items()):
        print(f"\nfirst disagreements, {key}:")
        for value in values[:10]:
            try:
                print(f"  {value!r} -> {normalize(value)!r}")
            except DesignationError as error:
                print(f"  {value!r} -> error: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
