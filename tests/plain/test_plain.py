"""The line-mode wizard, driven by fake prompts along the paths an operator takes."""

from __future__ import annotations

import io
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.plain_fakes import FakePrompts, replies_for
from wizard import cli
from wizard.answers.file import answers_to_toml
from wizard.answers.model import Answers, CloneStrategy, JobUser, PrivilegedNeed, PullPolicyChoice
from wizard.base.model import Executor, RunnerIdentity, Trust
from wizard.commands import plain as plain_command
from wizard.plain.flow import PlainWizard
from wizard.session import scripted
from wizard.session.core import WizardSession

TOKEN = "glrt-SECRETsecret0123456789"

MULTI = f"""\
# Runners of the build farm; edit with care.
concurrent = 4

[[runners]]
  # the old shell box, do not touch
  name = "shell-box"
  url = "https://gitlab.example.com"
  token = "{TOKEN}"
  executor = "shell"

[[runners]]
  name = "docker-1"
  url = "https://gitlab.example.com"
  token = "glrt-OTHERsecret0123456789"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"   # default job image
    privileged = true
"""


def wizard_for(
    path: Path,
    prompts: FakePrompts,
    *,
    preset: str | None = None,
    answers: str | None = None,
    identity: RunnerIdentity | None = None,
    new_runner_only: bool = False,
) -> tuple[PlainWizard, io.StringIO]:
    out = io.StringIO()
    wizard = PlainWizard(
        WizardSession.open(path),
        prompts,
        out,
        start=scripted.start(preset, answers),
        identity=identity or RunnerIdentity(),
        new_runner_only=new_runner_only,
    )
    return wizard, out


def test_new_docker_runner_in_a_new_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    prompts = FakePrompts(
        {
            "Which executor": Executor.DOCKER,
            "Runner name": "ci-docker",
            "GitLab URL": "https://gitlab.example.com",
            "Runner token": TOKEN,
        }
    )
    wizard, out = wizard_for(path, prompts)
    assert wizard.run(backup=False) == 0
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    runner = data["runners"][0]
    assert runner["name"] == "ci-docker"
    assert runner["token"] == TOKEN
    docker = runner["docker"]
    assert docker["privileged"] is False
    assert docker["user"] == "1000:1000"  # multi-project recommends a non-root user
    assert docker["pull_policy"] == ["always"]
    assert runner["feature_flags"]["FF_NETWORK_PER_BUILD"] is True
    text = out.getvalue()
    assert TOKEN not in text
    assert "findings:" in text
    assert "on the host (outside config.toml):" in text
    # No runner picker for a file without runners; identity, then trust, then executor.
    assert not prompts.asked_about("Which runner?")
    assert prompts.asked[:4] == [
        "Runner name:",
        "GitLab URL:",
        "Runner token (hidden; leave empty to paste it in later):",  # as in the TUI
        "Who can run jobs on this runner?",
    ]
    assert prompts.asked[4] == "Which executor will run the jobs?"


def test_defaults_are_marked_recommended(tmp_path: Path) -> None:
    prompts = FakePrompts(
        {
            "Which executor": Executor.DOCKER,
            "GitLab URL": "https://gitlab.example.com",
            "Write these changes": False,
        }
    )
    wizard, _out = wizard_for(tmp_path / "config.toml", prompts)
    wizard.run(backup=False)
    titles = [o.title for o in prompts.options["Which executor will run the jobs?"]]
    assert "docker (recommended)" in titles
    # Who runs jobs is a fact the operator states: assumed, never "recommended".
    trust = [o.title for o in prompts.options["Who can run jobs on this runner?"]]
    assert not [title for title in trust if "recommended" in title]
    assert prompts.defaults["Who can run jobs on this runner?"] is Trust.MULTI_PROJECT
    assert not (tmp_path / "config.toml").exists()  # declined: nothing written


def test_editing_one_runner_of_several_keeps_comments(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(MULTI, encoding="utf-8")
    prompts = FakePrompts(
        {
            "Which runner?": 1,
            "What do the jobs need?": PrivilegedNeed.NONE,
            "can stop jobs that work today": True,
        }
    )
    wizard, out = wizard_for(path, prompts)
    assert wizard.run(backup=False) == 0
    # Dropping privileged mode may break jobs: asked once, explicitly, and listed first.
    [question] = [m for m in prompts.asked if "Write these changes" in m]
    assert "listed under 'may break jobs' can stop jobs that work today" in question
    assert prompts.defaults[question] is False
    review = out.getvalue()
    risky = review.index("may break jobs that work today (")
    assert risky < review.index("cannot break a job") < review.index("\n--- ")
    assert "[runners.docker] privileged: true → false" in review[risky:]
    text = path.read_text(encoding="utf-8")
    for comment in ("# Runners of the build farm", "# the old shell box", "# default job image"):
        assert comment in text
    data = tomllib.loads(text)
    assert data["runners"][0] == tomllib.loads(MULTI)["runners"][0]
    assert data["runners"][1]["docker"]["privileged"] is False
    # The picker shows masked tokens, and the current privileged setting is marked.
    picker = [o.title for o in prompts.options["Which runner?"]]
    assert picker[-1] == "add a new runner"
    assert all(TOKEN not in title for title in picker)
    # The file's current value is the default, so Enter keeps the file as it is.
    assert prompts.defaults["What do the jobs need?"] is PrivilegedNeed.PRIVILEGED
    privileged_titles = [o.title for o in prompts.options["What do the jobs need?"]]
    assert "Privileged Docker-in-Docker (current)" in privileged_titles
    assert "Nothing special (recommended)" in privileged_titles
    assert TOKEN not in out.getvalue()


def test_a_presets_locked_answers_are_shown_not_asked(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    prompts = FakePrompts({"GitLab URL": "https://gitlab.example.com"})
    wizard, out = wizard_for(path, prompts, preset="public-autoscaler")
    assert wizard.run(backup=False) == 0
    assert not prompts.asked_about("Which executor")
    assert not prompts.asked_about("Use each autoscaled VM for one job only?")
    assert prompts.asked_about("Bind the metrics endpoint")  # not locked: still asked
    assert "(locked by preset public-autoscaler)" in out.getvalue()
    runner = tomllib.loads(path.read_text(encoding="utf-8"))["runners"][0]
    assert runner["executor"] == "docker-autoscaler"
    assert runner["autoscaler"]["max_use_count"] == 1
    assert runner["docker"]["image"] == "alpine:3.20"  # the preset's pinned setting


def test_ctrl_c_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(MULTI, encoding="utf-8")
    prompts = FakePrompts({"Which runner?": 1}, interrupt_at="How are job images pulled?")
    wizard, _out = wizard_for(path, prompts)
    with pytest.raises(KeyboardInterrupt):
        wizard.run(backup=True)
    assert path.read_text(encoding="utf-8") == MULTI
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_ctrl_c_through_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(MULTI, encoding="utf-8")
    monkeypatch.setattr(plain_command, "is_interactive", lambda _args: True)
    monkeypatch.setattr(
        plain_command, "QuestionaryPrompts", lambda: FakePrompts(interrupt_at="Which runner?")
    )
    assert cli.main(["plain", str(path)]) == 130
    assert "interrupted; no changes were written" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == MULTI


def test_http_url_needs_confirmation(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    prompts = FakePrompts(
        {"Which executor": Executor.SHELL, "GitLab URL": "http://gitlab.lan", "not https": True}
    )
    wizard, _out = wizard_for(path, prompts)
    wizard.run(backup=False)
    assert prompts.asked_about("http://gitlab.lan is not https")
    assert tomllib.loads(path.read_text(encoding="utf-8"))["runners"][0]["url"] == (
        "http://gitlab.lan"
    )


def test_never_asks_for_an_image_allowlist(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    prompts = FakePrompts(
        {
            "Which executor": Executor.DOCKER,
            "GitLab URL": "https://gitlab.example.com",
            "How are job images pulled?": PullPolicyChoice.NEVER,
            "Which images may jobs use?": "registry.example.com/**/*, alpine:3.20",
        }
    )
    wizard, out = wizard_for(path, prompts)
    wizard.run(backup=False)
    docker = tomllib.loads(path.read_text(encoding="utf-8"))["runners"][0]["docker"]
    assert docker["pull_policy"] == ["never"]
    assert docker["allowed_images"] == ["registry.example.com/**/*", "alpine:3.20"]
    # Asked once, as the pull step's ordinary question, after the policy.
    asked = [m for m in prompts.asked if "Which images may jobs use?" in m]
    assert len(asked) == 1
    assert prompts.asked.index(asked[0]) > prompts.asked.index("How are job images pulled?")
    assert "needs an image allowlist" not in out.getvalue()


def test_save_answers_as_a_preset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    prompts = FakePrompts(
        {
            "Which executor": Executor.DOCKER,
            "GitLab URL": "https://gitlab.example.com",
            "Save these answers as a preset": True,
            "Preset name": "our-docker",
            "One line": "the team's docker runner",
        }
    )
    wizard, out = wizard_for(tmp_path / "config.toml", prompts)
    assert wizard.run(backup=False) == 0
    preset = tomllib.loads((tmp_path / "our-docker.toml").read_text(encoding="utf-8"))
    assert preset["name"] == "our-docker"
    assert preset["answers"]["executor"] == "docker"
    assert "executor" in preset["locked"]
    assert "wrote preset our-docker" in out.getvalue()


# ------------------------------------------------------------------ scripted runs


def _args(path: Path, *extra: str) -> list[str]:
    return ["plain", str(path), *extra]


def test_non_interactive_missing_answer_names_the_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_prompts() -> None:
        raise AssertionError("a scripted run must never prompt")

    monkeypatch.setattr(plain_command, "QuestionaryPrompts", no_prompts)
    monkeypatch.setenv("CI_SERVER_URL", "https://gitlab.example.com")
    path = tmp_path / "config.toml"
    assert cli.main(_args(path, "--non-interactive")) == 2
    err = capsys.readouterr().err
    assert "missing answer 'executor' (give it with --answers FILE or --preset NAME)" in err
    assert not path.exists()


def test_no_terminal_counts_as_non_interactive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    path = tmp_path / "config.toml"
    path.write_text(MULTI, encoding="utf-8")
    assert cli.main(_args(path)) == 2
    assert "missing answer 'runner' (give it with --runner NAME" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == MULTI


def test_answers_file_may_not_override_a_lock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text('executor = "shell"\n', encoding="utf-8")
    code = cli.main(
        _args(tmp_path / "c.toml", "--preset", "public-autoscaler", "--answers", str(answers))
    )
    assert code == 2
    assert "executor is locked by preset public-autoscaler" in capsys.readouterr().err


SCRIPTED_ANSWERS = [
    Answers(
        trust=Trust.MULTI_PROJECT,
        executor=Executor.DOCKER,
        default_image="alpine:3.20",
        privileged=PrivilegedNeed.NONE,
        job_user=JobUser.NON_ROOT,
        pull_policy=PullPolicyChoice.ALWAYS,
        allowed_pull_policies=("always",),
        allowed_images=("registry.example.com/ci/*", "alpine:3.20"),
        per_build_network=True,
        isolate_host_network=True,
        local_only_listeners=True,
        host_measures=("metadata-endpoint",),
    ),
    Answers(
        trust=Trust.SINGLE_PROJECT,
        executor=Executor.DOCKER,
        default_image="registry.example.com/ci/base:1.4",
        privileged=PrivilegedNeed.NONE,
        job_user=JobUser.IMAGE_DEFAULT,
        pull_policy=PullPolicyChoice.NEVER,
        allowed_pull_policies=("never",),
        allowed_images=("registry.example.com/ci/*", "alpine:3.20"),
        per_build_network=True,
        isolate_host_network=True,
        local_only_listeners=True,
        host_measures=(),
    ),
    Answers(
        trust=Trust.SINGLE_PROJECT,
        executor=Executor.SHELL,
        local_only_listeners=False,
        host_measures=(),
        job_cleanup=True,
        clone_strategy=CloneStrategy.CLONE,
    ),
]


def _review(output: str) -> str:
    """The review part of a run's output: from the findings count to the end."""
    return output[output.index("findings:") :]


@pytest.mark.parametrize("answers", SCRIPTED_ANSWERS, ids=["docker", "docker-never", "shell"])
@pytest.mark.parametrize("existing", [False, True], ids=["new-file", "existing-file"])
def test_scripted_and_interactive_runs_write_the_same_bytes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    answers: Answers,
    existing: bool,
) -> None:
    single = MULTI.split('\n[[runners]]\n  name = "docker-1"', maxsplit=1)[0]
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    answers_file = tmp_path / "answers.toml"
    answers_file.write_text(answers_to_toml(answers), encoding="utf-8")
    interactive_path = tmp_path / "interactive" / "config.toml"
    scripted_path = tmp_path / "scripted" / "config.toml"
    for path in (interactive_path, scripted_path):
        path.parent.mkdir()
        if existing:
            path.write_text(single, encoding="utf-8")

    replies: dict[str, Any] = {
        **replies_for(answers),
        "Runner name": "ci",
        "GitLab URL": "https://gitlab.example.com",
        "Runner token": TOKEN,
        # Without --artifacts a scripted run writes no hardening files; the
        # interactive run that matches it declines them.
        "Also write the hardening files": False,
        # A scripted run lists may-break changes and writes them (the answers file is
        # the operator's explicit choice); the interactive run confirms them.
        "can stop jobs that work today": True,
    }
    # A scripted run never switches the shell runner to docker: docker answers add a
    # runner next to it, as the interactive run does when "add a new runner" is picked.
    adds = existing and answers.executor is not Executor.SHELL
    if adds:
        replies["Which runner?"] = "new"
    prompts = FakePrompts(replies)
    wizard, out = wizard_for(interactive_path, prompts)
    assert wizard.run(backup=False) == 0

    flags = ["--non-interactive", "--answers", str(answers_file), "--no-backup", "--name", "ci"]
    if existing and not adds:
        flags = ["--non-interactive", "--answers", str(answers_file), "--no-backup"]
    elif adds:
        flags.append("--new-runner")  # a name no runner has is refused unless asked
    monkeypatch.setenv("CI_SERVER_URL", "https://gitlab.example.com")
    code = cli.main(_args(scripted_path, *flags, "--token-file", str(token_file)))
    assert code == 0, capsys.readouterr().err
    scripted_out = capsys.readouterr().out
    assert scripted_path.read_bytes() == interactive_path.read_bytes()
    interactive_review = _review(out.getvalue()).replace(str(interactive_path), "PATH")
    scripted_review = _review(scripted_out).replace(str(scripted_path), "PATH")
    assert scripted_review == interactive_review
    assert TOKEN not in scripted_out
    assert sorted(p.name for p in scripted_path.parent.iterdir()) == ["config.toml"]


def test_scripted_run_never_switches_an_existing_runners_executor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(MULTI, encoding="utf-8")
    answers_file = tmp_path / "answers.toml"
    answers_file.write_text(answers_to_toml(SCRIPTED_ANSWERS[0]), encoding="utf-8")
    args = _args(path, "--answers", str(answers_file), "--name", "shell-box")
    assert cli.main([*args, "--non-interactive"]) == 2
    err = capsys.readouterr().err
    assert "uses the shell executor and the answers say docker" in err
    assert "never switches" in err
    assert path.read_text(encoding="utf-8") == MULTI


def test_scripted_name_shared_by_two_runners_is_an_error_listing_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(MULTI.replace('name = "docker-1"', 'name = "shell-box"'), encoding="utf-8")
    before = path.read_bytes()
    args = _args(path, "--preset", "trusted-shell", "--name", "shell-box")
    assert cli.main([*args, "--non-interactive"]) == 2
    err = capsys.readouterr().err
    assert "2 runners are named 'shell-box'" in err
    assert "#1 shell-box (shell" in err
    assert "#2 shell-box (docker" in err
    assert "--runner '#1'" in err
    assert path.read_bytes() == before


def test_scripted_run_twice_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(MULTI, encoding="utf-8")
    args = _args(path, "--preset", "multi-project-docker", "--name", "docker-1", "--no-backup")
    assert cli.main([*args, "--non-interactive"]) == 0
    first = path.read_bytes()
    assert cli.main([*args, "--non-interactive"]) == 0
    assert path.read_bytes() == first
    assert "no changes to the file" in capsys.readouterr().out


def test_questionary_prompts_answer_from_a_keyboard() -> None:
    """The real prompt layer, fed keys through a pipe instead of a terminal."""
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from wizard.base.safe_text import ours
    from wizard.plain.prompts import Option, QuestionaryPrompts

    with create_pipe_input() as keys, create_app_session(input=keys, output=DummyOutput()):
        prompts = QuestionaryPrompts()
        options = [
            Option(ours("one team"), Trust.SINGLE_PROJECT),
            Option(ours("several"), Trust.MULTI_PROJECT),
        ]
        keys.send_text("\r")
        assert (
            prompts.select(ours("Who?"), options, default=Trust.MULTI_PROJECT)
            is Trust.MULTI_PROJECT
        )
        keys.send_text(" \r")  # toggle the first option on, keep the checked second one
        both = [Option(ours("a"), "a"), Option(ours("b"), "b")]
        assert prompts.checkbox(ours("Which?"), both, default=("b",)) == ["a", "b"]
        keys.send_text("n")
        assert prompts.confirm(ours("Sure?"), default=True) is False
        keys.send_text("s3cret\r")
        assert prompts.password(ours("Token:")) == "s3cret"
        keys.send_text("\x03")
        with pytest.raises(KeyboardInterrupt):
            prompts.text(ours("Name:"))


async def test_questionary_prompts_refuse_a_running_event_loop() -> None:
    from wizard.plain.prompts import QuestionaryPrompts

    with pytest.raises(RuntimeError, match="inside a running event loop"):
        QuestionaryPrompts()


class RotatingPrompts(FakePrompts):
    """Rewrites the file (as a token rotation would) when first asked to save."""

    def __init__(self, path: Path, replies: dict[str, Any]) -> None:
        super().__init__(replies)
        self.path = path

    def confirm(self, message: str, default: bool) -> bool:
        if "Write these changes" in message and not self.asked_about("Write these changes"):
            text = self.path.read_text(encoding="utf-8")
            self.path.write_text(text.replace("OTHERsecret", "ROTATEDtoken"), encoding="utf-8")
        return super().confirm(message, default)


def test_a_refused_save_offers_to_read_the_file_again_and_keeps_the_answers(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(MULTI, encoding="utf-8")
    replies = {
        "Which runner?": 1,
        "What do the jobs need?": PrivilegedNeed.NONE,
        "can stop jobs that work today": True,
    }
    prompts = RotatingPrompts(path, replies)
    wizard, out = wizard_for(path, prompts)
    assert wizard.run(backup=False) == 0
    [offer] = [m for m in prompts.asked if "again and keep your answers" in m]
    assert offer.startswith("not saved: ")
    # Asked once more, after the review of the file as it now is; no question again.
    assert len([m for m in prompts.asked if "Write these changes" in m]) == 2
    assert len([m for m in prompts.asked if m == "What do the jobs need?"]) == 1
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["runners"][1]["token"] == "glrt-ROTATEDtoken0123456789"
    assert data["runners"][1]["docker"]["privileged"] is False
    assert "read again; your answers are kept" in out.getvalue()
    assert "ROTATEDtoken" not in out.getvalue()


def test_reading_again_drops_the_answers_when_the_runner_moved(tmp_path: Path) -> None:
    """The answers were for one entry: if another stands there now, they do not apply."""
    path = tmp_path / "config.toml"
    path.write_text(MULTI, encoding="utf-8")
    session = WizardSession.open(path)
    path.write_text(MULTI.replace('name = "docker-1"', 'name = "docker-9"'), encoding="utf-8")
    again = session.reread(1)
    assert not again.ok
    assert "docker-1" in again.message
    assert "choose the runner again" in again.message
    assert session.reread(0).ok, "the shell runner is still the same entry"


class QueuedPrompts(FakePrompts):
    """Like FakePrompts, but a reply given as a list is used up one per asking."""

    def _reply(self, message: str, default: Any) -> Any:
        for key, value in self.replies.items():
            if key in message and isinstance(value, list):
                self.asked.append(message)
                self.defaults[message] = default
                return value.pop(0) if len(value) > 1 else value[0]
        return super()._reply(message, default)


def test_line_mode_goes_back_one_question_at_a_time(tmp_path: Path) -> None:
    """< at a typed question, or the Back entry of a choice, asks the previous question
    again; the answer given the second time is the one written."""
    from wizard.answers.steps import BACK, BACK_LABEL

    path = tmp_path / "config.toml"
    prompts = QueuedPrompts(
        {
            "Runner name": "ci",
            "GitLab URL": "https://gitlab.example.com",
            "Who can run jobs": [Trust.PUBLIC, Trust.MULTI_PROJECT],
            "Which executor": [BACK, Executor.DOCKER],
            "Which image do jobs use": ["<", "debian:12"],
        }
    )
    wizard, _out = wizard_for(path, prompts)
    assert wizard.run(backup=False) == 0
    tags = {"Who can run jobs": "trust", "Which executor": "executor", "Which image do": "image"}
    order = [tag for m in prompts.asked for key, tag in tags.items() if m.startswith(key)]
    assert order == [
        "trust",
        "executor",  # Back: trust again
        "trust",
        "executor",
        "image",  # <: the executor again
        "executor",
        "image",
    ]
    # The first question has nothing before it: no Back entry there, one after.
    trust_options = [o.title for o in prompts.options["Who can run jobs on this runner?"]]
    assert BACK_LABEL not in trust_options
    assert BACK_LABEL in [o.title for o in prompts.options["Which executor will run the jobs?"]]
    [image] = {m for m in prompts.asked if m.startswith("Which image do jobs")}
    assert image.endswith("[< goes back]")
    runner = tomllib.loads(path.read_text(encoding="utf-8"))["runners"][0]
    assert runner["executor"] == "docker"
    assert runner["docker"]["image"] == "debian:12"
