"""Help for the current step, over the screen it explains."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from wizard.base.safe_text import Safe
from wizard.tui.safe_widgets import Parts, plain, styled

KEYS_HELP = (
    "Keys: ↑/↓ choose · Tab next question · Space tick a box · Enter next step · "
    "Esc back · q (Ctrl+Q in a text line) quit without saving"
)


class HelpScreen(ModalScreen[None]):
    """A dialog with the step's help text; any of Esc, Enter, ? or F1 closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,f1,question_mark", "close", "Close"),
    ]

    def __init__(self, title: Safe, body: Parts) -> None:
        super().__init__()
        self.help_title = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Static(plain(self.help_title), id="help-title")
            with VerticalScroll(id="help-body"):
                # Plain text, not markup: help names tables such as [runners.docker],
                # which markup would swallow, leaving a stray "]".
                yield Static(styled(self.body))
                yield Static(KEYS_HELP, id="help-keys")
            yield Button("Close", id="help-close", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
