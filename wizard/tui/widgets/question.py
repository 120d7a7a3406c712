"""One question of a step, drawn from its :class:`~wizard.answers.steps.Question` data.

The field shows the prompt, what the file says today, what we recommend, and
the choices (plus "keep what the file says" when the file has a value). Text
and list questions get one input line; a list is typed comma-separated, which
is quicker by keyboard than a list editor and reads back the way it is typed.
It posts :class:`QuestionField.Changed` when the user picks something; it
never stores the answer itself, the app does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Checkbox, Input, Label, Static
from textual.widgets.selection_list import Selection

from wizard.answers.steps import Choice, Question
from wizard.answers.validation import list_text, parse_list
from wizard.answers.wording import describe_recommendation, describe_value
from wizard.base.safe_text import Safe, compose, one_line, ours, render, shown
from wizard.tui.safe_widgets import Part, Parts, input_text, plain, styled
from wizard.tui.state import KEEP

if TYPE_CHECKING:
    from rich.text import Text
from wizard.tui.widgets.choices import ChoiceButton, ChoiceSet, MultiChoice, TickBox

CONFIRM_CHOICES = (Choice(True, "Yes"), Choice(False, "No"))

LIST_PLACEHOLDER = "entries separated by commas; empty means none"


class QuestionField(Vertical):
    """A question with its context and its choices."""

    class Changed(Message):
        """The user picked ``value`` (possibly :data:`~wizard.tui.state.KEEP`)."""

        def __init__(self, field: QuestionField, value: Any) -> None:
            super().__init__()
            self.field = field
            self.value = value

        @property
        def question(self) -> Question:
            return self.field.question

    def __init__(
        self,
        question: Question,
        *,
        value: Any,
        recommended: Any,
        current: Any,
        can_keep: bool,
        locked: bool,
    ) -> None:
        super().__init__(classes="question")
        self.question = question
        self.value = value
        self.recommended = recommended
        self.current = current
        self.can_keep = can_keep
        self.locked = locked
        self._options: list[Choice] = []
        self._hidden: dict[str, str] = {}
        """Masked text shown in the input line → the value it stands for, so an
        untouched masked entry keeps its real value instead of the mask."""

    def compose(self) -> ComposeResult:
        yield Label(plain(ours(self.question.prompt)), classes="prompt")
        yield Static(self._context_line(), classes="context")
        if self.question.kind == "multiselect":
            yield from self._compose_checklist()
        elif self.question.kind in ("text", "list"):
            yield from self._compose_input()
        else:
            yield from self._compose_choices()

    def _context_line(self) -> Text:
        """What the file says, what we recommend, and whether a preset fixed it."""
        parts: Parts = []
        if self.can_keep:
            parts.append(Part(ours("In the file: "), "dim"))
            parts.append(Part(self._describe_short(self.current)))
            parts.append(Part(ours("   ")))
        parts.append(Part(ours("Recommended: "), "dim"))
        if self.recommended is None and self.question.fact:
            parts.append(Part(shown(describe_recommendation(self.question, None)), "dim"))
        else:
            parts.append(Part(self._describe_short(self.recommended), "green"))
        if self.locked:
            parts.append(Part(ours("   locked by the preset"), "bold magenta"))
        return styled(parts)

    def _describe_short(self, value: Any) -> Safe:
        """Like :func:`describe_value`, but a checklist's full set is just "all of them"."""
        every = {choice.value for choice in self.question.choices}
        if self.question.kind == "multiselect" and value and set(value) == every:
            return ours("all of them")
        if self.question.kind == "multiselect" and value:
            return render("{count} of {total}", count=len(value), total=len(every))
        return shown(describe_value(self.question, value))

    def _compose_choices(self) -> ComposeResult:
        choices = self.question.choices if self.question.kind == "select" else CONFIRM_CHOICES
        self._options = list(choices)
        if self.can_keep:
            current = describe_value(self.question, self.current)
            if self.question.kind == "confirm":
                keep_label = render("Keep ({current})", current=current)
            else:
                keep_label = render("Keep what the file says ({current})", current=current)
            self._options.append(Choice(KEEP, keep_label, "Leave this setting as it is."))
        buttons = [
            ChoiceButton(self._option_label(option), value=option.value == self.value)
            for option in self._options
        ]
        inline = "-inline" if self.question.kind == "confirm" else ""
        yield ChoiceSet(*buttons, disabled=self.locked, classes=inline)
        if self.question.kind == "select" and any(o.explanation for o in self._options):
            yield Static(plain(self._explanation()), classes="explanation")

    def _option_label(self, option: Choice) -> Text:
        # Our choices' words, or the keep option's, which quotes the file (masked).
        label = [Part(shown(option.label))]
        if option.value is not KEEP and option.value == self.recommended:
            label.append(Part(ours("  ★ recommended"), "green"))
        if (
            self.can_keep
            and self.question.kind != "confirm"  # the context line says it; space is short
            and option.value is not KEEP
            and option.value == self.current
        ):
            label.append(Part(ours("  • in the file"), "dim"))
        return styled(label)

    def _explanation(self) -> Safe:
        chosen = next((o for o in self._options if o.value == self.value), None)
        return ours(chosen.explanation if chosen is not None else "")

    def _compose_checklist(self) -> ComposeResult:
        keeping = self.value is KEEP
        if self.can_keep:
            yield TickBox(
                plain(self._keep_label()),
                value=keeping,
                disabled=self.locked,
                classes="keep",
                compact=True,
            )
        selected = set(self._selected_values())
        yield MultiChoice(
            *[
                Selection(self._option_label(choice), str(choice.value), choice.value in selected)
                for choice in self.question.choices
            ],
            disabled=self.locked or keeping,
        )

    def _selected_values(self) -> tuple[str, ...]:
        if self.value is KEEP:
            return tuple(self.current or ())
        return tuple(self.value or ())

    @on(ChoiceSet.Changed)
    def _picked(self, event: ChoiceSet.Changed) -> None:
        event.stop()
        self.value = self._options[event.index].value
        explanation = self.query(".explanation")
        if explanation:
            explanation.first(Static).update(plain(self._explanation()))
        self.post_message(self.Changed(self, self.value))

    @on(MultiChoice.SelectedChanged)
    def _checked(self, event: MultiChoice.SelectedChanged[str]) -> None:
        event.stop()
        if self.value is KEEP:
            return
        selected = set(self.query_one(MultiChoice).selected)
        # Keep the choices' own order, so the same picks always give the same answer.
        self.value = tuple(str(c.value) for c in self.question.choices if c.value in selected)
        self.post_message(self.Changed(self, self.value))

    @on(Checkbox.Changed, ".keep")
    def _keep_toggled(self, event: Checkbox.Changed) -> None:
        event.stop()
        if self.question.kind in ("text", "list"):
            field = self.query_one(Input)
            field.disabled = event.value
            if event.value:
                field.value = self._input_text(self.current)
                self._show_hint(ours(""))
            typed = self._typed_value(field.value)
            self.value = KEEP if event.value else (typed if typed is not None else self.value)
        else:
            checklist = self.query_one(MultiChoice)
            checklist.disabled = event.value
            if event.value:
                self.value = KEEP
            else:
                selected = set(checklist.selected)
                self.value = tuple(
                    str(c.value) for c in self.question.choices if c.value in selected
                )
        self.post_message(self.Changed(self, self.value))

    # ------------------------------------------------------------ text and lists

    def _compose_input(self) -> ComposeResult:
        keeping = self.value is KEEP
        if self.can_keep:
            yield TickBox(
                plain(self._keep_label()),
                value=keeping,
                disabled=self.locked,
                classes="keep",
                compact=True,
            )
        showing = self.current if keeping else self.value
        yield Input(
            self._input_text(showing),
            placeholder=LIST_PLACEHOLDER if self.question.kind == "list" else "",
            disabled=self.locked or keeping,
            compact=True,
            classes="answer",
        )
        yield Static("", classes="field-hint")

    def _keep_label(self) -> Safe:
        return compose(
            "Keep what the file says ({current})", current=self._describe_short(self.current)
        )

    def _input_safe(self, value: Any) -> Safe:
        """The value as the input line shows it, with any secret in it masked."""
        if self.question.kind == "list":
            # Each entry masked on its own; the separator is ours.
            return Safe(list_text([self._masked(str(entry)) for entry in value or ()]))
        return ours("") if value is None else self._masked(str(value))

    def _input_text(self, value: Any) -> str:
        return input_text(self._input_safe(value))

    def _masked(self, entry: str) -> Safe:
        masked = one_line(shown(entry))
        if masked != entry:
            self._hidden[masked] = entry
        return masked

    def _typed_value(self, text: str) -> Any:
        """The answer the input line holds; ``None`` when it holds none yet.

        A masked entry left as shown stands for the value it hides.
        """
        if self.question.kind == "list":
            return tuple(self._hidden.get(entry, entry) for entry in parse_list(text))
        typed = text.strip()
        return self._hidden.get(typed, typed) or None

    def _show_hint(self, message: Safe) -> None:
        self.query_one(".field-hint", Static).update(plain(message, "yellow"))

    @on(Input.Changed, ".answer")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self.value is KEEP or self.locked:
            return
        typed = self._typed_value(event.value)
        if typed is None:
            # An empty image would be refused by the runner: the last one given stands.
            self._show_hint(
                compose(
                    "Type a value; until then the answer stays {value}.",
                    value=self._input_safe(self.value),
                )
            )
            return
        self._show_hint(ours(""))
        if typed == self.value:
            return  # the input was filled in, or only spacing changed
        self.value = typed
        self.post_message(self.Changed(self, self.value))

    @on(Input.Submitted, ".answer")
    async def _submitted(self, event: Input.Submitted) -> None:
        """Enter in the line goes to the next step, as it does in the lists."""
        event.stop()
        await self.run_action("screen.next")
