"""Whole numbers from untrusted text: URL paths, query strings, forms, launch parameters, cookies.

Python's ``int()`` is generous where an id must be exact: it takes ``+100001``, ``100_001``,
`` 7 `` and Arabic-Indic or other Unicode digits (``str.isdigit()`` is true even for ``²``, on
which ``int()`` then raises), and any length, which SQLite refuses beyond 64 bits with an
OverflowError. Every id the outside world sends goes through ``ascii_int``: plain ASCII digits,
at most 19 of them, within the bounds given (by default 0 … 2⁶³−1, SQLite's INTEGER). Anything
else is None, which callers answer with 404, 400 or 401 rather than a server error.
"""

from __future__ import annotations

import re

INT64_MAX = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def ascii_int(text: object, *, low: int = 0, high: int = INT64_MAX) -> int | None:
    """``text`` as an int if it is 1-19 ASCII digits and ``low <= value <= high``; else None."""
    if not isinstance(text, str) or _DIGITS.fullmatch(text) is None:
        return None
    value = int(text)
    return value if low <= value <= high else None


def ascii_id(text: object) -> int | None:
    """A database or VK id: a positive ``ascii_int``."""
    return ascii_int(text, low=1)
