"""The names scripts imported from here before the harness (``benchmarks/harness/``) held
them: ``from common import …`` keeps working."""

from harness.files import file_size, mb, unlink_db
from harness.load_test import fetch_all
from harness.report import format_table, pct

__all__ = ["fetch_all", "file_size", "format_table", "mb", "pct", "unlink_db"]
