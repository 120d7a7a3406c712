"""The human-readable report: findings grouped by file and runner, with the fix."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from wizard.audit import FileReport
from wizard.model import Finding, Impact, Severity
from wizard.printable import printable
from wizard.rules.catalogue import get_rule
from wizard.safe_text import Message, Safe
from wizard.secrets import KNOWN_SECRETS, outward

_KEEP = "\x00"
"""Marks a line already made safe; a NUL never comes from a file (it is escaped first)."""

_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)


def severity_counts(findings: Iterable[Finding]) -> str:
    """``2 critical, 1 high`` — or ``no findings``."""
    counts = Counter(f.severity for f in findings)
    parts = [f"{counts[s]} {s.value}" for s in _ORDER if counts[s]]
    return ", ".join(parts) if parts else "no findings"


def _runner_heading(finding: Finding) -> str:
    if finding.runner_index is None:
        return "global settings"
    name = f'"{finding.runner}"' if finding.runner else "(unnamed)"
    return f"runner {name} (entry {finding.runner_index + 1})"


def render_finding(finding: Finding, *, indent: str = "    ") -> list[str]:
    where = f"line {finding.line}" if finding.line else ("missing" if finding.key else "file")
    message = finding.message
    if isinstance(message, Message):
        # Made from a template: shown as written (escaped below); a marker keeps the
        # report's free-text pass off it.
        message = _KEEP + printable(KNOWN_SECRETS.mask(message), one_line=True)
    lines = [
        f"{indent}{finding.severity.value.upper():8} {finding.rule}  ({where})",
        f"{indent}  {message}",
    ]
    try:
        remedy = get_rule(finding.rule).remedy
        breaks = finding.breaks or get_rule(finding.rule).breaks
    except KeyError:
        remedy, breaks = "", finding.breaks
    if finding.accepted is not None:
        lines.append(f"{indent}  accepted: {finding.accepted}")
    elif finding.impact is not None:
        # Impact, as harden, JSON and the README say it: none, or may break and what.
        lines.append(f"{indent}  fix (impact {finding.impact.value}): {remedy}")
        if finding.impact is Impact.MAY_BREAK and breaks:
            lines.append(f"{indent}  may break: {breaks}")
    elif remedy:
        lines.append(f"{indent}  to do by hand: {remedy}")
    return lines


def render_text(reports: Iterable[FileReport]) -> Safe:
    out: list[str] = []
    for report in reports:
        if report.error is not None:
            continue  # said once, on stderr, by the command; the exit code is 2
        out.append(f"{report.path}  (trust: {report.trust.value})")
        heading = None
        for finding in report.findings:
            current = _runner_heading(finding)
            if current != heading:
                out.append(f"  {current}")
                heading = current
            out.extend(render_finding(finding))
        fixable = Counter(f.impact for f in report.findings if f.impact is not None)
        summary = f"  {severity_counts(report.findings)}"
        if fixable:
            summary += (
                f"; fixable: {fixable[Impact.NONE]} with impact none, "
                f"{fixable[Impact.MAY_BREAK]} may-break "
                "(runner-wizard harden; --fix all for may-break)"
            )
        out.append(summary)
        out.append("")
    # Names and messages come from the file: masked, and escaped for the terminal; a
    # template-made message (marked) is not scanned again.
    shown: list[str] = []
    pending: list[str] = []
    for line in "\n".join(out).rstrip("\n").split("\n"):
        if _KEEP in line:
            if pending:
                shown.append(outward("\n".join(pending)))  # one pass per run of lines
                pending = []
            shown.append(line.replace(_KEEP, ""))
        else:
            pending.append(line)
    if pending:
        shown.append(outward("\n".join(pending)))
    text = "\n".join(shown).rstrip("\n")
    return Safe(text + "\n" if text else "")
