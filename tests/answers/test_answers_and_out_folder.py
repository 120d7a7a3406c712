"""Answers from files go through the one validation module; hardening files only into safe folders.

An answers file or preset value that no question offers is refused in one line,
exit 2, by every command that reads one, before anything is planned or written
(before, ``plain`` crashed with a traceback and ``harden --answers`` wrote
``allowed_pull_policies = ["bogus"]`` into the config). ``artifacts --out``
refuses a folder another user owns or can write, as ``new`` refuses one for a
config, unless ``--allow-unsafe-path``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli_support import run_cli, write_config

CONFIG = """\
concurrent = 1

[[runners]]
  name = "docker-1"
  url = "https://gitlab.example.com"
  token = "glrt-NotARealTokenButShapedLikeOne1234"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
"""

BAD_ANSWERS = (
    ('allowed_pull_policies = ["bogus"]\n', "allowed_pull_policies", "always, never"),
    ('allowed_images = ["alpine latest"]\n', "allowed_images", "space"),
    ('default_image = "two words"\n', "default_image", "without spaces"),
)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path, CONFIG)


def answers_file(folder: Path, text: str) -> Path:
    path = folder / "answers.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", BAD_ANSWERS, ids=["pull-policy", "image-list", "image"])
@pytest.mark.parametrize(
    "command",
    [
        ("plain", "{config}", "--answers", "{answers}", "--accept-defaults", "--non-interactive"),
        ("harden", "{config}", "--answers", "{answers}", "--fix", "all"),
        ("artifacts", "{config}", "--answers", "{answers}", "--out", "{folder}/out"),
    ],
    ids=["plain", "harden", "artifacts"],
)
def test_a_bad_answer_is_one_line_exit_2_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    config: Path,
    command: tuple[str, ...],
    case: tuple[str, str, str],
) -> None:
    text, field, words = case
    answers = answers_file(tmp_path, text)
    before = config.read_bytes()
    argv = [a.format(config=config, answers=answers, folder=tmp_path) for a in command]
    outcome = run_cli(capsys, *argv)
    assert outcome.code == 2, outcome.everything
    assert "Traceback" not in outcome.everything
    lines = [line for line in outcome.err.splitlines() if str(answers) in line]
    assert len(lines) == 1, outcome.err
    assert field in lines[0]
    assert words in lines[0]
    assert config.read_bytes() == before
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.toml", "config.toml"]


def test_a_preset_with_a_bad_answer_is_refused_naming_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, config: Path
) -> None:
    preset = tmp_path / "team.toml"
    preset.write_text(
        'name = "team"\ntrust = "multi-project"\n[answers]\nallowed_pull_policies = ["bogus"]\n',
        encoding="utf-8",
    )
    before = config.read_bytes()
    outcome = run_cli(capsys, "harden", str(config), "--preset", str(preset), "--fix", "all")
    assert outcome.code == 2
    assert "Traceback" not in outcome.everything
    line = outcome.err.strip()
    assert str(preset) in line
    assert "allowed_pull_policies" in line
    assert config.read_bytes() == before


def test_good_answers_still_pass(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, config: Path
) -> None:
    answers = answers_file(tmp_path, 'allowed_pull_policies = ["always"]\n')
    outcome = run_cli(capsys, "harden", str(config), "--answers", str(answers), "--fix", "all")
    assert outcome.code in (0, 1), outcome.everything
    assert 'allowed_pull_policies = ["always"]' in config.read_text()


# --- artifacts --out ----------------------------------------------------------------------------


def _owned_by_someone_else(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Root gives the folder away; anyone else pretends to be another user."""
    if os.geteuid() == 0:
        os.chown(folder, 4242, 4242)
    else:
        real = os.geteuid()
        monkeypatch.setattr(os, "geteuid", lambda: real + 1)


@pytest.mark.parametrize("unsafe", ["other-owner", "world-writable", "world-writable-parent"])
def test_artifacts_refuse_a_folder_another_user_controls(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
    unsafe: str,
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    out = shared
    if unsafe == "other-owner":
        _owned_by_someone_else(shared, monkeypatch)
        words = "belongs to another user"
    elif unsafe == "world-writable":
        shared.chmod(0o777)
        words = "can be written by any user"
    else:
        shared.chmod(0o1777)  # like /tmp: the folder we would create sits in it
        out = shared / "hardening"
        words = "can be written by any user"
    outcome = run_cli(capsys, "artifacts", str(config), "--out", str(out))
    assert outcome.code == 2, outcome.everything
    line = outcome.err.strip()
    assert len(line.splitlines()) == 1
    assert words in line
    assert "--allow-unsafe-path" in line
    assert "nothing written" in line
    assert list(shared.iterdir()) == []
    allowed = run_cli(capsys, "artifacts", str(config), "--out", str(out), "--allow-unsafe-path")
    assert allowed.code == 0, allowed.everything
    assert any(out.iterdir())


def test_artifacts_write_into_a_private_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, config: Path
) -> None:
    out = tmp_path / "hardening"
    outcome = run_cli(capsys, "artifacts", str(config), "--out", str(out))
    assert outcome.code == 0, outcome.everything
    assert any(out.iterdir())
