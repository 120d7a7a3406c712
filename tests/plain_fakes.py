"""Fake prompts for the line-mode wizard: scripted replies, no terminal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from wizard.answers.model import Answers
from wizard.answers.steps import STEPS
from wizard.plain.prompts import Option


class FakePrompts:
    """Answers each prompt from ``replies`` (matched by substring), else takes the default.

    Records every message and the options it offered, so tests can check what
    was asked, what was not, and how defaults were marked.
    """

    def __init__(self, replies: dict[str, Any] | None = None, interrupt_at: str | None = None):
        self.replies = dict(replies or {})
        self.interrupt_at = interrupt_at
        self.asked: list[str] = []
        self.options: dict[str, list[Option]] = {}
        self.defaults: dict[str, Any] = {}

    def _reply(self, message: str, default: Any) -> Any:
        self.asked.append(message)
        self.defaults[message] = default
        if self.interrupt_at is not None and self.interrupt_at in message:
            raise KeyboardInterrupt
        for key, value in self.replies.items():
            if key in message:
                return value
        return default

    def select(self, message: str, options: Sequence[Option], default: Any) -> Any:
        self.options[message] = list(options)
        assert default in [o.value for o in options], (message, default)
        value = self._reply(message, default)
        assert value in [o.value for o in options], (message, value)
        return value

    def confirm(self, message: str, default: bool) -> bool:
        return bool(self._reply(message, default))

    def checkbox(
        self, message: str, options: Sequence[Option], default: Sequence[Any]
    ) -> list[Any]:
        self.options[message] = list(options)
        return list(self._reply(message, list(default)))

    def text(
        self, message: str, default: str = "", validate: Callable[[str], str | None] | None = None
    ) -> str:
        value = str(self._reply(message, default))
        if validate is not None:
            assert validate(value) is None, (message, value)
        return value

    def password(self, message: str) -> str:
        return str(self._reply(message, ""))

    def asked_about(self, fragment: str) -> bool:
        return any(fragment in message for message in self.asked)


def replies_for(answers: Answers) -> dict[str, Any]:
    """Prompt replies that give exactly ``answers`` to the wizard's step questions."""
    replies: dict[str, Any] = {}
    for step in STEPS:
        for question in step.questions:
            value = getattr(answers, question.field)
            if value is None:
                continue
            if question.kind == "list":  # typed as one line; "-" is the empty list
                replies[question.prompt] = ", ".join(value) or "-"
            elif isinstance(value, tuple):
                replies[question.prompt] = list(value)
            else:
                replies[question.prompt] = value
    return replies
