"""Where a finding is, in the words both wizards use for "still reported after saving"."""

from __future__ import annotations

from wizard.answers.wording import finding_place
from wizard.base.model import Finding, Severity
from wizard.base.safe_text import Message
from wizard.tui.formatting import finding_line


def _finding(runner_index: int | None, runner: str | None, line: int | None) -> Finding:
    return Finding(
        rule="privileged-container",
        severity=Severity.HIGH,
        message=Message.of("privileged = true"),
        table=("runners", runner_index or 0, "docker"),
        key="privileged",
        runner_index=runner_index,
        runner=runner,
        line=line,
        fix=None,
    )


def test_a_finding_names_its_runner_not_only_its_line() -> None:
    assert finding_place(_finding(1, "ci-2", 14)) == "runner 'ci-2', line 14"
    assert finding_place(_finding(2, None, 30)) == "runner #3 (unnamed), line 30"
    assert finding_place(_finding(None, None, 3)) == "line 3"
    assert finding_place(_finding(None, None, None)) == ""


def test_a_token_shaped_runner_name_is_masked() -> None:
    place = finding_place(_finding(0, "glrt-0123456789abcdefghijkl", 5))
    assert "0123456789abcdefghijkl" not in place
    assert place.startswith("runner 'glrt-…")


def test_the_textual_review_line_names_the_runner() -> None:
    assert "(runner 'ci-2', line 14)" in finding_line(_finding(1, "ci-2", 14)).plain
