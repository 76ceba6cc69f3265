#!/usr/bin/env python
"""Kill -9 a load at random moments and check what the knowledge base is left with.

    python benchmarks/faults.py [--kills 12] [--seed 1] [PATH ...]

PATH defaults to data/catalogue plus the shared IEC bulk archive (when present), loaded
into a knowledge base built from data/.  First one uninterrupted load gives the reference
(the order its documents were stored in, and the facts it derives).  Then each trial copies
the base, starts the same ``kb load``, kills it with SIGKILL at a random moment of its run
(uniform over the reference's duration) and checks, on the copy:

1. a read command works and rolls back the hot journal the kill left;
2. ``pragma integrity_check`` is ``ok`` (foreign keys are declared for Datasette's links, not
   enforced: a base built from data/ already names committees no file describes);
3. the consistent-prefix rule: the documents stored are exactly the first k of the
   reference's order (a load commits whole batches of documents, never part of one);
4. loading again to the end gives the reference's facts (``kb.catalogue.facts.snapshot``).

Prints one line per trial and ends with "survived / tried".
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.files import unlink_db  # noqa: E402

from kb.catalogue import facts  # noqa: E402

IEC = ROOT.parent / "shared" / "corpus" / "relaton" / "bulk" / "relaton-data-iec-bulk.tar.xz"


def kb(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kb.cli", *args], capture_output=True,
                          text=True, cwd=ROOT)


def stored(db: Path) -> list[str]:
    """The documents a knowledge base holds from loads, in the order they were stored."""
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute(
            "select path from sources where superseded_by is null order by id")]
    finally:
        conn.close()


def snapshot(db: Path) -> dict:
    conn = sqlite3.connect(db)
    try:
        return facts.snapshot(conn)
    finally:
        conn.close()


def copy_db(source: Path, target: Path) -> None:
    unlink_db(target)
    shutil.copyfile(source, target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args()
    paths = args.paths or [str(ROOT / "data" / "catalogue"), *([str(IEC)] if IEC.exists()
                                                              else [])]
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        base, reference, trial = folder / "base.db", folder / "reference.db", folder / "t.db"
        done = kb("build", "--db", str(base), "-q")
        if done.returncode:
            print(done.stderr)
            return 1
        base_docs = stored(base)
        copy_db(base, reference)
        started = time.perf_counter()
        done = kb("load", "--db", str(reference), "-q", *paths)
        duration = time.perf_counter() - started
        if done.returncode:
            print(done.stderr)
            return 1
        order = stored(reference)[len(base_docs):]
        expected = snapshot(reference)
        print(f"reference: {len(order):,} documents loaded in {duration:.1f} s "
              f"({done.stdout.strip()})")
        survived = 0
        for number in range(1, args.kills + 1):
            copy_db(base, trial)
            at = rng.uniform(0.05, 1.0) * duration
            process = subprocess.Popen([sys.executable, "-m", "kb.cli", "load", "--db",
                                        str(trial), "-q", *paths], cwd=ROOT,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(at)
            finished = process.poll() is not None
            process.send_signal(signal.SIGKILL)
            process.wait()
            journal = Path(f"{trial}-journal")
            hot = journal.exists() and journal.stat().st_size > 0
            faults = []
            read = kb("history", "--db", str(trial), "ISO 19011")
            if read.returncode:
                faults.append(f"read failed: {read.stderr.strip()}")
            conn = sqlite3.connect(trial)
            integrity = conn.execute("pragma integrity_check").fetchone()[0]
            conn.close()
            if integrity != "ok":
                faults.append(f"integrity: {integrity}")
            now = stored(trial)[len(base_docs):]
            if now != order[:len(now)]:
                faults.append(f"not a prefix of the reference's order ({len(now)} documents)")
            again = kb("load", "--db", str(trial), "-q", *paths)
            if again.returncode:
                faults.append(f"reload failed: {again.stderr.strip()[:200]}")
            elif snapshot(trial) != expected:
                faults.append("reload gives different facts")
            survived += not faults
            print(f"kill {number:>2} at {at:5.1f} s ({'after the end' if finished else 'during'}"
                  f", hot journal: {'yes' if hot else 'no'}): {len(now):,} of {len(order):,} "
                  f"documents kept; " + ("; ".join(faults) if faults else "ok"))
    print(f"{survived} / {args.kills} kills survived")
    return 0 if survived == args.kills else 1


if __name__ == "__main__":
    sys.exit(main())
