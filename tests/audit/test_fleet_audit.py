"""Audit where teams work: folders, a policy file with justified exceptions, baselines.

Each case issue 21 names has a test here: a corpus folder in one command with a
summary; a baseline that holds after a reformat and a token rotation and fails
when a runner turns privileged; an exception that suppresses until its date and
is reported after; an invalid policy in one line with exit 2.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.cli_support import assert_no_secret, run_cli, write_config
from tests.corpus import helm_corpus_files, require_corpus
from wizard.audit.baseline import fingerprint, fingerprints
from wizard.audit.discovery import discover, looks_like_runner_config, matches
from wizard.audit.engine import FileReport
from wizard.audit.fleet import AuditRequest, run_audit
from wizard.audit.policy import load_policy
from wizard.base.model import Finding, FixSafety, Severity, Trust
from wizard.base.safe_text import Message

FLEET = """\
concurrent = 4

[[runners]]
  name = "build"
  url = "https://gitlab.example.com"
  token = "glrt-FirstBuildTokenAAAAAAAA"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
    privileged = true

[[runners]]
  name = "deploy"
  url = "https://gitlab.example.com"
  token = "glrt-FirstDeployTokenBBBBBBB"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
    privileged = false
"""

REFORMATTED_AND_ROTATED = """\
# Reordered, reindented, commented; both tokens rotated by the runner.
concurrent = 4

[[runners]]
    name = "deploy"
    url = "https://gitlab.example.com"
    token = "glrt-RotatedDeployTokenDDDDD"
    token_obtained_at = 2026-12-01T10:00:00Z
    executor = "docker"

    [runners.docker]
        privileged = false   # deploys never build images
        image = "alpine:3.20"

[[runners]]
    name = "build"
    url = "https://gitlab.example.com"
    token = "glrt-RotatedBuildTokenCCCCCC"
    token_obtained_at = 2026-12-01T10:00:00Z
    executor = "docker"

    [runners.docker]
        image = "alpine:3.20"
        privileged = true
"""


def audit_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    outcome = run_cli(capsys, "audit", "--format", "json", *argv)
    return outcome.code, json.loads(outcome.out)


# -- many files at once ----------------------------------------------------------------


def test_a_folder_is_searched_by_content_with_include_and_exclude(tmp_path: Path) -> None:
    (tmp_path / "team-a").mkdir()
    (tmp_path / "team-b" / "deep").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    write_config(tmp_path / "team-a", FLEET, name="prod.toml")
    write_config(tmp_path / "team-b" / "deep", FLEET, name="config.toml")
    write_config(tmp_path / ".git", FLEET, name="config.toml")  # hidden: never walked
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (tmp_path / "values.yaml").write_text(
        "gitlabUrl: https://gitlab.example.com\nrunners:\n  x: 1\n"
    )
    (tmp_path / "ci.yml").write_text("stages: [test]\njob:\n  script: [true]\n")
    (tmp_path / "notes.txt").write_text("[[runners]]\n")
    found = [Path(p).relative_to(tmp_path).as_posix() for p in discover([str(tmp_path)])]
    assert found == ["values.yaml", "team-a/prod.toml", "team-b/deep/config.toml"]
    only_toml = discover([str(tmp_path)], include=["*.toml"])
    assert [Path(p).name for p in only_toml] == ["prod.toml", "config.toml"]
    os.mkfifo(tmp_path / "team-a" / "pipe.toml")  # would block a plain read forever
    assert discover([str(tmp_path)], include=["pipe.toml"]) == []
    assert discover([str(tmp_path)], exclude=["team-b/**", "*.yaml"]) == [
        str(tmp_path / "team-a" / "prod.toml")
    ]
    # A file named on the command line is audited whatever the filters say.
    named = str(tmp_path / "notes.txt")
    assert discover([named], exclude=["*.txt"]) == [named]


def test_globs_span_folders_only_with_double_star() -> None:
    from pathlib import PurePosixPath as P

    assert matches(P("a/b/config.toml"), "**/config.toml")
    assert matches(P("config.toml"), "**/config.toml")
    assert matches(P("a/b/config.toml"), "config.toml")  # no slash: the name alone
    assert not matches(P("a/b/config.toml"), "a/*.toml")
    assert matches(P("a/b/config.toml"), "a/**")
    assert matches(P("x.toml"), "[wx].toml")
    # Not a character class: the bracket is a character (never a traceback).
    assert matches(P("[z-a].toml"), "[z-a].toml")
    assert matches(P("a[]b"), "a[]b")
    # Repeated ** collapse: a hostile pattern stays quick on a deep path.
    deep = P("/".join(["d"] * 200) + "/x")
    assert not matches(deep, "**/" * 40 + "y")


def test_content_sniffing_knows_configs_from_other_toml_and_yaml() -> None:
    assert looks_like_runner_config(b"concurrent = 2\n", is_yaml=False)
    assert looks_like_runner_config(b"# c\n  [[ runners ]]\n", is_yaml=False)
    assert not looks_like_runner_config(b"[tool.ruff]\nline-length = 1\n", is_yaml=False)
    assert looks_like_runner_config(b"data:\n  config.toml: |\n    x\n", is_yaml=True)
    assert looks_like_runner_config(b"kind: Runner\nspec: {}\n", is_yaml=True)
    assert not looks_like_runner_config(b"runners:\n  tags: x\n", is_yaml=True)


def test_the_corpus_audits_in_one_command_with_a_summary(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    for folder, files in (("configs", require_corpus()), ("values", helm_corpus_files())):
        (corpus / folder).mkdir(parents=True)
        for path in files:
            shutil.copy(path, corpus / folder / path.name)
    expected = sorted(p for p in corpus.rglob("*") if p.is_file())
    outcome = run_cli(capsys, "audit", "--fail-on", "never", str(corpus))
    # Two Operator manifests name a ConfigMap they do not hold: the audit says it is
    # incomplete (exit 2) and still reports everything it read.
    errors = outcome.err.splitlines()
    assert outcome.code == 2, outcome.err
    assert len(errors) == 2
    assert all("audit incomplete" in line and "ConfigMap" in line for line in errors)
    lines = outcome.out.splitlines()
    [head] = [line for line in lines if line.startswith("summary: ")]
    assert head.startswith(f"summary: {len(expected)} files, ")
    assert "  by rule:" in lines
    assert "  by file:" in lines
    assert_no_secret(outcome.out)
    only = run_cli(capsys, "audit", "--summary", "--fail-on", "never", str(corpus)).out
    assert only.splitlines()[0] == head  # --summary prints the summary alone
    assert "trust:" not in only
    _code, totals = audit_json(capsys, "--summary", "--fail-on", "never", str(corpus))
    assert set(totals) == {"schema", "tool", "summary"}
    assert totals["summary"]["files"] == len(expected)
    # JSON keeps one result per runner: as many findings as the files audited alone.
    _code, whole = audit_json(capsys, "--fail-on", "never", str(corpus))
    assert len(whole["files"]) == len(expected)
    one = whole["files"][0]
    _code, alone = audit_json(capsys, "--fail-on", "never", one["path"])
    assert alone["files"][0]["findings"] == one["findings"]


def test_a_finding_on_every_runner_is_printed_once_in_text_but_per_runner_in_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    runners = "".join(
        f'[[runners]]\n  name = "r{i}"\n  executor = "docker"\n'
        f'  [runners.docker]\n    image = "alpine"\n    privileged = true\n\n'
        for i in range(16)
    )
    path = write_config(tmp_path, "concurrent = 4\n\n" + runners)
    text = run_cli(capsys, "audit", str(path)).out
    [privileged] = [line for line in text.splitlines() if "privileged-container" in line]
    assert "16 runners: " in privileged
    _code, document = audit_json(capsys, str(path))
    findings = document["files"][0]["findings"]
    assert sum(f["rule"] == "privileged-container" for f in findings) == 16
    sarif = json.loads(run_cli(capsys, "audit", "--format", "sarif", str(path)).out)
    results = sarif["runs"][0]["results"]
    assert sum(r["ruleId"] == "privileged-container" for r in results) == 16


# -- the policy file -------------------------------------------------------------------

POLICY = """\
trust = "public"
disabled = ["debug-trace-enabled"]

[severity]
images-unrestricted = "low"

[[exception]]
files = "**/config.toml"
runner = "build"
rule = "privileged-container"
reason = "image builds until the rootless builder lands"
expires = 2027-01-31
"""


def test_an_exception_suppresses_until_its_date_and_is_reported_after(tmp_path: Path) -> None:
    config = write_config(tmp_path, FLEET)
    policy_path = tmp_path / ".runner-wizard.toml"
    policy_path.write_text(POLICY)
    policy = load_policy(policy_path)
    before = run_audit(AuditRequest([str(config)], policy=policy, today=date(2027, 1, 31)))
    assert before.trust is Trust.PUBLIC
    [report] = before.reports
    privileged = [f for f in report.findings if f.rule == "privileged-container"]
    assert [f.runner for f in privileged] == ["build"]
    assert privileged[0].accepted == (
        ".runner-wizard.toml:7 until 2027-01-31: image builds until the rootless builder lands"
    ).join(("by ", ""))
    assert not any(f.rule == "debug-trace-enabled" for f in report.findings)
    assert {f.severity for f in report.findings if f.rule == "images-unrestricted"} == {
        Severity.LOW
    }
    after = run_audit(AuditRequest([str(config)], policy=policy, today=date(2027, 2, 1)))
    report, expired = after.reports
    [privileged_again] = [f for f in report.findings if f.rule == "privileged-container"]
    assert privileged_again.accepted is None
    assert expired.path == str(policy_path)
    [finding] = expired.findings
    assert (finding.rule, finding.line) == ("policy-exception-expired", 7)
    assert "expired on 2027-01-31" in finding.message


def test_the_policy_is_found_upward_and_suppressed_findings_do_not_fail(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = POLICY.replace("2027-01-31", "2999-01-01").replace('"public"', '"multi-project"')
    (tmp_path / ".runner-wizard.toml").write_text(policy)
    (tmp_path / "team").mkdir()
    config = write_config(tmp_path / "team", FLEET.replace("privileged = false", ""))
    monkeypatch.chdir(tmp_path / "team")
    # Only the build runner's privileged finding is critical; the exception covers it.
    assert run_cli(capsys, "audit", "--fail-on", "critical", str(config)).code == 0
    assert run_cli(capsys, "audit", "--no-policy", "--fail-on", "critical", str(config)).code == 1
    text = run_cli(capsys, "audit", "--fail-on", "never", str(config)).out
    assert "suppressed: by .runner-wizard.toml:7 until 2999-01-01" in text
    assert "rules turned off by the policy: debug-trace-enabled" in text
    # Past its date the exception suppresses nothing: the audit fails again, and says why.
    (tmp_path / ".runner-wizard.toml").write_text(policy.replace("2999-01-01", "2001-01-01"))
    expired = run_cli(capsys, "audit", "--fail-on", "critical", str(config))
    assert expired.code == 1
    assert "policy-exception-expired" in expired.out
    assert "expired on 2001-01-01" in expired.out
    # From the policy's own folder (a repository root in CI) it is named as CI tools expect.
    monkeypatch.chdir(tmp_path)
    quality = run_cli(capsys, "audit", "--format", "codequality", "team")
    paths = {entry["location"]["path"] for entry in json.loads(quality.out)}
    assert paths == {".runner-wizard.toml", "team/config.toml"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('trust = "everyone"\n', ".runner-wizard.toml:1: trust must be one of"),
        ("disabled = ['no-such-rule']\n", ":1: disabled: no rule is called 'no-such-rule'"),
        ('colour = "red"\n', ":1: unknown key 'colour'"),
        ("[severity]\nimages-unrestricted = 'dire'\n", ":2: severity of images-unrestricted"),
        (
            "\n[[exception]]\nfiles = '*'\nrule = 'privileged-container'\nexpires = 2030-01-01\n",
            ":2: exception: reason is required",
        ),
        (
            "[[exception]]\nfiles='*'\nrule='privileged-container'\nreason='x'\nexpires='soon'\n",
            ":1: exception: expires must be a date",
        ),
        ("trust = \n", ".runner-wizard.toml:1: invalid TOML"),
    ],
)
def test_an_invalid_policy_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, message: str
) -> None:
    config = write_config(tmp_path, FLEET)
    policy = tmp_path / ".runner-wizard.toml"
    policy.write_text(text)
    outcome = run_cli(capsys, "audit", "--policy", str(policy), str(config))
    assert outcome.code == 2
    assert outcome.out == ""
    [line] = outcome.err.splitlines()
    assert message in line
    assert "Traceback" not in outcome.err


def test_suppressed_findings_are_marked_in_every_format(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = write_config(tmp_path, FLEET)
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY.replace("2027-01-31", "2999-01-01"))
    argv = ("--policy", str(policy), "--fail-on", "never", str(config))
    _code, document = audit_json(capsys, *argv)
    [suppressed] = [f for f in document["files"][0]["findings"] if f.get("suppressed")]
    assert suppressed["rule"] == "privileged-container"
    sarif = json.loads(run_cli(capsys, "audit", "--format", "sarif", *argv).out)
    marked = [r for r in sarif["runs"][0]["results"] if r.get("suppressions")]
    assert [r["ruleId"] for r in marked] == ["privileged-container"]
    assert marked[0]["suppressions"][0]["kind"] == "external"
    assert "rootless builder" in marked[0]["suppressions"][0]["justification"]
    quality = json.loads(run_cli(capsys, "audit", "--format", "codequality", *argv).out)
    [entry] = [e for e in quality if e["description"].startswith("[suppressed")]
    assert entry["severity"] == "info"
    junit = run_cli(capsys, "audit", "--format", "junit", *argv).out
    assert '<skipped message="suppressed by policy.toml:7' in junit


# -- baselines -------------------------------------------------------------------------


def test_a_baseline_holds_after_reformat_and_rotation_and_fails_on_a_new_privileged_runner(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = write_config(tmp_path, FLEET)
    baseline = tmp_path / "baseline.json"
    written = run_cli(capsys, "audit", "--write-baseline", str(baseline), str(config))
    assert written.code == 0
    assert "wrote" in written.err
    assert_no_secret(baseline.read_text())
    assert run_cli(capsys, "audit", "--fail-on", "info", str(config)).code == 1
    config.write_text(REFORMATTED_AND_ROTATED)
    tomorrow = run_cli(
        capsys, "audit", "--baseline", str(baseline), "--fail-on", "info", str(config)
    )
    assert tomorrow.code == 0, tomorrow.out
    assert "already in the baseline, not shown" in tomorrow.out
    config.write_text(REFORMATTED_AND_ROTATED.replace("privileged = false", "privileged = true"))
    turned = run_cli(capsys, "audit", "--baseline", str(baseline), str(config))
    assert turned.code == 1
    assert 'privileged-container  runner "deploy"' in turned.out
    assert 'runner "build"' not in turned.out


def test_an_unreadable_baseline_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = write_config(tmp_path, FLEET)
    for text in ("{", '{"schema": 7}', '{"schema": 1, "findings": [1]}'):
        bad = tmp_path / "bad.json"
        bad.write_text(text)
        outcome = run_cli(capsys, "audit", "--baseline", str(bad), str(config))
        assert outcome.code == 2
        assert len(outcome.err.splitlines()) == 1
        assert str(bad) in outcome.err


def _fleet(runners: list[tuple[str, bool, str]], indent: str, tokens: str) -> str:
    """A config of docker runners (name, privileged, pull policy) in one style."""
    out = ["concurrent = 4\n"]
    for index, (name, privileged, pull) in enumerate(runners):
        out.append(
            f'\n[[runners]]\n{indent}name = "{name}"\n{indent}executor = "docker"\n'
            f'{indent}token = "glrt-{tokens}{index:04d}abcdefghijklmn"\n'
            f"{indent}[runners.docker]\n{indent * 2}image = 'alpine:3.20'\n"
            f"{indent * 2}privileged = {str(privileged).lower()}\n"
            f'{indent * 2}pull_policy = "{pull}"\n'
        )
    return "".join(out)


def _prints(tmp_path: Path, text: str) -> Counter[str]:
    path = write_config(tmp_path, text)
    outcome = run_audit(AuditRequest([str(path)]))
    return Counter(print_ for _r, _f, print_ in fingerprints(outcome.reports))


runner_specs = st.lists(
    st.tuples(st.booleans(), st.sampled_from(["always", "if-not-present", "never"])),
    min_size=1,
    max_size=5,
)


@settings(max_examples=25, deadline=None)
@given(
    specs=runner_specs,
    order=st.randoms(use_true_random=False),
    indent=st.sampled_from(["  ", "    ", "\t", ""]),
    tokens=st.text("ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=8, max_size=8),
)
def test_fingerprints_survive_reordering_reformatting_and_rotation_and_track_substance(
    tmp_path_factory: pytest.TempPathFactory,
    specs: list[tuple[bool, str]],
    order: object,
    indent: str,
    tokens: str,
) -> None:
    import random

    assert isinstance(order, random.Random)
    folder = tmp_path_factory.mktemp("prints")
    runners = [(f"runner-{i}", privileged, pull) for i, (privileged, pull) in enumerate(specs)]
    original = _prints(folder, _fleet(runners, "  ", "ORIGINALTOKEN"))
    shuffled = list(runners)
    order.shuffle(shuffled)
    again = _prints(folder, _fleet(shuffled, indent, tokens))
    assert again == original
    # One runner's substance changes: a privileged flag or a pull policy flips.
    name, privileged, pull = runners[0]
    changed = [(name, not privileged, pull), *runners[1:]]
    after = _prints(folder, _fleet(changed, indent, tokens))
    assert after != original
    appeared = after - original
    gone = original - after
    assert appeared or gone
    # Only the changed runner's findings differ; the others keep their fingerprints.
    others = _prints(folder, _fleet(runners[1:], indent, tokens)) if len(runners) > 1 else None
    if others is not None:
        assert not (others - after)


finding_strategy = st.builds(
    Finding,
    rule=st.sampled_from(["privileged-container", "images-unrestricted", "unknown-key"]),
    severity=st.sampled_from(list(Severity)),
    message=st.builds(
        lambda text: Message.of("{text}", text=text), st.text(min_size=1, max_size=40)
    ),
    table=st.sampled_from([("runners", 0, "docker"), ("runners", 3), ()]),
    key=st.one_of(st.none(), st.sampled_from(["privileged", "image"])),
    runner_index=st.one_of(st.none(), st.integers(0, 9)),
    runner=st.one_of(st.none(), st.sampled_from(["a", "b"])),
    line=st.one_of(st.none(), st.integers(1, 900)),
    fix=st.one_of(st.none(), st.sampled_from(list(FixSafety))),
)


@settings(max_examples=200, deadline=None)
@given(finding=finding_strategy, line=st.integers(1, 900), position=st.integers(0, 9))
def test_a_fingerprint_ignores_place_and_token_tail_but_not_what_the_finding_says(
    finding: Finding, line: int, position: int
) -> None:
    from dataclasses import replace

    base = fingerprint("teams/a/config.toml", finding)
    index = None if finding.runner_index is None else position
    moved = replace(finding, line=line, runner_index=index)
    assert fingerprint("./teams/a//config.toml", moved) == base
    rotated = replace(finding, message=Message.of("{m} glrt-…WXYZ", m=finding.message))
    assert fingerprint("teams/a/config.toml", rotated) == fingerprint(
        "teams/a/config.toml",
        replace(finding, message=Message.of("{m} glrt-…ABCD", m=finding.message)),
    )
    assert (
        fingerprint(
            "teams/a/config.toml",
            replace(finding, message=Message.of("other {m}", m=finding.message)),
        )
        != base
    )
    assert fingerprint("teams/a/config.toml", replace(finding, rule="shell-executor")) != base
    assert fingerprint("teams/b/config.toml", finding) != base
    other_runner = "c" if finding.runner != "c" else "d"
    assert fingerprint("teams/a/config.toml", replace(finding, runner=other_runner)) != base


def test_the_write_baseline_report_is_the_full_audit(tmp_path: Path) -> None:
    """--write-baseline records the findings a --baseline run left out too."""
    config = write_config(tmp_path, FLEET)
    outcome = run_audit(AuditRequest([str(config)]))
    assert outcome.before_baseline == outcome.reports
    assert isinstance(outcome.reports[0], FileReport)


def test_a_folder_with_no_config_fails_rather_than_passing_in_silence(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A mistyped path or an --exclude that drops everything must not make CI pass."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.toml").write_text('title = "not a runner config"\n')
    outcome = run_cli(capsys, "audit", str(tmp_path / "docs"))
    assert outcome.code == 2
    [line] = outcome.err.splitlines()
    assert f"{tmp_path / 'docs'}: is a directory with no runner config" in line
    write_config(tmp_path / "docs", FLEET)
    assert run_cli(capsys, "audit", str(tmp_path / "docs"), "--exclude", "*.toml").code == 2
    assert run_cli(capsys, "audit", "--fail-on", "never", str(tmp_path / "docs")).code == 0
