"""Runner configs inside YAML: found from the content, edited in place, written back exactly.

Each test writes a small YAML file of one shape (Helm values, umbrella chart,
ConfigMap, Operator manifest, Argo CD Application; ``|``, ``|-``, ``|+``,
indentation indicators, CRLF, Helm templates) and checks the exact text an
edit produces: the TOML lines re-indented to the block, every other byte kept.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli_support import run_cli
from wizard.audit.engine import audit_document, harden_document
from wizard.base.errors import ConfigError, EditError
from wizard.base.model import SetValue
from wizard.embedded import load_document
from wizard.embedded.document import CHART, EmbeddedConfig


def _load(tmp_path: Path, text: str, name: str = "values.yaml") -> EmbeddedConfig:
    path = tmp_path / name
    path.write_bytes(text.encode())
    document = load_document(path)
    assert isinstance(document, EmbeddedConfig)
    return document


def _set(document: EmbeddedConfig, table: tuple[str | int, ...], key: str, value: object) -> str:
    after = document.with_edits([SetValue(table, key, value)])  # type: ignore[arg-type]
    return after.dumps()


K8S = ("runners", 0, "kubernetes")

VALUES = """\
# top comment
gitlabUrl: https://gitlab.example.com   # trailing comment
rbac:
  create: true
runners:
  # the runner's template
  config: |
    [[runners]]
      # job pods
      [runners.kubernetes]
        namespace = "{{.Release.Namespace}}"
        image = "alpine:3.20"
        privileged = true  # for dind

  executor: kubernetes
"""


def test_values_file_edit_touches_only_block_lines(tmp_path: Path) -> None:
    document = _load(tmp_path, VALUES)
    assert document.kind == "Helm values"
    assert document.to_bytes() == VALUES.encode()
    assert _set(document, K8S, "privileged", False) == VALUES.replace(
        "privileged = true  # for dind", "privileged = false  # for dind"
    )
    added = _set(document, K8S, "allow_privilege_escalation", False)
    assert added == VALUES.replace(
        '        image = "alpine:3.20"\n        privileged = true  # for dind\n',
        '        image = "alpine:3.20"\n        privileged = true  # for dind\n'
        "        allow_privilege_escalation = false\n",
    )


def test_findings_name_yaml_lines_and_chart_executor(tmp_path: Path) -> None:
    document = _load(tmp_path, VALUES)
    findings = {f.rule: f for f in audit_document(document)}
    # No executor in the TOML: the chart registers it as kubernetes.
    assert findings["k8s-privilege-escalation"].line == 10  # [runners.kubernetes]
    assert VALUES.splitlines()[9].strip() == "[runners.kubernetes]"


UMBRELLA_CRLF = (
    "gitlab:\n  enabled: true\ngitlab-runner:\n  install: true\n  runners:\n"
    "    config: |-\n      [[runners]]\n        [runners.kubernetes]\n          privileged = true\n"
    "other: 1\n"
).replace("\n", "\r\n")


def test_umbrella_nesting_with_crlf_and_strip_chomping(tmp_path: Path) -> None:
    document = _load(tmp_path, UMBRELLA_CRLF)
    assert document.kind == "Helm values under gitlab-runner:"
    after = _set(document, K8S, "allow_privilege_escalation", False)
    assert after == UMBRELLA_CRLF.replace(
        "privileged = true\r\n",
        "privileged = true\r\n          allow_privilege_escalation = false\r\n",
    )
    assert yaml.safe_load(after)["gitlab-runner"]["runners"]["config"].endswith("= false")


KEEP_AND_INDICATOR = """\
runners:
  config: |+2
      [[runners]]
    [runners.kubernetes]
    privileged = true


next: value
"""


def test_keep_chomping_and_indentation_indicator(tmp_path: Path) -> None:
    document = _load(tmp_path, KEEP_AND_INDICATOR)
    # With |2 the block is indented 4 (2 + 2): "[[runners]]" keeps 2 spaces of its own.
    assert document.text.startswith("  [[runners]]\n[runners.kubernetes]\n")
    after = _set(document, K8S, "privileged", False)
    assert after == KEEP_AND_INDICATOR.replace("privileged = true", "privileged = false")
    value = yaml.safe_load(after)["runners"]["config"]
    assert value.endswith("privileged = false\n\n\n")


TEMPLATES = """\
gitlab-runner:
  runners:
    config: |
      [[runners]]
        [runners.kubernetes]
        image = "ubuntu:22.04"
        cpu_limit = {{ .Values.cpu | quote }}
        {{- if .Values.minio.enabled }}
        [runners.cache]
          Type = "s3"
          Shared = true
          [runners.cache.s3]
            ServerAddress = {{ include "s3.address" . }}
        {{ end }}
"""


def test_template_expressions_and_control_lines_kept_verbatim(tmp_path: Path) -> None:
    document = _load(tmp_path, TEMPLATES)
    shared = {f.rule: f for f in audit_document(document)}["cache-shared"]
    assert "only when `{{- if .Values.minio.enabled }}` (line 8) holds" in shared.message
    after = _set(document, ("runners", 0, "cache"), "Shared", False)
    assert after == TEMPLATES.replace("Shared = true", "Shared = false")
    inserted = _set(document, K8S, "privileged", False)
    assert inserted == TEMPLATES.replace(
        "        cpu_limit = {{ .Values.cpu | quote }}\n",
        "        cpu_limit = {{ .Values.cpu | quote }}\n        privileged = false\n",
    )


def test_edit_across_a_control_line_is_refused(tmp_path: Path) -> None:
    document = _load(tmp_path, TEMPLATES)
    # A new table of the runner would land inside the minio conditional, before {{ end }}.
    pattern = r"cross the template line `\{\{- if .Values.minio.enabled \}\}`"
    with pytest.raises(EditError, match=pattern) as caught:
        document.with_edits([SetValue(("runners", 0, "custom_build_dir"), "enabled", False)])
    assert caught.value.line == 8
    result = harden_document(document, fix="all")
    # A fix that opens a new runner table ([runners.feature_flags] here) is refused likewise.
    # (custom-build-dir-enabled no longer fires on Kubernetes: a pod's builds dir is its own.)
    assert any(f.rule == "git-urls-carry-token" for f, _reason in result.skipped)
    assert "{{ end }}\n" in result.after.dumps()
    assert result.after.dumps().count("{{") == TEMPLATES.count("{{")


CONFIGMAP_AND_RUNNER = """\
apiVersion: apps.gitlab.com/v1beta2
kind: Runner
metadata:
  name: runner
spec:
  gitlabUrl: http://gitlab.example.com
  token: runner-secret
  config: custom-config
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: custom-config
data:
  config.toml: |
    [[runners]]
      executor = "kubernetes"
      [runners.kubernetes]
        privileged = true
"""


def test_operator_runner_with_its_configmap(tmp_path: Path) -> None:
    document = _load(tmp_path, CONFIGMAP_AND_RUNNER, "runner.yml")
    assert document.kind == "Runner manifest with ConfigMap custom-config"
    rules = {f.rule: f for f in audit_document(document)}
    assert rules["chart-insecure-gitlab-url"].line == 6
    assert rules["privileged-container"].line == 19
    after = _set(document, K8S, "privileged", False)
    assert after == CONFIGMAP_AND_RUNNER.replace("privileged = true", "privileged = false")


ARGO = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
spec:
  source:
    helm:
      values: |
        rbac:
          create: true
          clusterWideAccess: true
        runners:
          config: |
            [[runners]]
              [runners.kubernetes]
                privileged = true
  destination: {}
"""


def test_argo_application_values_string_nests_two_blocks(tmp_path: Path) -> None:
    document = _load(tmp_path, ARGO, "app.yaml")
    rules = {f.rule: f for f in audit_document(document)}
    assert rules["chart-cluster-wide-access"].line == 9
    assert rules["privileged-container"].line == 14
    after = document.with_edits(
        [
            SetValue(K8S, "privileged", False),
            SetValue((CHART, "rbac"), "clusterWideAccess", False),
        ]
    )
    assert after.dumps() == ARGO.replace("privileged = true", "privileged = false").replace(
        "clusterWideAccess: true", "clusterWideAccess: false"
    )


LEGACY = """\
gitlabUrl: https://gitlab.example.com/
runnerRegistrationToken: "glrt-AbCdEfGhIjKlMnOpQrStUv"
rbac:
  create: true
  clusterWideAccess: true   # needed?
  rules:
    - resources: ["pods"]
runners:
  privileged: true
securityContext:
  runAsNonRoot: false
"""


def test_chart_rules_and_in_place_value_fixes(tmp_path: Path) -> None:
    document = _load(tmp_path, LEGACY)
    assert not document.has_toml
    found = {(f.rule, f.key): f.line for f in audit_document(document)}
    assert found[("chart-token-in-values", "runnerRegistrationToken")] == 2
    assert found[("chart-auth-token-as-registration-token", "runnerRegistrationToken")] == 2
    assert found[("chart-cluster-wide-access", "clusterWideAccess")] == 5
    assert found[("chart-rbac-wildcard", "verbs")] == 7  # missing verbs: the chart's "*"
    assert found[("chart-legacy-privileged", "privileged")] == 9
    assert found[("chart-manager-security-context", "runAsNonRoot")] == 11
    result = harden_document(document, fix="all")
    assert result.after.dumps() == (
        LEGACY.replace("clusterWideAccess: true", "clusterWideAccess: false")
        .replace("privileged: true", "privileged: false")
        .replace("runAsNonRoot: false", "runAsNonRoot: true")
    )
    again = harden_document(result.after, fix="all")
    assert not again.changed


def test_legacy_privileged_beside_the_config_privileged_is_reported_once(
    tmp_path: Path,
) -> None:
    """Four corpus values files set runners.privileged: true and privileged = true in
    runners.config: one risk, which privileged-container reports on the config's line;
    the legacy value is named as a duplicate, not as a second critical finding."""
    text = VALUES.replace(
        "  executor: kubernetes\n", "  executor: kubernetes\n  privileged: true\n"
    )
    findings = audit_document(_load(tmp_path, text))
    severities = {f.rule: f.severity.value for f in findings}
    assert severities["privileged-container"] == "critical"
    assert severities["chart-legacy-privileged"] == "low"
    (legacy,) = [f for f in findings if f.rule == "chart-legacy-privileged"]
    assert "repeats privileged = true" in legacy.message
    # Without the config line, the legacy value is the only place privilege comes from.
    alone = text.replace("        privileged = true  # for dind\n", "")
    findings = audit_document(_load(tmp_path, alone))
    assert {f.rule: f.severity.value for f in findings}["chart-legacy-privileged"] == "critical"
    assert "privileged-container" not in {f.rule for f in findings}


def test_safe_fix_leaves_unsafe_chart_values(tmp_path: Path) -> None:
    document = _load(tmp_path, LEGACY)
    assert not harden_document(document, fix="safe").changed


def test_toml_edit_without_a_block_is_refused_clearly(tmp_path: Path) -> None:
    document = _load(tmp_path, LEGACY)
    with pytest.raises(EditError, match=r"no runners\.config block"):
        document.with_edits([SetValue(K8S, "privileged", False)])


def test_secrets_masked_in_yaml_diff_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "values.yaml"
    path.write_text(LEGACY + "runnerToken: hunter2-very-secret-pw\n")
    for argv in (("harden", "--fix", "all", "--dry-run"), ("audit", "--format", "json")):
        outcome = run_cli(capsys, *argv, str(path))
        output = outcome.out + outcome.err
        assert "AbCdEfGhIjKlMnOp" not in output
        assert "hunter2-very-secret-pw" not in output
    assert "glrt-…" in load_document(path).masked_text()


def test_not_ours_yaml_and_broken_yaml_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="neither Helm values"):
        _load(tmp_path, "name: something\nitems: [1, 2]\n")
    with pytest.raises(ConfigError, match="invalid YAML") as caught:
        _load(tmp_path, "runners:\n  config: |\n    x\n  - bad\n")
    assert caught.value.line is not None


def test_toml_error_in_block_names_the_yaml_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="invalid TOML in the config block") as caught:
        _load(tmp_path, "gitlabUrl: x\nrunners:\n  config: |\n    [[runners]]\n    a = = 1\n")
    assert caught.value.line == 5


def test_toml_file_is_still_a_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text('concurrent = 1\n[[runners]]\n  executor = "shell"\n')
    assert not isinstance(load_document(path), EmbeddedConfig)


def test_harden_writes_yaml_and_second_run_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "values.yaml"
    path.write_text(VALUES)
    assert run_cli(capsys, "harden", "--fix", "all", "--no-backup", str(path)).code == 0
    written = path.read_text()
    assert "# the runner's template" in written
    assert "# for dind" in written
    assert "privileged = false" in written
    yaml.safe_load(written)
    assert run_cli(capsys, "harden", "--fix", "all", "--dry-run", str(path)).code == 0


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    indent=st.integers(min_value=1, max_value=6),
    chomp=st.sampled_from(["", "-", "+"]),
    explicit=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
    trailing=st.integers(min_value=0, max_value=2),
    after_key=st.booleans(),
)
def test_any_block_style_round_trips_and_takes_an_edit(
    tmp_path: Path,
    *,
    indent: int,
    chomp: str,
    explicit: bool,
    newline: str,
    trailing: int,
    after_key: bool,
) -> None:
    pad = " " * (2 + indent)
    indicator = "|" + (str(indent) if explicit else "") + chomp
    toml = [
        "[[runners]]",
        "  [runners.kubernetes]",
        '    image = "alpine"  # pinned',
        "    privileged = true",
    ]
    lines = ["# values", "runners:", f"  config: {indicator}", *(pad + t for t in toml)]
    lines += [""] * trailing
    if after_key:
        lines.append("  executor: kubernetes")
    text = newline.join(lines) + newline
    document = _load(tmp_path, text)
    assert document.to_bytes() == text.encode()
    after = _set(document, K8S, "privileged", False)
    assert after == text.replace("privileged = true", "privileged = false")
    value = yaml.safe_load(after)["runners"]["config"]
    assert tomllib.loads(value)["runners"][0]["kubernetes"] == {
        "image": "alpine",
        "privileged": False,
    }
    added = _set(document, K8S, "allow_privilege_escalation", False)
    parsed = tomllib.loads(yaml.safe_load(added)["runners"]["config"])
    assert parsed["runners"][0]["kubernetes"]["allow_privilege_escalation"] is False
    assert added.count(newline) == text.count(newline) + 1
