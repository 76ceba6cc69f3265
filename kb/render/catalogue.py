"""The catalogue's own tables as text: changes logged by loads, the doctor's findings, the
stage codes, parsed designations."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from kb.render.text import display_width, pad
from kb.wording import count

if TYPE_CHECKING:
    from kb.catalogue.doctor import Finding


def changes_text(rows: list[dict], since: str | None) -> str:
    """Changes one a line (date, code, edition, what), then how many."""
    lines = []
    for r in rows:
        what = f"{r['field']}: {r['old']} → {r['new']}" if r["field"] else (r["new"] or "")
        lines.append(f"{r['at']}  {r['code']}  {r['edition']}  {what}")
    lines.append(count(len(rows), "change") + (f" since {since}" if since else ""))
    return "\n".join(lines)


def finding_text(finding: Finding) -> str:
    """A check's count, name and title, then its examples indented."""
    return "\n".join([f"{finding.count:>8,}  {finding.name}: {finding.title}",
                      *(f"          {example}" for example in finding.examples)])


def findings_text(findings: list[Finding], faults: int) -> str:
    """Every check's finding, then how many break the catalogue's rules."""
    return "\n".join([*(finding_text(f) for f in findings),
                      f"{count(faults, 'finding')} against the catalogue's rules"
                      + (" (none)" if not faults else "")])


def findings_json(findings: list[Finding]) -> str:
    return json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=2)


def stages_text(harmonized: list[tuple[str, str, str]],
                chinese: list[tuple[str, str, str]]) -> str:
    """The harmonized codes (code, status, stage), then the Chinese terms (term, lifecycle
    step, catalogue status) in columns."""
    lines = ["ISO/IEC harmonized stage codes (code, edition status, stage):"]
    lines += [f"  {code}  {status:<9}  {text}" for code, status, text in harmonized]
    lines.append("Chinese standards (term, lifecycle step, catalogue status):")
    wide = max(display_width(term) for term, _, _ in chinese)
    lines += [f"  {pad(term, wide)}  {step:<20}  {status}".rstrip()
              for term, step, status in chinese]
    return "\n".join(lines)


def designation_json(parts: dict) -> str:
    """A parsed designation (:func:`kb.identifiers.designation.parts`) on one line."""
    return json.dumps(parts, ensure_ascii=False)
