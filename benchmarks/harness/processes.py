"""Commands and script steps in child processes: wall time, peak RSS, the tree's memory.

``run`` is the one place a benchmark starts a measured child: ``os.wait4`` gives the child's
own peak resident set (on Linux the largest of it and of any process it waited for, each on
its own).  ``run_step`` runs a step of a benchmark script (``script.py _step RESULT …``) that
writes its figures as JSON; ``steps`` is the ``__main__`` side of it.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Finished:
    """A child that ended: its exit code, wall seconds, peak RSS (KiB) and captured output."""

    code: int
    seconds: float
    peak_rss_kb: int
    stdout: bytes = b""
    stderr: bytes = b""


def run(command: list[str], cwd: Path = ROOT, capture: bool = False, env: dict | None = None,
        while_running: Callable[[int], Callable[[], None]] | None = None) -> Finished:
    """Run ``command`` and wait for it (``os.wait4``); ``capture`` keeps stdout and stderr
    (else the child writes to this process's).  ``while_running(pid)`` is called once the
    child started and returns what to call when it ended (a sampler's stop)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, env=env, stdout=out if capture else None,
                                 stderr=err if capture else None)
        stop = while_running(child.pid) if while_running else None
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        if stop:
            stop()
        child.returncode = os.waitstatus_to_exitcode(status)
        if capture:
            out.seek(0)
            err.seek(0)
            return Finished(child.returncode, seconds, usage.ru_maxrss, out.read(), err.read())
        return Finished(child.returncode, seconds, usage.ru_maxrss)


def run_step(script: str, step: str, result_path: Path, *args, failed: str,
             cwd: Path = ROOT, tree: bool = False, keep_result: bool = False
             ) -> tuple[dict, dict]:
    """Run ``python SCRIPT STEP RESULT_PATH ARGS…``; (the JSON it wrote, process figures).

    The figures: ``process_wall_seconds``, ``peak_rss_kb`` (``os.wait4``) and, with
    ``tree``, the sampled sums over the child and its live descendants (``tree_*``,
    :class:`TreeMemory`) and what the rest of the machine used meanwhile (``other_cores``,
    :class:`OtherLoad`).  A child that fails ends this process: ``FAILED failed with exit
    code N``.
    """
    result_path.unlink(missing_ok=True)
    command = [sys.executable, str(Path(script).resolve()), step, str(result_path),
               *map(str, args)]
    load = OtherLoad() if tree else None
    sampler: list[TreeMemory] = []

    def sample(pid: int):
        sampler.append(TreeMemory(pid))
        sampler[0].start()
        return sampler[0].stop

    child = run(command, cwd=cwd, while_running=sample if tree else None)
    if child.code != 0:
        raise SystemExit(f"{failed} failed with exit code {child.code}")
    result = json.loads(result_path.read_text(encoding="utf-8"))
    if not keep_result:
        result_path.unlink()
    proc = {"process_wall_seconds": child.seconds, "peak_rss_kb": child.peak_rss_kb}
    if tree:
        proc.update(tree_peak_rss_kb=sampler[0].peak_rss_kb,
                    tree_peak_pss_kb=sampler[0].peak_pss_kb,
                    tree_peak_processes=sampler[0].peak_processes, other_cores=load.cores())
    return result, proc


def steps(workers: dict[str, Callable[..., None]], main: Callable[[], object]):
    """The ``__main__`` of a script with steps: ``script.py STEP ARGS…`` runs
    ``workers[STEP](*ARGS)``, anything else ``main()``; its return value."""
    if sys.argv[1:2] and sys.argv[1] in workers:
        return workers[sys.argv[1]](*sys.argv[2:])
    return main()


def write_result(path: str, data: dict, indent: int | None = None) -> None:
    """A step's figures, for :func:`run_step` to read."""
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=indent), encoding="utf-8")


def peak_rss_mib() -> float:
    """This process's peak RSS in MiB (``getrusage``; on Linux it carries a forking parent's
    peak across exec: see :func:`vm_hwm_mb` for a child's own)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def vm_hwm_mb() -> float:
    """This process's peak RSS, MB: VmHWM, which starts afresh at exec (``getrusage``'s
    ru_maxrss does not: on Linux it keeps the parent's peak across fork + exec)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return peak_rss_mib()  # KiB on Linux


class TreeMemory(threading.Thread):
    """Samples the summed RSS and PSS of a process and its descendants (pool workers) from
    ``/proc`` every 0.2 s; forked workers share pages, so PSS is the fairer sum."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_rss_kb = self.peak_pss_kb = self.peak_processes = 0
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    with open(f"/proc/{entry.name}/stat") as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(ppid, []).append(int(entry.name))
        tree, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo += children.get(pid, [])
        return tree

    def run(self) -> None:
        if not Path("/proc/self/smaps_rollup").exists():
            return
        while not self._stop_event.is_set():
            rss = pss = n = 0
            for pid in self._tree():
                try:
                    with open(f"/proc/{pid}/smaps_rollup") as f:
                        for line in f:
                            if line.startswith("Rss:"):
                                rss += int(line.split()[1])
                            elif line.startswith("Pss:"):
                                pss += int(line.split()[1])
                    n += 1
                except (OSError, ValueError):
                    continue
            self.peak_rss_kb = max(self.peak_rss_kb, rss)
            self.peak_pss_kb = max(self.peak_pss_kb, pss)
            self.peak_processes = max(self.peak_processes, n)
            self._stop_event.wait(0.2)


class OtherLoad:
    """CPU time the rest of the machine used while a step ran (``/proc/stat`` busy time
    minus this process's and its reaped children's): the figures are only comparable when
    this stays near 0 cores."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.busy = self._busy()
        self.own = self._own()

    @staticmethod
    def _busy() -> float:
        try:
            with open("/proc/stat") as f:
                v = [int(x) for x in f.readline().split()[1:9]]
        except (OSError, ValueError):
            return float("nan")
        return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")  # not idle, not iowait

    @staticmethod
    def _own() -> float:
        return sum(u.ru_utime + u.ru_stime for u in (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN)))

    def cores(self) -> float:
        """Mean cores other processes kept busy since this object was made."""
        wall = time.perf_counter() - self.started
        other = (self._busy() - self.busy) - (self._own() - self.own)
        return max(0.0, other) / wall if wall > 0 else 0.0


def session_cpu_seconds(session: int) -> float:
    """CPU seconds (user + system) spent so far by the processes of a session (a server
    started in a session of its own: its workers and HAProxy)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == session:  # fields after the name: state ppid pgrp session …
            total += (int(fields[11]) + int(fields[12])) / tick  # utime stime
    return total
