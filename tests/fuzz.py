"""A mutation fuzzer over real files, for every loader: shared by tests/test_fuzz.py (a small
budget, driven by hypothesis) and benchmarks/fuzz.py (a large one); and the grammar's fuzzer
(at the end): hypothesis strategies for every class of designation kb.identifiers.designation
reads, and
the ways people and machines misspell a rendered one (look-alike characters, spacing, case).

A case takes a seed file (the project's own data and fixtures, and the shared corpus when it
is there), mutates its bytes a few times (flips, cuts, repeats, tokens real and hostile files
contain) and loads the result with the loader it was written for.  The load must either take
the file or refuse it in one line naming it; anything else (an exception escaping the store,
a multi-line or anonymous message) is a finding, returned with its traceback.
"""

from __future__ import annotations

import random
import traceback
from pathlib import Path

from hypothesis import strategies as st

from kb.catalogue.model import LoadError
from kb.identifiers.designation import LOOKALIKES, Designation, Supplement
from loaders import documents_for

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"

#: Byte strings real and hostile files contain, inserted by the mutator.
TOKENS = (
    b"N/A", b"TBD", b"0000-00-00", b"2019-13-45", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf",
    b"&e;", b"&amp;", b"&#0;", b"&#x110000;", b"<!DOCTYPE x [<!ENTITY e 'x'>]>", b"]]>",
    b"<![CDATA[", b"<?xml version='1.0'?>", b"</sec>", b"<sec>", b"<std-ref>ISO 1</std-ref>",
    b"*a", b"&a [", b"!!python/object/apply:os.system ['true']", b"!!binary", b"? ", b"- ",
    b": ", b"{", b"}", b"[", b"]", b'"', b"'", b"\\", b"\r", b"\t", b"\n\n", b"9" * 400,
    "ＩＳＯ　９００１：２０１５".encode(), b"ISO/IEC 17021-1:2015", b"GB/T 1-",
    b"-1", b"1e999", b"NaN", b"99999999999999999999", b"null", b"~", b"''", b"%PDF-1.4",
    b"PK\x03\x04", b"\xe4\xb8\xad",
)


def seeds() -> dict[str, list[Path]]:
    """Seed files by loader: the project's own, and the shared corpus's when present."""
    own = {
        "catalogue": [*sorted((ROOT / "data" / "catalogue").glob("*.yaml")),
                      ROOT / "tests" / "fixtures" / "mini.yaml",
                      ROOT / "tests" / "fixtures" / "editions.csv"],
        "sts": [*sorted((ROOT / "data" / "samples").glob("*.sts.xml")),
                ROOT / "tests" / "fixtures" / "sample-zh.sts.xml"],
        "text": sorted((ROOT / "data" / "samples").glob("*.txt")),
        "bulletin": [*sorted((ROOT / "tests" / "fixtures" / "bulletins").glob("*.txt")),
                     *sorted((ROOT / "tests" / "fixtures" / "notices").glob("*.txt"))[:6]],
    }
    shared = {
        "relaton": [*sorted((CORPUS / "relaton" / "focus").glob("*.yaml"))[:20],
                    *sorted((CORPUS / "gb-catalogue" / "relaton-gb-examples").glob("*"))[:5]],
        "iso-open-data": [p for p in sorted((CORPUS / "iso-open-data").glob("*"))
                          if p.suffix in (".json", ".jsonl", ".xml")],
        "samr": sorted((CORPUS / "gb-catalogue" / "relaton-gb-vcr-cassettes").glob("*"))[:5],
        "sts": sorted((CORPUS / "sts").glob("*.xml")),
    }
    for loader, paths in shared.items():
        own.setdefault(loader, []).extend(p for p in paths if p.is_file())
    return {loader: [p for p in paths if p.is_file()] for loader, paths in own.items() if paths}


def mutate(data: bytes, rng: random.Random, steps: int | None = None) -> bytes:
    """``data`` changed by one to four mutations."""
    out = bytearray(data)
    for _ in range(steps or rng.randint(1, 4)):
        kind = rng.randrange(7)
        at = rng.randrange(len(out) + 1)
        span = rng.randint(1, 64)
        if kind == 0 and out:  # flip a byte
            out[min(at, len(out) - 1)] ^= 1 << rng.randrange(8)
        elif kind == 1:  # cut a slice
            del out[at:at + span]
        elif kind == 2:  # repeat a slice
            out[at:at] = out[at:at + span] * rng.randint(1, 8)
        elif kind == 3:  # insert a token
            out[at:at] = rng.choice(TOKENS)
        elif kind == 4:  # replace a slice by a token
            out[at:at + span] = rng.choice(TOKENS)
        elif kind == 5:  # truncate
            del out[at:]
        else:  # swap two slices
            other = rng.randrange(len(out) + 1)
            a, b = sorted((at, other))
            out[a:b] = out[a:b][::-1] if b - a < 4096 else out[a:b]
    return bytes(out)


def run_case(store, loader: str, seed: Path, data: bytes, folder: Path) -> str | None:
    """Load mutated ``data`` (named like ``seed``) with ``loader`` into ``store``: None if it
    loaded or was refused properly, else what went wrong (with the traceback)."""
    path = folder / f"case{seed.suffix if seed.suffix != '.xml' else ''.join(seed.suffixes)}"
    path.write_bytes(data)
    options = {"designation": "ISO 99999:2020"} if loader in ("text",) else {}
    try:
        summary = store.load(documents_for([path], loader, **options))
    except LoadError as error:
        message = str(error)
        return None if "\n" not in message.strip() and str(path) in message else (
            f"a refusal that does not name the file in one line: {message!r}")
    except Exception:  # noqa: BLE001 - what the fuzzer looks for
        return traceback.format_exc()
    for message in summary.errors + summary.warnings:
        if "\n" in message.strip() or not message.startswith(str(path)):
            return f"a message that does not name the file in one line: {message!r}"
    return None


def generated_seeds(folder: Path) -> dict[str, list[Path]]:
    """Word and PDF seeds, written here (the project keeps no binary fixtures)."""
    import docx

    from tests.hostile import pdf_text

    document = docx.Document()
    document.add_paragraph("ISO 19011:2018 Guidelines for auditing management systems")
    document.add_paragraph("1 Scope")
    document.add_paragraph("This sample cites ISO 9001:2015 and GB/T 19001-2016.")
    word = folder / "seed.docx"
    document.save(word)
    pdf = pdf_text(folder, "ISO 9001:2015 and GB/T 19001-2016 apply.")
    return {"text": [word], "bulletin": [word, pdf]}


# --- the grammar: every class of designation, and its misspellings --------------------------

_YEARS = st.one_of(st.none(), st.integers(1950, 2030))
_NUMBERS = st.integers(1, 99999).map(str)
_PARTS = st.lists(st.integers(1, 999).map(str), max_size=3).map(tuple)


@st.composite
def international(draw) -> Designation:
    iec = draw(st.booleans())
    publisher = draw(st.sampled_from(("IEC", "CISPR") if iec else ("ISO",)))
    copublishers = () if publisher == "CISPR" else draw(st.sampled_from(
        ((), ("IEC",), ("IEC", "IEEE"), ("ASTM",), ("IEEE",)) if not iec else
        ((), ("IEEE",), ("ISO",))))
    if iec and copublishers == ("ISO",):
        publisher, copublishers, iec = "ISO", ("IEC",), False  # ISO leads a joint document
    doctype = draw(st.sampled_from((None, "TS", "TR", "PAS") + (() if iec else ("Guide",))))
    stage = draw(st.sampled_from((None, None, "WD", "CD", "DIS", "FDIS")))
    year = draw(_YEARS)
    supplements = []
    for _ in range(draw(st.integers(0, 2))):
        supplements.append(Supplement(
            type=draw(st.sampled_from(("Amd", "Cor"))), number=draw(st.integers(1, 9).map(str)),
            year=draw(st.integers(1950, 2030)),
            consolidated=iec and year is not None and draw(st.booleans())))
    if supplements and draw(st.booleans()) and not supplements[-1].consolidated:
        last = supplements[-1]
        supplements[-1] = Supplement(last.type, last.number, None,
                                     draw(st.sampled_from(("CD", "DIS", "FDIS"))))
    version = draw(st.sampled_from((None, "CSV", "RLV"))) if iec else None
    sheet = draw(st.one_of(st.none(), st.integers(0, 9).map(str))) if iec else None
    return Designation(
        publisher=publisher, copublishers=copublishers, doctype=doctype,
        stage=stage if not supplements else None, number=draw(_NUMBERS), parts=draw(_PARTS),
        sheet=sheet, year=year,
        supplements=tuple(supplements) if year else (), version=version,
        version_at=len(supplements) if year and version else 0, scheme="iec" if iec else "iso",
        edition_number=draw(st.one_of(st.none(), st.integers(1, 9).map(str))) if iec else None,
        languages=draw(st.sampled_from(((), ("en",), ("E",), ("en", "fr")))))


@st.composite
def directives(draw) -> Designation:
    number = draw(st.sampled_from(("", "1", "2")))
    edition = draw(st.one_of(st.none(), st.integers(1, 20).map(str)))
    if number and draw(st.booleans()):  # a part bundled with a supplement: DIR 1+IEC SUP:2022
        return Designation(
            publisher="ISO", copublishers=("IEC",), doctype="DIR", number=number,
            year=draw(_YEARS), edition_number=edition, supplements=(Supplement(
                type=draw(st.sampled_from(("ISO SUP", "IEC SUP", "JTC 1 SUP"))),
                year=draw(_YEARS), consolidated=True),))
    return Designation(
        publisher="ISO", copublishers=("IEC",), doctype="DIR", number=number,
        version=draw(st.sampled_from(("ISO SUP", "IEC SUP", "JTC 1 SUP", "ISO", "IEC"))),
        year=draw(_YEARS), edition_number=edition)


@st.composite
def adoption(draw) -> Designation:
    prefix = draw(st.sampled_from((
        "BS EN ISO", "EN ISO", "EN IEC", "EN ISO/IEC", "DIN EN ISO", "PN-EN ISO", "NEN-EN-ISO",
        "DS/EN ISO", "IS/ISO", "UNE-ISO", "ГОСТ Р ИСО", "ГОСТ Р ИСО/МЭК", "ГОСТ ISO/IEC",
        "AS/NZS ISO", "BS ISO/TS", "CAN/CSA-ISO/IEC")))
    year = draw(_YEARS)
    hyphen = prefix.startswith("ГОСТ")
    return Designation(
        publisher=prefix, number=draw(_NUMBERS),
        parts=draw(st.lists(st.integers(1, 99).map(str), max_size=2).map(tuple)), year=year,
        iteration=draw(st.sampled_from((None, "03", "11"))) if year and not hyphen else None,
        supplements=tuple(Supplement(type=kind, number=None if kind == "AC" else "1",
                                     year=draw(_YEARS), consolidated=draw(st.booleans()))
                          for kind in draw(st.sampled_from(((), ("A",), ("A", "AC"))))),
        scheme="adoption")


@st.composite
def chinese(draw) -> Designation:
    code = draw(st.sampled_from(("GB", "GB/T", "GB/Z", "LY/T", "JB/T", "RB/T", "DB11/T",
                                 "T/CAS")))
    publisher, _, mandate = code.partition("/")
    scheme = {"GB": "cn-national", "DB11": "cn-local", "T": "cn-group"}.get(
        publisher, "cn-sector")
    if scheme == "cn-group":
        publisher, mandate = mandate, ""
    return Designation(
        publisher=publisher, doctype=mandate or None, number=draw(_NUMBERS),
        parts=draw(st.lists(st.integers(1, 99).map(str), max_size=2).map(tuple)),
        year=draw(_YEARS), scheme=scheme)


@st.composite
def accreditation(draw) -> Designation:
    org = draw(st.sampled_from(("CNAS", "CNCA")))
    kind = draw(st.sampled_from(("CL", "GL", "RL", "CC", "RC")))
    return Designation(publisher=org, number=f"{kind}{draw(st.integers(1, 99)):02d}",
                       year=draw(_YEARS), scheme=org.lower())


@st.composite
def bare_directives(draw) -> Designation:
    """The Directives, or one part, named bare: ISO/IEC DIR, ISO/IEC DIR 1:2022 (the
    Directives as a whole are not dated: each part has its own editions)."""
    number = draw(st.sampled_from(("", "1", "2")))
    return Designation(publisher="ISO", copublishers=("IEC",), doctype="DIR", number=number,
                       year=draw(_YEARS) if number else None)


@st.composite
def conformity(draw) -> Designation:
    """The IEC's conformity assessment systems: IECEE OD-2039, IECQ 03-1:2020(en)."""
    system = draw(st.sampled_from(("IECEE", "IECEx", "IECQ", "IECRE")))
    doctype = draw(st.sampled_from((None, "OD") + (("QC",) if system == "IECQ" else ())))
    number = draw(st.integers(1, 999999).map(lambda n: f"{n:02d}"))
    return Designation(
        publisher=system, doctype=doctype, number=number,
        parts=draw(st.lists(st.integers(1, 99).map(str), max_size=2).map(tuple)),
        year=draw(_YEARS), languages=draw(st.sampled_from(((), ("en",), ("E",)))),
        scheme="iec-ca")


@st.composite
def ilac(draw) -> Designation:
    year = draw(_YEARS)
    return Designation(publisher="ILAC", doctype=draw(st.sampled_from("PGRAB")),
                       number=str(draw(st.integers(1, 99))), year=year,
                       iteration=f"{draw(st.integers(1, 12)):02d}" if year else None,
                       scheme="ilac")


@st.composite
def other_publishers(draw) -> Designation:
    publisher = draw(st.sampled_from(("OHSAS", "BS OHSAS", "IATF", "SA", "IAF MD", "IAF GD",
                                      "DIN", "ANSI", "JIS", "UL")))
    return Designation(publisher=publisher, number=str(draw(st.integers(1, 99999))),
                       parts=draw(st.lists(st.integers(1, 99).map(str), max_size=1).map(tuple)),
                       year=draw(_YEARS), scheme="other")


#: Every class the grammar reads and renders, by name (the grammar's fuzzer reports by class).
CLASSES = {
    "international": international(), "directives": directives(),
    "bare directives": bare_directives(), "adoption": adoption(), "chinese": chinese(),
    "accreditation": accreditation(), "conformity (IECEE, IECEx, IECQ, IECRE)": conformity(),
    "ilac": ilac(), "other publishers": other_publishers(),
}


def designations() -> st.SearchStrategy[Designation]:
    """A designation of any class the grammar renders."""
    return st.one_of(*CLASSES.values())


def _written_as(character: str) -> list[str]:
    return [character, *(c for c, r in LOOKALIKES.items() if r == character)]


COLONS, HYPHENS, SLASHES = _written_as(":"), _written_as("-"), _written_as("/")
SPACES = [" ", "  ", "\u00a0", "\u3000", "\u2002", "\u2009", "\u202f", "\t"]
INVISIBLE = [c for c, r in LOOKALIKES.items() if r == ""]


@st.composite
def misspelled(draw, text: str) -> str:
    """``text`` as an input method, a word processor, a PDF or a hurried hand writes it: each
    colon, hyphen, slash and space one of its look-alikes, spaces around colons and slashes,
    invisible characters anywhere, and the letters in any case."""
    case = draw(st.sampled_from(("as is", "lower", "upper", "mixed")), label="case")
    out = []
    for i, ch in enumerate(text):
        before, after = text[i - 1:i], text[i + 1:i + 2]
        if ch == ":":
            ch = draw(st.sampled_from(["", " "])) + draw(st.sampled_from(COLONS)) + draw(
                st.sampled_from(["", " "]))
        elif ch == "-":
            ch = draw(st.sampled_from(HYPHENS + (["一"] if before.isdigit() and after.isdigit()
                                                 else [])))
        elif ch == "/":
            ch = draw(st.sampled_from(SLASHES + (["、"] if before.isalpha() and after.isalpha()
                                                 else [])))
        elif ch == " ":
            ch = draw(st.sampled_from(SPACES))
        elif case == "lower" or case == "mixed" and draw(st.booleans()):
            ch = ch.lower()
        elif case == "upper":
            ch = ch.upper()
        if draw(st.integers(0, 19)) == 0:
            ch += draw(st.sampled_from(INVISIBLE))
        out.append(ch)
    return draw(st.sampled_from(["", " ", "\u3000"])) + "".join(out) + draw(
        st.sampled_from(["", " "]))
