"""kb serve --workers N: Datasette workers behind HAProxy, on a real loopback port."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from kb.web.serving import find_haproxy
from tests.hostile import Server
from tests.test_hostile import kb

needs_haproxy = pytest.mark.skipif(find_haproxy() is None, reason="HAProxy is not installed "
                                   "(Debian: apt install haproxy)")


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "kb.db"
    assert kb("build", "--db", str(path), "-q")[0] == 0
    return path


def _processes_of(db: Path) -> list[int]:
    """Processes whose command line names the knowledge base's snapshots."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if f"{db}.snapshots".encode() in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


@needs_haproxy
def test_a_worker_killed_under_load_loses_no_request(db, tmp_path):
    """Four clients ask pages while one of two workers is killed: HAProxy retries what it
    failed on the other; the supervisor starts it again; a bulletin loaded meanwhile is
    served by both; SIGKILL of kb serve leaves no process behind."""
    with Server(db, "--workers", "2") as running:
        workers = [p for p in _processes_of(db) if p != running.process.pid
                   and b"datasette" in Path(f"/proc/{p}/cmdline").read_bytes()]
        assert len(workers) == 2
        statuses: Counter = Counter()
        stop = threading.Event()

        def ask() -> None:
            while not stop.is_set():
                try:
                    statuses[running.get("/-/standards/ISO%2019011", timeout=10)[0]] += 1
                except Exception as error:  # noqa: BLE001 - a lost request is what we count
                    statuses[type(error).__name__] += 1

        clients = [threading.Thread(target=ask) for _ in range(4)]
        for client in clients:
            client.start()
        time.sleep(1)
        os.kill(workers[0], signal.SIGKILL)
        bulletin = tmp_path / "kbs-served-bulletin.txt"
        bulletin.write_text("2026年1月1日\n依据 ISO 19011:2018 和 GB/T 19011-2021。\n",
                            encoding="utf-8")
        assert kb("bulletin", "load", "--db", str(db), "-q", str(bulletin))[0] == 0
        time.sleep(3)
        stop.set()
        for client in clients:
            client.join()
        # a request whose answer had begun when its worker died cannot be retried (HAProxy
        # retries only before the first byte); the answers are small, so that is rare
        lost = sum(n for status, n in statuses.items() if status != 200)
        assert statuses[200] > 50 and lost <= 1, statuses
        assert not any(isinstance(status, int) and status >= 500 for status in statuses)
        served = [running.get("/-/bulletin/kbs-served-bulletin")[0] for _ in range(6)]
        assert served == [200] * 6  # whichever worker answers
        assert len([p for p in _processes_of(db) if p != running.process.pid]) == 3
        os.kill(running.process.pid, signal.SIGKILL)
        running.process.wait(10)
        deadline = time.monotonic() + 10
        while _processes_of(db) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _processes_of(db) == []


@needs_haproxy
def test_sigterm_stops_every_worker_and_the_balancer(db):
    with Server(db, "--workers", "3") as running:
        assert len(_processes_of(db)) == 4  # 3 workers and HAProxy
        running.process.send_signal(signal.SIGTERM)
        assert running.process.wait(15) == 0
    assert _processes_of(db) == []


def test_workers_without_haproxy_say_so(db):
    env = {**os.environ, "KB_HAPROXY": "/nonexistent/haproxy"}
    done = subprocess.run([os.sys.executable, "-m", "kb.cli", "serve", "--db", str(db),
                           "--workers", "2", "--port", "0"], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip().endswith(
        "--workers needs HAProxy (Debian: apt install haproxy; or name its program in "
        "$KB_HAPROXY)")


def test_pages_of_the_snapshot_are_cached_and_tagged(db, tmp_path):
    """A repeat GET is answered from the server's cache; If-None-Match with the ETag is 304;
    a new snapshot changes the tag and the answer."""
    import urllib.request

    with Server(db) as running:
        url = f"http://127.0.0.1:{running.port}/-/bulletins"
        with urllib.request.urlopen(url) as first:
            tag, body = first.headers["ETag"], first.read()
            assert first.headers["Cache-Control"] == "public, max-age=60"
            assert first.headers.get("X-Cache") is None
        with urllib.request.urlopen(url) as again:
            assert again.headers["X-Cache"] == "hit" and again.read() == body
        # the interface language is part of the key: a Chinese reader never gets the English
        # page from the cache, and a remembered choice (its cookie) is cached too
        chinese = urllib.request.Request(url, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        with urllib.request.urlopen(chinese) as zh:
            assert zh.headers.get("X-Cache") is None and "公告".encode() in zh.read()
            assert zh.headers["ETag"] != tag and zh.headers["Vary"] == "Accept-Language, Cookie"
        remembered = urllib.request.Request(url, headers={"Cookie": "kb_ui=zh"})
        with urllib.request.urlopen(remembered) as zh:
            assert zh.headers["X-Cache"] == "hit" and "公告".encode() in zh.read()
        request = urllib.request.Request(url, headers={"If-None-Match": tag})
        with pytest.raises(urllib.error.HTTPError) as not_modified:
            urllib.request.urlopen(request)
        assert not_modified.value.code == 304
        bulletin = tmp_path / "kbs-cached.txt"
        bulletin.write_text("2026年2月1日\n依据 ISO 9001:2015。\n", encoding="utf-8")
        assert kb("bulletin", "load", "--db", str(db), "-q", str(bulletin))[0] == 0
        time.sleep(1)
        with urllib.request.urlopen(url) as fresh:
            assert fresh.headers["ETag"] != tag and b"kbs-cached" in fresh.read()
        status, _ = running.get("/kb.json?sql=select+random()")
        with urllib.request.urlopen(f"http://127.0.0.1:{running.port}/kb.json?sql=select+1") \
                as sql:
            assert sql.headers.get("ETag") is None


def _served_snapshot(db: Path, statistics: dict):
    """A Datasette serving ``db`` as a snapshot (kb.web.guard.SnapshotDatabase) whose
    statistics are ``statistics``."""
    from datasette.app import Datasette

    from kb.web.guard import SnapshotDatabase

    datasette = Datasette([str(db)], immutables=[], settings={"suggest_facets": False})
    old = datasette.databases["kb"]
    new = SnapshotDatabase(datasette, path=str(db), is_mutable=False)
    new.name, new.route, new.statistics = old.name, old.route, statistics
    datasette.databases = {**datasette.databases, "kb": new}
    return datasette


@pytest.mark.asyncio
async def test_filtered_counts_come_from_the_snapshot_statistics(db):
    """A table filtered by one column's value is counted from the statistics published
    with the snapshot (here altered on purpose, so the page shows where its count came
    from); other filters are counted by SQLite."""
    import sqlite3

    from kb.catalogue import snapshots

    conn = sqlite3.connect(db)
    counts = {t: conn.execute(f'select count(*) from "{t}"').fetchone()[0]
              for (t,) in conn.execute("select name from sqlite_master where type = 'table'")}
    current = conn.execute("select count(*) from editions where status = 'current'").fetchone()
    stats = snapshots.statistics(db, counts, min_rows=0)
    assert stats["editions"]["status"]["values"]["current"] == current[0]
    assert not any("_fts" in t for t in stats)
    stats["editions"]["status"]["values"]["current"] = 12345
    served = _served_snapshot(db, stats)

    async def count(query: str):
        answer = await served.client.get(f"/kb/editions.json?{query}&_size=1")
        return answer.json()["filtered_table_rows_count"]

    assert await count("status=current") == 12345  # from the statistics
    assert await count("status=no-such-status") == 0
    year = conn.execute("select count(*) from editions where year = 2015").fetchone()[0]
    assert await count("year=2015") == stats["editions"]["year"]["values"]["2015"] == year
    assert await count("year=02015") == year  # not the statistics' key: SQLite counts
    assert await count("status=current&kind=standard") == conn.execute(
        "select count(*) from editions where status = 'current' and kind = 'standard'"
    ).fetchone()[0]


@pytest.mark.asyncio
async def test_a_count_that_takes_too_long_is_left_out_and_said(db, monkeypatch):
    from kb.web import guard

    monkeypatch.setattr(guard, "COUNT_TIME_LIMIT_MS", 1)
    served = _served_snapshot(db, {})
    query = ("/kb/claims?value__contains=a&value__notcontains=zzz&property__contains=e"
             "&subject__contains=1")
    page = await served.client.get(query)
    assert page.status_code == 200
    assert "Not counted: the rows that match could not be counted within a second." in page.text
    data = await served.client.get(query.replace("/kb/claims", "/kb/claims.json"))
    assert data.json()["filtered_table_rows_count"] is None and data.json()["rows"]


@pytest.mark.asyncio
async def test_arbitrary_sql_gets_less_time_than_the_pages(db, monkeypatch):
    """?sql= runs under its own, lower limit; the same statement behind a page (a canned
    query or the table views) keeps Datasette's."""
    from kb.web import guard

    monkeypatch.setattr(guard, "ARBITRARY_SQL_TIME_LIMIT_MS", 20)
    served = _served_snapshot(db, {})
    slow = ("with recursive c(x) as (select 1 union all select x + 1 from c where x < 1000000)"
            " select count(*) as n from c")
    answer = await served.client.get("/kb.json", params={"sql": slow, "_shape": "array"})
    assert answer.status_code == 400 and "too long" in answer.text.lower()
    quick = await served.client.get("/kb.json", params={"sql": "select 1 as n",
                                                        "_shape": "array"})
    assert quick.json() == [{"n": 1}]
    page = await served.client.get("/kb/editions.json?status=current&_size=1")
    assert page.status_code == 200
