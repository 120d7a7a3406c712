"""The step list down the left: where the user is, where they have been.

Visited entries are links (click them to go back); the rest are plain text.
Steps that do not apply to the chosen executor are listed but struck out, so
the user sees they were skipped on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from wizard.base.safe_text import Safe, compose, ours
from wizard.tui.safe_widgets import plain

EntryStatus = Literal["current", "visited", "pending", "skipped", "done"]

MARKERS: dict[EntryStatus, str] = {
    "current": "▶",
    "visited": "✓",
    "pending": "·",
    "skipped": "–",
    "done": "✓",
}


@dataclass(frozen=True)
class SidebarEntry:
    position: str
    label: Safe
    status: EntryStatus


def entry_text(entry: SidebarEntry) -> Safe:
    """``✓ Executor``: the entry's mark and its label."""
    return compose("{mark} {label}", mark=ours(MARKERS[entry.status]), label=entry.label)


class SidebarItem(Static):
    """One entry; a click on a visited one asks to go there."""

    def __init__(self, entry: SidebarEntry) -> None:
        super().__init__(
            plain(entry_text(entry)),
            id=f"nav-{entry.position}",
            classes=f"-{entry.status}",
        )
        self.entry = entry

    def show(self, entry: SidebarEntry) -> None:
        """Show another entry in this place, without remounting."""
        if entry == self.entry:
            return
        self.entry = entry
        self.update(plain(entry_text(entry)))
        self.set_classes(f"-{entry.status}")

    def on_click(self, event: events.Click) -> None:
        event.stop()
        if self.entry.status == "visited":
            self.post_message(StepSidebar.Jump(self.entry.position))


class StepSidebar(Vertical):
    """The list of places in the wizard."""

    class Jump(Message):
        """The user clicked a visited entry."""

        def __init__(self, position: str) -> None:
            super().__init__()
            self.position = position

    def __init__(self, entries: list[SidebarEntry]) -> None:
        super().__init__(id="sidebar")
        self.entries = entries

    def compose(self) -> ComposeResult:
        yield Static("Steps", classes="sidebar-title")
        for entry in self.entries:
            yield SidebarItem(entry)

    async def show(self, entries: list[SidebarEntry]) -> None:
        """Show new entries (the executor decides which steps apply), updating the
        items in place: every move and answer changes a mark or two, not the list."""
        if entries == self.entries:
            return
        items = list(self.query(SidebarItem))
        same_places = [item.entry.position for item in items] == [e.position for e in entries]
        self.entries = entries
        if same_places:
            for item, entry in zip(items, entries, strict=True):
                item.show(entry)
            return
        await self.query(SidebarItem).remove()
        await self.mount_all(SidebarItem(entry) for entry in entries)
