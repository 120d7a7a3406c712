"""Whether a configuration tool manages a file: its next run would undo our edits.

Every review (both wizards, ``harden``) shows the same warning, worded here, when the
file's opening comments say a configuration-management tool writes it.
"""

from __future__ import annotations

import re

_TOOLS = r"(puppet|ansible|chef|salt(?:stack)?|terraform|cfengine|saltstack)"
_MANAGED_HEADER = re.compile(
    rf"^\s*#.*?(?:managed|generated|maintained|deployed|controlled)\s+(?:by|with|via)\s+{_TOOLS}\b"
    rf"|^\s*#.*?\b{_TOOLS}\b.*?(?:do not edit|don't edit|will be overwritten)",
    re.IGNORECASE | re.MULTILINE,
)
_HEADER_LINES = 30


def managed_warning(text: str) -> str | None:
    """When the file's opening comments say a configuration tool manages it, the warning
    every review shows: that tool's next run puts the old settings back."""
    head = "\n".join(text.splitlines()[:_HEADER_LINES])
    found = _MANAGED_HEADER.search(head)
    if found is None:
        return None
    tool = next(group for group in found.groups() if group)
    name = {"saltstack": "Salt", "cfengine": "CFEngine"}.get(tool.casefold(), tool.capitalize())
    return (
        f"this file says it is managed by {name}: its next run overwrites these changes; "
        f"make them in {name}'s source for this file as well"
    )
