"""How an answer's value is put into words, the same on every screen and line.

Values a user reads (in a review, a locked preset answer, a "current" mark)
come from here, so the Textual wizard and the line-mode wizard never name the
same setting two ways.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from wizard.secrets import outward
from wizard.steps import Question


def describe_value(question: Question, value: Any) -> str:
    """One short phrase for an answer, in the words the question's choices use."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple | list):
        if not value:
            return "none"
        return ", ".join(describe_value(question, item) for item in value)
    choice = question.choice_for(value)
    if choice is not None:
        return choice.label
    return outward(str(value.value if isinstance(value, Enum) else value))
