"""Kubernetes pod security: escalation, root users and the service-account token."""

from __future__ import annotations

from tests.rule_checks import fixed, issues
from wizard.tomlfile.edits import apply_edits


def k8s(body: str = "") -> str:
    return f'[[runners]]\nexecutor = "kubernetes"\n[runners.kubernetes]\nnamespace = "ci"\n{body}'


def test_escalation_unset_is_reported_and_fixed() -> None:
    (issue,) = issues("k8s-privilege-escalation", k8s())
    assert issue.key == "allow_privilege_escalation"
    data = fixed("k8s-privilege-escalation", k8s())
    assert data["runners"][0]["kubernetes"]["allow_privilege_escalation"] is False


def test_escalation_false_is_quiet_and_other_executors_ignored() -> None:
    assert issues("k8s-privilege-escalation", k8s("allow_privilege_escalation = false\n")) == []
    docker = '[[runners]]\nexecutor = "docker"\n[runners.kubernetes]\nprivileged = true\n'
    assert issues("k8s-privilege-escalation", docker) == []


def test_container_context_overriding_to_true_is_reported() -> None:
    text = k8s(
        "allow_privilege_escalation = false\n"
        "[runners.kubernetes.service_container_security_context]\n"
        "allow_privilege_escalation = true\n"
    )
    (issue,) = issues("k8s-privilege-escalation", text)
    assert issue.table[-1] == "service_container_security_context"
    fixed("k8s-privilege-escalation", text)


def test_escalation_fix_never_leaves_a_privileged_container_that_forbids_escalation() -> None:
    """Kubernetes rejects that combination, so the fix turns privileged off alongside."""
    text = k8s(
        "privileged = true\n"
        "[runners.kubernetes.build_container_security_context]\nprivileged = true\n"
    )
    data = fixed("k8s-privilege-escalation", text)
    settings = data["runners"][0]["kubernetes"]
    assert settings["privileged"] is False
    assert settings["allow_privilege_escalation"] is False
    assert settings["build_container_security_context"]["privileged"] is False


def test_run_as_root_without_any_user_setting() -> None:
    (issue,) = issues("k8s-run-as-root", k8s())
    assert issue.edits == ()
    assert issue.table == ("runners", 0, "kubernetes", "pod_security_context")


def test_run_as_non_root_at_pod_or_container_level() -> None:
    pod = k8s("[runners.kubernetes.pod_security_context]\nrun_as_non_root = true\n")
    assert issues("k8s-run-as-root", pod) == []
    build = k8s("[runners.kubernetes.build_container_security_context]\nrun_as_user = 1000\n")
    assert issues("k8s-run-as-root", build) == []


def test_container_uid_zero_overrides_a_non_root_pod() -> None:
    text = k8s(
        "[runners.kubernetes.pod_security_context]\nrun_as_non_root = true\n"
        "[runners.kubernetes.build_container_security_context]\nrun_as_user = 0\n"
    )
    assert len(issues("k8s-run-as-root", text)) == 1


def test_allowed_users_listing_zero() -> None:
    text = k8s(
        'allowed_users = ["1000", "0"]\n[runners.kubernetes.pod_security_context]\n'
        "run_as_user = 1000\n"
    )
    (issue,) = issues("k8s-run-as-root", text)
    assert issue.key == "allowed_users"


def test_service_account_token_mount() -> None:
    (issue,) = issues("k8s-automount-service-account-token", k8s())
    data = apply_edits({"runners": [{"executor": "kubernetes"}]}, issue.edits)
    assert data["runners"][0]["kubernetes"]["automount_service_account_token"] is False
    fixed("k8s-automount-service-account-token", k8s("automount_service_account_token = true\n"))
    quiet = k8s("automount_service_account_token = false\n")
    assert issues("k8s-automount-service-account-token", quiet) == []
