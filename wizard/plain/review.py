"""What the line-mode wizard shows before it saves: the review text, the host checklist
and the save question, from the core's facts (:mod:`wizard.session.review`).

The lines are wrapped to fit an 80-column terminal; every value from the file is masked.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

from wizard.answers.impact import (
    FILL_IN_HEADING,
    OFFERED_HEADING,
    REMAINING_HEADING,
    declined_note,
    offer_line,
    save_warning,
)
from wizard.answers.model import Answers
from wizard.answers.wording import finding_place
from wizard.base.masking import mask_text, outward
from wizard.base.model import Finding, Severity
from wizard.base.safe_text import shown_message
from wizard.runner.settings import runner_label
from wizard.session.checklist_rows import (
    STATUS_WORDS,
    HostRow,
    HostStatus,
    checklist_rows,
)
from wizard.session.core import Preview, RunnerSummary
from wizard.session.host_plan import HostPlan, plan_host
from wizard.session.review import review_facts


def summarise_runner(runner: RunnerSummary) -> str:
    """One picker row: position first, and the id, so namesakes can be told apart."""
    token = runner.token or "no token"
    runner_id = f", id {runner.runner_id}" if runner.runner_id is not None else ""
    return outward(
        f"#{runner.index + 1} {runner_label(runner.name)} — {runner.executor or 'no executor'}, "
        f"{runner.url or 'no url'}, {token}{runner_id}",
        one_line=True,
    )


def count_line(before: Sequence[Finding], after: Sequence[Finding]) -> str:
    def serious(findings: Sequence[Finding]) -> int:
        return sum(1 for f in findings if f.severity.at_least(Severity.HIGH))

    return (
        f"findings: {len(before)} before → {len(after)} after "
        f"(high or critical: {serious(before)} → {serious(after)})"
    )


def review_text(
    preview: Preview,
    answers: Answers,
    *,
    accepted: frozenset[str] = frozenset(),
    host: HostPlan | None = None,
    path: Path | None = None,
) -> str:
    """What both interactive and scripted runs print before saving: identical by design.

    ``host`` is what remains to do on the machine; without it, it is worked out
    from the answers alone (no GitLab URL, no cloud options). ``path`` names the
    file in the line about its mode.
    """
    host = host or plan_host(answers)
    facts = review_facts(
        preview,
        answers,
        checklist_rows(host.items, host.planned, config_private=host.config_private),
    )
    lines = [count_line(preview.findings_before, preview.findings_after)]
    if preview.managed and preview.changed:
        lines += wrap(f"warning: {preview.managed}", " " * 9)
    if preview.mode_change is not None:
        sentence = preview.mode_change.sentence(str(path) if path else "the file")
        lines += wrap(
            f"{'warning' if preview.mode_change.read_only else 'note'}: {sentence}", " " * 6
        )
    for line in facts.changes:
        lines += wrap(line, " " * 8)
    if preview.to_fill_in:
        lines.append(FILL_IN_HEADING)
        for gap in preview.to_fill_in:
            lines += wrap(f"  {gap}", " " * 4)
    if preview.offered:
        lines.append(OFFERED_HEADING)
        for finding in preview.offered:
            lines += wrap(f"  {offer_line(finding)}", " " * 6)
    if facts.remaining:
        lines.append(REMAINING_HEADING)
    for finding in facts.remaining:
        note = " (accepted by the preset)" if finding.rule in accepted else ""
        place = finding_place(finding)
        where = f" ({place})" if place else ""
        head = mask_text(f"  {finding.severity.value:<8} {finding.rule}{where}")
        line = f"{head}: {shown_message(finding.message)}{note}"
        lines += wrap(line, " " * 11)
    for problem in facts.problems:
        lines.append(f"  warning: {problem}")
    lines.append("")
    lines.append(preview.diff.rstrip("\n") if preview.diff else "no changes to the file")
    reviewed = outward("\n".join(lines)) + "\n"
    # The checklist is our own fixed prose, never the user's values, and masking
    # would mangle it ("the runner's token: anyone who…" reads as a secret).
    checklist = host_lines(facts.host)
    return reviewed + "\n" + "\n".join(checklist) + "\n"


# --------------------------------------------------------------------------- the host


REVIEW_WIDTH = 79
"""One less than an 80-column terminal, so no line wraps on its own."""


def _tag(status: HostStatus) -> str:
    return f"[{STATUS_WORDS[status]}]"


_TAG_WIDTH = 2 + max(len(_tag(status)) for status in STATUS_WORDS) + 2


def save_question(preview: Preview, path: Path) -> tuple[str, bool]:
    """The one question before saving, and its default: explicit when a change may break.

    Changes that may break jobs are never saved by pressing Enter: Enter writes the
    others (:func:`~wizard.answers.impact.declined_note` says which).
    """
    risky = len(preview.may_break)
    if risky:
        safe = len(preview.changes) - risky
        return (
            f"{save_warning(risky)} Write these changes to {path} anyway? ({declined_note(safe)})",
            False,
        )
    return f"Write these changes to {path}?", True


def host_checklist(host: HostPlan) -> list[str]:
    """The review's host section for ``host`` (see :func:`host_lines`)."""
    return host_lines(checklist_rows(host.items, host.planned, config_private=host.config_private))


def host_lines(rows: Sequence[HostRow]) -> list[str]:
    """The review's host section: each row's title and why, tagged with its status
    (the rows come from :func:`wizard.session.checklist_rows.checklist_rows`, as on screen)."""
    lines: list[str] = []
    for row in rows:
        lines += _entry(_tag(row.status), row.title, row.why)
    # HOST-CHECKLIST.md is named only once it is written (write_host_files says so):
    # a review must not point at a file a scripted run never writes.
    return ["on the host (outside config.toml):", *lines]


def _entry(tag: str, title: str, why: str) -> list[str]:
    indent = " " * _TAG_WIDTH
    lines = wrap(f"  {tag:<{_TAG_WIDTH - 2}}{title}", indent)
    if why:
        lines += wrap(indent + why, indent)
    return lines


def wrap(text: str, indent: str) -> list[str]:
    """``text`` as lines that fit the review's width; words are never split."""
    return textwrap.wrap(
        text,
        width=REVIEW_WIDTH,
        subsequent_indent=indent,
        break_on_hyphens=False,
        break_long_words=False,
    )


# --------------------------------------------------------------------------- asking
