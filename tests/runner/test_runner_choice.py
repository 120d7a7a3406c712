"""Three runners named ``build``: every command that takes a runner can pick each one.

Before, ``presets new --from-config`` and ``artifacts`` silently took the first
``build``, and the pickers showed three identical rows. Now ``--runner`` reads
``NAME``, ``#N`` (position) or ``id:N`` (the runner's GitLab id) everywhere, a
shared name is refused (exit 2) listing the namesakes and how to pick one, and
picker rows show position, executor, URL and id.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.cli_support import run_cli, write_config
from wizard.artifacts import CHECKLIST_FILE, DAEMON_FILE
from wizard.base.errors import WizardError
from wizard.plain.review import summarise_runner
from wizard.runner.choice import RunnerChoice, runner_choices, select_runner
from wizard.session.core import WizardSession
from wizard.tui.screens.runner import runner_label

THREE_BUILDS = """\
concurrent = 3

[[runners]]
  name = "build"
  id = 11
  url = "https://gitlab.example.com"
  token = "glrt-FirstFirstFirstFirst1"
  executor = "shell"

[[runners]]
  name = "build"
  id = 12
  url = "https://gitlab.example.com"
  token = "glrt-SecondSecondSecond22"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
    privileged = true

[[runners]]
  name = "build"
  id = 13
  url = "https://other.example.org/gitlab"
  token = "glrt-ThirdThirdThirdThird3"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
"""

CHOICES = runner_choices(tomllib.loads(THREE_BUILDS))


def _refused_listing_all_three(err: str, flag: str = "--runner") -> None:
    assert "3 runners are named 'build'" in err
    assert "#1 build (shell, gitlab.example.com, id 11)" in err
    assert "#2 build (docker, gitlab.example.com, id 12)" in err
    assert "#3 build (docker, other.example.org, id 13)" in err
    assert f"pick one with {flag} '#1' (its position) or {flag} 'id:N'" in err
    assert len(err.strip().splitlines()) == 1


def test_a_selector_is_a_name_a_position_or_an_id() -> None:
    assert select_runner(CHOICES, "#2", where="c").index == 1
    assert select_runner(CHOICES, "id:13", where="c").index == 2
    assert select_runner(CHOICES, "ID:11", where="c").index == 0
    with pytest.raises(WizardError, match="3 runners are named 'build'"):
        select_runner(CHOICES, "build", where="c")
    with pytest.raises(WizardError, match=r"no runner #4: the file has 3 \[\[runners\]\] entries"):
        select_runner(CHOICES, "#4", where="c")
    with pytest.raises(WizardError, match="no runner has id 99"):
        select_runner(CHOICES, "id:99", where="c")
    with pytest.raises(WizardError, match="no runner named 'deploy'"):
        select_runner(CHOICES, "deploy", where="c")
    unique = [RunnerChoice(0, "deploy", "shell", None, None), *CHOICES[1:]]
    assert select_runner(unique, "deploy", where="c").index == 0


def test_harden_refuses_the_shared_name_and_takes_a_position_or_an_id(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, THREE_BUILDS)
    refused = run_cli(capsys, "harden", "--fix", "all", "--runner", "build", str(path))
    assert refused.code == 2
    _refused_listing_all_three(refused.err)
    assert path.read_text() == THREE_BUILDS
    for selector in ("#2", "id:12"):
        path.write_text(THREE_BUILDS)
        outcome = run_cli(capsys, "harden", "--fix", "all", "--runner", selector, str(path))
        assert outcome.code == 0, outcome.err
        runners = tomllib.loads(path.read_text())["runners"]
        assert runners[1]["docker"]["privileged"] is False
        assert "privileged" not in runners[2]["docker"]
        assert runners[0] == tomllib.loads(THREE_BUILDS)["runners"][0]


def test_presets_from_config_refuses_the_shared_name_and_takes_a_position(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, THREE_BUILDS)
    out = tmp_path / "p.toml"
    base = ("presets", "new", "from-build", "--from-config", str(path), "--out", str(out))
    refused = run_cli(capsys, *base, "--runner", "build")
    assert refused.code == 2
    _refused_listing_all_three(refused.err)
    assert not out.exists()
    assert run_cli(capsys, *base, "--runner", "#2").code == 0
    assert tomllib.loads(out.read_text())["answers"]["executor"] == "docker"


def test_artifacts_refuses_the_shared_name_and_takes_an_id(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, THREE_BUILDS)
    out = tmp_path / "out"
    refused = run_cli(capsys, "artifacts", str(path), "--out", str(out), "--runner", "build")
    assert refused.code == 2
    _refused_listing_all_three(refused.err)
    assert not out.exists()
    assert run_cli(capsys, "artifacts", str(path), "--out", str(out), "--runner", "id:11").code == 0
    # The first build runner is the shell one, not the docker ones: no daemon.json.
    assert DAEMON_FILE not in {p.name for p in out.iterdir()}
    assert "`executor = shell`" in (out / CHECKLIST_FILE).read_text()


def test_plain_refuses_the_shared_name_and_takes_a_position(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("RUNNER_NAME", "CI_SERVER_URL", "CI_SERVER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    path = write_config(tmp_path, THREE_BUILDS)
    base = ("plain", str(path), "--accept-defaults", "--non-interactive", "--no-backup")
    refused = run_cli(capsys, *base, "--name", "build")
    assert refused.code == 2
    _refused_listing_all_three(refused.err)
    outcome = run_cli(capsys, *base, "--runner", "#3")
    assert outcome.code == 0, outcome.err
    mismatch = run_cli(capsys, *base, "--runner", "#3", "--name", "deploy")
    assert mismatch.code == 2
    assert "--runner #3 is runner 'build', not --name 'deploy'" in mismatch.err


def test_pickers_show_what_tells_namesakes_apart(tmp_path: Path) -> None:
    path = write_config(tmp_path, THREE_BUILDS)
    runners = WizardSession.open(path).runners()
    rows = [summarise_runner(r) for r in runners]
    assert len(set(rows)) == 3
    assert rows[1].startswith("#2 build — docker, https://gitlab.example.com, glrt-")
    assert rows[1].endswith(", id 12")
    labels = [runner_label(r).plain for r in runners]
    assert labels[2].startswith("#3 build  docker  https://other.example.org/gitlab")
    assert labels[2].endswith("id 13")
    assert CHOICES[0].label() == "#1 build — shell, gitlab.example.com, id 11"
