"""Which runner entry: pick one or several to harden, or describe the new one to add.

Several runners get the same answers in one diff and one save. The highlighted
runner is the choice until the user ticks some, so arrows and Enter still pick
one runner the quick way.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Label, Static
from textual.widgets.selection_list import Selection

from wizard.answers.steps import TOKEN_PROMPT
from wizard.answers.validation import url_problem
from wizard.base.masking import mask_secret, outward
from wizard.base.model import RunnerIdentity
from wizard.tui.ports import RunnerView, ServerStatusView
from wizard.tui.screens.base import WizardScreen
from wizard.tui.state import RUNNER, Mode
from wizard.tui.widgets.choices import MultiChoice, TickBox
from wizard.tui.widgets.sidebar import SidebarEntry


def runner_label(runner: RunnerView) -> Text:
    """Position, name, executor, URL, token and id of one entry, so runners sharing a
    name can be told apart; each masked here again: the session masks them, but a
    password in a URL must not reach the screen even if one value slips through."""
    text = Text(f"#{runner.index + 1} ", style="dim")
    text.append(outward(runner.name or "(unnamed)", one_line=True), style="bold")
    text.append(f"  {outward(runner.executor or 'no executor', one_line=True)}", style="cyan")
    text.append(f"  {outward(runner.url or 'no url', one_line=True)}")
    text.append(f"  token {masked_token(runner.token)}", style="dim")
    if runner.runner_id is not None:
        text.append(f"  id {runner.runner_id}", style="dim")
    return text


def masked_token(token: str | None) -> str:
    """The token as the picker shows it: masked unless it is masked already."""
    if not token:
        return "none"
    return token if "…" in token else mask_secret(token)


class RunnerScreen(WizardScreen):
    """In ``harden`` mode a list of the file's runners; in ``add`` mode a small form."""

    position = RUNNER

    class Proceed(Message):
        """The user chose entries (``runner_index`` and ``also``) or described a new
        one (``identity``)."""

        def __init__(
            self,
            runner_index: int | None,
            identity: RunnerIdentity | None,
            also: tuple[int, ...] = (),
        ) -> None:
            super().__init__()
            self.runner_index = runner_index
            self.identity = identity
            self.also = also

    def __init__(
        self,
        *,
        sidebar: list[SidebarEntry],
        title_bar: str,
        mode: Mode,
        runners: tuple[RunnerView, ...],
        runner_index: int | None,
        identity: RunnerIdentity | None,
        also: tuple[int, ...] = (),
        server: Mapping[int, ServerStatusView] | None = None,
    ) -> None:
        super().__init__(sidebar=sidebar, title_bar=title_bar)
        self.server: Mapping[int, ServerStatusView] = server or {}
        self.mode = mode
        self.runners = runners
        self.runner_index = runner_index
        self.also = also
        self.identity = identity or RunnerIdentity()

    def compose_main(self) -> ComposeResult:
        if self.mode == "harden":
            yield Static("Which runner?", classes="screen-title")
            yield Static(
                "Pick the [[runners]] entry to harden with ↑/↓, or tick several with Space "
                "to give them the same answers. Other entries stay exactly as they are.",
                classes="intro",
            )
            ticked = {self.runner_index, *self.also} if self.also else set()
            yield MultiChoice(
                *[
                    Selection(runner_label(r), str(r.index), r.index in ticked)
                    for r in self.runners
                ],
                id="runner-choice",
            )
            yield Static(self._server_text(), id="server-status")
            yield Static("", id="form-problem")
        else:
            yield Static("The new runner", classes="screen-title")
            yield Static(
                "Name and URL go into the new [[runners]] entry. The token may stay empty: "
                "paste the runner authentication token into config.toml later.",
                classes="intro",
            )
            yield Label("Name", classes="prompt")
            yield Input(
                self.identity.name or "", placeholder="e.g. docker-builds", id="name", compact=True
            )
            yield Label("GitLab URL", classes="prompt")
            yield Input(
                self.identity.url or "",
                placeholder="e.g. https://gitlab.example.com",
                id="url",
                compact=True,
            )
            yield TickBox(
                "Allow plain http (token sent unencrypted)",
                value=(self.identity.url or "").startswith("http://"),
                id="allow-http",
                compact=True,
            )
            yield Label(TOKEN_PROMPT, classes="prompt")
            yield Input(
                self.identity.token or "",
                password=True,
                placeholder="glrt-…",
                id="token",
                compact=True,
            )
            yield Static("", id="form-problem")
        with Horizontal(classes="actions"):
            yield Button("Back", id="back", compact=True)
            yield Button("Next", id="next", variant="primary", compact=True)

    def _server_text(self) -> Text:
        """One line per runner GitLab told us about: access level and token expiry."""
        text = Text()
        for runner in self.runners:
            status = self.server.get(runner.index)
            if status is None:
                continue
            if text:
                text.append("\n")
            text.append(outward(runner.name or f"runner #{runner.index + 1}"), style="bold")
            text.append(f" on GitLab: {outward(status.summary)}")
        return text

    def show_server(self, server: Mapping[int, ServerStatusView]) -> None:
        """GitLab answered after the screen was drawn."""
        self.server = server
        widgets = self.query("#server-status")
        if widgets:
            widget = widgets.first(Static)
            widget.update(self._server_text())
            widget.display = bool(self.server)

    def on_mount(self) -> None:
        server = self.query("#server-status")
        if server:
            server.first().display = bool(self.server)
        first = self.query("#runner-choice, #name")
        if first:
            first.first().focus()
        if self.mode == "harden":
            picker = self.query_one("#runner-choice", MultiChoice)
            indexes = [r.index for r in self.runners]
            if self.runner_index in indexes:
                picker.highlighted = indexes.index(self.runner_index)

    def chosen_runners(self) -> list[RunnerView]:
        """The ticked runners, or else the highlighted one, in file order."""
        picker = self.query_one("#runner-choice", MultiChoice)
        ticked = set(picker.selected)
        if ticked:
            return [r for r in self.runners if str(r.index) in ticked]
        return [self.runners[picker.highlighted or 0]]

    @on(Input.Submitted)
    def _field_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_next()

    @on(Button.Pressed, "#next")
    def _next_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_next()

    @on(Button.Pressed, "#back")
    def _back_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_back()

    def action_next(self) -> None:
        if self.mode == "harden":
            chosen = self.chosen_runners()
            executors = {runner.executor for runner in chosen}
            if len(executors) > 1:
                # One set of answers fits one kind of runner: the steps differ per executor.
                self.query_one("#form-problem", Static).update(
                    Text(
                        "These runners use different executors; tick runners with the "
                        "same executor to harden them together.",
                        style="bold red",
                    )
                )
                return
            first, *others = chosen
            self.post_message(self.Proceed(first.index, None, tuple(r.index for r in others)))
            return
        name = self.query_one("#name", Input).value.strip()
        url = self.query_one("#url", Input).value.strip()
        token = self.query_one("#token", Input).value.strip()
        problem = url_problem(
            url,
            allow_http=self.query_one("#allow-http", Checkbox).value,
            how_to_allow="tick the box",
        )
        if not name:
            problem = "Give the runner a name; it shows in GitLab's runner list."
        if problem:
            self.query_one("#form-problem", Static).update(Text(problem, style="bold red"))
            self.query_one("#url" if name else "#name", Input).focus()
            return
        identity = RunnerIdentity(name=name, url=url.rstrip("/"), token=token or None)
        self.post_message(self.Proceed(None, identity))

    def help_text(self) -> tuple[str, str | Text]:
        return (
            "The runner entry",
            "Each [[runners]] entry in config.toml is one registered runner. Hardening "
            "changes only the entries you pick; ticked runners (Space) get the same "
            "answers, and the steps show the first one's current values. A new entry "
            "needs a name and the https address of your GitLab; the token is shown "
            "nowhere and may be left empty, for gitlab-runner register to fill in when "
            "you register the runner.",
        )
