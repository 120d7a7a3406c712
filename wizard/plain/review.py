"""What the line-mode wizard shows before it saves: the review text, the host checklist
and the save question, from the core's facts (:mod:`wizard.session.review`).

The lines are wrapped to fit an 80-column terminal; every value from the file is masked.
"""

from __future__ import annotations

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
from wizard.base.model import Finding, Severity
from wizard.base.safe_text import (
    Safe,
    catalogue,
    compose,
    joined,
    one_line,
    ours,
    render,
    shown_message,
    trimmed,
    wrapped,
)
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


def summarise_runner(runner: RunnerSummary) -> Safe:
    """One picker row: position first, and the id, so namesakes can be told apart."""
    if runner.runner_id is not None:
        row = render(
            "#{position} {name} — {executor}, {url}, {token}, id {runner_id}",
            position=runner.index + 1,
            name=runner_label(runner.name),
            executor=runner.executor or "no executor",
            url=runner.url or "no url",
            token=runner.token or "no token",  # masked already
            runner_id=runner.runner_id,
        )
    else:
        row = render(
            "#{position} {name} — {executor}, {url}, {token}",
            position=runner.index + 1,
            name=runner_label(runner.name),
            executor=runner.executor or "no executor",
            url=runner.url or "no url",
            token=runner.token or "no token",  # masked already
        )
    return one_line(row)


def count_line(before: Sequence[Finding], after: Sequence[Finding]) -> Safe:
    def serious(findings: Sequence[Finding]) -> int:
        return sum(1 for f in findings if f.severity.at_least(Severity.HIGH))

    return render(
        "findings: {before} before → {after} after (high or critical: {serious_before} → "
        "{serious_after})",
        before=len(before),
        after=len(after),
        serious_before=serious(before),
        serious_after=serious(after),
    )


def review_text(
    preview: Preview,
    answers: Answers,
    *,
    accepted: frozenset[str] = frozenset(),
    host: HostPlan | None = None,
    path: Path | None = None,
) -> Safe:
    """What both interactive and scripted runs print before saving: identical by design.

    ``host`` is what remains to do on the machine; without it, it is worked out
    from the answers alone (no GitLab URL, no cloud options). ``path`` names the
    file in the line about its mode. Our words are templates; every value from the
    file (a name, a path, a finding's message) is a hole, masked on its own.
    """
    host = host or plan_host(answers)
    facts = review_facts(
        preview,
        answers,
        checklist_rows(host.items, host.planned, config_private=host.config_private),
    )
    lines = [count_line(preview.findings_before, preview.findings_after)]
    if preview.managed and preview.changed:
        lines += wrap(render("warning: {managed}", managed=preview.managed), " " * 9)
    if preview.mode_change is not None:
        sentence = preview.mode_change.sentence(str(path) if path else "the file")
        level = "warning" if preview.mode_change.read_only else "note"
        lines += wrap(render("{level}: {sentence}", level=level, sentence=sentence), " " * 6)
    for line in facts.changes:
        lines += wrap(line, " " * 8)
    if preview.to_fill_in:
        lines.append(ours(FILL_IN_HEADING))
        for gap in preview.to_fill_in:
            lines += wrap(render("  {gap}", gap=gap), " " * 4)
    if preview.offered:
        lines.append(ours(OFFERED_HEADING))
        for finding in preview.offered:
            lines += wrap(compose("  {line}", line=offer_line(finding)), " " * 6)
    if facts.remaining:
        lines.append(ours(REMAINING_HEADING))
    for finding in facts.remaining:
        note = ours(" (accepted by the preset)") if finding.rule in accepted else ours("")
        place = finding_place(finding)
        head = render(
            "  {severity} {rule}", severity=f"{finding.severity.value:<8}", rule=finding.rule
        )
        if place:
            head = compose("{head} ({place})", head=head, place=place)
        line = compose(
            "{head}: {message}{note}", head=head, message=shown_message(finding.message), note=note
        )
        lines += wrap(line, " " * 11)
    for problem in facts.problems:
        lines.append(one_line(render("  warning: {problem}", problem=problem)))
    lines.append(ours(""))
    lines.append(trimmed(preview.diff) if preview.diff else ours("no changes to the file"))
    # The checklist is our own fixed prose, never the user's values, and masking
    # would mangle it ("the runner's token: anyone who…" reads as a secret).
    checklist = host_lines(facts.host)
    return compose(
        "{reviewed}\n\n{checklist}\n", reviewed=joined(lines), checklist=joined(checklist)
    )


# --------------------------------------------------------------------------- the host


REVIEW_WIDTH = 79
"""One less than an 80-column terminal, so no line wraps on its own."""


def _tag(status: HostStatus) -> str:
    return f"[{STATUS_WORDS[status]}]"


_TAG_WIDTH = 2 + max(len(_tag(status)) for status in STATUS_WORDS) + 2


def save_question(preview: Preview, path: Path) -> tuple[Safe, bool]:
    """The one question before saving, and its default: explicit when a change may break.

    Changes that may break jobs are never saved by pressing Enter: Enter writes the
    others (:func:`~wizard.answers.impact.declined_note` says which).
    """
    risky = len(preview.may_break)
    if risky:
        safe = len(preview.changes) - risky
        question = render(
            "{warning} Write these changes to {path} anyway? ({note})",
            warning=save_warning(risky),
            path=str(path),
            note=declined_note(safe),
        )
        return one_line(question), False
    return one_line(render("Write these changes to {path}?", path=str(path))), True


def host_checklist(host: HostPlan) -> list[Safe]:
    """The review's host section for ``host`` (see :func:`host_lines`)."""
    return host_lines(checklist_rows(host.items, host.planned, config_private=host.config_private))


def host_lines(rows: Sequence[HostRow]) -> list[Safe]:
    """The review's host section: each row's title and why, tagged with its status
    (the rows come from :func:`wizard.session.checklist_rows.checklist_rows`, as on screen)."""
    lines: list[Safe] = []
    for row in rows:
        lines += _entry(_tag(row.status), row.title, row.why)
    # HOST-CHECKLIST.md is named only once it is written (write_host_files says so):
    # a review must not point at a file a scripted run never writes.
    return [ours("on the host (outside config.toml):"), *lines]


def _entry(tag: str, title: str, why: str) -> list[Safe]:
    """One checklist row: the rows' prose is our own catalogue (no value of the file)."""
    indent = " " * _TAG_WIDTH
    lines = wrap(catalogue(f"  {tag:<{_TAG_WIDTH - 2}}{title}"), indent)
    if why:
        lines += wrap(catalogue(indent + why), indent)
    return lines


def wrap(text: Safe, indent: str) -> list[Safe]:
    """``text`` as lines that fit the review's width; words are never split."""
    return wrapped(text, width=REVIEW_WIDTH, indent=indent)


# --------------------------------------------------------------------------- asking
