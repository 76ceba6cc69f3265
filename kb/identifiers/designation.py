"""Standard designations: parse any written form once, render one canonical string.

This is the only module that knows how designations are written.  ``parse`` turns a string
such as ``ISO19011：2011``, ``ISO/IEC TS 17021-4:2013``, ``IEC 60601-1:2005+AMD1:2012`` or
``GB/T19011—2013`` into a :class:`Designation` value object; ``str()`` of that object (and
``normalize``) is the canonical form used as the key everywhere in the knowledge base.

Canonical forms follow what each publisher prints:

* ISO and ISO-led joint documents: ``ISO/DIS 19011``, ``ISO/IEC DTS 17021-4``,
  ``ISO 9001:2015/Amd 1:2024``, ``ISO 8124-1:2022/FDAmd 1``, ``ISO 10993-18:2020/DAmd 1``,
  ``ISO/IEC 18014-2:2021/DCOR 1``, ``ISO 639-1:2002(E)``;
* IEC and CISPR: ``IEC TS 62351-100-4:2023``, ``IEC 60601-1:2005/AMD1:2012``,
  ``IEC 60335-2-78:2002+AMD1:2008 CSV``, drafts ``IEC/DIS 60034-1``;
* Chinese national, sector, local and group standards: ``GB/T 19011-2013``, ``GB 19011``,
  ``LY/T 2603-2016``, ``DB11/T 1234-2015``, ``T/CAS 115-2005``;
* accreditation documents: ``CNAS-CC121``, ``CNAS-RC04:2020``, ``CNCA-C01-01:2014``;
* the ISO/IEC Directives and their supplements: ``ISO/IEC DIR 1 ISO SUP:2023``,
  ``ISO/IEC DIR 1:2022+IEC SUP:2022``, ``ISO/IEC DIR 2 ED9``;
* national and European adoptions in each body's style: ``BS EN ISO 9001:2015``,
  ``PN-EN ISO 9001:2015-10``, ``NEN-EN-ISO 9001``, ``IS/ISO 9001:2015``,
  ``ГОСТ Р ИСО 9001-2015`` (``adopted`` gives the ISO or IEC work).

Strings that look like designations but name something else (committees such as
``ISO/TC 176``, government notices such as ``国认可〔2017〕43 号``) raise
:class:`DesignationError` with a one-line reason.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

__all__ = ["Designation", "DesignationError", "Supplement", "normalize", "parse", "parts",
           "try_parse"]


class DesignationError(ValueError):
    """A string is not a designation; the message says why in one line.

    ``kind`` says what it is instead when that is known: ``committee`` or
    ``government-document``.
    """

    def __init__(self, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind


# --- vocabulary -----------------------------------------------------------------------------

#: Publishers that can lead an international designation.
LEADING_PUBLISHERS = ("ISO", "IEC", "CISPR", "IWA")
#: Organisations that co-publish with ISO or IEC.
CO_PUBLISHERS = (
    "ISO", "IEC", "IEEE", "ASTM", "CIE", "SAE", "HL7", "OECD", "UNDP", "ASME", "IDF", "OIML",
    "IUPAC", "IULTCS", "UNECE", "CEN", "ITU",
)
#: Non-Latin and French spellings of publishers mapped to one identity.
PUBLISHER_ALIASES = {"CEI": "IEC", "ИСО": "ISO", "МЭК": "IEC", "MЭК": "IEC"}

#: Document types, canonical spelling.
DOCTYPES = {
    "TS": "TS", "TR": "TR", "PAS": "PAS", "GUIDE": "Guide", "ISP": "ISP", "R": "R",
    "TTA": "TTA", "IWA": "IWA", "DATA": "DATA", "SRD": "SRD", "DIR": "DIR",
    "ТС": "TS", "ТО": "TR",  # Russian: ИСО/ТС 17021-4, ИСО/ТО 10013
}
#: Draft stages written before (or after) the number, earliest first.
STAGES = ("PWI", "NP", "AWI", "WD", "CD", "CDV", "DIS", "FDIS", "PRF")  # CDV: IEC's enquiry
#: Combined stage+type abbreviations ISO prints (``ISO/DTS 123``).
COMBINED = {
    "DTS": ("DIS", "TS"), "DTR": ("DIS", "TR"), "DPAS": ("DIS", "PAS"),
    "FDTS": ("FDIS", "TS"), "FDTR": ("FDIS", "TR"), "FDPAS": ("FDIS", "PAS"),
    "PDTS": ("CD", "TS"), "PDTR": ("CD", "TR"), "DGUIDE": ("DIS", "Guide"),
    "FDGUIDE": ("FDIS", "Guide"), "DTTA": ("DIS", "TTA"),
}
#: Supplement types, canonical spelling (ISO style).
SUPPLEMENT_TYPES = {
    "AMD": "Amd", "AMENDMENT": "Amd", "COR": "Cor", "CORRIGENDUM": "Cor", "ADD": "Add",
    "ADDENDUM": "Add", "SUPPL": "Suppl", "SUP": "Suppl", "EXT": "Ext", "ISH": "ISH",
    "FRAG": "FRAG",
    "A": "Amd",  # "IEC 60601-1:2005+A1:2012", as test houses write IEC's AMD1 (with a number)
}
#: The Directives' supplements of each organisation, bundled with a part:
#: ``ISO/IEC DIR 1:2022+IEC SUP:2022``.
DIRECTIVE_SUPPLEMENTS = ("ISO SUP", "IEC SUP", "JTC 1 SUP")
#: Draft supplement abbreviations: written form -> (stage, type).  ISO prints DAmd, FDAmd,
#: DCOR and FDCOR today (its pages; Relaton's records still write DAM and FDAM, which are
#: read as the same documents, as are PDAM and DAD of old).
DRAFT_SUPPLEMENTS = {
    "DAM": ("DIS", "Amd"), "DAMD": ("DIS", "Amd"), "FDAM": ("FDIS", "Amd"),
    "FDAMD": ("FDIS", "Amd"), "PDAM": ("CD", "Amd"), "PDAMD": ("CD", "Amd"),
    "DCOR": ("DIS", "Cor"), "FDCOR": ("FDIS", "Cor"), "DAD": ("DIS", "Add"),
    "FDAD": ("FDIS", "Add"),
}
#: IEC publication versions printed after the designation.
_DIRECTIVE_VERSIONS = ("ISO SUP", "IEC SUP", "JTC 1 SUP", "ISO", "IEC", "SUP")
VERSIONS = (
    *_DIRECTIVE_VERSIONS,  # the Directives' editions and supplements: after DIR only
    "EXV-CMV", "EXV-RLV", "CSV", "RLV", "EXV", "CMV", "SER", "DB", "PRV",
)

#: The IEC's conformity assessment systems (scheme "iec-ca"), as each spells its name, and how
#: each joins its operational documents' number: IECEE OD-2039, IECRE OD-501, IECEx OD 009,
#: IECQ OD 3702.  Their rules and publications are numbered: IECEE 01:2023, IECEx 02,
#: IECQ 03-1:2020, IECQ 001002-1:1998, IECQ QC 080000:2017.
CONFORMITY_SYSTEMS = {"IECEE": "-", "IECRE": "-", "IECEx": " ", "IECQ": " "}

#: Chinese sector (industry) standard codes (行业标准代号), after the SAC list.
CN_SECTOR_CODES = frozenset(
    """AQ BB CB CH CJ CY DA DL DZ EJ FZ GA GH GM GY HB HG HJ HS HY JB JC JG JR JT JY LB LD LS
    LY MH MT MZ NB NY QB QC QJ QX RB SB SC SH SJ SL SN SW SY TB TD TY WB WH WJ WM WS WW XB XF
    YB YC YD YJ YS YY YZ ZY GD DY KA""".split()
)
#: Other publishers whose documents are cited beside ISO and GB ones (scheme "other"); their
#: designations are read as PUBLISHER NUMBER[-PART][:YEAR] and never resolved further.
OTHER_PUBLISHERS = ("BS OHSAS", "OHSAS", "IATF", "SA", "IAF MD", "IAF GD", "IAF ID", "IAF PL",
                    "IAF ML", "IAF PR", "BS EN", "EN", "BS", "DIN", "ANSI", "AS/NZS", "JIS",
                    "JJF", "JJG", "HKAS", "HOKLAS", "HKCAS", "HKIAS", "CNS", "ANSI/UL",
                    "CSA/UL", "UL")
#: National and regional bodies that adopt ISO and IEC documents under their own prefix
#: (scheme "adoption"), with the joiners each prints before EN and before the international
#: publisher: ``BS EN ISO 9001:2015``, ``PN-EN ISO 9001:2015-10``, ``NEN-EN-ISO 9001``,
#: ``DS/EN ISO 9001``, ``IS/ISO 9001:2015``, ``ГОСТ Р ИСО 9001-2015``.
ADOPTING_BODIES: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("BS", "DIN", "NF", "UNI", "ÖNORM", "SN", "ČSN", "CSN", "I.S.", "NBN",
                     "LST", "BDS", "SIST", "STN", "MSZ", "ГОСТ Р", "ГОСТ", "СТБ", "ДСТУ",
                     "GOST R", "GOST", "AS/NZS", "AS", "KS Q", "ABNT NBR", "NBR", "SANS",
                     "SNI", "TCVN", "MS", "CSA", "PD", "DD", "EN"), (" ", " ")),
    **dict.fromkeys(("UNE", "PN", "SS", "NS", "SFS", "EVS"), ("-", " ")),
    "NEN": ("-", "-"), "DS": ("/", " "), "IS": ("", "/"), "CAN/CSA": ("-", "-"),
}
#: Bodies that write the year after a hyphen: ГОСТ Р ИСО 9001-2015.
_HYPHEN_YEAR_BODIES = frozenset({"ГОСТ Р", "ГОСТ", "СТБ", "GOST R", "GOST"})
#: Parts of large ISO series whose part numbers look like years; never read "-1998" as a year.
_YEARLIKE_PART_SERIES = frozenset({"10303", "13584", "15926", "8000", "80000", "14496"})

_COMMITTEE_KINDS = {
    "TC": "technical committee", "PC": "project committee", "SC": "subcommittee",
    "JTC": "joint technical committee", "JWG": "joint working group", "WG": "working group",
    "SYC": "systems committee", "TMB": "Technical Management Board",
    "SMB": "Standardization Management Board", "CASCO": "committee on conformity assessment",
    "COPOLCO": "committee on consumer policy", "DEVCO": "committee on developing countries",
    "REMCO": "committee on reference materials", "AG": "advisory group",
}


# --- the value objects -----------------------------------------------------------------------


def _memo(method):
    """A property computed once per (immutable) designation; cheaper than cached_property."""
    slot = "_memo_" + method.__name__

    def get(self):
        try:
            return self.__dict__[slot]
        except KeyError:
            value = method(self)
            object.__setattr__(self, slot, value)
            return value

    get.__doc__ = method.__doc__
    return property(get)



@dataclass(frozen=True)
class Supplement:
    """An amendment, corrigendum, addendum or other supplement to a base document."""

    type: str  # Amd, Cor, Add, Suppl, Ext, ISH, FRAG
    number: str | None = None
    year: int | None = None
    stage: str | None = None  # draft stage (WD, CD, DIS, FDIS, AWI, ...) or None if published
    iteration: str | None = None
    consolidated: bool = False  # IEC "+AMD1:2012": part of a consolidated version

    def render(self, style: str) -> str:
        """Render with the separator, in ``iso`` or ``iec`` style."""
        if self.stage is None and style == "iec":
            kind = self.type.upper()
            text = kind + (self.number or "")
        else:
            if self.stage in ("DIS", "FDIS") and self.type in ("Amd", "Cor", "Add"):
                # as ISO prints them today: DAmd, FDAmd, DCOR, FDCOR (and DAD of old)
                short = {"Amd": "Amd", "Cor": "COR", "Add": "AD"}[self.type]
                head = ("D" if self.stage == "DIS" else "FD") + short
            elif self.stage:
                head = f"{self.stage} {self.type}"
            else:
                head = self.type
            text = head + (f" {self.number}" if self.number else "")
        if self.iteration:
            text += f".{self.iteration}"
        if self.year:
            text += f":{self.year}"
        return ("+" if self.consolidated else "/") + text


@dataclass(frozen=True)
class Designation:
    """A parsed designation; ``str()`` gives the canonical form."""

    publisher: str
    number: str
    copublishers: tuple[str, ...] = ()
    doctype: str | None = None  # TS, TR, PAS, Guide, ...; Chinese: T (推荐) or Z (指导)
    stage: str | None = None  # draft stage of the document itself
    parts: tuple[str, ...] = ()
    sheet: str | None = None  # IEC's old sheets of a part: IEC 60695-2-1/1:1994
    iteration: str | None = None
    year: int | None = None
    supplements: tuple[Supplement, ...] = ()
    version: str | None = None  # IEC CSV, RLV, ...
    version_at: int = 0  # how many supplements come before the version
    languages: tuple[str, ...] = ()
    scheme: str = "iso"  # iso, iec, cn-national, cn-sector, cn-local, cn-group,
    #                      cn-enterprise, cnas, cnca, ilac, other (OTHER_PUBLISHERS)
    all_parts: bool = False  # "ISO 10303 (all parts)", "GB/T 5606 (all parts)"
    edition_number: str | None = None  # IEC's "ED4" suffix: IEC TR 63283-5 ED1

    # renderings ---------------------------------------------------------------------------
    def __str__(self) -> str:
        return self.canonical

    @_memo
    def canonical(self) -> str:
        """The one canonical string for this designation."""
        if self.scheme in ("iso", "iec"):
            text = _render_international(self)
        else:
            text = _render_other(self)
        return text + " (all parts)" if self.all_parts else text

    @property
    def style(self) -> str:
        return "iec" if self.scheme == "iec" else "iso"

    # derived identities -------------------------------------------------------------------
    @_memo
    def edition(self) -> Designation:
        """The document itself, without language codes (the key of an edition)."""
        return replace(self, languages=())

    @_memo
    def work(self) -> Designation:
        """The work across editions: no stage, year, iteration, supplements or language."""
        return Designation(
            publisher=self.publisher, number=self.number, copublishers=self.copublishers,
            doctype=self.doctype, parts=self.parts, sheet=self.sheet, scheme=self.scheme,
        )

    @_memo
    def base(self) -> Designation | None:
        """For a supplement, the document it supplements; otherwise None."""
        if not self.supplements:
            return None
        return replace(
            self, supplements=self.supplements[:-1], languages=(),
            version=self.version if self.version_at < len(self.supplements) else None,
            version_at=min(self.version_at, len(self.supplements) - 1),
        )

    @property
    def kind(self) -> str:
        """``standard``, ``draft``, ``amendment``, ``corrigendum`` or ``supplement``."""
        if self.supplements:
            last = self.supplements[-1]
            if last.stage:
                return "draft"
            return {"Amd": "amendment", "A": "amendment", "Cor": "corrigendum",
                    "AC": "corrigendum"}.get(last.type, "supplement")
        return "draft" if self.stage else "standard"

    @property
    def draft_stage(self) -> str | None:
        """The draft stage of the document (or of its last supplement), if it is a draft."""
        if self.supplements:
            return self.supplements[-1].stage
        return self.stage

    @property
    def is_dated(self) -> bool:
        return self.year is not None

    @property
    def is_international(self) -> bool:
        return self.scheme in ("iso", "iec")

    @_memo
    def adopted(self) -> Designation | None:
        """For a national or European adoption, the ISO or IEC work it adopts:
        ``BS EN ISO 9001:2015`` → ``ISO 9001``; otherwise None.  Which edition is adopted
        is the adopting body's fact (ГОСТ ISO/IEC 17025-2019 adopts the 2017 edition), not
        part of the designation."""
        if self.scheme != "adoption":
            return None
        intl = re.search(r"(?:ISO|IEC|ИСО|МЭК)(?:/\S+)?$", self.publisher).group()
        try:
            return parse(f"{intl} {self.number}" + "".join(f"-{p}" for p in self.parts))
        except DesignationError:
            return None

    @property
    def publishers(self) -> tuple[str, ...]:
        return (self.publisher, *self.copublishers)


# --- rendering -------------------------------------------------------------------------------


def _render_international(d: Designation) -> str:
    pubs = "/".join(d.publishers)
    tokens: list[str] = []
    if d.stage and d.doctype in ("TS", "TR", "PAS", "Guide") and d.stage in ("DIS", "FDIS"):
        tokens.append(("D" if d.stage == "DIS" else "FD") + d.doctype)
    else:
        if d.stage:
            tokens.append(d.stage)
        if d.doctype:  # IEC prints its guides in capitals: IEC GUIDE 112
            tokens.append("GUIDE" if d.doctype == "Guide" and d.scheme == "iec" else d.doctype)
    if d.doctype == "IWA" and d.publisher == "ISO" and not d.copublishers:
        head = " ".join(tokens)  # "IWA 1", "CD IWA 3"
    elif not tokens:
        head = pubs
    elif d.copublishers:
        head = f"{pubs} {' '.join(tokens)}"
    elif d.scheme == "iso":
        head = f"{pubs} {tokens[0]}" if tokens == ["Guide"] else f"{pubs}/{' '.join(tokens)}"
    else:  # IEC, CISPR: types after a space, drafts after a slash
        head = f"{pubs}/{' '.join(tokens)}" if d.stage else f"{pubs} {' '.join(tokens)}"
    text = f"{head} {d.number}" if d.number else head  # "ISO/IEC DIR IEC SUP"
    if d.parts:
        text += "-" + "-".join(d.parts)
    if d.sheet:
        text += f"/{d.sheet}"
    if d.iteration:
        text += f".{d.iteration}"
    directives = d.doctype == "DIR" and d.version and not d.supplements
    if d.year and not directives:
        text += f":{d.year}"
    for i, supplement in enumerate(d.supplements):
        if d.version and d.version_at == i:
            text += f" {d.version}"
        text += supplement.render(d.style)
    if d.version and d.version_at >= len(d.supplements):
        text += f" {d.version}"
    if d.year and directives:  # the Directives' year follows the part: DIR 1 ISO SUP:2022
        text += f":{d.year}"
    if d.edition_number:
        text += f" ED{d.edition_number}"
    if d.languages:
        sep = "/" if all(len(code) == 1 for code in d.languages) else ","
        text += f"({sep.join(d.languages)})"
    return text


def _render_other(d: Designation) -> str:
    if d.scheme == "iec-ca":  # IECEE OD-2039, IECEx OD 009, IECQ 03-1:2020(en)
        kind = (f"OD{CONFORMITY_SYSTEMS[d.publisher]}" if d.doctype == "OD"
                else f"{d.doctype} " if d.doctype else "")
        text = f"{d.publisher} {kind}{d.number}" + "".join(f"-{p}" for p in d.parts)
        text += f":{d.year}" if d.year else ""
        sep = "/" if all(len(code) == 1 for code in d.languages) else ","
        return text + (f"({sep.join(d.languages)})" if d.languages else "")
    if d.scheme == "adoption":
        return _render_adoption(d)
    if d.scheme == "ilac":  # the issue is month/year: ILAC-P15:05/2020
        return f"ILAC-{d.doctype}{d.number}" + (f":{d.iteration}/{d.year}" if d.year else "")
    if d.scheme in ("cn-group", "cn-enterprise"):
        text = f"{'T' if d.scheme == 'cn-group' else 'Q'}/{d.publisher} {d.number}"
    elif d.scheme in ("cnas", "cnca"):
        text = f"{d.publisher}-{d.number}"
    elif d.scheme == "other":
        text = f"{d.publisher}{'' if d.publisher == 'SA' else ' '}{d.number}"
        if d.parts and d.publisher in ("JJF", "JJG"):  # Chinese metrology: JJF 1059.1-2012
            text += "." + ".".join(d.parts)
            return text + (f"-{d.year}" if d.year else "")
    else:
        code = d.publisher + (f"/{d.doctype}" if d.doctype else "")
        text = f"{code} {d.number}"
    if d.parts:
        text += "." + ".".join(d.parts) if d.scheme.startswith("cn-") else "-" + "-".join(d.parts)
    if d.year:
        colon = d.scheme in ("cnas", "cnca") or d.scheme == "other" and d.publisher not in (
            "JJF", "JJG")
        text += f":{d.year}" if colon else f"-{d.year}"
    return text + "".join(s.render("iec") for s in d.supplements)


def _render_adoption(d: Designation) -> str:
    text = f"{d.publisher} {d.number}" + "".join(f"-{p}" for p in d.parts)
    if d.year:
        body = _adoption_body(d.publisher)
        text += ("-" if body in _HYPHEN_YEAR_BODIES else ":") + str(d.year)
        if d.iteration:  # the month DIN and PN print: DIN EN ISO 9001:2015-11
            text += f"-{d.iteration}"
    return text + "".join(s.render("iec") for s in d.supplements)


def _adoption_body(prefix: str) -> str:
    return max((b for b in ADOPTING_BODIES if prefix.startswith(b)), key=len)


# --- parsing ---------------------------------------------------------------------------------

_ALL_PARTS = re.compile(r"\s*[(（]\s*(?:all parts|所有部分)\s*[)）]$", re.I)

#: The characters read as a designation's colon, hyphen, slash or space: what Chinese and
#: Japanese input methods, word processors, file names and PDFs put in their place.  Each
#: code point maps to the ASCII character it stands for ("" for one read as nothing).  NFKC
#: folds some of them too (marked *); they are listed so that the table is the whole answer.
#: Any other Unicode white space (``\s``: U+00A0, U+2000–U+200A, U+202F, U+205F, U+3000 …)
#: is a space.  Two are read by position only (:data:`_BETWEEN`): 一 (U+4E00, and ⼀ U+2F00)
#: between digits is a dash (Chinese OCR: GB/T 19001一2016), and 、 (U+3001) between Latin
#: letters is a slash (the slash and backslash keys of a Chinese input method: GB、T 19001).
LOOKALIKES: dict[str, str] = {
    # colons
    "\uff1a": ":",  # ： FULLWIDTH COLON* (Chinese and Japanese input methods)
    "\u2236": ":",  # ∶ RATIO (Chinese input methods' 比号, Word's symbol table)
    "\ufe55": ":",  # ﹕ SMALL COLON*
    "\ufe13": ":",  # ︓ PRESENTATION FORM FOR VERTICAL COLON* (vertical text)
    "\ua789": ":",  # ꞉ MODIFIER LETTER COLON (file names: Windows forbids ':')
    "\u02d0": ":",  # ː MODIFIER LETTER TRIANGULAR COLON (OCR, PDF fonts)
    "\u02f8": ":",  # ˸ MODIFIER LETTER RAISED COLON
    "\u0589": ":",  # ։ ARMENIAN FULL STOP (a colon glyph in some PDF fonts)
    "\u05c3": ":",  # ׃ HEBREW PUNCTUATION SOF PASUQ (likewise)
    "\u205a": ":",  # ⁚ TWO DOT PUNCTUATION
    "\u2982": ":",  # ⦂ Z NOTATION TYPE COLON
    # hyphens and dashes
    "\u2010": "-",  # ‐ HYPHEN
    "\u2011": "-",  # ‑ NON-BREAKING HYPHEN (word processors)
    "\u2012": "-",  # ‒ FIGURE DASH
    "\u2013": "-",  # – EN DASH (word processors' autocorrect)
    "\u2014": "-",  # — EM DASH (GB/T 19001—2016, as GB prints the year)
    "\u2015": "-",  # ― HORIZONTAL BAR (Chinese input methods' ——)
    "\u2212": "-",  # − MINUS SIGN
    "\u207b": "-",  # ⁻ SUPERSCRIPT MINUS*
    "\u208b": "-",  # ₋ SUBSCRIPT MINUS*
    "\uff0d": "-",  # － FULLWIDTH HYPHEN-MINUS*
    "\ufe63": "-",  # ﹣ SMALL HYPHEN-MINUS*
    "\ufe58": "-",  # ﹘ SMALL EM DASH*
    "\ufe31": "-",  # ︱ PRESENTATION FORM FOR VERTICAL EM DASH*
    "\ufe32": "-",  # ︲ PRESENTATION FORM FOR VERTICAL EN DASH*
    "\u2e3a": "-",  # ⸺ TWO-EM DASH
    "\u2e3b": "-",  # ⸻ THREE-EM DASH
    "\u2043": "-",  # ⁃ HYPHEN BULLET
    "\u02d7": "-",  # ˗ MODIFIER LETTER MINUS SIGN
    "\u2796": "-",  # ➖ HEAVY MINUS SIGN
    "\u058a": "-",  # ֊ ARMENIAN HYPHEN
    "\u1806": "-",  # ᠆ MONGOLIAN TODO SOFT HYPHEN
    "\u30fc": "-",  # ー KATAKANA-HIRAGANA PROLONGED SOUND MARK (a Japanese input method's '-')
    "\uff70": "-",  # ｰ HALFWIDTH KATAKANA-HIRAGANA PROLONGED SOUND MARK*
    "\u2500": "-",  # ─ BOX DRAWINGS LIGHT HORIZONTAL (Chinese input methods' 制表符, PDFs)
    "\u2501": "-",  # ━ BOX DRAWINGS HEAVY HORIZONTAL
    # slashes
    "\uff0f": "/",  # ／ FULLWIDTH SOLIDUS*
    "\u2215": "/",  # ∕ DIVISION SLASH
    "\u2044": "/",  # ⁄ FRACTION SLASH (word processors' autoformat)
    "\u29f8": "/",  # ⧸ BIG SOLIDUS
    "\u2571": "/",  # ╱ BOX DRAWINGS LIGHT DIAGONAL (Chinese input methods' symbol table)
    "\\": "/",  # \ REVERSE SOLIDUS (the key beside the slash: GB\T 19001)
    "\uff3c": "/",  # ＼ FULLWIDTH REVERSE SOLIDUS*
    # read as nothing: invisible characters that PDFs and web pages leave inside words
    "\u200b": "",  # ZERO WIDTH SPACE
    "\u200c": "",  # ZERO WIDTH NON-JOINER
    "\u200d": "",  # ZERO WIDTH JOINER
    "\u2060": "",  # WORD JOINER
    "\ufeff": "",  # ZERO WIDTH NO-BREAK SPACE (a byte-order mark inside text)
    "\u180e": "",  # MONGOLIAN VOWEL SEPARATOR
    "\u00ad": "",  # SOFT HYPHEN (shows only where a line breaks a word)
}
_FOLD = str.maketrans({c: (r or None) for c, r in LOOKALIKES.items()})
#: Separators read by position (see :data:`LOOKALIKES`): 一 between digits, 、 between letters.
_BETWEEN = re.compile(r"(?<=\d)\s*[一⼀]\s*(?=\d)"
                      r"|(?<=[A-Za-zА-Яа-яЁё])\s*、\s*(?=[A-Za-zА-Яа-яЁё])")
_SPACES = re.compile(r"\s+")

_COMMITTEE_WORDS = "TC|PC|SC|JTC|JWG|WG|SyC|TMB|SMB|CASCO|COPOLCO|DEVCO|REMCO|AG"
_COMMITTEE = re.compile(
    r"^(?:ISO|IEC|CEN|CENELEC|SAC|ISO\s*/\s*IEC|IEC\s*/\s*ISO)\s*/?\s*"
    rf"(?P<kind>{_COMMITTEE_WORDS})(?![A-Za-z])\s*\d*",
    re.I,
)
#: A whole committee reference with its sub-levels: ``ISO/TC 207/SC 1``, ``ISO/PC302``.
COMMITTEE_REFERENCE = re.compile(
    r"(?:ISO\s*/\s*IEC|IEC\s*/\s*ISO|ISO|IEC|CENELEC|CEN|SAC)\s*/?\s*"
    rf"(?:{_COMMITTEE_WORDS})(?![A-Za-z])\s*\d*"
    rf"(?:\s*/\s*(?:{_COMMITTEE_WORDS})(?![A-Za-z])\s*\d+)*",
)


def committee(text: str) -> str:
    """A committee reference in one spelling: ``ISO/PC302`` → ``ISO/PC 302``."""
    text = re.sub(r"\s*/\s*", "/", _clean(text).upper())
    return re.sub(r"(?<=[A-Z])\s*(\d+)", r" \1", text).replace("SYC", "SyC")


_PUBLISHER_WORD = rf"(?!(?:{_COMMITTEE_WORDS})\b)[A-Z]+"
_COMMITTEE_SPLIT = re.compile(
    rf"^(?P<pub>{_PUBLISHER_WORD}(?:/{_PUBLISHER_WORD})*?)[/ ](?=(?:{_COMMITTEE_WORDS}))", re.I)


def committee_parts(text: str) -> tuple[tuple[str, ...], str]:
    """A committee reference's publishers and the rest, in :func:`committee`'s spelling:
    ``ISO/IEC JTC 1/SC 27`` → (("ISO", "IEC"), "JTC 1/SC 27"); IEC records its committees
    without a publisher (``TC 57`` → ((), "TC 57"))."""
    text = committee(text)
    m = _COMMITTEE_SPLIT.match(text)
    return (tuple(m.group("pub").split("/")) if m else ()), text[m.end() if m else 0:]


_GOVERNMENT = re.compile(
    r"[〔\[(（]\s*\d{4}\s*[〕\])）]\s*\d+\s*[号號]?|\d+\s*[号號]$|^[\u4e00-\u9fff]{1,8}[〔\[]"
)
_STAGE_WORDS = "|".join(sorted(list(STAGES) + list(COMBINED), key=len, reverse=True))
_TYPE_WORDS = "|".join(sorted(DOCTYPES, key=len, reverse=True))
_INTL_PUB = re.compile(
    r"^(?P<pub>ISO|IEC|CISPR|IWA|CEI|ИСО|МЭК)(?P<co>(?:(?:\s*[/-]\s*|\s+(?=IEC\s*\d))(?:"
    + "|".join(CO_PUBLISHERS + ("CEI", "МЭК", "ИСО"))
    # then no letter, unless a stage or type glued on: "ISO/IECTR 90006", "ISO/IECDIS 1"
    + rf"))*)(?:(?![A-Za-z])|(?=(?:{_STAGE_WORDS}|{_TYPE_WORDS})))",
    re.I,
)
_TOKEN = re.compile(
    rf"\s*/?\s*(?P<word>{_STAGE_WORDS}|{_TYPE_WORDS})(?=[\s/]|\d|$|(?:{_TYPE_WORDS})\d)", re.I
)
_POST_STAGES = "FDIS|DIS|WD|CD|AWI|NP|PWI"
_NUMBER = re.compile(
    rf"""(?:\s*-\s*|\s*)(?P<number>\d+(?!\d)(?:(?!(?:{_POST_STAGES})(?![A-Za-z]))[A-Za-z]{{1,2}})?)
    (?P<parts>(?:\s*-\s*(?:\d+(?!\d)(?:(?!(?:{_POST_STAGES})(?![A-Za-z]))[A-Za-z]{{1,3}})?
                         |[A-Za-z]{{1,6}}\d*[A-Za-z]?))*)
    (?:\.(?P<iteration>\d+))?
    (?:\s*(?P<post>{_POST_STAGES})(?![A-Za-z])\s*(?:稿)?)?
    (?:\s*:\s*(?P<year>\d{{4}})(?:-\d{{2}}(?:-\d{{2}})?)?|\s*:(?=\s*$))?""",
    re.I | re.X,
)
_SUPPLEMENT = re.compile(
    rf"""\s*(?P<sep>/|\+|\s)\s*
    (?:(?P<stage>{'|'.join(STAGES)})\s*)?
    (?P<type>{'|'.join(sorted(DRAFT_SUPPLEMENTS, key=len, reverse=True))}
             |{'|'.join(sorted(SUPPLEMENT_TYPES, key=len, reverse=True))})
    (?![A-Za-z])\.?\s*(?P<number>\d+)?(?:\.(?P<iteration>\d+))?
    (?:\s*:\s*(?P<year>\d{{4}})|\s*-\s*(?P<hyear>(?:19|20)\d\d)(?!\d)
       |\s*:(?=\s*(?:$|ED|[/+(])))?""",
    re.I | re.X,
)
_VERSION = re.compile(rf"(?:\s+|(?<=\d))(?P<version>{'|'.join(VERSIONS)})(?![A-Za-z0-9])", re.I)
_LANGUAGE = re.compile(r"\s*\((?P<codes>[A-Za-z]{1,3}(?:\s*[,/]\s*[A-Za-z]{1,3})*)\)")
_LEGACY_PART = re.compile(r"\s*(\d+)\s*/\s*(\d{1,3})(?:\s*-\s*((?:19|20)\d\d))?(?=$|[\s(:])")
#: IEC's old sheets of a part, after the part numbers: ``IEC 60695-2-1/1:1994``.
_SHEET = re.compile(r"\s*-?\s*/\s*(?P<sheet>\d{1,2})(?=\s*(?::|$|/|\+|\s|\())")
#: IEC's edition suffix: ``CISPR 16-1-4/AMD2 ED4``.
_EDITION = re.compile(r"\s*ED\.?\s*(?P<edition>\d{1,2})(?![\dA-Za-z])", re.I)
#: A year after the Directives' part and its supplement: ``ISO/IEC DIR 1 ISO SUP:2022``.
_LATE_YEAR = re.compile(r"\s*:\s*(?P<year>\d{4})(?!\d)")
#: IEC's publications named rather than numbered, written in capitals: ``IEC CA 01:2016``,
#: ``ISO/IEC VIM:1993``, ``IEC HANDB1:1983``, ``IEC CENT-CHAL:2006``.
_NAMED = re.compile(
    r"\s+(?P<name>[A-Z][A-Z0-9]{1,11}(?:-[A-Z0-9]{2,11})?)(?:\s+(?P<number>\d{1,3}))?"
    r"(?=\s*(?::|$|\s))"
)
#: A guide in the French (or Russian) order: ``Guide ISO/CEI 37:1995`` is ISO/IEC Guide 37:1995,
#: so is ``Руководство ИСО/МЭК 37``.
_GUIDE_FIRST = re.compile(
    r"^(?:Guide|Руководство)\s+(?P<pub>(?:ISO|IEC|CEI|ИСО|МЭК)(?:\s*/\s*(?:ISO|IEC|CEI|ИСО|МЭК))*)"
    r"\s+(?=\d)", re.I)
#: The Directives written out: ``ISO/IEC Directives, Part 1``, in Chinese ``ISO/IEC导则 第1部分``
#: and in Japanese ``ISO/IEC専門業務用指針 第1部``.
_DIRECTIVES = re.compile(
    r"(?:\s+Directives\b|\s*(?:导则|導則|専門業務用指針))\s*[,-]?\s*"
    r"(?:(?:Part|第)\s*(?P<part>\d)(?:\s*部分?)?)?", re.I)
#: Their supplements written out: ``…, Consolidated ISO Supplement:2023``, ``+ IEC Supplement``.
_DIRECTIVES_SUPPLEMENT = re.compile(
    r"\s*[,-]?\s*(?:Consolidated\s+)?(?P<pub>ISO|IEC|JTC\s*1)\s+(?:Supplement|SUP)\b"
    r"(?:\s*[,:]?\s*(?P<year>(?:19|20)\d\d)(?!\d))?", re.I)
#: Editions written out: ``Edition 19``, ``19th edition``, ``ED 19``.
_WRITTEN_EDITION = re.compile(
    r"\s*,?\s*(?:Edition\s*(?P<a>\d{1,2})|(?P<b>\d{1,2})(?:st|nd|rd|th)\s+edition)\b", re.I)
#: A supplement of one organisation bundled with a part: ``ISO/IEC DIR 1:2022+IEC SUP:2022``.
_DIRECTIVES_BUNDLE = re.compile(
    r"\s*\+\s*(?P<pub>ISO|IEC|JTC\s*1)\s+SUP\b(?:\s*:\s*(?P<year>\d{4}))?", re.I)
_LEADING_STAGE = re.compile(rf"^(?P<stage>{'|'.join(STAGES)})\s+(?=IWA\b)", re.I)

_CN = re.compile(
    r"""^(?P<code>GB|GJB|[A-Z]{2}|DB\s*\d{2}|T\s*/\s*[A-Z]{2,12}
               |Q\s*/\s*(?:\d{6}\s*)?[A-Z]{2,12})
    \s*(?:/\s*(?P<mandate>[TZ]))?\s*
    (?P<number>\d+)(?P<parts>(?:\s*\.\s*\d+)*)
    (?:\s*-\s*(?P<year>\d{4}|\d{2}))?$""",
    re.X,
)
_CNAS = re.compile(
    r"^(?P<org>CNAS|CNCA)\s*-?\s*(?P<number>[A-Z]{1,4}(?:\s*-)?\s*\d+[A-Z]?"
    r"(?:\s*-\s*[A-Z]{0,2}\d+)*)"
    # dated by year, or by day as CNAS prints its revisions (CNAS-CL01:20180301: the 2018
    # edition)
    r"(?:\s*[:：]\s*(?P<year>\d{4})(?:-?(?:0[1-9]|1[0-2])-?(?:0[1-9]|[12]\d|3[01]))?)?$",
    re.I,
)


def _clean(text: str) -> str:
    if text.isascii():
        if "\\" in text:
            text = text.replace("\\", "/")
    else:
        text = unicodedata.normalize("NFKC", text.translate(_FOLD)).translate(_FOLD)
        if "一" in text or "、" in text:
            text = _BETWEEN.sub(lambda m: "-" if "一" in m.group() else "/", text)
    return _SPACES.sub(" ", text).strip()


def _canonical_publisher(word: str) -> str:
    word = word.strip().upper()
    return PUBLISHER_ALIASES.get(word, word)


def _year(text: str | None) -> int | None:
    if not text:
        return None
    year = int(text)
    if len(text) == 2:
        year += 1900 if year >= 50 else 2000
    return year


@lru_cache(maxsize=65536)
def parse(text: str) -> Designation:
    """Parse a written designation into a :class:`Designation`.

    :param text: a designation as written, e.g. ``"ISO19011：2011"`` or ``"GB/T19011—2013"``.
    :raises DesignationError: with a one-line reason when ``text`` is not a designation.
    """
    if not isinstance(text, str):
        raise DesignationError(f"designation must be text, not {type(text).__name__}")
    raw = text
    text = _clean(text)
    if not text:
        raise DesignationError("empty designation")
    if len(text) > 200:
        raise DesignationError(f"too long to be a designation ({len(text)} characters)")
    if text.startswith("IS0") and text[3:4].strip() in "123456789" and text[3:4]:
        text = "ISO " + text[3:]  # "IS09001:2015": a zero typed for the letter O
    if text.lower().startswith("urn:"):
        return _parse_iec_urn(text, raw) if text.lower().startswith("urn:iec:") \
            else _parse_urn(text, raw)
    all_parts = _ALL_PARTS.search(text)
    if all_parts:
        return replace(parse(text[: all_parts.start()]), all_parts=True)
    committee = _COMMITTEE.match(text)
    if committee:
        kind = _COMMITTEE_KINDS.get(committee.group("kind").upper(), "committee")
        raise DesignationError(f"{raw.strip()!r} is a committee ({kind}), not a standard",
                               "committee")
    if re.search(r"[\u4e00-\u9fff]", text) and _GOVERNMENT.search(text):
        raise DesignationError(
            f"{raw.strip()!r} is a government document number, not a standard",
            "government-document",
        )
    for parser in (_parse_conformity, _parse_international, _parse_chinese,
                   _parse_accreditation, _parse_ilac, _parse_adoption, _parse_other_publisher):
        result = parser(text, raw)
        if result is not None:
            return result
    raise DesignationError(
        f"{raw.strip()!r} is not a designation: no known publisher "
        "(ISO, IEC, GB, a Chinese sector code, T/…, CNAS-…)"
    )


def try_parse(text: str) -> Designation | None:
    """Parse ``text``, or return None when it is not a designation."""
    try:
        return parse(text)
    except DesignationError:
        return None


def normalize(text: str) -> str:
    """Return the canonical form of a designation.

    :raises DesignationError: when ``text`` is not a designation.
    """
    return parse(text).canonical


def _parse_international(text: str, raw: str) -> Designation | None:
    french = _GUIDE_FIRST.match(text)
    if french:  # "Guide ISO/CEI 37:1995", the French order
        text = f"{french.group('pub')} Guide {text[french.end():]}"
    if not text.isascii() or "ective" in text.lower():  # Directives, 导则 …
        text = _DIRECTIVES.sub(
            lambda m: " DIR" + (f" {m.group('part')}" if m.group("part") else ""), text, count=1)
    if re.search(r"\bDIR\b", text, re.I):  # the Directives' supplements and editions
        text = _DIRECTIVES_SUPPLEMENT.sub(
            lambda m: f" {m.group('pub').upper()} SUP"
            + (f":{m.group('year')}" if m.group("year") else ""), text)
        text = _WRITTEN_EDITION.sub(lambda m: f" ED{m.group('a') or m.group('b')}", text)
    lead_stage = None
    leading = _LEADING_STAGE.match(text)
    if leading:  # "CD IWA 3"
        lead_stage = leading.group("stage").upper()
        text = text[leading.end():]
    head = _INTL_PUB.match(text)
    if not head:
        return None
    publisher = _canonical_publisher(head.group("pub"))
    copublishers = tuple(  # "ISO/IEC", or "ISO IEC 27001" as some write it
        _canonical_publisher(p) for p in re.split(r"[/\s-]+", head.group("co")) if p.strip()
    )
    stage, doctype = lead_stage, None
    if publisher == "IWA":
        publisher, doctype = "ISO", "IWA"
    pos = head.end()
    while True:
        token = _TOKEN.match(text, pos)
        if not token:
            break
        word = token.group("word").upper()
        if word in COMBINED:
            stage, doctype = COMBINED[word]
        elif word in STAGES:
            stage = word
        else:
            doctype = DOCTYPES[word]
        pos = token.end()
    iec = publisher in ("IEC", "CISPR")
    legacy = None if iec else _LEGACY_PART.match(text, pos)  # IEC's are sheets (below)
    if legacy:  # "ISO 2631/1-1985", the pre-1990 way of writing ISO 2631-1:1985
        text = text[:pos] + f" {legacy.group(1)}-{legacy.group(2)}" + (
            f":{legacy.group(3)}" if legacy.group(3) else "") + text[legacy.end():]
    number, parts, iteration, year, sheet = "", (), None, None, None
    body = _NUMBER.match(text, pos)
    if body and body.group("number") and re.search(r"[a-z]{3,}", body.group("parts")):
        # "ISO 45001 – Process": a word after a dash, not a part
        raise DesignationError(f"{raw.strip()!r}: unexpected {text[pos:].strip()!r}")
    if body and body.group("number"):
        number = body.group("number").upper()
        parts = tuple(p.strip().upper() for p in body.group("parts").split("-") if p.strip())
        iteration, year = body.group("iteration"), _year(body.group("year"))
        if body.group("post"):
            stage = body.group("post").upper()
        if (
            year is None and parts and re.fullmatch(r"(19[5-9]\d|20[0-4]\d)", parts[-1])
            and (len(parts) > 1 or number not in _YEARLIKE_PART_SERIES) and not stage
        ):  # "ISO 9001-2015", "IEC 60730-2-7-2008", as often printed in Chinese text
            year, parts = int(parts[-1]), parts[:-1]
        pos = body.end()
        found = _SHEET.match(text, pos) if iec and year is None and not iteration else None
        if found:  # "IEC 60695-2-1/1:1994"
            sheet, pos = found.group("sheet"), found.end()
            late = _LATE_YEAR.match(text, pos)
            if late:
                year, pos = int(late.group("year")), late.end()
    elif doctype == "DIR" and _VERSION.match(text, pos):
        pass  # "ISO/IEC DIR IEC SUP:2010": a supplement to the Directives as a whole
    elif doctype == "DIR" and copublishers and not text[pos:].strip():
        pass  # "ISO/IEC DIR", "ISO/IEC Directives": the Directives as a whole
    elif (named := _NAMED.match(text, pos)) and (iec or copublishers) and not stage \
            and doctype is None:
        if named.group("number"):  # "IEC CA 01:2016": a series of its own
            doctype, number = named.group("name"), named.group("number")
        else:  # "ISO/IEC VIM:1993"
            number = named.group("name")
        pos = named.end()
        late = _LATE_YEAR.match(text, pos)
        if late:
            year, pos = int(late.group("year")), late.end()
        elif not named.group("number"):  # "IEC CEO", "ISO/IEC FAQ": words, not publications
            raise DesignationError(f"{raw.strip()!r}: expected a document number, found "
                                   f"{named.group('name')!r}")
    else:
        rest = text[pos:].strip()
        if not rest:
            raise DesignationError(f"{raw.strip()!r} has no document number")
        raise DesignationError(f"{raw.strip()!r}: expected a document number, found {rest!r}")
    supplements: list[Supplement] = []
    version, version_at, languages, edition = None, 0, (), None
    while pos < len(text):
        bundled = _DIRECTIVES_BUNDLE.match(text, pos) if doctype == "DIR" else None
        if bundled:  # "ISO/IEC DIR 1:2022+IEC SUP:2022"
            pub = re.sub(r"\s+", " ", bundled.group("pub")).upper()
            supplements.append(Supplement(type=f"{pub} SUP", year=_year(bundled.group("year")),
                                          consolidated=True))
            pos = bundled.end()
            continue
        supplement = _SUPPLEMENT.match(text, pos)
        if supplement and not (
            supplement.group("sep").isspace()
            and supplement.group("type").upper() in ("ADD", "SUP", "EXT", "A")
        ) and not (supplement.group("type").upper() == "A" and not supplement.group("number")):
            supplements.append(_supplement(supplement))
            pos = supplement.end()
            continue
        found = _VERSION.match(text, pos)
        if found and version is None and (doctype == "DIR" or found.group("version").upper()
                                           not in _DIRECTIVE_VERSIONS):
            version, version_at = found.group("version").upper(), len(supplements)
            pos = found.end()
            continue
        found = _LATE_YEAR.match(text, pos)
        if found and doctype == "DIR" and version and year is None and not supplements:
            year, pos = int(found.group("year")), found.end()
            continue
        found = _EDITION.match(text, pos)
        if found and edition is None and (iec or doctype == "DIR"):
            edition, pos = str(int(found.group("edition"))), found.end()
            continue
        found = _LANGUAGE.match(text, pos)
        if found and not languages:
            languages = tuple(_language(code) for code in re.split(r"[,/]", found.group("codes")))
            pos = found.end()
            continue
        raise DesignationError(
            f"{raw.strip()!r}: unexpected {text[pos:].strip()!r} after {text[:pos].strip()!r}"
        )
    if not number and not (doctype == "DIR" and (version or not supplements)):
        raise DesignationError(f"{raw.strip()!r} has no document number")
    scheme = "iec" if iec else "iso"
    return Designation(
        publisher=publisher, copublishers=copublishers, doctype=doctype, stage=stage,
        number=number, parts=parts, sheet=sheet, iteration=iteration, year=year,
        supplements=tuple(supplements), version=version, version_at=version_at,
        languages=languages, scheme=scheme, edition_number=edition,
    )


_CONFORMITY = re.compile(
    r"^(?P<system>IEC\s*(?:EE|Ex|Q|RE))(?![A-Za-z])\s*"
    r"(?:(?P<type>OD|QC)(?![A-Za-z])\s*-?\s*)?"
    r"(?P<number>\d{1,6}(?:[A-Z]{1,3}\d{1,6}|[A-Z])?)(?![\dA-Za-z])"
    r"(?P<parts>(?:\s*-\s*(?:\d{1,4}|[A-Z])(?![\dA-Za-z]))*)"
    r"(?:\s*:\s*(?P<year>(?:19|20)\d\d)(?:-\d\d(?:-\d\d)?)?)?"
    r"(?:\s*\((?P<codes>[A-Za-z]{1,3}(?:\s*[,/]\s*[A-Za-z]{1,3})*)\))?$",
    re.I,
)
_SYSTEM = re.compile(r"IEC(?:EE|Ex|Q|RE)(?![A-Za-z])", re.I)
_SYSTEM_NAMES = {name.upper(): name for name in CONFORMITY_SYSTEMS}


def _parse_conformity(text: str, raw: str) -> Designation | None:
    """A document of an IEC conformity assessment system: ``IECEE OD-2039``,
    ``IECQ 03-1:2020(en)``, ``IECEx 02``."""
    if text[:3].upper() != "IEC" or text[3:4] in ("", " ", "/"):
        return None
    m = _CONFORMITY.match(text)
    if not m:
        system = _SYSTEM.match(text)
        if system:  # "IECQ", "IECEx CoC": the system, or one of its certificates
            rest = text[system.end():].strip()
            raise DesignationError(f"{raw.strip()!r}: expected a document number, found {rest!r}"
                                   if rest else f"{raw.strip()!r} has no document number")
        return None
    parts = [p.strip().upper() for p in m.group("parts").split("-") if p.strip()]
    year = _year(m.group("year"))
    if year is None and parts and re.fullmatch(r"(19|20)\d\d", parts[-1]):
        year = int(parts.pop())  # "IECEx OD 024-2018", as sellers write the edition
    return Designation(
        publisher=_SYSTEM_NAMES[re.sub(r"\s+", "", m.group("system")).upper()],
        doctype=m.group("type").upper() if m.group("type") else None,
        number=m.group("number").upper(), parts=tuple(parts), year=year,
        languages=tuple(_language(c) for c in re.split(r"[,/]", m.group("codes") or "") if c),
        scheme="iec-ca")


def _supplement(m: re.Match[str]) -> Supplement:
    word = m.group("type").upper()
    stage = m.group("stage").upper() if m.group("stage") else None
    if word in DRAFT_SUPPLEMENTS:
        stage, kind = DRAFT_SUPPLEMENTS[word]
    else:
        kind = SUPPLEMENT_TYPES[word]
    return Supplement(  # "/AMD1-2000", as Chinese texts write the year, is /AMD1:2000
        type=kind, number=m.group("number"), year=_year(m.group("year") or m.group("hyear")),
        stage=stage,
        iteration=m.group("iteration"), consolidated=m.group("sep") == "+",
    )


def _language(code: str) -> str:
    code = code.strip()
    return code.upper() if len(code) == 1 else code.lower()


def _parse_chinese(text: str, raw: str) -> Designation | None:
    # "GBT 19001-2016", as file names and careless text write GB/T
    m = _CN.match(re.sub(r"^GB([TZ])(?=\s*\d)", r"GB/\1", text.upper()))
    if not m:
        return None
    code = m.group("code").replace(" ", "")
    mandate = m.group("mandate")
    if code.startswith("T/"):
        scheme, publisher = "cn-group", code[2:]
    elif code.startswith("Q/"):  # an enterprise's own standard: Q/GDW 1234-2015
        scheme, publisher = "cn-enterprise", code[2:]
    elif code in ("GB", "GJB"):
        scheme, publisher = "cn-national", code
    elif code.startswith("DB"):
        scheme, publisher = "cn-local", code
    elif code in CN_SECTOR_CODES or mandate:
        scheme, publisher = "cn-sector", code
    else:
        return None
    if scheme in ("cn-group", "cn-enterprise") and mandate:
        return None
    parts = tuple(p for p in m.group("parts").replace(" ", "").split(".") if p)
    return Designation(
        publisher=publisher, doctype=mandate, number=m.group("number"), parts=parts,
        year=_year(m.group("year")), scheme=scheme,
    )


_OTHER = re.compile(
    r"^(?P<pub>" + "|".join(re.escape(p).replace("\\ ", r"\s*").replace("/", "[/-]")
                            for p in OTHER_PUBLISHERS)
    + r")\s*(?P<number>\d{1,6})(?P<parts>(?:-\d{1,3})*|(?:\.\d{1,3})*)"
    r"(?:\s*[:：-]\s*(?P<year>(?:19|20)\d\d))?"
    # European amendments and corrigenda: EN 60601-1:2006/A1:2013, EN 62368-1:2014+A11:2017
    r"(?P<supplements>(?:\s*[+/]\s*A(?:C|\d{1,2})(?:\s*:\s*(?:19|20)\d\d)?)*)$",
    re.I,
)


def _parse_other_publisher(text: str, raw: str) -> Designation | None:
    m = _OTHER.match(text)
    if not m:
        return None
    glued = re.sub(r"\s+", "", m.group("pub")).replace("-", "/").upper()  # "IAFMD21": IAF MD 21
    publisher = next(p for p in OTHER_PUBLISHERS if p.replace(" ", "") == glued)
    parts = tuple(p for p in re.split(r"[-.]", m.group("parts")) if p)
    return Designation(publisher=publisher, number=m.group("number"), parts=parts,
                       year=_year(m.group("year")), scheme="other",
                       supplements=_european_supplements(m.group("supplements")))


_ADOPTION = re.compile(
    r"^(?P<body>" + "|".join(re.escape(b).replace("\\ ", r"\s*") for b in sorted(
        ADOPTING_BODIES, key=len, reverse=True)) + r")"
    r"(?:\s*[-/]?\s*(?P<en>C?EN)(?![A-Za-z]))?\s*[-/]?\s*"
    r"(?P<intl>(?:ISO|IEC|ИСО|МЭК)(?:\s*/\s*(?:ISO|IEC|IEEE|ИСО|МЭК))*)"
    r"(?:\s*/\s*(?P<type>TS|TR|PAS|ТС|ТО))?\s*(?P<number>\d+)"
    r"(?P<parts>(?:\s*-\s*(?!(?:19|20)\d\d(?!\d))\d+)*)"
    r"(?:\s*[:-]\s*(?P<year>(?:19|20)\d\d)(?:-(?P<month>0[1-9]|1[0-2]))?)?"
    r"(?P<supplements>(?:\s*[+/]\s*A(?:C|\d{1,2})(?:\s*:\s*(?:19|20)\d\d)?)*)$",
    re.I,
)
_ADOPTION_SUPPLEMENT = re.compile(
    r"\s*(?P<sep>[+/])\s*A(?P<kind>C|\d{1,2})(?:\s*:\s*(?P<year>\d{4}))?", re.I)


def _european_supplements(written: str) -> tuple[Supplement, ...]:
    """EN amendments and corrigenda as written after a designation: ``/A1:2013+AC:2014``."""
    return tuple(
        Supplement(type="AC" if s.group("kind").upper() == "C" else "A",
                   number=None if s.group("kind").upper() == "C" else s.group("kind"),
                   year=_year(s.group("year")), consolidated=s.group("sep") == "+")
        for s in _ADOPTION_SUPPLEMENT.finditer(written or ""))


def _parse_adoption(text: str, raw: str) -> Designation | None:
    """A national or European adoption of an ISO or IEC document: ``BS EN ISO 9001:2015``."""
    m = _ADOPTION.match(text)
    if not m:
        return None
    written = re.sub(r"\s+", " ", m.group("body")).upper()
    body = next(b for b in ADOPTING_BODIES if b.upper() == written)
    before_en, before_intl = ADOPTING_BODIES[body]
    intl = re.sub(r"\s+", "", m.group("intl")).upper()
    if m.group("en") and body != "EN":  # PN-EN ISO 9001
        prefix = body + before_en + m.group("en").upper() + before_intl + intl
    else:  # EN ISO 9001, PN-ISO 9001, IS/ISO 9001, ГОСТ Р ИСО 9001
        prefix = body + (before_en or before_intl) + intl
    if m.group("type"):
        prefix += "/" + DOCTYPES[m.group("type").upper()]
    supplements = _european_supplements(m.group("supplements"))
    return Designation(
        publisher=prefix, number=m.group("number"),
        parts=tuple(p.strip() for p in m.group("parts").split("-") if p.strip()),
        year=_year(m.group("year")), iteration=m.group("month"), supplements=supplements,
        scheme="adoption",
    )


#: ILAC's documents: a series letter, a number, and the issue as month/year: ILAC-P15:05/2020.
_ILAC = re.compile(r"^ILAC\s*[-‐]?\s*(?P<series>[PGRAB])\s*(?P<number>\d{1,3})"
                   r"(?:\s*[:：]\s*(?P<month>0[1-9]|1[0-2])\s*/\s*(?P<year>(?:19|20)\d\d))?$",
                   re.I)


def _parse_ilac(text: str, raw: str) -> Designation | None:
    m = _ILAC.match(text)
    if not m:
        return None
    return Designation(publisher="ILAC", doctype=m.group("series").upper(),
                       number=m.group("number"), iteration=m.group("month"),
                       year=_year(m.group("year")), scheme="ilac")


def _parse_accreditation(text: str, raw: str) -> Designation | None:
    m = _CNAS.match(text)
    if not m:
        return None
    org = m.group("org").upper()
    number = re.sub(r"\s+", "", m.group("number")).upper()
    return Designation(
        publisher=org, number=number, year=_year(m.group("year")), scheme=org.lower(),
    )


_URN = re.compile(
    r"^urn:(?P<org>iso|iec):std:(?P<pubs>[a-z0-9-]+):"
    r"(?:(?P<type>ts|tr|pas|guide|isp|iwa|r|tta|data):)?"
    r"(?P<number>[0-9a-z]+)(?::-(?P<parts>[0-9a-z-]+))?(?::(?P<rest>.*))?$",
    re.I,
)


def _parse_urn(text: str, raw: str) -> Designation:
    """Parse the ISO URN form (RFC 5141), e.g. ``urn:iso:std:iso:9001:ed-5:en``."""
    m = _URN.match(text)
    if not m:
        raise DesignationError(f"{raw.strip()!r} is not an ISO/IEC standard URN")
    pubs = [p.upper() for p in m.group("pubs").split("-")]
    doctype = DOCTYPES.get((m.group("type") or "").upper())
    if doctype == "IWA":
        pubs = ["ISO"]
    year = None
    supplements: list[Supplement] = []
    for field_ in (m.group("rest") or "").split(":"):
        if re.fullmatch(r"\d{4}(-\d{2})?", field_) and not supplements:
            year = int(field_[:4])
    rest = (m.group("rest") or "").split(":")
    for i, field_ in enumerate(rest):
        if field_.lower() in ("amd", "cor") and i + 1 < len(rest):
            tail = rest[i + 1]
            numbers = re.findall(r"\d+", tail)
            yr = int(numbers[0]) if numbers and len(numbers[0]) == 4 else None
            num = numbers[-1] if numbers and (len(numbers) > 1 or yr is None) else None
            supplements.append(Supplement(type=SUPPLEMENT_TYPES[field_.upper()], number=num,
                                          year=yr))
    return Designation(
        publisher=pubs[0], copublishers=tuple(pubs[1:]), doctype=doctype,
        number=m.group("number").upper(),
        parts=tuple(p.upper() for p in (m.group("parts") or "").split("-") if p),
        year=year, supplements=tuple(supplements),
        scheme="iec" if pubs[0] in ("IEC", "CISPR") else "iso",
    )


_IEC_URN_HEAD = re.compile(r"^urn:iec:std:(?P<pubs>[a-z]+(?:-[a-z]+)*):(?P<body>[^:|+]+)", re.I)
_URN_DATE = re.compile(r"^\d{4}(?:-\d{2}){0,2}$")
_URN_TYPES = {"ts": "TS", "tr": "TR", "pas": "PAS", "srd": "SRD", "guide": "Guide"}
_URN_SUPPLEMENT = re.compile(r"^(?P<type>amd|cor|ish|frag)(?::?(?P<number>\d+))?"
                             r"(?::(?P<year>\d{4})(?:-\d{2}){0,2})?:?$", re.I)


def _parse_iec_urn(text: str, raw: str) -> Designation:
    """Parse IEC's URN form, e.g. ``urn:iec:std:iec:60335-2-97:2002-11::csv:+amd:1:2004-11``
    (fields: publishers, number, date, type, version; then ``||`` a separately published
    supplement, ``+`` one of a consolidated version)."""
    head = _IEC_URN_HEAD.match(text)
    if not head:
        raise DesignationError(f"{raw.strip()!r} is not an IEC standard URN")
    pubs = [_canonical_publisher(p) for p in head.group("pubs").split("-")]
    main, *rest = re.split(r"(\|\||\+(?=[a-z]+:?\d*:))", text[head.end():], flags=re.I)
    year = doctype = version = None
    fragments = []  # "::/FRAG1::": a fragment of the document itself
    for field_ in main.split(":"):
        value = field_.strip().lower()
        if not value:
            continue
        if value.startswith("/"):
            fragments.append(value[1:])
        elif _URN_DATE.match(value) and year is None:
            year = int(value[:4])
        elif value in _URN_TYPES and doctype is None:
            doctype = _URN_TYPES[value]
        elif value.upper() in VERSIONS and version is None:
            version = value.upper()
        elif re.fullmatch(r"[a-z]{2,5}", value) and doctype is None:
            doctype = value.upper()  # a series of its own: urn:iec:std:iec:01:2016-07:ca::
        else:
            raise DesignationError(f"{raw.strip()!r}: unexpected {field_!r} in an IEC URN")
    body, _, sheet = head.group("body").upper().replace("-/", "/").partition("/")
    number, *parts = body.split("-")
    if sheet and not re.fullmatch(r"\d{1,2}", sheet):
        raise DesignationError(f"{raw.strip()!r}: unexpected {sheet!r} in an IEC URN")
    if not re.fullmatch(r"\d+[A-Z]?", number):
        raise DesignationError(f"{raw.strip()!r}: no document number in an IEC URN")
    if doctype and doctype not in _URN_TYPES.values() and not re.fullmatch(r"\d{1,3}", number):
        raise DesignationError(f"{raw.strip()!r}: unknown type {doctype.lower()!r} in an IEC URN")
    supplements: list[Supplement] = []
    consolidated = 0  # IEC prints the version after the consolidated amendments
    for separator, segment in [("/", f) for f in fragments] + list(
            zip(rest[::2], rest[1::2], strict=True)):
        consolidated += separator == "+"
        for i, piece in enumerate(segment.split("/")):
            m = _URN_SUPPLEMENT.match(piece.strip())
            if not m:
                raise DesignationError(f"{raw.strip()!r}: unexpected {piece!r} in an IEC URN")
            supplements.append(Supplement(
                type=SUPPLEMENT_TYPES[m.group("type").upper()], number=m.group("number"),
                year=_year(m.group("year")), consolidated=separator == "+" and i == 0))
    return Designation(
        publisher=pubs[0], copublishers=tuple(pubs[1:]), doctype=doctype, number=number,
        parts=tuple(parts), sheet=sheet or None, year=year, supplements=tuple(supplements),
        version=version, version_at=consolidated if version else 0,
        scheme="iec" if pubs[0] in ("IEC", "CISPR") else "iso",
    )


def parts(d: Designation) -> dict:
    """A parsed designation as data: its canonical form, its work's, its kind, then every
    field (``kb parse --json``)."""
    from dataclasses import asdict

    return {"canonical": d.canonical, "work": d.work.canonical, "kind": d.kind, **asdict(d)}
