"""One step of the wizard: its questions, drawn from :data:`wizard.answers.steps.STEPS`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from wizard.answers.steps import Question, Step
from wizard.base.model import Finding
from wizard.base.safe_text import Safe, compose, ours, render
from wizard.tui.safe_widgets import Part, Parts, plain
from wizard.tui.screens.base import WizardScreen
from wizard.tui.widgets.findings import FindingsCount
from wizard.tui.widgets.question import QuestionField
from wizard.tui.widgets.sidebar import SidebarEntry, StepSidebar

if TYPE_CHECKING:
    from rich.text import Text


@dataclass(frozen=True)
class QuestionView:
    """Everything a question shows, worked out by the app from its state."""

    question: Question
    value: Any
    recommended: Any
    current: Any
    can_keep: bool
    locked: bool


class StepScreen(WizardScreen):
    """The questions of one step, the live findings count, and Back / Next."""

    def __init__(
        self,
        *,
        sidebar: list[SidebarEntry],
        title_bar: Safe,
        step: Step,
        number: int,
        total: int,
        questions: Sequence[QuestionView],
    ) -> None:
        super().__init__(sidebar=sidebar, title_bar=title_bar)
        self.step = step
        self.position = step.id
        self.number = number
        self.total = total
        self.questions = questions
        self._findings: tuple[Sequence[Finding], Sequence[Finding]] | None = None
        self._problem: Safe | None = None
        self._mounted = False

    def compose_main(self) -> ComposeResult:
        yield Static(self._heading(), classes="screen-title")
        yield Static(plain(ours(self.step.intro)), classes="intro")
        with VerticalScroll(id="questions"):
            yield from self._fields()
        with Vertical(id="bottom-bar"):
            yield FindingsCount()
            with Horizontal(classes="actions"):
                yield Button("Back", id="back", compact=True)
                yield Button("Next", id="next", variant="primary", compact=True)

    def _heading(self) -> Text:
        return plain(
            render(
                "Step {number} of {total} · {title}",
                number=self.number,
                total=self.total,
                title=self.step.title,
            )
        )

    def _fields(self) -> list[QuestionField]:
        return [
            QuestionField(
                view.question,
                value=view.value,
                recommended=view.recommended,
                current=view.current,
                can_keep=view.can_keep,
                locked=view.locked,
            )
            for view in self.questions
        ]

    async def show_step(
        self,
        *,
        sidebar: list[SidebarEntry],
        title_bar: Safe,
        step: Step,
        number: int,
        total: int,
        questions: Sequence[QuestionView],
    ) -> None:
        """Become another step in place: the frame, sidebar and bottom bar stay
        mounted, only the questions are replaced. Moving between steps is then
        a small update rather than a whole new screen."""
        self.step, self.position = step, step.id
        self.number, self.total, self.questions = number, total, questions
        self.title_bar, self.sidebar_entries = title_bar, sidebar
        self.query_one("#title-bar", Static).update(plain(title_bar))
        await self.query_one(StepSidebar).show(sidebar)
        self.query_one(".screen-title", Static).update(self._heading())
        self.query_one(".intro", Static).update(plain(ours(step.intro)))
        area = self.query_one("#questions", VerticalScroll)
        await area.remove_children()
        await area.mount_all(self._fields())
        # As a new screen would: focus the first answer, the questions shown from the top
        # (focusing must not scroll a tall first question into view at a small size).
        self._focus_first(scroll_visible=False)
        area.scroll_home(animate=False, immediate=True)
        self.call_after_refresh(area.scroll_home, animate=False, immediate=True)

    def on_mount(self) -> None:
        self._mounted = True
        if self._findings is not None:
            self.show_findings(*self._findings)
        elif self._problem is not None:
            self.show_problem(self._problem)
        self._focus_first()

    def _focus_first(self, *, scroll_visible: bool = True) -> None:
        focusable = [
            w for w in self.query("ChoiceSet, MultiChoice, Checkbox, Input") if not w.disabled
        ]
        target = focusable[0] if focusable else self.query_one("#next", Button)
        target.focus(scroll_visible=scroll_visible)

    def show_findings(self, before: Sequence[Finding], after: Sequence[Finding]) -> None:
        """The app counted findings (maybe before this screen is up)."""
        self._findings, self._problem = (before, after), None
        if self._mounted:
            self.query_one(FindingsCount).show(before, after)

    def show_problem(self, message: Safe) -> None:
        self._findings, self._problem = None, message
        if self._mounted:
            self.query_one(FindingsCount).show_problem(message)

    @on(Button.Pressed, "#next")
    def _next_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_next()

    @on(Button.Pressed, "#back")
    def _back_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_back()

    def help_text(self) -> tuple[Safe, Parts]:
        body = [Part(ours(self.step.help))]
        for view in self.questions:
            if view.question.help:
                prompt = compose("\n\n{prompt}\n", prompt=ours(view.question.prompt))
                body += [Part(prompt, "bold"), Part(ours(view.question.help))]
        return (ours(self.step.title), body)
