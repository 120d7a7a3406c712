"""The human-readable report: worst findings first, each said once for all its runners.

A fleet file repeats the same findings on every runner; listing them per
runner buried the one critical finding under hundreds of repeats. So a file's
findings are sorted by severity, then place, and a finding that says the same
thing on several runners is printed once with the runners named.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from wizard.audit.engine import FileReport
from wizard.audit.summary import Summary, counts_text, open_findings, summary_lines
from wizard.base.masking import outward
from wizard.base.model import Finding, Impact, table_name
from wizard.base.safe_text import Safe, shown_message
from wizard.rules.catalogue import get_rule
from wizard.runner.settings import runner_label

_KEEP = "\x00"
"""Marks a line already made safe; a NUL never comes from a file (it is escaped first)."""


def severity_counts(findings: Iterable[Finding]) -> str:
    """``2 critical, 1 high`` — or ``no findings``."""
    return counts_text(Counter(f.severity for f in findings))


def _where(finding: Finding) -> str:
    if finding.line:
        return f"line {finding.line}"
    return "not set" if finding.key else "file"


def _name(finding: Finding) -> str:
    return f'"{finding.runner}"' if finding.runner else runner_label(None)


def _owner(finding: Finding) -> str:
    block = f"{finding.block}: " if finding.block else ""
    if finding.runner_index is None:
        return f"{block}global settings"
    return f"{block}runner {_name(finding)} (entry {finding.runner_index + 1})"


def _place(group: list[Finding]) -> str:
    """Where a finding is: one runner and line, or every runner it repeats on."""
    first = group[0]
    if len(group) == 1:
        return f"{_owner(first)}, {_where(first)}"
    named = [f"{_name(f)} (entry {(f.runner_index or 0) + 1}, {_where(f)})" for f in group]
    return f"{len(group)} runners: " + ", ".join(named)


def _order(finding: Finding) -> tuple[int, int, int, str]:
    """Worst first, then by place in the file."""
    return (
        -finding.severity.rank,
        finding.line or 0,
        -1 if finding.runner_index is None else finding.runner_index,
        finding.rule,
    )


def _same(finding: Finding) -> tuple[object, ...]:
    """What must match for two runners' findings to be printed as one."""
    return (
        finding.rule,
        finding.severity,
        finding.message,
        table_name(finding.table),
        finding.key,
        finding.accepted,
        finding.fix,
        finding.subject,
        finding.runner_index is None,
    )


def grouped(findings: Iterable[Finding]) -> list[list[Finding]]:
    """The findings in report order, those repeated on several runners gathered together."""
    groups: dict[tuple[object, ...], list[Finding]] = {}
    for finding in sorted(findings, key=_order):
        key = _same(finding)
        if finding.runner_index is None:
            key = (*key, id(finding))  # global findings are each their own
        groups.setdefault(key, []).append(finding)
    return list(groups.values())


def render_finding(finding: Finding, *, indent: str = "  ", place: str | None = None) -> list[str]:
    # Made from a template: shown as written (escaped here); a marker keeps the
    # report's free-text pass off it.
    message = _KEEP + shown_message(finding.message, one_line=True)
    lines = [
        f"{indent}{finding.severity.value.upper():8} {finding.rule}  "
        f"{place if place is not None else f'{_owner(finding)}, {_where(finding)}'}",
        f"{indent}  {message}",
    ]
    try:
        remedy = get_rule(finding.rule).remedy
        breaks = finding.breaks or get_rule(finding.rule).breaks
    except KeyError:
        remedy, breaks = "", finding.breaks
    if finding.accepted is not None:
        lines.append(f"{indent}  suppressed: {finding.accepted}")
    elif finding.impact is not None:
        # Impact, as harden, JSON and the README say it: none, or may break and what.
        lines.append(f"{indent}  fix (impact {finding.impact.value}): {remedy}")
        if finding.impact is Impact.MAY_BREAK and breaks:
            lines.append(f"{indent}  may break: {breaks}")
    elif remedy:
        lines.append(f"{indent}  to do by hand: {remedy}")
    return lines


def file_lines(report: FileReport) -> list[str]:
    out = [f"{report.path}  (trust: {report.trust.value})"]
    for group in grouped(report.findings):
        out.extend(render_finding(group[0], place=_place(group)))
    # Each reason is one of our messages (its holes masked when it was made): kept.
    out.extend(
        f"{_KEEP}  incomplete: {shown_message(reason, one_line=True)}"
        for reason in report.incomplete
    )
    open_ = open_findings(report.findings)
    fixable = Counter(f.impact for f in open_ if f.impact is not None)
    summary = f"  {severity_counts(open_)}"
    suppressed = len(report.findings) - len(open_)
    if suppressed:
        summary += f" ({suppressed} suppressed)"
    if report.incomplete:
        summary += " in what was read; the audit is incomplete (exit code 2)"
    if fixable:
        summary += (
            f"; fixable: {fixable[Impact.NONE]} with impact none, "
            f"{fixable[Impact.MAY_BREAK]} may-break "
            "(runner-wizard harden; --fix all for may-break)"
        )
    out.append(summary)
    return out


def render_text(
    reports: Iterable[FileReport], *, summary: Summary | None = None, only_summary: bool = False
) -> Safe:
    """Each readable file's findings, then ``summary`` when given (or only it)."""
    out: list[str] = []
    if not only_summary:
        for report in reports:
            if report.error is not None:
                continue  # said once, on stderr, by the command; the exit code is 2
            out.extend(file_lines(report))
            out.append("")
    if summary is not None:
        out.extend(summary_lines(summary))
    # Names and messages come from the file: masked, and escaped for the terminal. Line by
    # line, each distinct line once: a fleet's report repeats the same messages and fixes
    # thousands of times, and masking megabytes in one piece was most of its cost. Every
    # line starts with our own words or indentation, so no secret spans two of them.
    shown: dict[str, str] = {}
    masked = []
    # A template-made message (marked) is not scanned again.
    for line in out:
        done = shown.get(line)
        if done is None:
            done = shown[line] = line.replace(_KEEP, "") if _KEEP in line else outward(line)
        masked.append(done)
    text = "\n".join(masked).rstrip("\n")
    return Safe(text + "\n" if text else "")
