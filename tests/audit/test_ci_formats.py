"""CI-native outputs checked against their formats, and the CI component and hook run for real.

- Code Quality: a minimal JSON schema of the subset GitLab reads, checked by a
  small validator here (the tests run offline, with no schema library);
- SARIF: the fields SARIF 2.1.0 requires, and what GitLab's SARIF ingestion
  drops a result without (``ruleId`` and a physical location);
- JUnit: parsed with ``xml.etree`` and its structure checked;
- ``templates/*.yml``: parsed, inputs substituted, its script run in a shell;
- ``.pre-commit-hooks.yaml``: run through ``pre-commit try-repo``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli_support import REPO_ROOT, RISKY_CONFIG, assert_no_secret, run_cli, write_config
from wizard.report.codequality import CODE_QUALITY_SEVERITIES

CODE_QUALITY_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
            "severity": {"enum": sorted(CODE_QUALITY_SEVERITIES)},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}
"""GitLab's Code Quality subset: what its docs ("Implement a custom tool") require."""

_TYPES: dict[str, type | tuple[type, ...]] = {
    "array": list,
    "object": dict,
    "string": str,
    "integer": int,
}


def schema_errors(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    """The draft-07 keywords the schema above uses: type, required, properties, items,
    enum, pattern, minLength, minimum."""
    errors: list[str] = []
    expected = schema.get("type")
    if expected is not None and (
        not isinstance(value, _TYPES[expected]) or isinstance(value, bool)
    ):
        return [f"{where}: not {expected}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{where}: too short")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{where}: does not match {schema['pattern']}")
    if isinstance(value, int) and "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{where}: below {schema['minimum']}")
    if isinstance(value, dict):
        errors += [
            f"{where}: {key} missing" for key in schema.get("required", ()) if key not in value
        ]
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                errors += schema_errors(value[key], sub, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            errors += schema_errors(item, schema["items"], f"{where}[{index}]")
    return errors


def test_the_schema_check_catches_what_gitlab_would_reject() -> None:
    good = {
        "description": "d",
        "check_name": "c",
        "fingerprint": "0" * 32,
        "severity": "major",
        "location": {"path": "a.toml", "lines": {"begin": 1}},
    }
    assert schema_errors([good], CODE_QUALITY_SCHEMA) == []
    assert schema_errors([{**good, "severity": "high"}], CODE_QUALITY_SCHEMA)
    assert schema_errors([{**good, "location": {"path": "a"}}], CODE_QUALITY_SCHEMA)
    assert schema_errors([{**good, "fingerprint": ""}], CODE_QUALITY_SCHEMA)
    assert schema_errors({"not": "a list"}, CODE_QUALITY_SCHEMA)


def _fleet(tmp_path: Path) -> list[str]:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write_config(tmp_path / "a", RISKY_CONFIG)
    twice = RISKY_CONFIG.replace('name = "ssh-box"', 'name = "docker-main"')  # a name twice
    write_config(tmp_path / "b", twice)
    return [str(tmp_path / "a"), str(tmp_path / "b")]


def test_code_quality_report_validates_and_fingerprints_are_unique(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    paths = _fleet(tmp_path)
    outcome = run_cli(capsys, "audit", "--format", "codequality", *paths)
    assert outcome.code == 1
    assert not outcome.out.startswith("\ufeff")
    report = json.loads(outcome.out)
    assert schema_errors(report, CODE_QUALITY_SCHEMA) == []
    assert len(report) > 10
    prints = [entry["fingerprint"] for entry in report]
    assert len(prints) == len(set(prints))
    assert {entry["severity"] for entry in report} >= {"blocker", "critical", "major"}
    assert_no_secret(outcome.out)
    # The same findings as the JSON report, one entry per runner.
    document = json.loads(run_cli(capsys, "audit", "--format", "json", *paths).out)
    assert len(report) == sum(len(f["findings"]) for f in document["files"])


def test_sarif_results_carry_what_gitlab_ingestion_requires(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    paths = _fleet(tmp_path)
    policy = tmp_path / "policy.toml"
    policy.write_text(
        "[[exception]]\nfiles = '**'\nrule = 'privileged-container'\nreason = 'dind'\n"
        "expires = 2000-01-01\n"  # expired: the policy file's own finding is a result too
    )
    outcome = run_cli(capsys, "audit", "--format", "sarif", "--policy", str(policy), *paths)
    document = json.loads(outcome.out)
    assert document["version"] == "2.1.0"
    assert document["$schema"].endswith("sarif-2.1.0.json")
    [run] = document["runs"]
    assert run["tool"]["driver"]["name"]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert "policy-exception-expired" in rule_ids
    for result in run["results"]:
        assert result["ruleId"] in rule_ids
        assert result["message"]["text"]
        assert result["level"] in {"none", "note", "warning", "error"}
        [location] = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"]
        assert physical["region"]["startLine"] >= 1
        for suppression in result.get("suppressions", ()):
            assert suppression["kind"] in {"inSource", "external"}
        assert result["partialFingerprints"]["runnerWizardFinding/v1"]
    expired = [r for r in run["results"] if r["ruleId"] == "policy-exception-expired"]
    assert expired[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "policy.toml"
    )


def test_junit_has_a_case_per_rule_and_runner_and_fails_at_the_threshold(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    paths = _fleet(tmp_path)
    missing = str(tmp_path / "missing.toml")
    outcome = run_cli(
        capsys, "audit", "--format", "junit", "--fail-on", "critical", *paths, missing
    )
    assert outcome.code == 2
    root = ET.fromstring(outcome.out)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 3
    json_report = json.loads(run_cli(capsys, "audit", "--format", "json", *paths).out)
    total_cases = 0
    for suite, entry in zip(suites, json_report["files"], strict=False):
        cases = suite.findall("testcase")
        expected = {(f["rule"], f["runner_index"]) for f in entry["findings"]}
        assert len(cases) == len(expected)
        failures = [c for c in cases if c.find("failure") is not None]
        assert int(suite.get("failures", "-1")) == len(failures)
        assert int(suite.get("tests", "-1")) == len(cases)
        criticals = {
            (f["rule"], f["runner_index"]) for f in entry["findings"] if f["severity"] == "critical"
        }
        assert len(failures) == len(criticals)
        for case in cases:
            assert case.get("classname") == entry["path"]
            assert re.fullmatch(r"[a-z0-9-]+ \[.+\]", case.get("name", ""))
        total_cases += len(cases)
    [unreadable] = [s for s in suites if s.find("testcase/error") is not None]
    assert unreadable.get("name") == missing
    assert int(root.get("tests", "0")) == total_cases + 1
    assert int(root.get("errors", "0")) == 1
    assert_no_secret(outcome.out)


def test_junit_names_a_clean_file_with_one_passing_case(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    clean = write_config(tmp_path, "concurrent = 1\n")
    root = ET.fromstring(run_cli(capsys, "audit", "--format", "junit", str(clean)).out)
    cases = root.findall("testsuite/testcase")
    assert len(cases) == 1
    assert cases[0].find("failure") is None


def test_summary_is_refused_with_formats_that_have_their_own(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, RISKY_CONFIG)
    outcome = run_cli(capsys, "audit", "--summary", "--format", "junit", str(path))
    assert outcome.code == 2
    assert "--summary prints totals as text or json" in outcome.err


# -- the CI/CD component -----------------------------------------------------------------

COMPONENTS = sorted((REPO_ROOT / "templates").glob("*.yml"))


def load_component(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    spec, job = yaml.safe_load_all(path.read_text(encoding="utf-8"))
    return spec, job


def substitute(text: str, inputs: dict[str, str]) -> str:
    """What GitLab does with ``$[[ inputs.NAME ]]`` when it includes the component."""

    def value(match: re.Match[str]) -> str:
        return inputs[match.group(1)]

    substituted = re.sub(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]", value, text)
    assert "$[[" not in substituted
    return substituted


@pytest.mark.parametrize("path", COMPONENTS, ids=lambda p: p.name)
def test_component_declares_the_inputs_and_uploads_the_reports(path: Path) -> None:
    spec, jobs = load_component(path)
    inputs = spec["spec"]["inputs"]
    assert {"paths", "trust", "fail-on", "baseline", "policy"} <= set(inputs)
    for name, declared in inputs.items():
        assert "default" in declared, name
        assert declared.get("description"), name
        if "options" in declared:
            assert declared["default"] in declared["options"]
    used = set(re.findall(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]", path.read_text(encoding="utf-8")))
    assert used == set(inputs), "every input is used, and only declared ones"
    [job] = jobs.values()
    reports = job["artifacts"]["reports"]
    assert reports["codequality"] == "gl-code-quality-report.json"
    if path.name == "audit.yml":
        assert reports["sarif"] == "runner-wizard.sarif"
    assert job["artifacts"]["when"] == "always"


def _run_component(path: Path, workdir: Path, **overrides: str) -> subprocess.CompletedProcess[str]:
    spec, _jobs = load_component(path)
    inputs = {name: str(d["default"]) for name, d in spec["spec"]["inputs"].items()}
    inputs.update(overrides)
    _spec, jobs = yaml.safe_load_all(substitute(path.read_text(encoding="utf-8"), inputs))
    [job] = jobs.values()
    # before_script installs the package; here it is the checkout's, already installed.
    assert any("pip install" in line for line in job["before_script"])
    script = "set -eo pipefail\n" + "\n".join(job["script"])
    bin_folder = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_folder + os.pathsep + os.environ.get("PATH", "")}
    return subprocess.run(
        ["bash", "-c", script],
        check=False,
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("path", COMPONENTS, ids=lambda p: p.name)
def test_component_script_runs_the_audit_and_writes_both_reports(
    path: Path, tmp_path: Path
) -> None:
    if not (Path(sys.executable).parent / "runner-wizard").exists():
        pytest.skip("runner-wizard is not installed in this interpreter's environment")
    (tmp_path / "runners").mkdir()
    write_config(tmp_path / "runners", RISKY_CONFIG)
    failing = _run_component(path, tmp_path)
    assert failing.returncode == 1, failing.stderr
    quality = json.loads((tmp_path / "gl-code-quality-report.json").read_text())
    assert quality
    assert schema_errors(quality, CODE_QUALITY_SCHEMA) == []
    sarif = json.loads((tmp_path / "runner-wizard.sarif").read_text())
    assert sarif["runs"][0]["results"]
    # A baseline of today's findings and a policy: the same job passes.
    baseline = tmp_path / "baseline.json"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "runner-wizard"),
            "audit",
            "--trust",
            "public",  # the trust the job audits at: some findings exist only there
            "--write-baseline",
            str(baseline),
            "runners",
        ],
        cwd=tmp_path,
        capture_output=True,
        check=True,
        timeout=120,
    )
    policy = tmp_path / "policy.toml"
    policy.write_text('trust = "public"\n')
    passing = _run_component(
        path, tmp_path, baseline=str(baseline), policy=str(policy), trust="public"
    )
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert json.loads((tmp_path / "gl-code-quality-report.json").read_text()) == []
    reporting = _run_component(path, tmp_path, **{"fail-on": "never"})
    assert reporting.returncode == 0


# -- the pre-commit hook -----------------------------------------------------------------


def test_pre_commit_hooks_file_declares_the_audit_hook() -> None:
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    [hook] = [h for h in hooks if h["id"] == "runner-wizard-audit"]
    assert {"id", "name", "entry", "language"} <= set(hook)
    assert hook["entry"].startswith("runner-wizard audit")
    pattern = re.compile(hook["files"])
    for name in ("config.toml", "runners/config.toml", "config.template.toml", "values-ci.yaml"):
        assert pattern.search(name), name
    for name in ("pyproject.toml", "docs/config.md", ".gitlab-ci.yml"):
        assert not pattern.search(name), name


def _git(cwd: Path, *argv: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *argv],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_try_repo_runs_the_hook(tmp_path: Path) -> None:
    """The hook as published, run by pre-commit itself.

    The published hook says ``language: python``: pre-commit would build a
    virtualenv and install runner-wizard from the index, which needs the network.
    The test keeps every other field of the hook and runs it as ``language:
    system`` with this checkout's ``runner-wizard`` on PATH, so what is exercised
    is pre-commit's reading of the hook file, the ``files`` filter, the entry and
    its arguments, and the exit code.
    """
    pre_commit = Path(sys.executable).parent / "pre-commit"
    if not pre_commit.exists():
        pytest.skip("pre-commit is not installed (it is in the test extra)")
    hook_repo = tmp_path / "hook-repo"
    hook_repo.mkdir()
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    for hook in hooks:
        assert hook["language"] == "python"
        hook["language"] = "system"
    (hook_repo / ".pre-commit-hooks.yaml").write_text(yaml.safe_dump(hooks))
    _git(hook_repo, "init", "-q")
    _git(hook_repo, "add", ".")
    _git(hook_repo, "commit", "-qm", "hooks")
    project = tmp_path / "project"
    (project / "runners").mkdir(parents=True)
    write_config(project / "runners", RISKY_CONFIG)
    write_config(project, "concurrent = 1\n", name="pyproject.toml")  # not matched by files
    _git(project, "init", "-q")
    _git(project, "add", ".")
    env = {
        **os.environ,
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
    }

    def try_repo() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(pre_commit), "try-repo", str(hook_repo), "runner-wizard-audit", "--all-files"],
            check=False,
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    failed = try_repo()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "runners/config.toml" in failed.stdout
    assert "pyproject.toml  (trust" not in failed.stdout
    assert_no_secret(failed.stdout)
    (project / "runners" / "config.toml").write_text("concurrent = 1\n")
    (project / "runners" / "config.toml").chmod(0o600)
    _git(project, "add", ".")
    passed = try_repo()
    assert passed.returncode == 0, passed.stdout + passed.stderr
