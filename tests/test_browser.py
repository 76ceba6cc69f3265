"""The work history page in a real headless Chromium, served as `kb serve` deploys it.

Screenshots are saved under ``artefacts/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from kb.cli import datasette_args
from tests.conftest import ROOT, built, load

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTEFACTS = ROOT / "artefacts"
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(db):
    """Serve ``db`` as `kb serve` deploys it, on a free loopback port; yield its base URL."""
    inspect = db.with_suffix(".inspect.json")
    subprocess.run([sys.executable, "-m", "datasette", "inspect", str(db), "--inspect-file",
                    str(inspect)], check=True)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", *datasette_args(str(db), str(inspect)),
         "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("served")
    db = folder / "kb.db"
    assert load(db, ROOT / "data" / "catalogue").failed == 0
    yield from _serve(db)


def _chromium(*args: str) -> str:
    profile = ARTEFACTS / ".chromium-profile"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", f"--user-data-dir={profile}", "--window-size=1280,1600", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    return result.stdout


def _launch(playwright):
    """Debian's chromium under playwright, offline."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"])


def test_work_page_renders_in_a_browser(server):
    ARTEFACTS.mkdir(exist_ok=True)
    url = server + "/-/standards/ISO%2019011"
    dom = _chromium("--dump-dom", url)
    assert "kb-timeline" in dom and "<circle" in dom
    for text in ("ISO 19011:2018", "ISO 10011-1:1990", "GB/T 19011-2021", "管理体系审核指南"):
        assert text in dom
    shot = ARTEFACTS / "work-iso-19011.png"
    shot.unlink(missing_ok=True)
    _chromium(f"--screenshot={shot}", url)
    assert shot.exists() and shot.stat().st_size > 20_000


def test_search_box_finds_any_spelling(server):
    dom = _chromium("--dump-dom", server + "/-/standards?q=GB%2FT19011%E2%80%942013")
    assert "GB/T 19011-2013" in dom and "ISO 19011:2011" in dom
    ARTEFACTS.mkdir(exist_ok=True)
    _chromium(f"--screenshot={ARTEFACTS / 'work-gbt-19011.png'}",
              server + "/-/standards/GB%2FT%2019011")


@pytest.fixture(scope="module")
def text_server(tmp_path_factory):
    from click.testing import CliRunner

    from kb.cli import main
    from tests.conftest import FIXTURES, corpus

    folder = tmp_path_factory.mktemp("text")
    db = folder / "kb.db"
    result = CliRunner().invoke(main, ["load", "--db", str(db), "-q",
                                       str(FIXTURES / "sample-zh.sts.xml"),
                                       str(corpus("sts", "rice-en.final.sts.xml"))])
    assert result.exit_code == 0, result.output
    yield from _serve(db)


@pytest.mark.parametrize(("query", "expected", "shot"), [
    ("审核方案", "审核方案", "search-zh.png"),
    ("husked rices", "husked", "search-en.png"),
])
def test_typing_a_query_shows_highlighted_hits(text_server, query, expected, shot):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    ARTEFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = _launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(text_server + "/-/search")
        page.fill("input[name=q]", query)
        page.press("input[name=q]", "Enter")
        page.wait_for_selector(".kb-hit")
        marks = page.locator(".kb-hit mark").all_inner_texts()
        assert expected in marks
        assert page.locator(".kb-hit .where a").count() >= 2
        page.screenshot(path=str(ARTEFACTS / shot), full_page=True)
        page.locator(".kb-hit .where a").first.click()
        page.wait_for_selector(".kb-clause")
        page.screenshot(path=str(ARTEFACTS / ("clause-" + shot)), full_page=True)
        browser.close()


@pytest.fixture(scope="module")
def built_server(tmp_path_factory):
    """data/ built as `kb build` does, with the test bulletin loaded, served."""
    yield from _serve(built(tmp_path_factory.mktemp("built") / "kb.db"))


def test_bulletin_page_in_a_browser(built_server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    ARTEFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = _launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(built_server + "/-/bulletin/kbs-bulletin-2019-04")
        stale = page.locator(".kb-text .kb-mention.stale")
        assert "GB/T 19011-2013" in stale.all_inner_texts()
        # the highlight is visible: the stale colour is painted behind the designation
        colour = stale.first.evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour == "rgb(255, 224, 179)"
        assert page.locator(".kb-refs tbody tr").count() >= 10
        page.screenshot(path=str(ARTEFACTS / "bulletin.png"), full_page=True)
        # a mention in the text jumps to its row, which is then on the screen, marked
        page.locator(".kb-text a.kb-mention", has_text="GB/T 19011-2013").first.click()
        row = page.locator(".kb-refs tr:target")
        assert "GB/T 19011-2013" in row.inner_text()
        top = row.bounding_box()["y"]
        assert -2 <= top < 1000 and row.evaluate("e => getComputedStyle(e).backgroundColor") \
            == "rgb(255, 243, 196)"
        # and the row's citation jumps back to the text
        row.locator(".cited a").first.click()
        assert page.locator(".kb-text :target").inner_text() == "GB/T 19011-2013"
        page.locator(".kb-refs a", has_text="ISO 19011:2018").first.click()
        page.wait_for_selector(".kb-timeline")
        assert "ISO 19011" in page.title()
        page.goto(built_server + "/-/bulletin/kbs-bulletin-2019-04.html?lang=en")
        assert page.locator("table th").first.inner_text() == "Designation"
        page.screenshot(path=str(ARTEFACTS / "bulletin-reference-table.png"), full_page=True)
        browser.close()


def test_comparing_two_editions_in_a_browser(built_server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    ARTEFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = _launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(built_server + "/-/standards/T%2FKBS%201")
        page.select_option("select[name=old]", "T/KBS 1-2026")
        page.select_option("select[name=new]", "T/KBS 1-2027")
        page.click(".kb-compare input[type=submit]")
        page.wait_for_selector(".kb-diff .bar")
        assert page.locator(".bar span").count() >= 6
        assert page.locator("tr.changed ins").count() >= 5
        colour = page.locator("tr.changed ins").first.evaluate(
            "e => getComputedStyle(e).backgroundColor")
        assert colour == "rgb(221, 255, 221)"
        page.screenshot(path=str(ARTEFACTS / "diff.png"), full_page=True)
        page.select_option("select[name=only]", "changed")
        page.click(".kb-diff form input[type=submit]")
        page.wait_for_selector(".kb-diff table")
        assert page.locator("tr.unchanged").count() == 0
        page.screenshot(path=str(ARTEFACTS / "diff-changed.png"), full_page=True)
        page.goto(built_server + "/-/crosswalk?national=T%2FKBS%201.1-2026&"
                  "international=T%2FKBS%201-2026")
        assert "structurally identical" in page.locator(".verdict").inner_text()
        page.screenshot(path=str(ARTEFACTS / "crosswalk.png"), full_page=True)
        browser.close()


def test_changes_page_in_a_browser(server):
    """The change log of a fresh knowledge base: every edition new, filtered by code."""
    ARTEFACTS.mkdir(exist_ok=True)
    url = server + "/-/changes?code=N"
    dom = _chromium("--dump-dom", url)
    assert "<h1>Changes</h1>" in dom and 'new <small translate="no">N</small>' in dom
    assert 'href="/-/standards/ISO%2019011%3A2018"' in dom
    shot = ARTEFACTS / "changes.png"
    shot.unlink(missing_ok=True)
    _chromium(f"--screenshot={shot}", url)
    assert shot.exists() and shot.stat().st_size > 10_000


SITE_PAGES = (("home", "/"), ("bulletin", "/-/bulletin/kbs-bulletin-2019-04"),
              ("history", "/-/standards/ISO%2019011"),
              ("history-gb", "/-/standards/GB%2FT%2019011"), ("search", "/-/search?q=audit"),
              ("diff", "/-/diff?old=T%2FKBS+1-2026&new=T%2FKBS+1-2027&only=changed"))


@pytest.mark.parametrize("width", [390, 1280, 1920])
@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_the_site_at_three_widths_in_both_languages(built_server, width, locale):
    """Every page in the browser's language, nothing wider than the window (tables scroll in
    their own box), the bulletin's reference table whole and its status column readable."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    ARTEFACTS.mkdir(exist_ok=True)
    zh = locale.startswith("zh")
    with sync_api.sync_playwright() as p:
        browser = _launch(p)
        page = browser.new_page(viewport={"width": width, "height": 900}, locale=locale)
        for name, path in SITE_PAGES:
            page.goto(built_server + path)
            nav = page.locator(".kb-nav a").all_inner_texts()
            assert nav[:3] == (["首页", "标准", "搜索"] if zh else ["Home", "Standards", "Search"])
            overflow = page.evaluate("document.scrollingElement.scrollWidth - innerWidth")
            assert overflow <= 1, f"{name} at {width}: {overflow} px wider than the window"
            if name == "bulletin":
                refs = page.locator(".kb-refs")
                box = refs.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1
                # what the editor sees first: the table's heading and its first row, and
                # the downloads, inside the first screen
                first_row = page.locator(".kb-refs tbody tr").first.bounding_box()
                assert first_row["y"] < 900, f"the table starts at {first_row['y']} px"
                assert page.locator(".kb-downloads").bounding_box()["y"] < 900
                assert page.locator("#text").bounding_box()["y"] > first_row["y"]
                status = page.locator(".kb-refs td.status").first.bounding_box()
                assert status["width"] >= 60, f"status column {status['width']} px wide"
                assert page.locator(".kb-refs h2").inner_text().startswith(
                    "引用的标准" if zh else "Standards cited")
            if name.startswith("history"):
                # the timeline readable at every width: the picture at its scale on a screen,
                # a list of the same rows on a phone
                if width < 640:
                    assert not page.locator(".kb-timeline").is_visible()
                    label = page.locator(".kb-timeline-list .label").first.bounding_box()
                else:
                    label = page.locator(".kb-timeline text").first.bounding_box()
                assert label["height"] >= 10, f"timeline labels {label['height']} px tall"
                assert page.locator(".kb-edition").first.is_visible()
            page.screenshot(path=str(ARTEFACTS / f"site-{name}-{locale[:2]}-{width}.png"),
                            full_page=True)
        browser.close()
