"""Stage codes and statuses: the vocabulary of revision histories, as data.

* ISO/IEC harmonized stage codes (``40.20`` "DIS ballot initiated") with their labels;
* draft prefixes mapped to stages (``WD`` → 20, ``CD`` → 30, ``DIS`` → 40, ``FDIS`` → 50 …);
* the Chinese standard lifecycle (立项 … 废止) and catalogue statuses
  (现行, 即将实施, 废止, 被代替);
* the status of an edition implied by a stage (``current``, ``withdrawn``, ``draft`` …).

Unknown codes raise :class:`StageError`; nothing here falls back to a silent default.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kb.wording import N_, in_language

__all__ = [
    "CN_LIFECYCLE", "CN_STATUSES", "DRAFT_PREFIX_STAGE", "HARMONIZED", "STAGE_GROUPS",
    "STATUSES", "StageError", "code_for_prefix", "label", "listing", "normalize_code",
    "normalize_status", "sort_key", "status_for_code",
]


class StageError(ValueError):
    """An unknown stage code or status."""


#: Stage groups: first two digits of a harmonized code.
STAGE_GROUPS = {
    "00": "preliminary", "10": "proposal", "20": "preparatory", "30": "committee",
    "40": "enquiry", "50": "approval", "60": "publication", "90": "review", "95": "withdrawal",
}

#: Every ISO harmonized stage code with its label.
HARMONIZED = {
    "00.00": N_("Proposal for new project received"),
    "00.20": N_("Proposal for new project under review"),
    "00.60": N_("Close of review"),
    "00.98": N_("Proposal for new project abandoned"),
    "00.99": N_("Approval to ballot proposal for new project"),
    "10.00": N_("Proposal for new project registered"),
    "10.20": N_("New project ballot initiated"),
    "10.60": N_("Close of voting"),
    "10.92": N_("Proposal returned to submitter for further definition"),
    "10.98": N_("New project rejected"),
    "10.99": N_("New project approved"),
    "20.00": N_("New project registered in TC/SC work programme"),
    "20.20": N_("Working draft (WD) study initiated"),
    "20.60": N_("Close of comment period"),
    "20.98": N_("Project deleted"),
    "20.99": N_("WD approved for registration as CD"),
    "30.00": N_("Committee draft (CD) registered"),
    "30.20": N_("CD study/ballot initiated"),
    "30.60": N_("Close of voting/comment period"),
    "30.92": N_("CD referred back to Working Group"),
    "30.98": N_("Project deleted"),
    "30.99": N_("CD approved for registration as DIS"),
    "40.00": N_("DIS registered"),
    "40.20": N_("DIS ballot initiated: 12 weeks"),
    "40.60": N_("Close of voting"),
    "40.92": N_("Full report circulated: DIS referred back to TC or SC"),
    "40.93": N_("Full report circulated: decision for new DIS ballot"),
    "40.98": N_("Project deleted"),
    "40.99": N_("Full report circulated: DIS approved for registration as FDIS"),
    "50.00": N_("Final text received or FDIS registered for formal approval"),
    "50.20": N_("Proof sent to secretariat or FDIS ballot initiated: 8 weeks"),
    "50.60": N_("Close of voting. Proof returned by secretariat"),
    "50.92": N_("FDIS or proof referred back to TC or SC"),
    "50.98": N_("Project deleted"),
    "50.99": N_("FDIS or proof approved for publication"),
    "60.00": N_("International Standard under publication"),
    "60.60": N_("International Standard published"),
    "90.00": N_("International Standard under periodical review"),
    "90.20": N_("International Standard under systematic review"),
    "90.60": N_("Close of review"),
    "90.92": N_("International Standard to be revised"),
    "90.93": N_("International Standard confirmed"),
    "90.99": N_("Withdrawal of International Standard proposed by TC or SC"),
    "95.20": N_("Withdrawal ballot initiated"),
    "95.60": N_("Close of voting"),
    "95.92": N_("Decision not to withdraw International Standard"),
    "95.99": N_("Withdrawal of International Standard"),
}

#: Draft prefixes (and supplement draft prefixes) mapped to the stage group they denote.
DRAFT_PREFIX_STAGE = {
    "PWI": "00", "NP": "10", "NWIP": "10", "AWI": "20", "WD": "20", "CD": "30", "PDAM": "30",
    "DIS": "40", "DAM": "40", "DAMD": "40", "DCOR": "40", "DTS": "40", "DTR": "40",
    "DPAS": "40", "FDIS": "50", "FDAM": "50", "FDAMD": "50", "FDCOR": "50", "PRF": "60",
    "CDV": "40",  # IEC's committee draft for vote: its enquiry stage
}

#: The Chinese national standard lifecycle, in order, with English labels.
CN_LIFECYCLE = {
    "预研": N_("preliminary study"),
    "立项": N_("project approved"),
    "起草": N_("drafting"),
    "征求意见": N_("consultation draft"),
    "审查": N_("review"),
    "批准": N_("approval"),
    "发布": N_("published"),
    "实施": N_("entry into force"),
    "复审": N_("periodic review"),
    "废止": N_("abolished"),
}

#: Chinese catalogue statuses mapped to the knowledge base's edition status.
CN_STATUSES = {"现行": "current", "即将实施": "upcoming", "废止": "withdrawn", "被代替": "replaced"}

#: The edition statuses the knowledge base uses, with labels.
STATUSES = {
    "current": N_("Current"), "upcoming": N_("Published, not yet in force"), "draft": N_("Draft"),
    "abandoned": N_("Project abandoned"), "withdrawn": N_("Withdrawn"), "replaced": N_("Replaced"),
}

#: Other catalogues' status words mapped to ours (IEC webstore, Relaton GB, English forms).
_STATUS_WORDS = {
    "published": "current", "current": "current", "active": "current", "valid": "current",
    "in force": "current", "confirmed": "current", "revised": "replaced",
    "replaced": "replaced", "superseded": "replaced", "obsoleted": "withdrawn",
    "withdrawn": "withdrawn", "abolished": "withdrawn", "cancelled": "withdrawn",
    "draft": "draft", "under development": "draft", "upcoming": "upcoming",
    "abandoned": "abandoned", "deleted": "abandoned", "activated": "current",
}

_CODE = re.compile(r"^\s*(\d{2})\s*[.\s/]?\s*(\d{2})\s*$")


def normalize_code(value: object) -> str:
    """Return the ``NN.NN`` form of a harmonized stage code (see :func:`_normalize_code`)."""
    if isinstance(value, str):
        return _normalize_text_code(value)
    return _normalize_code(value)


@lru_cache(maxsize=1024)
def _normalize_text_code(value: str) -> str:
    return _normalize_code(value)


def _normalize_code(value: object) -> str:
    """Return the ``NN.NN`` form of a harmonized stage code.

    Accepts ``"40.20"``, ``"4020"``, ``4020``, ``("40", "20")`` and ``"40/20"``.

    :raises StageError: if the value is not a known harmonized code.
    """
    if isinstance(value, tuple | list) and len(value) == 2:
        value = f"{value[0]}.{value[1]}"
    if isinstance(value, bool):
        raise StageError(f"unknown stage code {value!r}")
    if isinstance(value, int):
        value = f"{value:04d}"
    elif isinstance(value, float):  # YAML reads 60.60 as the number 60.6
        value = f"{value:05.2f}"
    text = str(value)
    m = _CODE.match(text)
    code = f"{m.group(1)}.{m.group(2)}" if m else text.strip()
    if code not in HARMONIZED:
        raise StageError(f"unknown stage code {text!r} (expected a harmonized code like 40.20)")
    return code


@lru_cache(maxsize=4096)
def label(code_or_status: str, lang: str | None = None) -> str:
    """Label for a harmonized code, a Chinese lifecycle step or a status.

    Without ``lang``, the label the knowledge base stores (``stage_events.label``): English,
    a Chinese catalogue status with its English (``现行 (Current)``).  With ``lang`` (``en``,
    ``zh``), the label in that language alone, as the pages show it: ``label("40.60", "zh")``
    → ``投票结束``, ``label("立项", "en")`` → ``project approved``, ``label("现行", "en")`` →
    ``Current``; the Chinese comes from the interface's catalogue (kb/web/locale).

    :raises StageError: if the value is none of these.
    """
    if lang is not None:
        if code_or_status in CN_LIFECYCLE:
            return code_or_status if lang == "zh" else CN_LIFECYCLE[code_or_status]
        if code_or_status in CN_STATUSES:
            return code_or_status if lang == "zh" else \
                STATUSES[CN_STATUSES[code_or_status]]
        return in_language(label(code_or_status), lang)
    if code_or_status in CN_LIFECYCLE:
        return CN_LIFECYCLE[code_or_status]
    if code_or_status in CN_STATUSES:
        return f"{code_or_status} ({STATUSES[CN_STATUSES[code_or_status]]})"
    if code_or_status in STATUSES:
        return STATUSES[code_or_status]
    return HARMONIZED[normalize_code(code_or_status)]


def status_for_code(code: str) -> str:
    """The edition status a harmonized stage code implies."""
    code = normalize_code(code)
    group, sub = code[:2], code[3:]
    if group == "95":
        return "withdrawn" if sub == "99" else "current"
    if group in ("60", "90"):
        return "current" if code != "60.00" else "upcoming"
    return "abandoned" if sub == "98" else "draft"


#: Chinese lifecycle steps placed on the harmonized scale, to order mixed histories.
_CN_ON_SCALE = {
    "预研": "00.00", "立项": "10.99", "起草": "20.20", "征求意见": "30.20", "审查": "40.20",
    "批准": "50.99", "发布": "60.60", "实施": "60.61", "复审": "90.20", "废止": "95.99",
}


def sort_key(code: str) -> str:
    """A key that orders stage events of one edition in the order they happen."""
    return _CN_ON_SCALE.get(code, code)


def code_for_prefix(prefix: str) -> str:
    """The stage group (two digits) a draft prefix denotes: ``WD`` → ``20``.

    :raises StageError: for an unknown prefix.
    """
    try:
        return DRAFT_PREFIX_STAGE[prefix.upper()]
    except KeyError:
        raise StageError(f"unknown draft prefix {prefix!r}") from None


def normalize_status(value: str) -> str:
    """Map a catalogue status (现行, ``PUBLISHED``, ``obsoleted`` …) to ours.

    :raises StageError: for an unknown status.
    """
    text = str(value).strip()
    if text in CN_STATUSES:
        return CN_STATUSES[text]
    key = text.lower()
    if key in _STATUS_WORDS:
        return _STATUS_WORDS[key]
    expected = ", ".join(STATUSES) + " or 现行/即将实施/废止/被代替"
    raise StageError(f"unknown status {text!r} (expected one of {expected})")


def listing() -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """``kb stages``: the harmonized codes (code, edition status, stage), and the Chinese
    terms (term, lifecycle step, catalogue status; ``—`` where it has none)."""
    harmonized = [(code, status_for_code(code), text) for code, text in HARMONIZED.items()]
    terms = list(dict.fromkeys([*CN_LIFECYCLE, *CN_STATUSES]))
    return harmonized, [(t, CN_LIFECYCLE.get(t, "—"), CN_STATUSES.get(t, "—")) for t in terms]
