"""Plain-text renderings of query results for the terminal (what the CLI prints passes
through :func:`clean`, so no text read from a source drives the terminal), and the Markdown
and HTML of comparisons, escaped (:func:`md_escape`, :func:`redline_html`).

One module per family; ``from kb import render`` and ``render.X`` reach them all.
"""

from kb.render.bulletins import bulletin_text, check_text
from kb.render.catalogue import (
    changes_text,
    designation_json,
    finding_text,
    findings_json,
    findings_text,
    stages_text,
)
from kb.render.comparisons import (
    _redline_markdown,
    _redline_text,
    crosswalk_text,
    diff_as,
    diff_html,
    diff_markdown,
    diff_text,
    kept_pairs,
    redline_html,
    redline_segments,
)
from kb.render.history import edition_text, history_text, provenance_line
from kb.render.loads import (
    build_failed_line,
    exported_line,
    indexed_line,
    load_complaints,
    skipped_files_line,
    update_line,
)
from kb.render.search import block_title, clause_text, hits_text, term_text
from kb.render.text import clean, display_width, md_escape, pad, table

__all__ = [
    "_redline_markdown", "_redline_text", "block_title", "build_failed_line", "bulletin_text",
    "changes_text", "check_text", "clause_text", "clean", "crosswalk_text", "designation_json",
    "diff_as", "diff_html", "diff_markdown", "diff_text", "display_width", "edition_text",
    "exported_line", "finding_text", "findings_json", "findings_text", "history_text",
    "hits_text", "indexed_line", "kept_pairs", "load_complaints", "md_escape", "pad",
    "provenance_line", "redline_html", "redline_segments", "skipped_files_line",
    "stages_text", "table", "term_text", "update_line",
]
