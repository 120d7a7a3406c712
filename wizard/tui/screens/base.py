"""The frame every wizard screen shares: title bar, step list, content, key help.

Subclasses fill :meth:`WizardScreen.compose_main` and may refine what Next
and Back mean (e.g. validate a form first); the frame posts the messages.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from wizard.base.safe_text import Safe, ours
from wizard.tui.messages import GoBack, GoNext
from wizard.tui.safe_widgets import Part, Parts, plain
from wizard.tui.widgets.sidebar import SidebarEntry, StepSidebar


def help_body(title: str, body: str) -> tuple[Safe, Parts]:
    """A help whose title and body are our own sentences."""
    return ours(title), [Part(ours(body))]


class WizardScreen(Screen[None]):
    """A screen with the step list on the left and its own content on the right."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("enter", "next", "Next"),
        Binding("f1,question_mark", "help", "Help", key_display="?"),
        # The key help shows the first key of an action that works where the focus
        # is: q, or in a text line (where q is a letter) Ctrl+Q. The app's own
        # Ctrl+Q binding does the quitting everywhere.
        Binding("q", "app.quit_without_saving", "Quit"),
        Binding("ctrl+q", "app.quit_without_saving", "Quit", priority=True),
    ]

    position: str = ""
    """Where this screen sits in the flow (a step id, ``start``, ``review`` …)."""

    def __init__(self, *, sidebar: list[SidebarEntry], title_bar: Safe) -> None:
        super().__init__()
        self.sidebar_entries = sidebar
        self.title_bar = title_bar

    def compose(self) -> ComposeResult:
        yield Static(plain(self.title_bar), id="title-bar")
        with Horizontal(id="frame"):
            yield StepSidebar(self.sidebar_entries)
            with Vertical(id="main"):
                yield from self.compose_main()
        yield Footer()

    def compose_main(self) -> ComposeResult:
        yield from ()

    def help_text(self) -> tuple[Safe, Parts]:
        """Title and body of this screen's help."""
        return help_body(
            "Help",
            "Answer the questions; Enter goes on, Esc goes back, q (Ctrl+Q in a text line) quits.",
        )

    def action_next(self) -> None:
        self.post_message(GoNext(self.position))

    def action_back(self) -> None:
        self.post_message(GoBack(self.position))

    def action_help(self) -> None:
        from wizard.tui.screens.help import HelpScreen

        title, body = self.help_text()
        self.app.push_screen(HelpScreen(title, body))
