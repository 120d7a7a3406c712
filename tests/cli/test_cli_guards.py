"""Mistakes a user makes at the command line get a clear answer, never a quiet pass."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from wizard.cli import main

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "glrt-SECRETSECRETSECRET1234"

DOCKER_AUTH = r"DOCKER_AUTH_CONFIG={\"auths\":{\"r\":{\"auth\":\"QVVUSFNFQ1JFVA==\"}}}"

DOCKER_AND_SHELL = f"""\
[[runners]]
  name = "builds"
  url = "https://deploy:URLPASSWORD123@gitlab.example.com"
  token = "{TOKEN}"
  executor = "docker"
  environment = ["GITHUB_PAT=ghp0123456789abcdef", "{DOCKER_AUTH}"]
  [runners.docker]
    image = "alpine:3.20"
    volumes = ["/var/run/docker.sock:/var/run/docker.sock", "/cache"]

[[runners]]
  name = "deploy"
  url = "https://gitlab.example.com"
  token = "{TOKEN}"
  executor = "shell"
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(DOCKER_AND_SHELL, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_a_token_on_the_command_line_is_refused_without_echoing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["new", str(tmp_path / "c.toml"), "--token", TOKEN])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "--token-file" in err
    assert "SECRETSECRETSECRET" not in err


def test_options_are_never_abbreviated(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["new", "c.toml", "--token-fil", "x", TOKEN])
    assert "SECRETSECRETSECRET" not in capsys.readouterr().err


def test_harden_names_a_runner_that_does_not_exist(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = config.read_bytes()
    assert main(["harden", str(config), "--runner", "nosuch"]) == 2
    err = capsys.readouterr().err
    assert "no runner named 'nosuch'" in err
    assert "#1 builds (" in err
    assert "#2 deploy (" in err
    assert config.read_bytes() == before


def test_harden_with_a_preset_never_switches_a_runners_executor(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["harden", str(config), "--preset", "multi-project-docker", "--no-backup"]) == 0
    out = capsys.readouterr().out
    text = config.read_text(encoding="utf-8")
    assert text.count('executor = "shell"') == 1
    assert "runner 'deploy' uses shell" in out
    assert "settings from the preset" in out
    assert "docker.sock" not in text  # no privileges needed: no daemon socket either


def test_harden_with_a_preset_that_fits_no_runner_is_an_error(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = config.read_bytes()
    assert main(["harden", str(config), "--preset", "public-autoscaler"]) == 2
    assert "no runner fits preset public-autoscaler" in capsys.readouterr().err
    assert config.read_bytes() == before


def test_a_preset_exception_does_not_hold_for_a_wider_audience(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["audit", str(config), "--preset", "trusted-shell", "--fail-on", "critical"]
    main([*args, "--trust", "public"])
    assert "accepted" not in capsys.readouterr().out
    assert main([*args, "--trust", "public"]) == 1


def test_host_check_refuses_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["host-check", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err


def test_a_saved_preset_is_found_by_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    shown = tmp_path / "our-docker.toml"
    assert main(["presets", "show", "multi-project-docker"]) == 0
    shown.write_text(
        capsys.readouterr().out.replace('"multi-project-docker"', '"our-docker"'), encoding="utf-8"
    )
    assert main(["presets", "export", "our-docker", "--template-config", "template.toml"]) == 0
    assert "[[runners]]" in (tmp_path / "template.toml").read_text(encoding="utf-8")


def test_no_secret_in_any_harden_or_audit_output(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (
        ["harden", str(config), "--dry-run", "--fix", "all"],
        ["audit", str(config), "--format", "json"],
        ["audit", str(config), "--format", "sarif"],
        ["audit", str(config)],
    ):
        main(args)
        captured = capsys.readouterr()
        for secret in ("SECRETSECRETSECRET", "URLPASSWORD123", "ghp0123456789abcdef", "QVVUSFNF"):
            assert secret not in captured.out + captured.err, (args, secret)


def test_a_closed_pipe_ends_quietly() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    reader = subprocess.Popen(
        [sys.executable, "-m", "wizard", "rules"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert reader.stdout is not None
    reader.stdout.readline()
    reader.stdout.close()
    _, err = reader.communicate(timeout=30)
    assert b"Traceback" not in err
