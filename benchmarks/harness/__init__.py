"""The one harness every benchmark script uses.

- :mod:`harness.corpora`: synthetic inputs (clause text, catalogues, bulletin notices);
- :mod:`harness.processes`: a command or a step of a script in a child process, its wall
  time and peak RSS, the process tree's memory, the rest of the machine's load;
- :mod:`harness.rounds`: interleaved runs (A, B alternating) and their best or median;
- :mod:`harness.report`: percentiles, the printed table, ratios, JSON output;
- :mod:`harness.files`: sizes and clean-up of databases and their index folders;
- :mod:`harness.load_test`: concurrent HTTP clients against a served knowledge base.

Scripts run as ``python benchmarks/<name>.py``, so ``benchmarks/`` is first on ``sys.path``
and ``import harness`` (and the older ``from common import …``) finds this package.
"""

import subprocess
import sys
from pathlib import Path

#: The checkout these benchmarks belong to, and their own folder.
ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "benchmarks"


def use_this_checkout() -> None:
    """Put this checkout after the script's folder on ``sys.path`` unless it is there: the
    kb measured is this checkout's, whatever is installed."""
    if str(ROOT) not in sys.path:
        sys.path.insert(1, str(ROOT))


def checkout(rev: str, out: Path) -> Path:
    """A detached git worktree of ``rev`` under ``out`` (made once, reused), to time the code
    of another commit against this checkout's in one run."""
    sha = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    folder = (out / f"code-{sha}").resolve()
    if not folder.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(folder), sha], cwd=ROOT,
                       check=True, capture_output=True)
    return folder
