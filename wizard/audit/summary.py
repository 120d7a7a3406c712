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
from wizard.base.safe_text import Message, Safe, compose, joined, ours, render

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


def counts_safe(counts: Counter[Severity]) -> Safe:
    """:func:`counts_text` for an output: the numbers and our severity names."""
    parts = [
        render("{n} {severity}", n=counts[s], severity=s.value) for s in SEVERITY_ORDER if counts[s]
    ]
    return joined(parts, ", ") if parts else ours("no findings")


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


def summary_lines(summary: Summary) -> list[Safe]:
    """The summary as text lines: our words as written, file names and rule ids in holes."""
    head = render(
        "summary: {files} file{s}, {total} finding{t}",
        files=summary.files,
        s="s" if summary.files != 1 else "",
        total=summary.total,
        t="s" if summary.total != 1 else "",
    )
    if summary.total:
        head = compose("{head} ({counts})", head=head, counts=counts_safe(summary.counts))
    extras = []
    if summary.suppressed:
        extras.append(render("{n} suppressed", n=summary.suppressed))
    if summary.known:
        extras.append(render("{n} already in the baseline, not shown", n=summary.known))
    if summary.unreadable:
        extras.append(
            render(
                "{n} file{s} unreadable",
                n=summary.unreadable,
                s="s" if summary.unreadable != 1 else "",
            )
        )
    if extras:
        head = compose("{head}; {extras}", head=head, extras=joined(extras, ", "))
    lines = [head]
    if summary.disabled:
        lines.append(
            render("  rules turned off by the policy: {rules}", rules=", ".join(summary.disabled))
        )
    if summary.rules:
        lines.append(ours("  by rule:"))
        width = max(len(total.rule) for total in summary.rules)
        for total in summary.rules:
            lines.append(
                render(
                    "    {rule}  {count:>6}  {worst}",
                    rule=total.rule.ljust(width),
                    count=total.count,
                    worst=total.worst.value,
                )
            )
    with_findings = [t for t in summary.per_file if t.error or sum(t.counts.values())]
    if with_findings:
        lines.append(ours("  by file:"))
        for file_total in with_findings:
            if file_total.error is not None:
                lines.append(render("    {path}: unreadable", path=file_total.path))
                continue
            note = (
                render("; {n} suppressed", n=file_total.suppressed)
                if file_total.suppressed
                else ours("")
            )
            lines.append(
                compose(
                    "    {path}: {counts}{note}",
                    path=render("{path}", path=file_total.path),
                    counts=counts_safe(file_total.counts),
                    note=note,
                )
            )
    clean = len(summary.per_file) - len(with_findings)
    if clean and len(summary.per_file) > 1:
        lines.append(
            render("  {n} file{s} without open findings", n=clean, s="s" if clean != 1 else "")
        )
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
