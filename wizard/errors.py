"""Errors a user can act on. The CLI prints them as one line and exits 2."""

from __future__ import annotations

from pathlib import Path


class WizardError(Exception):
    """A problem with the user's input or environment, never a bug.

    The message is complete on its own and names the file when there is one.
    """

    exit_code = 2


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
        where = self.path
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {reason}")


class EditError(ConfigError):
    """An edit that cannot be made without changing more than it should."""


class FileChangedError(ConfigError):
    """The file on disk is no longer the one we read: someone else wrote it."""


class MissingAnswerError(WizardError):
    """A scripted run lacks an answer and must not fall back to a prompt."""
