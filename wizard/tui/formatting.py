"""Words and colours for what the screens show: values, paths, findings, diffs.

Pure functions, so the wording is tested without running the app and every
screen says the same thing the same way.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Column

from wizard.answers.steps import STEPS
from wizard.answers.wording import describe_value, finding_place
from wizard.base.masking import outward
from wizard.base.model import Finding, Severity
from wizard.base.safe_text import Safe, compose, ours, render, shown, shown_message
from wizard.session.checklist_rows import STATUS_WORDS, HostRow, HostStatus
from wizard.tui.safe_widgets import Part, Parts, grid, styled
from wizard.tui.state import KEEP, WizardState

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

SEVERITY_STYLES: dict[Severity, str] = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}

SEVERITIES_WORST_FIRST = tuple(sorted(Severity, key=lambda s: s.rank, reverse=True))


def display_path(path: Path, *, cwd: Path | None = None, home: Path | None = None) -> str:
    """A path as the user thinks of it: relative under the working folder, ``~`` at home.

    Keeps screenshots free of machine-specific absolute paths, too.
    """
    cwd = cwd or Path.cwd()
    home = home or Path.home()
    if not path.is_absolute():
        return str(path)
    for base, prefix in ((cwd, ""), (home, "~/")):
        try:
            relative = path.relative_to(base)
        except ValueError:
            continue
        return f"{prefix}{relative}" if str(relative) != "." else (prefix.rstrip("/") or ".")
    return str(path)


def mask_words(prose: str) -> Safe:
    """:func:`mask_text` word by word, for our own sentences that may quote a value.

    A URL with a password or a token is one word and is masked; but a sentence
    such as "it holds the runner's token: anyone who…" is not a ``token: value``
    pair, and masking it whole would blank out "anyone".
    """
    return Safe(_WORD.sub(lambda word: outward(word.group(0)), prose))


_WORD = re.compile(r"\S+")


def severity_counts(findings: Iterable[Finding]) -> Counter[Severity]:
    return Counter(finding.severity for finding in findings)


IMPROVED = "bold green"
WORSENED = "bold red"

NO_FINDINGS = Part(ours("no findings"), "green")


def findings_line_parts(before: Sequence[Finding], after: Sequence[Finding]) -> Parts:
    """``critical 2→0  high 3→1 …``: every severity that occurs on either side.

    The severity's name always wears its own colour, so "critical" never looks
    harmless; only the number after the arrow says which way it went: green when
    fewer, red when more, plain when unchanged.
    """
    counts_before = severity_counts(before)
    counts_after = severity_counts(after)
    shown = [s for s in SEVERITIES_WORST_FIRST if counts_before[s] or counts_after[s]]
    if not shown:
        return [NO_FINDINGS]
    parts: Parts = []
    for position, severity in enumerate(shown):
        if position:
            parts.append(Part(ours("  ")))
        was, now = counts_before[severity], counts_after[severity]
        # A no-break space keeps "high 2→0" together when the line wraps.
        parts.append(Part(ours(severity.value), SEVERITY_STYLES[severity]))
        parts.append(Part(render("\u00a0{was}", was=was)))
        parts.append(Part(ours("→"), "dim"))
        change = IMPROVED if now < was else WORSENED if now > was else ""
        parts.append(Part(render("{now}", now=now), change))
    return parts


def findings_line(before: Sequence[Finding], after: Sequence[Finding]) -> Text:
    """:func:`findings_line_parts` as one text."""
    return styled(findings_line_parts(before, after))


def findings_summary(findings: Sequence[Finding]) -> Parts:
    """``1 high, 2 medium`` for one set of findings."""
    counts = severity_counts(findings)
    present = [s for s in SEVERITIES_WORST_FIRST if counts[s]]
    if not present:
        return [NO_FINDINGS]
    parts: Parts = []
    for position, severity in enumerate(present):
        if position:
            parts.append(Part(ours(", ")))
        parts.append(
            Part(
                render("{count} {severity}", count=counts[severity], severity=severity.value),
                SEVERITY_STYLES[severity],
            )
        )
    return parts


def finding_parts(finding: Finding) -> Parts:
    """One finding: severity, rule, runner and message (each masked on its own)."""
    parts = [
        Part(
            render("{severity:<8}", severity=finding.severity.value),
            SEVERITY_STYLES[finding.severity],
        ),
        Part(render(" {rule}", rule=finding.rule), "bold"),
    ]
    place = finding_place(finding)
    if place:
        parts.append(Part(render(" ({place})", place=place), "dim"))
    parts.append(Part(compose(": {message}", message=shown_message(finding.message))))
    return parts


def finding_line(finding: Finding) -> Text:
    """:func:`finding_parts` as one text."""
    return styled(finding_parts(finding))


def as_lines(lines: Iterable[Part]) -> Parts:
    """Runs of text one per line: a line break between them, none after the last."""
    parts: Parts = []
    for line in lines:
        if parts:
            parts.append(Part(ours("\n")))
        parts.append(line)
    return parts


DIFF_STYLES = (("+++", "bold"), ("---", "bold"), ("@@", "cyan"), ("+", "green"), ("-", "red"))
"""A diff line's style by how it starts, the first match winning."""


def coloured_diff(diff: str) -> Text:
    """The unified diff with added lines green, removed red and hunk headers cyan.

    The core masks secrets already; :func:`mask_text` runs again because a diff is
    the one place a whole file's text reaches the screen.
    """
    lines = shown(diff).splitlines()
    return styled(
        as_lines(
            # A line of the masked diff, masked with it: as safe as the whole.
            Part(Safe(line), next((s for start, s in DIFF_STYLES if line.startswith(start)), ""))
            for line in lines
        ),
        no_wrap=True,
        ellipsis=True,
    )


def answer_rows(state: WizardState) -> list[tuple[Safe, Safe]]:
    """Every applicable answer as (prompt, value), saying which are kept or locked."""
    rows: list[tuple[Safe, Safe]] = []
    answers = state.effective()
    for step in STEPS:
        for question in step.applicable(answers):
            if question.field == "host_measures":
                continue  # the review's checklist shows them in full
            value = state.value_for(question)
            if value is KEEP:
                current = describe_value(question, getattr(state.current, question.field))
                shown_value = render("{value} (kept)", value=current)
            else:
                shown_value = shown(describe_value(question, value))
            if question.field in state.locked:
                shown_value = compose("{value} (preset)", value=shown_value)
            rows.append((ours(question.prompt), shown_value))
    return rows


HOST_MARKS: dict[HostStatus, tuple[str, str]] = {
    "planned": (f"✓ {STATUS_WORDS['planned']}", "green"),
    "partly": (f"◐ {STATUS_WORDS['partly']}", "yellow"),
    "not-planned": (f"✗ {STATUS_WORDS['not-planned']}", "bold yellow"),
    "to-do": (f"• {STATUS_WORDS['to-do']}", "bold"),
    "done": (f"✓ {STATUS_WORDS['done']}", "green"),
    "on-save": (f"✓ {STATUS_WORDS['on-save']}", "green"),
}
"""How each host row is marked: the network step's plan, or a plain to-do."""


def host_rows_table(rows: Sequence[HostRow]) -> Table:
    """The host checklist: a mark per item, then its title with why below it; long
    lines wrap inside their column, so the marks stay a clean column."""
    cells: list[tuple[Parts, Parts]] = []
    for row in rows:
        mark, style = HOST_MARKS[row.status]
        entry = [Part(mask_words(row.title))]
        if row.status == "not-planned":
            entry.append(Part(ours(" (you chose not to; jobs can reach it)"), "yellow"))
        if row.why:
            entry.append(Part(compose("\n{why}", why=mask_words(row.why)), "dim"))
        cells.append(([Part(ours(mark), style)], entry))
    return grid(cells, Column(no_wrap=True), Column(ratio=1))
