"""What loads, builds, updates, re-indexing and exports say: the lines on standard error
beside the one-line summary on standard output."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kb.wording import count

if TYPE_CHECKING:
    from kb.catalogue.store import LoadSummary

#: Warnings a load prints; ``kb doctor`` lists the rest.
WARNINGS_SHOWN = 20


def skipped_files_line(skipped: list[str]) -> str:
    """The files no loader reads, the first three named."""
    shown = ", ".join(skipped[:3]) + (" …" if len(skipped) > 3 else "")
    return f"kb: skipped {count(len(skipped), 'file')} no loader reads: {shown}"


def load_complaints(summary: LoadSummary) -> list[str]:
    """A load's errors, the documents it did not keep and the first warnings, one a line."""
    lines = [f"kb: {error}" for error in summary.errors]
    if summary.skipped:
        reasons = sorted(summary.skipped.items(), key=lambda r: (-r[1], r[0]))
        skipped_documents = count(sum(summary.skipped.values()), "document")
        lines.append(f"kb: skipped {skipped_documents} the knowledge base does not keep: "
                     + "; ".join(f"{reason} {n:,}" for reason, n in reasons))
    lines += [f"kb: {warning}" for warning in summary.warnings[:WARNINGS_SHOWN]]
    if len(summary.warnings) > WARNINGS_SHOWN:
        lines.append(f"kb: … and {len(summary.warnings) - WARNINGS_SHOWN:,} more "
                     "(kb doctor lists them)")
    return lines


def build_failed_line(failed: int, target: object) -> str:
    """Why a build left the knowledge base as it was."""
    return f"build failed: {count(failed, 'document')} failed; {target} left as it was"


def update_line(sources: list[str], editions: dict[str, int], started: str) -> str:
    """What an update loaded: editions by kind of change (``{"new": 3, …}``)."""
    said = ", ".join(f"{n:,} {name}" for name, n in editions.items())
    return (f"updated from {', '.join(sources)}: editions {said} "
            f"(kb changes --since {started})")


def indexed_line(db_path: object, clauses: int) -> str:
    return f"{db_path}: indexed {count(clauses, 'clause')}"


def exported_line(output: str, rows: int, fmt: str, lang: str) -> str:
    return f"{output}: {count(rows, 'row')} ({fmt}, {lang})"
