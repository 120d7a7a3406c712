"""The command line as users and scripts meet it: help, exit codes, the JSON contract, harden.

Most tests call :func:`wizard.cli.main` in-process (fast, and the same code the
console script runs); a few start a real ``python -m wizard`` so the module
entry point and the process exit code are covered too.
"""

from __future__ import annotations

import argparse
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli_support import (
    MEDIUM_ONLY_CONFIG,
    RISKY_CONFIG,
    SECRETS,
    assert_no_secret,
    run_cli,
    run_process,
    write_config,
)
from wizard import __version__
from wizard.base.model import Severity
from wizard.cli import SEVERITIES, TRUST_LEVELS, build_parser
from wizard.rules.catalogue import ALL_RULES

TOP_KEYS = {"schema", "tool", "files", "summary"}
TOOL_KEYS = {"name", "version"}
FILE_KEYS = {"path", "trust", "error", "incomplete", "findings"}
FINDING_KEYS = {"rule", "severity", "runner", "runner_index", "table", "key", "line", "message"}
FINDING_KEYS |= {"fix", "impact", "impact_reason"}
RULE_IDS = {rule.id for rule in ALL_RULES}


def audit_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    outcome = run_cli(capsys, "audit", "--format", "json", *argv)
    assert outcome.code in (0, 1), outcome.err
    document: dict[str, Any] = json.loads(outcome.out)
    return document


def findings_of(document: dict[str, Any], index: int = 0) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = document["files"][index]["findings"]
    return findings


def backups(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.endswith(".bak"))


# -- help and version ------------------------------------------------------------------


def test_help_names_every_command_and_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "--help")
    assert outcome.code == 0
    for command in ("audit", "harden", "rules", "tui", "plain", "new", "presets", "host-check"):
        assert command in outcome.out
    assert "exit codes" in outcome.out


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "--version")
    assert outcome.code == 0
    assert outcome.out.strip() == f"runner-wizard {__version__}"


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse._SubParsersAction[Any]]:
    return [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]


def _walk(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], str | None]]:
    """Every (sub)command path with the help text its parent lists it with."""
    found = []
    for action in _subparsers(parser):
        helps = {choice.dest: choice.help for choice in action._choices_actions}
        for name, child in action.choices.items():
            found.append(((*path, name), helps.get(name)))
            found.extend(_walk(child, (*path, name)))
    return found


COMMAND_PATHS = _walk(build_parser())


def test_the_walk_sees_the_commands_users_rely_on() -> None:
    names = {path for path, _help in COMMAND_PATHS}
    assert {("audit",), ("harden",), ("rules",), ("presets", "list")} <= names


@pytest.mark.parametrize(("path", "help_text"), COMMAND_PATHS, ids=str)
def test_every_subcommand_has_help(
    capsys: pytest.CaptureFixture[str], path: tuple[str, ...], help_text: str | None
) -> None:
    assert help_text, f"{' '.join(path)} has no help line in its parent's listing"
    outcome = run_cli(capsys, *path, "--help")
    assert outcome.code == 0
    assert outcome.out.startswith("usage: runner-wizard " + " ".join(path))


def _parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in _subparsers(parser):
        for name, child in action.choices.items():
            found.extend(_parsers(child, (*path, name)))
    return found


@pytest.mark.parametrize(("path", "parser"), _parsers(build_parser()), ids=str)
def test_every_option_and_argument_has_help(
    path: tuple[str, ...], parser: argparse.ArgumentParser
) -> None:
    undocumented = [
        action.option_strings or action.dest
        for action in parser._actions
        if action.help is None and not isinstance(action, argparse._SubParsersAction)
    ]
    assert not undocumented, f"{' '.join(path) or 'runner-wizard'}: {undocumented}"


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "audit", "--fail-on", "dreadful", "x.toml")
    assert outcome.code == 2
    assert "invalid choice" in outcome.err


# -- audit: exit codes and thresholds --------------------------------------------------


def test_audit_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    risky = write_config(tmp_path, RISKY_CONFIG, name="risky.toml")
    tidy = write_config(tmp_path, MEDIUM_ONLY_CONFIG, name="tidy.toml")
    assert run_cli(capsys, "audit", str(risky)).code == 1
    assert run_cli(capsys, "audit", str(tidy)).code == 0  # only medium: below the default
    assert run_cli(capsys, "audit", "--fail-on", "medium", str(tidy)).code == 1
    assert run_cli(capsys, "audit", str(tidy), str(tmp_path / "absent.toml")).code == 2


def test_group_readable_file_is_a_high_finding(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    tidy = write_config(tmp_path, MEDIUM_ONLY_CONFIG, mode=0o644)
    document = audit_json(capsys, str(tidy))
    permissions = [f for f in findings_of(document) if f["rule"] == "config-file-permissions"]
    assert [(f["severity"], f["fix"], f["runner"]) for f in permissions] == [("high", "safe", None)]
    assert run_cli(capsys, "audit", str(tidy)).code == 1


@pytest.mark.parametrize("trust", TRUST_LEVELS)
@pytest.mark.parametrize("fail_on", SEVERITIES)
def test_fail_on_threshold_matches_the_reported_severities(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, trust: str, fail_on: str
) -> None:
    path = write_config(tmp_path, RISKY_CONFIG)
    document = audit_json(capsys, "--trust", trust, str(path))
    assert document["files"][0]["trust"] == trust
    worst = max(Severity(f["severity"]).rank for f in findings_of(document))
    expected = 1 if worst >= Severity(fail_on).rank else 0
    assert run_cli(capsys, "audit", "--trust", trust, "--fail-on", fail_on, str(path)).code == (
        expected
    )


SETTINGS = {
    "privileged": "privileged = true",
    "socket": 'volumes = ["/var/run/docker.sock:/var/run/docker.sock"]',
    "tls": "tls_verify = false",
    "host-net": 'network_mode = "host"',
    "pull": 'pull_policy = "if-not-present"',
    "user": 'user = "1000"',
}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    chosen=st.sets(st.sampled_from(sorted(SETTINGS))),
    levels=st.tuples(st.sampled_from(TRUST_LEVELS), st.sampled_from(SEVERITIES)),
    debug_off=st.booleans(),
)
def test_exit_code_and_json_agree_for_any_mix_of_settings(
    capsys: pytest.CaptureFixture[str],
    tmp_path_factory: pytest.TempPathFactory,
    chosen: set[str],
    levels: tuple[str, str],
    debug_off: bool,
) -> None:
    trust, fail_on = levels
    lines = ["[[runners]]", '  name = "mixed"', '  url = "https://gitlab.example.com"']
    lines += ['  token = "glrt-MixedMixedMixed9999"', '  executor = "docker"']
    if debug_off:
        lines.append("  debug_trace_disabled = true")
    lines += ["  [runners.docker]", '    image = "alpine"']
    lines += [f"    {SETTINGS[name]}" for name in sorted(chosen)]
    path = write_config(tmp_path_factory.mktemp("mix"), "\n".join(lines) + "\n")
    text = run_cli(capsys, "audit", "--trust", trust, "--fail-on", fail_on, str(path))
    as_json = run_cli(capsys, "audit", "--format", "json", "--trust", trust, str(path))
    findings = findings_of(json.loads(as_json.out))
    expected = int(any(Severity(f["severity"]).at_least(Severity(fail_on)) for f in findings))
    assert text.code == expected
    assert ("privileged-container" in {f["rule"] for f in findings}) == ("privileged" in chosen)
    assert "glrt-MixedMixedMixed9999" not in text.out + as_json.out
    for finding in findings:
        assert set(finding) == FINDING_KEYS


# -- the JSON contract -----------------------------------------------------------------


def test_json_report_has_exactly_the_contract_keys(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, RISKY_CONFIG)
    document = audit_json(capsys, str(path))
    assert set(document) == TOP_KEYS
    assert document["schema"] == 1
    assert document["tool"] == {"name": "runner-wizard", "version": __version__}
    assert set(document["tool"]) == TOOL_KEYS
    [entry] = document["files"]
    assert set(entry) == FILE_KEYS
    assert entry["path"] == str(path)
    assert entry["trust"] == "multi-project"
    assert entry["error"] is None
    assert entry["findings"], "the risky config has findings"
    runner_names = {0: "docker-main", 1: "ssh-box", 2: "kube", 3: "autoscaled"}
    text_lines = RISKY_CONFIG.splitlines()
    for finding in entry["findings"]:
        assert set(finding) == FINDING_KEYS
        assert finding["rule"] in RULE_IDS
        assert finding["severity"] in SEVERITIES
        assert finding["fix"] in ("safe", "unsafe", None)
        impact = {"safe": "none", "unsafe": "may-break", None: None}[finding["fix"]]
        assert finding["impact"] == impact
        # A fix that may break jobs always says what; one that cannot says nothing.
        assert bool(finding["impact_reason"]) == (impact == "may-break")
        assert isinstance(finding["message"], str)
        assert finding["message"]
        assert finding["line"] is None or 1 <= finding["line"] <= len(text_lines)
        assert finding["table"] is None or isinstance(finding["table"], str)
        assert finding["key"] is None or isinstance(finding["key"], str)
        if finding["runner_index"] is None:
            assert finding["runner"] is None
        else:
            assert finding["runner"] == runner_names[finding["runner_index"]]
    rules = {(f["rule"], f["runner"]) for f in entry["findings"]}
    assert ("privileged-container", "docker-main") in rules
    assert ("docker-socket-mount", "docker-main") in rules
    assert ("ssh-host-key-checking-disabled", "ssh-box") in rules
    assert ("insecure-gitlab-url", "kube") in rules


def test_json_line_points_at_the_risky_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, RISKY_CONFIG)
    lines = RISKY_CONFIG.splitlines()
    for finding in findings_of(audit_json(capsys, str(path))):
        if finding["rule"] in ("privileged-container", "docker-socket-mount"):
            assert finding["line"] is not None
            line = lines[finding["line"] - 1].strip()
            assert line.startswith(finding["key"]), (finding, line)


def test_unreadable_file_is_one_stderr_line_and_the_others_are_still_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = write_config(tmp_path, RISKY_CONFIG, name="good.toml")
    broken = write_config(tmp_path, "concurrent = 1\nname = = 2\n", name="broken.toml")
    missing = tmp_path / "missing.toml"
    for output_format in ("text", "json", "sarif"):
        outcome = run_cli(
            capsys, "audit", "--format", output_format, str(broken), str(good), str(missing)
        )
        assert outcome.code == 2
        errors = outcome.err.splitlines()
        assert len(errors) == 2
        # One shape for every parse error: file:line:col: message.
        assert errors[0].startswith(f"runner-wizard: error: {broken}:2:8: invalid TOML")
        assert str(missing) in errors[1]
        assert "Traceback" not in outcome.err
        assert "privileged-container" in outcome.out
    document = audit_json_with_errors(capsys, str(broken), str(good), str(missing))
    by_path = {entry["path"]: entry for entry in document["files"]}
    assert by_path[str(broken)]["findings"] == []
    assert "invalid TOML" in by_path[str(broken)]["error"]
    assert by_path[str(missing)]["error"] == f"{missing}: no such file"
    assert by_path[str(good)]["error"] is None
    assert by_path[str(good)]["findings"]


def audit_json_with_errors(capsys: pytest.CaptureFixture[str], *paths: str) -> dict[str, Any]:
    outcome = run_cli(capsys, "audit", "--format", "json", *paths)
    assert outcome.code == 2
    document: dict[str, Any] = json.loads(outcome.out)
    return document


def test_text_report_names_runner_line_rule_and_fix(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, RISKY_CONFIG)
    out = run_cli(capsys, "audit", str(path)).out
    assert 'runner "docker-main" (entry 1)' in out
    assert 'runner "ssh-box" (entry 2)' in out
    privileged_line = RISKY_CONFIG.splitlines().index("    privileged = true") + 1
    assert f'privileged-container  runner "docker-main" (entry 1), line {privileged_line}' in out
    # Worst first: the critical finding opens the report.
    assert out.splitlines()[1].startswith("  CRITICAL")
    assert "fix (impact may-break): Set privileged = false" in out


# -- harden ----------------------------------------------------------------------------


def test_dry_run_prints_a_masked_diff_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, RISKY_CONFIG)
    before = path.read_bytes()
    outcome = run_cli(capsys, "harden", "--dry-run", "--fix", "all", str(path))
    assert outcome.code == 1
    lines = outcome.out.splitlines()
    # The planned changes come first, those that may break jobs under their own heading.
    assert lines[0].endswith(": planned changes")
    assert lines[1].startswith("may break jobs that work today (")
    diff_start = next(i for i, line in enumerate(lines) if line.startswith("--- "))
    safe_heading = next(i for i, line in enumerate(lines) if line.startswith("cannot break"))
    assert 1 < safe_heading < diff_start
    risky = lines[1:safe_heading]
    assert any("privileged: true → false" in line for line in risky)
    assert lines[diff_start + 1].startswith("+++ ")
    assert any(line.startswith("@@ ") for line in lines)
    assert "-    privileged = true" in lines
    assert "+    privileged = false" in lines
    assert_no_secret(outcome.everything)
    assert path.read_bytes() == before
    assert sorted(tmp_path.iterdir()) == [path]


def test_dry_run_on_a_hardened_file_says_nothing_changes_and_exits_0(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, RISKY_CONFIG)
    assert run_cli(capsys, "harden", "--fix", "all", "--no-backup", str(path)).code == 0
    outcome = run_cli(capsys, "harden", "--dry-run", "--fix", "all", str(path))
    assert (outcome.code, outcome.out) == (0, f"{path}: nothing to change\n")


def test_dry_run_reports_a_loose_mode_even_without_text_changes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, RISKY_CONFIG)
    run_cli(capsys, "harden", "--fix", "all", "--no-backup", str(path))
    path.chmod(0o644)
    outcome = run_cli(capsys, "harden", "--dry-run", str(path))
    assert outcome.code == 1
    assert "0600" in outcome.out
    assert path.stat().st_mode & 0o777 == 0o644


def fixable(document: dict[str, Any], fix: str | None = None) -> set[tuple[str, Any]]:
    return {
        (f["rule"], f["runner"])
        for f in findings_of(document)
        if f["fix"] is not None and (fix is None or f["fix"] == fix)
    }


def test_fix_safe_leaves_unsafe_fixes_and_fix_all_applies_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, RISKY_CONFIG)
    before = audit_json(capsys, str(path))
    assert fixable(before, "safe")
    assert fixable(before, "unsafe")
    assert run_cli(capsys, "harden", "--no-backup", str(path)).code == 0
    after_safe = audit_json(capsys, str(path))
    assert fixable(after_safe, "safe") == set()
    assert fixable(after_safe, "unsafe") == fixable(before, "unsafe")
    assert "privileged = true" in path.read_text()
    assert run_cli(capsys, "harden", "--fix", "all", "--no-backup", str(path)).code == 0
    assert fixable(audit_json(capsys, str(path))) == set()


@pytest.mark.parametrize("trust", TRUST_LEVELS)
def test_after_fix_all_no_finding_with_a_fix_remains(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, trust: str
) -> None:
    path = write_config(tmp_path, RISKY_CONFIG, mode=0o644)
    outcome = run_cli(capsys, "harden", "--trust", trust, "--fix", "all", str(path))
    assert outcome.code == 0, outcome.err
    assert path.stat().st_mode & 0o777 == 0o600
    document = audit_json(capsys, "--trust", trust, str(path))
    assert fixable(document) == set()
    tomllib.loads(path.read_text())


def test_runner_option_limits_changes_to_that_runner(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, RISKY_CONFIG)
    before = audit_json(capsys, str(path))
    outcome = run_cli(capsys, "harden", "--fix", "all", "--runner", "ssh-box", str(path))
    assert outcome.code == 0
    after = audit_json(capsys, str(path))
    assert {r for r in fixable(after) if r[1] == "ssh-box"} == set()
    assert {r for r in fixable(after) if r[1] != "ssh-box"} == {
        r for r in fixable(before) if r[1] != "ssh-box"
    }
    old, new = RISKY_CONFIG, path.read_text()
    ssh_start = old.index("# A build box")
    kube_start = old.index('[[runners]]\n  name = "kube"')
    assert new.startswith(old[:ssh_start]), "the docker runner above was touched"
    assert new.endswith(old[kube_start:]), "the runners below were touched"


def test_runner_option_is_repeatable(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_config(tmp_path, RISKY_CONFIG)
    argv = ["harden", "--fix", "all", "--runner", "kube", "--runner", "docker-main", str(path)]
    assert run_cli(capsys, *argv).code == 0
    runners_left = {runner for _rule, runner in fixable(audit_json(capsys, str(path)))}
    assert runners_left == {"ssh-box", "autoscaled"}


def test_unknown_runner_name_is_an_error_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, RISKY_CONFIG)
    before = path.read_bytes()
    outcome = run_cli(capsys, "harden", "--dry-run", "--fix", "all", "--runner", "nope", str(path))
    assert (outcome.code, outcome.out) == (2, "")
    assert "no runner named 'nope'" in outcome.err
    assert path.read_bytes() == before


def test_backup_keeps_the_original_unless_told_not_to(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with_backup = tmp_path / "with"
    without = tmp_path / "without"
    with_backup.mkdir()
    without.mkdir()
    first = write_config(with_backup, RISKY_CONFIG)
    second = write_config(without, RISKY_CONFIG)
    outcome = run_cli(capsys, "harden", str(first))
    [backup] = backups(with_backup)
    assert backup.read_text() == RISKY_CONFIG
    assert str(backup) in outcome.out
    run_cli(capsys, "harden", "--no-backup", str(second))
    assert backups(without) == []
    assert second.read_text() == first.read_text() != RISKY_CONFIG


def test_harden_twice_changes_nothing_the_second_time(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, RISKY_CONFIG)
    for fix in ("safe", "all"):
        assert run_cli(capsys, "harden", "--fix", fix, str(path)).code == 0
        once = path.read_bytes()
        count = len(backups(tmp_path))
        outcome = run_cli(capsys, "harden", "--fix", fix, str(path))
        assert outcome.code == 0
        assert "nothing to fix" in outcome.out
        assert path.read_bytes() == once
        assert len(backups(tmp_path)) == count


def test_harden_keeps_every_comment(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_config(tmp_path, RISKY_CONFIG)
    run_cli(capsys, "harden", "--fix", "all", str(path))
    new_lines = path.read_text().splitlines()
    for line in RISKY_CONFIG.splitlines():
        if line.strip().startswith("#"):
            assert line in new_lines


def test_harden_reports_a_bad_file_and_still_hardens_the_others(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = write_config(tmp_path, RISKY_CONFIG, name="good.toml")
    broken = write_config(tmp_path, "[[runners]\n", name="broken.toml")
    outcome = run_cli(capsys, "harden", "--no-backup", str(broken), str(good))
    assert outcome.code == 2
    assert len(outcome.err.splitlines()) == 1
    assert str(broken) in outcome.err
    assert good.read_text() != RISKY_CONFIG
    assert broken.read_text() == "[[runners]\n"


# -- rules -----------------------------------------------------------------------------


def test_rules_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "rules")
    assert outcome.code == 0
    listed = [line.split()[0] for line in outcome.out.splitlines()]
    assert listed == [rule.id for rule in ALL_RULES]
    as_json = json.loads(run_cli(capsys, "rules", "--format", "json").out)
    assert [entry["id"] for entry in as_json] == [rule.id for rule in ALL_RULES]


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.id)
def test_rules_id_explains_one_rule(capsys: pytest.CaptureFixture[str], rule: Any) -> None:
    outcome = run_cli(capsys, "rules", rule.id)
    assert outcome.code == 0
    assert outcome.out.startswith(f"{rule.id}: {rule.title}")
    assert rule.doc_url in outcome.out
    assert "fix:" in outcome.out


def test_unknown_rule_id_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_cli(capsys, "rules", "no-such-rule")
    assert outcome.code == 2
    assert outcome.out == ""
    assert len(outcome.err.splitlines()) == 1
    assert "no-such-rule" in outcome.err


# -- secrets ---------------------------------------------------------------------------


def test_no_output_of_any_command_contains_a_secret(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, RISKY_CONFIG, mode=0o644)
    assert all(secret in RISKY_CONFIG for secret in SECRETS)
    outputs = []
    for output_format in ("text", "json", "sarif"):
        for trust in TRUST_LEVELS:
            argv: tuple[str, ...] = (
                "audit",
                "--format",
                output_format,
                "--trust",
                trust,
                str(path),
            )
            outputs.append(run_cli(capsys, *argv))
    for fix in ("safe", "all"):
        outputs.append(run_cli(capsys, "harden", "--dry-run", "--fix", fix, str(path)))
        argv = ("harden", "--dry-run", "--format", "json", "--fix", fix, str(path))
        outputs.append(run_cli(capsys, *argv))
    outputs.append(run_cli(capsys, "harden", "--fix", "all", str(path)))
    outputs.append(run_cli(capsys, "harden", "--fix", "all", str(path)))
    outputs.append(run_cli(capsys, "audit", "--format", "json", str(path)))
    assert any("\n--- " in o.out or o.out.startswith("---") for o in outputs)
    assert any('"impact": "may-break"' in o.out for o in outputs)
    for outcome in outputs:
        assert_no_secret(outcome.everything)


def test_secrets_in_a_broken_file_stay_out_of_the_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = 'token = "glrt-AbCdEfGhIjKlMnOpQrStUv" oops\n'
    path = write_config(tmp_path, text)
    for output_format in ("text", "json", "sarif"):
        outcome = run_cli(capsys, "audit", "--format", output_format, str(path))
        assert outcome.code == 2
        assert_no_secret(outcome.everything)


def test_dry_run_shows_non_secret_values_of_token_named_keys(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, RISKY_CONFIG)
    outcome = run_cli(capsys, "harden", "--dry-run", "--fix", "all", "--runner", "kube", str(path))
    assert "+    automount_service_account_token = false" in outcome.out.splitlines()


# -- whole processes -------------------------------------------------------------------


def test_module_entry_point_help_version_and_audit(tmp_path: Path) -> None:
    help_run = run_process("--help")
    assert help_run.code == 0
    assert "audit" in help_run.out
    version_run = run_process("--version")
    assert (version_run.code, version_run.out.strip()) == (0, f"runner-wizard {__version__}")
    path = write_config(tmp_path, RISKY_CONFIG)
    audit_run = run_process("audit", "--format", "json", path.name, cwd=tmp_path)
    assert audit_run.code == 1
    assert json.loads(audit_run.out)["files"][0]["path"] == "config.toml"
    assert_no_secret(audit_run.everything)


def test_process_exit_code_2_without_traceback(tmp_path: Path) -> None:
    outcome = run_process("audit", str(tmp_path / "absent.toml"))
    assert outcome.code == 2
    assert outcome.err.strip() == f"runner-wizard: error: {tmp_path / 'absent.toml'}: no such file"


def test_process_harden_dry_run_exit_1_and_masked(tmp_path: Path) -> None:
    path = write_config(tmp_path, RISKY_CONFIG)
    outcome = run_process("harden", "--dry-run", "--fix", "all", str(path))
    assert outcome.code == 1
    assert "+    privileged = false" in outcome.out
    assert_no_secret(outcome.everything)
    assert path.read_text() == RISKY_CONFIG
