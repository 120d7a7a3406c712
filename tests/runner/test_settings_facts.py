"""The one home of what a setting means and what changing it does, tied to its users.

Rules, the impact of answers and presets, presets' own checks and both wizards read
root users, identity keys, host-namespace keys, may-break sentences and the unnamed
runner's name from :mod:`wizard.runner.settings`; the copies they kept are gone.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from tests.cli_support import run_cli
from tests.corpus import corpus_files
from tests.rule_checks import issues
from wizard.answers import impact, plan, steps
from wizard.answers.impact import changes_for_edits, changes_for_fixes
from wizard.answers.model import Answers, JobUser, PullPolicyChoice
from wizard.answers.plan import answers_from_config, edits_for_answers
from wizard.answers.steps import RULES_SETTLED_BY_QUESTIONS
from wizard.audit.engine import audit_document
from wizard.base.errors import WizardError
from wizard.base.model import Change, Finding, Impact, Trust
from wizard.base.safe_text import Message
from wizard.embedded import load_document
from wizard.rules import catalogue, confinement_rules, mount_rules
from wizard.rules.catalogue import get_rule
from wizard.runner import reading as config_reading
from wizard.runner.settings import (
    HOST_NAMESPACE_KEYS,
    IDENTITY_KEYS,
    KUBERNETES_PULL_ALWAYS_BREAKS,
    PRIVILEGED_BREAKS,
    effect_of,
    is_root_user,
    judge_for,
    runner_label,
)
from wizard.session import core as session
from wizard.session import presets
from wizard.session.core import WizardSession
from wizard.session.presets import Preset, preset_edits, source_differences

KUBERNETES = """\
[[runners]]
  name = "k8s"
  url = "https://gitlab.example.com"
  token = "glrt-K8Sk8sK8Sk8s123456"
  executor = "kubernetes"
  [runners.kubernetes]
    namespace = "ci"
    image = "alpine:3.20"
"""

PRIVILEGED_DOCKER = """\
[[runners]]
  name = "dind"
  url = "https://gitlab.example.com"
  token = "glrt-DINDdindDIND123456"
  executor = "docker"
  [runners.docker]
    image = "docker:27"
    privileged = true
"""


def _only(changes: list[Change] | tuple[Change, ...], key: str) -> Change:
    [change] = [c for c in changes if c.key == key]
    return change


def _three_ways(
    tmp_path: Path, text: str, key: str, *, answers: Answers, table: str, value: Any
) -> tuple[Change, Change, Change, list[Finding]]:
    """The change of ``key`` from an answer, a preset's pinned setting and the rule's fix."""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    opened = WizardSession.open(path)
    by_answer = _only(opened.preview(answers, runner_index=0).changes, key)
    preset = Preset(
        name="pinned",
        description="",
        trust=Trust.MULTI_PROJECT,
        answers=Answers(trust=Trust.MULTI_PROJECT),
        settings=MappingProxyType({table: MappingProxyType({key: value})}),
    )
    data = opened.doc.data
    edits = preset_edits(preset, Answers(), data, 0)
    by_preset = _only(changes_for_edits(data, edits, source="preset", names={0: None})[0], key)
    findings = audit_document(opened.doc, trust=Trust.MULTI_PROJECT)
    fixes = [f for f in findings if f.key == key and f.edits]
    by_fix = _only(changes_for_fixes(data, fixes, {0: None})[0], key)
    return by_answer, by_preset, by_fix, fixes


def test_kubernetes_pull_policy_always_has_one_verdict_three_ways(tmp_path: Path) -> None:
    """``pull_policy = ["always"]`` on a Kubernetes runner was "cannot break" from an
    answer but may-break from rule k8s-pull-policy-unset: Kubernetes' own default for
    tagged images is IfNotPresent, so always may break jobs either way."""
    answer = Answers(trust=Trust.MULTI_PROJECT, pull_policy=PullPolicyChoice.ALWAYS)
    *changes, fixes = _three_ways(
        tmp_path,
        KUBERNETES,
        "pull_policy",
        answers=answer,
        table="runners.kubernetes",
        value=["always"],
    )
    assert [f.rule for f in fixes] == ["k8s-pull-policy-unset"]
    for change in changes:
        assert change.impact is Impact.MAY_BREAK, change
        assert change.reason == KUBERNETES_PULL_ALWAYS_BREAKS
    assert fixes[0].breaks == KUBERNETES_PULL_ALWAYS_BREAKS
    assert get_rule("k8s-pull-policy-unset").breaks == KUBERNETES_PULL_ALWAYS_BREAKS


def test_dropping_privileged_mode_has_one_verdict_three_ways(tmp_path: Path) -> None:
    from wizard.answers.model import PrivilegedNeed

    answer = Answers(trust=Trust.MULTI_PROJECT, privileged=PrivilegedNeed.NONE)
    *changes, fixes = _three_ways(
        tmp_path,
        PRIVILEGED_DOCKER,
        "privileged",
        answers=answer,
        table="runners.docker",
        value=False,
    )
    assert fixes
    assert fixes[0].breaks == PRIVILEGED_BREAKS
    assert {(c.impact, c.reason) for c in changes} == {(Impact.MAY_BREAK, PRIVILEGED_BREAKS)}


def test_services_inherit_privileged_mode_so_pinning_them_false_may_break() -> None:
    """Unset, services run as privileged as the job (rule privileged-services fixes it):
    the judge called that fix "cannot break" because it read services_privileged alone."""
    table = ("runners", 0, "docker")
    verdict = effect_of(table, "services_privileged", None, False, {"privileged": True})
    assert verdict.impact is Impact.MAY_BREAK
    assert verdict.reason == get_rule("privileged-services").breaks


def test_a_root_user_with_a_group_is_root_for_every_user_of_the_fact() -> None:
    """``user = "0:1000"`` was root for the rule but not for the impact judge."""
    assert is_root_user("0:1000")
    assert is_root_user("root:staff")
    assert not is_root_user("1000:0")
    assert not is_root_user("rootless")
    table = ("runners", 0, "docker")
    assert effect_of(table, "user", None, "0:1000", {}).impact is Impact.NONE, "still root"
    data = tomllib.loads(PRIVILEGED_DOCKER.replace("privileged = true", 'user = "0:1000"'))
    assert answers_from_config(data, 0).job_user is JobUser.IMAGE_DEFAULT
    edits = edits_for_answers(Answers(job_user=JobUser.NON_ROOT), data, 0)
    assert any(e.key == "user" for e in edits), "a root user is replaced by the non-root one"


def test_identity_keys_are_one_set_and_clone_url_is_not_reported_as_left_out() -> None:
    """``presets new --from-config`` warned that clone_url was "left out of the preset":
    the check and the comparison used two different identity sets."""
    runner = tomllib.loads(KUBERNETES)["runners"][0]
    runner["clone_url"] = "https://gitlab.internal.example.com"
    preset = presets.make_preset("k8s", answers_from_config({"runners": [runner]}, 0))
    lines = source_differences(runner, preset)
    assert not any("clone_url" in line for line in lines), lines
    assert "clone_url" in IDENTITY_KEYS
    assert presets.setting_problem("runners", "clone_url", "https://x.example.com")


def test_preset_differences_word_their_impact_as_every_review_does() -> None:
    runner = tomllib.loads(PRIVILEGED_DOCKER)["runners"][0]
    runner["docker"]["volumes"] = ["/var/run/docker.sock:/var/run/docker.sock"]
    preset = presets.make_preset("plain", Answers(executor=runner_executor()))
    lines = source_differences(runner, preset)
    [volumes] = [line for line in lines if line.startswith("docker.volumes:")]
    socket = effect_of(
        ("runners", 0, "docker"), "volumes", runner["docker"]["volumes"], None, runner["docker"]
    )
    assert socket.reason in volumes


def runner_executor() -> Any:
    from wizard.base.model import Executor

    return Executor.DOCKER


@pytest.mark.parametrize("key", HOST_NAMESPACE_KEYS)
def test_every_host_namespace_key_is_found_read_and_removed(key: str) -> None:
    text = PRIVILEGED_DOCKER.replace("privileged = true", f'{key} = "host"')
    data = tomllib.loads(text)
    assert answers_from_config(data, 0).isolate_host_network is False
    edits = edits_for_answers(Answers(isolate_host_network=True), data, 0)
    assert [(e.key, type(e).__name__) for e in edits] == [(key, "RemoveKey")]
    assert [issue.key for issue in issues("host-namespace", text)] == [key]


def test_rules_settled_by_questions_are_catalogued_rules() -> None:
    known = {rule.id for rule in catalogue.ALL_RULES}
    assert known >= RULES_SETTLED_BY_QUESTIONS
    assert "git-strategy-fetch-shared" in steps.question("clone_strategy").settles


def test_the_private_copies_are_gone() -> None:
    assert not hasattr(impact, "_ROOT_USERS")
    assert not hasattr(impact, "_HOST_NAMESPACE_KEYS")
    assert not hasattr(config_reading, "is_root_user")
    assert not hasattr(presets, "_IDENTITY_KEYS")
    assert vars(presets)["IDENTITY_KEYS"] is IDENTITY_KEYS
    assert vars(plan)["HOST_NAMESPACE_KEYS"] is HOST_NAMESPACE_KEYS
    assert not hasattr(session, "RULES_DECIDED_BY_ANSWERS")
    assert not hasattr(confinement_rules, "_NAMESPACE_KEYS")
    assert not hasattr(mount_rules, "_NAMESPACE_KEYS")


def test_every_fix_in_the_corpus_is_judged_as_the_same_change_elsewhere() -> None:
    """Over the corpus: each fix's own setting gets the verdict and sentence an answer
    or a preset changing it would get, and the offer names the same sentence."""
    files = corpus_files()
    if not files:
        pytest.skip("no config corpus found (set RUNNER_WIZARD_CORPUS or add ../shared)")
    checked = 0
    for path in files:
        try:
            document = load_document(path)
        except WizardError:
            continue
        data = copy.deepcopy(dict(document.data))
        for finding in audit_document(document, trust=Trust.PUBLIC, lines=False):
            if finding.fix is None or not finding.edits or finding.key is None:
                continue
            own = [e for e in finding.edits if e.key == finding.key]
            if not own or judge_for(own[0].table, own[0].key) is None:
                continue
            found = [c for c in changes_for_fixes(data, [finding], {})[0] if c.key == finding.key]
            if not found:
                continue
            change = found[0]
            assert change.impact is Impact.of_fix(finding.fix), (path.name, finding.rule)
            if change.impact is Impact.MAY_BREAK:
                assert change.reason == finding.breaks, (path.name, finding.rule)
            checked += 1
    assert checked > 100


def test_an_unnamed_runner_is_named_one_way() -> None:
    assert runner_label("build", 0) == "build"
    assert runner_label(None, 1) == "#2 (unnamed)"
    assert runner_label("", None) == "(unnamed)"


def test_presets_new_from_config_names_no_identity_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    text = KUBERNETES.replace(
        '  executor = "kubernetes"',
        '  clone_url = "https://git.example.com"\n  executor = "kubernetes"',
    )
    (tmp_path / "c.toml").write_text(text, encoding="utf-8")
    outcome = run_cli(capsys, "presets", "new", "k8s", "--from-config", "c.toml")
    assert outcome.code == 0, outcome.err
    assert "clone_url" not in outcome.out


def test_text_report_names_an_unnamed_runner_by_the_one_wording() -> None:
    from wizard.base.model import Finding, Severity
    from wizard.report.text import _owner

    finding = Finding(
        rule="shell-executor",
        severity=Severity.HIGH,
        message=Message.of("m"),
        table=("runners", 1),
        key="executor",
        runner_index=1,
        runner=None,
        line=None,
        fix=None,
    )
    assert runner_label(None) in _owner(finding)
