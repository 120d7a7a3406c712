"""One explicit question before writing changes that may break jobs."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from wizard.base.safe_text import Safe, joined
from wizard.tui.safe_widgets import plain


class ConfirmSaveScreen(ModalScreen[bool | None]):
    """ "Save N changes that may break jobs?" naming each one; Yes writes them too, No
    writes only the changes that cannot break a job, Escape goes back.

    The wording and the lines come from the core (:mod:`wizard.answers.impact`); No has the
    focus, so Enter alone never writes a change that may break jobs.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes, save"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(None)", "Back"),
    ]

    def __init__(self, question: Safe, lines: list[Safe]) -> None:
        super().__init__()
        self.question = question
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Static(plain(self.question), id="confirm-title")
            with VerticalScroll(id="confirm-body"):
                # Plain text: keys and values from the file may hold markup.
                yield Static(plain(joined(self.lines)), id="confirm-changes")
            with Horizontal(id="confirm-actions"):
                yield Button("Yes, save (y)", id="confirm-yes", variant="warning", compact=True)
                yield Button("No (n)", id="confirm-no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool | None) -> None:
        self.dismiss(yes)
