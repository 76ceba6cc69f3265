"""Who issues a standard, and who prints it: the 主要责任者 (and 出版地: 出版者) of a
GB/T 7714-2015 entry, the institution of a BibTeX entry, the authority of a CSL item.

The knowledge base records no issuing body: ``editions.publisher`` is the designation's prefix
(``LY``, ``GB``), ``committee`` the technical committee (归口), and a record's source is free text.
So the body comes from the designation and its year, by the tables below: public facts about
which body issued a scheme's documents in which years.  A year is the first one under a name,
that of the State Council reorganisation that created the body; documents issued early in such
a year may still carry the old name.  A year before the first one known, or a code not in the
tables, gives no body: no name is guessed.

Sources: the bodies' own names and the State Council institutional reform plans
(国务院机构改革方案) of 1998, 2003, 2008, 2013 and 2018; the list of Chinese sector standard
codes and their competent departments (行业标准代号, 国家标准化管理委员会, as annexed to the
行业标准管理办法); the 批准发布部门 of catalogue entries (e.g. LY/T 2513-2015: 国家林业局;
LY/T 2987-2018: 国家林业和草原局; RB/T 214-2017: 国家认证认可监督管理委员会, 国认科〔2017〕124号);
the administrative division codes of GB/T 2260 for local standards (DB11: Beijing) and the
地方标准管理办法; the social organisations registered on 全国团体标准信息平台 (ttbz.org.cn) for
group standards (e.g. T/CAS 290-2017: 中国标准化协会).
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.identifiers.designation import Designation

__all__ = ["Issuer", "issuer"]


@dataclass(frozen=True)
class Issuer:
    """A document's issuing body, and its place and publisher when known, in one language."""

    body: str
    place: str | None = None
    publisher: str | None = None


@dataclass(frozen=True)
class _Period:
    since: int  # the first year under these names
    zh: tuple[str, ...]  # one or more bodies, issuing together
    en: tuple[str, ...]


@dataclass(frozen=True)
class _Source:
    periods: tuple[_Period, ...]  # oldest first
    place: tuple[str, str] | None = None  # (Chinese, English)
    publisher: tuple[str, str] | None = None


def _named(*periods: tuple[int, str, str]) -> tuple[_Period, ...]:
    """Periods of one body: ``(since, Chinese name, English name)`` each."""
    return tuple(_Period(since, (zh,), (en,)) for since, zh, en in periods)


_GENEVA = ("日内瓦", "Geneva")
_BEIJING = ("北京", "Beijing")

#: International bodies and co-publishers (ISO/IEC, ISO/IEC/IEEE).
INTERNATIONAL: dict[str, _Source] = {
    "ISO": _Source(_named((0, "国际标准化组织", "International Organization for Standardization")),
                   _GENEVA, ("ISO", "ISO")),
    "IEC": _Source(_named((0, "国际电工委员会", "International Electrotechnical Commission")),
                   _GENEVA, ("IEC", "IEC")),
    "IEEE": _Source(_named((0, "电气电子工程师学会",
                            "Institute of Electrical and Electronics Engineers")),
                    ("纽约", "New York"), ("IEEE", "IEEE")),
}

#: National standards (GB, GB/T, GB/Z), printed by 中国标准出版社 in Beijing.
NATIONAL = _Source((
    _Period(1978, ("国家标准局",), ("National Bureau of Standards",)),
    _Period(1988, ("国家技术监督局",), ("State Bureau of Technical Supervision",)),
    _Period(1998, ("国家质量技术监督局",), ("State Bureau of Quality and Technical Supervision",)),
    _Period(2001, ("中华人民共和国国家质量监督检验检疫总局", "中国国家标准化管理委员会"),
            ("General Administration of Quality Supervision, Inspection and Quarantine of the "
             "People's Republic of China", "Standardization Administration of China")),
    _Period(2018, ("国家市场监督管理总局", "国家标准化管理委员会"),
            ("State Administration for Market Regulation", "Standardization Administration of "
             "China")),
), _BEIJING, ("中国标准出版社", "Standards Press of China"))

_MIIT = (2008, "工业和信息化部", "Ministry of Industry and Information Technology")
_SETC = (1998, "国家经济贸易委员会", "State Economic and Trade Commission")
_NDRC = (2003, "国家发展和改革委员会", "National Development and Reform Commission")
_MNR = (2018, "自然资源部", "Ministry of Natural Resources")
_MOHURD = (2008, "住房和城乡建设部", "Ministry of Housing and Urban-Rural Development")
_MOA = ((1990, "农业部", "Ministry of Agriculture"),
        (2018, "农业农村部", "Ministry of Agriculture and Rural Affairs"))
_INDUSTRY = _named(_SETC, _NDRC, _MIIT)  # JB, QB, FZ, HG, SH, YB, YS, JC, QC
_METROLOGY = _named(  # JJF, JJG: national metrology technical specifications and regulations
    (1988, "国家技术监督局", "State Bureau of Technical Supervision"),
    (1998, "国家质量技术监督局", "State Bureau of Quality and Technical Supervision"),
    (2001, "国家质量监督检验检疫总局",
     "General Administration of Quality Supervision, Inspection and Quarantine"),
    (2018, "国家市场监督管理总局", "State Administration for Market Regulation"))

#: Sector standards (行业标准) by sector code: the department that approves and issues them.
SECTOR: dict[str, tuple[_Period, ...]] = {
    "AQ": _named((2005, "国家安全生产监督管理总局", "State Administration of Work Safety"),
                 (2018, "应急管理部", "Ministry of Emergency Management")),
    "CH": _named((1990, "国家测绘局", "State Bureau of Surveying and Mapping"),
                 (2011, "国家测绘地理信息局",
                  "National Administration of Surveying, Mapping and Geoinformation"), _MNR),
    "CJ": _named((1990, "建设部", "Ministry of Construction"), _MOHURD),
    "CY": _named((2001, "新闻出版总署", "General Administration of Press and Publication"),
                 (2013, "国家新闻出版广电总局",
                  "State Administration of Press, Publication, Radio, Film and Television"),
                 (2018, "国家新闻出版署", "National Press and Publication Administration")),
    "DA": _named((1990, "国家档案局", "National Archives Administration of China")),
    "DL": _named(_SETC, _NDRC, (2009, "国家能源局", "National Energy Administration")),
    "DZ": _named((1998, "国土资源部", "Ministry of Land and Resources"), _MNR),
    "FZ": _INDUSTRY,
    "GA": _named((1990, "公安部", "Ministry of Public Security")),
    "GH": _named((1995, "中华全国供销合作总社",
                  "All China Federation of Supply and Marketing Cooperatives")),
    "GM": _named((2005, "国家密码管理局", "State Cryptography Administration")),
    "GY": _named((1998, "国家广播电影电视总局",
                  "State Administration of Radio, Film and Television"),
                 (2013, "国家新闻出版广电总局",
                  "State Administration of Press, Publication, Radio, Film and Television"),
                 (2018, "国家广播电视总局", "National Radio and Television Administration")),
    "HG": _INDUSTRY,
    "HJ": _named((1988, "国家环境保护局", "National Environmental Protection Agency"),
                 (1998, "国家环境保护总局", "State Environmental Protection Administration"),
                 (2008, "环境保护部", "Ministry of Environmental Protection"),
                 (2018, "生态环境部", "Ministry of Ecology and Environment")),
    "HS": _named((1990, "海关总署", "General Administration of Customs")),
    "HY": _named((1990, "国家海洋局", "State Oceanic Administration"), _MNR),
    "JB": _INDUSTRY,
    "JC": _INDUSTRY,
    "JG": _named((1990, "建设部", "Ministry of Construction"), _MOHURD),
    "JR": _named((1990, "中国人民银行", "People's Bank of China")),
    "JT": _named((1990, "交通部", "Ministry of Communications"),
                 (2008, "交通运输部", "Ministry of Transport")),
    "JY": _named((1998, "教育部", "Ministry of Education")),
    "LB": _named((1990, "国家旅游局", "China National Tourism Administration"),
                 (2018, "文化和旅游部", "Ministry of Culture and Tourism")),
    "LD": _named((1990, "劳动部", "Ministry of Labour"),
                 (1998, "劳动和社会保障部", "Ministry of Labour and Social Security"),
                 (2008, "人力资源和社会保障部", "Ministry of Human Resources and Social Security")),
    "LS": _named((2000, "国家粮食局", "State Administration of Grain"),
                 (2018, "国家粮食和物资储备局",
                  "National Food and Strategic Reserves Administration")),
    "LY": _named((1990, "林业部", "Ministry of Forestry"),
                 (1998, "国家林业局", "State Forestry Administration"),
                 (2018, "国家林业和草原局", "National Forestry and Grassland Administration")),
    "MH": _named((1990, "中国民用航空总局", "General Administration of Civil Aviation of China"),
                 (2008, "中国民用航空局", "Civil Aviation Administration of China")),
    "MZ": _named((1990, "民政部", "Ministry of Civil Affairs")),
    "NB": _named((2008, "国家能源局", "National Energy Administration")),
    "NY": _named(*_MOA),
    "QB": _INDUSTRY,
    "QC": _INDUSTRY,
    "QX": _named((1990, "中国气象局", "China Meteorological Administration")),
    "RB": _named((2001, "国家认证认可监督管理委员会",
                  "Certification and Accreditation Administration of the People's Republic of "
                  "China")),
    "SB": _named((2003, "商务部", "Ministry of Commerce")),
    "SC": _named(*_MOA),
    "SH": _INDUSTRY,
    "SJ": _named((1998, "信息产业部", "Ministry of Information Industry"), _MIIT),
    "SL": _named((1990, "水利部", "Ministry of Water Resources")),
    "SN": _named((1998, "国家出入境检验检疫局", "State Administration of Entry-Exit Inspection and "
                  "Quarantine"),
                 (2001, "国家质量监督检验检疫总局",
                  "General Administration of Quality Supervision, Inspection and Quarantine"),
                 (2018, "海关总署", "General Administration of Customs")),
    "SW": _named((1990, "国家税务总局", "State Taxation Administration")),
    "TB": _named((1990, "铁道部", "Ministry of Railways"),
                 (2013, "国家铁路局", "National Railway Administration")),
    "TD": _named((1998, "国土资源部", "Ministry of Land and Resources"), _MNR),
    "TY": _named((1998, "国家体育总局", "General Administration of Sport of China")),
    "WH": _named((1990, "文化部", "Ministry of Culture"),
                 (2018, "文化和旅游部", "Ministry of Culture and Tourism")),
    "WS": _named((1990, "卫生部", "Ministry of Health"),
                 (2013, "国家卫生和计划生育委员会",
                  "National Health and Family Planning Commission"),
                 (2018, "国家卫生健康委员会", "National Health Commission")),
    "WW": _named((1990, "国家文物局", "National Cultural Heritage Administration")),
    "XF": _named((1990, "公安部", "Ministry of Public Security"),
                 (2018, "应急管理部", "Ministry of Emergency Management")),
    "YB": _INDUSTRY,
    "YC": _named((1990, "国家烟草专卖局", "State Tobacco Monopoly Administration")),
    "YD": _named((1998, "信息产业部", "Ministry of Information Industry"), _MIIT),
    "YS": _INDUSTRY,
    "YY": _named((1998, "国家药品监督管理局", "State Drug Administration"),
                 (2003, "国家食品药品监督管理局", "State Food and Drug Administration"),
                 (2013, "国家食品药品监督管理总局", "China Food and Drug Administration"),
                 (2018, "国家药品监督管理局", "National Medical Products Administration")),
    "YZ": _named((1998, "国家邮政局", "State Post Bureau")),
    "ZY": _named((1990, "国家中医药管理局",
                  "National Administration of Traditional Chinese Medicine")),
}

#: Group standards (团体标准, T/CODE): the social organisation that registered the code.
GROUP: dict[str, tuple[_Period, ...]] = {
    "CAS": _named((0, "中国标准化协会", "China Association for Standardization")),
    "CECS": _named((0, "中国工程建设标准化协会",
                    "China Association for Engineering Construction Standardization")),
    "CCAA": _named((0, "中国认证认可协会", "China Certification and Accreditation Association")),
    "CAQ": _named((0, "中国质量协会", "China Association for Quality")),
    "CCSA": _named((0, "中国通信标准化协会", "China Communications Standards Association")),
    "CSAE": _named((0, "中国汽车工程学会", "China Society of Automotive Engineers")),
    "CFLP": _named((0, "中国物流与采购联合会", "China Federation of Logistics and Purchasing")),
    "CHEAA": _named((0, "中国家用电器协会", "China Household Electrical Appliances Association")),
}

#: Local standards (DB + the province's GB/T 2260 code): the province's standardisation
#: department, 质量技术监督局 until the 2018 reform, 市场监督管理局 (set up late 2018 to early
#: 2019) since.  Each code: (the province's Chinese name, the English words before its
#: bureaus' names).
PROVINCES: dict[str, tuple[str, str]] = {
    "11": ("北京市", "Beijing Municipal"), "12": ("天津市", "Tianjin Municipal"),
    "13": ("河北省", "Hebei Provincial"), "14": ("山西省", "Shanxi Provincial"),
    "15": ("内蒙古自治区", "Inner Mongolia Autonomous Region"),
    "21": ("辽宁省", "Liaoning Provincial"), "22": ("吉林省", "Jilin Provincial"),
    "23": ("黑龙江省", "Heilongjiang Provincial"), "31": ("上海市", "Shanghai Municipal"),
    "32": ("江苏省", "Jiangsu Provincial"), "33": ("浙江省", "Zhejiang Provincial"),
    "34": ("安徽省", "Anhui Provincial"), "35": ("福建省", "Fujian Provincial"),
    "36": ("江西省", "Jiangxi Provincial"), "37": ("山东省", "Shandong Provincial"),
    "41": ("河南省", "Henan Provincial"), "42": ("湖北省", "Hubei Provincial"),
    "43": ("湖南省", "Hunan Provincial"), "44": ("广东省", "Guangdong Provincial"),
    "45": ("广西壮族自治区", "Guangxi Zhuang Autonomous Region"),
    "46": ("海南省", "Hainan Provincial"), "50": ("重庆市", "Chongqing Municipal"),
    "51": ("四川省", "Sichuan Provincial"), "52": ("贵州省", "Guizhou Provincial"),
    "53": ("云南省", "Yunnan Provincial"), "54": ("西藏自治区", "Tibet Autonomous Region"),
    "61": ("陕西省", "Shaanxi Provincial"), "62": ("甘肃省", "Gansu Provincial"),
    "63": ("青海省", "Qinghai Provincial"),
    "64": ("宁夏回族自治区", "Ningxia Hui Autonomous Region"),
    "65": ("新疆维吾尔自治区", "Xinjiang Uygur Autonomous Region"),
}
#: Where a province's bureau had another name (Tianjin merged its bureaus in 2014).
_LOCAL_EXCEPTIONS: dict[str, tuple[_Period, ...]] = {
    "12": _named((2000, "天津市质量技术监督局", "Tianjin Municipal Bureau of Quality and Technical "
                  "Supervision"),
                 (2014, "天津市市场和质量监督管理委员会",
                  "Tianjin Municipal Market and Quality Supervision Commission"),
                 (2018, "天津市市场监督管理委员会",
                  "Tianjin Municipal Market Supervision Commission")),
}

#: Accreditation and conformity-assessment bodies, and other publishers cited beside them.
OTHER: dict[str, _Source] = {
    "CNAS": _Source(_named((2006, "中国合格评定国家认可委员会",
                            "China National Accreditation Service for Conformity Assessment")),
                    _BEIJING, ("中国合格评定国家认可委员会", "CNAS")),
    "CNCA": _Source(_named((2001, "国家认证认可监督管理委员会",
                            "Certification and Accreditation Administration of the People's "
                            "Republic of China"))),
    "JJF": _Source(_METROLOGY),
    "JJG": _Source(_METROLOGY),
    "IAF": _Source(_named((0, "国际认可论坛", "International Accreditation Forum"))),
    "ILAC": _Source(_named((0, "国际实验室认可合作组织",
                            "International Laboratory Accreditation Cooperation"))),
}


def _local(code: str) -> tuple[_Period, ...] | None:
    if code not in PROVINCES:
        return None
    if code in _LOCAL_EXCEPTIONS:
        return _LOCAL_EXCEPTIONS[code]
    zh, en = PROVINCES[code]
    return _named((2000, f"{zh}质量技术监督局",
                   f"{en} Bureau of Quality and Technical Supervision"),
                  (2019, f"{zh}市场监督管理局", f"{en} Administration for Market Regulation"))


def _source(d: Designation) -> _Source | None:
    if d.scheme in ("iso", "iec"):
        return INTERNATIONAL.get(d.publisher)
    if d.scheme == "cn-national":
        return NATIONAL if d.publisher == "GB" else None  # not GJB (military standards)
    if d.scheme == "cn-sector":
        periods = SECTOR.get(d.publisher)
    elif d.scheme == "cn-group":
        periods = GROUP.get(d.publisher)
    elif d.scheme == "cn-local":
        periods = _local(d.publisher.removeprefix("DB"))
    else:  # cnas, cnca, ilac, other: IAF MD 5 is IAF's
        return OTHER.get(d.publisher.split()[0])
    return _Source(periods) if periods else None


def _period(source: _Source, year: int | None) -> _Period | None:
    """The names in force in ``year`` (the latest for an undated document)."""
    if year is None:
        return source.periods[-1]
    known = [p for p in source.periods if p.since <= year]
    return known[-1] if known else None


def issuer(designation: Designation, year: int | None = None, lang: str = "zh") -> Issuer | None:
    """Who issued ``designation`` (in ``year``, default its own), in ``lang`` (zh or en).

    Co-publishers are named after the publisher (ISO/IEC: both bodies, publisher ``ISO/IEC``).
    None when the tables do not know the body.
    """
    year = year or designation.year
    zh = lang == "zh"
    sources = [_source(designation)]
    if designation.scheme in ("iso", "iec"):
        sources += [INTERNATIONAL.get(p) for p in designation.copublishers]
    bodies, places, publishers = [], [], []
    for source in sources:
        period = _period(source, year) if source else None
        if period is None:
            if not bodies:  # the first publisher decides; an unknown co-publisher is left out
                return None
            continue
        bodies += period.zh if zh else period.en
        if source.place and not places:
            places.append(source.place[not zh])
        if source.publisher:
            publishers.append(source.publisher[not zh])
    joiner = ", " if zh else "; "
    return Issuer(joiner.join(bodies), places[0] if places else None,
                  "/".join(publishers) or None)
