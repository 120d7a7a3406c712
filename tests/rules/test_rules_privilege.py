"""Privileged mode, capabilities, no-new-privileges and the job user."""

from __future__ import annotations

import pytest

from tests.rule_checks import fixed, issues
from wizard.base.model import Trust
from wizard.rules.privilege_rules import capability_name
from wizard.runner.settings import is_root_user


def docker(body: str, executor: str = "docker") -> str:
    return f'[[runners]]\nexecutor = "{executor}"\n[runners.docker]\nimage = "alpine"\n{body}'


def k8s(body: str) -> str:
    return f'[[runners]]\nexecutor = "kubernetes"\n[runners.kubernetes]\n{body}'


# --- privileged-container ------------------------------------------------------------------


def test_privileged_docker_is_reported_and_fixed() -> None:
    text = docker("privileged = true\n")
    (issue,) = issues("privileged-container", text)
    assert issue.table == ("runners", 0, "docker")
    assert issue.key == "privileged"
    assert "root on the host" in issue.message
    assert fixed("privileged-container", text)["runners"][0]["docker"]["privileged"] is False


def test_unprivileged_or_other_executor_is_quiet() -> None:
    assert issues("privileged-container", docker("privileged = false\n")) == []
    assert issues("privileged-container", docker("privileged = true\n", "shell")) == []


def test_privileged_kubernetes_includes_container_contexts() -> None:
    text = k8s(
        "privileged = true\n"
        "[runners.kubernetes.helper_container_security_context]\nprivileged = true\n"
    )
    found = issues("privileged-container", text)
    assert [issue.table for issue in found] == [
        ("runners", 0, "kubernetes"),
        ("runners", 0, "kubernetes", "helper_container_security_context"),
    ]
    data = fixed("privileged-container", text)
    assert data["runners"][0]["kubernetes"]["helper_container_security_context"] == {
        "privileged": False
    }


# --- privileged-without-image-allowlist / privileged-services ---------------------------------


def test_privileged_without_allowlist_has_no_automatic_fix() -> None:
    (issue,) = issues("privileged-without-image-allowlist", docker("privileged = true\n"))
    assert issue.edits == ()
    assert issue.key == "allowed_privileged_images"
    narrowed = docker('privileged = true\nallowed_privileged_images = ["docker:*-dind"]\n')
    assert issues("privileged-without-image-allowlist", narrowed) == []
    assert issues("privileged-without-image-allowlist", docker("privileged = false\n")) == []


def test_services_inherit_privileged_mode() -> None:
    text = docker("privileged = true\n")
    (issue,) = issues("privileged-services", text)
    assert "inherit" in issue.message
    assert issue.key == "privileged"
    data = fixed("privileged-services", text)
    assert data["runners"][0]["docker"]["services_privileged"] is False
    assert data["runners"][0]["docker"]["privileged"] is True  # the job container is another rule


def test_services_privileged_explicitly_or_narrowed() -> None:
    explicit = docker("privileged = false\nservices_privileged = true\n")
    (issue,) = issues("privileged-services", explicit)
    assert issue.key == "services_privileged"
    fixed("privileged-services", explicit)
    narrowed = docker('services_privileged = true\nallowed_privileged_services = ["docker:dind"]\n')
    assert issues("privileged-services", narrowed) == []
    assert (
        issues("privileged-services", docker("privileged = true\nservices_privileged = false\n"))
        == []
    )


# --- dangerous-capabilities ------------------------------------------------------------------


def test_capability_names_are_normalised() -> None:
    assert capability_name(" cap_sys_admin ") == "SYS_ADMIN"
    assert capability_name("NET_ADMIN") == "NET_ADMIN"


def test_dangerous_capabilities_are_removed_keeping_the_rest() -> None:
    text = docker('cap_add = ["NET_BIND_SERVICE", "CAP_SYS_ADMIN", "sys_ptrace"]\n')
    (issue,) = issues("dangerous-capabilities", text)
    assert "SYS_ADMIN" in issue.message
    assert "SYS_PTRACE" in issue.message
    data = fixed("dangerous-capabilities", text)
    assert data["runners"][0]["docker"]["cap_add"] == ["NET_BIND_SERVICE"]


def test_harmless_capabilities_are_quiet() -> None:
    assert issues("dangerous-capabilities", docker('cap_add = ["NET_BIND_SERVICE"]\n')) == []
    assert issues("dangerous-capabilities", docker("")) == []


def test_dangerous_capabilities_in_kubernetes_contexts() -> None:
    text = k8s(
        'cap_add = ["ALL"]\n'
        "[runners.kubernetes.build_container_security_context.capabilities]\n"
        'add = ["NET_ADMIN", "CHOWN"]\n'
    )
    found = issues("dangerous-capabilities", text)
    assert len(found) == 2
    data = fixed("dangerous-capabilities", text)
    k = data["runners"][0]["kubernetes"]
    assert k["cap_add"] == []
    assert k["build_container_security_context"]["capabilities"]["add"] == ["CHOWN"]


# --- setuid-not-dropped ---------------------------------------------------------------------


def test_setuid_fix_appends_after_existing_items() -> None:
    text = docker('cap_drop = ["NET_RAW", "SETGID"]\n')
    (issue,) = issues("setuid-not-dropped", text)
    assert "SETUID" in issue.message
    assert "SETGID" not in issue.message
    data = fixed("setuid-not-dropped", text)
    assert data["runners"][0]["docker"]["cap_drop"] == ["NET_RAW", "SETGID", "SETUID"]


def test_setuid_fix_creates_the_list_when_absent() -> None:
    data = fixed("setuid-not-dropped", docker(""))
    assert data["runners"][0]["docker"]["cap_drop"] == ["SETUID", "SETGID"]


def test_drop_all_or_both_is_enough() -> None:
    assert issues("setuid-not-dropped", docker('cap_drop = ["ALL"]\n')) == []
    assert issues("setuid-not-dropped", docker('cap_drop = ["CAP_SETUID", "setgid"]\n')) == []
    assert issues("setuid-not-dropped", docker("", "docker-windows")) == []


# --- no-new-privileges-missing ---------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        '["no-new-privileges"]',
        '["seccomp=x.json", "no-new-privileges:true"]',
        '["no-new-privileges=true"]',
    ],
)
def test_no_new_privileges_present(options: str) -> None:
    assert issues("no-new-privileges-missing", docker(f"security_opt = {options}\n")) == []


def test_no_new_privileges_appended() -> None:
    text = docker('security_opt = ["seccomp=x.json"]\n')
    (issue,) = issues("no-new-privileges-missing", text)
    data = fixed("no-new-privileges-missing", text)
    assert data["runners"][0]["docker"]["security_opt"] == [
        "seccomp=x.json",
        "no-new-privileges:true",
    ]
    assert issue.key == "security_opt"


def test_no_new_privileges_false_is_replaced() -> None:
    text = docker('security_opt = ["no-new-privileges:false", "label=x"]\n')
    assert issues("no-new-privileges-missing", text)
    data = fixed("no-new-privileges-missing", text)
    assert data["runners"][0]["docker"]["security_opt"] == ["label=x", "no-new-privileges:true"]


# --- job-runs-as-root ---------------------------------------------------------------------


def test_root_user_names() -> None:
    assert is_root_user("root")
    assert is_root_user("0")
    assert is_root_user("0:1000")
    assert not is_root_user("1000")
    assert not is_root_user("rootless")


def test_job_runs_as_root_without_user() -> None:
    (issue,) = issues("job-runs-as-root", docker(""))
    assert issue.key == "user"
    assert issue.edits == ()
    (issue,) = issues("job-runs-as-root", docker('allowed_users = ["root", "app"]\n'))
    assert "admits root" in issue.message


def test_job_runs_as_root_with_root_user() -> None:
    (issue,) = issues("job-runs-as-root", docker('user = "0:0"\n'))
    assert issue.message.startswith("user = root")


def test_non_root_user_is_quiet() -> None:
    assert issues("job-runs-as-root", docker('user = "1000"\n')) == []
    assert issues("job-runs-as-root", docker('user = "app"\nallowed_users = ["app"]\n')) == []


def test_trust_does_not_change_which_runners_are_reported() -> None:
    text = docker("privileged = true\n")
    for trust in Trust:
        assert len(issues("privileged-container", text, trust)) == 1


@pytest.mark.parametrize("rule_id", ["setuid-not-dropped", "no-new-privileges-missing"])
def test_privileged_runner_is_told_these_do_not_confine_it(rule_id: str) -> None:
    """executors/docker/docker.go passes Privileged for every image when
    allowed_privileged_images is empty; moby oci/caps TweakCapabilities then returns every
    capability without reading cap_drop. The finding must not pass for confinement."""
    (issue,) = issues(rule_id, docker("privileged = true\n"))
    assert "does not confine them until privileged is off" in issue.message
    # With an allowlist the other images run unprivileged, and the options do apply.
    allowlisted = docker('privileged = true\nallowed_privileged_images = ["docker:*-dind"]\n')
    (issue,) = issues(rule_id, allowlisted)
    assert "privileged" not in issue.message
    (issue,) = issues(rule_id, docker("privileged = false\n"))
    assert "privileged" not in issue.message
