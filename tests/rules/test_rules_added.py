"""The rules added so the catalogue covers what the runner really exposes.

Each test names the runner source or docs section it rests on, and writes the
config in the spellings the runner accepts: folded case (``Security_Opt``),
dotted keys (``docker.devices = [...]``) and inline tables.
"""

from __future__ import annotations

import pytest

from tests.rule_checks import fixed, issues
from wizard.base.model import Severity, Trust
from wizard.rules.catalogue import get_rule


def docker(body: str, executor: str = "docker") -> str:
    return f'[[runners]]\nexecutor = "{executor}"\n[runners.docker]\n{body}'


def k8s(body: str) -> str:
    return f'[[runners]]\nexecutor = "kubernetes"\n[runners.kubernetes]\n{body}'


# --- environment-secrets: common/build.go getBaseVariablesBeforeJob adds Runner.Environment --


@pytest.mark.parametrize(
    "text",
    [
        '[[runners]]\nexecutor = "docker"\nenvironment = ["DOCKER_AUTH_CONFIG={\\"auths\\":{}}"]\n',
        '[[runners]]\nexecutor = "shell"\nEnvironment = ["NEXUS_PASSWORD=hunter2hunter2"]\n',
        '[[runners]]\nexecutor = "shell"\nenvironment = ["AWS_SECRET_ACCESS_KEY=abcdEFGH1234"]\n',
    ],
)
def test_environment_secrets_are_named_not_shown(text: str) -> None:
    (issue,) = issues("environment-secrets", text)
    assert "every job" in issue.message
    assert "hunter2" not in issue.message
    assert "abcdEFGH" not in issue.message
    assert issue.edits == ()


def test_environment_references_and_paths_are_not_secrets() -> None:
    text = (
        '[[runners]]\nexecutor = "shell"\n'
        'environment = ["API_TOKEN=$VAULT_TOKEN", "SSL_KEY_FILE=/etc/k.pem", "FF_X=1", '
        '"GIT_DEPTH=10", "REGISTRY_URL=https://r"]\n'
    )
    assert issues("environment-secrets", text) == []


# --- plugin_config credentials (fleeting plugins read a free map) ---------------------------


def test_plugin_config_credentials_are_plain_text_secrets() -> None:
    text = (
        '[[runners]]\nexecutor = "instance"\n[runners.autoscaler]\nplugin = "x"\n'
        'plugin_config = { name = "asg", Password = "hunter2hunter2", token_id = "ci@pve" }\n'
    )
    found = issues("plaintext-secrets", text)
    assert [issue.key for issue in found] == ["Password"]
    assert "hunter2" not in found[0].message


# --- token-masking-disabled / hook-writes-job-token / git-urls-carry-token ------------------
# helpers/featureflags/flags.go: FF_MASK_ALL_DEFAULT_TOKENS defaults to true,
# FF_GIT_URLS_WITHOUT_TOKENS to false.


def test_turning_token_masking_off_is_undone_safely() -> None:
    text = (
        '[[runners]]\nexecutor = "shell"\nfeature_flags = { FF_MASK_ALL_DEFAULT_TOKENS = false }\n'
    )
    (issue,) = issues("token-masking-disabled", text)
    assert issue.table == ("runners", 0, "feature_flags")
    data = fixed("token-masking-disabled", text)
    assert data["runners"][0]["feature_flags"]["FF_MASK_ALL_DEFAULT_TOKENS"] is True
    assert get_rule("token-masking-disabled").fix == "safe"
    assert issues("token-masking-disabled", '[[runners]]\nexecutor = "shell"\n') == []


def test_hook_that_writes_the_job_token_globally() -> None:
    text = (
        '[[runners]]\nexecutor = "shell"\npre_get_sources_script = '
        '"git config --global url.https://gitlab-ci-token:${CI_JOB_TOKEN}@gitlab.example.com/'
        '.insteadOf https://gitlab.example.com/"\n'
    )
    (issue,) = issues("hook-writes-job-token", text)
    assert "outlives the job" in issue.message
    local = text.replace("--global ", "")
    assert issues("hook-writes-job-token", local) == []


def test_git_urls_carry_the_token_unless_the_flag_is_pinned() -> None:
    text = '[[runners]]\nexecutor = "docker"\n'
    (issue,) = issues("git-urls-carry-token", text)
    assert "17.5" in issue.message
    assert issues("git-urls-carry-token", text, Trust.SINGLE_PROJECT) == []
    data = fixed("git-urls-carry-token", text)
    assert data["runners"][0]["feature_flags"] == {"FF_GIT_URLS_WITHOUT_TOKENS": True}
    assert get_rule("git-urls-carry-token").breaks


# --- k8s-job-overrides: executors/kubernetes/overwrites.go evaluateOverwrite ------------------


def test_kubernetes_overrides_and_unanchored_patterns() -> None:
    text = k8s(
        'Namespace_Overwrite_Allowed = "ci-.*"\n'
        'service_account_overwrite_allowed = "^ci-sa$"\n'
        'pod_annotations_overwrite_allowed = ""\n'
        "bearer_token_overwrite_allowed = true\n"
    )
    found = issues("k8s-job-overrides", text)
    assert [issue.key for issue in found] == [
        "Namespace_Overwrite_Allowed",
        "service_account_overwrite_allowed",
        "bearer_token_overwrite_allowed",
    ]
    assert "not anchored" in found[0].message
    assert "not anchored" not in found[1].message
    data = fixed("k8s-job-overrides", text)["runners"][0]["kubernetes"]
    assert data["Namespace_Overwrite_Allowed"] == ""
    assert data["bearer_token_overwrite_allowed"] is False


# --- k8s-pull-policy-unset: common/config.go GetPullPolicies returns "" (cluster default) ---


def test_kubernetes_without_pull_policy_uses_the_cluster_default() -> None:
    text = k8s('image = "alpine:3.20"\n')
    (issue,) = issues("k8s-pull-policy-unset", text)
    assert "IfNotPresent" in issue.message
    assert fixed("k8s-pull-policy-unset", text)["runners"][0]["kubernetes"]["pull_policy"] == (
        "always"
    )
    assert issues("k8s-pull-policy-unset", k8s('PULL_POLICY = ["always"]\n')) == []
    assert issues("k8s-pull-policy-unset", text, Trust.SINGLE_PROJECT) == []


# --- k8s-default-drop-replaced: common/config.go mergeCapabilitiesAddDrop replaces Drop ---------


def test_container_drop_list_replaces_the_net_raw_default() -> None:
    text = k8s("[runners.kubernetes.build_container_security_context.capabilities]\ndrop = []\n")
    (issue,) = issues("k8s-default-drop-replaced", text)
    assert "NET_RAW" in issue.message
    data = fixed("k8s-default-drop-replaced", text)
    context = data["runners"][0]["kubernetes"]["build_container_security_context"]
    assert context["capabilities"]["drop"] == ["NET_RAW"]
    inline = k8s('helper_container_security_context = { capabilities = { drop = ["ALL"] } }\n')
    assert issues("k8s-default-drop-replaced", inline) == []
    # cap_drop = [] at pod level adds nothing and removes nothing: the default stays.
    assert issues("k8s-default-drop-replaced", k8s("cap_drop = []\n")) == []


# --- k8s-bidirectional-mount and k8s-pod-spec-patches --------------------------------------------


def test_bidirectional_host_path() -> None:
    text = k8s(
        '[[runners.kubernetes.volumes.host_path]]\nname = "x"\nmount_path = "/x"\n'
        'host_path = "/srv/x"\nMount_Propagation = "Bidirectional"\n'
    )
    (issue,) = issues("k8s-bidirectional-mount", text)
    assert "(x)" in issue.message
    assert issues("k8s-bidirectional-mount", text.replace("Bidirectional", "None")) == []


def test_pod_spec_patches_count_unless_the_feature_flag_is_pinned_off() -> None:
    """docs/executors/kubernetes "Overwrite generated pod specifications": the patches need
    FF_USE_ADVANCED_POD_SPEC_CONFIGURATION; populateFeatureFlags (common/build_settings.go)
    lets a job variable turn an unpinned flag on."""
    patch = (
        '[[runners.kubernetes.pod_spec]]\nname = "h"\npatch_type = "strategic"\n'
        "patch = '''\nhostNetwork: true\n'''\n"
    )
    text = '[[runners]]\nexecutor = "kubernetes"\n[runners.kubernetes]\n' + patch
    (unpinned,) = issues("k8s-pod-spec-patches", text)
    assert "any job can set it as a variable" in unpinned.message
    off = text + "[runners.feature_flags]\nFF_USE_ADVANCED_POD_SPEC_CONFIGURATION = false\n"
    assert issues("k8s-pod-spec-patches", off) == []
    through_environment = text.replace(
        "[runners.kubernetes]",
        'environment = ["FF_USE_ADVANCED_POD_SPEC_CONFIGURATION=1"]\n[runners.kubernetes]',
    )
    (issue,) = issues("k8s-pod-spec-patches", through_environment)
    assert "environment turns it on" in issue.message
    flagged = text + "[runners.feature_flags]\nFF_USE_ADVANCED_POD_SPEC_CONFIGURATION = true\n"
    (issue,) = issues("k8s-pod-spec-patches", flagged)
    assert "hostNetwork" in issue.message


# --- unconfined-profile: Docker security options and Kubernetes profile types ------------------


def test_unconfined_docker_options_in_any_spelling() -> None:
    text = docker('Security_Opt = ["seccomp=unconfined", "no-new-privileges:true"]\n')
    (issue,) = issues("unconfined-profile", text)
    assert issue.key == "Security_Opt"
    assert "seccomp=unconfined" in issue.message
    services = docker('services_security_opt = ["apparmor:unconfined", "label=disable"]\n')
    (svc,) = issues("unconfined-profile", services)
    assert "service containers" in svc.message
    assert get_rule("unconfined-profile").fix is None  # someone turned it off on purpose
    assert issues("unconfined-profile", docker('security_opt = ["seccomp=/p.json"]\n')) == []


def test_unconfined_kubernetes_profiles_and_unmasked_proc() -> None:
    """common/config.go KubernetesSeccompProfile / ProcMount on the container context."""
    text = k8s(
        'pod_security_context.seccomp_profile = { type = "Unconfined" }\n'
        '[runners.kubernetes.build_container_security_context]\nproc_mount = "unmasked"\n'
    )
    found = issues("unconfined-profile", text)
    assert len(found) == 2
    assert any("proc_mount" in issue.message for issue in found)


# --- host-devices --------------------------------------------------------------------------


def test_host_devices_in_dotted_and_folded_spellings() -> None:
    text = (
        '[[runners]]\nexecutor = "docker"\ndocker.devices = ["/dev/mem:/dev/mem", "/dev/sda"]\n'
        'docker.Device_Cgroup_Rules = ["c *:* rmw"]\ndocker.gpus = "all"\n'
    )
    found = issues("host-devices", text)
    assert len(found) == 3
    assert "host's memory" in found[0].message
    assert "host disk" in found[0].message
    assert "any major number" in found[1].message
    assert "GPUs" in found[2].message


# --- container-runtime-options ------------------------------------------------------------


def test_runtime_namespaces_and_sysctls() -> None:
    text = docker(
        'pid_mode = "container:db"\nruntime = "custom-runtime"\n'
        '[runners.docker.sysctls]\n"net.ipv4.ip_forward" = "1"\n'
        '"net.ipv4.ping_group_range" = "0 0"\n'
    )
    found = issues("container-runtime-options", text)
    assert len(found) == 3
    assert "net.ipv4.ip_forward" in found[2].message
    assert "ping_group_range" not in found[2].message
    assert issues("container-runtime-options", docker('runtime = "runc"\n')) == []


# --- helper-image-untrusted: helpers/container/helperimage/info.go GitLabRegistryName -------------


@pytest.mark.parametrize(
    ("image", "fires"),
    [
        ("registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper:x86_64-v19.2.0", False),
        ("gitlab/gitlab-runner-helper:x86_64-latest", True),
        ("gitlab/gitlab-runner-helper:ubuntu-x86_64-v18.5.0", False),
        ("registry.cn-shanghai.aliyuncs.com/someone/helper:14.8.3", True),
        ("someone/gitlab-runner-helper:x86_64-v17.0.0", True),
        ("registry.example.com/mirror/gitlab-runner-helper:x86_64-v17.0.0", False),
        ("", False),
    ],
)
def test_helper_image(image: str, fires: bool) -> None:
    assert bool(issues("helper-image-untrusted", docker(f'Helper_Image = "{image}"\n'))) is fires


# --- images-unrestricted: common/allowed_images.go matches with doublestar ---------------------


@pytest.mark.parametrize("pattern", ["**/*", "*/*:*", "**"])
def test_allow_everything_patterns_are_unrestricted(pattern: str) -> None:
    text = docker(f'allowed_images = ["{pattern}"]\nallowed_services = ["docker:*-dind"]\n')
    (issue,) = issues("images-unrestricted", text)
    assert pattern in issue.message
    narrow = docker('allowed_images = ["registry.example.com/**/*"]\nallowed_services = ["x"]\n')
    assert issues("images-unrestricted", narrow) == []


@pytest.mark.parametrize("pattern", ["*", "*:*"])
def test_a_lone_star_admits_only_official_images_and_is_not_unrestricted(pattern: str) -> None:
    """executors/docker/docker_test.go testAllowedImages: "*" admits "ruby:3.3" but not
    "library/ruby" or "my.registry.tld/ruby": no registry and no namespace gets in."""
    text = docker(f'allowed_images = ["{pattern}"]\nallowed_services = ["{pattern}"]\n')
    assert issues("images-unrestricted", text) == []


# --- shared-cache-mount: executors/docker/internal/volumes keep /cache per project ------------


def test_host_folder_over_the_cache_is_shared_by_every_project() -> None:
    text = docker('volumes = ["/srv/runner-cache:/cache", "/cache2"]\n')
    (issue,) = issues("shared-cache-mount", text)
    assert "/srv/runner-cache" in issue.message
    assert issues("shared-cache-mount", docker('volumes = ["/cache"]\n')) == []
    custom = '[[runners]]\nexecutor = "docker"\ncache_dir = "/ci-cache"\n' + (
        '[runners.docker]\nvolumes = ["/data/c:/ci-cache"]\n'
    )
    assert issues("shared-cache-mount", custom)


# --- shared-network-mode: executors/docker/internal/networks/manager.go ----------------------


def test_named_network_mode_is_shared_and_per_build_flag_is_moot() -> None:
    text = docker('network_mode = "gitlab-network"\n')
    (issue,) = issues("shared-network-mode", text)
    assert "'gitlab-network'" in issue.message
    assert "ignored" in issue.message
    assert issues("per-build-network-disabled", text) == []
    assert issues("shared-network-mode", docker('network_mode = "none"\n')) == []
    assert issues("shared-network-mode", docker('network_mode = "host"\n')) == []


def test_per_build_network_fix_is_unsafe_and_skips_one_job_vms() -> None:
    rule = get_rule("per-build-network-disabled")
    assert rule.fix == "unsafe"
    assert "dind" in rule.breaks or "Docker-in-Docker" in rule.breaks
    one_job = (
        '[[runners]]\nexecutor = "docker+machine"\n[runners.docker]\nimage = "a"\n'
        "[runners.machine]\nMaxBuilds = 1\n"
    )
    assert issues("per-build-network-disabled", one_job) == []
    env = '[[runners]]\nexecutor = "docker"\nenvironment = ["FF_NETWORK_PER_BUILD=1"]\n'
    (issue,) = issues("per-build-network-disabled", env)
    assert "only through environment" in issue.message


def test_lower_case_feature_flag_is_off_for_the_runner() -> None:
    """common/config.go IsFeatureFlagDefined reads the map by exact name."""
    text = (
        '[[runners]]\nexecutor = "docker"\n[runners.feature_flags]\nff_network_per_build = true\n'
    )
    assert issues("per-build-network-disabled", text)
    (unknown,) = issues("unknown-key", text)
    assert "FF_NETWORK_PER_BUILD" in unknown.message
    assert unknown.severity is Severity.HIGH


def test_git_config_is_not_a_finding_when_jobs_clone_afresh() -> None:
    """A clone deletes the old checkout first (shells/abstract.go), hooks included."""
    text = '[[runners]]\nexecutor = "shell"\nenvironment = ["GIT_STRATEGY=clone"]\n'
    assert issues("git-config-not-cleaned", text) == []
