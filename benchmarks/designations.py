"""Agreement of kb.identifiers.designation.normalize with the identifiers ISO and IEC publish.

Reads every Relaton record in ../shared/corpus/relaton/bulk/*.tar.xz (without unpacking),
takes each record's primary identifier (as printed by the publisher) and its iso-reference
(with the language code), and counts how often ``normalize`` returns it unchanged; also the
rate of ``parse`` over those identifiers.  Prints one table and the first disagreements.

ISO's own print of a document is in the records too: a relation (``updates``, ``obsoletes`` …)
names the related document as ISO's page prints it.  Where that print and Relaton's primary
identifier of the same document differ, the table says how (Relaton writes ISO's draft
amendments DAM and FDAM, ISO's pages DAmd and FDAmd), and the row *ISO primary, as ISO prints
it* reads each primary identifier with those differences put ISO's way.

``--against REV`` also loads ``kb/identifiers/designation.py`` as it was at git revision REV and
counts the
identifiers (primary, references, relations) whose canonical form differs between the two,
by kind of change, with examples, and the old parse rate on the same identifiers.

    python benchmarks/designations.py [--corpus ../shared/corpus] [--perturbed] [--against REV]
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's kb

from harness.rounds import best, interleaved  # noqa: E402  (this folder is first on sys.path)

from kb.identifiers.designation import DesignationError, normalize, parse  # noqa: E402

_DOCID = re.compile(
    r"^- id: (.+(?:\n    .+)*)\n  type: (ISO|IEC|iso-reference)(\n  primary: true)?", re.M
)


#: A related document's identifier (``relation: - type: updates / bibitem: docid: - id:``).
_RELATION = re.compile(r"^( +)- id: (.+)\n\1  type: (ISO|IEC)\b", re.M)


def identifiers(archive: Path, relations: bool = False):
    """(kind, identifier) for each record: kind is 'ISO primary', 'IEC primary' or 'reference
    (with language)'; with ``relations``, also 'relation' for the documents its relations name
    (as the publisher's page prints them)."""
    with tarfile.open(archive, "r:xz") as tar:
        for member in tar:
            if not member.isfile():
                continue
            text = tar.extractfile(member).read().decode("utf-8")
            head, _, rest = text.partition("\ndocnumber:")
            block = head.split("\ndocid:\n", 1)[-1]
            for m in _DOCID.finditer(block):
                value = " ".join(m.group(1).split()).strip("'\"")  # folded YAML scalars
                if not value[:1].isalpha():  # broken in the source, e.g. " 1:1998(E)"
                    continue
                if m.group(2) == "iso-reference":
                    yield "reference (with language)", value
                elif m.group(3):
                    yield f"{m.group(2)} primary", value
            for m in _RELATION.finditer(rest) if relations else ():
                yield "relation", " ".join(m.group(2).split()).strip("'\"")


def as_iso_prints(identifier: str) -> str:
    """A Relaton primary identifier with Relaton's abbreviations of draft amendments (DAM,
    FDAM) written as ISO's pages print them (DAmd, FDAmd); see :func:`print_differences`."""
    return re.sub(r"/(F?)DAM(?= |\(|$)", r"/\1DAmd", identifier)


def print_differences(primaries: list[str], relations: list[str]) -> Counter:
    """How ISO's print of a document (a relation's identifier) differs from Relaton's primary
    identifier of the same document (same parse), counted by the words that differ."""
    by_value = {}
    for identifier in primaries:
        try:
            by_value.setdefault(parse(identifier).edition, set()).add(identifier)
        except DesignationError:
            pass
    differences = Counter()
    for identifier in relations:
        try:
            known = by_value.get(parse(identifier).edition)
        except DesignationError:
            continue
        if known and identifier not in known:
            relaton = sorted(known)[0]
            ours = set(re.findall(r"[A-Za-z]+", identifier))
            theirs = set(re.findall(r"[A-Za-z]+", relaton))
            differences[f"Relaton {' '.join(sorted(theirs - ours)) or '?'} -> ISO "
                        f"{' '.join(sorted(ours - theirs)) or '?'}"] += 1
    return differences


def _old_module(revision: str):
    """kb/identifiers/designation.py (kb/designation.py before the folders) as it was at git
    ``revision``, loaded as a module of its own."""
    root = Path(__file__).resolve().parents[1]
    for where in ("kb/identifiers/designation.py", "kb/designation.py"):
        shown = subprocess.run(["git", "show", f"{revision}:{where}"], cwd=root,
                               capture_output=True, text=True)
        if shown.returncode == 0:
            break
    shown.check_returncode()
    source = shown.stdout
    path = Path(tempfile.mkdtemp()) / "designation_old.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("designation_old", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["designation_old"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _canonical(module, identifier: str) -> str | None:
    try:
        return module.normalize(identifier)
    except module.DesignationError:
        return None


def _rate(module, ids: list[str]) -> float:
    module.parse.cache_clear()
    started = time.perf_counter()
    for identifier in ids:
        try:
            module.parse(identifier)
        except module.DesignationError:
            pass
    return len(ids) / (time.perf_counter() - started)


def changed_canonicals(old, ids: list[str]) -> tuple[Counter, dict[str, list], int]:
    """Identifiers whose canonical form differs between ``old`` and this
    kb.identifiers.designation, by
    kind of change ('DAM -> DAmd', 'refused -> read', …), with examples; and how many differ."""
    from kb.identifiers import designation as new

    kinds, examples, total = Counter(), {}, 0
    for identifier in dict.fromkeys(ids):
        before, after = _canonical(old, identifier), _canonical(new, identifier)
        if before == after:
            continue
        total += 1
        if before is None or after is None:
            kind = "refused -> read" if before is None else "read -> refused"
        else:
            a, b = set(re.findall(r"[A-Za-z]+", before)), set(re.findall(r"[A-Za-z]+", after))
            kind = f"{' '.join(sorted(a - b)) or '?'} -> {' '.join(sorted(b - a)) or '?'}"
        kinds[kind] += 1
        examples.setdefault(kind, []).append((identifier, before, after))
    return kinds, examples, total


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
    parser.add_argument("--against", metavar="REV",
                        help="count the canonical forms that differ from "
                             "kb/identifiers/designation.py at git revision REV, and its "
                             "parse rate")
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
    all_ids, iso_primaries, iso_relations, everything = [], [], [], []

    def tally(key: str, identifier: str, expected: str) -> None:
        """Count whether ``identifier`` normalizes to ``expected`` under ``key``."""
        totals[key] += 1
        try:
            ok = normalize(identifier) == expected
        except DesignationError:
            ok = False
        agree[key] += ok
        if not ok:
            misses.setdefault(key, []).append(identifier)

    for archive in archives:
        source = archive.name.split("-")[2]
        for kind, identifier in identifiers(archive, relations=True):
            everything.append(identifier)
            if kind == "relation":
                if source == "iso":
                    iso_relations.append(identifier)
                continue
            key = f"{source}: {kind}"
            all_ids.append(identifier)
            tally(key, identifier, identifier)
            if key == "iso: ISO primary":
                iso_primaries.append(identifier)
                tally("iso: ISO primary, as ISO prints it", identifier,
                      as_iso_prints(identifier))
    for identifier in iso_relations:
        tally("iso: relations (ISO's pages' print)", identifier, identifier)
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
    print("\nISO's print (a relation) against Relaton's primary identifier of the same document:")
    for difference, count in print_differences(iso_primaries, iso_relations).most_common():
        print(f"  {difference:<38} {count:>8}")
    if args.against:
        old, new = _old_module(args.against), sys.modules["kb.identifiers.designation"]
        modules = {f"at {args.against}": old, "now": new}
        rates = interleaved({name: lambda m=m: _rate(m, all_ids) for name, m in modules.items()},
                            5, mirrored=False)  # alternating, best of five: the machine is busy
        for name, rate_ in best(rates).items():
            print(f"{'parse rate ' + name + ' (best of 5)':<40} {rate_:>8.0f} /s")
        kinds, examples, total = changed_canonicals(old, everything)
        distinct = len(dict.fromkeys(everything))
        print(f"\ncanonical forms changed since {args.against}: {total} of {distinct} distinct "
              "identifiers (primary, references, relations; both archives)")
        for kind, count in kinds.most_common():
            print(f"  {kind:<38} {count:>8}   e.g. " + "; ".join(
                f"{i!r}: {b} -> {a}" for i, b, a in examples[kind][:2]))
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
