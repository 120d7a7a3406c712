"""What a wizard save changes, and what it says first: impacts, offered fixes, and the
sections an autoscaling runner still needs."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from tests.corpus import require_corpus_file
from wizard.answers.impact import fix_id
from wizard.answers.model import Answers, JobUser, PrivilegedNeed
from wizard.answers.steps import recommended
from wizard.base.model import Executor, Impact, RunnerIdentity, Trust
from wizard.session.core import WizardSession

DIND = """\
listen_address = ":9252"

[session_server]
  listen_address = "[::]:8093"

[[runners]]
  name = "dind"
  url = "https://gitlab.example.com"
  executor = "docker"
  [runners.docker]
    image = "docker:27"
    privileged = true  # For Docker-in-Docker
    volumes = ["/var/run/docker.sock:/var/run/docker.sock", "/cache"]
    pull_policy = ["always", "if-not-present"]
    allowed_pull_policies = ["always", "if-not-present"]
"""


def open_session(tmp_path: Path, text: str) -> WizardSession:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return WizardSession.open(path)


def test_keeping_the_files_answers_changes_no_setting_nobody_asked_about(tmp_path: Path) -> None:
    session = open_session(tmp_path, DIND)
    current = session.current_answers(0)
    answers = recommended(current.merged(Answers(trust=Trust.SINGLE_PROJECT)))
    preview = session.preview(answers, runner_index=0)
    keys = {change.key for change in preview.changes}
    # cap_drop, security_opt and the session server are no answer's subject.
    assert not keys & {"cap_drop", "security_opt"}
    assert all(change.table != ("session_server",) for change in preview.changes)
    after = tomllib.loads(preview.new_text)
    assert after["session_server"]["listen_address"] == "[::]:8093"
    docker = after["runners"][0]["docker"]
    assert docker["privileged"] is True
    assert "/var/run/docker.sock:/var/run/docker.sock" in docker["volumes"]
    # Single-project trust never drops "always" from the allowed pull policies.
    assert "always" in docker["allowed_pull_policies"]
    # What they would add is offered instead, to tick.
    offered = {finding.rule for finding in preview.offered}
    assert {"setuid-not-dropped", "no-new-privileges-missing"} <= offered


def test_an_answer_that_may_break_jobs_is_listed_with_its_reason(tmp_path: Path) -> None:
    session = open_session(tmp_path, DIND)
    answers = session.current_answers(0).merged(
        Answers(
            trust=Trust.MULTI_PROJECT, privileged=PrivilegedNeed.NONE, job_user=JobUser.NON_ROOT
        )
    )
    preview = session.preview(answers, runner_index=0)
    risky = {change.key: change for change in preview.may_break}
    assert risky["privileged"].before is True
    assert risky["privileged"].after is False
    assert "Docker-in-Docker" in risky["privileged"].reason
    assert "socket" in risky["volumes"].reason
    assert "root" in risky["user"].reason


def test_a_ticked_offer_is_applied_and_stays_offered(tmp_path: Path) -> None:
    session = open_session(tmp_path, DIND)
    answers = session.current_answers(0).merged(Answers(trust=Trust.MULTI_PROJECT))
    first = session.preview(answers, runner_index=0)
    setuid = next(f for f in first.offered if f.rule == "setuid-not-dropped")
    second = session.preview(answers, runner_index=0, ticked=[fix_id(setuid)])
    assert "cap_drop" in tomllib.loads(second.new_text)["runners"][0]["docker"]
    assert "cap_drop" not in tomllib.loads(first.new_text)["runners"][0]["docker"]
    change = next(c for c in second.changes if c.key == "cap_drop")
    assert change.impact is Impact.MAY_BREAK
    assert change.rule == "setuid-not-dropped"
    assert fix_id(setuid) in {fix_id(f) for f in second.offered}  # the box stays ticked


def test_a_new_runner_has_nothing_to_break_and_starts_from_every_recommendation(
    tmp_path: Path,
) -> None:
    session = open_session(tmp_path, DIND)
    identity = RunnerIdentity(name="new", url="https://gitlab.example.com")
    answers = recommended(Answers(trust=Trust.MULTI_PROJECT, executor=Executor.DOCKER))
    preview = session.preview(answers, runner_index=None, identity=identity)
    new_runner = [c for c in preview.changes if c.runner_index == 1]
    assert new_runner
    assert all(c.impact is Impact.NONE for c in new_runner)
    assert preview.offered == ()
    docker = tomllib.loads(preview.new_text)["runners"][1]["docker"]
    assert docker["cap_drop"] == ["SETUID", "SETGID"]
    # The metrics listener serves the runner already there: rebinding it may break.
    metrics = next(c for c in preview.changes if c.key == "listen_address")
    assert metrics.impact is Impact.MAY_BREAK
    assert "Prometheus" in metrics.reason


@pytest.mark.parametrize(
    ("executor", "words"),
    [
        (Executor.DOCKER_AUTOSCALER, ("plugin", "connector_config", "policy")),
        (Executor.INSTANCE, ("plugin", "connector_config", "policy")),
        (Executor.DOCKER_MACHINE, ("MachineDriver and MachineName",)),
    ],
)
def test_a_new_autoscaling_runner_lists_what_to_fill_in_before_starting(
    tmp_path: Path, executor: Executor, words: tuple[str, ...]
) -> None:
    session = WizardSession.open(tmp_path / "config.toml")
    identity = RunnerIdentity(name="auto", url="https://gitlab.example.com")
    answers = recommended(Answers(trust=Trust.PUBLIC, executor=executor))
    preview = session.preview(answers, runner_index=None, identity=identity)
    gaps = " ".join(preview.to_fill_in)
    for word in words:
        assert word in gaps


def test_a_complete_autoscaler_has_nothing_to_fill_in(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    shutil.copyfile(require_corpus_file("10-autoscaler-aws-aligned.toml"), path)
    session = WizardSession.open(path)
    preview = session.preview(session.current_answers(0), runner_index=0)
    assert preview.to_fill_in == ()
