"""Errors a user can act on. The CLI prints them as one line and exits 2."""

from __future__ import annotations

from pathlib import Path

from wizard.base.safe_text import Message


def located(
    path: Path | str | None, reason: Message, line: int | None = None, column: int | None = None
) -> Message:
    """The one shape of every parse error, whatever the format: ``file:line:col: message``.

    Line and column are 1-based and left out when unknown, so editors and CI logs
    can jump to the place. The path is a hole masked as free text (a file may be named
    like a token); the reason is one of our messages, kept as it is.
    """
    where = (
        Message.of("<config>")
        if path is None
        else Message.of("{path}", path=str(path))
        if line is None
        else Message.of("{path}:{line}", path=str(path), line=line)
        if column is None
        else Message.of("{path}:{line}:{column}", path=str(path), line=line, column=column)
    )
    return Message.of("{where}: {reason}", where=where, reason=reason)


def json_problem(path: Path | str, error: ValueError) -> Message:
    """A JSON file that does not parse, in the one shape (:func:`located`)."""
    line = getattr(error, "lineno", None)
    column = getattr(error, "colno", None)
    reason = getattr(error, "msg", None) or str(error)
    return located(path, Message.of("invalid JSON: {reason}", reason=reason), line, column)


class WizardError(Exception):
    """A problem with the user's input or environment, never a bug.

    The message is complete on its own and names the file when there is one. It is one
    of our templates filled by :meth:`Message.of` (each value masked in its hole), so
    ``mypy --strict`` rejects an f-string here and no output scans our sentence.
    """

    exit_code = 2
    can_reread = False
    """Whether reading the file again could let the same answers be saved."""

    def __init__(self, message: Message) -> None:
        super().__init__(message)

    @property
    def message(self) -> Message:
        """The sentence this error carries, as made (holes masked, our words as written)."""
        said = self.args[0]
        return said if isinstance(said, Message) else Message.of("{said}", said=str(said))


class ConfigError(WizardError):
    """A ``config.toml`` that cannot be read, parsed, edited or written."""

    def __init__(
        self,
        path: Path | str | None,
        reason: Message,
        *,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.path = str(path) if path is not None else "<config>"
        self.reason = reason
        self.line = line
        self.column = column
        super().__init__(located(path, reason, line, column))


class EditError(ConfigError):
    """An edit that cannot be made without changing more than it should."""


class FileChangedError(ConfigError):
    """The file on disk is no longer the one we read: someone else wrote it."""

    can_reread = True
    """The wizards may offer to read the file again and keep the answers."""


class MissingAnswerError(WizardError):
    """A scripted run lacks an answer and must not fall back to a prompt."""


def said_by(error: BaseException) -> Message:
    """What ``error`` says, for a hole of another message: a :class:`WizardError`'s
    :class:`Message` as made (kept as it is), any other error's text as a value (masked
    as free text in its hole, since a library may quote what it read)."""
    if isinstance(error, WizardError):
        return error.message
    return Message.of("{said}", said=str(error))
