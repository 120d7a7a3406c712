"""shell-executor and the SSH host-key rules."""

from __future__ import annotations

from tests.rule_checks import fixed, issues
from wizard.base.model import Severity, Trust
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


def test_executor_name_is_matched_exactly_like_the_runner() -> None:
    """main.go registers providers in a map and commands/multi.go looks runner.Executor up
    as written: " shell " or "Shell" is unknown, and the runner takes no jobs for it."""
    for name in (" shell ", "Shell", "shel"):
        text = f'[[runners]]\nexecutor = "{name}"\n'
        (unknown,) = issues("unknown-executor", text)
        assert "takes no jobs" in unknown.message
        assert "audited as shell" in unknown.message
        # What the operator meant is still audited: fixing the name makes it live.
        assert issues("shell-executor", text)
    assert issues("unknown-executor", '[[runners]]\nexecutor = "shell"\n') == []
    assert issues("shell-executor", '[[runners]]\nexecutor = "bash"\n') == []
    assert issues("unknown-executor", '[[runners]]\nexecutor = "bash"\n')


def test_invalid_executor_tables_are_still_audited() -> None:
    """Corpus-style mistakes: a list in one string, a typo; the [runners.docker] table
    they carry is what the runner applies once the name is corrected."""
    for name in ("docker, ssh", "dockerr"):
        text = f'[[runners]]\nexecutor = "{name}"\n[runners.docker]\nprivileged = true\n'
        (unknown,) = issues("unknown-executor", text)
        assert "audited as docker" in unknown.message
        assert issues("privileged-container", text)


def test_missing_executor_audits_the_tables_present() -> None:
    """Helm and register --template-config files leave executor to registration."""
    k8s = "[[runners]]\n[runners.kubernetes]\nprivileged = true\n"
    assert issues("privileged-container", k8s)
    assert issues("unknown-executor", k8s) == []
    dotted = "[[runners]]\ndocker.privileged = true\n"
    assert issues("privileged-container", dotted)
    inline = "[[runners]]\nDocker = { Privileged = true }\n"
    assert issues("privileged-container", inline)
    assert issues("shell-executor", "[[runners]]\nname = 'x'\n") == []


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


K8S_WITH_DOCKER_TABLE = """
[[runners]]
  name = "k8s"
  executor = "kubernetes"
  [runners.kubernetes]
    namespace = "ci"
  [runners.docker]
    image = "docker:latest"
    privileged = true
"""


def test_a_docker_table_under_another_executor_is_reported_dormant() -> None:
    """Source: executors/kubernetes/*.go never reads Config.Docker (only executors/docker
    and executors/docker/machine do), so privileged = true there grants nothing today."""
    (issue,) = issues("dormant-executor-table", K8S_WITH_DOCKER_TABLE)
    assert issue.table == ("runners", 0, "docker")
    assert "kubernetes executor never reads it" in issue.message
    assert "privileged = true" in issue.message
    assert get_rule("dormant-executor-table").severity_for(Trust.PUBLIC) is Severity.INFO
    # Not counted as active risk: the docker privilege rule stays silent.
    assert issues("privileged-container", K8S_WITH_DOCKER_TABLE) == []
    docker = K8S_WITH_DOCKER_TABLE.replace('"kubernetes"', '"docker"')
    assert issues("dormant-executor-table", docker) == []
    without = K8S_WITH_DOCKER_TABLE.split("  [runners.docker]", maxsplit=1)[0]
    assert issues("dormant-executor-table", without) == []
