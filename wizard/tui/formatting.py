"""Words and colours for what the screens show: values, paths, findings, diffs.

Pure functions, so the wording is tested without running the app and every
screen says the same thing the same way.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from rich.table import Table
from rich.text import Text

from wizard.answers.steps import STEPS
from wizard.answers.wording import describe_value, finding_place
from wizard.base.masking import outward
from wizard.base.model import Finding, Severity
from wizard.base.safe_text import shown_message
from wizard.session.checklist_rows import STATUS_WORDS, HostRow, HostStatus
from wizard.tui.state import KEEP, WizardState

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


def mask_words(prose: str) -> str:
    """:func:`mask_text` word by word, for our own sentences that may quote a value.

    A URL with a password or a token is one word and is masked; but a sentence
    such as "it holds the runner's token: anyone who…" is not a ``token: value``
    pair, and masking it whole would blank out "anyone".
    """
    return _WORD.sub(lambda word: outward(word.group(0)), prose)


_WORD = re.compile(r"\S+")


def severity_counts(findings: Iterable[Finding]) -> Counter[Severity]:
    return Counter(finding.severity for finding in findings)


IMPROVED = "bold green"
WORSENED = "bold red"


def findings_line(before: Sequence[Finding], after: Sequence[Finding]) -> Text:
    """``critical 2→0  high 3→1 …``: every severity that occurs on either side.

    The severity's name always wears its own colour, so "critical" never looks
    harmless; only the number after the arrow says which way it went: green when
    fewer, red when more, plain when unchanged.
    """
    counts_before = severity_counts(before)
    counts_after = severity_counts(after)
    text = Text()
    shown = [s for s in SEVERITIES_WORST_FIRST if counts_before[s] or counts_after[s]]
    if not shown:
        return Text("no findings", style="green")
    for position, severity in enumerate(shown):
        if position:
            text.append("  ")
        was, now = counts_before[severity], counts_after[severity]
        # A no-break space keeps "high 2→0" together when the line wraps.
        text.append(severity.value, style=SEVERITY_STYLES[severity])
        text.append(f"\u00a0{was}")
        text.append("→", style="dim")
        text.append(str(now), style=IMPROVED if now < was else WORSENED if now > was else "")
    return text


def findings_summary(findings: Sequence[Finding]) -> Text:
    """``1 high, 2 medium`` for one set of findings."""
    counts = severity_counts(findings)
    parts = [s for s in SEVERITIES_WORST_FIRST if counts[s]]
    if not parts:
        return Text("no findings", style="green")
    text = Text()
    for position, severity in enumerate(parts):
        if position:
            text.append(", ")
        text.append(f"{counts[severity]} {severity.value}", style=SEVERITY_STYLES[severity])
    return text


def finding_line(finding: Finding) -> Text:
    """One finding: severity, rule, runner and message (masked as a last defence)."""
    text = Text()
    text.append(f"{finding.severity.value:<8}", style=SEVERITY_STYLES[finding.severity])
    text.append(f" {outward(finding.rule)}", style="bold")
    place = finding_place(finding)
    if place:
        text.append(f" ({place})", style="dim")
    text.append(f": {shown_message(finding.message)}")
    return text


def coloured_diff(diff: str) -> Text:
    """The unified diff with added lines green, removed red and hunk headers cyan.

    The core masks secrets already; :func:`mask_text` runs again because a diff is
    the one place a whole file's text reaches the screen.
    """
    text = Text(no_wrap=True, overflow="ellipsis")
    for line in outward(diff).splitlines():
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("@@"):
            style = "cyan"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        else:
            style = ""
        text.append(line + "\n", style=style)
    text.rstrip()
    return text


def answer_rows(state: WizardState) -> list[tuple[str, str]]:
    """Every applicable answer as (prompt, value), saying which are kept or locked."""
    rows: list[tuple[str, str]] = []
    answers = state.effective()
    for step in STEPS:
        for question in step.applicable(answers):
            if question.field == "host_measures":
                continue  # the review's checklist shows them in full
            value = state.value_for(question)
            if value is KEEP:
                shown = f"{describe_value(question, getattr(state.current, question.field))} (kept)"
            else:
                shown = describe_value(question, value)
            if question.field in state.locked:
                shown += " (preset)"
            rows.append((question.prompt, shown))
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
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(ratio=1)
    for row in rows:
        mark, style = HOST_MARKS[row.status]
        entry = Text(mask_words(row.title))
        if row.status == "not-planned":
            entry.append(" (you chose not to; jobs can reach it)", style="yellow")
        if row.why:
            entry.append(f"\n{mask_words(row.why)}", style="dim")
        table.add_row(Text(mark, style=style), entry)
    return table
