"""How an answer's value is put into words, the same on every screen and line.

Values a user reads (in a review, a locked preset answer, a "current" mark)
come from here, so the Textual wizard and the line-mode wizard never name the
same setting two ways.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from wizard.answers.steps import Question
from wizard.base.masking import outward
from wizard.base.model import Finding
from wizard.base.safe_text import Safe, joined, one_line, render
from wizard.runner.settings import runner_label

_YAML_SUFFIXES = (".yaml", ".yml", ".gotmpl", ".tpl")


def start_title(path_text: str) -> str:
    """The first screen's question, in the words of the file kind being opened: a
    values.yaml is not a config.toml, though it carries one."""
    name = path_text.strip().lower()
    if name.endswith(_YAML_SUFFIXES):
        return "Which Helm values or manifest file?"
    return "Which config.toml?"


NO_RECOMMENDATION = "none: only you know this"
"""Beside a question that states a fact (who runs jobs here): there is nothing to
recommend, and "not set" read as if the answer were missing."""


def describe_recommendation(question: Question, value: Any) -> str:
    """What stands beside "Recommended:" for a question."""
    if value is None and question.fact:
        return NO_RECOMMENDATION
    return describe_value(question, value)


def finding_place(finding: Finding) -> Safe:
    """``runner 'ci-2', line 14``: where a finding is, the name masked, on one line.

    A review lists findings of every runner in the file; without the runner's name
    another runner's finding reads as one about the runner being edited.
    """
    parts: list[Safe] = []
    if finding.runner_index is not None:
        name = repr(finding.runner) if finding.runner else runner_label(None, finding.runner_index)
        parts.append(render("runner {name}", name=name))
    if finding.line is not None:
        parts.append(render("line {line}", line=finding.line))
    return one_line(joined(parts, ", "))


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
