"""More than one server process: Datasette workers behind HAProxy (``kb serve --workers N``).

Each worker is a Datasette process on a loopback port of its own, serving the same snapshot
(``kb.catalogue.snapshots``) and following the next one by itself.  HAProxy, from Debian, listens on
the public address, spreads requests over the workers (least connections), checks them every
second, and retries a GET that failed on one worker (connection refused or reset, an empty
answer) on another, so a worker that dies loses no request.  Its configuration is
``deploy/haproxy.cfg.template`` filled in; the same file runs replicas on several machines
(``deploy/README.md``).

This process supervises: the workers and HAProxy die with it (``PR_SET_PDEATHSIG``, so even
SIGKILL of this process leaves nothing behind); SIGTERM or SIGINT stops them all; a worker that
dies is started again.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "haproxy.cfg.template"


class ServingError(RuntimeError):
    """Serving cannot start; the message says why in one line."""


def _die_with_parent() -> None:  # in each child, before it runs
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def find_haproxy() -> str | None:
    """HAProxy's program: ``$KB_HAPROXY`` if set, else on the PATH, or where Debian puts it
    (/usr/sbin, often not on a user's PATH)."""
    chosen = os.environ.get("KB_HAPROXY")
    if chosen:
        return chosen if os.access(chosen, os.X_OK) and Path(chosen).is_file() else None
    found = shutil.which("haproxy")
    if found is None and Path("/usr/sbin/haproxy").is_file():
        found = "/usr/sbin/haproxy"
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def haproxy_config(bind: str, servers: list[tuple[str, str]], concurrent: int = 0) -> str:
    """The HAProxy configuration for ``bind`` (``host:port``) and (name, ``host:port``)
    servers, from the template; with ``concurrent``, HAProxy sends a server at most that
    many requests at once and queues the rest itself, so the next request goes to the first
    worker that is free (:mod:`kb.web.admission`)."""
    most = f" maxconn {concurrent}" if concurrent else ""
    lines = "\n".join(f"    server {name} {address} check{most}" for name, address in servers)
    return TEMPLATE.read_text(encoding="utf-8").format(bind=bind, servers=lines)


def _wait_ready(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServingError(f"a worker stopped while starting (exit {process.returncode})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise ServingError(f"a worker did not answer on port {port} in {seconds:.0f} s")


def run(datasette_command: list[str], host: str, port: int, workers: int,
        runtime: Path, concurrent: int = 0) -> int:
    """Start ``workers`` Datasette processes (``datasette_command`` without host and port)
    and HAProxy on ``host:port`` (``concurrent`` requests at once a worker, 0 for no limit);
    supervise them until a signal; return the exit code."""
    haproxy = find_haproxy()
    if haproxy is None:
        raise ServingError("--workers needs HAProxy (Debian: apt install haproxy; or name its "
                           "program in $KB_HAPROXY)")
    runtime.mkdir(parents=True, exist_ok=True)
    ports = [free_port() for _ in range(workers)]

    def start(worker_port: int) -> subprocess.Popen:
        return subprocess.Popen([*datasette_command, "--host", "127.0.0.1", "--port",
                                 str(worker_port)], preexec_fn=_die_with_parent,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    children: dict[int, subprocess.Popen] = {}
    balancer: subprocess.Popen | None = None

    def stop(*_, code: int = 0) -> None:
        for child in [*children.values(), *([balancer] if balancer else [])]:
            if child.poll() is None:
                child.terminate()
        for child in [*children.values(), *([balancer] if balancer else [])]:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
        raise SystemExit(code)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        for worker_port in ports:
            children[worker_port] = start(worker_port)
        for worker_port in ports:
            _wait_ready(worker_port, children[worker_port])
        config = runtime / "haproxy.cfg"
        config.write_text(haproxy_config(f"{host}:{port}", [
            (f"worker{i}", f"127.0.0.1:{p}") for i, p in enumerate(ports, 1)], concurrent),
            encoding="utf-8")
        check = subprocess.run([haproxy, "-c", "-q", "-f", str(config)], capture_output=True,
                               text=True)
        if check.returncode:
            raise ServingError(f"HAProxy refuses {config}: {check.stderr.strip()[:200]}")
        balancer = subprocess.Popen([haproxy, "-db", "-f", str(config)],
                                    preexec_fn=_die_with_parent, stdout=subprocess.DEVNULL)
        while True:  # supervise: a dead worker is started again; a dead balancer ends it all
            time.sleep(0.5)
            if balancer.poll() is not None:
                print(f"kb: HAProxy stopped (exit {balancer.returncode})", file=sys.stderr)
                stop(code=1)
            for worker_port, child in list(children.items()):
                if child.poll() is not None:
                    children[worker_port] = start(worker_port)
    except ServingError:
        for child in children.values():
            child.kill()
        raise
