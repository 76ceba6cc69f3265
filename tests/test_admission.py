"""kb.web.admission: a worker runs a few requests at once, the rest in the order they came."""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path

import pytest

from kb.web import admission
from kb.web.serving import find_haproxy, haproxy_config
from tests.hostile import Server
from tests.test_hostile import kb


class _Recorder:
    """An ASGI app whose requests take a while: it records how many run at once and the
    order they finish; a request for /stream starts its answer and then waits for ``more``."""

    def __init__(self) -> None:
        self.running = self.most = 0
        self.finished: list[str] = []
        self.more = asyncio.Event()

    async def __call__(self, scope, receive, send) -> None:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            if scope["path"] == "/stream":
                await send({"type": "http.response.start", "status": 200, "headers": []})
                await self.more.wait()
                await send({"type": "http.response.body", "body": b"late"})
                return
            for _ in range(3):  # three awaits, as a page with queries has
                await asyncio.sleep(0.01)
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": scope["path"].encode()})
        finally:
            self.running -= 1
            self.finished.append(scope["path"])


async def _request(app, path: str) -> bytes:
    body = b""

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        nonlocal body
        body += message.get("body", b"")

    await app({"type": "http", "method": "GET", "path": path, "query_string": b""},
              receive, send)
    return body


@pytest.mark.asyncio
@pytest.mark.parametrize("most", [1, 2, 3])
async def test_at_most_the_limit_run_at_once_and_the_others_in_turn(most):
    app = _Recorder()
    wrapped = admission.wrap(app, most)
    paths = [f"/{i}" for i in range(12)]
    tasks = [asyncio.create_task(_request(wrapped, p)) for p in paths]
    bodies = await asyncio.gather(*tasks)
    assert bodies == [p.encode() for p in paths]
    assert app.most == most
    if most == 1:
        assert app.finished == paths  # first come, first served
    else:  # those that came first are let in first
        assert sorted(app.finished[:most]) == paths[:most]


@pytest.mark.asyncio
async def test_without_a_limit_every_request_runs_at_once():
    app = _Recorder()
    assert admission.wrap(app, 0) is app
    await asyncio.gather(*(_request(app, f"/{i}") for i in range(8)))
    assert app.most == 8


@pytest.mark.asyncio
async def test_a_streamed_answer_gives_its_place_up_once_it_has_started():
    """A slow reader of a long answer (CSV) does not hold the others up."""
    app = _Recorder()
    wrapped = admission.wrap(app, 1)
    stream = asyncio.create_task(_request(wrapped, "/stream"))
    await asyncio.sleep(0.01)
    assert await asyncio.wait_for(_request(wrapped, "/page"), 5) == b"/page"
    assert not stream.done()
    app.more.set()
    assert await stream == b"late"


@pytest.mark.asyncio
async def test_a_request_that_fails_gives_its_place_up():
    async def failing(scope, receive, send):
        raise RuntimeError("page failed")

    wrapped = admission.wrap(failing, 1)
    for _ in range(3):  # the second would wait for ever had the first kept its place
        with pytest.raises(RuntimeError):
            await asyncio.wait_for(_request(wrapped, "/"), 5)


def test_the_limit_comes_from_kb_serve(monkeypatch):
    monkeypatch.delenv("KB_CONCURRENT", raising=False)
    assert admission.limit() == admission.LIMIT
    assert admission.default(1) == admission.LIMIT and admission.default(3) == 1
    monkeypatch.setenv("KB_CONCURRENT", "0")
    assert admission.limit() == 0 == admission.default(1)
    monkeypatch.setenv("KB_CONCURRENT", "5")
    assert admission.limit() == 5 == admission.default(1) == admission.default(3)


@pytest.mark.asyncio
async def test_pages_served_one_at_a_time_are_those_served_at_once(tmp_path, monkeypatch):
    """Through Datasette and every kb page: twelve requests at once, with a limit of one and
    with none, give the same answers (and none waits for ever)."""
    from datasette.app import Datasette

    db = tmp_path / "kb.db"
    assert kb("build", "--db", str(db), "-q")[0] == 0
    paths = ["/", "/kb/editions", "/-/standards", "/-/standards/ISO%2019011",
             "/-/search?q=audit", "/-/search.json?q=%E5%AE%A1%E6%A0%B8", "/-/changes",
             "/kb/editions.json?_shape=array", "/-/bulletins", "/-/term/audit",
             "/kb/clauses", "/kb/editions?status=current"]
    answers = {}
    for most in ("0", "1"):
        monkeypatch.setenv("KB_CONCURRENT", most)
        # immutable, as kb serve serves it: the home page's table counts are then the
        # inspected ones, not counts under Datasette's 10 ms limit, which a busy machine
        # can miss on one pass and not the other
        datasette = Datasette([], immutables=[str(db)], settings={"suggest_facets": False})
        await datasette.invoke_startup()
        responses = await asyncio.wait_for(asyncio.gather(
            *(datasette.client.get(p) for p in paths)), 120)
        assert [r.status_code for r in responses] == [200] * len(paths)
        answers[most] = [r.text for r in responses]
    strip = re.compile(r"[\d.]+ ?ms")  # query timings differ
    assert [strip.sub("", a) for a in answers["1"]] == [strip.sub("", a) for a in answers["0"]]


@pytest.mark.skipif(find_haproxy() is None, reason="HAProxy is not installed "
                    "(Debian: apt install haproxy)")
def test_haproxy_queues_what_the_workers_cannot_take_yet(tmp_path):
    config = tmp_path / "haproxy.cfg"
    config.write_text(haproxy_config("127.0.0.1:1", [("w1", "127.0.0.1:2"),
                                                     ("w2", "127.0.0.1:3")], 2))
    text = config.read_text()
    assert text.count(" maxconn 2\n") == 2 and "timeout queue" in text
    check = subprocess.run([find_haproxy(), "-c", "-q", "-f", str(config)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert " maxconn" not in haproxy_config("127.0.0.1:1", [("w1", "127.0.0.1:2")]).split(
        "backend")[1]


def test_kb_serve_takes_the_limit(tmp_path):
    db = tmp_path / "kb.db"
    assert kb("build", "--db", str(db), "-q")[0] == 0
    with Server(db, "--concurrent", "1") as running:
        assert running.get("/-/standards/ISO%2019011")[0] == 200
        environ = Path(f"/proc/{running.server_pid}/environ").read_bytes().split(b"\0")
        assert b"KB_CONCURRENT=1" in environ
    code, said, _ = kb("serve", "--db", str(db), "--concurrent", "-1")
    assert code == 2 and "--concurrent" in said


@pytest.mark.skipif(find_haproxy() is None, reason="HAProxy is not installed "
                    "(Debian: apt install haproxy)")
def test_several_workers_take_one_request_each_from_haproxys_queue(tmp_path):
    db = tmp_path / "kb.db"
    assert kb("build", "--db", str(db), "-q")[0] == 0
    with Server(db, "--workers", "2") as running:
        assert running.get("/-/standards/ISO%2019011")[0] == 200
        config = (tmp_path / "kb.db.snapshots" / "serving" / "haproxy.cfg").read_text()
        assert config.count(" check maxconn 1\n") == 2
