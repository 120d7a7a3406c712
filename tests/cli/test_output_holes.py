"""Each converted output masks the value in its hole and keeps our words as written.

A secret-shaped value is planted where each command prints a value of ours to
show (a file or folder name, a preset name, a runner name): the value is masked,
the sentence around it is intact. Before these outputs were typed, most of them
printed the value raw (the baseline and artifact paths, the written presets and
values files, host-check's config, server-check's JSON path).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_support import RISKY_CONFIG, run_cli

PLANTED = "glpat-PlantedInAHole0123456789"
"""A token-shaped name: masked wherever it is shown (``glpat-…6789``)."""
MASKED = "glpat-…6789"


def _config(folder: Path, name: str = "config.toml", text: str = RISKY_CONFIG) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def _assert_masked(shown: str, *ours: str) -> None:
    assert PLANTED not in shown
    assert MASKED in shown
    for words in ours:
        assert words in shown, words
    assert "Traceback" not in shown


def test_an_error_names_the_file_masked_after_our_prefix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = _config(tmp_path, f"{PLANTED}.toml", "[[runners]\n")
    result = run_cli(capsys, "harden", str(broken))
    assert result.code == 2
    _assert_masked(result.err, "runner-wizard: error: ")
    assert result.err.count("\n") == 1


def test_harden_names_the_written_file_and_backup_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _config(tmp_path, f"{PLANTED}.toml")
    result = run_cli(capsys, "harden", "--fix", "all", str(path))
    _assert_masked(result.out, "fixes applied", "  backup: ")


def test_audit_names_the_baseline_it_wrote_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _config(tmp_path)
    baseline = tmp_path / f"{PLANTED}.json"
    result = run_cli(capsys, "audit", "--write-baseline", str(baseline), str(path))
    assert result.code == 0
    assert baseline.exists()
    _assert_masked(result.err, "runner-wizard: wrote ", " finding(s) to the baseline ")


def test_artifacts_name_the_files_they_wrote_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _config(tmp_path)
    out = tmp_path / PLANTED
    result = run_cli(capsys, "artifacts", str(path), "--runner", "docker-main", "--out", str(out))
    assert result.code == 0
    _assert_masked(result.out, "Next: work through ", "; each item says how to check it is done.")
    assert all(PLANTED not in line for line in result.out.splitlines())


def test_presets_name_what_they_wrote_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = _config(tmp_path)
    made = tmp_path / f"{PLANTED}.toml"
    result = run_cli(
        capsys,
        "presets",
        "new",
        "team",
        "--from-config",
        str(path),
        "--runner",
        "docker-main",
        "--out",
        str(made),
    )
    assert result.code == 0
    _assert_masked(result.out, "wrote preset team to ")
    (tmp_path / PLANTED).mkdir()
    for preset, flag, words in (
        ("trusted-docker", "--ansible-vars", "wrote Ansible variables "),
        ("restricted-kubernetes", "--helm-values", "wrote Helm values "),
        ("trusted-docker", "--template-config", "register --template-config "),
    ):
        target = tmp_path / PLANTED / f"export{flag}"
        result = run_cli(capsys, "presets", "export", preset, flag, str(target))
        assert result.code == 0, result.err
        _assert_masked(result.out, words)


def test_new_values_file_names_it_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / f"{PLANTED}.yaml"
    result = run_cli(
        capsys,
        "new",
        str(target),
        "--preset",
        "restricted-kubernetes",
        "--url",
        "https://gitlab.example.com",
    )
    assert result.code == 0, result.err
    _assert_masked(result.out, "wrote ", "; create the Secret it names before installing")


def test_host_check_names_the_config_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    _config(root, f"{PLANTED}.toml")
    result = run_cli(capsys, "host-check", "--root", str(root), f"{PLANTED}.toml")
    _assert_masked(result.out, "host-check under ", ", config /", "(trust: ")
    json_result = run_cli(
        capsys, "host-check", "--root", str(root), "--format", "json", f"{PLANTED}.toml"
    )
    assert PLANTED not in json_result.out
    json.loads(json_result.out)


def test_server_check_json_and_sarif_name_the_file_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / PLANTED
    folder.mkdir()
    no_url = (
        '[[runners]]\n  name = "r"\n  token = "glrt-NoUrlNoUrlNoUrl1234"\n  executor = "shell"\n'
    )
    path = _config(folder, text=no_url)
    for output_format in ("json", "sarif"):
        result = run_cli(capsys, "server-check", "--format", output_format, str(path))
        assert result.code == 2
        report = json.loads(result.out)
        assert PLANTED not in result.out + result.err
        assert MASKED in result.out
        if output_format == "json":
            (note,) = report["server"]["unchecked"]
            assert note["message"] == "no url in the entry and no --gitlab-url: not checked"
    text = run_cli(capsys, "server-check", str(path))
    _assert_masked(text.out, "  not checked on the server:")


def test_plain_names_the_hardening_files_it_wrote_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = _config(tmp_path)
    result = run_cli(
        capsys,
        "plain",
        str(path),
        "--non-interactive",
        "--accept-defaults",
        "--runner",
        "docker-main",
        "--no-backup",
        "--artifacts",
        str(tmp_path / PLANTED),
    )
    assert result.code == 0, result.err
    assert PLANTED not in result.everything
    assert MASKED in result.out
    assert "Which runner?" not in result.out  # --runner chose: nothing asked


def test_a_runner_name_shaped_like_a_token_is_masked_in_the_line_mode_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = _config(tmp_path, text=RISKY_CONFIG.replace('"docker-main"', f'"{PLANTED}"'))
    result = run_cli(
        capsys,
        "plain",
        str(path),
        "--non-interactive",
        "--accept-defaults",
        "--runner",
        "#1",
        "--no-backup",
    )
    assert result.code == 0, result.err
    assert PLANTED not in result.everything
    assert "findings: " in result.out
    assert "on the host (outside config.toml):" in result.out


def test_a_line_break_in_a_value_never_starts_a_line_of_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A runner name that tries to forge an error line stays inside its own line."""
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    forged = "runner-wizard: error: all good"
    config = (
        "[[runners]]\n"
        f'  name = "r\\n{forged}"\n'
        f'  url = "http://127.0.0.1:{port}"\n'
        "  id = 3\n"
        '  token = "glrt-ForgedLineForgedLine12"\n'
        '  executor = "shell"\n'
    )
    path = _config(tmp_path, text=config)
    (tmp_path / ".runner_system_id").write_text("s_0123456789ab", encoding="utf-8")
    result = run_cli(capsys, "server-check", "--allow-http", "--timeout", "2", str(path))
    assert result.code == 2
    lines = result.everything.splitlines()
    assert not [line for line in lines if line.startswith(forged)]
    (named,) = [line for line in result.err.splitlines() if "cannot reach" in line]
    assert named.startswith("runner-wizard: error: ")
    assert forged in named  # inside the line that names the runner, not a line of its own
