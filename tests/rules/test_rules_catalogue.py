"""The catalogue as a whole: well-formed rules, and fixes that converge on real configs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.corpus import corpus_case, corpus_id, corpus_params, require_corpus
from wizard.base.masking import is_secret_key
from wizard.base.model import Issue, Severity, Trust
from wizard.rules.base import AuditContext, Rule
from wizard.rules.catalogue import ALL_RULES, evaluate, get_rule, rules_for
from wizard.tomlfile.edits import apply_edits

KEBAB = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
WRITER_FIXED = {"config-file-permissions"}
"""Fixed by the safe writer's mode 0600, not by an edit."""

S = Severity
EXPECTED_SEVERITY = {
    "shell-executor": (S.LOW, S.HIGH, S.CRITICAL),
    "dormant-executor-table": (S.INFO, S.INFO, S.INFO),
    "ssh-host-key-checking-disabled": (S.HIGH, S.HIGH, S.CRITICAL),
    "ssh-host-key-checking-implicit": (S.INFO, S.LOW, S.LOW),
    "privileged-container": (S.HIGH, S.CRITICAL, S.CRITICAL),
    "privileged-without-image-allowlist": (S.MEDIUM, S.HIGH, S.CRITICAL),
    "privileged-services": (S.MEDIUM, S.HIGH, S.CRITICAL),
    "dangerous-capabilities": (S.MEDIUM, S.HIGH, S.CRITICAL),
    "setuid-not-dropped": (S.LOW, S.MEDIUM, S.HIGH),
    "no-new-privileges-missing": (S.LOW, S.MEDIUM, S.HIGH),
    "job-runs-as-root": (S.LOW, S.MEDIUM, S.HIGH),
    "docker-socket-mount": (S.HIGH, S.CRITICAL, S.CRITICAL),
    "sensitive-host-path": (S.MEDIUM, S.HIGH, S.CRITICAL),
    "host-namespace": (S.HIGH, S.CRITICAL, S.CRITICAL),
    "k8s-privilege-escalation": (S.LOW, S.MEDIUM, S.HIGH),
    "k8s-run-as-root": (S.LOW, S.MEDIUM, S.HIGH),
    "k8s-automount-service-account-token": (S.LOW, S.MEDIUM, S.HIGH),
    "pull-policy-if-not-present": (S.LOW, S.HIGH, S.HIGH),
    "images-unrestricted": (S.INFO, S.MEDIUM, S.HIGH),
    "autoscaler-vm-reuse": (S.LOW, S.HIGH, S.HIGH),
    "custom-executor-no-cleanup": (S.INFO, S.LOW, S.MEDIUM),
    "git-strategy-fetch-shared": (S.LOW, S.MEDIUM, S.HIGH),
    "builds-dir-on-host": (S.LOW, S.HIGH, S.HIGH),
    "submodules-kept": (S.LOW, S.MEDIUM, S.HIGH),
    "job-cleanup-disabled": (S.LOW, S.MEDIUM, S.HIGH),
    "custom-build-dir-enabled": (S.INFO, S.LOW, S.MEDIUM),
    "per-build-network-disabled": (S.LOW, S.MEDIUM, S.HIGH),
    "session-server-exposed": (S.INFO, S.LOW, S.MEDIUM),
    "metrics-server-exposed": (S.LOW, S.MEDIUM, S.HIGH),
    "insecure-gitlab-url": (S.MEDIUM, S.HIGH, S.HIGH),
    "docker-tls-verify-disabled": (S.MEDIUM, S.HIGH, S.HIGH),
    "config-file-permissions": (S.MEDIUM, S.HIGH, S.HIGH),
    "token-rotation-rewrites-file": (S.INFO, S.INFO, S.INFO),
    "debug-trace-enabled": (S.INFO, S.LOW, S.MEDIUM),
    "debug-log-level": (S.LOW, S.MEDIUM, S.MEDIUM),
    "plaintext-secrets": (S.LOW, S.MEDIUM, S.MEDIUM),
    "cache-shared": (S.INFO, S.LOW, S.MEDIUM),
    "s3-insecure": (S.LOW, S.MEDIUM, S.HIGH),
    "cloud-metadata-reachable": (S.MEDIUM, S.HIGH, S.CRITICAL),
    "cloud-metadata-outside-config": (S.INFO, S.LOW, S.MEDIUM),
    "duplicate-key": (S.MEDIUM, S.MEDIUM, S.MEDIUM),
    "duplicate-table": (S.MEDIUM, S.MEDIUM, S.MEDIUM),
    "unknown-executor": (S.MEDIUM, S.MEDIUM, S.MEDIUM),
    "git-config-not-cleaned": (S.LOW, S.MEDIUM, S.HIGH),
    "shared-network-mode": (S.LOW, S.MEDIUM, S.HIGH),
    "environment-secrets": (S.LOW, S.HIGH, S.CRITICAL),
    "token-masking-disabled": (S.LOW, S.MEDIUM, S.HIGH),
    "hook-writes-job-token": (S.LOW, S.MEDIUM, S.HIGH),
    "git-urls-carry-token": (S.INFO, S.INFO, S.LOW),
    "k8s-job-overrides": (S.LOW, S.MEDIUM, S.HIGH),
    "k8s-pull-policy-unset": (S.INFO, S.MEDIUM, S.HIGH),
    "k8s-default-drop-replaced": (S.LOW, S.MEDIUM, S.MEDIUM),
    "k8s-bidirectional-mount": (S.MEDIUM, S.HIGH, S.CRITICAL),
    "k8s-privileged-without-escalation": (S.MEDIUM, S.MEDIUM, S.MEDIUM),
    "k8s-pod-spec-patches": (S.INFO, S.LOW, S.MEDIUM),
    "unconfined-profile": (S.MEDIUM, S.HIGH, S.CRITICAL),
    "host-devices": (S.LOW, S.MEDIUM, S.HIGH),
    "container-runtime-options": (S.INFO, S.LOW, S.MEDIUM),
    "helper-image-untrusted": (S.LOW, S.MEDIUM, S.HIGH),
    "shared-cache-mount": (S.INFO, S.MEDIUM, S.HIGH),
    "host-level-executor": (S.LOW, S.HIGH, S.CRITICAL),
    "services-not-confined": (S.LOW, S.MEDIUM, S.HIGH),
    "windows-process-isolation": (S.LOW, S.MEDIUM, S.HIGH),
    "container-joins-outside": (S.LOW, S.MEDIUM, S.HIGH),
    "vm-allowed-images-unanchored": (S.LOW, S.MEDIUM, S.HIGH),
    "parallels-isolation-unverified": (S.INFO, S.LOW, S.MEDIUM),
    "chart-token-in-values": (S.MEDIUM, S.HIGH, S.HIGH),
    "chart-auth-token-as-registration-token": (S.MEDIUM, S.MEDIUM, S.MEDIUM),
    "chart-config-ignored": (S.MEDIUM, S.MEDIUM, S.MEDIUM),
    "chart-env-overrides-config": (S.MEDIUM, S.HIGH, S.CRITICAL),
    "chart-config-path-unseen": (S.LOW, S.MEDIUM, S.MEDIUM),
    "chart-legacy-privileged": (S.HIGH, S.CRITICAL, S.CRITICAL),
    "chart-cluster-wide-access": (S.MEDIUM, S.HIGH, S.CRITICAL),
    "chart-rbac-wildcard": (S.MEDIUM, S.HIGH, S.HIGH),
    "chart-jobs-use-manager-service-account": (S.MEDIUM, S.HIGH, S.CRITICAL),
    "chart-manager-security-context": (S.LOW, S.MEDIUM, S.HIGH),
    "chart-service-exposed": (S.LOW, S.MEDIUM, S.HIGH),
    "chart-insecure-gitlab-url": (S.MEDIUM, S.HIGH, S.HIGH),
    "chart-manager-image-unpinned": (S.LOW, S.LOW, S.MEDIUM),
    "chart-config-template-action": (S.HIGH, S.HIGH, S.HIGH),
}


# --- the rules as data ----------------------------------------------------------------------


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.id)
def test_every_rule_is_complete(rule: Rule) -> None:
    assert KEBAB.fullmatch(rule.id), rule.id
    assert rule.title.strip()
    assert len(rule.rationale.split()) >= 15, "a rationale explains, in sentences"
    assert rule.doc_url.startswith("https://")
    if rule.scope == "config":  # host rules may cite the container engine's own docs
        assert rule.doc_url.startswith("https://docs.gitlab.com/runner/")
    assert " " not in rule.doc_url
    assert rule.remedy.strip().endswith((".", ")"))
    assert set(rule.severity) == set(Trust)
    assert all(isinstance(rule.severity_for(trust), Severity) for trust in Trust)


def test_ids_are_unique_and_found_by_get_rule() -> None:
    ids = [rule.id for rule in ALL_RULES]
    assert len(ids) == len(set(ids))
    for rule in ALL_RULES:
        assert get_rule(rule.id) is rule
    with pytest.raises(KeyError):
        get_rule("no-such-rule")


def test_catalogue_includes_schema_rules_first() -> None:
    assert [rule.id for rule in ALL_RULES[:2]] == ["unknown-key", "wrong-value-type"]


def test_rules_for_splits_by_scope() -> None:
    config = rules_for("config")
    assert config == rules_for()
    assert all(rule.scope == "config" for rule in config)
    assert all(rule.scope == "host" for rule in rules_for("host"))
    assert all(rule.scope == "server" for rule in rules_for("server"))
    assert all(rule.scope == "policy" for rule in rules_for("policy"))
    scopes = ("config", "host", "server", "policy")
    assert sum(len(rules_for(scope)) for scope in scopes) == len(ALL_RULES)
    assert rules_for("nonsense") == ()


def test_every_config_rule_has_its_severities_pinned_here() -> None:
    assert {rule.id for rule in rules_for("config")} - {"unknown-key", "wrong-value-type"} <= set(
        EXPECTED_SEVERITY
    )


def test_every_fix_that_may_break_says_what() -> None:
    """A rule added with an unsafe fix must name what may stop working (Rule.breaks)."""
    added = {
        "duplicate-key",
        "git-strategy-fetch-shared",
        "git-config-not-cleaned",
        "per-build-network-disabled",
        "custom-build-dir-enabled",
        "git-urls-carry-token",
        "k8s-job-overrides",
        "k8s-pull-policy-unset",
        "k8s-default-drop-replaced",
    }
    for rule_id in added:
        rule = get_rule(rule_id)
        assert rule.fix == "unsafe", rule_id
        assert rule.breaks.strip(), rule_id


@pytest.mark.parametrize(("rule_id", "expected"), EXPECTED_SEVERITY.items())
def test_severity_per_trust(rule_id: str, expected: tuple[Severity, Severity, Severity]) -> None:
    rule = get_rule(rule_id)
    trusts = (Trust.SINGLE_PROJECT, Trust.MULTI_PROJECT, Trust.PUBLIC)
    assert tuple(rule.severity_for(trust) for trust in trusts) == expected


def test_severity_never_falls_as_trust_widens() -> None:
    for rule in ALL_RULES:
        ranks = [rule.severity_for(trust).rank for trust in Trust]
        assert ranks == sorted(ranks), rule.id


def test_no_rationale_repeats_the_stale_ssh_claim() -> None:
    for rule in ALL_RULES:
        text = rule.rationale.casefold()
        assert "lacks host-key" not in text
        assert "missing strictho" not in text
        assert "susceptible to mitm" not in text


# --- the whole catalogue on configs -------------------------------------------------------------


def fixable_left(data: dict[str, Any], trust: Trust) -> list[tuple[Rule, Issue]]:
    return [
        (rule, issue)
        for rule, issue in evaluate(AuditContext(data, trust))
        if rule.fix is not None and rule.id not in WRITER_FIXED
    ]


def assert_fixes_converge(data: dict[str, Any], trust: Trust) -> None:
    found = evaluate(AuditContext(data, trust))
    for rule, issue in found:
        if rule.fix is None:
            assert issue.edits == (), f"{rule.id} has no fix but proposed edits"
        elif rule.id not in WRITER_FIXED:
            assert issue.edits, f"{rule.id} is fixable but {issue.message!r} has no edits"
    once = apply_edits(data, [edit for _, issue in found for edit in issue.edits])
    assert fixable_left(once, trust) == []
    again = apply_edits(
        once, [e for _, issue in evaluate(AuditContext(once, trust)) for e in issue.edits]
    )
    assert again == once


def _secret_values(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if is_secret_key(key) and isinstance(value, str) and len(value) >= 6:
                found.append(value)
            found.extend(_secret_values(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_secret_values(item))
    return found


@pytest.mark.parametrize("path", corpus_params(), ids=corpus_id)
@pytest.mark.parametrize("trust", list(Trust), ids=lambda t: t.value)
def test_corpus_audits_and_fixes_converge(path: Path | None, trust: Trust) -> None:
    path = corpus_case(path)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    found = evaluate(AuditContext(data, trust, file_mode=0o644))
    secrets = _secret_values(data)
    for rule, issue in found:
        assert issue.message.strip()
        if issue.runner_index is not None:
            assert issue.table[:2] == ("runners", issue.runner_index), (rule.id, issue)
        assert not any(secret in issue.message for secret in secrets), rule.id
    assert_fixes_converge(data, trust)


def test_corpus_exercises_most_rules() -> None:
    corpus = require_corpus()
    fired = {
        rule.id
        for path in corpus
        for rule, _ in evaluate(
            AuditContext(tomllib.loads(path.read_text(encoding="utf-8")), Trust.PUBLIC)
        )
    }
    for rule_id in ("privileged-container", "docker-socket-mount", "shell-executor"):
        assert rule_id in fired


def test_file_mode_feeds_only_the_permission_rule() -> None:
    data = tomllib.loads("concurrent = 1\n")
    assert evaluate(AuditContext(data, Trust.PUBLIC, file_mode=0o600)) == []
    found = evaluate(AuditContext(data, Trust.PUBLIC, file_mode=0o640))
    assert [rule.id for rule, _ in found] == ["config-file-permissions"]


# --- random configs ---------------------------------------------------------------------------

_EXECUTORS = st.sampled_from(
    [
        "shell",
        "ssh",
        "custom",
        "docker",
        "docker-windows",
        "docker+machine",
        "docker-autoscaler",
        "instance",
        "kubernetes",
        "virtualbox",
        "parallels",
        "bogus",
    ]
)
_CAPS = st.sampled_from(
    ["SYS_ADMIN", "cap_net_admin", "NET_BIND_SERVICE", "ALL", "SETUID", "CHOWN"]
)
_VOLUMES = st.sampled_from(
    [
        "/cache",
        "/var/run/docker.sock:/var/run/docker.sock",
        "/etc:/host-etc:ro",
        "/builds:/builds",
        "~/.ssh:/root/.ssh",
        "named:/data",
    ]
)
_MAYBE_BOOL = st.none() | st.booleans()


def _without_none(table: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in table.items() if value is not None}


_docker = st.builds(
    lambda **kw: _without_none(kw),
    privileged=_MAYBE_BOOL,
    services_privileged=_MAYBE_BOOL,
    allowed_privileged_services=st.none() | st.lists(st.just("docker:*-dind"), max_size=1),
    cap_add=st.none() | st.lists(_CAPS, max_size=3),
    cap_drop=st.none() | st.lists(_CAPS, max_size=3),
    security_opt=st.none()
    | st.lists(
        st.sampled_from(["no-new-privileges:false", "seccomp=x.json", "no-new-privileges"]),
        max_size=2,
    ),
    volumes=st.none() | st.lists(_VOLUMES, max_size=3),
    network_mode=st.none() | st.sampled_from(["host", "bridge", "ci-net", ""]),
    pid_mode=st.none() | st.just("host"),
    pull_policy=st.none()
    | st.sampled_from(["if-not-present", "always"])
    | st.lists(st.sampled_from(["if-not-present", "always", "never"]), max_size=3),
    allowed_pull_policies=st.none()
    | st.lists(st.sampled_from(["if-not-present", "never"]), max_size=2),
    user=st.none() | st.sampled_from(["root", "1000", "0:0", ""]),
)
_kubernetes = st.builds(
    lambda **kw: _without_none(kw),
    privileged=_MAYBE_BOOL,
    allow_privilege_escalation=_MAYBE_BOOL,
    automount_service_account_token=_MAYBE_BOOL,
    pull_policy=st.none() | st.sampled_from(["IfNotPresent", "if-not-present", "Always"]),
    cap_add=st.none() | st.lists(_CAPS, max_size=2),
    build_container_security_context=st.none()
    | st.builds(
        lambda **kw: _without_none(kw),
        privileged=_MAYBE_BOOL,
        allow_privilege_escalation=_MAYBE_BOOL,
        capabilities=st.none() | st.builds(lambda add: {"add": add}, st.lists(_CAPS, max_size=2)),
    ),
)
_runner = st.builds(
    lambda **kw: _without_none(kw),
    executor=_EXECUTORS,
    token=st.none() | st.just("glrt-abcdefghijklmnopqrstuvwxyz"),
    token_expires_at=st.none() | st.just("2030-01-01T00:00:00Z"),
    environment=st.none() | st.lists(st.sampled_from(["GIT_STRATEGY=fetch", "A=1"]), max_size=2),
    debug_trace_disabled=_MAYBE_BOOL,
    docker=st.none() | _docker,
    kubernetes=st.none() | _kubernetes,
    machine=st.none() | st.builds(lambda n: {"MaxBuilds": n}, st.integers(-1, 3)),
    autoscaler=st.none()
    | st.builds(
        lambda uses, cap: _without_none({"max_use_count": uses, "capacity_per_instance": cap}),
        st.none() | st.integers(0, 3),
        st.none() | st.integers(1, 3),
    ),
    ssh=st.none()
    | st.builds(lambda off: _without_none({"disable_strict_host_key_checking": off}), _MAYBE_BOOL),
    feature_flags=st.none()
    | st.dictionaries(
        st.sampled_from(["FF_NETWORK_PER_BUILD", "FF_ENABLE_JOB_CLEANUP"]), st.booleans()
    ),
    custom_build_dir=st.none() | st.builds(lambda on: _without_none({"enabled": on}), _MAYBE_BOOL),
)
_config = st.builds(
    lambda runners, listen: _without_none({"runners": runners, "listen_address": listen}),
    st.lists(_runner, min_size=1, max_size=3),
    st.none() | st.sampled_from(["0.0.0.0:9252", ":9000", "127.0.0.1:9252", "[::]"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_config, trust=st.sampled_from(list(Trust)))
def test_random_configs_fixes_converge(data: dict[str, Any], trust: Trust) -> None:
    assert_fixes_converge(data, trust)
