"""Accuracy and speed of ``kb.catalogue.queries.suggest`` ("did you mean") over the full catalogue.

Loads both Relaton bulk archives (``../shared/corpus/relaton/bulk/*.tar.xz``) into
``DIR/suggest.db`` once (reused by later runs), samples ``--n`` real work designations and
``--n`` dated editions (seeded), mistypes each one way per class in its number (letter O for
a zero, l or I for a one, a digit missing, an extra digit, a digit substituted, two neighbours
swapped), asks ``suggest`` and reports per class how often the intended designation comes
first (top-1) and among the first five (top-5), and suggestions per second. Committees
(every reference in the ``committees`` table that has a number) get the same classes.

A mistyped designation that is itself a real one (``resolve`` finds it: the knowledge base
shows that document and never suggests) is a *collision*, counted apart and left out of the
accuracy. Of the rest, a case is *ambiguous* when another real designation with the same
publisher and type is at most as many edits from the typed number as the intended one: no
ranking by distance can know which was meant. *tie ceiling* is the top-1 a ranker would get
that picks at random among the equally close (1/k per case, k the intended and those others).

    python benchmarks/suggest.py [--n 1000] [--seed 15] [--out benchmarks/out] [--errors 10]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import sys
import time
from collections import defaultdict
from pathlib import Path

from harness.report import format_table, pct
from rapidfuzz import process
from rapidfuzz.distance import OSA

from kb.catalogue import queries
from kb.identifiers.designation import DesignationError, try_parse

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
DIGITS = "0123456789"


def _digit_positions(text: str, start: int, end: int, digits: str = DIGITS) -> list[int]:
    return [i for i in range(start, end) if text[i] in digits]


def typo(cls: str, text: str, start: int, end: int, rng: random.Random) -> str | None:
    """``text`` with one typo of class ``cls`` in ``text[start:end]`` (the number), or None
    when the class does not apply (no zero to write as O …)."""
    if cls == "O for 0":
        at = _digit_positions(text, start, end, "0")
        return None if not at else _put(text, rng.choice(at), "O")
    if cls == "l/I for 1":
        at = _digit_positions(text, start, end, "1")
        return None if not at else _put(text, rng.choice(at), rng.choice("lI"))
    at = _digit_positions(text, start, end)
    if not at:
        return None
    if cls == "missing digit":
        i = rng.choice(at)
        return text[:i] + text[i + 1:]
    if cls == "extra digit":
        i = rng.randint(start, end)
        return text[:i] + rng.choice(DIGITS) + text[i:]
    if cls == "substituted digit":
        i = rng.choice(at)
        return _put(text, i, rng.choice([d for d in DIGITS if d != text[i]]))
    if cls == "transposed pair":
        pairs = [i for i in range(start, end - 1) if text[i] != text[i + 1]
                 and text[i].isalnum() and text[i + 1].isalnum()]
        if not pairs:
            return None
        i = rng.choice(pairs)
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    raise ValueError(cls)


def _put(text: str, i: int, c: str) -> str:
    return text[:i] + c + text[i + 1:]


CLASSES = ("O for 0", "l/I for 1", "missing digit", "extra digit", "substituted digit",
           "transposed pair")


def build(db: Path) -> None:
    from kb.catalogue.store import Store
    from loaders import documents_for

    archives = sorted((CORPUS / "relaton" / "bulk").glob("*.tar.xz"))
    if not archives:
        sys.exit(f"the shared corpus is absent: no {CORPUS}/relaton/bulk/*.tar.xz")
    print(f"loading {len(archives)} archives into {db} (about a minute) …", flush=True)
    started = time.perf_counter()
    partial = db.with_suffix(".partial.db")
    partial.unlink(missing_ok=True)
    store = Store(partial)
    try:
        summary = store.load(documents_for(archives))
    finally:
        store.close()
    if summary.failed:
        sys.exit(f"load failed: {summary.errors[:3]}")
    partial.rename(db)
    print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)


def samples(conn: sqlite3.Connection, n: int, rng: random.Random):
    """(kind, designation, start, end of its number in it, prefix, number): n works and n
    dated editions (published standards), each with a digit in its number."""
    works = conn.execute("""select id, publisher, coalesce(doctype, ''), number from works
                            where number glob '*[0-9]*' order by id""").fetchall()
    editions = conn.execute("""select e.id, w.publisher, coalesce(w.doctype, ''), w.number
        from editions e join works w on w.id = e.work_id
        where e.kind = 'standard' and e.year is not null and coalesce(e.draft_stage, '') = ''
        and w.number glob '*[0-9]*' order by e.id""").fetchall()
    for kind, rows in (("work", works), ("edition", editions)):
        for key, publisher, doctype, number in rng.sample(rows, min(n, len(rows))):
            at = key.find(number)
            if at >= 0:
                yield kind, key, at, at + len(number), (publisher, doctype), number


def committee_samples(conn: sqlite3.Connection):
    for (reference,) in conn.execute("""select reference from committees
                                        where reference glob '*[0-9]*' order by reference"""):
        digits = [i for i, c in enumerate(reference) if c.isdigit()]
        # the whole reference is "the number": a typo may fall in any of its levels
        yield "committee", reference, digits[0], len(reference), None, reference


def collides(conn: sqlite3.Connection, text: str, kind: str) -> bool:
    """Whether ``text`` names a real document (committee) itself; for an edition, also
    whether it names a real work (then its editions are suggested, the closest year first)."""
    if kind == "committee":
        from kb.identifiers.designation import committee
        try:
            return conn.execute("select 1 from committees where reference = ?",
                                (committee(text),)).fetchone() is not None
        except Exception:
            return False
    try:
        queries.resolve(conn, text)
        return True
    except (DesignationError, queries.NotFound):
        pass
    if kind == "edition":  # its work is real: the typed year is wrong rather than the number
        d = try_parse(text)
        return d is not None and conn.execute("select 1 from works where id = ?",
                                              (d.work.canonical,)).fetchone() is not None
    return False


class Ties:
    """How many real documents are as close to a typed number as the intended one."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.works: dict = defaultdict(list)  # (publisher, type) -> numbers
        self.years: dict = defaultdict(set)  # (publisher, type, number) -> edition years
        for publisher, doctype, number in conn.execute(
                "select publisher, coalesce(doctype, ''), number from works"):
            self.works[(publisher, doctype)].append(number)
        for publisher, doctype, number, year in conn.execute(
                """select w.publisher, coalesce(w.doctype, ''), w.number, e.year
                   from editions e join works w on w.id = e.work_id
                   where e.year is not null"""):
            self.years[(publisher, doctype, number)].add(year)
        self.committees = [_committee_body(r[0], True) for r in
                           conn.execute("select reference from committees")]

    def count(self, prefix, intended: str, typed: str, year: int | None) -> int:
        """The intended document and every other one of the same publisher and type whose
        number is at most as many edits from ``typed`` (of another publisher or type: fewer
        edits); with a ``year``, only works that have an edition of that year count."""
        best = OSA.distance(typed, intended)
        found = 0
        for other, numbers in self.works.items():
            cutoff = best if other == prefix else best - 1
            if cutoff < 0:
                continue
            for number, _, _ in process.extract(typed, numbers, scorer=OSA.distance,
                                                score_cutoff=cutoff, limit=None):
                if year is None or year in self.years.get((*other, number), ()):
                    found += 1
        return max(1, found)

    def count_committees(self, intended: str, typed: str) -> int:
        """The same for committees: a reference typed without its publisher (IEC's TC 57)
        is as close to ISO/TC 57 as to TC 57."""
        typed, intended = _committee_body(typed, True), _committee_body(intended, True)
        bare = _committee_body(typed) == typed
        pool = [_committee_body(c) if bare else c for c in self.committees]
        best = OSA.distance(typed, intended)
        return max(1, len(process.extract(typed, pool, scorer=OSA.distance,
                                          score_cutoff=best, limit=None)))


def _committee_body(reference: str, keep: bool = False) -> str:
    """``ISO/TC 176`` → ``TC176`` (``ISO/TC176`` with ``keep``)."""
    reference = reference.replace(" ", "")
    return reference if keep else _PUBLISHER.sub("", reference)


_PUBLISHER = re.compile(r"^[A-Z]+(?:/[A-Z]+)*?/(?=TC|PC|SC|JTC|SyC|JWG|WG|AG)|^ISO/IEC(?=JTC)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="works, and dated editions, to "
                        "sample (default 1000 each)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--errors", type=int, default=0, metavar="K",
                        help="print K misses per class (unambiguous ones first)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    db = args.out / "suggest.db"
    if not db.exists():
        build(db)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rng = random.Random(args.seed)
    ties = Ties(conn)

    stats: dict = defaultdict(lambda: defaultdict(float))
    misses: dict = defaultdict(list)
    times: list[float] = []
    cases = list(samples(conn, args.n, rng)) + list(committee_samples(conn))
    started = time.perf_counter()
    for kind, key, start, end, prefix, number in cases:
        for cls in CLASSES:
            typed = typo(cls, key, start, end, rng)
            if typed is None:
                continue
            s = stats[(kind, cls)]
            s["cases"] += 1
            if collides(conn, typed, kind):
                s["collisions"] += 1
                continue
            t0 = time.perf_counter()
            got = queries.suggest(conn, typed)
            times.append(time.perf_counter() - t0)
            s["judged"] += 1
            first = bool(got) and got[0] == key
            s["top1"] += first
            s["top5"] += key in got
            typed_number = typed[start:end + len(typed) - len(key)]
            if cls in ("O for 0", "l/I for 1"):  # what the typist meant: the digits
                typed_number = typed_number.translate(str.maketrans("OIl", "011"))
            if kind == "committee":
                k = ties.count_committees(key, typed if cls not in (
                    "O for 0", "l/I for 1") else typed[:start] + typed_number)
            else:
                year = int(key[end + 1:end + 5]) if kind == "edition" else None
                k = ties.count(prefix, number, typed_number, year)
            s["ceiling"] += 1 / k
            s["unambiguous"] += k == 1
            s["top1 unambiguous"] += k == 1 and first
            if not first:
                misses[(kind, cls)].append((k > 1, typed, key, got))
    wall = time.perf_counter() - started

    def share(a: float, b: float) -> str:
        return f"{100 * a / b:.1f} %" if b else "–"

    def row(kind: str, cls: str, group: list) -> tuple:
        judged, unambiguous = (sum(s[f] for s in group) for f in ("judged", "unambiguous"))
        return (kind, cls, *(int(sum(s[f] for s in group)) for f in ("cases", "collisions")),
                int(judged), share(sum(s["top1"] for s in group), judged),
                share(sum(s["top5"] for s in group), judged), int(unambiguous),
                share(sum(s["top1 unambiguous"] for s in group), unambiguous),
                share(sum(s["ceiling"] for s in group), judged))

    rows = []
    for kind in ("work", "edition", "committee"):
        rows += [row(kind, cls, [stats[(kind, cls)]]) for cls in CLASSES
                 if (kind, cls) in stats]
        rows.append(row(kind, "all classes", [s for (k, _), s in stats.items() if k == kind]))
    table = format_table(
        ("kind", "typo", "cases", "collisions", "judged", "top-1", "top-5", "unambiguous",
         "top-1 unamb.", "tie ceiling"), rows, {2, 3, 4, 5, 6, 7, 8, 9})
    works, editions = (conn.execute(f"select count(*) from {t}").fetchone()[0]
                       for t in ("works", "editions"))
    speed = (f"{len(times)} suggestions in {sum(times):.1f} s: {len(times) / sum(times):.0f}/s,"
             f" p50 {1000 * pct(times, 0.5):.1f} ms, p95 {1000 * pct(times, 0.95):.1f} ms,"
             f" max {1000 * max(times):.1f} ms")
    print(f"catalogue: {works} works, {editions} editions; seed {args.seed}, n {args.n}")
    print(table)
    print(speed)
    for (kind, cls), items in misses.items():
        if args.errors:
            print(f"\n{kind} / {cls}: missed")
        for ambiguous, typed, key, got in sorted(items, key=lambda m: m[0])[:args.errors]:
            mark = "ambiguous" if ambiguous else "UNAMBIGUOUS"
            print(f"  {mark:11} {typed!r:28} meant {key!r:26} got {got}")
    (args.out / "suggest.json").write_text(json.dumps({
        "seed": args.seed, "n": args.n, "works": works, "editions": editions,
        "table_text": table, "speed": speed, "wall_s": wall,
        "stats": {f"{k} / {c}": dict(s) for (k, c), s in stats.items()},
        "misses": {f"{k} / {c}": m for (k, c), m in misses.items()},
    }, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
