"""The warning every review shows when a configuration tool manages the file.

Whether a tool manages it is read once, by :func:`wizard.rules.managed_files.managing_tool`
(the host rule on token rotation asks the same); this module only words the warning.
"""

from __future__ import annotations

from wizard.rules.managed_files import managing_tool


def managed_warning(text: str) -> str | None:
    """When the file's opening comments say a configuration tool manages it, the warning
    every review shows: that tool's next run puts the old settings back."""
    name = managing_tool(text)
    if name is None:
        return None
    return (
        f"this file says it is managed by {name}: its next run overwrites these changes; "
        f"make them in {name}'s source for this file as well"
    )
