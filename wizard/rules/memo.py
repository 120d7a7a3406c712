"""A fleet's files share their settings: each distinct set is audited once.

Runners rolled out from one template (an Ansible role, a Puppet class, a
Terraform module) differ in their name, token, id and token dates, and agree on
everything a rule judges. Auditing a thousand such files ran every rule a
thousand times over the same settings. :class:`RuleMemo` keys a config by its
*settings*: the whole parsed data, with the values of
:data:`~wizard.runner.settings.UNIQUE_PER_RUNNER` in each ``[[runners]]`` entry
replaced by their type (their presence and type stay in the key: a wrong type is
a finding). What the rules found for one key is what they find for every config
with that key, except for the rules that read those values
(:attr:`~wizard.rules.base.Rule.reads_identity`), which run on every file.

The key is the data itself (as nested tuples), not a hash of it: two configs
share results only when their settings are equal, never by a collision.
Only plain configs are kept: a config inside Helm values or manifests is also
judged by its chart values and its text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from wizard.base.model import Issue
from wizard.rules.base import AuditContext, Rule
from wizard.runner.settings import UNIQUE_PER_RUNNER

MAX_KEPT = 4096
"""Distinct sets of settings kept; a fleet with more runs the rest without the memo."""

Found = tuple[tuple[Rule, Issue], ...]


@dataclass(frozen=True)
class Remembered:
    """What the rules without ``reads_identity`` found in one set of settings."""

    found: Found
    one_reading: bool
    """No table holds keys that differ only by case (the key tells), so the rules that
    still run need not look for other readings of the file."""


class RuleMemo:
    """What the rules found, by the settings they found it in, for one audit run."""

    def __init__(self) -> None:
        self._found: dict[Hashable, Remembered] = {}
        self._breaks: dict[int, tuple[Issue, str]] = {}
        self.hits = 0

    def key(self, ctx: AuditContext) -> Hashable | None:
        """The settings ``ctx`` is judged by, or ``None`` when it is not kept."""
        if ctx.chart is not None or ctx.in_cluster or ctx.config_text:
            return None
        return (ctx.trust, ctx.file_mode, _settings(ctx.data))

    def get(self, key: Hashable) -> Remembered | None:
        found = self._found.get(key)
        if found is not None:
            self.hits += 1
        return found

    def put(self, key: Hashable, found: Remembered) -> None:
        if len(self._found) < MAX_KEPT:
            self._found[key] = found

    def breaks(self, issue: Issue, judge: Callable[[], str]) -> str:
        """What ``issue``'s fix may break, judged once for a remembered issue.

        A remembered issue is only handed out for configs with the same settings, so its
        judgement holds for each of them; the issue is kept with the sentence, so its
        ``id`` cannot be reused while the memo lives.
        """
        kept = self._breaks.get(id(issue))
        if kept is not None and kept[0] is issue:
            return kept[1]
        sentence = judge()
        if len(self._breaks) < MAX_KEPT * 16:
            self._breaks[id(issue)] = (issue, sentence)
        return sentence


_IDENTITY_TYPES = (str, dt.datetime, dt.date, dt.time)
"""Identity values whose type is all a rule without ``reads_identity`` may look at;
other types (a number for a token) are kept whole: they are rare and may be quoted."""


def _settings(data: Mapping[str, Any]) -> tuple[Any, ...]:
    runners = None
    items = []
    for key, value in data.items():
        if type(value) is list and key.casefold() == "runners":
            runners = tuple(_runner(entry) for entry in value)
            items.append((key, runners))
        else:
            items.append((key, _frozen(value)))
    return tuple(items)


def _runner(entry: Any) -> Any:
    if not isinstance(entry, Mapping):
        return _frozen(entry)
    return (
        dict,
        tuple(
            (key, ("identity", type(value)))
            if isinstance(value, _IDENTITY_TYPES) and key.casefold() in UNIQUE_PER_RUNNER
            else (key, _frozen(value))
            for key, value in entry.items()
        ),
    )


def _frozen(value: Any) -> Any:
    """``value`` as a hashable that tells apart what the rules tell apart: the type goes
    with every scalar (``1``, ``1.0`` and ``true`` are equal in Python, not in TOML)."""
    kind = type(value)
    if kind is dict:
        return (dict, tuple((key, _frozen(item)) for key, item in value.items()))
    if kind is list:
        return (list, tuple(_frozen(item) for item in value))
    if isinstance(value, Mapping):
        return (dict, tuple((key, _frozen(item)) for key, item in value.items()))
    if kind is float:
        return (kind, repr(value))  # -0.0 equals 0.0, and nan equals nothing
    return (kind, value)
