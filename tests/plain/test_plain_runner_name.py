"""A ``--name`` no runner has never adds one silently, and taking every default writes
nothing outside the config unless ``--artifacts`` asks.

A trial found ``plain --accept-defaults --non-interactive --name <typo>`` exiting 0
after appending a runner with an empty token, and writing ./runner-hardening/.
"""

from __future__ import annotations

import io
import tomllib
from pathlib import Path

import pytest

from tests.cli_support import run_cli, write_config
from tests.plain_fakes import FakePrompts
from wizard.plain.flow import PlainWizard
from wizard.plain.prompts import NEW_RUNNER
from wizard.session import scripted
from wizard.session.core import WizardSession

CONFIG = """\
[[runners]]
  name = "shell-one"
  url = "https://gitlab.example.com"
  token = "glrt-aaaaaaaaaaaaaaaaaaaa"
  executor = "shell"

[[runners]]
  name = "docker-custom-runner"
  url = "https://gitlab.example.com"
  token = "glrt-bbbbbbbbbbbbbbbbbbbb"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
"""

SCRIPTED = ("--accept-defaults", "--non-interactive")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("RUNNER_NAME", "CI_SERVER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CI_SERVER_URL", "https://gitlab.example.com")
    write_config(tmp_path, CONFIG)
    return tmp_path


@pytest.mark.parametrize("mode", [SCRIPTED, ("--non-interactive",)])
def test_a_name_no_runner_has_is_refused_naming_the_known_ones(
    folder: Path, capsys: pytest.CaptureFixture[str], mode: tuple[str, ...]
) -> None:
    outcome = run_cli(capsys, "plain", "config.toml", *mode, "--name", "docker-custom-runer")
    assert outcome.code == 2
    assert "no runner named 'docker-custom-runer'" in outcome.err
    assert "'shell-one', 'docker-custom-runner'" in outcome.err
    assert "--new-runner" in outcome.err
    assert "'url'" not in outcome.err
    assert sorted(p.name for p in folder.iterdir()) == ["config.toml"]
    assert (folder / "config.toml").read_text(encoding="utf-8") == CONFIG


def test_new_runner_flag_adds_one_and_refuses_a_taken_name(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    added = run_cli(capsys, "plain", "config.toml", *SCRIPTED, "--name", "fresh", "--new-runner")
    assert added.code == 0, added.err
    runners = tomllib.loads((folder / "config.toml").read_text(encoding="utf-8"))["runners"]
    assert [r["name"] for r in runners] == ["shell-one", "docker-custom-runner", "fresh"]
    before = (folder / "config.toml").read_text(encoding="utf-8")
    taken = run_cli(capsys, "plain", "config.toml", *SCRIPTED, "--name", "fresh", "--new-runner")
    assert taken.code == 2
    assert "already exists" in taken.err
    assert (folder / "config.toml").read_text(encoding="utf-8") == before


def test_accept_defaults_writes_no_hardening_files_unless_asked(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ("plain", "config.toml", *SCRIPTED, "--name", "docker-custom-runner")
    outcome = run_cli(capsys, *argv)
    assert outcome.code == 0, outcome.err
    assert not (folder / "runner-hardening").exists()
    assert all(p.name == "config.toml" or ".bak" in p.name for p in folder.iterdir())
    asked = run_cli(capsys, *argv, "--artifacts", "out")
    assert asked.code == 0, asked.err
    assert (folder / "out" / "HOST-CHECKLIST.md").is_file()


def test_interactive_run_asks_when_the_name_matches_no_runner(folder: Path) -> None:
    session = WizardSession.open(folder / "config.toml")
    identity = scripted.identity_from("docker-custom-runer", None, None)
    prompts = FakePrompts()
    out = io.StringIO()
    wizard = PlainWizard(session, prompts, out, start=scripted.start(None, None), identity=identity)
    assert wizard.pick_runner() is None  # the default offered is "add a new runner"
    assert prompts.defaults["Which runner?"] == NEW_RUNNER
    assert "No runner is named 'docker-custom-runer'" in out.getvalue()
    matching = PlainWizard(
        session,
        FakePrompts(),
        out,
        start=scripted.start(None, None),
        identity=scripted.identity_from("docker-custom-runner", None, None),
    )
    assert matching.pick_runner() == 1
