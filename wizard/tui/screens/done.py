"""After a save: where the file and its backup are, and how the written file audits."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Static

from wizard.tui.screens.base import WizardScreen
from wizard.tui.widgets.sidebar import SidebarEntry


class DoneScreen(WizardScreen):
    """The outcome of the save; Enter or Finish leaves the wizard."""

    position = "done"

    class Finished(Message):
        """The user has read the outcome."""

    def __init__(self, *, sidebar: list[SidebarEntry], title_bar: str, outcome: Text) -> None:
        super().__init__(sidebar=sidebar, title_bar=title_bar)
        self.outcome = outcome

    def compose_main(self) -> ComposeResult:
        yield Static("Saved", classes="screen-title")
        yield Static(self.outcome, id="outcome")
        with Horizontal(classes="actions"):
            yield Button("Finish", id="finish", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#finish", Button).focus()

    @on(Button.Pressed, "#finish")
    def _finish_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Finished())

    def action_next(self) -> None:
        self.post_message(self.Finished())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No "Back" in the key help where there is nothing to go back to."""
        return action != "back"

    def action_back(self) -> None:
        """The file is written; there is nothing to go back to."""
