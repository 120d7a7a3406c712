"""Which runner entry: pick one or several to harden, or describe the new one to add.

Several runners get the same answers in one diff and one save. The highlighted
runner is the choice until the user ticks some, so arrows and Enter still pick
one runner the quick way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Label, Static
from textual.widgets.selection_list import Selection

from wizard.answers.steps import TOKEN_PROMPT
from wizard.answers.validation import url_problem
from wizard.base.model import RunnerIdentity
from wizard.base.safe_text import FileValue, Safe, compose, one_line, ours, render, shown
from wizard.tui.ports import RunnerView, ServerStatusView
from wizard.tui.safe_widgets import Part, Parts, plain, styled
from wizard.tui.screens.base import WizardScreen, help_body
from wizard.tui.state import RUNNER, Mode
from wizard.tui.widgets.choices import MultiChoice, TickBox
from wizard.tui.widgets.sidebar import SidebarEntry

if TYPE_CHECKING:
    from rich.text import Text


def runner_label(runner: RunnerView) -> Text:
    """Position, name, executor, URL, token and id of one entry, so runners sharing a
    name can be told apart; each masked here again: the session masks them, but a
    password in a URL must not reach the screen even if one value slips through."""
    parts = [
        Part(render("#{number} ", number=runner.index + 1)),
        Part(one_line(shown(runner.name or "(unnamed)")), "bold"),
        Part(render("  {executor}", executor=runner.executor or "no executor"), "cyan"),
        Part(render("  {url}", url=runner.url or "no url")),
        Part(compose("  token {token}", token=masked_token(runner.token)), "dim"),
    ]
    if runner.runner_id is not None:
        parts.append(Part(render("  id {id}", id=runner.runner_id), "dim"))
    return styled(one_line_parts(parts), style="dim")


def one_line_parts(parts: Parts) -> Parts:
    """Each run made one line: a list row is one line, whatever a value holds."""
    return [Part(one_line(part.text), part.style) for part in parts]


def masked_token(token: str | None) -> Safe:
    """The token as the picker shows it: masked unless it is masked already."""
    if not token:
        return ours("none")
    return shown(token) if "…" in token else FileValue(token, "token", secret=True).shown()


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
        title_bar: Safe,
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
            yield Label(plain(ours(TOKEN_PROMPT)), classes="prompt")
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
        parts: Parts = []
        for runner in self.runners:
            status = self.server.get(runner.index)
            if status is None:
                continue
            if parts:
                parts.append(Part(ours("\n")))
            name = runner.name or f"runner #{runner.index + 1}"
            parts.append(Part(render("{name}", name=name), "bold"))
            parts.append(Part(render(" on GitLab: {summary}", summary=status.summary)))
        return styled(parts)

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
                    plain(
                        ours(
                            "These runners use different executors; tick runners with the "
                            "same executor to harden them together."
                        ),
                        "bold red",
                    )
                )
                return
            first, *others = chosen
            self.post_message(self.Proceed(first.index, None, tuple(r.index for r in others)))
            return
        name = self.query_one("#name", Input).value.strip()
        url = self.query_one("#url", Input).value.strip()
        token = self.query_one("#token", Input).value.strip()
        problem: str | None = url_problem(
            url,
            allow_http=self.query_one("#allow-http", Checkbox).value,
            how_to_allow="tick the box",
        )
        if not name:
            problem = "Give the runner a name; it shows in GitLab's runner list."
        if problem:
            self.query_one("#form-problem", Static).update(plain(shown(problem), "bold red"))
            self.query_one("#url" if name else "#name", Input).focus()
            return
        identity = RunnerIdentity(name=name, url=url.rstrip("/"), token=token or None)
        self.post_message(self.Proceed(None, identity))

    def help_text(self) -> tuple[Safe, Parts]:
        return help_body(
            "The runner entry",
            "Each [[runners]] entry in config.toml is one registered runner. Hardening "
            "changes only the entries you pick; ticked runners (Space) get the same "
            "answers, and the steps show the first one's current values. A new entry "
            "needs a name and the https address of your GitLab; the token is shown "
            "nowhere and may be left empty, for gitlab-runner register to fill in when "
            "you register the runner.",
        )
