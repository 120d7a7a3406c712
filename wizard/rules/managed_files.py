"""Whether a file's opening comments say a configuration-management tool writes it.

Used by every review that edits a file (its next run puts the old settings back)
and by the host rule on token rotation (its next run puts a revoked token back).
"""

from __future__ import annotations

import re

_TOOLS = r"(puppet|ansible|chef|salt(?:stack)?|terraform|cfengine|saltstack)"
_MANAGED_HEADER = re.compile(
    rf"^\s*#.*?(?:managed|generated|maintained|deployed|controlled)\s+(?:by|with|via)\s+{_TOOLS}\b"
    rf"|^\s*#.*?\b{_TOOLS}\b.*?(?:do not edit|don't edit|will be overwritten)"
    # Ansible's default ansible_managed string is "Ansible managed".
    rf"|^\s*#+\s*{_TOOLS}\s+(?:managed|generated)\b",
    re.IGNORECASE | re.MULTILINE,
)
_HEADER_LINES = 30


def managing_tool(text: str) -> str | None:
    """The tool the file's opening comments name as its writer ("Puppet"), else ``None``."""
    head = "\n".join(text.splitlines()[:_HEADER_LINES])
    found = _MANAGED_HEADER.search(head)
    if found is None:
        return None
    tool = next(group for group in found.groups() if group)
    return {"saltstack": "Salt", "cfengine": "CFEngine"}.get(tool.casefold(), tool.capitalize())
