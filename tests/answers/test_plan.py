"""Answers → settings (and back): each answer writes the key the runner reads, once."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.answers.model import (
    Answers,
    CloneStrategy,
    JobUser,
    PrivilegedNeed,
    PullPolicyChoice,
)
from wizard.answers.plan import answers_from_config, edits_for_answers, problems
from wizard.answers.steps import recommended
from wizard.base.model import Executor, RemoveKey, SetValue, Trust
from wizard.tomlfile.document import parse_config
from wizard.tomlfile.edits import apply_edits


def config(text: str) -> dict[str, Any]:
    return tomllib.loads(text)


DOCKER = config(
    """
[[runners]]
name = "a"
executor = "docker"
[runners.docker]
image = "alpine"
"""
)


def test_no_answers_no_edits() -> None:
    assert edits_for_answers(Answers(), DOCKER, 0) == []


def test_executor_only_when_different() -> None:
    assert edits_for_answers(Answers(executor=Executor.DOCKER), DOCKER, 0) == []
    assert edits_for_answers(Answers(executor=Executor.SHELL), DOCKER, 0) == [
        SetValue(("runners", 0), "executor", "shell")
    ]


def test_answers_never_touch_capabilities_or_security_opt() -> None:
    """cap_drop and security_opt are no question's subject: the review offers their
    fixes (setuid-not-dropped, no-new-privileges-missing) to tick, answers alone never
    write them, whatever the job user."""
    data = config(
        """
[[runners]]
executor = "docker"
[runners.docker]
privileged = true
services_privileged = true
cap_drop = ["NET_RAW"]
security_opt = ["seccomp=/etc/x.json"]
"""
    )
    table = ("runners", 0, "docker")
    for user in (JobUser.NON_ROOT, JobUser.IMAGE_DEFAULT):
        answers = Answers(privileged=PrivilegedNeed.NONE, job_user=user)
        edits = edits_for_answers(answers, data, 0)
        assert edits[:2] == [
            SetValue(table, "privileged", False),
            SetValue(table, "services_privileged", False),
        ]
        assert {e.key for e in edits} <= {"privileged", "services_privileged", "user"}


@pytest.mark.parametrize(
    ("cap_drop", "security_opt"),
    [
        (["ALL"], ["no-new-privileges"]),
        (["setgid", "SETUID"], ["no-new-privileges=true"]),
        (["SETUID", "SETGID"], ["no-new-privileges:true"]),
    ],
)
def test_equivalent_confinement_is_left_alone(cap_drop: list[str], security_opt: list[str]) -> None:
    data = {
        "runners": [
            {
                "executor": "docker",
                "docker": {"privileged": False, "cap_drop": cap_drop, "security_opt": security_opt},
            }
        ]
    }
    assert edits_for_answers(Answers(privileged=PrivilegedNeed.NONE), data, 0) == []


def test_privileged_dind_gets_an_allowlist_and_one_job_per_vm() -> None:
    data = config(
        """
[[runners]]
executor = "docker+machine"
[runners.docker]
allowed_privileged_services = ["docker:27-dind"]
[runners.machine]
maxbuilds = 20
"""
    )
    edits = edits_for_answers(Answers(privileged=PrivilegedNeed.PRIVILEGED), data, 0)
    docker = ("runners", 0, "docker")
    assert SetValue(docker, "privileged", True) in edits
    assert SetValue(docker, "allowed_privileged_images", ["docker:*-dind", "docker:dind"]) in edits
    assert not any(
        isinstance(e, SetValue) and e.key == "allowed_privileged_services" for e in edits
    )
    # The file's own spelling is kept, so the existing line is updated.
    assert SetValue(("runners", 0, "machine"), "maxbuilds", 1) in edits


def test_non_root_user_and_allowed_users_without_root() -> None:
    data = config(
        """
[[runners]]
executor = "docker"
[runners.docker]
user = "root"
allowed_users = ["root", "1000"]
"""
    )
    edits = edits_for_answers(Answers(job_user=JobUser.NON_ROOT), data, 0)
    docker = ("runners", 0, "docker")
    assert SetValue(docker, "user", "1000:1000") in edits
    assert SetValue(docker, "allowed_users", ["1000"]) in edits


def test_image_default_removes_a_pinned_user() -> None:
    data = {"runners": [{"executor": "docker", "docker": {"user": "1000:1000"}}]}
    edits = edits_for_answers(Answers(job_user=JobUser.IMAGE_DEFAULT), data, 0)
    assert RemoveKey(("runners", 0, "docker"), "user") in edits


def test_kubernetes_restrictions_depend_on_trust() -> None:
    data = {"runners": [{"executor": "kubernetes", "kubernetes": {"privileged": False}}]}
    k8s = ("runners", 0, "kubernetes")
    multi = edits_for_answers(Answers(privileged=PrivilegedNeed.NONE), data, 0)
    assert multi == [
        SetValue(k8s, "allow_privilege_escalation", False),
        SetValue((*k8s, "pod_security_context"), "run_as_non_root", True),
        SetValue((*k8s, "pod_security_context"), "run_as_user", 1000),
    ]
    single = edits_for_answers(
        Answers(trust=Trust.SINGLE_PROJECT, privileged=PrivilegedNeed.NONE), data, 0
    )
    assert single == [SetValue(k8s, "allow_privilege_escalation", False)]


def test_kubernetes_non_root_comes_with_a_non_root_uid() -> None:
    """run_as_non_root alone stops pods whose image runs as uid 0 (alpine, the helper image):
    the kubelet refuses them. docs/executors/kubernetes/_index.md "Set a security policy for
    the pod" pairs run_as_non_root with a run_as_user, and so must the wizard."""
    k8s = ("runners", 0, "kubernetes")
    bare = {"runners": [{"executor": "kubernetes", "kubernetes": {}}]}
    edits = edits_for_answers(Answers(privileged=PrivilegedNeed.NONE), bare, 0)
    assert SetValue((*k8s, "pod_security_context"), "run_as_user", 1000) in edits
    chosen = {
        "runners": [
            {
                "executor": "kubernetes",
                "kubernetes": {"pod_security_context": {"RUN_AS_USER": 59417}},
            }
        ]
    }
    kept = edits_for_answers(Answers(privileged=PrivilegedNeed.NONE), chosen, 0)
    assert not any(getattr(edit, "key", "").casefold() == "run_as_user" for edit in kept)


def test_pull_policy_keeps_the_string_form() -> None:
    as_string = {"runners": [{"executor": "docker", "docker": {"pull_policy": "if-not-present"}}]}
    as_array = {"runners": [{"executor": "docker", "docker": {"pull_policy": ["if-not-present"]}}]}
    docker = ("runners", 0, "docker")
    answers = Answers(pull_policy=PullPolicyChoice.ALWAYS, allowed_pull_policies=("always",))
    assert edits_for_answers(answers, as_string, 0) == [
        SetValue(docker, "pull_policy", "always"),
        SetValue(docker, "allowed_pull_policies", ["always"]),
    ]
    assert edits_for_answers(answers, as_array, 0)[0] == SetValue(docker, "pull_policy", ["always"])


def test_never_needs_an_allowlist() -> None:
    answers = Answers(executor=Executor.DOCKER, pull_policy=PullPolicyChoice.NEVER)
    assert problems(answers) == ["pull policy 'never' needs an image allowlist (allowed_images)"]
    with_images = Answers(
        executor=Executor.DOCKER, pull_policy=PullPolicyChoice.NEVER, allowed_images=("a/*",)
    )
    assert problems(with_images) == []
    assert SetValue(("runners", 0, "docker"), "allowed_images", ["a/*"]) in edits_for_answers(
        with_images, DOCKER, 0
    )


def test_network_answers() -> None:
    data = config(
        """
listen_address = "0.0.0.0:9252"
[session_server]
listen_address = "[::]:8093"
[[runners]]
executor = "docker"
[runners.docker]
network_mode = "host"
pid_mode = "HOST"
ipcmode = "private"
"""
    )
    edits = edits_for_answers(
        Answers(per_build_network=True, isolate_host_network=True, local_only_listeners=True),
        data,
        0,
    )
    docker = ("runners", 0, "docker")
    assert edits == [
        SetValue(("runners", 0, "feature_flags"), "FF_NETWORK_PER_BUILD", True, exact=True),
        RemoveKey(docker, "network_mode"),
        RemoveKey(docker, "pid_mode"),
        SetValue((), "listen_address", "127.0.0.1:9252"),
    ]  # the session server stays: GitLab must reach it for web terminals


def test_local_listeners_already_local() -> None:
    data = {"listen_address": "localhost:9252", "runners": [{"executor": "shell"}]}
    assert edits_for_answers(Answers(local_only_listeners=True), data, 0) == []


def test_autoscaler_one_job_per_vm_also_caps_capacity() -> None:
    data = {
        "runners": [
            {"executor": "docker-autoscaler", "autoscaler": {"capacity_per_instance": 4}},
        ]
    }
    autoscaler = ("runners", 0, "autoscaler")
    assert edits_for_answers(Answers(one_job_per_vm=True), data, 0) == [
        SetValue(autoscaler, "max_use_count", 1),
        SetValue(autoscaler, "capacity_per_instance", 1),
    ]


def test_clone_strategy_replaces_or_appends() -> None:
    data = {"runners": [{"executor": "shell", "environment": ["A=1", "GIT_STRATEGY=fetch"]}]}
    assert edits_for_answers(Answers(clone_strategy=CloneStrategy.CLONE), data, 0) == [
        SetValue(("runners", 0), "environment", ["A=1", "GIT_STRATEGY=clone"])
    ]
    bare = {"runners": [{"executor": "shell"}]}
    assert edits_for_answers(Answers(clone_strategy=CloneStrategy.CLONE), bare, 0) == [
        SetValue(("runners", 0), "environment", ["GIT_STRATEGY=clone"])
    ]
    # Fetch is only written over another value, never added on its own.
    assert edits_for_answers(Answers(clone_strategy=CloneStrategy.FETCH), bare, 0) == []


def test_job_cleanup_pins_the_flag() -> None:
    data = {"runners": [{"executor": "ssh", "feature_flags": {"FF_ENABLE_JOB_CLEANUP": False}}]}
    assert edits_for_answers(Answers(job_cleanup=True), data, 0) == [
        SetValue(("runners", 0, "feature_flags"), "FF_ENABLE_JOB_CLEANUP", True, exact=True)
    ]


@pytest.mark.parametrize(
    ("answers", "flag"),
    [
        (Answers(job_cleanup=True), "FF_ENABLE_JOB_CLEANUP"),
        (Answers(per_build_network=True), "FF_NETWORK_PER_BUILD"),
    ],
)
def test_a_wrong_case_flag_is_not_the_flag(answers: Answers, flag: str) -> None:
    """The runner reads [runners.feature_flags] by exact name (``IsFeatureFlagDefined`` in
    common/config.go, ``populateFeatureFlags`` in common/build_settings.go): the lower-case
    key pins nothing, so it is kept as written and the real flag is added beside it."""
    text = (
        '[[runners]]\nexecutor = "docker"\n'
        f"[runners.feature_flags]\n{flag.lower()} = true  # the operator's line\n"
    )
    edits = edits_for_answers(answers, config(text), 0)
    assert edits == [SetValue(("runners", 0, "feature_flags"), flag, True, exact=True)]
    # Through the file layer, as a save writes it: the operator's line stays, the flag joins it.
    written = parse_config(text.encode()).with_edits(edits).dumps()
    assert written == text + f"{flag} = true\n"
    after = tomllib.loads(written)
    assert after["runners"][0]["feature_flags"] == {flag.lower(): True, flag: True}
    field = next(iter(answers.to_dict()))
    # Unpinned, the flag is the runner's default (off), whatever the lower-case key says.
    assert getattr(answers_from_config(config(text), 0), field) is not True
    assert answers_from_config(after, 0).to_dict()[field] is True
    assert edits_for_answers(answers, after, 0) == []


def test_answers_from_config_reads_what_is_there() -> None:
    data = config(
        """
listen_address = ":9252"
[[runners]]
executor = "docker+machine"
environment = ["GIT_STRATEGY=fetch"]
[runners.docker]
privileged = true
user = "1000"
pull_policy = ["if-not-present", "always"]
allowed_pull_policies = ["if-not-present"]
network_mode = "host"
[runners.machine]
MAXBUILDS = 1
[runners.feature_flags]
FF_NETWORK_PER_BUILD = true
"""
    )
    assert answers_from_config(data, 0) == Answers(
        executor=Executor.DOCKER_MACHINE,
        privileged=PrivilegedNeed.PRIVILEGED,
        job_user=JobUser.NON_ROOT,
        pull_policy=PullPolicyChoice.IF_NOT_PRESENT,
        allowed_pull_policies=("if-not-present",),
        allowed_images=(),  # no list: the runner accepts any image
        allowed_services=(),
        per_build_network=True,
        isolate_host_network=False,
        local_only_listeners=False,
        one_job_per_vm=True,
        clone_strategy=CloneStrategy.FETCH,
    )


def test_answers_from_config_leaves_unsaid_fields_open() -> None:
    """What neither the file nor the runner's defaults say stays open. Without
    GIT_STRATEGY jobs fetch when the project allows it (GitLab's default for new
    projects), so keeping a shell runner as it is means fetch: Enter writes nothing."""
    assert answers_from_config({"runners": [{"executor": "shell"}]}, 0) == Answers(
        executor=Executor.SHELL, job_cleanup=False, clone_strategy=CloneStrategy.FETCH
    )


def test_absent_keys_read_as_what_the_runner_does_without_them() -> None:
    """common/config.go GetPullPolicies: no pull_policy is always; feature flags default
    off (helpers/featureflags/flags.go); no user runs the image's own user."""
    docker = answers_from_config({"runners": [{"executor": "docker"}]}, 0)
    assert docker == Answers(
        executor=Executor.DOCKER,
        privileged=PrivilegedNeed.NONE,
        job_user=JobUser.IMAGE_DEFAULT,
        pull_policy=PullPolicyChoice.ALWAYS,
        allowed_pull_policies=(),
        allowed_images=(),
        allowed_services=(),
        per_build_network=False,
        isolate_host_network=True,
    )
    machine = answers_from_config({"runners": [{"executor": "docker+machine"}]}, 0)
    assert machine.one_job_per_vm is False
    kubernetes = answers_from_config({"runners": [{"executor": "kubernetes"}]}, 0)
    # The cluster's own default applies: IfNotPresent for tagged images.
    assert kubernetes.pull_policy is PullPolicyChoice.IF_NOT_PRESENT


def test_missing_runner_is_an_index_error() -> None:
    with pytest.raises(IndexError):
        edits_for_answers(Answers(), {"runners": []}, 0)


# ---------------------------------------------------------------- properties

_BASES = [
    {"executor": "docker", "docker": {"privileged": True, "network_mode": "host"}},
    {"executor": "docker"},
    {
        "executor": "docker+machine",
        "docker": {"cap_drop": ["NET_RAW"], "pull_policy": "if-not-present"},
        "machine": {"maxbuilds": 0},
        "environment": ["GIT_STRATEGY=fetch"],
    },
    {"executor": "docker-autoscaler", "autoscaler": {"capacity_per_instance": 3}},
    {"executor": "instance"},
    {"executor": "kubernetes", "kubernetes": {"privileged": True}},
    {"executor": "shell", "feature_flags": {"FF_ENABLE_JOB_CLEANUP": False}},
    {"executor": "ssh", "environment": ["X=1"]},
    {"executor": "virtualbox"},
    {"executor": "custom"},
]


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


answers_strategy = st.builds(
    Answers,
    trust=_optional(st.sampled_from(Trust)),
    executor=_optional(st.sampled_from(Executor)),
    privileged=_optional(st.sampled_from(PrivilegedNeed)),
    job_user=_optional(st.sampled_from(JobUser)),
    pull_policy=_optional(st.sampled_from(PullPolicyChoice)),
    allowed_pull_policies=_optional(
        st.lists(st.sampled_from(["always", "never", "if-not-present"]), unique=True).map(tuple)
    ),
    allowed_images=_optional(st.lists(st.sampled_from(["alpine:*", "ruby:3"])).map(tuple)),
    per_build_network=_optional(st.booleans()),
    isolate_host_network=_optional(st.booleans()),
    local_only_listeners=_optional(st.booleans()),
    one_job_per_vm=_optional(st.booleans()),
    job_cleanup=_optional(st.booleans()),
    clone_strategy=_optional(st.sampled_from(CloneStrategy)),
)


@settings(max_examples=300, deadline=None)
@given(
    answers=answers_strategy,
    base=st.sampled_from(_BASES),
    listen=st.sampled_from([None, "0.0.0.0:9252", "127.0.0.1:9252", ":9252"]),
)
def test_edits_are_idempotent(answers: Answers, base: dict[str, Any], listen: str | None) -> None:
    data: dict[str, Any] = {"runners": [{"name": "keep"}, base]}
    if listen is not None:
        data["listen_address"] = listen
        data["session_server"] = {"listen_address": listen}
    once = apply_edits(data, edits_for_answers(answers, data, 1))
    assert edits_for_answers(answers, once, 1) == []
    assert once["runners"][0] == {"name": "keep"}


def _read_back(answers: Answers) -> dict[str, Any]:
    """What the file should say after applying ``answers`` (fields it can say)."""
    expected = answers.to_dict()
    for name in ("trust", "host_measures"):
        expected.pop(name, None)  # live outside config.toml
    if answers.privileged is PrivilegedNeed.ROOTLESS:
        expected["privileged"] = "none"  # the file cannot tell the two apart
    if answers.one_job_per_vm is False:
        expected.pop("one_job_per_vm")  # "reuse allowed" writes no cap
    if answers.job_user is JobUser.IMAGE_DEFAULT or answers.executor is Executor.DOCKER_WINDOWS:
        expected.pop("job_user", None)  # no user line is the image default; Windows has none
    if answers.clone_strategy is CloneStrategy.FETCH:
        expected.pop("clone_strategy")  # fetch is never added on its own
    return expected


@settings(max_examples=200, deadline=None)
@given(
    executor=st.sampled_from(Executor),
    trust=st.sampled_from(Trust),
    listen=st.sampled_from(["0.0.0.0:9252", "127.0.0.1:9252"]),
)
def test_recommended_answers_round_trip(executor: Executor, trust: Trust, listen: str) -> None:
    answers = recommended(Answers(trust=trust, executor=executor))
    data: dict[str, Any] = {"listen_address": listen, "runners": [{"executor": executor.value}]}
    after = apply_edits(data, edits_for_answers(answers, data, 0))
    read = answers_from_config(after, 0).to_dict()
    expected = _read_back(answers)
    for name, value in expected.items():
        assert read.get(name) == value, name
