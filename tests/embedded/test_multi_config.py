"""Every runner config in a file, exactly once: documents, subcharts, Argo CD sources, merges.

Each shape once read only its first config, silently: a second ConfigMap kept
privileged mode through ``harden --fix all``, a config behind a merge key gave
"no findings". A file that names a config it does not hold is an incomplete
audit: exit 2 and a notice, in every format.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

from tests.cli_support import run_cli
from tests.corpus import helm_corpus_files
from wizard.audit.engine import audit_document, harden_document
from wizard.embedded import load_all
from wizard.embedded.document import EmbeddedConfig
from wizard.embedded.templates import mask_for_yaml
from wizard.embedded.yamltree import YamlText, child, scalar_value

PRIVILEGED_DOCKER = """\
    [[runners]]
      name = "{name}"
      url = "https://gitlab.example.com"
      executor = "docker"
      [runners.docker]
        image = "alpine"
        privileged = true
        volumes = ["/var/run/docker.sock:/var/run/docker.sock"]
"""

TWO_CONFIGMAPS = f"""\
---
# Source: gitlab-runner/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: runner-a
data:
  config.toml: |
{PRIVILEGED_DOCKER.format(name="a")}---
# Source: gitlab-runner/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: runner-b
data:
  config.toml: |
{PRIVILEGED_DOCKER.format(name="b")}"""

UMBRELLA = """\
runner-one:
  gitlabUrl: https://gitlab.example.com
  runners:
    config: |
      [[runners]]
        name = "one"
        [runners.kubernetes]
          namespace = "ci"
runner-two:
  gitlabUrl: https://gitlab.example.com
  runners:
    config: |
      [[runners]]
        name = "two"
        [runners.kubernetes]
          namespace = "ci"
          privileged = true
"""

ARGO_SOURCES = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: runners
spec:
  sources:
    - repoURL: https://charts.gitlab.io
      chart: gitlab-runner
      helm:
        values: |
          gitlabUrl: https://gitlab.example.com
          runners:
            config: |
              [[runners]]
                name = "first"
                [runners.kubernetes]
                  privileged = true
    - repoURL: https://charts.gitlab.io
      chart: gitlab-runner
      helm:
        valuesObject:
          gitlabUrl: https://gitlab.example.com
          runners:
            config: |
              [[runners]]
                name = "second"
                [runners.kubernetes]
                  privileged = true
    - repoURL: https://charts.gitlab.io
      chart: gitlab-runner
      helm:
        values: |
          gitlabUrl: https://gitlab.example.com
          runners:
            config: |
              [[runners]]
                name = "third"
                [runners.kubernetes]
                  privileged = true
"""

MERGED = """\
.runner-defaults: &defaults
  config: |
    [[runners]]
      name = "merged"
      [runners.kubernetes]
        privileged = true
gitlabUrl: https://gitlab.example.com
runners:
  <<: *defaults
"""

OPERATOR_ELSEWHERE = """\
apiVersion: apps.gitlab.com/v1beta2
kind: Runner
metadata:
  name: gitlab-runner
spec:
  gitlabUrl: https://gitlab.example.com
  token: gitlab-runner-secret
  config: custom-config-toml
"""

OPENSHIFT_QUOTED = """\
apiVersion: v1
kind: Template
metadata:
  name: gitlab-runner
objects:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: ${NAME}-config
  data:
    config.toml: "concurrent = 2\\n[[runners]]\\n  name = \\"${NAME}\\"\\n  \
executor = \\"docker\\"\\n  [runners.docker]\\n    image = \\"alpine\\"\\n    \
privileged = true\\n"
parameters:
- name: NAME
  value: runner
"""

BRANCHES = """\
gitlabUrl: https://gitlab.example.com
runners:
  config: |
    [[runners]]
      name = "branchy"
      {{- if .Values.hardened }}
      [runners.kubernetes]
        namespace = "ci"
        privileged = false
      {{- else }}
      [runners.kubernetes]
        namespace = "ci"
        privileged = true
      {{- end }}
"""

PARAMETERS = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: runner
spec:
  source:
    repoURL: https://charts.gitlab.io
    chart: gitlab-runner
    helm:
      parameters:
        - name: runners.privileged
          value: "true"
      values: |
        gitlabUrl: https://gitlab.example.com
        rbac:
          create: true
        runners:
          privileged: false
          config: |
            [[runners]]
              [runners.kubernetes]
                namespace = "ci"
"""

ONE_UNREADABLE = (
    TWO_CONFIGMAPS.replace('name = "b"', 'name = "b"\n      name = "twice"')
    .replace("runner-b", "broken")
    .replace('      name = "twice"', '      name = "twice"')
)


def _write(tmp_path: Path, text: str, name: str = "values.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _audit_json(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, dict[str, object]]:
    outcome = run_cli(capsys, "audit", "--format", "json", str(path))
    return outcome.code, json.loads(outcome.out)["files"][0]


def _rules_by_block(report: dict[str, object]) -> dict[str | None, set[str]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    blocks: dict[str | None, set[str]] = {}
    for finding in findings:
        blocks.setdefault(finding.get("block"), set()).add(finding["rule"])
    return blocks


@pytest.mark.parametrize(
    ("text", "blocks"),
    [
        (TWO_CONFIGMAPS, ["ConfigMap runner-a (line 8)", "ConfigMap runner-b (line 24)"]),
        (
            UMBRELLA,
            ["Helm values under runner-one: (line 4)", "Helm values under runner-two: (line 12)"],
        ),
        (
            ARGO_SOURCES,
            [
                "Argo CD Application spec.sources.0.helm.values (helm.values: Helm values) "
                "(line 13)",
                "Helm values under spec.sources.1.helm.valuesObject: (line 24)",
                "Argo CD Application spec.sources.2.helm.values (helm.values: Helm values) "
                "(line 35)",
            ],
        ),
    ],
    ids=["two-configmaps", "umbrella", "argo-sources"],
)
def test_every_config_of_the_file_is_audited_and_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, blocks: list[str]
) -> None:
    path = _write(tmp_path, text)
    assert len(load_all(path).documents) == len(blocks)
    code, report = _audit_json(capsys, path)
    assert code == 1
    found = _rules_by_block(report)
    assert sorted(b for b in found if b is not None) == sorted(blocks)
    assert None not in found  # every finding names its config
    # The privileged one(s) are reported where they are, not only the first block's.
    last = blocks[-1]
    assert "privileged-container" in found[last]


@pytest.mark.parametrize(
    "text", [TWO_CONFIGMAPS, UMBRELLA, ARGO_SOURCES], ids=["configmaps", "umbrella", "argo"]
)
def test_harden_fix_all_hardens_every_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    path = _write(tmp_path, text)
    outcome = run_cli(capsys, "harden", "--fix", "all", "--no-backup", str(path))
    assert outcome.code == 0, outcome.err
    hardened = path.read_text(encoding="utf-8")
    assert "privileged = true" not in hardened
    assert "docker.sock" not in hardened
    after = run_cli(capsys, "audit", "--format", "json", str(path))
    rules = {f["rule"] for f in json.loads(after.out)["files"][0]["findings"]}
    assert not rules & {"privileged-container", "docker-socket-mount"}
    again = run_cli(capsys, "harden", "--fix", "all", "--no-backup", str(path))
    assert "nothing to fix" in again.out  # each config hardened once, completely


def test_a_config_behind_a_merge_key_is_audited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = _audit_json(capsys, _write(tmp_path, MERGED))
    assert code == 1
    assert "privileged-container" in _rules_by_block(report)[None]


def _child_value(text: str, *names: str) -> str | None:
    layer = YamlText(text, 0).parse()
    node = layer.roots[0]
    for name in names:
        assert isinstance(node, yaml.MappingNode)
        found = child(node, name)
        assert found is not None
        node = found
    return scalar_value(node)


def test_merge_keys_resolve_as_helm_reads_them() -> None:
    # Helm's YAML reader applies a merge where it stands: a key written before << is
    # overridden by the merged one, a key after it wins; of a merged list the first wins.
    base = "a: &a {x: from-a, y: from-a}\nb: &b {x: from-b, z: from-b}\n"
    assert _child_value(base + "c: {x: own, <<: *a}\n", "c", "x") == "from-a"
    assert _child_value(base + "c: {<<: *a, x: own}\n", "c", "x") == "own"
    assert _child_value(base + "c: {<<: [*a, *b]}\n", "c", "x") == "from-a"
    assert _child_value(base + "c: {<<: [*a, *b]}\n", "c", "z") == "from-b"
    layer = YamlText(base + "c: {x: own, <<: *a}\n", 0).parse()
    assert layer.data(layer.roots[0])["c"]["x"] == "from-a"  # the data agrees with child()


def test_a_runner_whose_configmap_is_elsewhere_is_an_incomplete_audit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, OPERATOR_ELSEWHERE, "runner.yaml")
    text = run_cli(capsys, "audit", str(path))
    assert text.code == 2
    assert "incomplete: line 5: Runner 'gitlab-runner' takes its config.toml from ConfigMap" in (
        text.out
    )
    assert "no findings in what was read; the audit is incomplete (exit code 2)" in text.out
    assert "audit incomplete" in text.err
    code, report = _audit_json(capsys, path)
    assert code == 2
    assert report["incomplete"]
    assert "custom-config-toml" in str(report["incomplete"])
    sarif = run_cli(capsys, "audit", "--format", "sarif", str(path))
    assert sarif.code == 2
    invocation = json.loads(sarif.out)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert "custom-config-toml" in invocation["toolExecutionNotifications"][0]["message"]["text"]
    harden = run_cli(capsys, "harden", "--fix", "all", str(path))
    assert harden.code == 2
    assert "not hardened" in harden.err
    harden_json = run_cli(capsys, "harden", "--fix", "all", "--format", "json", str(path))
    assert harden_json.code == 2
    assert "custom-config-toml" in json.loads(harden_json.out)["files"][0]["incomplete"][0]


def test_an_openshift_template_with_a_quoted_config_is_audited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, OPENSHIFT_QUOTED, "template.yaml")
    code, report = _audit_json(capsys, path)
    assert code == 1
    findings = report["findings"]
    assert isinstance(findings, list)
    assert {f["line"] for f in findings} == {11}  # the config.toml key: lines inside are not ours
    assert "privileged-container" in {f["rule"] for f in findings}
    harden = run_cli(capsys, "harden", "--fix", "all", str(path))
    assert harden.code == 1
    assert "not a literal block (key: |); it can be read but not edited in place" in harden.out
    assert path.read_text(encoding="utf-8") == OPENSHIFT_QUOTED


def test_template_branches_declaring_one_table_are_audited_per_branch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, BRANCHES)
    code, report = _audit_json(capsys, path)
    assert code == 1
    found = _rules_by_block(report)
    if_branch = "Helm values, branch `{{- if .Values.hardened }}` (line 6) (line 3)"
    else_branch = "Helm values, branch `{{- else }}` (line 10) (line 3)"
    assert set(found) == {if_branch, else_branch}
    assert "privileged-container" in found[else_branch]
    assert "privileged-container" not in found[if_branch]
    harden = run_cli(capsys, "harden", "--fix", "all", str(path))
    assert harden.code == 1
    assert "more than one template branch" in harden.out
    assert "not fixed: privileged-container in Helm values, branch `{{- else }}`" in harden.out
    assert path.read_text(encoding="utf-8") == BRANCHES


def test_argo_parameters_override_the_values_they_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, PARAMETERS, "app.yaml")
    code, report = _audit_json(capsys, path)
    assert code == 1
    findings = report["findings"]
    assert isinstance(findings, list)
    legacy = [f for f in findings if f["rule"] == "chart-legacy-privileged"]
    assert [f["line"] for f in legacy] == [11]  # the parameter, not the values' false
    harden = run_cli(capsys, "harden", "--fix", "all", "--no-backup", str(path))
    assert harden.code == 1
    assert "runners.privileged is set by helm.parameters; change it there" in harden.out


def test_one_unreadable_config_leaves_the_others_audited_and_the_audit_incomplete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, ONE_UNREADABLE)
    code, report = _audit_json(capsys, path)
    assert code == 2
    assert "privileged-container" in _rules_by_block(report)[None]
    incomplete = report["incomplete"]
    assert isinstance(incomplete, list)
    assert len(incomplete) == 1
    assert "invalid TOML in the config block" in incomplete[0]


def test_each_document_is_one_embedded_config_with_its_own_choice(tmp_path: Path) -> None:
    contents = load_all(_write(tmp_path, ARGO_SOURCES))
    choices = [d.src.choice for d in contents.documents if isinstance(d, EmbeddedConfig)]
    assert choices == [(0, 0), (1,), (2, 0)]


# -- the shared corpus: every config counted independently, each audited and hardened once --


def _count_configs(data: object, *, seen: set[int] | None = None) -> int:
    """Runner configs in plain YAML data, counted without the code under test.

    A ``runners.config`` string, a ConfigMap's ``config.toml``/``config.template.toml``
    holding ``[[runners]]``, an Operator ``Runner`` (with or without its ConfigMap here),
    and inside an Argo CD ``helm.values`` string, the same again.
    """
    seen = set() if seen is None else seen
    if id(data) in seen:
        return 0
    seen.add(id(data))
    count = 0
    if isinstance(data, dict):
        runners = data.get("runners")
        if isinstance(runners, dict) and isinstance(runners.get("config"), str):
            count += 1
        if data.get("kind") == "ConfigMap" and isinstance(data.get("data"), dict):
            blocks = [data["data"].get(name) for name in ("config.template.toml", "config.toml")]
            texts = [b for b in blocks if isinstance(b, str)]
            with_runners = [t for t in texts if "[[runners]]" in t]
            count += len(with_runners) or len(texts)
        helm = data.get("helm")
        if isinstance(helm, dict) and isinstance(helm.get("values"), str):
            count += max(1, _count_configs_text(helm["values"]))
        for value in data.values():
            count += _count_configs(value, seen=seen)
    elif isinstance(data, list):
        for item in data:
            count += _count_configs(item, seen=seen)
    return count


def _runner_manifests(data: object) -> int:
    if isinstance(data, dict):
        own = 1 if data.get("kind") == "Runner" and isinstance(data.get("spec"), dict) else 0
        return own + sum(_runner_manifests(v) for v in data.values())
    if isinstance(data, list):
        return sum(_runner_manifests(item) for item in data)
    return 0


def _count_configs_text(text: str) -> int:
    masked = mask_for_yaml(text)
    try:
        documents = list(yaml.safe_load_all(masked))
    except yaml.YAMLError:
        return 0
    return sum(_count_configs(d) for d in documents)


def _expected(path: Path) -> int:
    text = mask_for_yaml(path.read_text(encoding="utf-8"))
    documents = [d for d in yaml.safe_load_all(text) if d is not None]
    configs = sum(_count_configs(d) for d in documents)
    runners = sum(_runner_manifests(d) for d in documents)
    # A Runner whose ConfigMap is in the file shares that ConfigMap's block.
    paired = sum(
        1 for d in documents if isinstance(d, dict) and d.get("kind") == "ConfigMap" and runners
    )
    return max(configs + runners - min(paired, runners), 1)


HELM_FILES = helm_corpus_files()


def test_the_helm_corpus_is_present_in_ci() -> None:
    if not HELM_FILES and os.environ.get("CI"):
        pytest.fail("the Helm corpus must be beside the repository in CI")


@pytest.mark.parametrize("path", HELM_FILES, ids=[p.name for p in HELM_FILES])
def test_every_corpus_config_is_audited_and_hardened_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], path: Path
) -> None:
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    contents = load_all(copy)
    assert len(contents.documents) == _expected(path), contents.unread
    # Only an Operator Runner whose ConfigMap lives elsewhere leaves a corpus file unread.
    assert all("which is not in this file" in reason for reason in contents.unread)
    text = path.read_text(encoding="utf-8")
    operator_alone = (
        re.search(r"(?m)^kind: Runner$", text)
        and re.search(r"(?m)^ +config: ", text)  # a Runner naming its config ConfigMap
        and "kind: ConfigMap" not in text
    )
    assert bool(contents.unread) == bool(operator_alone)
    names = [d.block_name for d in contents.documents if isinstance(d, EmbeddedConfig)]
    assert len(set(names)) == len(names)  # each config once, each named apart
    run_cli(capsys, "harden", "--fix", "all", "--no-backup", str(copy))
    hardened = load_all(copy)
    assert len(hardened.documents) == len(contents.documents)
    for document in hardened.documents:
        left = [
            f
            for f in audit_document(document)
            if f.edits and not (isinstance(document, EmbeddedConfig) and document.src.read_only)
        ]
        # What is left with a fix is what harden said it could not apply (chart values not
        # written in the file, parameters): a second run changes nothing.
        again = harden_document(document, fix="all")
        assert not again.applied, [f.rule for f in left]


def test_commands_that_edit_one_config_refuse_a_file_with_several(tmp_path: Path) -> None:
    """The wizards once opened the first config of such a file and said nothing of the rest."""
    from wizard.base.errors import ConfigError
    from wizard.embedded import load_document
    from wizard.session.core import WizardSession

    path = _write(tmp_path, TWO_CONFIGMAPS)
    with pytest.raises(ConfigError) as raised:
        WizardSession.open(path)
    assert str(raised.value) == (
        f"{path}: holds 2 runner configs (ConfigMap runner-a (line 8); ConfigMap runner-b "
        "(line 24)); this command works on one: audit and harden read them all"
    )
    branches = _write(tmp_path, BRANCHES, "branches.yaml")
    with pytest.raises(ConfigError, match="holds 2 runner configs"):
        load_document(branches)


def test_two_runners_on_one_configmap_audit_the_block_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configmap = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata:\n  config.toml: |\n"
        '    [[runners]]\n      name = "shared"\n      [runners.kubernetes]\n'
        "        privileged = true\n"
    )
    runner = (
        "---\napiVersion: apps.gitlab.com/v1beta2\nkind: Runner\nmetadata:\n  name: {name}\n"
        "spec:\n  gitlabUrl: https://gitlab.example.com\n  token: runner-secret\n"
        "  config: shared\n"
    )
    path = _write(tmp_path, configmap + runner.format(name="one") + runner.format(name="two"))
    contents = load_all(path)
    assert len(contents.documents) == 2  # both Runners' specs
    assert [d.has_toml for d in contents.documents if isinstance(d, EmbeddedConfig)] == [
        True,
        False,
    ]
    code, report = _audit_json(capsys, path)
    assert code == 1
    findings = report["findings"]
    assert isinstance(findings, list)
    assert [f["rule"] for f in findings].count("privileged-container") == 1
