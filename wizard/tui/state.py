"""The wizard's state: where the user is, what the file says, what they chose.

Plain data without Textual, so the rules of the flow (which steps apply, what
each question starts at, which answers go to the core) are tested directly.
The app owns one :class:`WizardState`; screens receive the parts they show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from wizard.answers.defaults import Default, Sources, default_for
from wizard.answers.model import Answers
from wizard.answers.steps import STEPS, Question, Step
from wizard.base.model import Executor, RunnerIdentity
from wizard.base.safe_text import Safe
from wizard.tui.ports import RunnerView


class Keep(Enum):
    """Marker for "keep what the file says": the field is left out of the answers."""

    KEEP = "keep"


KEEP = Keep.KEEP

Mode = Literal["harden", "add"]
"""``harden``: change an existing runner entry; ``add``: write a new one."""

START = "start"
RUNNER = "runner"
REVIEW = "review"
POSITIONS: tuple[str, ...] = (START, RUNNER, *(s.id for s in STEPS), REVIEW)
"""Every place the sidebar lists, in order."""


@dataclass(frozen=True)
class FileFacts:
    """What the start screen says about the chosen file once it has been read."""

    display: str
    """The path as shown: relative or ``~``-based, never needlessly absolute."""
    exists: bool
    runners: tuple[RunnerView, ...] = ()
    problem: Safe | None = None
    """One line saying why the file cannot be used (masked)."""


@dataclass
class WizardState:
    """Everything the user decided so far, and what the file already says."""

    path: Path | None
    """``None`` until the usual config has been looked for (off the start path)."""
    preset: Answers = field(default_factory=Answers)
    """Answers a preset pre-fills (the user may change those not locked)."""
    locked: frozenset[str] = frozenset()
    """Answer fields a preset fixes; shown, never changeable."""
    mode: Mode | None = None
    runner_index: int | None = None
    """The runner being hardened (``None``: a new entry); its values are ``current``."""
    also: tuple[int, ...] = ()
    """More runners of the file that get the same answers, in one diff and one save."""
    identity: RunnerIdentity | None = None
    current: Answers = field(default_factory=Answers)
    """What the chosen runner entry says today (empty for a new runner)."""
    file_executor: Executor | None = None
    """The executor the file kind runs (a chart's values: kubernetes)."""
    chosen: dict[str, Any] = field(default_factory=dict)
    """Values the user picked that differ from the default shown (or :data:`KEEP`)."""
    visited: set[str] = field(default_factory=lambda: {START})

    def reset_runner(
        self,
        mode: Mode,
        runner_index: int | None,
        current: Answers,
        also: tuple[int, ...] = (),
    ) -> None:
        """A new target entry: earlier choices described another runner, so drop them."""
        self.mode = mode
        self.runner_index = runner_index
        self.also = also
        self.current = current
        self.chosen = {}
        self.visited = {START, RUNNER}

    def effective(self) -> Answers:
        """The answers as they stand: for a kept answer, what the file says."""
        values = self._resolve(until=None)
        current = {
            name: getattr(self.current, name) if value is KEEP else value
            for name, value in values.items()
        }
        return Answers(**{k: v for k, v in current.items() if v is not None})

    def default_for(self, question: Question) -> Any:
        """What a question shows before the user touches it (see :meth:`_default`)."""
        return self._default(question, self._resolve(until=question.field))

    def core_default(self, question: Question) -> Default:
        """The core's default for ``question``, with its source and recommendation."""
        return default_for(question, self._known(self._resolve(until=question.field)), self.sources)

    @property
    def sources(self) -> Sources:
        """Where this runner's answers come from: the preset, and the file for an existing one."""
        current = self.current if self.runner_index is not None else Answers()
        return Sources(preset=self.preset, current=current, file_executor=self.file_executor)

    def value_for(self, question: Question) -> Any:
        """The value a question holds now: locked, chosen, or its default."""
        return self._resolve(until=None)[question.field]

    def choose(self, question: Question, value: Any) -> None:
        """Record an answer. One equal to the default is not pinned, so it keeps
        following the recommendation when an earlier answer (trust) changes."""
        if question.field in self.locked:
            return
        if value == self.default_for(question):
            self.chosen.pop(question.field, None)
        else:
            self.chosen[question.field] = value

    def can_keep(self, question: Question) -> bool:
        """Keeping is offered only when the file has a value for the question."""
        return self.runner_index is not None and getattr(self.current, question.field) is not None

    def applicable_steps(self) -> tuple[Step, ...]:
        """Steps with at least one question for the answers as they stand."""
        answers = self.effective()
        return tuple(s for s in STEPS if s.applicable(answers))

    def is_applicable(self, step_id: str) -> bool:
        return any(s.id == step_id for s in self.applicable_steps())

    def following(self, position: str) -> str:
        """The position after ``position`` (skipping steps that do not apply)."""
        order = [START, RUNNER, *(s.id for s in self.applicable_steps()), REVIEW]
        if position not in order:
            return REVIEW
        index = order.index(position)
        return order[min(index + 1, len(order) - 1)]

    def preceding(self, position: str) -> str | None:
        """The position before ``position``; ``None`` on the first screen."""
        order = [START, RUNNER, *(s.id for s in self.applicable_steps()), REVIEW]
        if position not in order:
            return None
        index = order.index(position)
        return order[index - 1] if index > 0 else None

    def answers_for_core(self) -> Answers:
        """The answers handed to the core: every applicable question answered,
        except those the user keeps as the file has them (left ``None``)."""
        answers = self.effective()
        values = self._resolve(until=None)
        given = {
            q.field: getattr(answers, q.field)
            for s in STEPS
            for q in s.applicable(answers)
            if values[q.field] is not KEEP
        }
        return Answers(**given)

    def answers_for_preset(self) -> Answers:
        """Every applicable answer as it stands, kept ones as the file has them: a
        preset must give colleagues the same runner without this file."""
        answers = self.effective()
        return Answers(
            **{q.field: getattr(answers, q.field) for s in STEPS for q in s.applicable(answers)}
        )

    def _resolve(self, *, until: str | None) -> dict[str, Any]:
        """Each question's value in the order asked, stopping before ``until``.

        One pass, because a default depends on the answers before it.
        """
        values: dict[str, Any] = {}
        for question in ALL_QUESTIONS:
            if question.field == until:
                break
            if question.field in self.locked:
                values[question.field] = getattr(self.preset, question.field)
            elif question.field in self.chosen:
                values[question.field] = self.chosen[question.field]
            else:
                values[question.field] = self._default(question, values)
        return values

    def _default(self, question: Question, before: dict[str, Any]) -> Any:
        """The core's default (:func:`wizard.answers.defaults.default_for`); a value taken from
        the file is shown as "keep what the file says"."""
        default = default_for(question, self._known(before), self.sources)
        return KEEP if default.source == "the file" else default.value

    def _known(self, values: dict[str, Any]) -> Answers:
        """Resolved values as answers, kept ones as the file has them."""
        known = {
            name: getattr(self.current, name) if value is KEEP else value
            for name, value in values.items()
        }
        return Answers(**{k: v for k, v in known.items() if v is not None})


ALL_QUESTIONS: tuple[Question, ...] = tuple(q for s in STEPS for q in s.questions)
