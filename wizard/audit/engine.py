"""Audit and harden: the rule catalogue applied to one document.

Checks see plain data; this module gives their issues a severity for the
trust level, a line in the file and the runner's name, and applies the fixes
the user allowed. It returns data; :mod:`wizard.report` renders it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from wizard.base.errors import EditError
from wizard.base.model import DEFAULT_TRUST, Edit, Finding, FixSafety, Issue, TablePath, Trust
from wizard.base.safe_text import Message
from wizard.embedded.document import as_embedded
from wizard.rules.base import AuditContext, Rule
from wizard.rules.catalogue import evaluate
from wizard.rules.memo import RuleMemo
from wizard.runner.reading import iter_runners
from wizard.runner.settings import fix_breaks
from wizard.tomlfile.document import ConfigDocument
from wizard.tomlfile.mode_change import CONFIG_MODE

_NO_CHANGE = "its edit would not change the file; fix the duplicate it reports first"

FILE_MODE_RULE = "config-file-permissions"
"""Fixed by the writer (it always writes 0600), not by an edit."""


@dataclass(frozen=True)
class FileReport:
    """The audit of one file: its findings, or why it could not be read."""

    path: str
    trust: Trust
    findings: tuple[Finding, ...] = ()
    error: Message | None = None
    """Why the file could not be read: one line naming it (``file:line:col: message``)."""
    incomplete: tuple[Message, ...] = ()
    """Parts that may hold a runner config and were not read: the audit is partial.

    Every format shows them, and the exit code is 2 as for an unreadable file,
    so a partial audit never passes as "no findings".
    """


def audit_document(
    document: ConfigDocument,
    *,
    trust: Trust = DEFAULT_TRUST,
    as_written: bool = False,
    runners: Collection[int] | None = None,
    lines: bool = True,
    host_rules: bool = True,
    memo: RuleMemo | None = None,
) -> list[Finding]:
    """Every finding in ``document`` at ``trust``, ordered by runner, then line.

    ``as_written`` audits the file as our writer would leave it (mode 0600), for
    previews of a save. ``runners`` limits the audit to those ``[[runners]]``
    entries and the global settings: checks read one runner at a time, so the
    other entries' findings are what they were. ``lines=False`` leaves
    ``line`` unset, for audits whose findings are only counted or fixed, so the
    edited text need not be mapped again. ``host_rules=False`` leaves out what only the
    file on the runner's host can show (its permissions), for ``audit --validate`` on an
    engine's temporary file. ``memo`` shares the rules' work between the files of one
    fleet audit (:class:`~wizard.rules.memo.RuleMemo`).
    """
    mode = CONFIG_MODE if as_written else document.file_mode
    if not host_rules:
        mode = None
    embedded = as_embedded(document)
    if embedded is not None:
        mode = None  # a values file is not the runner's config on a host
    # A values file's chart rules read more than one runner's table: audit it whole.
    data, numbering = _only_runners(document.data, None if embedded else runners)
    context = AuditContext(
        data=embedded.effective_data() if embedded else data,
        trust=trust,
        file_mode=mode,
        chart=embedded.chart_values() if embedded else None,
        chart_kind=embedded.src.chart_kind if embedded else None,
        in_cluster=embedded is not None,
        config_text=embedded.src.toml_raw if embedded else "",
    )
    wanted = None if runners is None else frozenset(runners)
    names = {
        entry.index: entry.name
        for entry in iter_runners(document.data)
        if wanted is None or entry.index in wanted
    }
    findings = []
    for rule, found in evaluate(context, memo):
        issue = _renumbered(found, numbering) if numbering is not None else found
        index = issue.runner_index
        if wanted is not None and index is not None and index not in wanted:
            continue
        has_fix = bool(issue.edits) or rule.id == FILE_MODE_RULE
        runner_name = names.get(issue.runner_index) if issue.runner_index is not None else None
        line = document.line_of(issue.table, issue.key) if lines or embedded else None
        if embedded is not None and embedded.decided_at_render(rule.id, issue.table, issue.key):
            continue
        # A template: only its holes were masked, our sentence is never scanned.
        message = issue.message
        if embedded is not None:
            message = embedded.shown(message)
            condition = embedded.condition_at(line)
            if condition:
                message = Message.of(
                    "{message} ({condition})", message=message, condition=condition
                )
        findings.append(
            Finding(
                rule=rule.id,
                severity=issue.severity or rule.severity_for(trust),
                message=message,
                table=issue.table,
                key=issue.key,
                runner_index=issue.runner_index,
                runner=runner_name if isinstance(runner_name, str) else None,
                line=line,
                fix=rule.fix if has_fix else None,
                edits=issue.edits,
                breaks=_breaks(rule, found, context.data, memo) if has_fix else "",
            )
        )
    findings.sort(key=finding_order)
    return findings


def _breaks(rule: Rule, issue: Issue, data: Mapping[str, Any], memo: RuleMemo | None) -> str:
    """A may-break fix's sentence, judged as the same change from an answer would be."""
    if rule.fix is not FixSafety.UNSAFE or not issue.edits or issue.key is None:
        return rule.breaks
    key = issue.key
    if memo is None or rule.reads_identity:
        return fix_breaks(data, issue.edits, key, rule.breaks)
    return memo.breaks(issue, lambda: fix_breaks(data, issue.edits, key, rule.breaks))


def moved(finding: Finding, line: int | None) -> Finding:
    """``finding`` at another line, the same otherwise.

    A preview moves thousands of findings of untouched runners below an edit;
    ``dataclasses.replace`` (which runs ``__init__`` again) took most of its time.
    """
    if line == finding.line:
        return finding
    copy = object.__new__(Finding)
    copy.__dict__.update(finding.__dict__)
    copy.__dict__["line"] = line
    return copy


def finding_order(finding: Finding) -> tuple[int, int, int, str]:
    """Findings are listed by runner, then line, worst first."""
    return (
        -1 if finding.runner_index is None else finding.runner_index,
        finding.line or 0,
        -finding.severity.rank,
        finding.rule,
    )


def _only_runners(
    data: Mapping[str, Any], runners: Collection[int] | None
) -> tuple[Mapping[str, Any], list[int] | None]:
    """The data with only ``runners`` left in its ``[[runners]]`` list, and their numbers.

    ``None`` for the numbers when the data stays whole (no limit, or a list
    that is not all tables, where leaving entries out would change findings).
    """
    if runners is None:
        return data, None
    spellings = [key for key in data if key.casefold() == "runners"]
    if len(spellings) != 1:
        return data, None  # no runners, or [[runners]] and [[Runners]] side by side
    entries = data[spellings[0]]
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        return data, None
    numbering = sorted(i for i in set(runners) if 0 <= i < len(entries))
    return {**data, spellings[0]: [entries[i] for i in numbering]}, numbering


def _renumbered(issue: Issue, numbering: list[int]) -> Issue:
    """An issue of the limited data with runner positions as in the whole file."""

    def path(table: TablePath) -> TablePath:
        if len(table) >= 2 and isinstance(table[1], int) and str(table[0]).casefold() == "runners":
            return (table[0], numbering[table[1]], *table[2:])
        return table

    return replace(
        issue,
        table=path(issue.table),
        runner_index=None if issue.runner_index is None else numbering[issue.runner_index],
        edits=tuple(replace(edit, table=path(edit.table)) for edit in issue.edits),
    )


@dataclass
class HardenResult:
    """What ``harden`` did to one document."""

    before: ConfigDocument
    after: ConfigDocument
    applied: list[Finding] = field(default_factory=list)
    """The fixed findings (without lines: they are gone from the result)."""
    skipped: list[tuple[Finding, str]] = field(default_factory=list)
    """Fixes that could not be applied safely, with the reason."""
    fix_mode: bool = False
    """True when the file's permissions must be tightened even if its text is unchanged."""
    incomplete: tuple[Message, ...] = ()
    """Parts of the file that may hold a runner config and were not read, so not hardened."""

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
    only_rules: Collection[str] | None = None,
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
    if only_rules is not None and finding.rule not in only_rules:
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
    only_rules: Collection[str] | None = None,
    runner_indexes: Collection[int] | None = None,
    global_fixes: bool = True,
) -> HardenResult:
    """Apply every selected fix; a second run on the result changes nothing.

    After the first round only the runners an edit touched are audited again:
    the others' findings cannot have changed, and a fleet of thousands must
    not be audited whole once per round.
    """
    result = HardenResult(before=document, after=document)
    failed: set[tuple[str, int | None, str | None]] = set()
    scope: Collection[int] | None = None if runner_index is None else (runner_index,)
    for _round in range(4):  # a fix can create a table another fix then completes
        findings = [
            f
            for f in audit_document(result.after, trust=trust, runners=scope, lines=False)
            if selected(
                f,
                fix=fix,
                runners=runners,
                runner_index=runner_index,
                skip_rules=skip_rules,
                only_rules=only_rules,
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
        scope = {
            edit.table[1]
            for edit in edits
            if len(edit.table) >= 2 and isinstance(edit.table[1], int)
        }
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
