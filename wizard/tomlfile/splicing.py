"""Edits as text splices: the shared ground of the editors.

Every editor turns one kind of edit into ``(start, end, replacement)`` splices
on the original text, collected in one :class:`Splices` so they are applied
together, in one pass, and can be checked for overlap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from wizard.base.errors import EditError
from wizard.base.safe_text import Message
from wizard.tomlfile.index import Index
from wizard.tomlfile.style import FileStyle

Splice = tuple[int, int, str]


@dataclass
class Splices:
    """The text being edited, what is known about it, and the splices planned so far."""

    path: Path | None
    text: str
    index: Index
    style: FileStyle
    newline: str
    splices: list[Splice] = field(default_factory=list)
    removed: set[int] = field(default_factory=set)
    """Line offsets of the key statements this plan removes."""


class Editor:
    """One kind of edit; reads the shared :class:`Splices` and adds to it."""

    def __init__(self, plan: Splices) -> None:
        self.plan = plan
        self.path = plan.path
        self.text = plan.text
        self.index = plan.index
        self.style = plan.style
        self.newline = plan.newline
        self.splices = plan.splices
        self.removed = plan.removed


def apply_splices(text: str, splices: list[Splice]) -> str:
    """Apply non-overlapping (start, end, replacement) splices.

    At equal starts a pure insertion goes before a splice that replaces text
    (new keys after a line that is itself removed); otherwise the order is kept.
    """
    if not splices:
        return text
    ordered = sorted(
        enumerate(splices), key=lambda item: (item[1][0], item[1][1] > item[1][0], item[0])
    )
    parts: list[str] = []
    cursor = 0
    for _, (start, end, replacement) in ordered:
        if start < cursor:
            raise EditError(None, Message.of("two edits overlap; nothing written"))
        parts.append(text[cursor:start])
        parts.append(replacement)
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts)


def leading_space(text: str, start: int) -> int:
    """How many spaces and tabs start at ``start``."""
    count = 0
    while start + count < len(text) and text[start + count] in " \t":
        count += 1
    return count
