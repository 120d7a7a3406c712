"""``runner-wizard host-check`` end to end: formats, exit codes, no secret in any output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.host_root import CONFIG, EXPIRING_CONFIG, TOKEN, standard_host
from wizard.cli import main
from wizard.host import HOST_RULES


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["host-check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _leaky_host(root: Path) -> None:
    host = standard_host(root, EXPIRING_CONFIG)
    host.path(CONFIG).chmod(0o644)


def test_text_report_names_rule_subject_and_skips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _leaky_host(tmp_path)
    code, out, _ = _run(capsys, "--root", str(tmp_path))
    assert code == 1
    assert "HIGH     host-config-permissions  (/etc/gitlab-runner/config.toml)" in out
    assert "to do by hand: Make the file owned by root" in out
    assert "not checked:" in out
    assert "Docker is not installed" in out
    assert TOKEN not in out


def test_fail_on_threshold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _leaky_host(tmp_path)
    assert _run(capsys, "--root", str(tmp_path), "--fail-on", "critical")[0] == 0
    code = _run(capsys, "--root", str(tmp_path), "--fail-on", "critical", "--trust", "public")[0]
    assert code == 1


def test_clean_host_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    standard_host(tmp_path)
    code, out, _ = _run(capsys, "--root", str(tmp_path), "--fail-on", "info")
    assert code == 0
    assert "nothing found" in out


def test_json_has_the_audit_shape_plus_subject_and_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _leaky_host(tmp_path)
    code, out, _ = _run(capsys, "--root", str(tmp_path), "--format", "json")
    document = json.loads(out)
    assert code == 1
    assert document["schema"] == 1
    assert document["tool"]["name"] == "runner-wizard"
    (entry,) = document["files"]
    assert entry["path"] == CONFIG
    assert entry["error"] is None
    keys = {"rule", "severity", "runner", "runner_index", "table", "key", "line", "message"}
    assert all(keys | {"fix", "subject"} <= set(f) for f in entry["findings"])
    rotation = next(f for f in entry["findings"] if f["rule"].startswith("host-token"))
    assert rotation["table"] == "runners.feature_flags"
    assert rotation["runner"] == "shell-1"
    assert {s["rule"] for s in document["skipped"]} >= {"host-docker-icc-enabled"}
    assert all(s["reason"] for s in document["skipped"])
    assert TOKEN not in out


def test_sarif_once_host_rules_are_in_the_catalogue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from wizard.report import sarif
    from wizard.rules import catalogue

    for rule in HOST_RULES:  # what adding HOST_RULES to the catalogue does
        monkeypatch.setitem(catalogue._BY_ID, rule.id, rule)
    monkeypatch.setattr(sarif, "ALL_RULES", (*catalogue.ALL_RULES, *HOST_RULES))
    _leaky_host(tmp_path)
    code, out, _ = _run(capsys, "--root", str(tmp_path), "--format", "sarif")
    document = json.loads(out)
    assert code == 1
    run = document["runs"][0]
    assert {r["ruleId"] for r in run["results"]} >= {"host-config-permissions"}
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    }
    assert CONFIG in uris
    assert all("host" in d["properties"]["tags"] for d in run["tool"]["driver"]["rules"])


def test_explicit_missing_config_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    standard_host(tmp_path)
    code, _, err = _run(capsys, "/etc/other/config.toml", "--root", str(tmp_path))
    assert code == 2
    assert "no such file" in err


def test_explicit_config_path_inside_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    host = standard_host(tmp_path)
    host.write("/srv/config.toml", "concurrent = 1\n", 0o666)
    code, out, _ = _run(capsys, "srv/config.toml", "--root", str(tmp_path))
    assert code == 1
    assert "(/srv/config.toml)" in out


def test_root_must_be_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--root", str(tmp_path / "missing"))
    assert code == 2
    assert "not a folder" in err
