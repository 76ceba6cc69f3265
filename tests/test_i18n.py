"""The site in Chinese and English: every interface text translated, the language chosen from
the browser, switched and remembered; the home page's doors; old addresses redirected."""

from __future__ import annotations

import re

import lxml.html
import pytest
import yaml
from datasette.app import Datasette

from kb.web import i18n
from kb.web.frame import NAV
from tests.conftest import ROOT, built

TEMPLATES = ROOT / "kb" / "web" / "templates"
LOCALE = ROOT / "kb" / "web" / "locale"


def _extracted() -> dict[str, list]:
    """Every message the sources hold, extracted now as `pybabel extract -F babel.cfg` does."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, str(ROOT / "babel.cfg"))
    found: dict[str, list] = {}
    for filename, lineno, message, _, _ in extract_from_dir(
            str(ROOT), method_map, options_map, keywords={"_": None, "N_": None}):
        if isinstance(message, str):
            found.setdefault(message, []).append((filename, lineno))
    return found


def _read(path):
    from babel.messages.pofile import read_po

    with path.open("rb") as po:
        return read_po(po)


def test_the_catalogue_template_is_in_step_with_the_sources():
    """messages.pot holds exactly the messages the templates, the Python and metadata.yml
    mark (re-extracted here): a new _("…") without `pybabel extract` fails."""
    extracted = _extracted()
    template = {m.id for m in _read(LOCALE / "messages.pot") if m.id}
    assert len(extracted) > 350
    assert not sorted(set(extracted) - template), "not extracted: run pybabel extract"
    assert not sorted(template - set(extracted)), "no longer in the sources"
    where = {f for places in extracted.values() for f, _ in places}
    for source in ("kb/web/templates/standards_work.html", "kb/web/templates/table.html",
                   "kb/identifiers/stages.py", "kb/catalogue/diff.py", "kb/wording.py",
                   "metadata.yml"):
        assert source in where, source


def test_every_message_has_its_chinese():
    """Every message of the template is translated in zh's .po, none fuzzy, with the same
    {fields} on both sides; and the site reads exactly those translations."""
    template = {m.id for m in _read(LOCALE / "messages.pot") if m.id}
    zh = {m.id: m for m in _read(i18n.catalogue_path("zh")) if m.id}
    assert not sorted(template - set(zh)), "run pybabel update"
    untranslated = sorted(i for i in template if not zh[i].string)
    fuzzy = sorted(i for i in template if zh[i].fuzzy)
    assert not untranslated and not fuzzy, (untranslated, fuzzy)
    for english in template:
        chinese = zh[english].string
        assert set(re.findall(r"{\w+}", english)) == set(re.findall(r"{\w+}", chinese)), \
            english
        words = re.sub(r"{\w+}", "", english)  # a translation, not the English copied over
        assert re.search(r"[\u4e00-\u9fff]", chinese) or not re.search(r"[a-z]{4}", words), \
            english
    table = i18n.catalogue("zh")
    assert set(table) == template
    assert i18n.translator("zh")("{n} rows", n="1,234") == "1,234 行"
    assert i18n.translator("en")("{n} rows", n="1,234") == "1,234 rows"


def test_texts_passed_as_values_are_in_the_catalogue():
    """What pages pass to _() as values (statuses, kinds, change codes, comparison kinds,
    crosswalk sides, stage labels, navigation) is a message of the catalogue."""
    from kb.catalogue import diff
    from kb.catalogue.facts import CHANGE_CODES, TRACKED
    from kb.identifiers import stages

    table = i18n.catalogue("zh")
    texts = {label for _, label in NAV} | set(stages.STATUSES) | set(CHANGE_CODES.values())
    texts |= set(diff.KINDS) | set(TRACKED) | {"both", "national only", "international only",
                                              "terms matched", "terms changed"}
    texts |= set(stages.HARMONIZED.values()) | set(stages.CN_LIFECYCLE.values())
    texts |= set(stages.STATUSES.values())
    texts |= {"standard", "draft", "committee", "government-document", "other", "clause",
              "term", "annex", "note", "example", "table", "figure", "foreword",
              "introduction", "bibliography", "annex-normative", "annex-informative"}
    assert not sorted(t for t in texts if t not in table)


@pytest.mark.parametrize(("header", "expected"), [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
    ("zh-TW", "zh"), ("en;q=0.5, zh;q=0.6", "zh"), ("fr-FR,fr;q=0.9", None), ("", None),
    ("de, en;q=0.1", "en"), ("zh;q=abc, en", "en"),
])
def test_accept_language(header, expected):
    assert i18n.negotiate(header) == expected


@pytest.fixture(scope="module")
def datasette(tmp_path_factory):
    db = built(tmp_path_factory.mktemp("i18n") / "kb.db")
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text())
    return Datasette([str(db)], immutables=[], metadata=metadata,
                     settings={"suggest_facets": False})


PAGES = ("/", "/-/standards", "/-/standards/ISO%2019011", "/-/search?q=audit",
         "/-/bulletins", "/-/bulletin/kbs-bulletin-2019-04", "/-/changes", "/-/diff",
         "/-/crosswalk", "/-/term/audit", "/-/clause/T%2FKBS%201-2027/",
         "/-/diff?old=T%2FKBS+1-2026&new=T%2FKBS+1-2027")


@pytest.mark.asyncio
async def test_pages_follow_the_browser_language(datasette):
    for path in PAGES:
        zh = await datasette.client.get(path, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        en = await datasette.client.get(path, headers={"Accept-Language": "en-GB"})
        assert zh.status_code == en.status_code == 200, path
        assert 'class="kb-nav"' in zh.text and ">标准</a>" in zh.text and ">公告</a>" in zh.text
        assert ">Standards</a>" in en.text and ">Bulletins</a>" in en.text, path
        assert 'href="' + path.split("?")[0] in zh.text or path == "/", path
    bulletin = await datasette.client.get("/-/bulletin/kbs-bulletin-2019-04",
                                          headers={"Accept-Language": "zh"})
    assert "引用的标准" in bulletin.text and "Standards cited" not in bulletin.text
    assert "被代替" in bulletin.text and "现行版本 · 被采用为" in bulletin.text
    # ISO 20121 is cited undated; on the bulletin's date (2019) the latest was the 2012 edition
    assert "未注日期：公告发布时的最新版本为 ISO 20121:2012" in bulletin.text


@pytest.mark.asyncio
async def test_the_choice_is_switched_and_remembered(datasette):
    page = await datasette.client.get("/-/bulletins", headers={"Accept-Language": "en"})
    switch = re.search(r'<a class="kb-ui" href="([^"]+)"', page.text).group(1)
    assert switch == "/-/bulletins?ui=zh"
    chosen = await datasette.client.get(switch, headers={"Accept-Language": "en"})
    assert "kb_ui=zh" in chosen.headers["set-cookie"] and "Max-Age=31536000" in \
        chosen.headers["set-cookie"]
    assert "<h1>公告</h1>" in chosen.text
    later = await datasette.client.get("/-/standards", headers={"Accept-Language": "en"},
                                       cookies={"kb_ui": "zh"})
    assert "<h1>标准</h1>" in later.text
    back = re.search(r'<a class="kb-ui" href="([^"]+)"', later.text).group(1)
    assert back == "/-/standards?ui=en"
    encoded = await datasette.client.get("/-/standards/GB%2FT%2019011")
    assert '<a class="kb-ui" href="/-/standards/GB%2FT%2019011?ui=zh"' in encoded.text
    with_query = await datasette.client.get("/-/search?q=audit&ui=zh")
    assert 'href="/-/search?q=audit&amp;ui=en"' in with_query.text


@pytest.mark.asyncio
async def test_the_home_page_leads_everywhere(datasette):
    home = await datasette.client.get("/", headers={"Accept-Language": "zh-CN"})
    html = home.text
    assert '<form action="/-/search" method="get" role="search">' in html
    assert '<input type="search" name="q"' in html
    for href in ("/-/standards", "/-/search", "/-/bulletins", "/-/diff", "/-/changes",
                 "/kb"):
        assert f'href="{href}"' in html, href
    assert "<h1>标准知识库</h1>" in html


@pytest.mark.asyncio
async def test_old_and_guessable_addresses_redirect(datasette):
    for old, new in (("/-/bulletins/kbs-bulletin-2019-04", "/-/bulletin/kbs-bulletin-2019-04"),
                     ("/-/bulletin", "/-/bulletins"), ("/-/bulletin/", "/-/bulletins"),
                     ("/-/standard/ISO%2019011", "/-/standards/ISO%2019011"),
                     ("/-/compare?old=a&new=b", "/-/diff?old=a&new=b"),
                     ("/-/clause/T%2FKBS%201-2027", "/-/clause/T%2FKBS%201-2027/"),
                     ("/-/terms", "/-/search")):
        response = await datasette.client.get(old)
        assert response.status_code == 301 and response.headers["location"] == new, old
        target = await datasette.client.get(new.split("?")[0])
        assert target.status_code == 200, new


@pytest.mark.asyncio
async def test_links_only_where_their_target_exists(datasette):
    """Crosswalk links stand beside adoptions whose two editions have text, and lead to a
    page that is not an error."""
    checked = 0
    for work in ("ISO%2019011", "T%2FKBS%201", "ISO%2FIEC%2017021-1", "ISO%209001"):
        page = await datasette.client.get(f"/-/standards/{work}")
        for href in re.findall(r'href="(/-/crosswalk\?[^"]+)"', page.text):
            answer = await datasette.client.get(href.replace("&amp;", "&"))
            assert answer.status_code == 200, href
            checked += 1
    assert checked >= 1
    plain = await datasette.client.get("/-/standards/ISO%2019011")
    assert "GB/T 19011-2021" in plain.text and "/-/crosswalk?" not in plain.text


@pytest.mark.asyncio
async def test_a_clause_links_only_the_standards_it_cites_that_are_known(datasette):
    checked = 0
    for edition in ("T%2FKBS%201-2026", "T%2FKBS%201-2027", "T%2FKBS%201.1-2026"):
        page = await datasette.client.get(f"/-/clause/{edition}/2")
        for href in re.findall(r'href="(/-/standards\?q=[^"]+)"', page.text):
            answer = await datasette.client.get(href.replace("&amp;", "&"))
            assert answer.status_code == 302, href  # to the standard's history page
            checked += 1
    assert checked >= 2


# Datasette's own pages (templates forked from Datasette 0.65.5 in kb/web/templates/): for each,
# texts of the Chinese page, and the English texts it replaces (on the English page as before).
DATASETTE_PAGES = (
    ("/kb",
     ("<h3>自定义 SQL 查询</h3>", 'value="运行 SQL"', "个隐藏表</a>", "数据许可：", "行</p>"),
     ("<h3>Custom SQL query</h3>", 'value="Run SQL"', "hidden tables</a>", "Data license:",
      " rows</p>")),
    ("/kb/editions?status=current&_sort=published",
     ("其中 status = &#34;current&#34;，按 published 排序", 'value="应用"', "<h3>高级导出</h3>",
      "此数据的其他格式：", "- 移除筛选 -", ">按 published 排序</option>"),
     ("where status = &#34;current&#34; sorted by published", 'value="Apply"',
      "<h3>Advanced export</h3>", "This data as ", "- remove filter -",
      ">Sort by published</option>")),
    ("/kb/editions/ISO~2019011~3A2018",  # ISO 19011:2018, as Datasette encodes it
     ("<h2>来自其他表的链接</h2>", "来自 stage_events 表的 edition_id 列", "此数据的其他格式："),
     ("<h2>Links from other tables</h2>", "from edition_id in stage_events", "This data as ")),
    ("/kb?sql=select+1",
     ("自定义 SQL 查询，返回 1 行", 'value="运行 SQL"', ">隐藏</a>)", ">格式化 SQL</button>"),
     ("Custom SQL query returning 1 row", 'value="Run SQL"', ">hide</a>)",
      ">Format SQL</button>")),
)


def _unmarked(html: str) -> str:
    """A page without the spans that mark data inside interface text (translate="no")."""
    return re.sub(r'<span translate="no">(.*?)</span>', r"\1", html)


@pytest.mark.asyncio
@pytest.mark.parametrize(("path", "chinese", "english"), DATASETTE_PAGES)
async def test_datasettes_pages_follow_the_browser_language(datasette, path, chinese, english):
    zh = await datasette.client.get(path, headers={"Accept-Language": "zh-CN"})
    en = await datasette.client.get(path, headers={"Accept-Language": "en"})
    assert zh.status_code == en.status_code == 200, path
    zh_text, en_text = _unmarked(zh.text), _unmarked(en.text)
    for text in chinese:
        assert text in zh_text, text
    for text in english:
        assert text not in zh_text, text
        assert text in en_text, text
    assert ">标准</a>" in zh.text and ">Standards</a>" in en.text


@pytest.mark.asyncio
async def test_a_table_page_describes_its_rows_in_the_interface_language(datasette):
    """The filters and sort order said again in Chinese, and the numbers as Datasette
    formats them; a description it cannot say again keeps Datasette's clauses."""
    path = "/kb/editions?status=current&title_en__contains=audit&_sort_desc=published"
    zh = await datasette.client.get(path, headers={"Accept-Language": "zh-CN"})
    en = await datasette.client.get(path, headers={"Accept-Language": "en"})
    described = ("其中 status = &#34;current&#34; 且 title_en 包含 &#34;audit&#34;，"
                 "按 published 降序排序")
    assert re.search(r"<h3>\d[\d,]* 行\s+" + described + r"\s+</h3>", _unmarked(zh.text))
    assert re.search(r"<title>kb: editions: \d[\d,]* 行 " + described + "</title>", zh.text)
    assert re.search(r"<h3>\d[\d,]* rows\s+where status = &#34;current&#34; and title_en "
                     r"contains &#34;audit&#34; sorted by published descending\s+</h3>", en.text)
    assert ">包含</option>" in zh.text and ">contains</option>" in en.text
    where = "/kb/editions?_where=year+%3E+2015&kind=standard"  # _where: not described
    zh = await datasette.client.get(where, headers={"Accept-Language": "zh-CN"})
    assert "其中 kind = &#34;standard&#34;" in _unmarked(zh.text)
    assert "1 个额外的 where 子句" in zh.text


def test_datasettes_texts_passed_to_the_translator_have_their_chinese():
    """Texts the forked templates pass to _() as values: the filters' operators and the
    clauses they describe (but for SQL's own operators and the signs), the SQL page's
    hide/show, the facets' types."""
    from datasette.filters import Filters

    kept = {"=", "!=", ">", "\u2265", "<", "\u2264", "like", "not like", "glob"}
    texts = {"hide", "show", "array", "date"}
    for lookup in Filters._filters:
        if lookup.display not in kept:
            texts.add(lookup.display)
            if isinstance(getattr(lookup, "human_template", None), str):
                texts.add(lookup.human_template)
    assert {"contains", '{c} contains "{v}"', "is not blank", "{c} is not blank"} <= texts
    assert not sorted(t for t in texts if t not in i18n.catalogue("zh"))


@pytest.mark.asyncio
async def test_an_error_page_answers_in_both_languages(datasette):
    for language in ("zh-CN", "en"):
        page = await datasette.client.get("/kb/no_such_table",
                                          headers={"Accept-Language": language})
        assert page.status_code == 404, language
        # Datasette's message, in the interface language
        assert ("未找到表" if language == "zh-CN" else "Table not found") in page.text


@pytest.mark.asyncio
async def test_an_error_page_speaks_the_interface_language(datasette):
    zh = await datasette.client.get("/kb/no_such_table", headers={"Accept-Language": "zh-CN"})
    en = await datasette.client.get("/kb/no_such_table", headers={"Accept-Language": "en"})
    assert zh.status_code == en.status_code == 404
    assert "<h1>错误 404</h1>" in zh.text and "<title>错误 404</title>" in zh.text
    assert "Error 404" not in zh.text and "技术支持：" in zh.text and ">标准</a>" in zh.text
    assert "<h1>Error 404</h1>" in en.text and "<title>Error 404</title>" in en.text
    assert "Powered by" in en.text and ">Standards</a>" in en.text


@pytest.mark.asyncio
async def test_the_switch_never_touches_a_pages_data(datasette):
    """?ui= chooses the language and is gone before Datasette's views see it: the table
    shows the rows it shows without it, and no link on the page carries it."""
    plain = await datasette.client.get("/kb/editions?_size=5", headers={"Accept-Language": "en"})
    switched = await datasette.client.get("/kb/editions?_size=5&ui=zh",
                                          headers={"Accept-Language": "en"})
    assert "kb_ui=zh" in switched.headers["set-cookie"] and "<h3>" in switched.text

    def rows(html: str) -> list[str]:
        return [td.text_content().strip() for td in
                lxml.html.fromstring(html).xpath('//table[@class="rows-and-columns"]//td')]

    count = re.compile(r"<h3>([\d,]+) (?:rows|行)")
    assert rows(plain.text) and rows(switched.text) == rows(plain.text)
    assert count.search(plain.text).group(1) == count.search(switched.text).group(1) != "0"
    hrefs = lxml.html.fromstring(switched.text).xpath("//a/@href | //form/@action")
    assert not [h for h in hrefs if re.search(r"[?&]ui=", h) and "kb-ui" not in h
                and h != "/kb/editions?_size=5&ui=en"], hrefs
    assert 'class="kb-ui" href="/kb/editions?_size=5&amp;ui=en"' in switched.text
    for path in ("/kb.json?sql=select+count(*)+from+editions", "/kb/editions.json?_size=3",
                 "/kb/stage_events.json?_size=3&code=60.60"):
        with_switch = await datasette.client.get(path + "&ui=zh")
        answer = await datasette.client.get(path)
        assert answer.status_code == with_switch.status_code == 200, path
        assert answer.json()["rows"] and answer.json()["rows"] == with_switch.json()["rows"]


# --- one language at a time -----------------------------------------------------------------

#: Latin-letter tokens that may stand on a Chinese page because they are no language's words:
#: the letters of designations (ISO, IEC, GB/T, draft stages, committees, adoption degrees),
#: the names of formats and products the pages offer or follow (JSON, CSV, XLSX, SQL, SQLite,
#: Datasette, Perinorm's update codes), and units (ms, KB, MB).
ALLOWED = {"ISO", "IEC", "GB", "T", "WD", "CD", "DIS", "FDIS", "TC", "SC", "IDT", "MOD", "NEQ",
           "ICS", "JSON", "CSV", "XLSX", "SQL", "SQLite", "Datasette", "Perinorm", "ms", "KB",
           "MB"}
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff01-\uff60]")


def interface_text(html: str) -> str:
    """The text a page shows as its interface: its body without <script>, <style>, computer
    text (<code>, <pre>, <textarea>: SQL and commands, no language's words) and every
    element marked translate="no" (data), with the placeholders, labels and buttons' words."""
    body = lxml.html.fromstring(html).body
    for element in body.xpath('.//script | .//style | .//code | .//pre | .//textarea | '
                              './/*[@translate="no"]'):
        element.drop_tree()
    said = body.xpath('.//@placeholder | .//@aria-label | .//input[@type="submit"]/@value | '
                      './/button/@title')
    return " ".join([body.text_content(), *said])


def other_language(text: str, ui: str) -> list[str]:
    """What in ``text`` belongs to the other language than ``ui``."""
    if ui == "en":
        return sorted(set(CJK.findall(text)))
    return sorted({w for w in re.findall(r"[A-Za-z]+", text) if w not in ALLOWED})


ONE_LANGUAGE_PAGES = (
    ("home", "/"), ("standards index", "/-/standards"),
    ("work history", "/-/standards/ISO%2019011"), ("GB history", "/-/standards/GB%2FT%2019011"),
    ("search", "/-/search?q=audit"), ("search, cross-lingual", "/-/search?q=审核方案"),
    ("clause", "/-/clause/T%2FKBS%201-2027/2"), ("contents", "/-/clause/T%2FKBS%201-2027/"),
    ("term", "/-/term/audit"), ("bulletins", "/-/bulletins"),
    ("bulletin", "/-/bulletin/kbs-bulletin-2019-04"),
    ("diff", "/-/diff?old=T%2FKBS+1-2026&new=T%2FKBS+1-2027"),
    ("crosswalk", "/-/crosswalk?national=T%2FKBS+1.1-2026&international=T%2FKBS+1-2026"),
    ("changes", "/-/changes"), ("database", "/kb"),
    ("table", "/kb/editions?status=current&_sort=published&_facet=kind"),
    ("stage events", "/kb/stage_events"), ("row", "/kb/editions/ISO~2019011~3A2018"),
    ("query", "/kb?sql=select+id,+status+from+editions+limit+3"),
    ("canned query", "/kb/current_editions?publisher=ISO&committee="),
    ("error", "/kb/no_such_table"),
)


@pytest.mark.asyncio
@pytest.mark.parametrize(("name", "path"), ONE_LANGUAGE_PAGES)
@pytest.mark.parametrize("ui", ["en", "zh"])
async def test_one_language_at_a_time(datasette, name, path, ui):
    """No interface text of the other language on a page of either interface (the data,
    marked translate="no", aside)."""
    page = await datasette.client.get(path, cookies={"kb_ui": ui})
    assert page.status_code in (200, 404), (name, page.status_code)
    text = interface_text(page.text)
    assert len(text.strip()) > 20, name
    assert not other_language(text, ui), (name, other_language(text, ui))
