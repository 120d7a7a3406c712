"""Rules corrected or added after a line-by-line check against the runner's source (19.4.0).

Each test names the runner, Kubernetes or docs source it rests on, and each case
failed on the catalogue before this round.
"""

from __future__ import annotations

import pytest

from tests.rule_checks import fixed, issues
from wizard.base.model import Severity, Trust
from wizard.rules.catalogue import get_rule


def runner(executor: str, body: str = "") -> str:
    return f'[[runners]]\nexecutor = "{executor}"\n{body}'


# --- hook-writes-job-token: only where the hook runs on a host that outlives the job ------
# executors/docker and executors/kubernetes run pre_get_sources_script in the job's
# containers, whose home (and so git config --global) is discarded with them.

HOOK = (
    'pre_get_sources_script = "git config --global url.https://gitlab-ci-token:${CI_JOB_TOKEN}'
    '@gitlab.example.com/.insteadOf https://gitlab.example.com/"\n'
)


@pytest.mark.parametrize("executor", ["docker", "kubernetes", "docker-autoscaler"])
def test_hook_in_a_throwaway_container_is_not_reported(executor: str) -> None:
    assert issues("hook-writes-job-token", runner(executor, HOOK)) == []


@pytest.mark.parametrize("executor", ["shell", "ssh", "custom"])
def test_hook_on_a_reused_host_is_reported(executor: str) -> None:
    (issue,) = issues("hook-writes-job-token", runner(executor, HOOK))
    assert executor in issue.message


def test_hook_storing_credentials_with_the_store_helper() -> None:
    hook = 'pre_build_script = "git config --global credential.helper store"\n'
    (issue,) = issues("hook-writes-job-token", runner("shell", hook))
    assert "pre_build_script" in issue.message


def test_instance_with_a_vm_per_job_is_not_a_reused_host() -> None:
    isolated = "[runners.autoscaler]\nmax_use_count = 1\ncapacity_per_instance = 1\n"
    assert issues("hook-writes-job-token", runner("instance", HOOK + isolated)) == []
    assert len(issues("hook-writes-job-token", runner("instance", HOOK))) == 1


# --- token-masking-disabled: CI_JOB_TOKEN stays masked -------------------------------------
# common/build.go getNewLogger masks every masked variable (CI_JOB_TOKEN is one) and
# common/buildlogger/internal/tokensanitizer DefaultTokenPrefixes always keeps glpat-;
# the flag adds gldt-, glrt-, glcbt-, glft- and the other prefixes.


def test_token_masking_message_does_not_claim_the_job_token_leaks() -> None:
    text = runner("docker", "[runners.feature_flags]\nFF_MASK_ALL_DEFAULT_TOKENS = false\n")
    (issue,) = issues("token-masking-disabled", text)
    assert "CI_JOB_TOKEN among them" in issue.message
    assert "job, runner and deploy tokens" not in issue.message
    assert "CI_JOB_TOKEN as a masked variable" in get_rule("token-masking-disabled").rationale


@pytest.mark.parametrize("value", ["false", "0", "F", "FALSE"])
def test_token_masking_turned_off_through_environment(value: str) -> None:
    """populateFeatureFlags parses job variables (environment included) with ParseBool."""
    text = runner("docker", f'environment = ["FF_MASK_ALL_DEFAULT_TOKENS={value}"]\n')
    (issue,) = issues("token-masking-disabled", text)
    assert "environment" in issue.message
    data = fixed("token-masking-disabled", text)
    assert data["runners"][0]["feature_flags"]["FF_MASK_ALL_DEFAULT_TOKENS"] is True
    # A flag pinned true wins over environment (the runner's setting takes precedence).
    pinned = text + "[runners.feature_flags]\nFF_MASK_ALL_DEFAULT_TOKENS = true\n"
    assert issues("token-masking-disabled", pinned) == []
    # Not a Go boolean: the runner ignores it and keeps the default (on).
    assert issues("token-masking-disabled", text.replace(value, "no")) == []


# --- k8s-bidirectional-mount: rejected without privileged mode -----------------------------
# Kubernetes pkg/apis/core/validation/validation.go validateMountPropagation:
# "Bidirectional mount propagation is available only to privileged containers".

BIDIRECTIONAL = """\
[[runners]]
executor = "kubernetes"
[runners.kubernetes]
{extra}
[[runners.kubernetes.volumes.host_path]]
name = "shared"
mount_path = "/mnt"
host_path = "/mnt"
mount_propagation = "Bidirectional"
"""


def test_bidirectional_without_privileged_is_a_broken_config() -> None:
    (issue,) = issues("k8s-bidirectional-mount", BIDIRECTIONAL.format(extra=""))
    assert issue.severity is Severity.LOW
    assert "rejects such a pod" in issue.message


@pytest.mark.parametrize(
    "extra",
    ["privileged = true", "build_container_security_context = { privileged = true }"],
)
def test_bidirectional_with_privileged_is_an_exposure(extra: str) -> None:
    (issue,) = issues("k8s-bidirectional-mount", BIDIRECTIONAL.format(extra=extra))
    assert issue.severity is None
    assert "appear on the node" in issue.message


# --- git-strategy-fetch-shared on docker: volumes split by protected state ------------------
# executors/docker/volume.go createVolumesManager: Protected = IsProtected() || a -protected
# cache key; internal/volumes/manager.go withProtected adds the "-protected" suffix.


def test_docker_fetch_message_says_protected_refs_get_their_own_volume() -> None:
    (issue,) = issues("git-strategy-fetch-shared", runner("docker"))
    assert "any branch" not in issue.message
    assert "separate volumes for protected and unprotected refs" in issue.message


# --- helper-image-untrusted: the docs' own pinned form --------------------------------------
# executors/docker/docker.go getHelperImage: ExpandValue(HelperImage) with the build's
# variables; docs configuration/advanced-configuration.md "helper image" example
# my.registry.local/gitlab/gitlab-runner-helper:x86_64-v${CI_RUNNER_VERSION}.


@pytest.mark.parametrize(
    "image",
    [
        "registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper:x86_64-v${CI_RUNNER_VERSION}",
        "my.registry.local/gitlab/gitlab-runner-helper:x86_64-v${CI_RUNNER_VERSION}",
        "my.registry.local/gitlab/gitlab-runner-helper:x86_64-$CI_RUNNER_REVISION",
    ],
)
def test_helper_image_pinned_to_the_runner_version(image: str) -> None:
    text = runner("docker", f'[runners.docker]\nhelper_image = "{image}"\n')
    assert issues("helper-image-untrusted", text) == []


def test_helper_image_tag_from_another_variable_is_chosen_by_the_job() -> None:
    image = "my.registry.local/gitlab/gitlab-runner-helper:${HELPER_TAG}"
    text = runner("docker", f'[runners.docker]\nhelper_image = "{image}"\n')
    (issue,) = issues("helper-image-untrusted", text)
    assert "a job can choose it" in issue.message


# --- autoscaler-vm-reuse: severity follows what a job can reach -----------------------------
# docs security/_index.md "Reduce the security risk of using privileged containers" ties
# one job per VM (MaxBuilds = 1, max_use_count = 1) to privileged mode.


def test_vm_reuse_is_lower_on_unprivileged_docker_autoscalers() -> None:
    text = runner("docker-autoscaler", "[runners.docker]\nprivileged = false\n")
    (issue,) = issues("autoscaler-vm-reuse", text, Trust.MULTI_PROJECT)
    assert issue.severity is Severity.LOW
    assert "not privileged" in issue.message
    privileged = text.replace("privileged = false", "privileged = true")
    (issue,) = issues("autoscaler-vm-reuse", privileged, Trust.MULTI_PROJECT)
    assert issue.severity is None  # the rule's high
    # The instance executor runs jobs on the VM itself: full severity.
    (issue,) = issues("autoscaler-vm-reuse", runner("instance"), Trust.MULTI_PROJECT)
    assert issue.severity is None


# --- privileged advice -----------------------------------------------------------------------


def test_privileged_advice_names_rootless_builders_and_the_image_allowlist() -> None:
    remedy = get_rule("privileged-container").remedy
    for word in ("BuildKit", "Buildah", "Podman", "allowed_privileged_images"):
        assert word in remedy
    assert "kaniko" not in remedy.lower()


# --- config-file-permissions: only a file that holds a secret is a high finding ------------
# common/config.go SaveConfig: os.WriteFile(..., 0o600) sets the mode only on a new file.


def test_permissions_of_a_file_without_secrets_are_only_noted() -> None:
    template = runner("docker", '[runners.docker]\nimage = "alpine"\n')
    for text in ("", template):
        (issue,) = issues("config-file-permissions", text, file_mode=0o644)
        assert issue.severity is Severity.INFO
        assert "holds no token or password" in issue.message
    with_token = '[[runners]]\ntoken = "glrt-secretsecret"\nexecutor = "shell"\n'
    (issue,) = issues("config-file-permissions", with_token, file_mode=0o644)
    assert issue.severity is None  # the rule's own high
    with_cache_key = runner("docker", '[runners.cache.s3]\nSecretKey = "abc"\n')
    (issue,) = issues("config-file-permissions", with_cache_key, file_mode=0o640)
    assert issue.severity is None


# --- sensitive-host-path: a CA certificate mounted read-only, as the docs do ---------------
# docs configuration/tls-self-signed.md:
# volumes = ["/cache", "/path/to-ca-cert-dir/ca.crt:/etc/gitlab-runner/certs/ca.crt:ro"]


@pytest.mark.parametrize(
    "volume",
    [
        "/etc/gitlab-runner/certs/ca.crt:/etc/gitlab-runner/certs/ca.crt:ro",
        "/etc/gitlab-runner/certs:/etc/gitlab-runner/certs:ro",
        "/etc/ssh/ca.pem:/ca.pem:ro,z",
    ],
)
def test_read_only_certificate_mount_is_not_sensitive(volume: str) -> None:
    text = runner("docker", f'[runners.docker]\nvolumes = ["{volume}"]\n')
    assert issues("sensitive-host-path", text) == []
    writable = volume.removesuffix(":ro").removesuffix(":ro,z")
    found = issues("sensitive-host-path", text.replace(volume, writable))
    assert found, "a writable mount lets a job change what the host trusts"


def test_read_only_key_file_stays_sensitive() -> None:
    volume = "/etc/gitlab-runner/certs/client.key.pem:/k.pem:ro"
    text = runner("docker", f'[runners.docker]\nvolumes = ["{volume}"]\n')
    assert issues("sensitive-host-path", text)


def test_kubernetes_read_only_certificate_host_path() -> None:
    text = (
        '[[runners]]\nexecutor = "kubernetes"\n[[runners.kubernetes.volumes.host_path]]\n'
        'name = "ca"\nhost_path = "/etc/gitlab-runner/certs/ca.crt"\n'
        'mount_path = "/etc/gitlab-runner/certs/ca.crt"\nread_only = true\n'
    )
    assert issues("sensitive-host-path", text) == []
    assert issues("sensitive-host-path", text.replace("read_only = true", "read_only = false"))


# --- unknown-key: global keys and GitLab-side settings written in [[runners]] --------------
# common/config.go: CheckInterval is a field of Config (the top of the file);
# strict_check_interval is a RunnerSettings boolean. commands/register.go lists
# --locked, --access-level, --run-untagged, --tag-list... as settings GitLab keeps.


def test_check_interval_in_a_runner_belongs_at_the_top_of_the_file() -> None:
    (issue,) = issues("unknown-key", runner("shell", "check_interval = 3\n"))
    assert "belongs at the top of the file" in issue.message
    assert "strict_check_interval" not in issue.message


@pytest.mark.parametrize("key", ["run_untagged", "locked", "tag_list", "protected", "tags"])
def test_gitlab_side_settings_say_where_they_are_set(key: str) -> None:
    (issue,) = issues("unknown-key", runner("shell", f"{key} = true\n"))
    assert "GitLab keeps this setting" in issue.message
    assert "runners API" in issue.message


# --- k8s-privilege-escalation: per-container values win over the pod-wide one --------------
# common/config.go GetContainerSecurityContext / getContainerSecurityContextEffectiveFlagValue.

EVERY_CONTAINER_FORBIDS = """\
[[runners]]
executor = "kubernetes"
[runners.kubernetes.build_container_security_context]
allow_privilege_escalation = false
[runners.kubernetes.helper_container_security_context]
allow_privilege_escalation = false
[runners.kubernetes.service_container_security_context]
allow_privilege_escalation = false
[runners.kubernetes.init_permissions_container_security_context]
allow_privilege_escalation = false
"""


def test_pod_wide_escalation_unset_is_fine_when_every_container_forbids_it() -> None:
    assert issues("k8s-privilege-escalation", EVERY_CONTAINER_FORBIDS) == []
    one_open = EVERY_CONTAINER_FORBIDS.rsplit("[runners.kubernetes.init_permissions", 1)[0]
    assert issues("k8s-privilege-escalation", one_open)


# --- k8s-privileged-without-escalation: the pod is rejected -------------------------------
# Kubernetes pkg/apis/core/validation ValidateSecurityContext: "cannot set
# `allowPrivilegeEscalation` to false and `privileged` to true".


def test_privileged_with_escalation_forbidden_never_starts() -> None:
    text = (
        '[[runners]]\nexecutor = "kubernetes"\n[runners.kubernetes]\n'
        "privileged = true\nallow_privilege_escalation = false\n"
    )
    (issue,) = issues("k8s-privileged-without-escalation", text)
    assert "no job of this runner starts" in issue.message
    # A build container that turns privileged off still leaves the helper rejected.
    build_off = text + "[runners.kubernetes.build_container_security_context]\nprivileged = false\n"
    (issue,) = issues("k8s-privileged-without-escalation", build_off)
    assert "helper_container" in issue.message
    assert "build_container," not in issue.message
    # Only a service container privileged: jobs with services fail.
    service = (
        '[[runners]]\nexecutor = "kubernetes"\n[runners.kubernetes]\n'
        "allow_privilege_escalation = false\n"
        "[runners.kubernetes.service_container_security_context]\nprivileged = true\n"
    )
    (issue,) = issues("k8s-privileged-without-escalation", service)
    assert "jobs that start those fail" in issue.message
    assert issues("k8s-privileged-without-escalation", text.replace("= false", "= true")) == []


# --- allowlists read with the runner's doublestar matcher --------------------------------
# common/allowed_images.go and executors/docker/docker.go isInAllowedPrivilegedImages call
# doublestar.Match(pattern, image); the table below is executors/docker/docker_test.go
# testAllowedImages.

RUNNER_MATCHER_TABLE = [
    (True, "ruby", "*"),
    (True, "ruby:3.3", "*"),
    (True, "library/ruby", "*/*"),
    (True, "library/ruby:3.3", "*/*:*"),
    (True, "my.registry.tld/group/subgroup/ruby:3.3", "my.registry.tld/*/*/*:*"),
    (True, "ruby", "**/*"),
    (True, "library/ruby:3.3", "**/*:*"),
    (True, "my.registry.tld/group/subgroup/ruby", "my.registry.tld/**/*"),
    (False, "library/ruby", "*"),
    (False, "my.registry.tld/ruby", "*"),
    (False, "library/ruby", "*/*:*"),
    (False, "my.registry.tld/group/subgroup/ruby", "my.registry.tld/*/*"),
    (False, "library/ruby", "**/*:*"),
]


@pytest.mark.parametrize(("expected", "image", "pattern"), RUNNER_MATCHER_TABLE)
def test_pattern_matching_follows_the_runners_own_table(
    expected: bool, image: str, pattern: str
) -> None:
    from wizard.rules.image_patterns import matches

    assert matches(pattern, image) is expected


@pytest.mark.parametrize("pattern", ["**", "**/*", "*.*/**"])
def test_match_all_privileged_allowlist_restricts_nothing(pattern: str) -> None:
    text = runner(
        "docker",
        f'[runners.docker]\nprivileged = true\nallowed_privileged_images = ["{pattern}"]\n'
        f'allowed_privileged_services = ["{pattern}"]\n',
    )
    (issue,) = issues("privileged-without-image-allowlist", text)
    assert "matches any image" in issue.message
    (issue,) = issues("privileged-services", text)
    assert "matches any image" in issue.message
    narrow = text.replace(pattern, "docker:27-dind")
    assert issues("privileged-without-image-allowlist", narrow) == []


@pytest.mark.parametrize(
    ("pattern", "registry"),
    [("docker.io/**", "docker.io"), ("ghcr.io/**/*", "ghcr.io"), ("*/*:1", None)],
)
def test_allowed_images_that_admit_a_whole_public_registry(
    pattern: str, registry: str | None
) -> None:
    text = runner(
        "docker", f'[runners.docker]\nallowed_images = ["{pattern}"]\nallowed_services = ["*"]\n'
    )
    (issue,) = issues("images-unrestricted", text)
    if registry is None:
        assert "any registry" in issue.message
    else:
        assert f"every publisher's images on {registry}" in issue.message
    # *.*/** names no registry at all: any host with a dot in it.
    anywhere = text.replace(pattern, "*.*/**")
    (issue,) = issues("images-unrestricted", anywhere)
    assert "from any registry" in issue.message
    own = text.replace(pattern, "registry.example.com/team/**")
    assert issues("images-unrestricted", own) == []


# --- host-level-executor: ssh, instance without a VM per job, custom ------------------------
# docs security/_index.md "Usage of Shell executor" and executors/instance.md; server-check
# counts these runners among those that must take protected branches only.


def test_host_level_executors_are_reported_like_shell() -> None:
    (ssh,) = issues("host-level-executor", runner("ssh"))
    assert "like the shell executor" in ssh.message
    (instance,) = issues("host-level-executor", runner("instance"))
    assert "vm_isolation" in instance.message
    isolated = runner("instance", "[runners.autoscaler.vm_isolation]\nenabled = true\n")
    assert issues("host-level-executor", isolated) == []
    (custom,) = issues("host-level-executor", runner("custom"))
    assert custom.severity is Severity.MEDIUM  # no cleanup_exec: nothing per job to remove
    torn_down = runner("custom", '[runners.custom]\ncleanup_exec = "/opt/lxd/cleanup.sh"\n')
    assert issues("host-level-executor", torn_down) == []


def test_server_check_counts_host_level_escapes_as_dangerous() -> None:
    from wizard.server.check import dangerous_settings

    data = {
        "runners": [
            {"executor": "ssh"},
            {"executor": "docker", "docker": {"cap_add": ["SYS_ADMIN"]}},
            {"executor": "docker", "docker": {"volumes": ["/:/host"]}},
        ]
    }
    found = dangerous_settings(data, Trust.MULTI_PROJECT)
    assert set(found) == {0, 1, 2}


# --- services-not-confined -------------------------------------------------------------------
# executors/docker/docker.go createHostConfigForService: SecurityOpt is services_security_opt,
# no CapAdd/CapDrop; services.go: GetServicesLimit() -1 (unset) means no limit.


def test_services_miss_the_job_containers_no_new_privileges() -> None:
    text = runner(
        "docker",
        '[runners.docker]\nsecurity_opt = ["no-new-privileges:true"]\ncap_drop = ["ALL"]\n',
    )
    (issue,) = issues("services-not-confined", text)
    assert "cap_drop never reaches services" in issue.message
    confined = text + 'services_security_opt = ["no-new-privileges:true"]\n'
    assert issues("services-not-confined", confined) == []


def test_unlimited_services_on_a_public_runner() -> None:
    text = runner("docker", "[runners.docker]\nimage = 'alpine'\n")
    (issue,) = issues("services-not-confined", text, Trust.PUBLIC)
    assert "services_limit" in issue.message
    limited = text + "services_limit = 0\n"
    assert issues("services-not-confined", limited, Trust.PUBLIC) == []


# --- windows-process-isolation and container-joins-outside -----------------------------------
# executors/docker/docker.go: Isolation passed to job and service host configs; VolumesFrom,
# Links, GroupAdd and OomKillDisable copied into the build container's HostConfig.


def test_windows_process_isolation() -> None:
    text = runner("docker-windows", '[runners.docker]\nisolation = "process"\n')
    (issue,) = issues("windows-process-isolation", text)
    assert "share the Windows host's kernel" in issue.message
    assert fixed("windows-process-isolation", text)["runners"][0]["docker"]["isolation"] == (
        "hyperv"
    )


def test_options_that_join_a_job_to_the_outside() -> None:
    text = runner(
        "docker",
        '[runners.docker]\nvolumes_from = ["data"]\nlinks = ["db:db"]\ngroup_add = ["docker"]\n'
        "oom_kill_disable = true\n",
    )
    keys = [issue.key for issue in issues("container-joins-outside", text)]
    assert keys == ["volumes_from", "links", "group_add", "oom_kill_disable"]
    shm = runner("docker", "[runners.docker]\nshm_size = 8589934592\n")
    (issue,) = issues("container-joins-outside", shm)
    assert "8192 MiB" in issue.message
    limited = shm + 'memory = "4g"\n'
    assert issues("container-joins-outside", limited) == []


# --- helper-image-untrusted covers step_runner_image; runtime_class_name; service GPUs ------
# common/config.go RunnerSettings.StepRunnerImage; KubernetesConfig.RuntimeClassName;
# DockerConfig.ServiceGpus.


def test_third_party_step_runner_image() -> None:
    text = runner("docker", 'step_runner_image = "someone/step-runner:latest"\n')
    (issue,) = issues("helper-image-untrusted", text)
    assert issue.key == "step_runner_image"
    official = text.replace(
        "someone/step-runner:latest", "registry.gitlab.com/gitlab-org/step-runner:v0.3.0"
    )
    assert issues("helper-image-untrusted", official) == []


def test_runtime_class_and_service_gpus_are_listed() -> None:
    k8s = runner("kubernetes", '[runners.kubernetes]\nruntime_class_name = "runc-plain"\n')
    (issue,) = issues("container-runtime-options", k8s)
    assert "RuntimeClass" in issue.message
    gpus = runner("docker", '[runners.docker]\nservice_gpus = "all"\n')
    (issue,) = issues("host-devices", gpus)
    assert issue.key == "service_gpus"


# --- unconfined-profile: SELinux spc_t and a fixed MCS level --------------------------------
# docs executors/docker.md "Configure SELinux MCS"; Docker's label:type / label:level options.


@pytest.mark.parametrize("option", ["label=type:spc_t", "label:type:spc_t"])
def test_selinux_super_privileged_type(option: str) -> None:
    text = runner("docker", f'[runners.docker]\nsecurity_opt = ["{option}"]\n')
    (issue,) = issues("unconfined-profile", text)
    assert "without that kernel confinement" in issue.message
    k8s = runner(
        "kubernetes",
        '[runners.kubernetes.build_container_security_context]\nselinux_type = "spc_t"\n',
    )
    assert issues("unconfined-profile", k8s)


def test_fixed_mcs_level_is_shared_by_every_job() -> None:
    text = runner("docker", '[runners.docker]\nsecurity_opt = ["label=level:s0:c100,c200"]\n')
    (issue,) = issues("unconfined-profile", text)
    assert "same SELinux MCS categories" in issue.message


# --- vm-allowed-images-unanchored ------------------------------------------------------------
# executors/vm/vm.go: regexp.Compile then MatchString, which matches anywhere in the name.


@pytest.mark.parametrize("executor", ["virtualbox", "parallels"])
def test_vm_allowed_images_must_be_anchored(executor: str) -> None:
    text = runner(executor, f'[runners.{executor}]\nallowed_images = ["ubuntu", "^win11$"]\n')
    (issue,) = issues("vm-allowed-images-unanchored", text)
    assert "'ubuntu'" in issue.message
    assert "'^win11$'" not in issue.message
    data = fixed("vm-allowed-images-unanchored", text)
    assert data["runners"][0][executor]["allowed_images"] == ["^(?:ubuntu)$", "^win11$"]


# --- cloud metadata beyond docker+machine --------------------------------------------------
# AWS IMDSv2: a hop limit of 1 stops the token answer one network hop from the instance, a
# container behind a bridge; a process on the instance itself (shell job, instance job) is
# on the first hop. docs security/_index.md "Network segmentation".


def test_autoscaler_and_instance_metadata_is_named() -> None:
    (autoscaler,) = issues("cloud-metadata-outside-config", runner("docker-autoscaler"))
    assert "instance template" in autoscaler.message
    (instance,) = issues("cloud-metadata-outside-config", runner("instance"))
    assert "does not stop them" in instance.message
    assert issues("cloud-metadata-outside-config", runner("docker")) == []


@pytest.mark.parametrize("executor", ["shell", "instance"])
def test_host_jobs_checklist_uses_the_token_flow_and_no_missing_file(executor: str) -> None:
    from wizard.answers.model import Answers
    from wizard.artifacts.checklist import checklist_items
    from wizard.artifacts.nftables import NFT_FILE
    from wizard.base.model import Executor

    answers = Answers(executor=Executor(executor), host_measures=("metadata-endpoint",))
    items = checklist_items(answers, executor=Executor(executor), gitlab_url=None, files=())
    (item,) = [i for i in items if "metadata service" in i.title and "host" in i.title]
    assert "-X PUT" in item.verify
    assert "latest/api/token" in item.verify
    assert "does not stop them" in item.why
    assert NFT_FILE not in item.do  # the ruleset is not written for these answers


def test_no_new_privileges_fix_confines_services_in_the_same_step() -> None:
    """createHostConfigForService takes services_security_opt alone, so the job-container
    fix would otherwise leave services-not-confined behind it."""
    text = runner("docker", '[runners.docker]\nimage = "alpine"\n')
    data = fixed("no-new-privileges-missing", text)
    docker = data["runners"][0]["docker"]
    assert docker["security_opt"] == ["no-new-privileges:true"]
    assert docker["services_security_opt"] == ["no-new-privileges:true"]
    assert issues("services-not-confined", data) == []


# --- seed gaps: builds on the host, submodules, if-not-present, Parallels -------------------


BUILDS_MOUNT = '[runners.docker]\nvolumes = ["/srv/builds:/builds"]\n'


def test_builds_dir_bind_mounted_over_the_host() -> None:
    """executors/docker/internal/volumes: the builds dir is a per-project volume unless a
    bind mount covers it; shells/abstract.go runs job cleanup (FF_ENABLE_JOB_CLEANUP) in
    every executor's job script."""
    (issue,) = issues("builds-dir-on-host", runner("docker", BUILDS_MOUNT))
    assert "every project's checkout" in issue.message
    (cleanup,) = issues("job-cleanup-disabled", runner("docker", BUILDS_MOUNT))
    assert "host folder mounted over the builds directory" in cleanup.message
    assert issues("builds-dir-on-host", runner("docker", '[runners.docker]\nimage = "a"\n')) == []
    assert issues("job-cleanup-disabled", runner("docker")) == []


def test_submodule_contents_kept_in_a_reused_checkout() -> None:
    """docs security/_index.md: submodule contents stay in .git of a fetched checkout."""
    text = runner("shell", 'environment = ["GIT_SUBMODULE_STRATEGY=recursive"]\n')
    (issue,) = issues("submodules-kept", text)
    assert ".git/modules" in issue.message
    data = fixed("submodules-kept", text)
    assert "GIT_STRATEGY=clone" in data["runners"][0]["environment"]
    assert issues("submodules-kept", runner("shell")) == []


def test_if_not_present_fails_the_default_gate_on_shared_runners() -> None:
    """docs security/_index.md "Usage of private Docker images with if-not-present pull
    policy": never or always where several users and projects share the runner."""
    rule = get_rule("pull-policy-if-not-present")
    assert rule.severity_for(Trust.MULTI_PROJECT) is Severity.HIGH
    assert '"always"' in rule.remedy
    assert '"never"' in rule.remedy


def test_parallels_isolated_mode_is_pointed_at() -> None:
    text = runner("parallels", '[runners.parallels]\nbase_name = "macos-14"\n')
    (issue,) = issues("parallels-isolation-unverified", text)
    assert "prlctl set macos-14 --isolate-vm on" in issue.message


def test_debug_log_level_is_named_with_the_release_that_masks_it() -> None:
    """CHANGELOG v17.11.0: "Mask sensitive config fields for debug logs" (!5116)."""
    (issue,) = issues("debug-log-level", 'log_level = "debug"\n')
    assert "17.11" in issue.message
    data = fixed("debug-log-level", 'log_level = "debug"\n')
    assert data["log_level"] == "info"
    assert issues("debug-log-level", 'log_level = "info"\n') == []


def test_host_path_over_the_kubernetes_cache_dir() -> None:
    """executors/kubernetes: the cache dir is the pod's own unless a volume covers it."""
    text = (
        '[[runners]]\nexecutor = "kubernetes"\n[[runners.kubernetes.volumes.host_path]]\n'
        'name = "cache"\nhost_path = "/var/cache/ci"\nmount_path = "/cache"\n'
    )
    (issue,) = issues("shared-cache-mount", text)
    assert "every project's jobs on that node" in issue.message


@pytest.mark.parametrize("executor", ["shell", "kubernetes", "instance", "virtualbox"])
def test_runner_to_runner_measure_gets_a_verifiable_item_on_every_executor(
    executor: str,
) -> None:
    """docs security/_index.md "Network segmentation": restrict traffic between runner VMs."""
    from wizard.answers.model import Answers
    from wizard.artifacts.checklist import checklist_items
    from wizard.base.model import Executor

    answers = Answers(executor=Executor(executor), host_measures=("runner-to-runner",))
    items = checklist_items(answers, executor=Executor(executor), gitlab_url=None, files=())
    (item,) = [i for i in items if "runner-to-runner" in i.measures]
    assert "ANOTHER_RUNNER_ADDRESS" in item.verify
    assert "non-zero" in item.expect


def test_container_ruleset_item_checks_the_peer_set_is_filled_in() -> None:
    from wizard.answers.model import Answers
    from wizard.artifacts.checklist import checklist_items
    from wizard.base.model import Executor

    answers = Answers(executor=Executor.DOCKER, host_measures=("runner-to-runner",))
    items = checklist_items(answers, executor=Executor.DOCKER, gitlab_url=None)
    (item,) = [i for i in items if "runner-to-runner" in i.measures]
    assert "runner_peers is empty" in item.verify


@pytest.mark.parametrize("pattern", ["*?" * 20 + "x/**", "*e" * 100 + "Q", "**/" * 100 + "x"])
def test_hostile_allowlist_patterns_are_read_in_bounded_time(pattern: str) -> None:
    """A backtracking translation took seconds on "*?*?...x/**"; the matcher is memoised."""
    import time

    from wizard.rules.image_patterns import admits_any_registry, public_registry_admitted

    started = time.monotonic()
    assert not admits_any_registry(pattern)
    assert public_registry_admitted(pattern) is None
    assert time.monotonic() - started < 2
