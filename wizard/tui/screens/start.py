"""The first screen: which file, and whether to harden a runner or add one."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from wizard.answers.wording import start_title
from wizard.base.safe_text import Safe, ours, render
from wizard.runner.settings import runner_label
from wizard.tui.messages import QuitWithoutSaving
from wizard.tui.safe_widgets import Part, Parts, plain, styled
from wizard.tui.screens.base import WizardScreen, help_body
from wizard.tui.state import START, FileFacts, Mode
from wizard.tui.widgets.choices import ChoiceButton, ChoiceSet
from wizard.tui.widgets.sidebar import SidebarEntry

if TYPE_CHECKING:
    from rich.text import Text

NEW_CONFIG = "config.toml"
"""What an empty "Working on" box means: a new config in this folder."""


def path_from_text(text: str) -> Path:
    """The file a "Working on" text names; empty means :data:`NEW_CONFIG`."""
    return Path(text.strip() or NEW_CONFIG).expanduser()


def names_same_file(text: str, display: str) -> bool:
    """Whether the box's ``text`` names the file shown as ``display``.

    Compared as absolute paths, so ``./config.toml``, ``config.toml`` and the
    full path all count as the file already read: only a different file is
    read again (reading the same one again would never let Next go on).
    """

    def absolute(path: Path) -> str:
        return os.path.normpath(os.path.abspath(path))

    return absolute(path_from_text(text)) == absolute(path_from_text(display))


def mode_options(facts: FileFacts) -> list[tuple[Mode, Safe]]:
    """What can be done with this file: harden needs a runner entry to harden."""
    if not facts.exists:
        return [("add", ours("Create a new config with one runner"))]
    options: list[tuple[Mode, Safe]] = []
    if facts.runners:
        options.append(("harden", ours("Edit this file: harden one of its runners")))
    options.append(("add", ours("Add a new runner to this file")))
    return options


def facts_line(facts: FileFacts) -> Text:
    if facts.problem:
        return plain(facts.problem, "bold red")
    if not facts.exists:
        return plain(ours("This file does not exist yet: the wizard will create it."), "yellow")
    count = len(facts.runners)
    found = render("Found {count} runner{s}", count=count, s="s" if count != 1 else "")
    parts = [Part(found)]
    if facts.runners:
        names = ", ".join(runner_label(r.name, r.index) for r in facts.runners[:4])
        more = f" and {count - 4} more" if count > 4 else ""
        parts.append(Part(render(": {names}{more}", names=names, more=more)))
    return styled(parts, style="green")


class StartScreen(WizardScreen):
    """Says which file the wizard works on, lets the user pick another, and asks
    whether to harden an existing runner or to add a new one."""

    position = START
    AUTO_FOCUS = "#next"
    """The file's choices appear once it has been read; focus moves there then."""

    class PathEntered(Message):
        """The user typed another path."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Proceed(Message):
        """The user chose what to do with the file."""

        def __init__(self, mode: Mode) -> None:
            super().__init__()
            self.mode = mode

    def __init__(
        self, *, sidebar: list[SidebarEntry], title_bar: Safe, path_text: str, mode: Mode | None
    ) -> None:
        super().__init__(sidebar=sidebar, title_bar=title_bar)
        self.path_text = path_text
        self._requested_text = path_text
        """The box's text when the file was last asked for: while the box still holds
        it, the user has not typed another path, and the file read replaces it."""
        self.facts: FileFacts | None = None
        self.mode = mode
        self._modes: list[Mode] = []
        self._mode_picked = mode is not None
        """Once the user picked, another file keeps the pick when it allows it."""

    def compose_main(self) -> ComposeResult:
        yield Static(
            plain(ours(start_title(self.path_text))), classes="screen-title", id="start-title"
        )
        yield Static(
            "The wizard changes only what your answers require and keeps every comment. "
            "Nothing is written until you press Save on the review screen.",
            classes="intro",
        )
        yield Label("Working on (edit and press Enter to use another file):", classes="prompt")
        yield Input(
            value=self.path_text,
            placeholder="looking for the runner's config…",
            id="path",
            compact=True,
        )
        yield Static(plain(ours("Reading the file…"), "dim"), id="file-facts")
        yield Label("What do you want to do?", classes="prompt")
        yield Vertical(id="mode-box")
        with Horizontal(classes="actions"):
            yield Button("Next", id="next", variant="primary", compact=True)
            yield Button("Quit", id="quit", compact=True)

    def show_facts(self, facts: FileFacts) -> None:
        """The app read the file: say what is in it and offer what can be done."""
        self.facts = facts
        self.query_one("#file-facts", Static).update(facts_line(facts))
        self.query_one("#start-title", Static).update(plain(ours(start_title(facts.display))))
        box = self.query_one("#mode-box", Vertical)
        path_input = self.query_one("#path", Input)
        path_focused = path_input.has_focus
        if path_input.value.strip() == self._requested_text.strip():
            # The box shows the file just read, as the rest of the wizard names it.
            path_input.value = facts.display
            self._requested_text = facts.display
        options = [] if facts.problem else mode_options(facts)
        self._modes = [mode for mode, _label in options]
        if self.mode not in self._modes or not self._mode_picked:
            self.mode = self._modes[0] if self._modes else None
        buttons = [ChoiceButton(plain(label), value=mode == self.mode) for mode, label in options]
        box.remove_children()
        choice = ChoiceSet(*buttons, classes="mode")
        box.mount(choice)
        if not path_focused:
            choice.focus()

    @on(ChoiceSet.Changed, ".mode")
    def _mode_changed(self, event: ChoiceSet.Changed) -> None:
        event.stop()
        self.mode = self._modes[event.index]
        self._mode_picked = True

    @on(Input.Submitted, "#path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.facts is None:
            return  # the first read is still going; its result fills the box
        if names_same_file(event.value, self.facts.display):
            self.action_next()
        else:
            self._ask_for(event.value.strip())

    @on(Button.Pressed, "#next")
    def _next_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_next()

    @on(Button.Pressed, "#quit")
    def _quit_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(QuitWithoutSaving())

    def _ask_for(self, text: str) -> None:
        self._requested_text = text
        self.query_one("#file-facts", Static).update(plain(ours("Reading the file…"), "dim"))
        self.post_message(self.PathEntered(text))

    def action_next(self) -> None:
        if self.facts is None:
            return
        text = self.query_one("#path", Input).value
        if not names_same_file(text, self.facts.display):
            self._ask_for(text.strip())
            return
        if self.mode is not None:
            self.post_message(self.Proceed(self.mode))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No "Back" in the key help where there is nothing to go back to."""
        return action != "back"

    def action_back(self) -> None:
        """Nothing comes before the first screen."""

    def help_text(self) -> tuple[Safe, Parts]:
        return help_body(
            "Choosing the file",
            "The wizard opens the runner's usual config.toml when there is one "
            "(/etc/gitlab-runner/config.toml as root, ~/.gitlab-runner/config.toml "
            "otherwise), else a new config.toml in this folder. Type another path and "
            "press Enter to use it. Harden a runner to tighten an entry that exists; add "
            "a runner to write a new [[runners]] entry with safe settings.",
        )
