"""Errors a user can act on. The CLI prints them as one line and exits 2."""

from __future__ import annotations

from pathlib import Path


def located(
    path: Path | str | None, reason: str, line: int | None = None, column: int | None = None
) -> str:
    """The one shape of every parse error, whatever the format: ``file:line:col: message``.

    Line and column are 1-based and left out when unknown, so editors and CI logs
    can jump to the place.
    """
    where = str(path) if path is not None else "<config>"
    if line is not None:
        where += f":{line}"
        if column is not None:
            where += f":{column}"
    return f"{where}: {reason}"


def json_problem(path: Path | str, error: ValueError) -> str:
    """A JSON file that does not parse, in the one shape (:func:`located`)."""
    line = getattr(error, "lineno", None)
    column = getattr(error, "colno", None)
    reason = getattr(error, "msg", None) or str(error)
    return located(path, f"invalid JSON: {reason}", line, column)


class WizardError(Exception):
    """A problem with the user's input or environment, never a bug.

    The message is complete on its own and names the file when there is one.
    """

    exit_code = 2
    can_reread = False
    """Whether reading the file again could let the same answers be saved."""


class ConfigError(WizardError):
    """A ``config.toml`` that cannot be read, parsed, edited or written."""

    def __init__(
        self,
        path: Path | str | None,
        reason: str,
        *,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.path = str(path) if path is not None else "<config>"
        self.reason = reason
        self.line = line
        self.column = column
        super().__init__(located(self.path, reason, line, column))


class EditError(ConfigError):
    """An edit that cannot be made without changing more than it should."""


class FileChangedError(ConfigError):
    """The file on disk is no longer the one we read: someone else wrote it."""

    can_reread = True
    """The wizards may offer to read the file again and keep the answers."""


class MissingAnswerError(WizardError):
    """A scripted run lacks an answer and must not fall back to a prompt."""
