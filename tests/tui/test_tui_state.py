"""The wizard's flow rules and wording, tested without running the app."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wizard.answers.model import Answers, JobUser, PrivilegedNeed, PullPolicyChoice
from wizard.answers.steps import STEPS, applicable_fields, question
from wizard.answers.validation import url_problem
from wizard.base.model import Executor, Finding, Severity, Trust
from wizard.base.safe_text import Message
from wizard.session.checklist_rows import HostRow, checklist_rows
from wizard.tui.formatting import coloured_diff, display_path, findings_line
from wizard.tui.state import KEEP, POSITIONS, REVIEW, RUNNER, START, WizardState

EXISTING_DOCKER = Answers(
    executor=Executor.DOCKER,
    privileged=PrivilegedNeed.PRIVILEGED,
    pull_policy=PullPolicyChoice.IF_NOT_PRESENT,
    local_only_listeners=False,
)


def new_runner_state() -> WizardState:
    state = WizardState(path=Path("config.toml"))
    state.reset_runner("add", None, Answers())
    return state


def existing_runner_state() -> WizardState:
    state = WizardState(path=Path("config.toml"))
    state.reset_runner("harden", 0, EXISTING_DOCKER)
    return state


def test_an_answer_equal_to_the_default_follows_the_trust_level() -> None:
    state = new_runner_state()
    state.choose(question("trust"), Trust.SINGLE_PROJECT)
    pull = question("pull_policy")
    assert state.value_for(pull) is PullPolicyChoice.IF_NOT_PRESENT
    state.choose(pull, PullPolicyChoice.IF_NOT_PRESENT)  # the default: not pinned
    state.choose(question("trust"), Trust.PUBLIC)
    assert state.value_for(pull) is PullPolicyChoice.ALWAYS


def test_an_answer_the_user_changed_stays_when_trust_changes() -> None:
    state = new_runner_state()
    pull = question("pull_policy")
    state.choose(pull, PullPolicyChoice.NEVER)
    state.choose(question("trust"), Trust.SINGLE_PROJECT)
    assert state.value_for(pull) is PullPolicyChoice.NEVER


def test_an_existing_runner_keeps_its_executor_by_default() -> None:
    """Switching executors makes another runner; the wizard never does it unasked."""
    state = existing_runner_state()
    state.choose(question("trust"), Trust.PUBLIC)  # would recommend docker-autoscaler
    assert state.value_for(question("executor")) is KEEP
    assert state.effective().executor is Executor.DOCKER
    assert state.answers_for_core().executor is None


def test_kept_answers_reach_the_core_as_none() -> None:
    state = existing_runner_state()
    state.choose(question("privileged"), KEEP)
    answers = state.answers_for_core()
    assert answers.privileged is None
    assert answers.pull_policy is None, "what the file says is kept without being chosen"
    assert answers.job_user is JobUser.NON_ROOT, "the file says nothing: the recommendation"
    assert state.effective().privileged is PrivilegedNeed.PRIVILEGED
    assert state.effective().pull_policy is PullPolicyChoice.IF_NOT_PRESENT


def test_keep_is_offered_only_where_the_file_has_a_value() -> None:
    state = existing_runner_state()
    assert state.can_keep(question("privileged"))
    assert not state.can_keep(question("job_user"))
    assert not new_runner_state().can_keep(question("privileged"))


def test_locked_preset_answers_win_over_any_choice() -> None:
    state = WizardState(
        path=Path("config.toml"),
        preset=Answers(trust=Trust.PUBLIC, privileged=PrivilegedNeed.NONE),
        locked=frozenset({"privileged"}),
    )
    state.reset_runner("add", None, Answers())
    state.choose(question("privileged"), PrivilegedNeed.PRIVILEGED)
    assert state.answers_for_core().privileged is PrivilegedNeed.NONE
    assert state.value_for(question("trust")) is Trust.PUBLIC  # pre-filled, not locked
    state.choose(question("trust"), Trust.SINGLE_PROJECT)
    assert state.answers_for_core().trust is Trust.SINGLE_PROJECT


def test_steps_that_do_not_apply_are_skipped_both_ways() -> None:
    state = new_runner_state()
    state.choose(question("executor"), Executor.SHELL)
    assert state.following("executor") == "network"
    assert state.preceding("network") == "executor"
    assert state.following("network") == "ephemerality"
    assert state.following("ephemerality") == REVIEW
    assert state.preceding(START) is None


def test_reset_runner_forgets_answers_about_the_previous_runner() -> None:
    state = new_runner_state()
    state.choose(question("pull_policy"), PullPolicyChoice.NEVER)
    state.visited.add("pull-policy")
    state.reset_runner("harden", 1, EXISTING_DOCKER)
    assert state.chosen == {}
    assert state.visited == {START, RUNNER}


executors = st.sampled_from(list(Executor))
trusts = st.sampled_from(list(Trust))
field_values = {
    "privileged": st.sampled_from([*PrivilegedNeed, KEEP]),
    "pull_policy": st.sampled_from([*PullPolicyChoice, KEEP]),
    "per_build_network": st.sampled_from([True, False, KEEP]),
    "local_only_listeners": st.sampled_from([True, False, KEEP]),
}


@given(
    trust=trusts,
    executor=executors,
    existing=st.booleans(),
    picks=st.fixed_dictionaries({}, optional=field_values),
)
def test_the_core_gets_exactly_the_applicable_answers(
    trust: Trust, executor: Executor, existing: bool, picks: dict[str, object]
) -> None:
    """Whatever the user picks: every applicable question is answered unless kept,
    and nothing is sent for questions that do not apply to the executor."""
    state = existing_runner_state() if existing else new_runner_state()
    state.choose(question("trust"), trust)
    state.choose(question("executor"), executor)
    for field, value in picks.items():
        if value is KEEP and not state.can_keep(question(field)):
            continue
        state.choose(question(field), value)
    answers = state.answers_for_core()
    applicable = applicable_fields(state.effective())
    sent = {name for name, value in vars(answers).items() if value is not None}
    assert sent <= set(applicable)
    kept = {name for name in applicable if state.value_for(question(name)) is KEEP}
    assert set(applicable) - kept - sent == set()
    order = [START, RUNNER, *(s.id for s in state.applicable_steps()), REVIEW]
    for earlier, later in itertools.pairwise(order):
        assert state.following(earlier) == later
        assert state.preceding(later) == earlier
    assert set(order) <= set(POSITIONS)


def test_display_path_is_relative_or_home_based() -> None:
    cwd, home = Path("/work/here"), Path("/home/op")
    assert display_path(Path("/work/here/config.toml"), cwd=cwd, home=home) == "config.toml"
    assert (
        display_path(Path("/home/op/.gitlab-runner/config.toml"), cwd=cwd, home=home)
        == "~/.gitlab-runner/config.toml"
    )
    assert display_path(Path("/etc/gitlab-runner/config.toml"), cwd=cwd, home=home) == (
        "/etc/gitlab-runner/config.toml"
    )
    assert display_path(Path("sub/c.toml"), cwd=cwd, home=home) == "sub/c.toml"


@pytest.mark.parametrize(
    ("url", "allow_http", "ok"),
    [
        ("https://gitlab.example.com", False, True),
        ("http://gitlab.example.com", False, False),
        ("http://gitlab.example.com", True, True),
        ("gitlab.example.com", True, False),
        ("", False, False),
        ("https://", False, False),
    ],
)
def test_gitlab_url_must_be_https_unless_the_user_insists(
    url: str, allow_http: bool, ok: bool
) -> None:
    assert (url_problem(url, allow_http=allow_http) is None) is ok


def test_diff_colours_and_masks_a_token_that_slipped_through() -> None:
    diff = (
        "--- a\n+++ b\n@@ -1,2 +1,2 @@\n"
        '-  privileged = true\n+  privileged = false\n   token = "glrt-abcdefghijklmnopqrst"\n'
    )
    text = coloured_diff(diff)
    assert "glrt-abcdefghijklmnopqrst" not in text.plain
    assert "glrt-…qrst" in text.plain
    styles = {text.plain[span.start : span.end].strip(): str(span.style) for span in text.spans}
    assert styles["-  privileged = true"] == "red"
    assert styles["+  privileged = false"] == "green"
    assert styles["@@ -1,2 +1,2 @@"] == "cyan"


def finding(severity: Severity) -> Finding:
    return Finding("rule", severity, Message.of("m"), (), None, None, None, None, None)


def test_findings_line_counts_each_severity_before_and_after() -> None:
    before = [finding(Severity.HIGH), finding(Severity.HIGH), finding(Severity.LOW)]
    after = [finding(Severity.LOW)]
    line = findings_line(before, after)
    assert line.plain == "high\u00a02→0  low\u00a01→1"
    assert findings_line([], []).plain == "no findings"


def test_findings_line_colours_severity_by_severity_and_change_by_direction() -> None:
    """The name "critical" in "critical 1→0" keeps its own colour; only the 0 is green. A count
    that grows is red, an unchanged one plain."""
    before = [finding(Severity.CRITICAL), finding(Severity.MEDIUM)]
    after = [finding(Severity.MEDIUM), finding(Severity.LOW)]
    line = findings_line(before, after)
    styles = [(line.plain[span.start : span.end], str(span.style)) for span in line.spans]
    assert ("critical", "bold white on red") in styles
    assert ("0", "bold green") in styles
    assert ("medium", "yellow") in styles
    assert styles.count(("1", "bold red")) == 1, "medium 1→1 stays plain"
    assert ("low", "cyan") in styles
    assert styles[-1] == ("1", "bold red"), "low went from 0 to 1"
    assert not [text for text, style in styles if "green" in style and not text.isdigit()]


def test_host_rows_mark_what_the_network_step_planned() -> None:
    """Items carrying network measures come first, marked planned / partly / not
    planned; a measure no item covers is still listed; the rest are to-dos."""

    @dataclass(frozen=True)
    class CheckItem:
        title: str
        why: str
        measures: tuple[str, ...] = ()
        settled_by_save: bool = False

    items = [
        CheckItem("Keep the runner user out of the docker group", "root by another name"),
        CheckItem(
            "Filter metadata and other runners",
            "credentials",
            ("metadata-endpoint", "runner-to-runner"),
        ),
        CheckItem("Block SSH from the internet", "scanned first", ("inbound-ssh",)),
    ]
    rows = checklist_rows(items, planned=("metadata-endpoint", "inbound-ssh"))
    assert rows == (
        HostRow("partly", "Filter metadata and other runners", "credentials"),
        HostRow("planned", "Block SSH from the internet", "scanned first"),
        HostRow("not-planned", "Put runners in their own network segment"),
        HostRow("to-do", "Keep the runner user out of the docker group", "root by another name"),
    )


def test_answers_for_a_preset_are_every_applicable_answer_with_kept_values() -> None:
    state = existing_runner_state()
    state.choose(question("privileged"), KEEP)
    answers = state.answers_for_preset()
    assert answers.privileged is PrivilegedNeed.PRIVILEGED, "kept: what the file says"
    assert answers.executor is Executor.DOCKER
    assert answers.trust is Trust.MULTI_PROJECT
    assert answers.job_cleanup is None, "not a question for docker runners"
    assert set(answers.to_dict()) == set(applicable_fields(answers))


def test_every_step_is_a_sidebar_position() -> None:
    assert list(POSITIONS) == [START, RUNNER, *(s.id for s in STEPS), REVIEW]
