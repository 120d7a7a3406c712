"""Whether an answer can be used, decided once for every front-end.

The Textual screens, the line-mode prompts and scripted runs all ask these
functions, so an answer one wizard refuses is refused by the other too (a
GitLab URL with a password in it, a list typed with stray commas). Preset
settings are checked against the key catalogue in :mod:`wizard.session.presets`, with
the same reading of value types as the ``wrong-value-type`` rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wizard.answers.model import Answers
from wizard.answers.steps import STEPS, Question
from wizard.base.errors import WizardError
from wizard.base.safe_text import Message
from wizard.base.sinks import unsafe_character, url_shape_problem

NO_ENTRIES = frozenset({"-", "none"})
"""What a list answer typed on one line says to mean "no entries"."""

LIST_HINT = "comma-separated; - for none"
"""How a list answer is typed, in the words both wizards show."""


def url_problem(url: str, *, allow_http: bool, how_to_allow: str = "confirm") -> Message | None:
    """Why a GitLab URL cannot be used, or ``None`` when it can: one check for every
    front-end and scripted run.

    ``allow_http`` is the operator's explicit yes to plain http; without it only
    https passes, and the message names ``how_to_allow`` ("tick the box", "pass
    --allow-http"). A user name or password in the URL never passes: it would sit
    in config.toml in clear and show wherever the URL is shown. Nor does anything
    but one real host (:func:`~wizard.base.sinks.url_shape_problem`): no spaces or
    control characters (the URL goes into config.toml, values files, firewall
    comments and shell commands), no second scheme where the host should be.
    """
    url = url.strip()
    if not url:
        return Message.of("Enter the GitLab URL, e.g. https://gitlab.example.com")
    if not url.lower().startswith(("https://", "http://")):
        return Message.of("The URL must start with https://")
    shape = url_shape_problem(url)
    if shape is not None and "@" not in url:
        return shape
    if "@" in re.split(r"[/?#]", url.split("://", 1)[1], maxsplit=1)[0]:
        return Message.of(
            "Leave the user name and password out of the URL; the runner signs in with its token."
        )
    if shape is not None:
        return shape
    if url.startswith("https://") and len(url) > len("https://"):
        return None
    if url.startswith("http://") and len(url) > len("http://"):
        if allow_http:
            return None
        return Message.of(
            "Plain http sends the runner token unencrypted; {how_to_allow} to use it anyway.",
            how_to_allow=how_to_allow,
        )
    return Message.of("The URL must start with https://")


def is_plain_http(url: str) -> bool:
    """True for an ``http://`` URL: the one case a wizard asks the operator to confirm."""
    return url.strip().startswith("http://")


def normalized_url(url: str) -> str:
    """The URL as written into config.toml: no surrounding spaces, no trailing slash."""
    return url.strip().rstrip("/")


def parse_list(text: str) -> tuple[str, ...]:
    """A list answer typed on one line: comma-separated, blanks dropped, repeats once.

    ``-`` or ``none`` is the explicit empty list. A stray comma must not become
    an entry that matches nothing.
    """
    stripped = text.strip()
    if stripped.casefold() in NO_ENTRIES:
        return ()
    entries = (part.strip() for part in stripped.split(","))
    return tuple(dict.fromkeys(entry for entry in entries if entry))


def list_text(entries: Sequence[str]) -> str:
    """How a list answer is typed back into its input line."""
    return ", ".join(entries)


def answer_problem(question: Question, value: Any) -> Message | None:
    """Why ``value`` is not an answer to ``question``, or ``None`` when it is."""
    if question.kind == "text":
        if not isinstance(value, str) or not value.strip():
            return Message.of("give a value")
        if any(c.isspace() for c in value.strip()):
            return Message.of("one word, without spaces")
        if unsafe_character(value):
            return Message.of(
                "no control characters ({unsafe_character})",
                unsafe_character=unsafe_character(value),
            )
        return None
    if question.kind == "list":
        if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
            return Message.of("give a list of entries")
        spaced = [v for v in value if any(c.isspace() for c in v)]
        if spaced:
            return Message.of("an entry has a space in it: {spaced!r}", spaced=spaced[0])
        unsafe = [found for v in value if (found := unsafe_character(v))]
        return (
            Message.of("an entry has a control character in it ({unsafe})", unsafe=unsafe[0])
            if unsafe
            else None
        )
    if question.kind == "confirm":
        return None if isinstance(value, bool) else Message.of("answer yes or no")
    allowed = [choice.value for choice in question.choices]
    if question.kind == "multiselect":
        if not isinstance(value, tuple) or any(v not in allowed for v in value):
            return Message.of("pick from the choices offered")
        return None
    return None if value in allowed else Message.of("pick one of the choices offered")


def answers_problem(answers: Answers) -> Message | None:
    """Why a set of answers from a file (an answers file, a preset) cannot be used, or
    ``None``: every answer given is checked as the wizards check a typed one, so a
    value no question offers (``allowed_pull_policies = ["bogus"]``) is refused before
    any command plans with it or writes it."""
    for step in STEPS:
        for question in step.questions:
            value = getattr(answers, question.field)
            if value is None:
                continue
            problem = answer_problem(question, value)
            if problem is None:
                continue
            offered = ", ".join(str(choice.value) for choice in question.choices)
            shown = list(value) if isinstance(value, tuple) else value
            shown = getattr(shown, "value", shown)
            if offered:
                return Message.of(
                    "{field} = {value}: {problem} ({offered})",
                    field=question.field,
                    value=repr(shown),
                    problem=problem,
                    offered=offered,
                )
            return Message.of(
                "{field} = {value}: {problem}",
                field=question.field,
                value=repr(shown),
                problem=problem,
            )
    return None


def checked_answers(answers: Answers, source: str) -> Answers:
    """``answers`` when :func:`answers_problem` finds nothing; else one line naming ``source``."""
    problem = answers_problem(answers)
    if problem is not None:
        raise WizardError(Message.of("{source}: {problem}", source=source, problem=problem))
    return answers


def load_checked_answers(path: Path) -> Answers:
    """An answers (or preset) file, read and checked: the one way commands load one."""
    from wizard.answers.file import load_answers

    return checked_answers(load_answers(path), str(path))
