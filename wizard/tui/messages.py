"""Messages every screen sends up to the app, which owns the state and the flow.

Screens never decide where the wizard goes next or touch the session: they
say what the user did, and the app answers by showing another screen or by
setting attributes on this one.
"""

from __future__ import annotations

from textual.message import Message


class GoNext(Message):
    """The user wants the next screen (Enter, or the Next button)."""

    def __init__(self, position: str) -> None:
        super().__init__()
        self.position = position


class GoBack(Message):
    """The user wants the previous screen (Esc, or the Back button)."""

    def __init__(self, position: str) -> None:
        super().__init__()
        self.position = position


class QuitWithoutSaving(Message):
    """The user chose to leave; nothing is written."""
