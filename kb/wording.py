"""How counts read in messages: ``1 file``, ``2 files``, ``12,345 records``."""

from __future__ import annotations

_IRREGULAR = {"entry": "entries", "child": "children", "index": "indexes"}


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` with its noun, singular for one (``1 file``) and plural otherwise, the number with
    thousands separators."""
    if n == 1:
        return f"1 {noun}"
    return f"{n:,} {plural or _IRREGULAR.get(noun) or noun + 's'}"
