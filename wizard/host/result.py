"""What a host inspection produces, and the context every host check writes to.

Checks report through :class:`HostContext` so they never build a
:class:`~wizard.base.model.Finding` by hand: the rule's severity for the trust level
comes from the rule itself, and a check that cannot run records why.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from wizard.base.masking import mask_text
from wizard.base.model import Finding, Trust
from wizard.base.safe_text import Message
from wizard.host.fs import HostFiles
from wizard.rules.base import Rule


@dataclass(frozen=True)
class SkippedCheck:
    """A host rule that could not be checked, and why (never a guess either way)."""

    rule_id: str
    reason: str


@dataclass
class HostReport:
    """Findings and skipped checks of one inspection, in the order checks ran."""

    findings: list[Finding] = field(default_factory=list)
    skipped: list[SkippedCheck] = field(default_factory=list)


@dataclass(frozen=True)
class HostEnv:
    """Facts about the process running the checks (tests pass their own)."""

    system: str
    """``platform.system()``: ``Linux``, ``Darwin``, ``Windows``."""
    euid: int
    """Effective user id, ``-1`` where the platform has none."""

    @classmethod
    def current(cls) -> HostEnv:
        euid = os.geteuid() if hasattr(os, "geteuid") else -1
        return cls(system=platform.system(), euid=euid)

    @property
    def is_linux(self) -> bool:
        return self.system == "Linux"

    @property
    def is_posix(self) -> bool:
        return self.system not in ("Windows", "")


@dataclass
class HostContext:
    """What a check reads (files, environment, trust) and where it reports."""

    files: HostFiles
    env: HostEnv
    trust: Trust
    rules: Mapping[str, Rule]
    report: HostReport = field(default_factory=HostReport)

    def find(
        self,
        rule_id: str,
        message: Message,
        subject: str,
        *,
        runner_index: int | None = None,
        runner: str | None = None,
        table: tuple[str | int, ...] = (),
        key: str | None = None,
    ) -> None:
        rule = self.rules[rule_id]
        self.report.findings.append(
            Finding(
                rule=rule.id,
                severity=rule.severity_for(self.trust),
                message=message,
                table=table,
                key=key,
                runner_index=runner_index,
                runner=runner,
                line=None,
                fix=None,
                subject=subject,
            )
        )

    def skip(self, rule_ids: Iterable[str], reason: str) -> None:
        for rule_id in rule_ids:
            if rule_id not in self.rules:
                raise KeyError(rule_id)
            self.report.skipped.append(SkippedCheck(rule_id, mask_text(reason)))
