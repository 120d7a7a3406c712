"""``audit --preset``: a preset's documented exceptions are reported, not failed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wizard.cli import main

SHELL_RUNNER = """\
concurrent = 1

[[runners]]
  name = "trusted"
  url = "https://gitlab.example.com"
  token = "glrt-0123456789abcdefghij"
  executor = "shell"
  debug_trace_disabled = true
  environment = ["GIT_STRATEGY=clone"]
  [runners.feature_flags]
    FF_ENABLE_JOB_CLEANUP = true
"""


@pytest.fixture
def shell_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(SHELL_RUNNER, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_accepted_finding_is_shown_with_the_reason_and_does_not_fail(
    shell_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["audit", str(shell_config), "--preset", "trusted-shell", "--fail-on", "low"])
    out = capsys.readouterr().out
    assert "shell-executor" in out
    assert "suppressed: by preset trusted-shell:" in out
    assert code == 0


def test_without_the_preset_the_same_finding_fails(
    shell_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["audit", str(shell_config), "--fail-on", "low"])
    assert "accepted" not in capsys.readouterr().out
    assert code == 1


def test_json_marks_accepted_findings_and_uses_the_preset_trust(
    shell_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["audit", str(shell_config), "--preset", "trusted-shell", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    file_report = report["files"][0]
    assert file_report["trust"] == "single-project"
    accepted = [f for f in file_report["findings"] if "accepted" in f]
    assert [f["rule"] for f in accepted] == ["shell-executor"]
    assert accepted[0]["accepted"].startswith("by preset trusted-shell")
