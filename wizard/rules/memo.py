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

The key is the data itself (written out by ``repr``), not a hash of it: two
configs share results only when their settings are equal, never by a collision.
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

MAX_KEY_CHARS = 16 * 1024
"""A config whose settings take more to write is audited without the memo: what the
memo keeps stays within ``MAX_KEPT`` times this."""

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
        settings = _settings(ctx.data)
        if len(settings) > MAX_KEY_CHARS:
            return None
        return (ctx.trust, ctx.file_mode, settings)

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


class _TypeOnly:
    """Stands for an identity value in a key: only what the rules may tell apart."""

    __slots__ = ("label",)

    def __init__(self, label: str) -> None:
        self.label = label

    def __repr__(self) -> str:
        return f"<identity {self.label}>"  # unquoted: no string's repr reads so


_TYPE_ONLY = {kind: _TypeOnly(kind.__name__) for kind in _IDENTITY_TYPES}
_BLANK = _TypeOnly("blank str")
"""A name or token that is empty or only spaces: unset, to the runner and to the rules
(a file without a token holds no secret), so it stays apart from a set one."""


def _settings(data: Mapping[str, Any]) -> str:
    """The data's ``repr`` with each runner's identity values reduced to their type.

    ``repr`` writes every scalar with its type (``1``, ``1.0``, ``True`` and ``'1'``
    differ; ``-0.0`` is not ``0.0``) and every string quoted and escaped, so two
    configs get the same text only when their settings are the same; it is also
    the quickest walk of the data there is.
    """
    shown = dict(data)
    for key, value in data.items():
        if type(value) is list and key.casefold() == "runners":
            shown[key] = [_runner(entry) for entry in value]
    return repr(shown)


def _runner(entry: Any) -> Any:
    if type(entry) is not dict:
        return entry
    return {
        key: _type_only(value)
        if type(value) in _TYPE_ONLY and key.casefold() in UNIQUE_PER_RUNNER
        else value
        for key, value in entry.items()
    }


def _type_only(value: Any) -> _TypeOnly:
    if type(value) is str and not value.strip():
        return _BLANK
    return _TYPE_ONLY[type(value)]
