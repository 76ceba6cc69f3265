"""Find the standards a running text cites, in Chinese and English.

One finder for bulletins, notices and clause text.  It locates *candidates* (a publisher
or code at a word boundary followed by designation-like characters) and lets
:func:`kb.identifiers.designation.parse` decide, taking the longest prefix the parser accepts:
there is
no second grammar of designations here.  What looks like a designation but is something
else is classified rather than linked: committees (``ISO/PC302``, ``PC302``), government
document numbers (``国认可〔2017〕43 号``) and models or programmes (``CMMI``).

Context resolves short forms: a bare number such as ``17021-4`` after ``ISO/IEC TS 17021-4``
is that document again, and ``CC121`` in a text about accreditation is ``CNAS-CC121``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date

from kb.identifiers.designation import (
    ADOPTING_BODIES,
    CN_SECTOR_CODES,
    CO_PUBLISHERS,
    COMMITTEE_REFERENCE,
    LEADING_PUBLISHERS,
    LOOKALIKES,
    OTHER_PUBLISHERS,
    PUBLISHER_ALIASES,
    Designation,
    DesignationError,
    Supplement,
    committee,
    parse,
)

__all__ = ["KINDS", "Context", "Mention", "find"]

#: What a mention can be.
KINDS = ("standard", "draft", "committee", "government-document", "other")

#: Names of models, schemes and programmes that are cited like standards but are not ones.
PROGRAMMES = ("CMMI", "ITIL", "COBIT", "TOGAF", "PMBOK", "FSC", "PEFC", "BRCGS", "GLOBALG.A.P.",
              "HACCP", "GMP", "LEED", "BREEAM")

# full-width Latin letters, digits and signs (ＩＳＯ９００１) read as their ASCII forms,
# character for character
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# the colons, hyphens and slashes the parser reads for ASCII ones (designation.LOOKALIKES)
# are read so here too, one for one; the characters it reads as nothing are spaces here, so
# that spans stay valid
_HALF_WIDTH |= {ord(c): r or " " for c, r in LOOKALIKES.items() if c != "\\"}
_HALF_WIDTH.pop(0xFF1A)  # a full-width colon stays: the parser reads it (ISO 19011：2018)
#: Separators read by position: 一 between digits is a dash (GB/T 19001一2016), 、 between a
#: Chinese code and T or Z a slash (GB、T 19001: the slash key of a Chinese input method).
_POSITIONAL = re.compile(r"(?<=\d)一(?=\d)|(?<=\b[A-Z]{2})、(?=[TZ]\s*\d)")
_INTERNATIONAL = "|".join(sorted({*LEADING_PUBLISHERS, *CO_PUBLISHERS, *PUBLISHER_ALIASES},
                                 key=len, reverse=True))
_SECTOR = "|".join(sorted(CN_SECTOR_CODES))
_OTHERS = "|".join(re.escape(p).replace("\\ ", r"\s*").replace("/", "[/-]")
                   for p in OTHER_PUBLISHERS if not p.startswith("IAF"))
# national adoptions (BS EN ISO 9001, ГОСТ Р ИСО 9001); a two-letter body that is also a word
# (IS, AS, MS …) only when joined to what follows (IS/ISO 9001, SS-EN ISO 9001) or before EN
_BODIES = "|".join(re.escape(b).replace("\\ ", r"\s*")
                   for b in sorted(ADOPTING_BODIES, key=len, reverse=True))
_WORDLIKE_BODIES = "|".join(b for b in ADOPTING_BODIES if len(b) == 2 and b not in ("BS", "EN"))
_ADOPTION = (rf"(?:{_BODIES})\s*[-/]?\s*C?EN\s*[-/]?\s*(?:ISO|IEC)"
             rf"|(?!(?:{_WORDLIKE_BODIES})\s)(?:{_BODIES})\s*[-/]?\s*(?:ISO|IEC|ИСО|МЭК)")
# where a candidate may start: a publisher or code not glued to a preceding Latin letter/digit
_START = re.compile(
    # not glued to a Latin letter or digit before it, unless that is a section number run on
    # in text taken from a PDF ("1.1ISO45001:2018")
    rf"""(?:(?<![A-Za-z0-9])(?<![A-Za-z0-9]-)(?<![A-Za-z]/)|(?<=(?<![\d.])\d\.\d)
        |(?<=(?<![\d.])\d\.\d\d))(?:
        (?P<ca>IEC(?:EE|E[Xx]|Q|RE)(?=\s*(?:OD|QC)?\s*-?\s*\d))
      | (?P<adoption>(?:{_ADOPTION})(?=[\s/]|\d))
      | (?P<typo>IS0(?=\s*[1-9]\d{{2,4}}))
      | (?P<intl>(?:(?:Guide|Руководство)\s+(?=(?:ISO|IEC|CEI|ИСО|МЭК)[\s/]))?
                 (?:{_INTERNATIONAL})(?=[\s/]|\d|[A-Z]{{2,4}}\s*\d))
      | (?P<cn>(?:GB[TZ]?|GJB|{_SECTOR}|DB\s*\d{{2}}|T\s*/\s*[A-Z]{{2,12}}
                 |Q\s*/\s*(?:\d{{6}}\s*)?[A-Z]{{2,12}})(?=\s*(?:/\s*[TZ])?\s*\d))
      | (?P<cnas>(?:CNAS|CNCA)\s*-?\s*[A-Z]{{1,4}}\s*-?\s*\d)
      | (?P<other>IAF\s*(?:MD|GD|ID|PL|ML|PR)\s*\d|ILAC\s*-?\s*[PGRAB]\s*\d
                  |(?:{_OTHERS})\s*\d{{3}})
    )""",
    re.X,
)
# the characters a designation can run over after its start (no Chinese, no sentence marks)
_BODY = re.compile(r"[A-Za-zА-Яа-яЁё0-9/\-‐‑–—:：.+ \t()（）]{0,60}")
# the Directives are written out with commas: ISO/IEC Directives, Part 1, Consolidated ISO
# Supplement, 2023
_DIRECTIVES_BODY = re.compile(
    r"(?:ISO\s*/\s*IEC|ISO|IEC)\s+Directives\b[A-Za-z0-9/\-–—:：.+ ,]{0,70}"
    # and in Chinese and Japanese: ISO/IEC导则 第1部分, ISO/IEC専門業務用指針 第1部
    r"|ISO\s*/\s*IEC\s*(?:导则|導則|専門業務用指針)(?:\s*第\s*\d\s*部分?)?")
# prefix ends: after a run of letters or digits, or a closing bracket
_ENDS = re.compile(r"[A-Za-zА-Яа-яЁё]+|\d+|[)）]|导则|導則|指針|部分?")
_GOVERNMENT = re.compile(
    r"(?P<organ>[\u4e00-\u9fff]{1,8})\s*[〔\[［(（]\s*(?:19|20)\d\d\s*[〕\]］)）]\s*\d+\s*[号號]"
)
# announcements and orders numbered by year: 国家认监委2019年第12号公告, 市场监管总局令第31号
_ORGAN = r"[\u4e00-\u9fff]{1,6}?(?:委|局|部|会|院|署|办|厅|中心)"
_NUMBERED = r"(?:19|20)\d\d\s*年\s*第\s*\d+\s*[号號]"
#: An announcement's number in brackets after its title: 《…的公告》(2015年第30号).
_TITLED_NUMBER = re.compile(rf"公告\s*》\s*[(（]\s*(?P<n>{_NUMBERED})\s*[)）]")
#: Letters numbered by an office's word (字) as in Taiwan: 衛授食字第1101108308號.
_LETTER = r"(?:[A-Z]{2,6})?[\u4e00-\u9fff]{1,6}字第\s*\d{3,12}\s*[号號]"
_ANNOUNCEMENT = re.compile(  # an organ or the word 公告 must be there: not a bulletin's issue
    rf"(?:{_ORGAN}\s*(?:公告\s*)?|公告\s*){_NUMBERED}(?:公告)?|{_NUMBERED}公告"
    rf"|{_ORGAN}令\s*第\s*\d+\s*[号號]|{_LETTER}")
# words that precede an issuing organ's abbreviation but are not part of it
_GOVERNMENT_LEAD = re.compile(r"^(?:根据|根據|依据|依據|按照|参照|參照|关于|關於|印发|印發"
                              r"|转发|轉發|见|見|据|據|和|与|與|及|的|按)+")
_BARE_COMMITTEE = re.compile(
    r"(?<![A-Za-z0-9/])(?P<kind>TC|PC|JTC|SC|WG)\s*(?P<n>\d{1,4})(?!\d)")
_IAF = re.compile(r"(?<![A-Za-z])IAF(?![A-Za-z])")
_BARE_IAF = re.compile(r"(?<![A-Za-z0-9/\-])(?P<series>MD|GD|ID|PL)\s*(?P<n>\d{1,2})"
                       r"(?![\d.:A-Za-z])")
_BARE_CNAS = re.compile(r"(?<![A-Za-z0-9\-/])(?P<code>CC|CL|RC|GL|AL|EC|PD|RL|SC)(?P<n>\d{2,3})"
                        r"(?![\dA-Za-z])")
#: What makes a number an amount, a count, a date or a notice number: 9001 元, 9001 号,
#: 2500 employees.
_QUANTITY = (r"(?!\s*(?:元|万|円|号|號|年|月|日|%|％|人|家|个|個|项|項|次|份|张|張|page|pp\b"
             r"|employees|people|persons|staff|members|companies|firms|times|days|hours"
             r"|units|pieces|participants))")
#: A bare number, not an amount, a count, a date or a notice number (¥9001, 9001 元, 9001 号).
_BARE_NUMBER = re.compile(
    r"(?<![A-Za-z0-9/\-.:：￥¥$€£#№])(?P<n>\d{3,5}(?:-\d{1,3})*)(?![\d\-:：A-Za-z]|\.\d)"
    + _QUANTITY)
#: The Hong Kong Accreditation Service's documents by its Chinese name: 《认可处002》 is HKAS 002.
_HKAS_CHINESE = re.compile(r"(?:香港)?(?:认可处|認可處)\s*(?P<n>0\d\d)(?!\d)")
_PROGRAMME = re.compile(
    r"(?<![A-Za-z0-9])(?:" + "|".join(re.escape(p) for p in PROGRAMMES) + r")(?![A-Za-z0-9])")
_ACCREDITATION = re.compile(r"认可|CNAS|accredit", re.I)
_CJK = re.compile(r"[\u4e00-\u9fff]")
#: A title beside a designation: in 《…》, or in what stands for them when the input method is
#: in English mode (<<…>>, «…»); after it also in Taiwan's and Japan's 「…」 and 『…』.
_TITLE_AFTER = re.compile(r"\s*(?:《(?P<title>[^《》]{1,80})》|<<(?P<ascii>[^<>]{1,80})>>"
                          r"|«(?P<guillemets>[^«»]{1,80})»|「(?P<corner>[^「」]{1,80})」"
                          r"|『(?P<white>[^『』]{1,80})』)")
_TITLE_BEFORE = re.compile(r"(?:《(?P<title>[^《》]{1,80})》|<<(?P<ascii>[^<>]{1,80})>>"
                           r"|«(?P<guillemets>[^«»]{1,80})»)\s*[(（]?\s*$")


@dataclass(frozen=True)
class Mention:
    """A designation-like string in a text: where, as written, what it is, what it names."""

    start: int
    end: int
    as_written: str
    kind: str  # one of KINDS
    canonical: str | None = None  # the standard, draft or committee it names
    title: str | None = None  # the title written beside it (《…》)
    note: str | None = None  # how it was read, e.g. "resolved from context"


@dataclass
class Context:
    """What earlier text of the same document said, for a text read in pieces: numbers of
    the designations seen, committees seen, whether it is about accreditation."""

    numbers: dict[str, str] = field(default_factory=dict)  # "17021-4" -> work
    committees: dict[str, str] = field(default_factory=dict)  # "PC302" -> "ISO/PC 302"
    accreditation: bool = False
    iaf: bool = False  # the text names the IAF: "MD 22", "ID9" are its documents
    committee: str | None = None  # the last committee named in full (for a bare "WG 18")


def find(text: str, context: Context | None = None, offset: int = 0) -> list[Mention]:
    """Every mention in ``text``, in order of position.

    :param context: carried from piece to piece when a long text is read in pieces (it is
        updated); ``offset`` is added to the spans.
    """
    context = context if context is not None else Context()
    original, text = text, text.translate(_HALF_WIDTH)  # same length: spans stay valid
    if "一" in text or "、" in text:
        text = _POSITIONAL.sub(lambda m: "-" if m.group() == "一" else "/", text)
    found: list[Mention] = []
    taken = bytearray(len(text))  # characters already inside a mention

    def add(mention: Mention) -> None:
        if any(taken[mention.start:mention.end]):
            return
        taken[mention.start:mention.end] = b"\x01" * (mention.end - mention.start)
        found.append(mention)

    # the designations found, parsed while the parser's cache still holds them: the passes
    # after this one read them again (in a notice of 100 000 citations that cache turns over)
    parsed = _Parsed()
    previous: Mention | None = None
    for mention in _designations(text):
        mention = _shared_year(text, previous, _edition_year(text, _impossible_year(mention)))
        add(mention)
        previous = mention
        parsed.note(mention)
        for listed in _listed_after(text, mention):
            add(listed)
            parsed.note(listed)
    for match in _GOVERNMENT.finditer(text):
        lead = _GOVERNMENT_LEAD.match(match.group("organ"))
        start = match.start() + (lead.end() if lead else 0)
        add(Mention(start, match.end(), text[start:match.end()], "government-document"))
    for match in _TITLED_NUMBER.finditer(text):  # 《…公告》(2015年第30号)
        add(Mention(match.start("n"), match.end("n"), match.group("n"), "government-document"))
    for match in _ANNOUNCEMENT.finditer(text):
        lead = _GOVERNMENT_LEAD.match(match.group())
        start = match.start() + (lead.end() if lead else 0)
        add(Mention(start, match.end(), text[start:match.end()], "government-document"))
    committees = context.committees
    committees.update({m.canonical.split("/")[-1].replace(" ", ""): m.canonical
                       for m in found if m.kind == "committee" and m.canonical})
    full = sorted((m for m in found if m.kind == "committee" and m.canonical),
                  key=lambda m: m.start)
    full_ends = [m.end for m in full]  # in order too: mentions do not overlap
    for match in _BARE_COMMITTEE.finditer(text):
        short = f"{match.group('kind')}{match.group('n')}"
        if match.group("kind") == "WG":  # a working group of the committee named before it
            named = bisect.bisect_right(full_ends, match.start())
            parent = full[named - 1].canonical if named else context.committee
            if parent and "/WG" not in parent:
                add(Mention(match.start(), match.end(), match.group(), "committee",
                            f"{parent}/WG {match.group('n')}",
                            note=f"a working group of {parent}"))
            continue
        add(Mention(match.start(), match.end(), match.group(), "committee",
                    committees.get(short), note="committee named without its organisation"))
    if full:
        context.committee = full[-1].canonical
    # codes written without their organisation, in a text about it: CC121, MD 22
    context.iaf = context.iaf or bool(_IAF.search(text))
    context.accreditation = context.accreditation or bool(_ACCREDITATION.search(text))
    for about, pattern, form, why in (
            (context.iaf, _BARE_IAF, "IAF {series} {n}", "a text about the IAF"),
            (context.accreditation, _BARE_CNAS, "CNAS-{code}{n}", "a text about accreditation"),
            (True, _HKAS_CHINESE, "HKAS {n}", "认可处 is the Hong Kong Accreditation Service")):
        for match in pattern.finditer(text) if about else ():
            canonical = form.format(**match.groupdict())
            add(Mention(match.start(), match.end(), match.group(), "standard", canonical,
                        note=f"read as {canonical} ({why})"))
    _bare_amendments(text, found, add, parsed)
    for match in _PROGRAMME.finditer(text):
        add(Mention(match.start(), match.end(), match.group(), "other",
                    note="a model or programme, not a standard"))
    _resolve_bare_numbers(text, found, add, context.numbers, parsed)
    found = [replace(m, as_written=original[m.start:m.end]) if m.as_written !=
             original[m.start:m.end] else m for m in found]
    if original != text:  # titles as written too (the folded text has the same length)
        found = [replace(m, title=_title(original, m.start, m.end)) if m.title else m
                 for m in found]
    found.sort(key=lambda m: m.start)
    if offset:
        found = [replace(m, start=m.start + offset, end=m.end + offset) for m in found]
    return found


class _Parsed(dict):
    """Canonical designation -> :class:`Designation`, for one text."""

    def __missing__(self, canonical: str) -> Designation:
        designation = self[canonical] = parse(canonical)
        return designation

    def note(self, mention: Mention) -> None:
        """Keep a found standard's or draft's designation."""
        if mention.kind in ("standard", "draft") and mention.canonical \
                and mention.canonical not in self:
            self[mention.canonical] = parse(mention.canonical)


def _designations(text: str) -> Iterator[Mention]:
    """Standards, drafts and committees that start with a publisher or code."""
    position = 0
    while True:
        start = _START.search(text, position)
        if start is None:
            return
        mention = _longest(text, start.start())
        if mention is None:
            position = start.end()
            continue
        yield mention
        position = mention.end


#: A number listed after a designation, its publisher left out: ``ISO 9001、14001 和 45001``,
#: ``ISO 9001:2015/14001:2015``, ``GB/T 19001、19011``, ``ISO 9001, 14001 and 45001``.
_LISTED = re.compile(
    r"\s*(?:[/、,，;；&]|和|及|与|與|以及|or|and)\s*"
    r"(?P<w>(?P<n>\d{4,5}(?:-\d{1,3})*)(?:\s*[:：]\s*(?P<y>(?:19|20)\d\d)|-(?P<cy>(?:19|20)\d\d))?)"
    r"(?![\d\-:：A-Za-z]|\.\d)" + _QUANTITY)  # a full stop ends it, "60950-1.2" does not


def _listed_after(text: str, mention: Mention) -> Iterator[Mention]:
    """Numbers listed after a designation with its publisher left out:
    ``ISO9001/14001/45001`` cites ISO 14001 and ISO 45001 too."""
    if mention.kind != "standard" or not mention.canonical:
        return
    designation = parse(mention.canonical)
    if designation.scheme not in ("iso", "iec", "cn-national", "cn-sector") \
            or designation.supplements:
        return
    prefix = mention.canonical[:mention.canonical.index(designation.number,
                                                          len(designation.publisher))]
    position = mention.end
    other = _OTHER_EDITION.match(text, position) if designation.year else None
    if other and designation.is_international and int(other.group("y")) != designation.year:
        # "ISO 9001:2008/2015": both editions
        edition = replace(designation, year=int(other.group("y"))).canonical
        yield Mention(other.start("y"), other.end("y"), other.group("y"), "standard", edition,
                      note=f"another edition of {designation.work.canonical}")
        return
    while (match := _LISTED.match(text, position)) and \
            not re.fullmatch(r"(19|20)\d\d", match.group("n")):
        year = match.group("y") or match.group("cy")
        if bool(year) != bool(designation.year) or (
                match.group("cy") and not designation.scheme.startswith("cn-")):
            return  # "ISO 9001:2008/2015" is two editions, not a list
        written = prefix + match.group("n") + (
            "" if not year else f"-{year}" if designation.scheme.startswith("cn-") else f":{year}")
        try:
            canonical = parse(written).canonical
        except DesignationError:
            return
        yield Mention(match.start("w"), match.end("w"), match.group("w"), "standard",
                      canonical, note=f"listed after {mention.as_written}")
        position = match.end()


_OTHER_EDITION = re.compile(r"\s*/\s*(?P<y>(?:19|20)\d\d)(?![\d\-.:：A-Za-z])")

#: An edition year written before or after an undated designation: ``2015版ISO 9001``,
#: ``ISO 9001（2015版）``, ``the 2015 version of ISO 9001``, ``ISO 9001 (2015 edition)``.
_YEAR_BEFORE = re.compile(
    r"(?P<y>(?:19|20)\d\d)\s*(?:年\s*)?(?:版|版本)\s*(?:的\s*)?(?:标准\s*|標準\s*)?$"
    r"|(?P<ye>(?:19|20)\d\d)\s+(?:version|edition|revision)\s+of\s+(?:the\s+)?$"
    # published in that year (and month): 2018年12月公布ISO 14064-1, 於2013年公布碳足跡ISO/TS 14067
    r"|(?P<yp>(?:19|20)\d\d)\s*年\s*(?:\d{1,2}\s*月\s*(?:\d{1,2}\s*日\s*)?)?"
    r"(?:正式\s*)?(?:公布|公告|发布|發布|出版|颁布|頒布)\s*(?:了|的)?\s*[\u4e00-\u9fff]{0,6}$",
    re.I)
_YEAR_AFTER = re.compile(
    r"\s*[/(（]?\s*(?P<y>(?:19|20)\d\d)\s*(?:年\s*)?(?:版|版本)"
    r"|\s*\(?\s*(?P<ye>(?:19|20)\d\d)\s+(?:version|edition|revision)\b"
    # a year of the Republic of China, as Taiwan writes editions: CNS 15630(108年版) is 2019
    r"|\s*[(（]?\s*(?P<roc>[4-9]\d|1[0-4]\d)\s*年\s*(?:版|版本)", re.I)
#: A title in corner brackets between a designation and its edition: CNS 15630「…」(108年版).
_BRACKETED_TITLE = re.compile(r"\s*[「《][^」》]{1,120}[」》]")
#: IEC's editions counted in words after an undated designation: IEC 60601-1, 3rd edition;
#: IEC 62368-1, Edition No. 2; IEC 60065 (8th edition).
_EDITION_AFTER = re.compile(
    r"\s*[,(（]?\s*(?:(?P<n>\d{1,2})(?:st|nd|rd|th)\s+edition\b"
    r"|edition\s+(?:no\.?\s*)?(?P<m>\d{1,2})\b|第\s*(?P<c>\d{1,2})\s*版)", re.I)
#: Words that join a listed designation to the one before it (2019年4月公告ISO 14064-2以及ISO
#: 14064-3: both of that year).
_LIST_JOIN = re.compile(r"\s*(?:、|,|，|和|及|以及|與|与|and|&)\s*"
                        # or after the first one's Chinese title: ISO 14064-2計畫…,以及ISO 14064-3
                        r"|[\u4e00-\u9fff、，,\s]{1,60}?(?:以及|及|和|與|与)\s*", re.I)


#: A draft stage written after an undated designation: ``ISO/IEC 17025 (FDIS版)``,
#: ``ISO 45001（DIS稿）``, ``ISO 9001 (CD draft)``.
_STAGE_AFTER = re.compile(
    r"\s*[(（]\s*(?P<stage>FDIS|DIS|CD|WD|AWI|NP|PWI)\s*(?:版|稿|草案|version|draft)?\s*[)）]")


def _shared_year(text: str, previous: Mention | None, mention: Mention) -> Mention:
    """An undated designation listed right after one whose year was written before it
    shares that year: 2019年4月公告ISO 14064-2以及ISO 14064-3."""
    if previous is None or not (previous.note or "").endswith("written before the designation") \
            or mention.kind != "standard" or not mention.canonical \
            or not _LIST_JOIN.fullmatch(text, previous.end, mention.start):
        return mention
    designation = parse(mention.canonical)
    if designation.year or designation.supplements or not designation.is_international:
        return mention
    year = parse(previous.canonical).year
    return replace(mention, canonical=replace(designation, year=year).canonical,
                   note=f"edition year {year} written before the list")


#: An amendment named without its base: Amendment 1:2012, the Amendment 1, Am. 2, Amd 1.
_BARE_AMENDMENT = re.compile(
    r"(?<![A-Za-z0-9/+])(?:Amendment|Amd\.?|Am\.)\s*(?P<n>\d{1,2})(?![\d.])"
    r"(?:\s*:\s*(?P<y>(?:19|20)\d\d)(?!\d))?")


def _bare_amendments(text: str, found: list[Mention], add, parsed: _Parsed) -> None:
    """An amendment named without its base amends the ISO or IEC document named nearest
    before it (or, if none, after it) in the same text, in the edition the text dates."""
    bases = sorted((m for m in found if m.kind == "standard" and m.canonical),
                   key=lambda m: m.start)
    dated: dict[tuple[str, str], set[int]] = {}  # (work, number) -> years the text gives
    years_of_work: dict[Designation, set[int | None]] = {}  # years the text gives its editions
    for m in bases:
        d = parsed[m.canonical]
        years_of_work.setdefault(d.work, set()).add(d.year)
        if d.supplements and d.supplements[0].type == "Amd" and d.supplements[0].year:
            dated.setdefault((d.work.canonical, d.supplements[0].number), set()).add(
                d.supplements[0].year)
    matches = list(_BARE_AMENDMENT.finditer(text))
    if not matches:
        return
    starts, ends = [m.start for m in bases], [m.end for m in bases]
    # mentions do not overlap, so in order of start they are in order of end too
    in_order = all(a <= b for a, b in zip(ends, ends[1:], strict=False))
    given: dict[str, set[int]] = {}  # amendment number -> years written with it
    for m in matches:
        if m.group("y"):
            given.setdefault(m.group("n"), set()).add(int(m.group("y")))
    for match in matches:
        if in_order:  # the last base that ends before it, the first that starts after it
            before = bisect.bisect_right(ends, match.start())
            after = bisect.bisect_left(starts, match.end())
            nearest = ([bases[before - 1]] if before else []) + bases[after:after + 1]
        else:
            before_ = [m for m in bases if m.end <= match.start()]
            nearest = before_[-1:] + [m for m in bases if m.start >= match.end()][:1]
        for base in nearest:
            designation = parsed[base.canonical]
            if designation.is_international and not designation.supplements:
                break
        else:
            continue
        if designation.year is None:  # the one edition of that work the text dates, if one
            years = years_of_work.get(designation.work, set()) - {None}
            designation = replace(designation, year=years.pop()) if len(years) == 1 \
                else designation
        key = (designation.work.canonical, match.group("n"))
        if match.group("y"):
            dated.setdefault(key, set()).add(int(match.group("y")))
        years = dated.get(key, set()) | given.get(match.group("n"), set())
        year = int(match.group("y")) if match.group("y") else (
            next(iter(years)) if len(years) == 1 else None)  # the year the text gives it
        amendment = Supplement(type="Amd", number=match.group("n"), year=year)
        canonical = replace(designation, supplements=(amendment,), edition_number=None,
                            version=None).canonical
        add(Mention(match.start(), match.end(), match.group(), "standard", canonical,
                    note=f"an amendment of {designation.canonical}, named without it"))


def _impossible_year(mention: Mention) -> Mention:
    """A standard dated after next year is a misprint (``ISO 14001:2105``): the work, undated,
    so the bulletin shows its current edition, with a note saying why."""
    if mention.kind != "standard" or not mention.canonical:
        return mention
    designation = parse(mention.canonical)
    if not designation.year or designation.year <= date.today().year + 1 \
            or designation.supplements:
        return mention
    return replace(mention, canonical=replace(designation, year=None).canonical,
                   note=f"year {designation.year} cannot be right (a misprint): read undated")


def _edition_year(text: str, mention: Mention) -> Mention:
    """An undated designation whose edition year is written beside it is that edition; one
    whose draft stage is written after it in brackets is that draft."""
    if mention.kind != "standard" or not mention.canonical:
        return mention
    designation = parse(mention.canonical)
    if designation.year or designation.supplements or designation.all_parts:
        return mention
    stage = _STAGE_AFTER.match(text, mention.end)
    if stage:
        draft = replace(designation, stage=stage.group("stage")).canonical
        return replace(mention, kind="draft", canonical=draft,
                       note=f"draft stage {stage.group('stage')} written after the designation")
    if designation.scheme == "iec":
        edition = _EDITION_AFTER.match(text, mention.end)
        if edition:
            number = edition.group("n") or edition.group("m") or edition.group("c")
            return replace(mention, canonical=replace(designation, edition_number=str(
                int(number))).canonical, note=f"edition {number} written after the designation")
    before = _YEAR_BEFORE.search(text, max(0, mention.start - 30), mention.start)
    titled = _BRACKETED_TITLE.match(text, mention.end)
    after = _YEAR_AFTER.match(text, mention.end) or (
        _YEAR_AFTER.match(text, titled.end()) if titled else None)
    found = before or after
    if not found:
        return mention
    if found.groupdict().get("roc"):
        year = int(found.group("roc")) + 1911
    else:
        year = int(found.group("y") or found.group("ye") or found.group("yp"))
    dated = replace(designation, year=year).canonical
    side = "before" if before else "after"
    return replace(mention, canonical=dated,
                   note=f"edition year {year} written {side} the designation")


def _longest(text: str, begin: int) -> Mention | None:
    """The longest designation, committee or government number starting at ``begin``."""
    body = _DIRECTIVES_BODY.match(text, begin) or _BODY.match(text, begin)
    window = text[begin:body.end()]
    ends = sorted({m.end() for m in _ENDS.finditer(window)}, reverse=True)
    for end in ends:
        written = window[:end]
        if written.count("(") + written.count("（") != written.count(")") + \
                written.count("）"):
            continue
        try:
            designation = parse(written)
        except DesignationError as error:
            if error.kind == "committee":
                whole = COMMITTEE_REFERENCE.match(text, begin)
                if whole:
                    written = whole.group().rstrip()
                    return Mention(begin, begin + len(written), written, "committee",
                                   committee(written))
            continue
        if designation.scheme == "cn-sector" and not designation.doctype \
                and not designation.year and not _CJK.search(text, max(0, begin - 20), begin):
            continue  # "GA 20.15" in English text (an ILAC resolution): needs /T or a year
        kind = "draft" if designation.kind == "draft" else "standard"  # a DAmd too
        title = _title(text, begin, begin + end)
        return Mention(begin, begin + end, written, kind, designation.canonical, title)
    return None


def _title(text: str, start: int, end: int) -> str | None:
    """The title in 《…》 right after a designation, or right before it."""
    found = _TITLE_AFTER.match(text, end) or _TITLE_BEFORE.search(
        text, max(0, start - 90), start)
    return next(t for t in found.groups() if t is not None).strip() if found else None


#: A publisher's code right before a number: the number is that publisher's document.
_OTHER_PUBLISHER_BEFORE = re.compile(r"[A-Z]{2,}[A-Za-z0-9./\-]*\s*(?:No\.?\s*)?$")


def _resolve_bare_numbers(text: str, found: list[Mention], add, known: dict[str, str],
                          parsed: _Parsed) -> None:
    """A bare number (``17021-4``) is the document a designation with that number names,
    before or after it in the same text (or in an earlier piece of the same document)."""
    # number as written -> (where it may first be used bare, canonical); earlier pieces: 0
    numbers: dict[str, tuple[int, str]] = {n: (0, work) for n, work in known.items()}
    for mention in sorted(found, key=lambda m: m.start):
        if mention.kind in ("standard", "draft") and mention.canonical:
            designation = parsed[mention.canonical]
            number = designation.number + "".join(f"-{p}" for p in designation.parts)
            if (designation.parts or len(number) >= 4) and number not in numbers:
                # the whole text: a heading may give the bare number before the body names
                # the standard in full
                numbers[number] = (0, designation.work.canonical)
                known[number] = designation.work.canonical
    for match in _BARE_NUMBER.finditer(text):
        if _OTHER_PUBLISHER_BEFORE.search(text, max(0, match.start() - 24), match.start()):
            continue  # "ANSI-UL 62368-1", "CSA C22.2 No 62368-1": another body's document
        seen = numbers.get(match.group("n"))
        if seen and match.start() >= seen[0] and not re.fullmatch(r"(19|20)\d\d", match.group()):
            add(Mention(match.start(), match.end(), match.group(), "standard", seen[1],
                        note=f"resolved from context: {seen[1]}"))
