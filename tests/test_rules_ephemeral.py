"""Reuse between jobs: autoscaled VMs, fetch on shared hosts, cleanup, clone paths."""

from __future__ import annotations

import pytest

from tests.rule_checks import fixed, issues


def machine(body: str) -> str:
    return f'[[runners]]\nexecutor = "docker+machine"\n[runners.machine]\n{body}'


def autoscaler(body: str, executor: str = "docker-autoscaler") -> str:
    return f'[[runners]]\nexecutor = "{executor}"\n[runners.autoscaler]\nplugin = "aws"\n{body}'


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("", "unset"),
        ("MaxBuilds = 0\n", "unlimited"),
        ("MaxBuilds = 10\n", "10 jobs"),
    ],
)
def test_machine_reuse(body: str, words: str) -> None:
    text = machine("IdleCount = 0\n" + body)
    (issue,) = issues("autoscaler-vm-reuse", text)
    assert words in issue.message
    assert fixed("autoscaler-vm-reuse", text)["runners"][0]["machine"]["MaxBuilds"] == 1


def test_machine_one_build_is_quiet_in_any_spelling() -> None:
    assert issues("autoscaler-vm-reuse", machine("maxbuilds = 1\n")) == []


def test_autoscaler_reuse_and_shared_capacity() -> None:
    text = autoscaler("max_use_count = 2\ncapacity_per_instance = 4\n")
    found = issues("autoscaler-vm-reuse", text)
    assert [issue.key for issue in found] == ["max_use_count", "capacity_per_instance"]
    data = fixed("autoscaler-vm-reuse", text)
    assert data["runners"][0]["autoscaler"]["max_use_count"] == 1
    assert data["runners"][0]["autoscaler"]["capacity_per_instance"] == 1


def test_autoscaler_single_use_or_nested_vm_is_quiet() -> None:
    assert issues("autoscaler-vm-reuse", autoscaler("max_use_count = 1\n", "instance")) == []
    nested = autoscaler("max_use_count = 5\n[runners.autoscaler.vm_isolation]\nenabled = true\n")
    assert issues("autoscaler-vm-reuse", nested) == []
    assert issues("autoscaler-vm-reuse", '[[runners]]\nexecutor = "docker"\n') == []


def test_fetch_on_a_shell_runner_is_removed_from_environment() -> None:
    text = '[[runners]]\nexecutor = "shell"\nenvironment = ["A=1", "GIT_STRATEGY=fetch"]\n'
    (issue,) = issues("git-strategy-fetch-shared", text)
    assert issue.table == ("runners", 0)
    assert fixed("git-strategy-fetch-shared", text)["runners"][0]["environment"] == ["A=1"]


def test_fetch_on_ephemeral_or_container_hosts_is_quiet() -> None:
    docker = '[[runners]]\nexecutor = "docker"\nenvironment = ["GIT_STRATEGY=fetch"]\n'
    assert issues("git-strategy-fetch-shared", docker) == []
    instance = autoscaler("max_use_count = 1\n", "instance").replace(
        'executor = "instance"\n', 'executor = "instance"\nenvironment = ["GIT_STRATEGY=fetch"]\n'
    )
    assert issues("git-strategy-fetch-shared", instance) == []
    clone = '[[runners]]\nexecutor = "ssh"\nenvironment = ["GIT_STRATEGY=clone"]\n'
    assert issues("git-strategy-fetch-shared", clone) == []


@pytest.mark.parametrize("executor", ["shell", "ssh", "custom"])
def test_job_cleanup_on_reused_hosts(executor: str) -> None:
    text = f'[[runners]]\nexecutor = "{executor}"\n'
    (issue,) = issues("job-cleanup-disabled", text)
    assert issue.table == ("runners", 0, "feature_flags")
    data = fixed("job-cleanup-disabled", text)
    assert data["runners"][0]["feature_flags"] == {"FF_ENABLE_JOB_CLEANUP": True}


def test_job_cleanup_pinned_false_is_flipped_and_true_is_quiet() -> None:
    text = (
        '[[runners]]\nexecutor = "shell"\n[runners.feature_flags]\nFF_ENABLE_JOB_CLEANUP = false\n'
    )
    fixed("job-cleanup-disabled", text)
    quiet = text.replace("= false", "= true")
    assert issues("job-cleanup-disabled", quiet) == []
    assert issues("job-cleanup-disabled", '[[runners]]\nexecutor = "kubernetes"\n') == []


def test_instance_executor_counts_as_reused_until_one_job_per_vm() -> None:
    reused = autoscaler("max_use_count = 3\n", "instance")
    assert issues("job-cleanup-disabled", reused)
    shared = autoscaler("max_use_count = 1\ncapacity_per_instance = 2\n", "instance")
    assert issues("job-cleanup-disabled", shared)
    fresh = autoscaler("max_use_count = 1\n", "instance")
    assert issues("job-cleanup-disabled", fresh) == []


def test_custom_build_dir_default_on_for_containers() -> None:
    text = '[[runners]]\nexecutor = "docker"\n'
    (issue,) = issues("custom-build-dir-enabled", text)
    assert "by default" in issue.message
    data = fixed("custom-build-dir-enabled", text)
    assert data["runners"][0]["custom_build_dir"] == {"enabled": False}


def test_custom_build_dir_explicit() -> None:
    shell_on = '[[runners]]\nexecutor = "shell"\n[runners.custom_build_dir]\nenabled = true\n'
    fixed("custom-build-dir-enabled", shell_on)
    assert issues("custom-build-dir-enabled", '[[runners]]\nexecutor = "shell"\n') == []
    off = '[[runners]]\nexecutor = "docker"\n[runners.custom_build_dir]\nenabled = false\n'
    assert issues("custom-build-dir-enabled", off) == []
