"""The mention finder (kb/bulletins/mentions.py) on running Chinese and English text."""

from __future__ import annotations

import pytest

from kb.bulletins import mentions
from loaders.bulletin import join_lines
from tests.conftest import corpus


def found(text: str) -> list[tuple[str, str, str | None]]:
    return [(m.as_written, m.kind, m.canonical) for m in mentions.find(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("依据ISO19011：2011《管理体系审核指南》", [("ISO19011：2011", "standard", "ISO 19011:2011")]),
    ("发布了国标GB/T19011-2013。", [("GB/T19011-2013", "standard", "GB/T 19011-2013")]),
    ("发布 ISO19011DIS 稿标准", [("ISO19011DIS", "draft", "ISO/DIS 19011")]),
    ("GB/T 19001—2016 的要求", [("GB/T 19001—2016", "standard", "GB/T 19001-2016")]),
    ("see ISO 9001:2015/Amd 1:2024 and IEC 62304.",
     [("ISO 9001:2015/Amd 1:2024", "standard", "ISO 9001:2015/Amd 1:2024"),
      ("IEC 62304", "standard", "IEC 62304")]),
    ("ISO/IEC 17021:2006 be 24 months", [("ISO/IEC 17021:2006", "standard",
                                          "ISO/IEC 17021:2006")]),
    ("CNAS-RC04:2020《認證機構認可收費管理規則》", [("CNAS-RC04:2020", "standard",
                                                    "CNAS-RC04:2020")]),
    ("the work of ISO/TC 207/SC 1 continues", [("ISO/TC 207/SC 1", "committee",
                                                "ISO/TC 207/SC 1")]),
    ("（国认可函〔2016〕95 号）", [("国认可函〔2016〕95 号", "government-document", None)]),
    ("根据国认可〔2017〕43号执行", [("国认可〔2017〕43号", "government-document", None)]),
    ("2235 次 CMMI 评估", [("CMMI", "other", None)]),
    ("依据国家认监委2019年第12号公告和市场监管总局令第31号的规定",
     [("国家认监委2019年第12号公告", "government-document", None),
      ("市场监管总局令第31号", "government-document", None)]),
    ("本刊2019年第3号刊登了", []),
    ("ISO 14001 (all parts) applies", [("ISO 14001 (all parts)", "standard",
                                        "ISO 14001 (all parts)")]),
    ("from 2016 to 2017 in 19 countries", []),
    ("依据GB/T 19001-2016/ISO 9001:2015标准", [("GB/T 19001-2016", "standard", "GB/T 19001-2016"),
                                             ("ISO 9001:2015", "standard", "ISO 9001:2015")]),
    ("ISO9001/14001/45001三体系认证", [("ISO9001", "standard", "ISO 9001"),
                                      ("14001", "standard", "ISO 14001"),
                                      ("45001", "standard", "ISO 45001")]),
    ("ISO 9001/2015 版", [("ISO 9001", "standard", "ISO 9001:2015")]),
    # an edition year written before or after the designation gives the edition
    ("2015版ISO 9001的转换", [("ISO 9001", "standard", "ISO 9001:2015")]),
    ("按照 2015 版 ISO 9001 标准", [("ISO 9001", "standard", "ISO 9001:2015")]),
    ("ISO 9001（2015版）", [("ISO 9001", "standard", "ISO 9001:2015")]),
    ("the 2015 version of ISO 9001 applies", [("ISO 9001", "standard", "ISO 9001:2015")]),
    # lists after a publisher, dated or not, in Chinese and English
    ("通过ISO 9001、14001 和 45001 三体系认证", [("ISO 9001", "standard", "ISO 9001"),
                                             ("14001", "standard", "ISO 14001"),
                                             ("45001", "standard", "ISO 45001")]),
    ("依据ISO 9001:2015、14001:2015和45001:2018",
     [("ISO 9001:2015", "standard", "ISO 9001:2015"),
      ("14001:2015", "standard", "ISO 14001:2015"),
      ("45001:2018", "standard", "ISO 45001:2018")]),
    ("ISO 9001, 14001 and 45001 certificates", [("ISO 9001", "standard", "ISO 9001"),
                                                ("14001", "standard", "ISO 14001"),
                                                ("45001", "standard", "ISO 45001")]),
    ("GB/T 19001、19011 及 24001", [("GB/T 19001", "standard", "GB/T 19001"),
                                   ("19011", "standard", "GB/T 19011"),
                                   ("24001", "standard", "GB/T 24001")]),
    ("ISO 9001:2008/2015 转版", [("ISO 9001:2008", "standard", "ISO 9001:2008"),
                               ("2015", "standard", "ISO 9001:2015")]),
    # accreditation documents dated by day; no false hits on telephone or notice numbers
    ("依据CNAS-CL01:20180301执行", [("CNAS-CL01:20180301", "standard", "CNAS-CL01:2018")]),
    ("电话 010-59001234，第 9001 号", []),
    ("selon le Guide ISO/CEI 37:1995, la", [("Guide ISO/CEI 37:1995", "standard",
                                             "ISO/IEC Guide 37:1995")]),
    # a draft stage written after the designation; an announcement's number after its title
    ("ISO/IEC 17025 (FDIS版)重點內容", [("ISO/IEC 17025", "draft", "ISO/IEC FDIS 17025")]),
    ("《国家认监委关于管理体系认证标准换版工作安排的公告》(2015年第30号)",
     [("2015年第30号", "government-document", None)]),
    # a section number run on in text taken from a PDF
    ("转换说明1背景1.1ISO45001:2018的发布", [("ISO45001:2018", "standard", "ISO 45001:2018")]),
    # a Chinese sector code without /T or a year: read in Chinese text, not in English
    ("ILAC Resolution GA 20.15 was adopted", []),
    ("依据 GA 1800 执行", [("GA 1800", "standard", "GA 1800")]),
    # a quantity after a standard is not a listed standard
    ("certified to ISO 9001 and 2500 employees", [("ISO 9001", "standard", "ISO 9001")]),
    ("ISO 9001和3000家企业", [("ISO 9001", "standard", "ISO 9001")]),
    # capitals after a publisher are words unless they carry a number or a year
    ("the IEC CEO and the IEC GA met; see ISO/IEC VIM:1993",
     [("ISO/IEC VIM:1993", "standard", "ISO/IEC VIM:1993")]),
    # no false hits on amounts, counts, dates, clause numbers, notice numbers
    ("ISO 9001 认证费 9001 元，共 9001 家，第 9001 号，见 9.2 条，2018年3月12日",
     [("ISO 9001", "standard", "ISO 9001")]),
    # a heading gives the bare number before the body names the standard
    ("19011 标准修订情况\n国际标准化组织发布了ISO 19011:2018《管理体系审核指南》。",
     [("19011", "standard", "ISO 19011"), ("ISO 19011:2018", "standard", "ISO 19011:2018")]),
    # a bare working group is one of the committee named before it; IAF numbers after "IAF"
    ("ISO/TC 176/SC 2 met; WG 18 drafted it", [("ISO/TC 176/SC 2", "committee",
                                                 "ISO/TC 176/SC 2"),
                                                ("WG 18", "committee", "ISO/TC 176/SC 2/WG 18")]),
    ("由IAF訂定ID9及ID10", [("ID9", "standard", "IAF ID 9"), ("ID10", "standard", "IAF ID 10")]),
    ("patient ID 12 and MD 22 in the ward", []),
    ("执行Q/GDW 1234-2015和JJF 1059.1-2012", [("Q/GDW 1234-2015", "standard", "Q/GDW 1234-2015"),
                                           ("JJF 1059.1-2012", "standard", "JJF 1059.1-2012")]),
    # ILAC and IAF documents; Traditional Chinese government numbers
    ("依據ILAC-P15:05/2020及IAF MD 5:2019辦理",
     [("ILAC-P15:05/2020", "standard", "ILAC-P15:05/2020"),
      ("IAF MD 5:2019", "standard", "IAF MD 5:2019")]),
    ("依據經濟部標準檢驗局(2019)12號函",
     [("經濟部標準檢驗局(2019)12號", "government-document", None)]),
    ("國家認監委2019年第12號公告", [("國家認監委2019年第12號公告", "government-document", None)]),
    ("依据ＩＳＯ９００１：２０１５和ＧＢ／Ｔ１９００１－２０１６",  # full-width forms, as written
     [("ＩＳＯ９００１：２０１５", "standard", "ISO 9001:2015"),
      ("ＧＢ／Ｔ１９００１－２０１６", "standard", "GB/T 19001-2016")]),
    ("代替 OHSAS 18001:2007，并符合 IATF 16949:2016 和 SA8000:2014",
     [("OHSAS 18001:2007", "standard", "OHSAS 18001:2007"),
      ("IATF 16949:2016", "standard", "IATF 16949:2016"),
      ("SA8000:2014", "standard", "SA8000:2014")]),
    ("按 IAF MD 1:2018 和 JJF 1069-2012 执行", [("IAF MD 1:2018", "standard", "IAF MD 1:2018"),
                                              ("JJF 1069-2012", "standard", "JJF 1069-2012")]),
    # national adoptions read whole; Russian forms; the Directives written out with commas
    ("Certified to BS EN ISO 9001:2015, IS/ISO 9001 : 2015 and ГОСТ Р ИСО 9001-2015",
     [("BS EN ISO 9001:2015", "standard", "BS EN ISO 9001:2015"),
      ("IS/ISO 9001 : 2015", "standard", "IS/ISO 9001:2015"),
      ("ГОСТ Р ИСО 9001-2015", "standard", "ГОСТ Р ИСО 9001-2015")]),
    ("WHAT IS ISO 9001? AS ISO 9001 SAYS", [("ISO 9001", "standard", "ISO 9001"),
                                           ("ISO 9001", "standard", "ISO 9001")]),
    ("согласно ИСО/ТС 17021-4:2013 и Руководство ИСО/МЭК 98-3:2008",
     [("ИСО/ТС 17021-4:2013", "standard", "ISO/TS 17021-4:2013"),
      ("Руководство ИСО/МЭК 98-3:2008", "standard", "ISO/IEC Guide 98-3:2008")]),
    ("See ISO/IEC Directives, Part 1:2022 + IEC SUP:2022, and the ISO/IEC Directives, Part 1, "
     "Consolidated ISO Supplement, 2023.",
     [("ISO/IEC Directives, Part 1:2022 + IEC SUP:2022", "standard",
       "ISO/IEC DIR 1:2022+IEC SUP:2022"),
      ("ISO/IEC Directives, Part 1, Consolidated ISO Supplement, 2023", "standard",
       "ISO/IEC DIR 1 ISO SUP:2023")]),
    ("见GBT 19001-2016", [("GBT 19001-2016", "standard", "GB/T 19001-2016")]),
    # the Hong Kong Accreditation Service by its Chinese name; a year no edition can have
    ("认可准则为《认可处002》", [("认可处002", "standard", "HKAS 002")]),
    ("transition to ISO 14001:2105", [("ISO 14001:2105", "standard", "ISO 14001")]),
    # Taiwan: CNS standards, editions by the year of the Republic after a 「title」
    ("新版檢驗標準CNS 15630「LED燈泡」(108年版)及CNS14336-1",
     [("CNS 15630", "standard", "CNS 15630:2019"), ("CNS14336-1", "standard", "CNS 14336-1")]),
    # a year written before with a verb of publishing, shared by the list after it
    ("於2019年4月公告ISO 14064-2量化指引,以及ISO 14064-3",
     [("ISO 14064-2", "standard", "ISO 14064-2:2019"),
      ("ISO 14064-3", "standard", "ISO 14064-3:2019")]),
    # IEC editions by number; amendments named without their base; IEC's AMD1 written A1
    ("IEC 60601-1:2005+A1:2012 and Amendment 1 to IEC 60601-1, 3rd edition",
     [("IEC 60601-1:2005+A1:2012", "standard", "IEC 60601-1:2005+AMD1:2012"),
      ("Amendment 1", "standard", "IEC 60601-1:2005/AMD1:2012"),
      ("IEC 60601-1", "standard", "IEC 60601-1 ED3")]),
    # other bodies' numbers are theirs, not bare references to the IEC document
    ("IEC 62368-1 and ANSI-UL 62368-1, EN 60601-1:2006/A1:2013",
     [("IEC 62368-1", "standard", "IEC 62368-1"),
      ("ANSI-UL 62368-1", "standard", "ANSI/UL 62368-1"),
      ("EN 60601-1:2006/A1:2013", "standard", "EN 60601-1:2006/A1:2013")]),
    ("IS09001:2015 认证", [("IS09001:2015", "standard", "ISO 9001:2015")]),
    # ISO's draft supplements as ISO prints them: drafts; the old forms read the same
    ("ISO 10993-18:2020/DAmd 1正在征求意见",
     [("ISO 10993-18:2020/DAmd 1", "draft", "ISO 10993-18:2020/DAmd 1")]),
    ("见 ISO 11137-2:2013/FDAM 1。", [("ISO 11137-2:2013/FDAM 1", "draft",
                                     "ISO 11137-2:2013/FDAmd 1")]),
    # the IEC's conformity assessment systems, the Directives named bare
    ("依据IECEx OD 009和IECEE OD-2039执行", [("IECEx OD 009", "standard", "IECEx OD 009"),
                                         ("IECEE OD-2039", "standard", "IECEE OD-2039")]),
    ("符合IECQ 03-1:2020及IECQ QC 080000:2017", [
        ("IECQ 03-1:2020", "standard", "IECQ 03-1:2020"),
        ("IECQ QC 080000:2017", "standard", "IECQ QC 080000:2017")]),
    ("the IECQ OD 3702 traceability audit", [("IECQ OD 3702", "standard", "IECQ OD 3702")]),
    ("IECQ, IECEE and IECEx are systems", []),
    ("按ISO/IEC DIR规定", [("ISO/IEC DIR", "standard", "ISO/IEC DIR")]),
    ("按照ISO/IEC导则第1部分的规定", [("ISO/IEC导则第1部分", "standard", "ISO/IEC DIR 1")]),
    # colons, hyphens, slashes and spaces as input methods and PDFs write them
    ("ISO 19011∶2018《管理体系审核指南》", [("ISO 19011∶2018", "standard", "ISO 19011:2018")]),
    ("标准GB/T 19001一2016要求", [("GB/T 19001一2016", "standard", "GB/T 19001-2016")]),
    ("标准GB/T 19001─2016要求", [("GB/T 19001─2016", "standard", "GB/T 19001-2016")]),
    ("GB、T 19001-2016的要求", [("GB、T 19001-2016", "standard", "GB/T 19001-2016")]),
    ("ISO 9001ー2015に基づく", [("ISO 9001ー2015", "standard", "ISO 9001:2015")]),
    ("ISO\u200b9001:2015 applies", [("ISO\u200b9001:2015", "standard", "ISO 9001:2015")]),
    ("ISO 9001∶2015/Amd 1∶2024", [("ISO 9001∶2015/Amd 1∶2024", "standard",
                                  "ISO 9001:2015/Amd 1:2024")]),
    ("通过ISO 9001一次认证", [("ISO 9001", "standard", "ISO 9001")]),  # 一 is one here
    ("ISO、IEC 两个组织", []),  # a list of organisations, not ISO/IEC
    # glued to titles, brackets and Chinese punctuation on either side
    ("ISO19011《管理体系审核指南》修订情况", [("ISO19011", "standard", "ISO 19011")]),
    ("2.3ISO19011《管理体系审核指南》修订", [("ISO19011", "standard", "ISO 19011")]),
    ("【ISO 9001:2015】、〔ISO 14001:2015〕；「GB/T 19001—2016」。",
     [("ISO 9001:2015", "standard", "ISO 9001:2015"),
      ("ISO 14001:2015", "standard", "ISO 14001:2015"),
      ("GB/T 19001—2016", "standard", "GB/T 19001-2016")]),
    ("《ISO 19011：2018》和“ISO/IEC 17021-1:2015”", [
        ("ISO 19011：2018", "standard", "ISO 19011:2018"),
        ("ISO/IEC 17021-1:2015", "standard", "ISO/IEC 17021-1:2015")]),
])
def test_forms(text, expected):
    assert found(text) == expected


def test_context_resolves_bare_numbers_and_codes():
    text = ("标准 ISO/IEC TS 17021-4 的研讨会上，专家认为 17021-4 适用于大型活动。"
            "ISO/PC302 负责修订，PC302 已召开会议。认可评审依据 CC121。")
    assert found(text) == [
        ("ISO/IEC TS 17021-4", "standard", "ISO/IEC TS 17021-4"),
        ("17021-4", "standard", "ISO/IEC TS 17021-4"),
        ("ISO/PC302", "committee", "ISO/PC 302"),
        ("PC302", "committee", "ISO/PC 302"),
        ("CC121", "standard", "CNAS-CC121"),
    ]
    assert found("17021-4 before any designation") == []
    assert found("the CC121 cable in the catalogue") == []


def test_spans_and_titles():
    text = "并执行《中国森林认证 森林经营》（GB/T 28951-2012）的有关规定"
    (m,) = mentions.find(text)
    assert text[m.start:m.end] == "GB/T 28951-2012" and m.title == "中国森林认证 森林经营"


def test_broken_lines_are_joined_without_spaces_in_chinese():
    lines = ["部际协调组要求进行了讨论。会议通过了《工作章程》（国",  # 30 wide characters
             "", "认可〔2017〕43 号）。", "",
             "The group reviewed ISO 9001:2015 and the draft ISO/DIS",  # 54 narrow ones
             "", "19011 circulated for comment.", ""]
    assert join_lines(lines) == [
        "部际协调组要求进行了讨论。会议通过了《工作章程》（国认可〔2017〕43 号）。",
        "The group reviewed ISO 9001:2015 and the draft ISO/DIS 19011 circulated for comment."]


def test_the_sample_bulletin():
    path = corpus("bulletins", "cnca-expert-groups-2017.txt")
    text = "\n".join(join_lines(path.read_text(encoding="utf-8").splitlines()))
    by_kind: dict[str, set[str]] = {}
    for m in mentions.find(text):
        by_kind.setdefault(m.kind, set()).add(m.canonical or m.as_written)
    assert by_kind["standard"] == {
        "CNAS-CC121", "LY/T 2603-2016", "ISO/IEC TS 17021-4", "ISO 19011", "ISO 19011:2011",
        "GB/T 19011-2013", "ISO 26000", "ISO 37120", "ISO 20121"}
    assert by_kind["draft"] == {"ISO/WD 19011", "ISO/CD 19011", "ISO/DIS 19011"}
    assert by_kind["committee"] == {"ISO/PC 302"}
    assert by_kind["government-document"] == {"国认可〔2017〕43 号", "国认可函〔2016〕95 号"}
    assert by_kind["other"] == {"CMMI"}


def test_context_carries_across_pieces_of_a_long_text():
    context = mentions.Context()
    first = mentions.find("认可机构讨论了 ISO/IEC TS 17021-4 和 ISO/PC302。", context)
    assert [m.canonical for m in first] == ["ISO/IEC TS 17021-4", "ISO/PC 302"]
    later = mentions.find("专家认为 17021-4 可行，PC302 同意，CC121 适用。", context, offset=100)
    assert [(m.as_written, m.canonical, m.start) for m in later] == [
        ("17021-4", "ISO/IEC TS 17021-4", 105), ("PC302", "ISO/PC 302", 116),
        ("CC121", "CNAS-CC121", 125)]


@pytest.mark.parametrize(("text", "title"), [
    ("ISO19011《管理体系审核指南》修订情况", "管理体系审核指南"),
    ("ISO 9001<<质量管理体系 要求>>", "质量管理体系 要求"),
    ("ISO 9001「品質管理系統－要求」", "品質管理系統－要求"),
    ("«Systèmes de management» ISO 9001", "Systèmes de management"),
])
def test_titles_beside_a_designation(text, title):
    assert [m.title for m in mentions.find(text)] == [title]
