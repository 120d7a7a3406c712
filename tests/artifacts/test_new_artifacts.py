"""``new --artifacts DIR``: a scripted new runner and its host files in one run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wizard.cli import main


def test_new_with_artifacts_writes_config_and_host_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CI_SERVER_URL", "https://gitlab.example.com")
    code = main(
        [
            "new",
            "config.toml",
            "--preset",
            "public-autoscaler",
            "--name",
            "pub",
            "--artifacts",
            "hardening",
            "--non-interactive",
        ]
    )
    assert code == 0
    assert "max_use_count = 1" in (tmp_path / "config.toml").read_text(encoding="utf-8")
    written = sorted(p.name for p in (tmp_path / "hardening").iterdir())
    assert written == ["HOST-CHECKLIST.md", "daemon.json.fragment", "runner-wizard.nft"]
    fragment = json.loads((tmp_path / "hardening" / "daemon.json.fragment").read_text())
    assert fragment["icc"] is False
    assert "169.254.169.254" in (tmp_path / "hardening" / "runner-wizard.nft").read_text()
    assert "wrote hardening/HOST-CHECKLIST.md" in capsys.readouterr().out


def test_new_without_artifacts_writes_only_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CI_SERVER_URL", "https://gitlab.example.com")
    code = main(["new", "config.toml", "--preset", "trusted-docker", "--non-interactive"])
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]
