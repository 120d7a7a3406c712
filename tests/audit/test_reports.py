"""The renderers: SARIF that code scanning accepts, and a text report a person can act on.

SARIF is checked field by field against what the 2.1.0 specification and the
code-scanning importers require (no schema download: the tests run offline).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.cli_support import RISKY_CONFIG, assert_no_secret, run_cli, write_config
from wizard import __version__
from wizard.audit.engine import FileReport
from wizard.base.model import Finding, FixSafety, Severity, Trust
from wizard.base.safe_text import Message
from wizard.report.json_report import render_json, report_to_dict
from wizard.report.sarif import render_sarif, report_to_sarif
from wizard.report.text import render_text, severity_counts
from wizard.rules.catalogue import ALL_RULES, get_rule

LEVELS = {"error", "warning", "note"}
RULE_IDS = [rule.id for rule in ALL_RULES if rule.scope == "config"]


def finding(
    rule: str = "privileged-container",
    severity: Severity = Severity.CRITICAL,
    *,
    runner_index: int | None = 0,
    runner: str | None = "docker-main",
    line: int | None = 7,
    fix: FixSafety | None = FixSafety.UNSAFE,
    key: str | None = "privileged",
) -> Finding:
    return Finding(
        rule=rule,
        severity=severity,
        message=Message.of("{rule} found", rule=rule),
        table=("runners", runner_index or 0, "docker"),
        key=key,
        runner_index=runner_index,
        runner=runner,
        line=line,
        fix=fix,
    )


def check_sarif(document: dict[str, Any]) -> None:
    """Everything a SARIF 2.1.0 consumer relies on, for any report."""
    assert document["version"] == "2.1.0"
    assert document["$schema"].endswith("sarif-2.1.0.json")
    [run] = document["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "runner-wizard"
    assert driver["version"] == __version__
    rules = driver["rules"]
    ids = [rule["id"] for rule in rules]
    assert len(ids) == len(set(ids)), "a rule is described once"
    for descriptor in rules:
        assert descriptor["shortDescription"]["text"]
        assert descriptor["helpUri"].startswith("https://")
        assert descriptor["defaultConfiguration"]["level"] in LEVELS
        score = descriptor["properties"]["security-severity"]
        assert isinstance(score, str)
        assert 0.0 <= float(score) <= 10.0
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in LEVELS
        assert result["message"]["text"]
        assert isinstance(result["properties"]["security-severity"], str)
        [location] = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"]
        assert " " not in physical["artifactLocation"]["uri"]
        start_line = physical["region"]["startLine"]
        assert isinstance(start_line, int)
        assert start_line >= 1
    used = {result["ruleId"] for result in run["results"]}
    assert used == set(ids), "every described rule is used and every used rule described"


# -- SARIF -----------------------------------------------------------------------------


def test_sarif_of_a_real_audit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, RISKY_CONFIG, name="config.toml")
    sub = tmp_path / "team b"
    sub.mkdir()
    write_config(sub, RISKY_CONFIG, name="config.toml")
    monkeypatch.chdir(tmp_path)
    outcome = run_cli(capsys, "audit", "--format", "sarif", "config.toml", "team b/config.toml")
    assert outcome.code == 1
    document = json.loads(outcome.out)
    check_sarif(document)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in document["runs"][0]["results"]
    }
    assert uris == {"config.toml", "team%20b/config.toml"}
    assert_no_secret(outcome.out)
    levels = {r["ruleId"]: r["level"] for r in document["runs"][0]["results"]}
    assert levels["privileged-container"] == "error"
    assert document["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_sarif_levels_follow_the_severity_at_the_trust_level() -> None:
    report = FileReport(
        "config.toml",
        Trust.PUBLIC,
        (
            finding(severity=Severity.CRITICAL),
            finding("images-unrestricted", Severity.MEDIUM, fix=None),
            finding("debug-trace-enabled", Severity.LOW, fix=FixSafety.SAFE),
            finding("token-rotation-rewrites-file", Severity.INFO, fix=None),
        ),
    )
    results = report_to_sarif([report])["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error", "warning", "note", "note"]
    scores = [float(r["properties"]["security-severity"]) for r in results]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] >= 9.0, "critical maps to the critical band of code scanning"


def test_sarif_finding_without_a_line_points_at_line_1() -> None:
    report = FileReport(
        "etc/gitlab-runner/config.toml",
        Trust.MULTI_PROJECT,
        (finding("config-file-permissions", Severity.HIGH, runner_index=None, line=None),),
    )
    document = report_to_sarif([report])
    check_sarif(document)
    [result] = document["runs"][0]["results"]
    physical = result["locations"][0]["physicalLocation"]
    assert physical["region"]["startLine"] == 1
    assert physical["artifactLocation"]["uri"] == "etc/gitlab-runner/config.toml"


def test_sarif_reports_an_unreadable_file_as_a_failed_invocation() -> None:
    reports = [
        FileReport(
            "broken.toml", Trust.MULTI_PROJECT, error=Message.of("broken.toml:2:5: invalid TOML")
        ),
        FileReport("good.toml", Trust.MULTI_PROJECT, (finding(),)),
    ]
    document = report_to_sarif(reports)
    check_sarif(document)
    [invocation] = document["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["message"]["text"] == "broken.toml:2:5: invalid TOML"
    assert len(document["runs"][0]["results"]) == 1


def test_sarif_with_no_findings_is_still_a_complete_run() -> None:
    document = report_to_sarif([FileReport("config.toml", Trust.MULTI_PROJECT)])
    check_sarif(document)
    assert document["runs"][0]["results"] == []
    assert document["runs"][0]["tool"]["driver"]["rules"] == []


findings_strategy = st.lists(
    st.builds(
        finding,
        rule=st.sampled_from(RULE_IDS),
        severity=st.sampled_from(list(Severity)),
        runner_index=st.one_of(st.none(), st.integers(0, 5)),
        runner=st.one_of(st.none(), st.sampled_from(["a", "b c", "ünï"])),
        line=st.one_of(st.none(), st.integers(1, 5000)),
        fix=st.one_of(st.none(), st.sampled_from(list(FixSafety))),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(
    findings=findings_strategy,
    path=st.sampled_from(["config.toml", "a b/config.toml", "runners/100%.toml"]),
)
def test_sarif_is_consistent_for_any_findings(findings: list[Finding], path: str) -> None:
    text = render_sarif([FileReport(path, Trust.MULTI_PROJECT, tuple(findings))])
    document = json.loads(text)
    check_sarif(document)
    results = document["runs"][0]["results"]
    assert len(results) == len(findings)
    for result, source in zip(results, findings, strict=True):
        assert result["ruleId"] == source.rule
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] == (source.line or 1)


# -- JSON ------------------------------------------------------------------------------


def test_json_global_finding_has_null_runner_and_table() -> None:
    report = FileReport(
        "config.toml",
        Trust.SINGLE_PROJECT,
        (
            Finding(
                rule="config-file-permissions",
                severity=Severity.HIGH,
                message=Message.of("mode 0644"),
                table=(),
                key=None,
                runner_index=None,
                runner=None,
                line=None,
                fix=FixSafety.SAFE,
            ),
        ),
    )
    [entry] = json.loads(render_json([report]))["files"]
    assert entry["trust"] == "single-project"
    [only] = entry["findings"]
    assert only == {
        "rule": "config-file-permissions",
        "severity": "high",
        "runner": None,
        "runner_index": None,
        "table": None,
        "key": None,
        "line": None,
        "message": "mode 0644",
        "fix": "safe",
        "impact": "none",
        "impact_reason": None,
    }


@given(
    st.lists(
        st.tuples(
            st.text(max_size=20),
            st.sampled_from(list(Trust)),
            st.none() | st.text(max_size=20),
            st.lists(st.tuples(st.text(max_size=30), st.none() | st.integers(0, 5)), max_size=4),
        ),
        max_size=3,
    )
)
def test_json_text_is_the_report_with_one_finding_per_line(
    files: list[tuple[str, Trust, str | None, list[tuple[str, int | None]]]],
) -> None:
    """Laid out by hand for speed, the text must still mean exactly the report."""
    reports = [
        FileReport(
            path,
            trust,
            tuple(
                replace(
                    finding(runner_index=index, line=index), message=Message.of("{m}", m=message)
                )
                for message, index in findings
            ),
            None if error is None else Message.of("{e}", e=error),
        )
        for path, trust, error, findings in files
    ]
    text = render_json(reports)
    assert json.loads(text) == report_to_dict(reports)
    finding_lines = [line for line in text.splitlines() if line.lstrip().startswith('{"rule"')]
    assert len(finding_lines) == sum(len(report.findings) for report in reports)
    assert text.endswith("\n")


def test_json_gives_a_may_break_fix_its_reason_next_to_the_old_fix_field() -> None:
    risky = Finding(
        rule="privileged-container",
        severity=Severity.CRITICAL,
        message=Message.of("privileged"),
        table=("runners", 0, "docker"),
        key="privileged",
        runner_index=0,
        runner="d",
        line=3,
        fix=FixSafety.UNSAFE,
        breaks="jobs that run Docker-in-Docker fail",
    )
    [entry] = json.loads(render_json([FileReport("c.toml", Trust.PUBLIC, (risky,))]))["files"]
    [only] = entry["findings"]
    assert (only["fix"], only["impact"]) == ("unsafe", "may-break")
    assert only["impact_reason"] == "jobs that run Docker-in-Docker fail"


def test_json_table_is_the_header_name() -> None:
    [entry] = json.loads(render_json([FileReport("c.toml", Trust.PUBLIC, (finding(),))]))["files"]
    assert entry["findings"][0]["table"] == "runners.docker"


# -- text ------------------------------------------------------------------------------


def test_text_lists_worst_first_and_shows_place_rule_and_fix() -> None:
    report = FileReport(
        "config.toml",
        Trust.MULTI_PROJECT,
        (
            finding(
                "config-file-permissions",
                Severity.HIGH,
                runner_index=None,
                runner=None,
                line=None,
                key=None,
                fix=FixSafety.SAFE,
            ),
            finding("privileged-container", Severity.CRITICAL, line=12),
            finding("images-unrestricted", Severity.MEDIUM, line=12, fix=None),
            finding(
                "ssh-host-key-checking-disabled",
                Severity.HIGH,
                runner_index=1,
                runner="ssh-box",
                line=30,
            ),
        ),
    )
    lines = render_text([report]).splitlines()
    assert lines[0] == "config.toml  (trust: multi-project)"
    headings = [
        line.strip() for line in lines if line.startswith("  ") and not line.startswith("    ")
    ]
    # By severity, then place: the file-wide finding (no line) before line 30.
    assert headings[:4] == [
        'CRITICAL privileged-container  runner "docker-main" (entry 1), line 12',
        "HIGH     config-file-permissions  global settings, file",
        'HIGH     ssh-host-key-checking-disabled  runner "ssh-box" (entry 2), line 30',
        'MEDIUM   images-unrestricted  runner "docker-main" (entry 1), line 12',
    ]
    text = "\n".join(lines)
    assert f"fix (impact may-break): {get_rule('privileged-container').remedy}" in text
    assert f"may break: {get_rule('privileged-container').breaks}" in text
    assert "(safe)" not in text
    assert "(unsafe)" not in text
    assert f"to do by hand: {get_rule('images-unrestricted').remedy}" in text
    assert "1 critical, 2 high, 1 medium; fixable: 1 with impact none, 2 may-break" in lines[-1]


def test_text_prints_a_finding_repeated_on_runners_once_naming_them() -> None:
    """A 16-runner file printed the same findings 16 times; now once, with the runners."""
    repeated = tuple(
        finding("debug-trace-enabled", Severity.LOW, runner_index=i, runner=f"r{i}", line=5 + 9 * i)
        for i in range(16)
    )
    odd_one = finding("privileged-container", runner_index=3, runner="r3", line=30)
    report = FileReport("fleet.toml", Trust.MULTI_PROJECT, (*repeated, odd_one))
    lines = render_text([report]).splitlines()
    [place] = [line for line in lines if line.startswith("  LOW ")]
    assert "16 runners: " in place
    assert all(f'"r{i}" (entry {i + 1}, line {5 + 9 * i})' in place for i in range(16))
    assert lines[1].strip().startswith("CRITICAL privileged-container")
    assert "1 critical, 16 low" in lines[-1]


def test_text_keeps_findings_that_say_different_things_apart() -> None:
    first = finding(runner_index=0, runner="a")
    second = replace(finding(runner_index=1, runner="b"), message=Message.of("something else"))
    text = render_text([FileReport("c.toml", Trust.MULTI_PROJECT, (first, second))])
    assert text.count("CRITICAL privileged-container") == 2


def test_text_shows_suppressed_findings_as_such_and_leaves_them_out_of_the_counts() -> None:
    kept = replace(finding(), accepted="by .runner-wizard.toml:4 until 2030-01-01: image builds")
    text = render_text([FileReport("c.toml", Trust.MULTI_PROJECT, (kept,))])
    assert "suppressed: by .runner-wizard.toml:4 until 2030-01-01: image builds" in text
    assert text.splitlines()[-1].startswith("  no findings (1 suppressed)")


def test_text_names_an_unnamed_runner_by_its_entry() -> None:
    report = FileReport("c.toml", Trust.MULTI_PROJECT, (finding(runner=None, runner_index=2),))
    assert "runner (unnamed) (entry 3)" in render_text([report])


def test_text_leaves_errors_to_stderr_and_reports_clean_files() -> None:
    text = render_text(
        [
            FileReport("broken.toml", Trust.MULTI_PROJECT, error=Message.of("no such file")),
            FileReport("clean.toml", Trust.MULTI_PROJECT),
        ]
    )
    # The command prints the error once, on stderr; the report does not repeat it.
    assert text.splitlines() == [
        "clean.toml  (trust: multi-project)",
        "  no findings",
    ]


@settings(max_examples=60, deadline=None)
@given(findings=findings_strategy)
def test_text_names_every_finding_once_and_worst_first(findings: list[Finding]) -> None:
    text = render_text([FileReport("c.toml", Trust.MULTI_PROJECT, tuple(findings))])
    headings = [line for line in text.splitlines()[1:-1] if not line.startswith("    ")]
    # Every finding is named: alone, or among the runners of its group.
    named = sum(
        int(line.split(" runners: ", 1)[0].rsplit(" ", 1)[-1]) if " runners: " in line else 1
        for line in headings
    )
    assert named == len(findings)
    ranks = [Severity(line.split()[0].lower()).rank for line in headings]
    assert ranks == sorted(ranks, reverse=True)
    assert severity_counts(findings) in text.splitlines()[-1]


def test_every_format_shows_a_template_message_as_written() -> None:
    """Our sentence after a secret-looking name read, scanned whole as free text, as a
    name and its value ("REGISTRY_PASSWORD: … pipeline"); every format now shows the
    template as written, and still masks a token in a hole and in the runner's name."""
    from dataclasses import replace

    from wizard.report.codequality import render_codequality
    from wizard.report.junit import render_junit

    message = Message.of(
        "environment gives every job {names}: any pipeline of any project on this runner "
        "can print or send it ({image})",
        names="REGISTRY_PASSWORD",
        image="registry.example.com/app:glpat-AAAAAAAAAAAAAAAAAAAA",
    )
    found = replace(
        finding("environment-secrets"),
        message=message,
        runner="glpat-BBBBBBBBBBBBBBBBBBBB",
        block="ConfigMap b (line 12)",
    )
    reports = [FileReport("c.toml", Trust.PUBLIC, (found,))]
    outputs = {
        "text": render_text(reports),
        "json": render_json(reports),
        "sarif": render_sarif(reports),
        "junit": render_junit(reports, "low"),
        "codequality": render_codequality(reports),
    }
    for name, output in outputs.items():
        assert "REGISTRY_PASSWORD: any pipeline of any project" in output, name
        assert "glpat-AAAAAAAAAAAAAAAAAAAA" not in output, name
        assert "glpat-BBBBBBBBBBBBBBBBBBBB" not in output, name


def test_the_text_report_shows_our_words_as_written_and_masks_what_came_from_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each line is our template with the file's values in holes. A values file whose
    registration token is the placeholder "runner-registration-token" made every
    output mask that value wherever it appeared, and the report, which masked whole
    lines, turned the remedy's own "runner-registration-token" into "…oken"; the
    token-shaped name and folder are still masked."""
    folder = tmp_path / "glpat-AAAAAAAAAAAAAAAAAAAA"
    folder.mkdir()
    values = folder / "values.yaml"
    values.write_text(
        'gitlabUrl: https://gitlab.example.com\nrunnerToken: "glrt-BBBBBBBBBBBBBBBBBBBBBBBB"\n'
        "runnerRegistrationToken: runner-registration-token\n"
        "runners:\n  config: |\n    [[runners]]\n"
        '      name = "glpat-CCCCCCCCCCCCCCCCCCCC"\n      executor = "kubernetes"\n',
        encoding="utf-8",
    )
    out = run_cli(capsys, "audit", str(values), "--fail-on", "never").out
    assert "keys runner-token and runner-registration-token)" in out
    for secret in ("AAAAAAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBBBBBBBBBB", "CCCCCCCCCCCCCCCCCCCC"):
        assert secret not in out
    assert "glpat-…" in out  # the name and the folder are there, masked
