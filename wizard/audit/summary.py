"""The totals that close a report: per severity, per rule, per file.

Suppressed findings (a preset's or a policy exception's) are counted apart:
they are still reported, but they are not what a reader has to act on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from wizard.audit.engine import FileReport
from wizard.base.model import Finding, Severity
from wizard.base.safe_text import Message

SEVERITY_ORDER = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
)


def counts_text(counts: Counter[Severity]) -> str:
    """``2 critical, 1 high`` — or ``no findings``."""
    parts = [f"{counts[s]} {s.value}" for s in SEVERITY_ORDER if counts[s]]
    return ", ".join(parts) if parts else "no findings"


def open_findings(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.accepted is None]


@dataclass(frozen=True)
class RuleTotal:
    rule: str
    count: int
    worst: Severity
    runners: int
    """How many distinct runners (or global settings) of all files it was found on."""


@dataclass(frozen=True)
class FileTotal:
    path: str
    counts: Counter[Severity]
    suppressed: int
    error: Message | None = None


@dataclass(frozen=True)
class Summary:
    files: int
    unreadable: int
    counts: Counter[Severity]
    suppressed: int
    rules: list[RuleTotal]
    per_file: list[FileTotal]
    known: int = 0
    """Findings the baseline holds, left out of the report."""
    disabled: tuple[str, ...] = field(default=())

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def summarize(
    reports: Sequence[FileReport], *, known: int = 0, disabled: Iterable[str] = ()
) -> Summary:
    counts: Counter[Severity] = Counter()
    suppressed = 0
    per_rule: dict[str, list[Finding]] = {}
    runners_per_rule: dict[str, set[tuple[str, int | None]]] = {}
    per_file: list[FileTotal] = []
    for report in reports:
        if report.error is not None:
            per_file.append(FileTotal(report.path, Counter(), 0, report.error))
            continue
        open_ = open_findings(report.findings)
        file_counts = Counter(f.severity for f in open_)
        counts.update(file_counts)
        file_suppressed = len(report.findings) - len(open_)
        suppressed += file_suppressed
        per_file.append(FileTotal(report.path, file_counts, file_suppressed))
        for finding in open_:
            per_rule.setdefault(finding.rule, []).append(finding)
            runners_per_rule.setdefault(finding.rule, set()).add(
                (report.path, finding.runner_index)
            )
    rules = [
        RuleTotal(
            rule,
            len(found),
            max((f.severity for f in found), key=lambda s: s.rank),
            len(runners_per_rule[rule]),
        )
        for rule, found in per_rule.items()
    ]
    rules.sort(key=lambda total: (-total.worst.rank, -total.count, total.rule))
    return Summary(
        files=len(reports),
        unreadable=sum(1 for r in reports if r.error is not None),
        counts=counts,
        suppressed=suppressed,
        rules=rules,
        per_file=per_file,
        known=known,
        disabled=tuple(sorted(disabled)),
    )


def summary_lines(summary: Summary) -> list[str]:
    """The summary as text lines (not yet masked: the text renderer masks the whole report)."""
    files = f"{summary.files} file{'s' if summary.files != 1 else ''}"
    head = f"summary: {files}, {summary.total} finding{'s' if summary.total != 1 else ''}"
    if summary.total:
        head += f" ({counts_text(summary.counts)})"
    extras = []
    if summary.suppressed:
        extras.append(f"{summary.suppressed} suppressed")
    if summary.known:
        extras.append(f"{summary.known} already in the baseline, not shown")
    if summary.unreadable:
        extras.append(
            f"{summary.unreadable} file{'s' if summary.unreadable != 1 else ''} unreadable"
        )
    lines = [head + ("; " + ", ".join(extras) if extras else "")]
    if summary.disabled:
        lines.append(f"  rules turned off by the policy: {', '.join(summary.disabled)}")
    if summary.rules:
        lines.append("  by rule:")
        width = max(len(total.rule) for total in summary.rules)
        for total in summary.rules:
            lines.append(f"    {total.rule:<{width}}  {total.count:>6}  {total.worst.value}")
    with_findings = [t for t in summary.per_file if t.error or sum(t.counts.values())]
    if with_findings:
        lines.append("  by file:")
        for file_total in with_findings:
            if file_total.error is not None:
                lines.append(f"    {file_total.path}: unreadable")
                continue
            note = f"; {file_total.suppressed} suppressed" if file_total.suppressed else ""
            lines.append(f"    {file_total.path}: {counts_text(file_total.counts)}{note}")
    clean = len(summary.per_file) - len(with_findings)
    if clean and len(summary.per_file) > 1:
        lines.append(f"  {clean} file{'s' if clean != 1 else ''} without open findings")
    return lines


def summary_dict(summary: Summary) -> dict[str, Any]:
    """The summary for the JSON report."""
    return {
        "files": summary.files,
        "unreadable": summary.unreadable,
        "findings": summary.total,
        "by_severity": {s.value: summary.counts[s] for s in SEVERITY_ORDER},
        "suppressed": summary.suppressed,
        "known_in_baseline": summary.known,
        "disabled_rules": list(summary.disabled),
        "by_rule": [
            {"rule": t.rule, "count": t.count, "worst": t.worst.value, "places": t.runners}
            for t in summary.rules
        ],
    }
