"""The registry of every rule: one ordered list that audit, harden, the wizards and docs share.

Rules are grouped by area in the order a reader meets the risks: the file's
shape, the executor, container privileges, mounts, Kubernetes, images,
reuse between jobs, network, the file and its secrets, then the host rules and
the server rules, which host-check and server-check run but which share ids,
links and severities here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from wizard.base.model import Issue, TablePath
from wizard.rules import (
    chart_rules,
    cloud_rules,
    confinement_rules,
    duplicates,
    ephemeral_rules,
    executor_rules,
    file_rules,
    isolation_rules,
    kubernetes_rules,
    mount_rules,
    network_rules,
    privilege_rules,
    pull_rules,
)
from wizard.rules.base import AuditContext, Rule
from wizard.rules.host_rules import HOST_RULES
from wizard.rules.memo import Remembered, RuleMemo
from wizard.rules.policy_rules import POLICY_RULES
from wizard.rules.schema import SCHEMA_RULES
from wizard.rules.server_rules import SERVER_RULES
from wizard.runner.reading import reading_once

ALL_RULES: tuple[Rule, ...] = (
    *SCHEMA_RULES,
    *duplicates.RULES,
    *executor_rules.RULES,
    *privilege_rules.RULES,
    *confinement_rules.RULES,
    *isolation_rules.RULES,
    *mount_rules.RULES,
    *kubernetes_rules.RULES,
    *pull_rules.RULES,
    *ephemeral_rules.RULES,
    *network_rules.RULES,
    *cloud_rules.RULES,
    *file_rules.RULES,
    *chart_rules.RULES,
    *HOST_RULES,
    *SERVER_RULES,
    *POLICY_RULES,
)

_BY_ID = {rule.id: rule for rule in ALL_RULES}
if len(_BY_ID) != len(ALL_RULES):  # pragma: no cover - caught by the catalogue tests
    raise RuntimeError("duplicate rule id in the catalogue")


def get_rule(rule_id: str) -> Rule:
    """The rule with this id; ``KeyError`` when there is none."""
    return _BY_ID[rule_id]


def rules_for(scope: str = "config") -> tuple[Rule, ...]:
    """The rules of one scope (``config``, ``host`` or ``server``), in catalogue order."""
    return tuple(rule for rule in ALL_RULES if rule.scope == scope)


def evaluate(ctx: AuditContext, memo: RuleMemo | None = None) -> list[tuple[Rule, Issue]]:
    """Run every config-scope rule against ``ctx``, in catalogue order.

    Where keys differ only by case the runner may read the file several ways
    (:func:`wizard.rules.duplicates.readings`); each rule then reports what it
    finds in any of them, once. With a ``memo`` (a fleet audit), the rules that do
    not read a runner's identity run once per distinct set of settings.
    """
    key = memo.key(ctx) if memo is not None else None
    with reading_once():
        if memo is None or key is None:
            return _evaluate(ctx, _CONFIG_RULES, duplicates.readings(ctx.data))
        known = memo.get(key)
        if known is None:
            views = duplicates.readings(ctx.data)
            found = _evaluate(ctx, _CONFIG_RULES, views)
            kept = tuple(item for item in found if not item[0].reads_identity)
            memo.put(key, Remembered(kept, one_reading=len(views) == 1))
            return found
        views = [ctx.data] if known.one_reading else duplicates.readings(ctx.data)
        found = [*known.found, *_evaluate(ctx, _IDENTITY_RULES, views)]
    found.sort(key=lambda item: _POSITION[item[0].id])  # stable: each rule's own order kept
    return found


def _evaluate(
    ctx: AuditContext, rules: tuple[Rule, ...], views: list[Mapping[str, Any]]
) -> list[tuple[Rule, Issue]]:
    if len(views) == 1:
        return [(rule, issue) for rule in rules for issue in rule.check(ctx)]
    found: list[tuple[Rule, Issue]] = []
    seen: set[tuple[str, TablePath, str | None, str]] = set()
    for rule in rules:
        for view in views:
            for issue in rule.check(replace(ctx, data=view)):
                table = tuple(p.casefold() if isinstance(p, str) else p for p in issue.table)
                slot = (rule.id, table, issue.key, issue.message)
                if slot not in seen:
                    seen.add(slot)
                    found.append((rule, issue))
    return found


_CONFIG_RULES = rules_for("config")
_IDENTITY_RULES = tuple(rule for rule in _CONFIG_RULES if rule.reads_identity)
_POSITION = {rule.id: position for position, rule in enumerate(_CONFIG_RULES)}
