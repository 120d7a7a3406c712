"""Answers to settings and back: the one place that knows which key each answer sets.

Both wizards, presets and scripted runs turn an :class:`~wizard.answers.model.Answers`
into edits here, and read a runner's current settings back as answers here, so
"what does this answer mean in config.toml" has a single definition.

Everything is pure: the input is the configuration as ``tomllib`` parsed it,
the output is a list of :class:`~wizard.base.model.SetValue`/:class:`~wizard.base.model.RemoveKey`
edits. An answer left ``None`` keeps the file as it is for that question, and an
edit is only produced when the file does not already say what the answer says,
so applying the edits twice changes nothing the second time.

Keys are matched the way GitLab Runner matches them (exact, then ignoring
case), and an edit reuses the spelling the file already has, so ``maxbuilds``
is updated where it stands instead of gaining a second ``MaxBuilds``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from wizard.answers.model import (
    NON_ROOT_USER,
    Answers,
    CloneStrategy,
    JobUser,
    PrivilegedNeed,
    PullPolicyChoice,
)
from wizard.base.model import (
    AUTOSCALED,
    DEFAULT_TRUST,
    DOCKER_FAMILY,
    REUSED_HOST,
    Edit,
    Executor,
    RemoveKey,
    SetValue,
    TablePath,
    TomlValue,
    Trust,
)
from wizard.runner.reading import (
    GIT_STRATEGY,
    container_table_name,
    declared_executor,
    executor_from_tables,
    feature_flag,
    get_ci,
    git_strategy,
    int_setting,
    is_local_address,
    listeners,
    mounts_engine_socket,
    named_executor,
    reuse_cap,
    runner_at,
    spelled,
    split_listen_address,
    strings,
    sub_table,
)
from wizard.runner.settings import HOST_NAMESPACE_KEYS, is_host_namespace, is_root_user

DIND_IMAGES = ("docker:*-dind", "docker:dind")
"""What a privileged Docker-in-Docker runner may run privileged, and nothing else."""

NON_ROOT_UID = 1000
"""The uid Kubernetes job pods run as when the answers ask for a non-root user: the same
user as the docker executor's ``1000:1000`` and the restricted-kubernetes preset."""

LOCAL_HOST = "127.0.0.1"

_FF_PER_BUILD = "FF_NETWORK_PER_BUILD"
_FF_CLEANUP = "FF_ENABLE_JOB_CLEANUP"


def answers_from_config(
    data: Mapping[str, Any], runner_index: int, *, file_executor: Executor | None = None
) -> Answers:
    """What the runner's settings already answer; ``None`` where the file says nothing.

    A key the file leaves out still answers a question when the runner has a
    default for it: no ``user`` runs jobs as the image's own user, no
    ``privileged`` is unprivileged, no ``pull_policy`` is ``always``
    (``GetPullPolicies`` in common/config.go), an unpinned feature flag is off,
    no reuse limit reuses a VM forever. So an existing runner's questions start
    from what it does today. Used to show "current" values, as the defaults for
    an existing runner, and to derive a preset from a config. Trust and host
    measures live outside ``config.toml`` and stay ``None``.

    An entry that names no executor it runs is read as the executor its tables
    configure, else as ``file_executor`` (what a Helm chart's values run), else as
    docker, the executor the wizard recommends: whichever the operator then keeps,
    its questions start from what the entry says.
    """
    entry = runner_at(data, runner_index)
    runner = entry.data
    executor = named_executor(runner) or executor_from_tables(runner) or file_executor
    values: dict[str, Any] = {"executor": executor}
    executor = executor or Executor.DOCKER

    container_name = container_table_name(executor)
    container = sub_table(runner, container_name) if container_name else {}
    if container_name:
        privileged = get_ci(container, "privileged")
        if privileged is True:
            values["privileged"] = PrivilegedNeed.PRIVILEGED
        elif privileged is None or privileged is False:
            values["privileged"] = PrivilegedNeed.NONE

    if executor in DOCKER_FAMILY:
        user = get_ci(container, "user")
        if user is None or (isinstance(user, str) and not user.strip()):
            values["job_user"] = JobUser.IMAGE_DEFAULT
        elif isinstance(user, str):
            root = is_root_user(user)
            values["job_user"] = JobUser.IMAGE_DEFAULT if root else JobUser.NON_ROOT
        values["isolate_host_network"] = not any(
            is_host_namespace(get_ci(container, key)) for key in HOST_NAMESPACE_KEYS
        )
        values["per_build_network"] = feature_flag(runner, _FF_PER_BUILD) or False

    if container_name:
        image = get_ci(container, "image")
        if isinstance(image, str) and image.strip():
            values["default_image"] = image.strip()
        raw_policies = get_ci(container, "pull_policy")
        policies = strings(raw_policies)
        if policies:
            with contextlib.suppress(ValueError):  # an unknown policy: say nothing
                values["pull_policy"] = PullPolicyChoice(policies[0].strip())
        elif raw_policies in (None, []) and executor in DOCKER_FAMILY:
            values["pull_policy"] = PullPolicyChoice.ALWAYS
        elif raw_policies in (None, []) and executor is Executor.KUBERNETES:
            # The runner leaves imagePullPolicy empty and Kubernetes uses IfNotPresent
            # for tagged images (k8s-pull-policy-unset says why that matters).
            values["pull_policy"] = PullPolicyChoice.IF_NOT_PRESENT
        allowed = get_ci(container, "allowed_pull_policies")
        if isinstance(allowed, list):
            values["allowed_pull_policies"] = tuple(strings(allowed))
        elif allowed is None:
            values["allowed_pull_policies"] = ()  # jobs may ask only for pull_policy's own
        # No list is a definite setting too: the runner then accepts any image.
        for key in ("allowed_images", "allowed_services"):
            listed = get_ci(container, key)
            values[key] = tuple(strings(listed)) if isinstance(listed, list) else ()

    metrics = [server.address for server in listeners(data) if server.table == ()]
    if metrics:
        values["local_only_listeners"] = all(is_local_address(a) for a in metrics)

    cap = reuse_cap(entry)
    if cap is not None:
        values["one_job_per_vm"] = cap == 1
    elif executor in AUTOSCALED:
        values["one_job_per_vm"] = False  # no limit: a VM takes job after job

    cleanup = feature_flag(runner, _FF_CLEANUP)
    values["job_cleanup"] = cleanup if cleanup is not None or executor not in REUSED_HOST else False
    strategy = git_strategy(runner)
    if strategy in (CloneStrategy.CLONE.value, CloneStrategy.FETCH.value):
        values["clone_strategy"] = CloneStrategy(strategy)
    elif strategy is None and executor in REUSED_HOST:
        # No GIT_STRATEGY: jobs fetch whenever the project allows it, GitLab's default
        # for new projects (git-strategy-fetch-shared), so keeping the runner is fetch.
        values["clone_strategy"] = CloneStrategy.FETCH
    return Answers(**{k: v for k, v in values.items() if v is not None})


# --------------------------------------------------------------------------- writing


class _RunnerEdits:
    """Collects edits for one runner, skipping any the file already satisfies."""

    def __init__(self, data: Mapping[str, Any], runner_index: int) -> None:
        self.data = data
        self.index = runner_index
        self.runner = runner_at(data, runner_index).data
        self.edits: list[Edit] = []

    def table(self, *names: str) -> Mapping[str, Any]:
        table: Mapping[str, Any] = self.runner
        for name in names:
            table = sub_table(table, name)
        return table

    def path(self, *names: str) -> TablePath:
        """The runner sub-table's path, spelled as the file spells each header."""
        parts: list[str | int] = ["runners", self.index]
        table: Mapping[str, Any] = self.runner
        for name in names:
            parts.append(spelled(table, name))
            table = sub_table(table, name)
        return tuple(parts)

    def set(self, names: tuple[str, ...], key: str, value: TomlValue) -> None:
        table = self.table(*names)
        if _same(get_ci(table, key), value):
            return
        self.edits.append(SetValue(self.path(*names), spelled(table, key), value))

    def pin_flag(self, name: str, value: bool) -> None:
        """Pin a feature flag under its exact name, as the runner looks it up.

        A differently cased key (``ff_network_per_build``) is not the flag to the
        runner: it is left as it is (``unknown-key`` reports it) and the flag is added.
        """
        table = self.table("feature_flags")
        if _same(table.get(name), value):
            return
        self.edits.append(SetValue(self.path("feature_flags"), name, value, exact=True))

    def remove(self, names: tuple[str, ...], key: str) -> None:
        table = self.table(*names)
        if get_ci(table, key) is not None:
            self.edits.append(RemoveKey(self.path(*names), spelled(table, key)))


def _same(current: Any, wanted: TomlValue) -> bool:
    """Equal as TOML values: ``True`` is not ``1``, and lists compare item by item."""
    if isinstance(wanted, bool) or isinstance(current, bool):
        return type(current) is type(wanted) and current == wanted
    return bool(current == wanted)


def edits_for_answers(answers: Answers, data: Mapping[str, Any], runner_index: int) -> list[Edit]:
    """The fewest edits that make runner ``runner_index`` say what ``answers`` say.

    ``data`` is the configuration as ``tomllib`` parsed it. Answers left
    ``None`` keep their settings as they are.
    """
    plan = _RunnerEdits(data, runner_index)
    # Compared with the name as the runner reads it, so a misspelt executor is corrected.
    current = declared_executor(plan.runner)
    if answers.executor is not None and answers.executor is not current:
        plan.set((), "executor", answers.executor.value)
    executor = answers.executor or named_executor(plan.runner)
    trust = answers.trust or DEFAULT_TRUST
    container = container_table_name(executor)

    if container is not None:
        if answers.default_image is not None:
            image = get_ci(plan.table(container), "image")
            if image != answers.default_image:
                plan.set(
                    (container,), spelled(plan.table(container), "image"), answers.default_image
                )
        _privileges(plan, answers, executor, container, trust)
        _pull(plan, answers, container)
    if executor in DOCKER_FAMILY:
        _docker_network(plan, answers)
    if answers.local_only_listeners:
        _local_listeners(plan)
    if answers.one_job_per_vm is not None and executor in AUTOSCALED:
        _one_job_per_vm(plan, executor, answers.one_job_per_vm)
    elif (
        answers.privileged is PrivilegedNeed.PRIVILEGED
        and answers.one_job_per_vm is None
        and executor in AUTOSCALED
    ):
        # Privileged jobs are root on their VM: that VM must not serve another job.
        _one_job_per_vm(plan, executor, True)
    if answers.job_cleanup is not None:
        plan.pin_flag(_FF_CLEANUP, answers.job_cleanup)
    if answers.clone_strategy is not None:
        _clone_strategy(plan, answers.clone_strategy)
    return plan.edits


def _privileges(
    plan: _RunnerEdits, answers: Answers, executor: Executor | None, table: str, trust: Trust
) -> None:
    need = answers.privileged
    if need is None and answers.job_user is None:
        return
    if need is PrivilegedNeed.PRIVILEGED:
        plan.set((table,), "privileged", True)
        if table == "docker":
            docker = plan.table("docker")
            for key in ("allowed_privileged_images", "allowed_privileged_services"):
                if not strings(get_ci(docker, key)):
                    plan.set(("docker",), key, list(DIND_IMAGES))
        elif get_ci(plan.table(table), "allow_privilege_escalation") is False:
            # Kubernetes refuses a privileged container that forbids escalation.
            plan.remove((table,), "allow_privilege_escalation")
    elif need is not None:
        plan.set((table,), "privileged", False)
        if get_ci(plan.table(table), "services_privileged") is True:
            plan.set((table,), "services_privileged", False)
        if table == "docker":
            _drop_engine_socket(plan)

    if table == "docker":
        if executor is not Executor.DOCKER_WINDOWS:
            # Numeric user ids are a Linux notion. Capabilities and no-new-privileges
            # are no question's subject: the review offers their fixes to tick.
            _job_user(plan, answers.job_user)
    elif need is not None and need is not PrivilegedNeed.PRIVILEGED:
        plan.set((table,), "allow_privilege_escalation", False)
        if trust is not Trust.SINGLE_PROJECT:
            plan.set((table, "pod_security_context"), "run_as_non_root", True)
            # Kubernetes refuses to start a run_as_non_root container whose image runs as
            # uid 0 (alpine, the helper image), so a non-root uid goes with it.
            pod = plan.table(table, "pod_security_context")
            build = plan.table(table, "build_container_security_context")
            if get_ci(pod, "run_as_user") is None and get_ci(build, "run_as_user") is None:
                plan.set((table, "pod_security_context"), "run_as_user", NON_ROOT_UID)


def _drop_engine_socket(plan: _RunnerEdits) -> None:
    """Jobs that need nothing special need no host daemon: its socket is root on the host."""
    docker = plan.table("docker")
    volumes = get_ci(docker, "volumes")
    if not isinstance(volumes, list):
        return
    kept = [v for v in volumes if not mounts_engine_socket(v)]
    if len(kept) != len(volumes):
        plan.set(("docker",), spelled(docker, "volumes"), kept)


def _job_user(plan: _RunnerEdits, job_user: JobUser | None) -> None:
    docker = plan.table("docker")
    user = get_ci(docker, "user")
    if job_user is JobUser.NON_ROOT:
        if not isinstance(user, str) or not user.strip() or is_root_user(user):
            plan.set(("docker",), "user", NON_ROOT_USER)
        # With ``user`` set, an empty ``allowed_users`` admits only that user; a
        # non-empty list is what jobs may ask for, so it must not admit root.
        allowed = strings(get_ci(docker, "allowed_users"))
        if allowed and any(is_root_user(item) for item in allowed):
            plan.set(
                ("docker",),
                "allowed_users",
                [item for item in allowed if not is_root_user(item)] or [NON_ROOT_USER],
            )
    elif job_user is JobUser.IMAGE_DEFAULT and isinstance(user, str) and not is_root_user(user):
        plan.remove(("docker",), "user")


def _pull(plan: _RunnerEdits, answers: Answers, table: str) -> None:
    if answers.pull_policy is not None:
        wanted = answers.pull_policy.value
        current = get_ci(plan.table(table), "pull_policy")
        if isinstance(current, str):
            if current.strip() != wanted:
                plan.set((table,), "pull_policy", wanted)  # keep the file's string form
        elif strings(current) != [wanted]:
            plan.set((table,), "pull_policy", [wanted])
    if answers.allowed_pull_policies is not None:
        allowed = answers.allowed_pull_policies
        current = [p.strip() for p in strings(get_ci(plan.table(table), "allowed_pull_policies"))]
        if "always" in current and "always" not in allowed and "if-not-present" in allowed:
            # always is the strictest policy: dropping it while keeping if-not-present
            # weakens nothing and only refuses jobs that ask for a fresh pull.
            allowed = ("always", *allowed)
        _list_setting(plan, table, "allowed_pull_policies", allowed)
    if answers.allowed_images is not None:
        _list_setting(plan, table, "allowed_images", answers.allowed_images)
    if answers.allowed_services is not None:
        _list_setting(plan, table, "allowed_services", answers.allowed_services)


def _list_setting(plan: _RunnerEdits, table: str, key: str, items: tuple[str, ...]) -> None:
    """A list answer; an empty one means "no restriction", i.e. the key's absence."""
    if items:
        plan.set((table,), key, list(items))
    else:
        plan.remove((table,), key)


def _docker_network(plan: _RunnerEdits, answers: Answers) -> None:
    if answers.per_build_network is not None:
        plan.pin_flag(_FF_PER_BUILD, answers.per_build_network)
    if answers.isolate_host_network:
        docker = plan.table("docker")
        for key in HOST_NAMESPACE_KEYS:
            if is_host_namespace(get_ci(docker, key)):
                plan.remove(("docker",), key)


def _local_listeners(plan: _RunnerEdits) -> None:
    """Rebind the metrics endpoint only: the session server must stay reachable from
    GitLab for web terminals, so the answer never moves it (its finding stays)."""
    for server in listeners(plan.data):
        if server.table != () or is_local_address(server.address):
            continue
        _host, port = split_listen_address(server.address)
        local = f"{LOCAL_HOST}:{port}" if port else LOCAL_HOST
        plan.edits.append(SetValue(server.table, server.key, local))


def _one_job_per_vm(plan: _RunnerEdits, executor: Executor | None, wanted: bool) -> None:
    names = ("machine",) if executor is Executor.DOCKER_MACHINE else ("autoscaler",)
    key = "MaxBuilds" if executor is Executor.DOCKER_MACHINE else "max_use_count"
    table = plan.table(*names)
    if wanted:
        plan.set(names, key, 1)
        capacity = int_setting(table, "capacity_per_instance")
        if names == ("autoscaler",) and capacity is not None and capacity > 1:
            plan.set(names, "capacity_per_instance", 1)  # two jobs at once share the VM
    elif int_setting(table, key) == 1:
        plan.remove(names, key)


def _clone_strategy(plan: _RunnerEdits, strategy: CloneStrategy) -> None:
    environment = strings(get_ci(plan.runner, "environment"))
    entry = f"{GIT_STRATEGY}={strategy.value}"
    has_entry = any(item.partition("=")[0].strip() == GIT_STRATEGY for item in environment)
    if not has_entry:
        # Fetch is what most projects get anyway; write it only over another value.
        if strategy is CloneStrategy.CLONE:
            plan.set((), "environment", [*environment, entry])
        return
    updated: list[TomlValue] = [
        entry if item.partition("=")[0].strip() == GIT_STRATEGY else item for item in environment
    ]
    plan.set((), "environment", updated)


def problems(answers: Answers) -> list[str]:
    """Answer combinations the settings alone cannot make safe, in plain words.

    The wizards show these before saving; they do not stop a save, because the
    operator may have a reason (and a preset may document it).
    """
    found = []
    executor = answers.executor
    if answers.privileged is PrivilegedNeed.PRIVILEGED:
        if executor not in AUTOSCALED and executor is not Executor.KUBERNETES:
            found.append(
                "privileged jobs belong on ephemeral VMs: use docker-autoscaler or "
                "docker+machine with one job per VM"
            )
        elif answers.one_job_per_vm is False:
            found.append("privileged jobs must not share a VM: answer one job per VM")
    if answers.pull_policy is PullPolicyChoice.NEVER and not answers.allowed_images:
        found.append("pull policy 'never' needs an image allowlist (allowed_images)")
    return found


def startup_gaps(data: Mapping[str, Any], runner_index: int) -> list[str]:
    """What an autoscaling runner still needs before it can start jobs, in plain words.

    Only the operator knows the cloud, so the wizard writes no guess: the review
    lists these under "fill in before starting". GitLab Runner refuses a
    docker+machine runner without ``MachineName`` ("missing Machine options",
    executors/docker/machine/provider.go) and starts no VM for docker-autoscaler or
    instance without a fleeting ``plugin`` (executors/internal/autoscaler/provider.go).
    """
    entry = runner_at(data, runner_index)
    gaps: list[str] = []
    if entry.executor is Executor.DOCKER_MACHINE:
        machine = sub_table(entry.data, "machine")
        missing = [key for key in ("MachineDriver", "MachineName") if not get_ci(machine, key)]
        if missing:
            gaps.append(
                f"[runners.machine] {' and '.join(missing)}: the driver for your cloud and a "
                'name with %s (for example "ci-%s"), plus MachineOptions for the VMs; the '
                "runner refuses jobs without them"
            )
    elif entry.executor in (Executor.DOCKER_AUTOSCALER, Executor.INSTANCE):
        autoscaler = sub_table(entry.data, "autoscaler")
        if not get_ci(autoscaler, "plugin"):
            gaps.append(
                "[runners.autoscaler] plugin and [runners.autoscaler.plugin_config]: the "
                "fleeting plugin for your cloud and its settings; without them no VM is created"
            )
        if not sub_table(autoscaler, "connector_config"):
            gaps.append(
                "[runners.autoscaler.connector_config]: the user (and key) the runner uses to "
                "reach each VM"
            )
        if not isinstance(get_ci(autoscaler, "policy"), list):
            gaps.append(
                "[[runners.autoscaler.policy]]: idle_count and idle_time, how many VMs wait "
                "for jobs and for how long"
            )
    return gaps
