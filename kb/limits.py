"""Bounds on what one request may ask, for the command line and the web pages alike.

Loaders bound their input in :mod:`loaders.bounds`; this module bounds parameters: a
designation, a term, a search query or an option value longer than :data:`PARAMETER_CHARS`
is refused in one line before any query runs (a 50 000-character designation used to reach
SQLite's LIKE and fail there), and a web request whose URL is longer than :data:`URL_BYTES`
gets 414.  :data:`VALUE_BYTES` is the largest value the store keeps and the served
connections read: one bound for both, so whatever was loaded can be shown.
"""

from __future__ import annotations

#: Characters of one parameter value (a designation has at most 200; a query 1 000).
PARAMETER_CHARS = 1_000
#: Characters of a path given on the command line.
PATH_CHARS = 4_096
#: Bytes of a web request's path and query string.
URL_BYTES = 16_384
#: Bytes (UTF-8) of one stored text value, a bulletin's text the largest: a notice listing
#: 100 000 standards is about 3.5 MB.  SQLite's value limit on served connections.
VALUE_BYTES = 16 << 20


class TooLong(ValueError):
    """A parameter longer than its bound; the message names it."""


def check(name: str, value: str, bound: int = PARAMETER_CHARS) -> str:
    """``value``, if it is within ``bound`` characters.

    :raises TooLong: naming the parameter, its length and the bound.
    """
    if len(value) > bound:
        raise TooLong(f"{name}: {len(value):,} characters (at most {bound:,})")
    return value
