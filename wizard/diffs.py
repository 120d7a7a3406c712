"""Unified diffs of a config before and after an edit, with every secret masked."""

from __future__ import annotations

import difflib

from wizard.document import ConfigDocument


def masked_diff(before: ConfigDocument, after: ConfigDocument, *, label: str | None = None) -> str:
    """A unified diff with secrets masked; empty when nothing changes.

    Line endings are shown as plain newlines: a CRLF file stays CRLF on disk,
    but a terminal should not be sent carriage returns.
    """
    if before.text == after.text:
        return ""
    name = label or (str(before.path) if before.path else "config.toml")
    old = _lines(before.masked_text())
    new = _lines(after.masked_text())
    lines = difflib.unified_diff(old, new, f"{name} (current)", f"{name} (hardened)", n=2)
    return "".join(lines)


def _lines(text: str) -> list[str]:
    """Lines as TOML counts them: ``str.splitlines`` would also split inside a string
    at characters such as U+0085 or U+2028, shifting every line number after it."""
    pieces = text.split("\n")
    if pieces[-1] == "":
        pieces.pop()  # after the final newline there is no line
    return [line.removesuffix("\r") + "\n" for line in pieces]
