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
from wizard.audit.summary import Summary, counts_safe, open_findings, summary_lines
from wizard.base.model import Finding, Impact, table_name
from wizard.base.safe_text import (
    Safe,
    catalogue,
    compose,
    joined,
    one_line,
    ours,
    render,
    shown_message,
)
from wizard.rules.catalogue import ALL_RULES, get_rule
from wizard.runner.settings import runner_label

_RULE_IDS = frozenset(rule.id for rule in ALL_RULES)


def severity_counts(findings: Iterable[Finding]) -> Safe:
    """``2 critical, 1 high`` — or ``no findings``."""
    return counts_safe(Counter(f.severity for f in findings))


def _where(finding: Finding) -> Safe:
    if finding.line:
        return render("line {line}", line=finding.line)
    return ours("not set") if finding.key else ours("file")


def _name(finding: Finding) -> Safe:
    if finding.runner:
        return render('"{name}"', name=finding.runner)
    return render("{label}", label=runner_label(None))


def _owner(finding: Finding) -> Safe:
    block = render("{block}: ", block=finding.block) if finding.block else ours("")
    if finding.runner_index is None:
        return compose("{block}global settings", block=block)
    return compose(
        "{block}runner {name} (entry {entry})",
        block=block,
        name=_name(finding),
        entry=render("{n}", n=finding.runner_index + 1),
    )


def _place(group: list[Finding]) -> Safe:
    """Where a finding is: one runner and line, or every runner it repeats on."""
    first = group[0]
    if len(group) == 1:
        return compose("{owner}, {where}", owner=_owner(first), where=_where(first))
    named = [
        compose(
            "{name} (entry {entry}, {where})",
            name=_name(f),
            entry=render("{n}", n=(f.runner_index or 0) + 1),
            where=_where(f),
        )
        for f in group
    ]
    return compose("{n} runners: {named}", n=render("{n}", n=len(group)), named=joined(named, ", "))


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


def render_finding(
    finding: Finding, *, indent: str = "  ", place: Safe | None = None
) -> list[Safe]:
    """A finding's lines: our words as written, what came from a file in masked holes,
    the message as its template made it, the rule's remedy from our catalogue."""
    rule = get_rule(finding.rule) if finding.rule in _RULE_IDS else None
    remedy = catalogue(rule.remedy) if rule is not None else ours("")
    breaks = finding.breaks or (rule.breaks if rule is not None else "")
    pad = render("{indent}", indent=indent)
    lines = [
        compose(
            "{pad}{severity} {rule}  {place}",
            pad=pad,
            severity=render("{severity:8}", severity=finding.severity.value.upper()),
            rule=render("{rule}", rule=finding.rule),
            place=place
            if place is not None
            else compose("{owner}, {where}", owner=_owner(finding), where=_where(finding)),
        ),
        compose("{pad}  {message}", pad=pad, message=shown_message(finding.message, one_line=True)),
    ]
    if finding.accepted is not None:
        lines.append(
            compose("{pad}  suppressed: {why}", pad=pad, why=render("{w}", w=finding.accepted))
        )
    elif finding.impact is not None:
        # Impact, as harden, JSON and the README say it: none, or may break and what.
        lines.append(
            compose(
                "{pad}  fix (impact {impact}): {remedy}",
                pad=pad,
                impact=render("{impact}", impact=finding.impact.value),
                remedy=remedy,
            )
        )
        if finding.impact is Impact.MAY_BREAK and breaks:
            lines.append(
                compose("{pad}  may break: {breaks}", pad=pad, breaks=render("{b}", b=breaks))
            )
    elif rule is not None and rule.remedy:
        lines.append(compose("{pad}  to do by hand: {remedy}", pad=pad, remedy=remedy))
    return lines


def file_lines(report: FileReport) -> list[Safe]:
    out = [render("{path}  (trust: {trust})", path=report.path, trust=report.trust.value)]
    for group in grouped(report.findings):
        out.extend(render_finding(group[0], place=_place(group)))
    # Each reason is one of our messages (its holes masked when it was made): kept.
    out.extend(
        compose("  incomplete: {reason}", reason=shown_message(reason, one_line=True))
        for reason in report.incomplete
    )
    open_ = open_findings(report.findings)
    fixable = Counter(f.impact for f in open_ if f.impact is not None)
    summary = compose("  {counts}", counts=severity_counts(open_))
    suppressed = len(report.findings) - len(open_)
    if suppressed:
        summary = compose(
            "{summary} ({n} suppressed)", summary=summary, n=render("{n}", n=suppressed)
        )
    if report.incomplete:
        summary = compose(
            "{summary} in what was read; the audit is incomplete (exit code 2)", summary=summary
        )
    if fixable:
        summary = compose(
            "{summary}; fixable: {none} with impact none, {may} may-break "
            "(runner-wizard harden; --fix all for may-break)",
            summary=summary,
            none=render("{n}", n=fixable[Impact.NONE]),
            may=render("{n}", n=fixable[Impact.MAY_BREAK]),
        )
    out.append(summary)
    return out


def render_text(
    reports: Iterable[FileReport], *, summary: Summary | None = None, only_summary: bool = False
) -> Safe:
    """Each readable file's findings, then ``summary`` when given (or only it)."""
    out: list[Safe] = []
    if not only_summary:
        for report in reports:
            if report.error is not None:
                continue  # said once, on stderr, by the command; the exit code is 2
            out.extend(file_lines(report))
            out.append(ours(""))
    if summary is not None:
        out.extend(summary_lines(summary))
    # Each line is our template with what came from a file in masked, one-line holes:
    # nothing is scanned again here.
    masked = [one_line(line) for line in out]
    text = "\n".join(masked).rstrip("\n")
    return Safe(text + "\n" if text else "")
