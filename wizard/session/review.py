"""What every review of a wizard session shows, decided once.

Both wizards review the same session the same way: the problems the answers leave,
the changes (may-break ones first), the findings still reported after saving, and
what remains to do on the host. The Textual review and the line-mode review render
a :class:`ReviewFacts`; neither filters or words these facts on its own.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from wizard.answers.impact import change_report
from wizard.answers.model import Answers
from wizard.answers.plan import problems
from wizard.base.model import Change, Finding
from wizard.base.safe_text import Safe
from wizard.session.checklist_rows import HostRow
from wizard.session.core import Preview


def remaining_findings(
    findings: Sequence[Finding], runners: Collection[int]
) -> tuple[Finding, ...]:
    """The findings a review names as still reported after saving: those of the runners
    the save touches and of the global settings (other runners' are only counted)."""
    return tuple(f for f in findings if f.runner_index is None or f.runner_index in runners)


@dataclass(frozen=True)
class ReviewFacts:
    """One review: every fact both wizards show before saving."""

    problems: tuple[str, ...]
    """Answer combinations the settings alone cannot make safe (they do not stop a save)."""
    may_break: tuple[Change, ...]
    changes: tuple[Safe, ...]
    """The change report: may-break changes first, each with what it may break."""
    remaining: tuple[Finding, ...]
    host: tuple[HostRow, ...]
    """What remains to do on the host, as rows (empty when it could not be worked out)."""


def review_facts(preview: Preview, answers: Answers, host: Sequence[HostRow] = ()) -> ReviewFacts:
    """The review of ``preview``; ``answers`` are the runner's answers as the save leaves
    them (kept answers are what the file says)."""
    runners = {preview.runner_index, *preview.also}
    return ReviewFacts(
        problems=tuple(problems(answers)),
        may_break=preview.may_break,
        changes=tuple(change_report(preview.changes)),
        remaining=remaining_findings(preview.findings_after, runners),
        host=tuple(host),
    )
