"""A depth limit for TOML text, checked before anything recursive reads it.

``tomllib`` (and every walk over the parsed data) recurses once per level of
nested arrays and inline tables: a 1 KB file nesting arrays 500 deep ends in
``RecursionError``. A runner config nests a few levels; anything past the
limit is refused with the line where it goes too deep.
"""

from __future__ import annotations

import re

MAX_DEPTH = 64
"""Far deeper than any runner config (``[[runners]]`` values nest about four levels)."""

_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\[\s\S]|"(?!""))*+"{3,5}|\'\'\'(?:[^\']|\'(?!\'\'))*+\'{3,5}'
    r'|"(?:[^"\\\n]|\\.)*+"|\'[^\'\n]*+\'|#[^\n]*+|(?P<open>[\[{])|(?P<close>[\]}])'
)


def too_deep_line(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The line where brackets nest deeper than ``limit`` (strings and comments skipped)."""
    if text.count("[") + text.count("{") <= limit:
        return None  # cannot be that deep: skip the scan
    depth = 0
    for match in _TOKENS.finditer(text):
        if match["open"] is not None:
            depth += 1
            if depth > limit:
                return text.count("\n", 0, match.start()) + 1
        elif match["close"] is not None:
            depth = max(depth - 1, 0)
    return None
