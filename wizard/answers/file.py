"""Reading and writing answers files: the scripted form of a wizard run.

An answers file is TOML with the :class:`~wizard.answers.model.Answers` fields as
plain values (enum members by their value, tuples as arrays). The same table
is a preset's ``[answers]``, so a preset file is also accepted here: a team can
point ``--answers`` at either.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from wizard.answers.model import AnswerError, Answers
from wizard.base.errors import WizardError
from wizard.base.safe_text import Message
from wizard.tomlfile.document import parse_text
from wizard.tomlfile.regular_file import read_regular_file

MAX_ANSWERS_BYTES = 256 * 1024
"""Answers files are a few hundred bytes; refuse anything that cannot be one."""


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a small TOML file, every failure one WizardError naming the file."""
    raw = read_regular_file(path, MAX_ANSWERS_BYTES, what="answers or preset file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise WizardError(
            Message.of(
                "{path}: not UTF-8 text (bad byte at offset {start})", path=path, start=error.start
            )
        ) from None
    return parse_text(text, path)


def answers_from_mapping(data: Mapping[str, Any], source: str) -> Answers:
    """Answers from plain data; a preset-shaped file contributes its ``[answers]`` table."""
    table = data.get("answers") if isinstance(data.get("answers"), Mapping) else data
    assert isinstance(table, Mapping)
    values = dict(table)
    if table is not data and "trust" in data and "trust" not in values:
        values["trust"] = data["trust"]  # a preset names its trust level at the top
    try:
        return Answers.from_dict(values, source=source)
    except AnswerError as error:
        raise WizardError(error.message) from None
    except ValueError as error:  # not ours: its text is a value, masked in its hole
        raise WizardError(
            Message.of("{source}: {error}", source=source, error=str(error))
        ) from None


def load_answers(path: Path) -> Answers:
    """The answers in ``path`` (an answers file or a preset file)."""
    return answers_from_mapping(read_toml(path), str(path))


def answers_to_toml(answers: Answers) -> str:
    """An answers file for ``answers``: one ``field = value`` line each, in step order."""
    from wizard.tomlfile.rendering import render_value  # the one place that knows TOML escaping

    lines = [f"{name} = {render_value(value)}" for name, value in answers.to_dict().items()]
    return "\n".join(lines) + "\n"
