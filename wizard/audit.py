"""Audit and harden: the rule catalogue applied to one document.

Checks see plain data; this module gives their issues a severity for the
trust level, a line in the file and the runner's name, and applies the fixes
the user allowed. It returns data; :mod:`wizard.report` renders it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from wizard.config_reading import iter_runners
from wizard.embedded.document import as_embedded
from wizard.errors import EditError
from wizard.model import DEFAULT_TRUST, Edit, Finding, FixSafety, Trust
from wizard.rules.base import AuditContext
from wizard.rules.catalogue import evaluate
from wizard.secrets import mask_text
from wizard.tomlfile.document import ConfigDocument
from wizard.tomlfile.safe_write import CONFIG_MODE

_NO_CHANGE = "its edit would not change the file; fix the duplicate it reports first"

FILE_MODE_RULE = "config-file-permissions"
"""Fixed by the writer (it always writes 0600), not by an edit."""


@dataclass(frozen=True)
class FileReport:
    """The audit of one file: its findings, or why it could not be read."""

    path: str
    trust: Trust
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    """Why the file could not be read: one line naming it (``file:line:col: message``)."""


def audit_document(
    document: ConfigDocument, *, trust: Trust = DEFAULT_TRUST, as_written: bool = False
) -> list[Finding]:
    """Every finding in ``document`` at ``trust``, ordered by runner, then line.

    ``as_written`` audits the file as our writer would leave it (mode 0600), for
    previews of a save.
    """
    mode = CONFIG_MODE if as_written else document.file_mode
    embedded = as_embedded(document)
    if embedded is not None:
        mode = None  # a values file is not the runner's config on a host
    context = AuditContext(
        data=embedded.effective_data() if embedded else document.data,
        trust=trust,
        file_mode=mode,
        chart=embedded.chart_values() if embedded else None,
        chart_kind=embedded.src.chart_kind if embedded else None,
    )
    names = {entry.index: entry.name for entry in iter_runners(document.data)}
    findings = []
    for rule, issue in evaluate(context):
        has_fix = bool(issue.edits) or rule.id == FILE_MODE_RULE
        runner_name = names.get(issue.runner_index) if issue.runner_index is not None else None
        line = document.line_of(issue.table, issue.key)
        message = issue.message
        if embedded is not None:
            if embedded.decided_at_render(rule.id, issue.table, issue.key):
                continue
            message = embedded.shown(message)
            condition = embedded.condition_at(line)
            if condition:
                message += f" ({condition})"
        findings.append(
            Finding(
                rule=rule.id,
                severity=issue.severity or rule.severity_for(trust),
                message=mask_text(message),
                table=issue.table,
                key=issue.key,
                runner_index=issue.runner_index,
                runner=runner_name if isinstance(runner_name, str) else None,
                line=line,
                fix=rule.fix if has_fix else None,
                edits=issue.edits,
                breaks=rule.breaks if has_fix else "",
            )
        )
    findings.sort(
        key=lambda f: (
            -1 if f.runner_index is None else f.runner_index,
            f.line or 0,
            -f.severity.rank,
            f.rule,
        )
    )
    return findings


@dataclass
class HardenResult:
    """What ``harden`` did to one document."""

    before: ConfigDocument
    after: ConfigDocument
    applied: list[Finding] = field(default_factory=list)
    skipped: list[tuple[Finding, str]] = field(default_factory=list)
    """Fixes that could not be applied safely, with the reason."""
    fix_mode: bool = False
    """True when the file's permissions must be tightened even if its text is unchanged."""

    @property
    def changed(self) -> bool:
        # The whole file: a change to a chart value in YAML leaves the TOML text alone.
        return self.before.text != self.after.text or self.before.dumps() != self.after.dumps()


def selected(
    finding: Finding,
    *,
    fix: str,
    runners: Collection[str] | None,
    runner_index: int | None = None,
    skip_rules: Collection[str] = (),
    runner_indexes: Collection[int] | None = None,
    global_fixes: bool = True,
) -> bool:
    """Whether ``harden --fix FIX --runner ...`` should apply this finding's fix.

    ``runner_indexes`` limits fixes to those runners (by position, so two runners
    sharing a name cannot be confused); ``global_fixes`` says whether fixes outside
    any runner (the metrics listener) may go with them.
    """
    if finding.fix is None or finding.rule in skip_rules:
        return False
    if fix == "safe" and finding.fix is not FixSafety.SAFE:
        return False
    if runner_index is not None and finding.runner_index != runner_index:
        return False
    if runner_indexes is not None:
        if finding.runner_index is None:
            return global_fixes
        return finding.runner_index in runner_indexes
    if runners is not None:
        return finding.runner is not None and finding.runner in runners
    return True


def harden_document(
    document: ConfigDocument,
    *,
    trust: Trust = DEFAULT_TRUST,
    fix: str = "safe",
    runners: Collection[str] | None = None,
    runner_index: int | None = None,
    skip_rules: Collection[str] = (),
    runner_indexes: Collection[int] | None = None,
    global_fixes: bool = True,
) -> HardenResult:
    """Apply every selected fix; a second run on the result changes nothing."""
    result = HardenResult(before=document, after=document)
    failed: set[tuple[str, int | None, str | None]] = set()
    for _round in range(4):  # a fix can create a table another fix then completes
        findings = [
            f
            for f in audit_document(result.after, trust=trust)
            if selected(
                f,
                fix=fix,
                runners=runners,
                runner_index=runner_index,
                skip_rules=skip_rules,
                runner_indexes=runner_indexes,
                global_fixes=global_fixes,
            )
            and (f.rule, f.runner_index, f.key) not in failed
        ]
        if any(f.rule == FILE_MODE_RULE for f in findings):
            result.fix_mode = True
        fixable = [f for f in findings if f.edits]
        if not fixable:
            break
        edits: list[Edit] = [edit for f in fixable for edit in f.edits]
        try:
            before = result.after.dumps()  # the whole file, also around an embedded config
            result.after = result.after.with_edits(edits)
            if result.after.dumps() == before:
                # The edits land on a line that already says it (a key written twice,
                # differing only by case): reporting them as applied would be a lie.
                for finding in fixable:
                    failed.add((finding.rule, finding.runner_index, finding.key))
                    result.skipped.append((finding, _NO_CHANGE))
                continue
            result.applied.extend(fixable)
        except EditError:
            # Apply one finding at a time so one awkward table does not block the rest.
            for finding in fixable:
                try:
                    result.after = result.after.with_edits(finding.edits)
                    result.applied.append(finding)
                except EditError as error:
                    failed.add((finding.rule, finding.runner_index, finding.key))
                    result.skipped.append((finding, error.reason))
    return result
