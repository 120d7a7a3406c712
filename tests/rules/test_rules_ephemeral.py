"""Reuse between jobs: autoscaled VMs, fetch on shared hosts, cleanup, clone paths."""

from __future__ import annotations

import pytest

from tests.rule_checks import fixed, issues
from wizard.base.model import Trust
from wizard.rules.catalogue import get_rule


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


def test_fetch_on_a_shell_runner_is_replaced_by_clone_in_place() -> None:
    text = '[[runners]]\nexecutor = "shell"\nenvironment = ["GIT_STRATEGY=fetch", "A=1"]\n'
    (issue,) = issues("git-strategy-fetch-shared", text)
    assert issue.table == ("runners", 0)
    assert "sets GIT_STRATEGY=fetch" in issue.message
    data = fixed("git-strategy-fetch-shared", text)
    assert data["runners"][0]["environment"] == ["GIT_STRATEGY=clone", "A=1"]


def test_fetch_is_the_default_so_silence_is_not_clone() -> None:
    """common/build_settings.go: defaultGitStrategy is GitFetch when GitLab sends
    AllowGitFetch, which projects do by default; deleting a fetch line changes nothing."""
    for executor in ("shell", "ssh"):
        text = f'[[runners]]\nexecutor = "{executor}"\n'
        (issue,) = issues("git-strategy-fetch-shared", text)
        assert "does not set GIT_STRATEGY" in issue.message
        data = fixed("git-strategy-fetch-shared", text)
        assert data["runners"][0]["environment"] == ["GIT_STRATEGY=clone"]
    assert get_rule("git-strategy-fetch-shared").fix == "unsafe"
    assert get_rule("git-strategy-fetch-shared").breaks


def test_fetch_on_docker_persists_in_a_per_project_volume() -> None:
    """executors/docker/docker.go createBuildVolume: with fetch the builds volume is a
    reusable cache volume; volumes.Manager makes it temporary when disable_cache is set."""
    text = '[[runners]]\nexecutor = "docker"\n[runners.docker]\ndisable_cache = false\n'
    (issue,) = issues("git-strategy-fetch-shared", text)
    assert "per-project Docker volume" in issue.message
    assert issue.severity == "low"  # one project's pipelines, not every project's
    assert issues("git-strategy-fetch-shared", text, Trust.PUBLIC)[0].severity == "medium"
    off = '[[runners]]\nexecutor = "docker"\n[runners.docker]\ndisable_cache = true\n'
    assert issues("git-strategy-fetch-shared", off) == []
    bound = (
        '[[runners]]\nexecutor = "docker"\n[runners.docker]\ndisable_cache = true\n'
        'volumes = ["/srv/builds:/builds"]\n'
    )
    (shared,) = issues("git-strategy-fetch-shared", bound)
    assert shared.severity is None  # a host folder shared by every project


def test_fetch_on_ephemeral_or_cloning_hosts_is_quiet() -> None:
    instance = autoscaler("max_use_count = 1\n", "instance").replace(
        'executor = "instance"\n', 'executor = "instance"\nenvironment = ["GIT_STRATEGY=fetch"]\n'
    )
    assert issues("git-strategy-fetch-shared", instance) == []
    clone = '[[runners]]\nexecutor = "ssh"\nenvironment = ["GIT_STRATEGY=clone"]\n'
    assert issues("git-strategy-fetch-shared", clone) == []
    assert issues("git-strategy-fetch-shared", '[[runners]]\nexecutor = "kubernetes"\n') == []
    machine_one = machine("MaxBuilds = 1\n")
    assert issues("git-strategy-fetch-shared", machine_one) == []


@pytest.mark.parametrize("executor", ["shell", "ssh"])
def test_job_cleanup_on_reused_hosts(executor: str) -> None:
    text = f'[[runners]]\nexecutor = "{executor}"\n'
    (issue,) = issues("job-cleanup-disabled", text)
    assert issue.table == ("runners", 0, "feature_flags")
    data = fixed("job-cleanup-disabled", text)
    assert data["runners"][0]["feature_flags"] == {"FF_ENABLE_JOB_CLEANUP": True}


def test_job_cleanup_skips_custom_executors() -> None:
    """Custom drivers usually destroy their container or VM per job (docs/executors/custom.md
    cleanup_exec); config.toml cannot tell, so the rule does not guess."""
    assert issues("job-cleanup-disabled", '[[runners]]\nexecutor = "custom"\n') == []


def test_job_cleanup_rationale_does_not_overstate_fetch_cleanup() -> None:
    """shells/abstract.go writeCleanupBuildDirectoryScript: fetch only gets git clean and
    reset --hard, so .git/hooks survive; the rationale must say so."""
    rationale = get_rule("job-cleanup-disabled").rationale
    assert ".git/hooks" in rationale
    assert "clean_git_config" in rationale


def test_job_cleanup_pinned_false_is_flipped_and_true_is_quiet() -> None:
    text = (
        '[[runners]]\nexecutor = "shell"\n[runners.feature_flags]\nFF_ENABLE_JOB_CLEANUP = false\n'
    )
    fixed("job-cleanup-disabled", text)
    quiet = text.replace("= false", "= true")
    assert issues("job-cleanup-disabled", quiet) == []
    assert issues("job-cleanup-disabled", '[[runners]]\nexecutor = "kubernetes"\n') == []


def test_lower_case_flag_does_not_count_and_fix_adds_the_real_name() -> None:
    """The runner reads feature flags by exact name (common/config.go IsFeatureFlagDefined)."""
    text = (
        '[[runners]]\nexecutor = "shell"\n[runners.feature_flags]\nff_enable_job_cleanup = true\n'
    )
    (_issue,) = issues("job-cleanup-disabled", text)
    data = fixed("job-cleanup-disabled", text)
    assert data["runners"][0]["feature_flags"] == {
        "ff_enable_job_cleanup": True,
        "FF_ENABLE_JOB_CLEANUP": True,
    }


def test_instance_executor_counts_as_reused_until_one_job_per_vm() -> None:
    reused = autoscaler("max_use_count = 3\n", "instance")
    assert issues("job-cleanup-disabled", reused)
    shared = autoscaler("max_use_count = 1\ncapacity_per_instance = 2\n", "instance")
    assert issues("job-cleanup-disabled", shared)
    fresh = autoscaler("max_use_count = 1\n", "instance")
    assert issues("job-cleanup-disabled", fresh) == []


def test_git_config_not_cleaned_on_shell_by_default() -> None:
    """common/build_step_dispatch.go WithGitCleanConfig: unset means false for shell."""
    text = '[[runners]]\nexecutor = "shell"\n'
    (issue,) = issues("git-config-not-cleaned", text)
    assert "shell executor" in issue.message
    assert fixed("git-config-not-cleaned", text)["runners"][0]["clean_git_config"] is True
    assert issues("git-config-not-cleaned", text + "clean_git_config = true\n") == []
    # Other executors clean by default; only an explicit false is a finding.
    assert issues("git-config-not-cleaned", '[[runners]]\nexecutor = "ssh"\n') == []
    off = '[[runners]]\nexecutor = "ssh"\nCLEAN_GIT_CONFIG = false\n'
    (explicit,) = issues("git-config-not-cleaned", off)
    assert explicit.key == "CLEAN_GIT_CONFIG"
    docker_off = '[[runners]]\nexecutor = "docker"\nclean_git_config = false\n'
    assert issues("git-config-not-cleaned", docker_off)
    assert get_rule("git-config-not-cleaned").fix == "unsafe"


def test_custom_build_dir_quiet_where_nothing_is_shared() -> None:
    """Docker keeps each project's checkout in its own volume (executors/docker/volume.go,
    UniqueName is per project) and a pod's builds dir is an emptyDir."""
    assert issues("custom-build-dir-enabled", '[[runners]]\nexecutor = "docker"\n') == []
    assert issues("custom-build-dir-enabled", '[[runners]]\nexecutor = "kubernetes"\n') == []


def test_custom_build_dir_on_a_host_mounted_builds_dir() -> None:
    text = (
        '[[runners]]\nexecutor = "docker"\n'
        '[runners.docker]\nvolumes = ["/srv/builds:/builds:rw", "/cache"]\n'
    )
    (issue,) = issues("custom-build-dir-enabled", text)
    assert "by default" in issue.message
    assert "host folder" in issue.message
    data = fixed("custom-build-dir-enabled", text)
    assert data["runners"][0]["custom_build_dir"] == {"enabled": False}
    k8s = (
        '[[runners]]\nexecutor = "kubernetes"\n'
        '[[runners.kubernetes.volumes.host_path]]\nname = "b"\nmount_path = "/builds"\n'
        'host_path = "/srv/b"\n'
    )
    assert issues("custom-build-dir-enabled", k8s)


def test_custom_build_dir_explicit() -> None:
    shell_on = '[[runners]]\nexecutor = "shell"\n[runners.custom_build_dir]\nenabled = true\n'
    fixed("custom-build-dir-enabled", shell_on)
    assert issues("custom-build-dir-enabled", '[[runners]]\nexecutor = "shell"\n') == []
    off = '[[runners]]\nexecutor = "shell"\n[runners.custom_build_dir]\nenabled = false\n'
    assert issues("custom-build-dir-enabled", off) == []
