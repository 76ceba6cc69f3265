"""A mutation fuzzer over real files, for every loader: shared by tests/test_fuzz.py (a small
budget, driven by hypothesis) and benchmarks/fuzz.py (a large one).

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

from kb.model import LoadError
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
