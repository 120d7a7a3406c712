"""Small helpers the rule tests share: run one rule on TOML text, apply its fix."""

from __future__ import annotations

import tomllib
from typing import Any

from wizard.base.model import Issue, Trust
from wizard.rules.base import AuditContext
from wizard.rules.catalogue import get_rule
from wizard.tomlfile.edits import apply_edits


def issues(
    rule_id: str,
    text: str | dict[str, Any],
    trust: Trust = Trust.MULTI_PROJECT,
    file_mode: int | None = None,
) -> list[Issue]:
    """What one rule reports for a config given as TOML text or parsed data."""
    data = tomllib.loads(text) if isinstance(text, str) else text
    return list(get_rule(rule_id).check(AuditContext(data, trust, file_mode)))


def fixed(rule_id: str, text: str, trust: Trust = Trust.MULTI_PROJECT) -> dict[str, Any]:
    """The config after applying every edit the rule proposes, checked to clear the rule.

    Also checks that fixing twice changes nothing: the second audit proposes no
    edit, or only edits that leave the data as it is.
    """
    data = tomllib.loads(text)
    found = issues(rule_id, data, trust)
    assert found, f"{rule_id} should fire on this config"
    assert all(issue.edits for issue in found), "every issue of a fixable rule carries edits"
    once = apply_edits(data, [edit for issue in found for edit in issue.edits])
    assert issues(rule_id, once, trust) == [], f"{rule_id} still fires after its fix"
    return once
