"""What each question starts at, and why: one order for every front-end.

For a runner and a question, :func:`default_for` gives the value a wizard
offers and where it came from, in this order: the answers file, the preset,
what the runner's entry says today (existing runners only), the
recommendation. The Textual wizard, the line-mode wizard and
``plain --accept-defaults`` all take their defaults here, so pressing Enter
everywhere writes the same file whichever front-end is used.

An existing runner keeps what it does: wherever the file (or the runner's own
default for a key the file leaves out) answers a question, that is the
default, and the recommendation is shown beside it. A new runner starts from
the recommendations. "Who runs jobs here" is a fact the operator states: its
starting value is an assumption, never a recommendation.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

from wizard.answers.model import Answers
from wizard.answers.steps import STEPS, Question
from wizard.base.model import Executor

Source = Literal["answers file", "preset", "the file", "recommended", "assumed"]

SOURCE_WORDS: dict[Source, str] = {
    "answers file": "answers file",
    "preset": "preset",
    "the file": "current",
    "recommended": "recommended",
    "assumed": "assumed",
}
"""How a value's source is marked beside it, in both wizards."""


@dataclass(frozen=True)
class Sources:
    """Where one run's answers for one runner can come from."""

    given: Answers = field(default_factory=Answers)
    """Fields an answers file gave (``--answers``)."""
    preset: Answers = field(default_factory=Answers)
    current: Answers = field(default_factory=Answers)
    """What the runner's entry answers today; empty for a new runner."""
    file_executor: Executor | None = None
    """The executor the file kind runs (a Helm chart's values: kubernetes): the
    executor recommended there, whatever the trust level."""


@dataclass(frozen=True)
class Default:
    """A question's starting value, where it came from, and what stands beside it."""

    value: Any
    source: Source
    recommended: Any
    """Our recommendation given the answers before it (``None`` for a fact)."""
    current: Any
    """What the file says (``None`` for a new runner or a question it does not answer)."""

    def marks(self, value: Any) -> tuple[str, ...]:
        """The sources ``value`` matches, worded: ``("current", "recommended")``."""
        found = []
        if self.source in ("answers file", "preset") and value == self.value:
            found.append(SOURCE_WORDS[self.source])
        if self.current is not None and value == self.current:
            found.append(SOURCE_WORDS["the file"])
        if self.recommended is not None and value == self.recommended:
            found.append(SOURCE_WORDS["recommended"])
        return tuple(found)


def default_for(question: Question, before: Answers, sources: Sources) -> Default:
    """The value ``question`` starts at, given the answers to the questions before it."""
    name = question.field
    given = getattr(sources.given, name)
    preset = getattr(sources.preset, name)
    now = getattr(sources.current, name)
    recommended = question.recommend(before)
    if name == "executor" and sources.file_executor is not None:
        recommended = sources.file_executor
    shown = None if question.fact else recommended
    if given is not None:
        return Default(given, "answers file", shown, now)
    if preset is not None:
        return Default(preset, "preset", shown, now)
    if now is not None:
        return Default(now, "the file", shown, now)
    if recommended is not None:
        return Default(recommended, "assumed" if question.fact else "recommended", shown, now)
    return Default(_first(question), "assumed", shown, now)


def accepted_defaults(sources: Sources) -> Answers:
    """Every question that applies, answered with its default, in the order asked:
    what pressing Enter on every question gives."""
    answers = Answers()
    for step in STEPS:
        for question in step.questions:
            if not question.applies(answers):
                continue
            value = default_for(question, answers, sources).value
            answers = answers.merged(Answers(**{question.field: value}))
    return answers


def changes_only(answers: Answers, current: Answers) -> Answers:
    """``answers`` without those that say what the runner's entry already says.

    An answer equal to the file keeps the setting as it is: it makes no edit, so
    accepting an existing runner's defaults changes nothing a job relies on.
    """
    kept = {
        f.name: None
        for f in fields(Answers)
        if getattr(current, f.name) is not None
        and _same_answer(getattr(answers, f.name), getattr(current, f.name))
    }
    return Answers(**{f.name: getattr(answers, f.name) for f in fields(Answers)} | kept)


def _same_answer(answer: Any, current: Any) -> bool:
    """Equal answers; a list answer (policies, image patterns) in any order, as the
    runner reads it: ticking the same policies in the choices' order keeps the file."""
    if isinstance(answer, tuple) and isinstance(current, tuple):
        return len(answer) == len(current) and set(answer) == set(current)
    return bool(answer == current)


def _first(question: Question) -> Any:
    """The last-resort start of a question nothing else gives a value for."""
    if question.kind == "confirm":
        return True
    if question.kind in ("multiselect", "list"):
        return ()
    if question.kind == "text":
        return ""
    return question.choices[0].value
