"""After Review: what was written, how the written file audits, and the offer to
save the answers as a team preset."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from wizard.base.safe_text import Safe, ours
from wizard.tui.safe_widgets import Parts, plain, styled
from wizard.tui.screens.base import WizardScreen, help_body
from wizard.tui.widgets.sidebar import SidebarEntry


class DoneScreen(WizardScreen):
    """The outcome of the save; the preset name has the focus, so typing names a preset,
    and Enter with no name (or on Finish) leaves the wizard."""

    position = "done"

    class Finished(Message):
        """The user has read the outcome."""

    class PresetRequested(Message):
        """The user wants these answers written as preset ``name`` (``./name.toml``)."""

        def __init__(self, name: str, description: str) -> None:
            super().__init__()
            self.name = name
            self.description = description

    def __init__(
        self,
        *,
        sidebar: list[SidebarEntry],
        title_bar: Safe,
        title: Safe,
        outcome: Parts,
        audit: Parts | None = None,
    ) -> None:
        super().__init__(sidebar=sidebar, title_bar=title_bar)
        self.title_text = title
        self.outcome = outcome
        """What was written, in a few lines."""
        self.audit = audit or []
        """The findings still reported for the written file, one per line."""

    def compose_main(self) -> ComposeResult:
        yield Static(plain(self.title_text), classes="screen-title")
        with VerticalScroll(id="done"):
            yield Static(styled(self.outcome), id="outcome")
            yield Static("Save these answers as a preset", classes="section-title")
            yield Static(
                "Colleagues then get the same runner settings with --preset ./NAME.toml.",
                classes="intro",
            )
            yield Label("Name (lower-case letters, digits and dashes)", classes="prompt")
            yield Input(placeholder="e.g. our-docker", id="preset-name", compact=True)
            yield Label("What it is for (one line, optional)", classes="prompt")
            yield Input(id="preset-description", compact=True)
            yield Static("", id="preset-result")
            if self.audit:
                yield Static("Still reported for the written file", classes="section-title")
                yield Static(styled(self.audit), id="audit")
        with Horizontal(classes="actions"):
            yield Button("Save preset", id="save-preset", compact=True)
            yield Button("Finish", id="finish", variant="primary", compact=True)

    def on_mount(self) -> None:
        # Typing right after Save names the preset; Enter alone still finishes.
        self.query_one("#preset-name", Input).focus()

    def show_preset_result(self, message: Safe, *, ok: bool) -> None:
        """The app wrote the preset, or says in one line why it did not."""
        style = "green" if ok else "bold red"
        self.query_one("#preset-result", Static).update(plain(message, style))
        if not ok:
            self.query_one("#preset-name", Input).focus()

    def _request_preset(self) -> None:
        name = self.query_one("#preset-name", Input).value.strip()
        if not name:
            self.show_preset_result(ours("Give the preset a name first."), ok=False)
            return
        description = self.query_one("#preset-description", Input).value.strip()
        self.post_message(self.PresetRequested(name, description))

    @on(Input.Submitted)
    def _preset_submitted(self, event: Input.Submitted) -> None:
        """Enter in the name line goes to the description (with no name, it finishes);
        there, it saves."""
        event.stop()
        if event.input.id == "preset-name":
            if not event.value.strip():
                self.post_message(self.Finished())
                return
            self.query_one("#preset-description", Input).focus()
        else:
            self._request_preset()

    @on(Button.Pressed, "#save-preset")
    def _save_preset_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._request_preset()

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

    def help_text(self) -> tuple[Safe, Parts]:
        return help_body(
            "Done",
            "What was written is listed above. Type a name to save a preset, or press "
            "Enter with no name to finish. A preset keeps every answer of this run "
            "(locked, so colleagues get the same runner) in NAME.toml in the current "
            "folder; an existing file of that name is never replaced.",
        )
