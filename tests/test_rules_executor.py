"""shell-executor and the SSH host-key rules."""

from __future__ import annotations

from tests.rule_checks import fixed, issues
from wizard.model import Severity, Trust
from wizard.rules.catalogue import get_rule

SHELL = '[[runners]]\nname = "a"\nexecutor = "shell"\n'
DOCKER = '[[runners]]\nname = "a"\nexecutor = "docker"\n[runners.docker]\nimage = "alpine"\n'


def ssh(extra: str = "", executor: str = "ssh") -> str:
    return f'[[runners]]\nexecutor = "{executor}"\n[runners.ssh]\nhost = "build"\n{extra}'


def test_shell_executor_fires_only_for_shell_runners() -> None:
    text = DOCKER + SHELL
    (issue,) = issues("shell-executor", text)
    assert issue.runner_index == 1
    assert issue.table == ("runners", 1)
    assert issue.key == "executor"
    assert issue.edits == ()
    assert issues("shell-executor", DOCKER) == []


def test_shell_executor_weighs_more_as_trust_widens() -> None:
    rule = get_rule("shell-executor")
    assert rule.severity_for(Trust.SINGLE_PROJECT) == Severity.LOW
    assert rule.severity_for(Trust.PUBLIC) == Severity.CRITICAL


def test_executor_name_is_matched_as_written_with_spaces_trimmed() -> None:
    assert issues("shell-executor", '[[runners]]\nexecutor = " shell "\n')
    assert issues("shell-executor", '[[runners]]\nexecutor = "bash"\n') == []


def test_host_key_checking_disabled_is_reported_and_fixed_to_false() -> None:
    text = ssh("disable_strict_host_key_checking = true\n")
    (issue,) = issues("ssh-host-key-checking-disabled", text)
    assert issue.table == ("runners", 0, "ssh")
    assert "true" in issue.message
    data = fixed("ssh-host-key-checking-disabled", text)
    assert data["runners"][0]["ssh"]["disable_strict_host_key_checking"] is False
    assert issues("ssh-host-key-checking-implicit", data) == []


def test_host_key_checking_respects_the_files_spelling() -> None:
    text = ssh("Disable_Strict_Host_Key_Checking = true\n")
    (issue,) = issues("ssh-host-key-checking-disabled", text)
    assert issue.key == "Disable_Strict_Host_Key_Checking"
    data = fixed("ssh-host-key-checking-disabled", text)
    assert data["runners"][0]["ssh"] == {
        "host": "build",
        "Disable_Strict_Host_Key_Checking": False,
    }


def test_unset_host_key_checking_is_a_separate_low_finding_with_a_safe_fix() -> None:
    text = ssh()
    assert issues("ssh-host-key-checking-disabled", text) == []
    (issue,) = issues("ssh-host-key-checking-implicit", text)
    assert "15.0" in issue.message
    data = fixed("ssh-host-key-checking-implicit", text)
    assert data["runners"][0]["ssh"]["disable_strict_host_key_checking"] is False
    assert get_rule("ssh-host-key-checking-implicit").fix == "safe"
    assert get_rule("ssh-host-key-checking-disabled").fix == "unsafe"


def test_explicit_false_is_quiet() -> None:
    text = ssh("disable_strict_host_key_checking = false\n")
    assert issues("ssh-host-key-checking-disabled", text) == []
    assert issues("ssh-host-key-checking-implicit", text) == []


def test_local_vm_executors_are_not_judged_on_host_keys() -> None:
    for executor in ("virtualbox", "parallels"):
        text = ssh("disable_strict_host_key_checking = true\n", executor)
        assert issues("ssh-host-key-checking-disabled", text) == []
        assert issues("ssh-host-key-checking-implicit", text) == []
