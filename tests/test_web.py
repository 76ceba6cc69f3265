"""The Datasette plugin and configuration, through Datasette's own test client."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
import yaml
from datasette.app import Datasette

from tests.conftest import ROOT, built, load

FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture
def datasette(tmp_path):
    db = tmp_path / "kb.db"
    summary = load(db, FIXTURES / "mini.yaml")
    assert summary.failed == 0
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text())
    return Datasette([str(db)], immutables=[], metadata=metadata,
                     settings={"suggest_facets": False})


@pytest.mark.asyncio
async def test_work_page(datasette):
    response = await datasette.client.get("/-/standards/ISO%2019011")
    assert response.status_code == 200
    html = response.text
    assert "<svg" in html and "kb-timeline" in html
    for text in ("ISO 19011:2002", "ISO 19011:2018", "ISO 10011-1:1990", "GB/T 19011-2021",
                 "IDT", "管理体系审核指南", "40.20"):
        assert text in html, text
    assert 'href="/kb/editions/ISO%2019011%3A2018"' in html
    assert 'href="/-/standards/GB%2FT%2019011"' in html


@pytest.mark.asyncio
async def test_work_page_is_a_record_per_edition(built_datasette):
    """Per edition its facts, its lifecycle (the draft that became it folded in, not a row
    of its own) and its sources a click away; a GB page speaks GB's lifecycle."""
    from lxml import html as lxml_html

    client = built_datasette.client
    tree = lxml_html.fromstring((await client.get("/-/standards/ISO%2019011")).text)
    cards = {a.get("id"): a for a in tree.xpath("//article[@class='kb-edition']")}
    assert "ISO/DIS 19011" not in cards and {"ISO 19011:2018", "ISO 19011:2026"} <= set(cards)
    latest = cards["ISO 19011:2026"]
    facts = dict(zip([dt.text_content() for dt in latest.xpath(".//dl/dt")],
                     [dd.text_content().strip() for dd in latest.xpath(".//dl/dd")], strict=True))
    assert facts["Committee"] == "ISO/PC 302" and facts["ICS"].startswith("03.120.20")
    assert facts["Edition"] == "4" and facts["Published"] == "2026-05-27"
    steps = [tr.xpath("string(td[1])") for tr in latest.xpath(".//table[@class='kb-lifecycle']"
                                                               "//tbody/tr")]
    assert steps[0] == "20.00" and steps[-1] == "60.60"  # the DIS project's stages, then its own
    assert latest.xpath(".//span[@class='from']")  # marked with the draft they were recorded on
    assert latest.xpath(".//details[@class='kb-why']//td[contains(., 'iso-19011.yaml')]")
    labels = [t.text for t in tree.xpath("//svg//text")]
    assert "ISO/DIS 19011" not in labels and "ISO 19011:2026" in labels
    assert "?" not in [td.text for td in tree.xpath("//td[@class='date']")]
    gb = lxml_html.fromstring((await client.get("/-/standards/GB%2FT%2019011")).text)
    legend = gb.xpath("string(//p[@class='kb-legend'])")
    assert "issued" in legend and "abolished" in legend and "DIS" not in legend
    card = gb.xpath("//article[@id='GB/T 19011-2021']")[0]
    assert card.xpath("string(.//dt[.='In force from']/following-sibling::dd[1])") == \
        "2021-12-01"
    assert not card.xpath(".//dt[.='Stage']")  # a GB status is not repeated as a stage


@pytest.mark.asyncio
async def test_a_revision_under_way_is_named(tmp_path):
    """ISO 5801:2017's record names the draft that will replace it: the page says so, with
    the draft's stage, in both interfaces."""
    from lxml import html as lxml_html

    db = tmp_path / "kb.db"
    assert load(db, FIXTURES / "relaton" / "iso-5801-2017.yaml").failed == 0
    client = Datasette([str(db)], settings={"suggest_facets": False}).client
    for ui, said in (("en", "ISO/AWI 5801, stage 20.00 New project registered in TC/SC work "
                             "programme, will replace ISO 5801:2017"),
                     ("zh", "ISO/AWI 5801，阶段 20.00 新项目列入 TC/SC 工作计划，"
                            "将代替 ISO 5801:2017")):
        page = await client.get("/-/standards/ISO%205801", cookies={"kb_ui": ui})
        tree = lxml_html.fromstring(page.text)
        (box,) = tree.xpath("//section[@class='kb-cycle']/div[3]")
        assert said in box.text_content(), box.text_content()
    card = tree.xpath("//article[@id='ISO 5801:2017']")[0]
    assert card.xpath("string(.//dt[.='正在修订为']/following-sibling::dd[1])") == "ISO/AWI 5801"
    assert "This document specifies procedures for testing fans." in card.text_content()


@pytest.mark.asyncio
async def test_any_spelling_redirects_to_the_canonical_page(datasette):
    response = await datasette.client.get("/-/standards/iso19011")
    assert response.status_code == 302
    assert response.headers["location"] == "/-/standards/ISO%2019011"
    response = await datasette.client.get("/-/standards?q=GB%2FT19011%E2%80%942013")
    assert response.status_code == 302
    assert response.headers["location"] == "/-/standards/GB%2FT%2019011"


@pytest.mark.asyncio
async def test_unknown_work_is_404_with_suggestions(datasette):
    response = await datasette.client.get("/-/standards/ISO%2019012")
    assert response.status_code == 404
    assert "not in the knowledge base" in response.text and "ISO 19011" in response.text


@pytest.mark.asyncio
async def test_work_json_matches_the_cli(datasette):
    response = await datasette.client.get("/-/standards/ISO%2019011.json")
    data = response.json()
    assert data["work"]["designation"] == "ISO 19011"
    assert [a["subject"] for a in data["adoptions"]] == ["GB/T 19011-2013", "GB/T 19011-2021"]


@pytest.mark.asyncio
async def test_tables_facets_and_canned_queries(datasette):
    response = await datasette.client.get("/kb/editions")
    for facet in ("publisher", "doctype", "status", "stage", "committee"):
        assert f'href="?_facet={facet}"' in response.text
    response = await datasette.client.get(
        "/kb/editions.json?_facet=status&_facet=publisher&_size=0")
    facets = response.json()["facet_results"]
    assert {"publisher", "status"} <= set(facets)
    statuses = {r["value"] for r in facets["status"]["results"]}
    assert {"current", "replaced"} <= statuses
    response = await datasette.client.get(
        "/kb/adoptions.json?_shape=array&work=ISO+19011")
    rows = response.json()
    assert {(r["adopting"], r["degree"]) for r in rows} == {
        ("GB/T 19011-2013", "IDT"), ("GB/T 19011-2021", "IDT")}
    response = await datasette.client.get("/kb/history_of_a_work.json?_shape=array&work=ISO+19011")
    assert any(r["code"] == "40.20" for r in response.json())
    for query in ("current_editions", "withdrawn_editions"):
        response = await datasette.client.get(
            f"/kb/{query}.json?_shape=array&publisher=&committee=&work=")
        assert response.status_code == 200, query


@pytest.mark.asyncio
async def test_work_ids_link_to_history_pages(datasette):
    response = await datasette.client.get("/kb/editions?work_id=ISO+19011")
    assert 'href="/-/standards/ISO%2019011"' in response.text


async def test_index_lists_adopted_standards(datasette):
    response = await datasette.client.get("/-/standards")
    assert response.status_code == 200
    assert 'href="/-/standards/ISO%2019011"' in response.text
    assert 'name="q"' in response.text


@pytest.fixture
def text_datasette(tmp_path):
    from click.testing import CliRunner

    from kb.cli import main
    from tests.conftest import corpus

    db = tmp_path / "kb.db"
    result = CliRunner().invoke(main, ["load", "--db", str(db), "-q",
                                       str(FIXTURES / "sample-zh.sts.xml"),
                                       str(corpus("sts", "rice-en.final.sts.xml"))])
    assert result.exit_code == 0, result.output
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text())
    return Datasette([str(db)], metadata=metadata, settings={"suggest_facets": False})


async def test_search_page_chinese_and_english(text_datasette):
    response = await text_datasette.client.get("/-/search?q=%E5%AE%A1%E6%A0%B8%E6%96%B9%E6%A1%88")
    html = response.text
    assert response.status_code == 200 and "<mark>审核方案</mark>" in html
    assert 'href="/-/clause/T%2FKBS%201-2026/5.2"' in html
    response = await text_datasette.client.get("/-/search?q=husked+rices&kind=term")
    assert "<mark>husked</mark> <mark>rice</mark>" in response.text
    assert "/-/clause/ISO%2017301-1%3A2016/3.10" in response.text


async def test_datasette_search_box_on_clauses(text_datasette):
    """The clauses table searches through clauses_fts (Chinese words given with spaces)."""
    response = await text_datasette.client.get(
        "/kb/clauses.json?_search=%E5%AE%A1%E6%A0%B8+%E6%96%B9%E6%A1%88&_shape=array")
    rows = response.json()
    assert response.status_code == 200 and {"5.2", "5.3"} <= {r["number"] for r in rows}
    assert all("审核" in (r["heading"] or "") + r["text"] for r in rows)


async def test_search_page_escapes_and_pages(text_datasette):
    response = await text_datasette.client.get("/-/search?q=rice&page=2")
    assert response.status_code == 200 and "page 2" in response.text
    assert "previous" in response.text
    shown = re.search(r"([\d,]+) clauses match; showing 21–(\d+)\.", response.text)
    assert shown, response.text
    total, last_hit = int(shown.group(1).replace(",", "")), int(shown.group(2))
    assert last_hit == min(40, total) and response.text.count('class="kb-hit') == last_hit - 20
    last = (total - 1) // 20 + 1
    response = await text_datasette.client.get(f"/-/search?q=rice&page={last}")
    assert "next →" not in response.text and "previous" in response.text
    response = await text_datasette.client.get("/-/search?q=rice&page=999")
    assert "past the last hit" in response.text
    for bad in ("*", "x" * 2000):
        response = await text_datasette.client.get(f"/-/search?q={bad}")
        assert response.status_code == 200 and 'class="message-error"' in response.text
    response = await text_datasette.client.get("/-/search?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>alert(1)" not in response.text and "&lt;script&gt;alert(1)" in response.text


async def test_clause_term_and_contents_pages(text_datasette):
    response = await text_datasette.client.get("/-/clause/ISO%2017301-1%3A2016/6.5.1")
    html = response.text
    assert response.status_code == 200
    for text in ("6.5 Husked rice yield", "6.5.2 Precision", "/-/term/paddy", "ISO 6646",
                 "/-/standards/ISO%2017301-1"):
        assert text in html, text
    response = await text_datasette.client.get("/-/clause/ISO%2017301-1%3A2016/")
    assert "contents" in response.text and "/-/clause/ISO%2017301-1%3A2016/A" in response.text
    response = await text_datasette.client.get("/-/term/%E5%AE%A1%E6%A0%B8%E6%96%B9%E6%A1%88")
    assert response.status_code == 200 and "audit programme" in response.text
    response = await text_datasette.client.get("/-/clause/ISO%2017301-1%3A2016/99")
    assert response.status_code == 404 and "has no clause" in response.text
    response = await text_datasette.client.get("/-/standards/ISO%2017301-1")
    assert 'href="/-/clause/ISO%2017301-1%3A2016/">text</a>' in response.text


@pytest.fixture(scope="module")
def built_datasette(tmp_path_factory):
    """data/ built as `kb build` does, with the test bulletin loaded."""
    db = built(tmp_path_factory.mktemp("built") / "kb.db")
    return Datasette([str(db)], immutables=[], settings={"suggest_facets": False})


@pytest.mark.asyncio
async def test_every_history_page_of_data_answers(built_datasette):
    """Every work data/ holds has a history page and its JSON, in both interfaces (events of
    one edition on one day, drafts, adoptions, works without dates: all of data/'s shapes)."""
    from urllib.parse import quote

    db = built_datasette.get_database("kb")
    works = [r[0] for r in (await db.execute("select id from works order by id")).rows]
    assert len(works) > 50
    failed = []
    for work in works:
        for url in (f"/-/standards/{quote(work, safe='')}",
                    f"/-/standards/{quote(work, safe='')}?ui=zh",
                    f"/-/standards/{quote(work, safe='')}.json"):
            status = (await built_datasette.client.get(url)).status_code
            if status != 200:
                failed.append((url, status))
    assert failed == []


@pytest.mark.asyncio
async def test_bulletin_page(built_datasette):
    """An editor's desk: the reference table first, each row saying where the text cites it,
    each mention jumping to its row; counts that agree with kb check and say what they
    count; downloads in the interface language; the same as JSON."""
    from lxml import html as lxml_html

    listing = await built_datasette.client.get("/-/bulletins")
    assert listing.status_code == 200 and 'href="/-/bulletin/kbs-bulletin-2019-04"' in listing.text
    page = await built_datasette.client.get("/-/bulletin/kbs-bulletin-2019-04")
    assert page.status_code == 200
    html = page.text
    tree = lxml_html.fromstring(html)
    # the table comes before the text
    assert html.index('id="references"') < html.index('id="text"')
    rows = {r.get("id"): r for r in tree.xpath("//section[@id='references']//tbody/tr")}
    by_designation = {r.xpath("string(td[@class='designation'])").strip(): r
                      for r in rows.values()}
    row = by_designation["GB/T 19011-2013"]
    assert row.xpath("td[@class='designation']/a/@href") == [
        "/-/standards/GB%2FT%2019011#GB%2FT%2019011-2013"]
    assert "GB/T 19011-2013 → GB/T 19011-2021" in row.xpath("string(td[contains(@class,'status')])")
    # the row says where the text cites it, and each such mention jumps back to the row
    anchors = row.xpath("td[@class='cited']/a/@href")
    assert anchors and all(a.startswith("#m") for a in anchors)
    for anchor in anchors:
        (mention,) = tree.xpath(f"//*[@id='{anchor[1:]}']")
        assert mention.get("href") == "#" + row.get("id")
        assert "stale" in mention.get("class")
    assert '<span id="m' in html and ">ISO/PC302</span>" in html  # committees: marked, no row
    assert tree.xpath("//*[contains(@class,'kb-mention government-document')]")
    assert "<h2>第二部分 国际动态</h2>" in html and ">认证机构要求组</h3>" in html
    # counts as kb check counts them
    assert "29 mentions found; 16 standards cited, 5 of them not in the knowledge base." in html
    assert "5 stale citations of 3 standards." in html
    # downloads in the interface language (English here), with the other one a click away
    for fmt in ("csv", "xlsx", "gbt7714", "ris"):
        assert f'href="/-/bulletin/kbs-bulletin-2019-04.{fmt}?lang=en"' in html
    assert 'href="?lang=zh"' in html
    zh = await built_datasette.client.get("/-/bulletin/kbs-bulletin-2019-04",
                                          headers={"Accept-Language": "zh-CN"})
    assert 'href="/-/bulletin/kbs-bulletin-2019-04.csv?lang=zh"' in zh.text
    # both languages' titles: the interface's first
    title = by_designation["ISO 19011:2018"].xpath("td[3]")[0]
    assert title.text.startswith("Guidelines for auditing") and \
        title.xpath("string(span[@class='other'])") == "管理体系审核指南"
    data = (await built_datasette.client.get("/-/bulletin/kbs-bulletin-2019-04.json")).json()
    assert data["counts"]["stale_citations"] == 5 and data["counts"]["standards"] == 16
    assert len(data["references"]) == 16 and data["bulletin"]["date"] == "2019-04-02"
    assert (await built_datasette.client.get("/-/bulletin/nothing.json")).status_code == 404


@pytest.mark.asyncio
async def test_bulletin_downloads(built_datasette):
    client = built_datasette.client
    text = await client.get("/-/bulletin/kbs-bulletin-2019-04.gbt7714?lang=zh&simplified=1")
    assert text.status_code == 200 and "GB/T 19011—2013 管理体系审核指南[S]." in text.text
    workbook = await client.get("/-/bulletin/kbs-bulletin-2019-04.xlsx?lang=en")
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
    assert "attachment" in workbook.headers["content-disposition"]
    assert (await client.get("/-/bulletin/kbs-bulletin-2019-04.csv?lang=fr")).status_code == 400
    assert (await client.get("/-/bulletin/nothing-here")).status_code == 404


@pytest.mark.asyncio
async def test_comparison_pages(built_datasette):
    client = built_datasette.client
    work = await client.get("/-/standards/T%2FKBS%201")
    assert work.status_code == 200 and 'action="/-/diff"' in work.text
    assert "<option selected>T/KBS 1-2027</option>" in work.text
    page = await client.get("/-/diff?old=T%2FKBS+1-2026&new=T%2FKBS+1-2027")
    assert page.status_code == 200
    html = page.text
    assert 'class="k-renumbered" style="width:' in html  # the summary bar
    assert "<del>" in html and "<ins>" in html
    assert 'href="/-/clause/T%2FKBS%201-2027/6.2.1"' in html  # the moved clause's new place
    only = await client.get("/-/diff?old=T%2FKBS+1-2026&new=T%2FKBS+1-2027&only=moved")
    assert only.text.count('<tr class="moved">') == 1 and '<tr class="unchanged">' not in only.text
    bad = await client.get("/-/diff?old=T%2FKBS+1&new=T%2FKBS+1-2027")
    assert bad.status_code == 400 and "is undated: name one edition" in bad.text
    adopted = await client.get("/-/standards/T%2FKBS%201")
    assert "/-/crosswalk?national=T/KBS%201.1-2026&amp;international=T/KBS%201-2026" in \
        adopted.text
    walk = await client.get("/-/crosswalk?national=T%2FKBS+1.1-2026&international=T%2FKBS+1-2026")
    assert walk.status_code == 200 and "structurally identical" in walk.text
    assert "审核方案" in walk.text and "audit programme" in walk.text


@pytest.mark.asyncio
async def test_search_api_is_kb_search_json(built_datasette):
    """/-/search.json gives what `kb search --json` gives, with paging links, an ETag and
    Cache-Control; a repeat with If-None-Match is 304; bad parameters are 400 in JSON."""
    import json

    from click.testing import CliRunner

    from kb.cli import main

    db = built_datasette.databases[next(n for n in built_datasette.databases
                                        if not n.startswith("_"))].path
    cli = CliRunner().invoke(main, ["search", "--db", db, "--json", "-n", "3", "--page", "2",
                                    "audit"])
    response = await built_datasette.client.get("/-/search.json?q=audit&limit=3&page=2")
    assert response.status_code == 200
    body = response.json()
    expected = json.loads(cli.output)
    assert {k: body[k] for k in expected} == expected and len(body["hits"]) == 3
    assert body["page"] == 2 and body["limit"] == 3
    assert body["next"] == "/-/search.json?q=audit&limit=3&page=3"
    assert body["previous"] == "/-/search.json?q=audit&limit=3&page=1"
    tag = response.headers["etag"]
    assert response.headers["cache-control"] == "public, max-age=60"
    again = await built_datasette.client.get("/-/search.json?q=audit&limit=3&page=2",
                                             headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.text == ""
    for query, message in (("", "q: give the words"), ("q=audit&limit=0", "limit is 1 to 1000"),
                           ("q=audit&engine=x", "engine: one of"),
                           ("q=audit&standard=XYZ", "is not a designation")):
        bad = await built_datasette.client.get(f"/-/search.json?{query}")
        assert bad.status_code == 400 and message in bad.json()["error"]


def _interface_text(html: str) -> str:
    """The page's text outside elements marked translate="no" (data, shown as stored)."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.depth, self.out, self.skip = 0, [], 0

        def handle_starttag(self, tag, attrs):
            if tag in ("br", "input", "img", "meta", "link"):
                return
            self.depth += 1
            if self.skip or dict(attrs).get("translate") == "no" or tag in ("script",
                                                                              "style"):
                self.skip += 1

        def handle_endtag(self, tag):
            self.depth -= 1
            if self.skip:
                self.skip -= 1

        def handle_data(self, data):
            if not self.skip:
                self.out.append(data)

    parser = Text()
    parser.feed(html)
    return " ".join(" ".join(parser.out).split())


@pytest.mark.asyncio
async def test_search_page_collapses_editions_and_labels_cross_lingual_hits(built_datasette):
    client = built_datasette.client
    page = await client.get("/-/search?q=audit+programme&page=2", headers={
        "Accept-Language": "en"})
    html = page.text
    assert page.status_code == 200 and "also in" in html
    assert 'href="/-/clause/T%2FKBS%201-2026/5.7"' in html or "T/KBS 1-2026</a>" in html
    found = re.search(r"([\d,]+) clauses match; showing 21–40\. (\d+) by their own text, "
                      r"(\d+) in the other language", html)
    assert found, html
    listing = await client.get("/-/search.json?q=audit+programme&limit=1000")
    body = listing.json()
    assert int(found.group(2)) == body["direct"] and int(found.group(3)) == body["cross"]
    assert body["total"] == body["direct"] + body["cross"] == len(body["hits"])
    first = body["hits"][0]
    assert first["designation"] == "T/KBS 1-2027" and first["also_in"] == ["T/KBS 1-2026"]
    term = next(h for h in body["hits"] if h.get("via", {}).get("term"))
    assert term["via"] == {"term": "审核方案", "from": "audit programme"}
    off = (await client.get("/-/search.json?q=audit+programme&cross=0&limit=1000")).json()
    assert off["cross"] == 0 and off["total"] == body["direct"]
    assert not any("via" in h for h in off["hits"])
    # the last page carries the cross-lingual hits, labelled, with the term linked
    last = await client.get(f"/-/search?q=audit+programme&page={body['total'] // 20 + 1}")
    assert "found through the term" in last.text and 'href="/-/term/%E5%AE%A1' in last.text
    assert 'class="kb-hit kb-cross"' in last.text
    # switched off with the page's checkbox (the form sends cross=0 before the box's cross=1)
    unticked = await client.get("/-/search?q=audit+programme&cross=0")
    box = re.search(r'<input type="checkbox" name="cross"[^>]*>', unticked.text).group()
    assert "checked" not in box and "by their own text" not in unticked.text
    assert 'class="kb-hit kb-cross"' not in unticked.text and "cross=0&amp;page=2" in unticked.text
    ticked = await client.get("/-/search?q=audit+programme&cross=0&cross=1")
    box = re.search(r'<input type="checkbox" name="cross"[^>]*>', ticked.text).group()
    assert "by their own text" in ticked.text and "checked" in box


@pytest.mark.asyncio
async def test_search_page_count_line_reads_right_in_chinese(built_datasette):
    page = await built_datasette.client.get("/-/search?q=audit+programme&ui=zh")
    text = _interface_text(page.text)
    found = re.search(r"共 ([\d,]+) 条条款匹配，显示第 1–20 条。", text)
    assert found, text
    assert "条 条" not in text and "匹配." not in text
    assert re.search(r"其中 \d+ 条由条文本身匹配，\d+ 条经由术语或采用关系在另一语言中找到。", text)
    last = await built_datasette.client.get("/-/search?q=audit+programme&ui=zh&page=3")
    words = _interface_text(last.text)
    assert "经由术语找到：" in words and "found through" not in words
    # the data (designations, headings, snippets) is marked as such
    assert '<div class="snippet" translate="no">' in last.text


@pytest.mark.asyncio
async def test_standards_page_finds_a_standard_by_its_title(built_datasette):
    client = built_datasette.client
    one = await client.get("/-/standards?q=" + quote(
        "Conformity assessment — General requirements for bodies operating certification "
        "of persons"))
    assert one.status_code == 302 and one.headers["location"] == "/-/standards/ISO%2FIEC%2017024"
    several = await client.get("/-/standards?q=" + quote("管理体系审核指南"))
    assert several.status_code == 404 and "GB/T 19011, ISO 19011" in several.text
    assert 'href="/-/standards/GB%2FT%2019011"' in several.text
    assert 'href="/-/standards/ISO%2019011"' in several.text


@pytest.mark.asyncio
async def test_search_page_says_nothing_matches_in_either_language(built_datasette):
    for ui, said in (("en", "No clause matches <b translate=\"no\">zzqx &lt;b&gt;</b>."),
                     ("zh", "没有条款与 <b translate=\"no\">zzqx &lt;b&gt;</b> 匹配。")):
        page = await built_datasette.client.get(f"/-/search?q=zzqx+%3Cb%3E&ui={ui}")
        assert said in page.text, page.text


@pytest.mark.asyncio
async def test_the_search_box_says_in_one_line_that_fts5_is_behind(tmp_path):
    """While FTS5 has not taken the last load's clauses, the clause table (its ?_search= box)
    and SQL naming clauses_fts say so in one line, in each interface; once filled, nothing."""
    from lxml import html as lxml_html

    from kb.text import search
    from tests.test_search import CONTEXTS, _behind_db

    db = _behind_db(tmp_path)
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text())
    pages = ("/kb/clauses?_search=%E5%AE%A1%E6%A0%B8",
             "/kb?sql=select+count(*)+from+clauses_fts")
    n = len(CONTEXTS)
    for ui, said in (("en", f"The full-text index is {n} clauses behind"),
                     ("zh", f"全文索引还差 {n} 条条款")):
        client = Datasette([str(db)], metadata=metadata, settings={"suggest_facets": False}
                           ).client
        for path in pages:
            page = await client.get(path, cookies={"kb_ui": ui})
            assert page.status_code == 200
            lines = lxml_html.fromstring(page.text).xpath("//p[contains(@class, "
                                                          "'kb-fts-behind')]")
            assert len(lines) == 1 and lines[0].text_content().startswith(said), path
    works = await client.get("/kb/works")
    assert "kb-fts-behind" not in works.text
    import sqlite3

    search.drain_fts(sqlite3.connect(db, isolation_level=None))
    client = Datasette([str(db)], metadata=metadata, settings={"suggest_facets": False}).client
    assert "kb-fts-behind" not in (await client.get(pages[0])).text
