"""Text safe to send to a terminal: no control characters from a file ever reach it raw.

A runner named ``"prod\\u001b]2;PWNED\\u0007"`` would retitle the operator's
terminal, and ``\\u001b[1A\\u001b[2K`` would erase report lines above it. Every
control character (C0 but tab and newline, DEL, C1) and every character that
reorders text on screen (bidirectional overrides, line separators) is shown as
its escape instead. One ``str.translate``: linear and fast on any size.
"""

from __future__ import annotations

_REORDERING = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_CONTROLS = [*(c for c in range(0x20) if c not in (0x09, 0x0A)), 0x7F, *range(0x80, 0xA0)]
_KEEP_NEWLINES = {code: _escape(code) for code in (*_CONTROLS, 0x2028, 0x2029, *_REORDERING)}
_ONE_LINE = {**_KEEP_NEWLINES, 0x0A: "\\n", 0x09: "\\t"}
_JSON = {code: f"\\u{code:04x}" for code in (*range(0x80, 0xA0), 0x2028, 0x2029, *_REORDERING)}


def printable(text: str, *, one_line: bool = False) -> str:
    """``text`` with every control and reordering character escaped.

    ``one_line`` also escapes newlines and tabs: an error message stays one line
    whatever value it quotes.
    """
    return text.translate(_ONE_LINE if one_line else _KEEP_NEWLINES)


def printable_json(text: str) -> str:
    """JSON text (C0 already escaped by ``json``) with C1 and reordering characters escaped too."""
    return text.translate(_JSON)
