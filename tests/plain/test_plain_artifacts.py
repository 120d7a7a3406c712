"""The line-mode wizard's host checklist and the hardening files it writes with the config."""

from __future__ import annotations

import io
import itertools
import tomllib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.plain_fakes import FakePrompts, replies_for
from wizard import cli
from wizard.answers.file import answers_to_toml
from wizard.answers.model import HOST_MEASURES, Answers, JobUser, PrivilegedNeed, PullPolicyChoice
from wizard.answers.steps import question
from wizard.artifacts import CHECKLIST_FILE, DAEMON_FILE, NFT_FILE, generate_artifacts
from wizard.base.model import Executor, RunnerIdentity, Trust
from wizard.commands import plain as plain_command
from wizard.plain.flow import PlainWizard
from wizard.plain.review import REVIEW_WIDTH, host_checklist
from wizard.session import scripted
from wizard.session.checklist_rows import write_host_files_by_default
from wizard.session.core import WizardSession
from wizard.session.host_plan import plan_host

TOKEN = "glrt-SECRETsecret0123456789"
URL = "https://gitlab.example.com"
CONTAINER_FILES = [CHECKLIST_FILE, DAEMON_FILE, NFT_FILE]
ASK_ARTIFACTS = "Also write the hardening files"
ASK_FOLDER = "Folder for them"
ASK_SAVE = "Write these changes"

DOCKER = Answers(
    trust=Trust.MULTI_PROJECT,
    executor=Executor.DOCKER,
    default_image="alpine:3.20",
    privileged=PrivilegedNeed.NONE,
    job_user=JobUser.NON_ROOT,
    pull_policy=PullPolicyChoice.ALWAYS,
    allowed_pull_policies=("always",),
    allowed_images=(),
    allowed_services=(),
    per_build_network=True,
    isolate_host_network=True,
    local_only_listeners=True,
    host_measures=("metadata-endpoint",),
)

MACHINE_CONFIG = f"""\
concurrent = 2

[[runners]]
  name = "autoscaled"
  url = "{URL}"
  token = "{TOKEN}"
  executor = "docker+machine"
  [runners.docker]
    image = "alpine:3.20"
  [runners.machine]
    MachineDriver = "amazonec2"
    MachineOptions = ["amazonec2-region=eu-west-1"]
"""


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RUNNER_NAME", "CI_SERVER_URL", "CI_SERVER_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def new_runner_replies(answers: Answers, **extra: Any) -> dict[str, Any]:
    """Replies for a new runner that also say yes to the hardening files (Enter says no)."""
    return {
        **replies_for(answers),
        "Runner name": "ci",
        "GitLab URL": URL,
        "Runner token": TOKEN,
        ASK_ARTIFACTS: True,
        **extra,
    }


def run_wizard(
    path: Path, prompts: FakePrompts, *, artifacts_dir: Path | None = None
) -> tuple[int, str]:
    out = io.StringIO()
    wizard = PlainWizard(
        WizardSession.open(path),
        prompts,
        out,
        start=scripted.start(None, None),
        identity=RunnerIdentity(),
        artifacts_dir=artifacts_dir,
    )
    code = wizard.run(backup=False)
    return code, out.getvalue()


def host_section(output: str) -> list[str]:
    start = output.index("on the host (outside config.toml):")
    # The section ends at the first blank line or at the save question's answer.
    end = min(
        (i for i in (output.find("\n\n", start), output.find("\nwrote ", start)) if i != -1),
        default=len(output),
    )
    return output[start:end].splitlines()


def flat(text: str) -> str:
    """Text with its line wrapping undone, for finding a sentence the review wrapped."""
    return " ".join(text.split())


def entry_tag(lines: Sequence[str], title_start: str) -> str:
    """The marker in front of the entry whose title starts with ``title_start``
    (its first 30 characters: a long title wraps onto a second line)."""
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("[") and title_start[:30] in line:
            return stripped[: stripped.index("]") + 1]
    raise AssertionError(f"no entry {title_start!r} in {lines}")


# ------------------------------------------------------------------ the review


def test_review_lists_the_checklist_marked_by_what_was_planned(tmp_path: Path) -> None:
    answers = replace(DOCKER, host_measures=("metadata-endpoint", "inbound-ssh"))
    prompts = FakePrompts(new_runner_replies(answers, **{ASK_SAVE: False}))
    code, output = run_wizard(tmp_path / "config.toml", prompts)
    assert code == 0
    lines = host_section(output)
    # The container item covers the metadata endpoint (planned) and traffic
    # between runners (not planned); SSH was planned and gets its own item.
    assert entry_tag(lines, "Keep job containers away") == "[partly planned]"
    assert entry_tag(lines, "Block SSH to runner machines") == "[planned]"
    assert entry_tag(lines, "Put runners in their own network segment") == "[not planned]"
    # The save writes mode 0600 (tomlfile/safe_write.py), before the operator confirms.
    assert entry_tag(lines, "Keep config.toml readable by its owner only") == "[done on save]"
    text = flat("\n".join(lines))
    assert "It holds the runner's token: anyone who can read it" in text  # not masked away
    assert "An SSH server open to the internet is the first thing scanned" in text
    # Everything but the diff (the file's own lines, and the temporary path) fits.
    diff_marks = ("+", "-", "@@")
    long_lines = [
        line
        for line in output.splitlines()
        if len(line) > REVIEW_WIDTH and not line.startswith(diff_marks)
    ]
    assert long_lines == []


def test_review_of_an_existing_runner_uses_its_cloud_settings(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(MACHINE_CONFIG, encoding="utf-8")
    prompts = FakePrompts(
        {
            "Which measures": ["metadata-endpoint", "runner-to-runner"],
            "Who can run jobs": Trust.PUBLIC,
            ASK_SAVE: False,
        }
    )
    _code, output = run_wizard(path, prompts)
    lines = host_section(output)
    assert entry_tag(lines, "Require IMDSv2 with a hop limit of 1") == "[planned]"
    assert entry_tag(lines, "Keep job containers away") == "[planned]"
    assert TOKEN not in output
    assert path.read_text(encoding="utf-8") == MACHINE_CONFIG


EXECUTORS = [e for e in Executor if e is not Executor.CUSTOM]


@settings(max_examples=60, deadline=None)
@given(
    executor=st.sampled_from(EXECUTORS),
    planned=st.sets(st.sampled_from(HOST_MEASURES)),
    privileged=st.sampled_from(list(PrivilegedNeed)),
    per_build_network=st.booleans(),
)
def test_every_item_and_every_measure_appears_once_in_80_columns(
    executor: Executor, planned: set[str], privileged: PrivilegedNeed, per_build_network: bool
) -> None:
    measures = tuple(m for m in HOST_MEASURES if m in planned)
    answers = Answers(
        executor=executor,
        privileged=privileged,
        per_build_network=per_build_network,
        host_measures=measures,
    )
    host = plan_host(answers, gitlab_url=URL)
    lines = host_checklist(host)
    assert all(len(line) <= REVIEW_WIDTH for line in lines)
    text = flat("\n".join(lines))
    covered: set[str] = set()
    for item in host.items:
        assert flat(item.title) in text
        assert flat(item.why) in text
        covered.update(item.measures)
        if item.measures and set(item.measures) <= planned:
            assert entry_tag(lines, item.title) == "[planned]"
        elif not set(item.measures) & planned and item.measures:
            assert entry_tag(lines, item.title) == "[not planned]"
    for choice in question("host_measures").choices:
        if choice.value not in covered:
            expected = "[planned]" if choice.value in planned else "[not planned]"
            assert entry_tag(lines, choice.label) == expected
    # The review and the files agree: the checklist file lists the same items.
    checklist = host.files[CHECKLIST_FILE]
    for number, item in enumerate(host.items, start=1):
        assert f"## {number}. {item.title}" in checklist


def test_every_measure_is_carried_out_by_some_item_somewhere() -> None:
    """Each measure the network step offers is carried out by at least one item."""
    seen: set[str] = set()
    for executor, extra in itertools.product(EXECUTORS, [(), HOST_MEASURES]):
        host = plan_host(Answers(executor=executor, host_measures=tuple(extra)), gitlab_url=URL)
        for item in host.items:
            seen.update(item.measures)
    assert seen == set(HOST_MEASURES)


# ------------------------------------------------------------------ interactive saves


def test_files_go_to_the_chosen_folder(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    folder = tmp_path / "elsewhere" / "hardening"
    prompts = FakePrompts(new_runner_replies(DOCKER, **{ASK_FOLDER: str(folder)}))
    code, output = run_wizard(path, prompts)
    assert code == 0
    assert sorted(p.name for p in folder.iterdir()) == CONTAINER_FILES
    assert not (tmp_path / "runner-hardening").exists()
    expected = generate_artifacts(DOCKER, gitlab_url=URL, executor=Executor.DOCKER)
    for name, content in expected.items():
        assert (folder / name).read_text(encoding="utf-8") == content
    assert f"wrote {folder / CHECKLIST_FILE}" in output

    # Asked after the config was written, and before the preset.
    def asked_at(fragment: str) -> int:
        return next(i for i, message in enumerate(prompts.asked) if fragment in message)

    assert asked_at(ASK_SAVE) < asked_at(ASK_ARTIFACTS) < asked_at("as a preset")
    assert output.index(f"wrote {path}") < output.index(f"wrote {folder / NFT_FILE}")


def test_default_folder_is_next_to_the_config(tmp_path: Path) -> None:
    path = tmp_path / "etc" / "config.toml"
    path.parent.mkdir()
    prompts = FakePrompts(new_runner_replies(DOCKER))
    assert run_wizard(path, prompts)[0] == 0
    folder = tmp_path / "etc" / "runner-hardening"
    assert prompts.defaults[f"{ASK_FOLDER}:"] == str(folder)
    assert sorted(p.name for p in folder.iterdir()) == CONTAINER_FILES
    # The confirm names the files that will be written.
    confirm = next(m for m in prompts.asked if m.startswith(ASK_ARTIFACTS))
    assert all(name in confirm for name in CONTAINER_FILES)


def test_a_shell_runner_gets_only_what_applies(tmp_path: Path) -> None:
    shell = Answers(
        trust=Trust.SINGLE_PROJECT,
        executor=Executor.SHELL,
        local_only_listeners=True,
        host_measures=(),
        job_cleanup=True,
    )
    prompts = FakePrompts(new_runner_replies(shell))
    assert run_wizard(tmp_path / "config.toml", prompts)[0] == 0
    assert sorted(p.name for p in (tmp_path / "runner-hardening").iterdir()) == [CHECKLIST_FILE]


def test_artifacts_flag_is_the_folder_offered(tmp_path: Path) -> None:
    folder = tmp_path / "from-flag"
    prompts = FakePrompts(new_runner_replies(DOCKER))
    assert run_wizard(tmp_path / "config.toml", prompts, artifacts_dir=folder)[0] == 0
    assert prompts.defaults[f"{ASK_FOLDER}:"] == str(folder)
    assert sorted(p.name for p in folder.iterdir()) == CONTAINER_FILES


def test_enter_at_the_files_question_writes_none_as_taking_every_default_does(
    tmp_path: Path,
) -> None:
    """One default for the hardening files: Enter here, ``--accept-defaults`` and the
    unticked box on the full-screen review all leave them unwritten."""
    replies = new_runner_replies(DOCKER)
    del replies[ASK_ARTIFACTS]
    prompts = FakePrompts(replies)
    code, output = run_wizard(tmp_path / "config.toml", prompts)
    assert code == 0
    [asked] = [m for m in prompts.asked if m.startswith(ASK_ARTIFACTS)]
    assert prompts.defaults[asked] is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]
    assert NFT_FILE not in output.split("Write these changes")[-1]
    assert write_host_files_by_default(folder_named=False) is False


def test_a_folder_named_on_the_command_line_makes_the_files_the_default(tmp_path: Path) -> None:
    replies = new_runner_replies(DOCKER)
    del replies[ASK_ARTIFACTS]
    prompts = FakePrompts(replies)
    folder = tmp_path / "from-flag"
    assert run_wizard(tmp_path / "config.toml", prompts, artifacts_dir=folder)[0] == 0
    assert sorted(p.name for p in folder.iterdir()) == CONTAINER_FILES


def test_declining_the_files_writes_only_the_config(tmp_path: Path) -> None:
    prompts = FakePrompts(new_runner_replies(DOCKER, **{ASK_ARTIFACTS: False}))
    code, output = run_wizard(tmp_path / "config.toml", prompts)
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]
    assert not prompts.asked_about(ASK_FOLDER)
    assert NFT_FILE not in output


def test_declining_the_config_offers_no_files(tmp_path: Path) -> None:
    prompts = FakePrompts(new_runner_replies(DOCKER, **{ASK_SAVE: False}))
    code, output = run_wizard(tmp_path / "config.toml", prompts)
    assert code == 0
    assert list(tmp_path.iterdir()) == []
    assert not prompts.asked_about(ASK_ARTIFACTS)
    assert "nothing written" in output


@pytest.mark.parametrize("interrupt_at", ["Which measures", ASK_SAVE])
def test_ctrl_c_before_the_save_writes_nothing_at_all(tmp_path: Path, interrupt_at: str) -> None:
    prompts = FakePrompts(new_runner_replies(DOCKER), interrupt_at=interrupt_at)
    with pytest.raises(KeyboardInterrupt):
        run_wizard(tmp_path / "config.toml", prompts)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("interrupt_at", [ASK_ARTIFACTS, ASK_FOLDER])
def test_ctrl_c_after_the_save_keeps_the_config_and_writes_no_files(
    tmp_path: Path, interrupt_at: str
) -> None:
    prompts = FakePrompts(new_runner_replies(DOCKER), interrupt_at=interrupt_at)
    code, output = run_wizard(tmp_path / "config.toml", prompts)
    assert code == 130
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]
    assert "interrupted; the config was saved, nothing else was written" in output


def test_ctrl_c_at_the_preset_says_the_files_were_written(tmp_path: Path) -> None:
    prompts = FakePrompts(new_runner_replies(DOCKER), interrupt_at="as a preset")
    code, output = run_wizard(tmp_path / "config.toml", prompts)
    assert code == 130
    assert (tmp_path / "runner-hardening" / CHECKLIST_FILE).is_file()
    assert (
        "interrupted; the config was saved and the hardening files were written, "
        "nothing else was written"
    ) in output


def test_ctrl_c_through_the_command_line_before_the_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = FakePrompts(new_runner_replies(DOCKER), interrupt_at=ASK_SAVE)
    monkeypatch.setattr(plain_command, "is_interactive", lambda _args: True)
    monkeypatch.setattr(plain_command, "QuestionaryPrompts", lambda: prompts)
    folder = tmp_path / "hardening"
    code = cli.main(["plain", str(tmp_path / "config.toml"), "--artifacts", str(folder)])
    assert code == 130
    assert "interrupted; no changes were written" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ scripted runs


def _scripted_flags(answers_file: Path, token_file: Path) -> list[str]:
    return [
        "--non-interactive",
        "--answers",
        str(answers_file),
        "--no-backup",
        "--name",
        "ci",
        "--url",
        URL,
        "--token-file",
        str(token_file),
    ]


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    answers_file = tmp_path / "answers.toml"
    answers_file.write_text(answers_to_toml(DOCKER), encoding="utf-8")
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    return answers_file, token_file


def test_scripted_artifacts_match_the_interactive_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    inputs: tuple[Path, Path],
) -> None:
    interactive_root = tmp_path / "interactive"
    scripted_root = tmp_path / "scripted"
    for root in (interactive_root, scripted_root):
        root.mkdir()

    prompts = FakePrompts(
        new_runner_replies(DOCKER, **{ASK_FOLDER: str(interactive_root / "hardening")})
    )
    code, interactive_out = run_wizard(interactive_root / "config.toml", prompts)
    assert code == 0

    def no_prompts() -> None:
        raise AssertionError("a scripted run must never prompt")

    monkeypatch.setattr(plain_command, "QuestionaryPrompts", no_prompts)
    argv = ["plain", str(scripted_root / "config.toml"), *_scripted_flags(*inputs)]
    code = cli.main([*argv, "--artifacts", str(scripted_root / "hardening")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    for name in ["config.toml", *(f"hardening/{n}" for n in CONTAINER_FILES)]:
        assert (scripted_root / name).read_bytes() == (interactive_root / name).read_bytes()

    def review(output: str, root: Path) -> str:
        return output[output.index("findings:") :].replace(str(root), "ROOT")

    assert review(captured.out, scripted_root) == review(interactive_out, interactive_root)
    assert "wrote ROOT/hardening/HOST-CHECKLIST.md" in review(captured.out, scripted_root)
    assert TOKEN not in captured.out


def test_scripted_without_the_flag_writes_only_the_config(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    inputs: tuple[Path, Path],
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)  # no terminal, no prompts
    target = tmp_path / "out"
    target.mkdir()
    code = cli.main(["plain", str(target / "config.toml"), *_scripted_flags(*inputs)])
    assert code == 0, capsys.readouterr().err
    assert sorted(p.name for p in target.iterdir()) == ["config.toml"]
    out = capsys.readouterr().out
    assert "on the host (outside config.toml):" in out
    assert CHECKLIST_FILE not in out  # named only once written


def test_scripted_run_with_nothing_to_change_still_writes_the_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], inputs: tuple[Path, Path]
) -> None:
    config = tmp_path / "config.toml"
    argv = ["plain", str(config), *_scripted_flags(*inputs)]
    assert cli.main(argv) == 0
    before = config.read_bytes()
    folder = tmp_path / "hardening"
    assert cli.main([*argv, "--artifacts", str(folder)]) == 0
    out = capsys.readouterr().out
    assert config.read_bytes() == before
    assert "no changes to the file" in out
    assert sorted(p.name for p in folder.iterdir()) == CONTAINER_FILES


def test_a_failed_write_after_the_save_says_the_config_was_saved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], inputs: tuple[Path, Path]
) -> None:
    config = tmp_path / "config.toml"
    folder = tmp_path / "hardening"
    folder.mkdir()
    theirs = folder / NFT_FILE
    theirs.write_text("# the team's own firewall rules\n", encoding="utf-8")
    argv = ["plain", str(config), *_scripted_flags(*inputs), "--artifacts", str(folder)]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert f"{config} was saved, but the hardening files were not written to {folder}" in err
    assert "refusing to replace" in err
    assert tomllib.loads(config.read_text(encoding="utf-8"))["runners"][0]["name"] == "ci"
    assert theirs.read_text(encoding="utf-8") == "# the team's own firewall rules\n"
    assert sorted(p.name for p in folder.iterdir()) == [NFT_FILE]


def test_a_folder_that_cannot_be_made_fails_after_the_save_interactively(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    prompts = FakePrompts(new_runner_replies(DOCKER, **{ASK_FOLDER: str(blocker / "sub")}))
    monkeypatch.setattr(plain_command, "is_interactive", lambda _args: True)
    monkeypatch.setattr(plain_command, "QuestionaryPrompts", lambda: prompts)
    config = tmp_path / "config.toml"
    assert cli.main(["plain", str(config)]) == 2
    err = capsys.readouterr().err
    assert f"{config} was saved, but the hardening files were not written" in err
    assert config.is_file()
    assert not prompts.asked_about("as a preset")


def test_ctrl_c_at_the_files_of_an_unchanged_config_reports_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], inputs: tuple[Path, Path]
) -> None:
    """With nothing to save, an interrupt at the files prompt leaves everything as it
    was, and must say "no changes were written" rather than claim a save."""
    config = tmp_path / "config.toml"
    assert cli.main(["plain", str(config), *_scripted_flags(*inputs)]) == 0
    before = config.read_bytes()
    capsys.readouterr()
    prompts = FakePrompts(replies_for(DOCKER), interrupt_at=ASK_ARTIFACTS)
    with pytest.raises(KeyboardInterrupt):
        run_wizard(config, prompts)
    assert not prompts.asked_about(ASK_SAVE)  # nothing to save: straight to the files
    assert config.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["config.toml", "answers.toml", "token"]
    )
