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
    old = [line.rstrip("\r\n") + "\n" for line in before.masked_text().splitlines()]
    new = [line.rstrip("\r\n") + "\n" for line in after.masked_text().splitlines()]
    lines = difflib.unified_diff(old, new, f"{name} (current)", f"{name} (hardened)", n=2)
    return "".join(lines)
