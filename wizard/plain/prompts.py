"""How the line-mode wizard asks: the :class:`Prompts` protocol, questionary in a terminal,
and the stand-in that takes every default (``--accept-defaults``).

Every prompt uses ``unsafe_ask``, so Ctrl+C raises KeyboardInterrupt instead of
returning ``None`` and being mistaken for an answer.

Every question, choice and description is :data:`~wizard.base.safe_text.Safe`: our
sentence with the file's values in holes, masked and made one line. Questionary
shows a ``str`` as plain text (only ``FormattedText`` carries styles), so nothing in
a value is read as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

from wizard.base.errors import WizardError
from wizard.base.safe_text import Message, Safe, compose, emit_line, joined, ours, shown

NEW_RUNNER = "new"
"""The runner picker's value for "add a new runner"."""


NO_DESCRIPTION = ours("")


@dataclass(frozen=True)
class Option:
    """One entry of a select or checkbox prompt."""

    title: Safe
    value: Any
    description: Safe = NO_DESCRIPTION


class Prompts(Protocol):
    """Everything the wizard asks; each call blocks until answered or raises KeyboardInterrupt."""

    def select(self, message: Safe, options: Sequence[Option], default: Any) -> Any: ...

    def confirm(self, message: Safe, default: bool) -> bool: ...

    def checkbox(
        self, message: Safe, options: Sequence[Option], default: Sequence[Any]
    ) -> list[Any]: ...

    def text(
        self, message: Safe, default: str = "", validate: Callable[[str], str | None] | None = None
    ) -> str: ...

    def password(self, message: Safe) -> str: ...


class QuestionaryPrompts:
    """Prompts in a terminal. Imported lazily: core modules never load questionary."""

    def __init__(self) -> None:
        if _loop_running():
            # questionary starts its own event loop; inside another one (the Textual
            # app) it would fail half-way through a question.
            raise RuntimeError("the line-mode wizard cannot run inside a running event loop")
        import questionary

        self._q = questionary

    def _choices(self, options: Sequence[Option], checked: Sequence[Any] = ()) -> list[Any]:
        return [
            self._q.Choice(
                o.title,
                value=o.value,
                description=o.description or None,
                checked=o.value in checked,
            )
            for o in options
        ]

    def select(self, message: Safe, options: Sequence[Option], default: Any) -> Any:
        choices = self._choices(options)
        chosen = next((c for c in choices if c.value == default), None)
        return self._q.select(message, choices=choices, default=chosen).unsafe_ask()

    def confirm(self, message: Safe, default: bool) -> bool:
        return bool(self._q.confirm(message, default=default).unsafe_ask())

    def checkbox(
        self, message: Safe, options: Sequence[Option], default: Sequence[Any]
    ) -> list[Any]:
        result = self._q.checkbox(message, choices=self._choices(options, default)).unsafe_ask()
        return list(result)

    def text(
        self, message: Safe, default: str = "", validate: Callable[[str], str | None] | None = None
    ) -> str:
        def check(value: str) -> bool | str:
            problem = validate(value) if validate else None
            return problem or True

        return str(self._q.text(message, default=default, validate=check).unsafe_ask())

    def password(self, message: Safe) -> str:
        return str(self._q.password(message).unsafe_ask())


class AcceptDefaults:
    """Prompts that take every default, saying what they took: ``--accept-defaults``.

    Needs no terminal. A question without a usable default (a new runner's URL
    when none was given) is an error, as in a scripted run.
    """

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def _took(self, message: Safe, taken: Safe) -> None:
        emit_line(compose("{message} {taken}", message=message, taken=taken), stream=self.out)

    def select(self, message: Safe, options: Sequence[Option], default: Any) -> Any:
        chosen = next((o for o in options if o.value == default), None)
        self._took(message, chosen.title if chosen else shown(str(default)))
        return default

    def confirm(self, message: Safe, default: bool) -> bool:
        self._took(message, ours("yes") if default else ours("no"))
        return default

    def checkbox(
        self, message: Safe, options: Sequence[Option], default: Sequence[Any]
    ) -> list[Any]:
        titles = [o.title for o in options if o.value in default]
        self._took(message, joined(titles, ", ") if titles else ours("(none)"))
        return list(default)

    def text(
        self, message: Safe, default: str = "", validate: Callable[[str], str | None] | None = None
    ) -> str:
        problem = validate(default) if validate else None
        if problem:
            raise WizardError(
                Message.of(
                    "--accept-defaults: no usable default for {message!r}: {problem}",
                    message=message,
                    problem=problem,
                )
            )
        self._took(message, shown(default))
        return default

    def password(self, message: Safe) -> str:
        self._took(message, ours("(left empty)"))
        return ""


def _loop_running() -> bool:
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


# --------------------------------------------------------------------------- rendering
