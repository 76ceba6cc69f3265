"""kb update: Relaton archives fetched from a real HTTP server on 127.0.0.1, loaded by the same
rules, and what they changed logged, listed (kb changes, /-/changes) and used by kb check."""

from __future__ import annotations

import functools
import http.server
import io
import json
import os
import socket
import sqlite3
import tarfile
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main
from tests.conftest import BULLETIN, FIXTURES, corpus, dump_digest, load


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server(tmp_path):
    """A static HTTP server on 127.0.0.1 (Last-Modified and 304 as GitHub's would)."""
    root = tmp_path / "www"
    root.mkdir()
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _repository_archive(target: Path, records: dict[str, bytes], mtime: float) -> None:
    """A .tar.gz laid out like GitHub's archive of relaton-data-iso: records under data/,
    beside a workflow and an index that are not records."""
    with tarfile.open(target, "w:gz") as archive:
        files = {f"relaton-data-iso-main/data/{name}.yaml": data
                 for name, data in records.items()}
        files["relaton-data-iso-main/.github/workflows/crawler.yml"] = b"name: crawler\non: push\n"
        files["relaton-data-iso-main/index-v1.yaml"] = b"- file: data/x.yaml\n  id: ISO 1\n"
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(mtime)
            archive.addfile(info, io.BytesIO(data))
    os.utime(target, (mtime, mtime))


def _versions(history: Path, which: int) -> dict[str, bytes]:
    """Each record of focus-history in its first (0) or last (-1) kept version."""
    out = {}
    for folder in sorted(p for p in history.iterdir() if p.is_dir()):
        versions = sorted(folder.glob("*.yaml"))
        out[folder.name] = versions[which].read_bytes()
    return out


def _publish(server, which: int, mtime: float) -> tuple[Path, str]:
    """Serve focus-history's first (0) or last (-1) versions as relaton-data-iso; return the
    archive and its URL."""
    root, base = server
    archive = root / "relaton-data-iso.tar.gz"
    _repository_archive(archive, _versions(corpus("relaton", "focus-history"), which), mtime)
    return archive, f"{base}/{archive.name}"


def _update(db: Path, url: str, *more: str):
    return CliRunner().invoke(main, ["update", "--db", str(db), "--url", url, "-q", *more])


def _edition(db: Path, designation: str) -> dict:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute("select * from editions where id = ?", (designation,)).fetchone()
        return dict(row) if row else {}
    finally:
        conn.close()


def test_an_update_loads_what_changed_and_logs_it(tmp_path, server):
    db = tmp_path / "kb.db"
    then = time.time() - 3600
    archive, url = _publish(server, 0, then)

    first = _update(db, url)
    assert first.exit_code == 0, first.output
    assert "updated from relaton-data-iso: editions " in first.output
    assert "0 failed" in first.output  # the workflow and the index were not read as records
    assert _edition(db, "ISO/DIS 19011")["stage"] == "40.00"
    cache = tmp_path / "kb.updates"
    assert (cache / archive.name).exists() and not list(cache.glob("*.part"))

    _publish(server, -1, then + 600)  # the crawler moved on
    second = _update(db, url)
    assert second.exit_code == 0, second.output
    assert _edition(db, "ISO/DIS 19011")["stage"] == "40.20"
    assert _edition(db, "ISO 20121:2012")["status"] in ("withdrawn", "replaced")
    listed = CliRunner().invoke(main, ["changes", "--db", str(db), "--json"])
    rows = json.loads(listed.output)
    assert {"at": rows[0]["at"], "code": "C", "edition": "ISO/DIS 19011", "field": "stage",
            "old": "40.00", "new": "40.20"} in rows
    assert any(r["edition"] == "ISO 20121:2012" and r["code"] in ("W", "R") for r in rows)
    # the second update's own summary counts what it changed, not the first's new editions:
    # new are only the projects under way that the latest records name (under obsoletes)
    assert "2 new" in second.output and " changed" in second.output
    assert (_edition(db, "ISO/AWI 45001")["stage"], _edition(db, "ISO/CD 9001.2")["stage"]) \
        == ("20.00", "30.00")

    digest = dump_digest(db)
    third = _update(db, url)  # the server answers 304 Not Modified
    assert third.exit_code == 0, third.output
    assert third.output.strip() == "up to date: no source changed since the last update"
    assert dump_digest(db) == digest
    os.utime(archive, (then + 1200, then + 1200))  # sent again, the same bytes
    fourth = _update(db, url)
    assert fourth.output.strip() == "up to date: no source changed since the last update"
    assert dump_digest(db) == digest


def test_offline_refused_or_broken_changes_nothing(tmp_path, server):
    root, base = server
    db = tmp_path / "kb.db"
    assert load(db, FIXTURES / "mini.yaml").failed == 0
    digest = dump_digest(db)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    (root / "broken.tar.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"not gzip at all" * 10)
    (root / "empty.tar.gz").write_bytes(b"")
    cases = [
        (f"http://127.0.0.1:{closed}/relaton-data-iso.tar.gz",
         "kb: offline: cannot reach 127.0.0.1"),
        (f"{base}/missing.tar.gz", "HTTP 404"),
        (f"{base}/broken.tar.gz", "not a readable archive"),
        (f"{base}/empty.tar.gz", "not a readable archive"),
    ]
    for url, message in cases:
        result = _update(db, url)
        assert result.exit_code == 1, (url, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and message in lines[0] and "nothing changed" in lines[0], lines
        assert dump_digest(db) == digest
    assert not (tmp_path / "kb.updates").exists()  # a first try that fetched nothing


def test_the_changes_page_and_check_use_the_log(tmp_path, server):
    """A bulletin checked against what the latest update changed; the page lists it too."""
    import asyncio

    from datasette.app import Datasette

    db = tmp_path / "kb.db"
    _, url = _publish(server, 0, time.time() - 3600)
    assert _update(db, url).exit_code == 0
    loaded = CliRunner().invoke(main, ["bulletin", "load", "--db", str(db), "-q", str(BULLETIN)])
    assert loaded.exit_code == 0, loaded.output
    conn = sqlite3.connect(db)  # as if that first update had run on New Year's Day
    with conn:
        conn.execute("update changes set at = '2026-01-01'")
    conn.close()
    _publish(server, -1, time.time() - 60)
    assert _update(db, url).exit_code == 0
    rows = json.loads(CliRunner().invoke(main, ["changes", "--db", str(db), "--json"]).output)
    today = rows[0]["at"]
    assert today > "2026-01-01"

    checked = CliRunner().invoke(main, ["check", "--db", str(db), "--since", today, "--json",
                                        str(BULLETIN)])
    assert checked.exit_code == 0, checked.output
    report = json.loads(checked.output)
    works = {c["work"]: c for c in report["changed"]}
    # the bulletin cites ISO/DIS 19011 and ISO 20121, which the update moved on
    assert {"ISO 19011", "ISO 20121"} <= works.keys(), works.keys()
    assert {"at": today, "code": "C", "edition": "ISO/DIS 19011", "field": "stage",
            "old": "40.00", "new": "40.20"} in works["ISO 19011"]["changes"]
    for c in works.values():
        assert all(r["at"] == today for r in c["changes"])
    before = CliRunner().invoke(main, ["check", "--db", str(db), "--since", "2026-01-01",
                                       "--json", str(BULLETIN)])
    assert len(json.loads(before.output)["changed"]) >= len(works)
    text = CliRunner().invoke(main, ["check", "--db", str(db), "--since", today,
                                     str(BULLETIN)]).output
    assert f"changed since {today}: {len(works)} of the cited standards" in text
    assert f"{today}  C  ISO/DIS 19011  stage: 40.00 → 40.20" in text
    bad = CliRunner().invoke(main, ["check", "--db", str(db), "--since", "2026-13-01",
                                    str(BULLETIN)])
    assert bad.exit_code == 2 and "--since" in bad.output

    async def pages():
        ds = Datasette([str(db)], metadata={})
        html = await ds.client.get(f"/-/changes?since={today}&code=C")
        data = await ds.client.get(f"/-/changes.json?since={today}")
        wrong = await ds.client.get("/-/changes?since=" + "9" * 5000)
        page = await ds.client.get(f"/-/bulletin/kbs-bulletin-2019-04?since={today}")
        return html, data, wrong, page

    html, data, wrong, page = asyncio.run(pages())
    assert page.status_code == 200 and f"Changed since {today} ({len(works)})" in page.text
    assert "ISO/DIS 19011 stage 40.00 → 40.20" in page.text
    body = data.json()
    assert body["changes"] and all(r["at"] == today for r in body["changes"])
    assert body["counts"]["C"] == sum(r["code"] == "C" for r in body["changes"])
    assert html.status_code == 200
    assert ('ISO/DIS 19011</a></td><td>stage: <span translate="no">40.00</span> → '
            '<span translate="no">40.20</span>') in html.text
    assert wrong.status_code == 400 and "since" in wrong.text
