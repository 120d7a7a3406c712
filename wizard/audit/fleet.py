"""One audit over many files: find them, audit each, then apply the policy and the baseline.

The command line only collects the request; what is audited, at which trust
level, what is suppressed and what is new is decided here, in this order:

1. the files: each path named, or the runner configs its folder holds;
2. the trust level: ``--trust``, else the policy's, else the preset's, else the default;
3. each file's findings; a preset's accepted rules marked (for its own audience only);
4. the policy: rules turned off, severities changed, exceptions marked with their
   reason, expired exceptions reported;
5. the baseline: findings it holds are counted, not reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.audit.discovery import EMPTY_FOLDER, discover_all
from wizard.audit.engine import FileReport, audit_document
from wizard.base.errors import ConfigError, located
from wizard.base.model import DEFAULT_TRUST, Finding, Trust
from wizard.rules.memo import RuleMemo

if TYPE_CHECKING:
    from wizard.audit.baseline import Baseline
    from wizard.audit.policy import Policy
    from wizard.audit.summary import Summary
    from wizard.session.presets import Preset


@dataclass(frozen=True)
class AuditRequest:
    paths: Sequence[str]
    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    trust: Trust | None = None
    """``--trust``: wins over the policy's and the preset's level."""
    preset: Preset | None = None
    policy: Policy | None = None
    baseline: Baseline | None = None
    today: date = field(default_factory=date.today)
    host_rules: bool = True
    """False for ``--validate``: an engine's temporary file is not the host's file."""


@dataclass(frozen=True)
class AuditOutcome:
    reports: list[FileReport]
    """What to report: after the policy, without the baseline's findings."""
    before_baseline: list[FileReport]
    """The same before the baseline was taken off: what ``--write-baseline`` records."""
    trust: Trust
    policy: Policy | None = None
    baseline: Baseline | None = None
    known: int = 0
    """Findings left out because the baseline holds them."""


def trust_for(request: AuditRequest) -> Trust:
    if request.trust is not None:
        return request.trust
    if request.policy is not None and request.policy.trust is not None:
        return request.policy.trust
    if request.preset is not None:
        return request.preset.trust
    return DEFAULT_TRUST


def run_audit(request: AuditRequest) -> AuditOutcome:
    trust = trust_for(request)
    paths, empty = discover_all(request.paths, request.include, request.exclude)
    reports = audit_files(paths, trust, request.preset, host_rules=request.host_rules)
    reports += [FileReport(name, trust, error=located(name, EMPTY_FOLDER)) for name in empty]
    if request.policy is not None:
        from wizard.audit.policy import apply_policy

        reports = apply_policy(reports, request.policy, request.today)
    before = reports
    known = 0
    if request.baseline is not None:
        from wizard.audit.baseline import new_findings

        reports, known = new_findings(reports, request.baseline)
    return AuditOutcome(reports, before, trust, request.policy, request.baseline, known)


def audit_files(
    paths: Sequence[str],
    trust: Trust,
    preset: Preset | None = None,
    *,
    host_rules: bool = True,
) -> list[FileReport]:
    """One report per path, in order; a file that cannot be read gets ``error`` instead.

    Every runner config a file holds is audited once; with more than one, each finding
    names its own config, and what could not be read makes the report incomplete.
    """
    from wizard.embedded import block_name, load_all

    # A preset's exception holds for the audience it was written for, not a wider one.
    accepting = preset if preset is not None and not _wider(preset.trust, trust) else None
    memo = RuleMemo()
    reports = []
    for name in paths:
        try:
            contents = load_all(Path(name))
        except ConfigError as error:
            reports.append(FileReport(path=name, trust=trust, error=error.message))
            continue
        findings: list[Finding] = []
        for document in contents.documents:
            block = block_name(document, contents)
            found = audit_document(document, trust=trust, host_rules=host_rules, memo=memo)
            findings += [replace(f, block=block) for f in found] if block else found
        marked = _accept(findings, accepting) if accepting else tuple(findings)
        reports.append(FileReport(name, trust, marked, incomplete=contents.unread))
    return reports


def _accept(findings: list[Finding], preset: Preset) -> tuple[Finding, ...]:
    """Mark the findings the preset keeps on purpose, with its reason."""
    note = f"by preset {preset.name}: {preset.accepted_reason}".strip()
    return tuple(
        replace(finding, accepted=note) if finding.rule in preset.accepted else finding
        for finding in findings
    )


def _wider(reference: Trust, trust: Trust) -> bool:
    """Whether ``trust`` admits more people than ``reference`` does."""
    order = list(Trust)
    return order.index(trust) > order.index(reference)


def closing_summary(
    outcome: AuditOutcome, output_format: str, *, asked: bool = False
) -> Summary | None:
    """The totals that close a report: always in JSON or when asked; in text when there is
    more than one file to total or something is left out (a baseline's findings, disabled
    rules); never in the CI formats, which have their own."""
    from wizard.audit.summary import summarize

    disabled = outcome.policy.disabled if outcome.policy is not None else frozenset()
    if output_format not in ("text", "json"):
        return None
    wanted = output_format == "json" or len(outcome.reports) > 1 or outcome.known or disabled
    if not (asked or wanted):
        return None
    return summarize(outcome.reports, known=outcome.known, disabled=disabled)
