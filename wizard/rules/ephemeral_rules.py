"""Rules about what one job leaves behind for the next: reused VMs, checkouts and paths."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from wizard.base.model import (
    AUTOSCALED,
    DOCKER_FAMILY,
    Executor,
    FixSafety,
    Issue,
    SetValue,
    Severity,
    TomlValue,
)
from wizard.base.safe_text import Message
from wizard.rules.base import (
    DOCS,
    AuditContext,
    Rule,
    by_trust,
    pin_feature_flag,
    runners_for,
    set_in,
)
from wizard.runner.reading import (
    RunnerEntry,
    environment_value,
    feature_flag,
    get_ci,
    is_true,
    iter_runners,
    one_job_per_vm,
    reuses_host,
    runner_path,
    spelled,
    strings,
    sub_table,
)
from wizard.runner.settings import (
    CUSTOM_BUILD_DIR_BREAKS,
    GIT_CLONE_BREAKS,
    JOB_CLEANUP_BREAKS,
    ONE_JOB_PER_VM_BREAKS,
)

_S = Severity
ADVANCED = f"{DOCS}/configuration/advanced-configuration/"
REUSABLE_HOSTS = frozenset({Executor.SHELL, Executor.SSH, Executor.CUSTOM, Executor.INSTANCE})


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _reuse_text(count: int | None, unit: str) -> Message:
    if count is None:
        return Message.of("is unset, so each VM takes jobs without limit")
    if count <= 0:
        return Message.of("= {count} means unlimited {unit}", count=count, unit=unit)
    return Message.of("= {count}: each VM runs {count} jobs in turn", count=count)


# --- autoscaler-vm-reuse ------------------------------------------------------------------------


def _containers_privileged(entry: RunnerEntry) -> bool:
    """True when a docker-based autoscaler's job or service containers may run privileged."""
    docker = sub_table(entry.data, "docker")
    return is_true(get_ci(docker, "privileged")) or is_true(get_ci(docker, "services_privileged"))


def _reuse_severity(ctx: AuditContext, entry: RunnerEntry) -> Severity | None:
    """The rule's severity where a job can take the VM over; lower where it cannot.

    The security guidance ties one job per VM to privileged containers: an unprivileged
    docker job stays in its container, so what a reused VM carries over is its image
    and volume caches, not the machine. Instance jobs run on the VM itself, like shell.
    """
    if entry.executor is Executor.INSTANCE or _containers_privileged(entry):
        return None
    return by_trust(_S.INFO, _S.LOW, _S.MEDIUM)[ctx.trust]


def _vm_reuse(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, AUTOSCALED):
        severity = _reuse_severity(ctx, entry)
        unprivileged = (
            Message.of("")
            if severity is None
            else Message.of(
                " (containers are not privileged, so a job cannot "
                "take the VM over; caches and images still carry over)"
            )
        )
        if entry.executor == Executor.DOCKER_MACHINE:
            machine = sub_table(entry.data, "machine")
            builds = _int(get_ci(machine, "MaxBuilds"))
            if builds != 1:
                key = spelled(machine, "MaxBuilds")
                yield Issue(
                    Message.of(
                        "{key} {reuse_text}{unprivileged}",
                        key=key,
                        reuse_text=_reuse_text(builds, "reuse"),
                        unprivileged=unprivileged,
                    ),
                    runner_path(entry.index, "machine"),
                    key,
                    entry.index,
                    (set_in(entry, ("machine",), "MaxBuilds", 1),),
                    severity=severity,
                )
            continue
        autoscaler = sub_table(entry.data, "autoscaler")
        if is_true(get_ci(sub_table(autoscaler, "vm_isolation"), "enabled")):
            continue  # each job gets its own nested VM
        uses = _int(get_ci(autoscaler, "max_use_count"))
        if uses != 1:
            key = spelled(autoscaler, "max_use_count")
            yield Issue(
                Message.of(
                    "{key} {reuse_text}{unprivileged}",
                    key=key,
                    reuse_text=_reuse_text(uses, "reuse"),
                    unprivileged=unprivileged,
                ),
                runner_path(entry.index, "autoscaler"),
                key,
                entry.index,
                (set_in(entry, ("autoscaler",), "max_use_count", 1),),
                severity=severity,
            )
        capacity = _int(get_ci(autoscaler, "capacity_per_instance"))
        if capacity is not None and capacity > 1:
            key = spelled(autoscaler, "capacity_per_instance")
            yield Issue(
                Message.of(
                    "{key} = {capacity}: concurrent jobs share one VM{unprivileged}",
                    key=key,
                    capacity=capacity,
                    unprivileged=unprivileged,
                ),
                runner_path(entry.index, "autoscaler"),
                key,
                entry.index,
                (set_in(entry, ("autoscaler",), "capacity_per_instance", 1),),
                severity=severity,
            )


AUTOSCALER_VM_REUSE = Rule(
    id="autoscaler-vm-reuse",
    title="Autoscaled VMs are shared or reused between jobs",
    severity=by_trust(_S.LOW, _S.HIGH, _S.HIGH),
    executors=AUTOSCALED,
    rationale=(
        "A VM that runs more than one job carries whatever an earlier job left: files, "
        "processes, poisoned caches or a compromised daemon. Giving every job a fresh VM "
        "limits the damage of a malicious job to that job. That matters most where a job can "
        "reach the VM itself: privileged containers, or the instance executor, whose jobs run "
        "on the VM; unprivileged docker jobs are reported one severity lower."
    ),
    doc_url=f"{DOCS}/security/#reduce-the-security-risk-of-using-privileged-containers",
    table="runners.autoscaler",
    key="max_use_count",
    fix=FixSafety.UNSAFE,
    breaks=ONE_JOB_PER_VM_BREAKS,
    remedy=(
        "Set MaxBuilds = 1 ([runners.machine]) or max_use_count = 1 and "
        "capacity_per_instance = 1 ([runners.autoscaler]); jobs that rely on images or files "
        "left by an earlier job then fail, and VMs cost more."
    ),
    check=_vm_reuse,
)


# --- where checkouts outlive their job --------------------------------------------------------


def shared_build_host(entry: RunnerEntry) -> bool:
    """True when later jobs, of any project, reuse this machine's builds directory.

    Custom executors are left out: their drivers usually create and destroy a
    container or VM per job, and nothing in config.toml says whether this one does.
    """
    return reuses_host(entry) and entry.executor is not Executor.CUSTOM


def _builds_dir(entry: RunnerEntry) -> str:
    value = get_ci(entry.data, "builds_dir")
    return value.rstrip("/") if isinstance(value, str) and value.strip() else "/builds"


def _covers(mount_point: str, path: str) -> bool:
    mount = mount_point.rstrip("/") or "/"
    return path == mount or path.startswith(mount.rstrip("/") + "/")


def host_mounted_builds(entry: RunnerEntry) -> bool:
    """True when a container executor binds a host folder over the builds directory.

    Then every job of every project writes its checkout to the same host folder,
    instead of the per-project volume (docker) or the pod's emptyDir (kubernetes).
    """
    builds = _builds_dir(entry)
    if entry.executor == Executor.KUBERNETES:
        k8s = sub_table(entry.data, "kubernetes")
        mounts = get_ci(sub_table(k8s, "volumes"), "host_path")
        items = mounts if isinstance(mounts, list) else [mounts]
        return any(
            isinstance(item, Mapping)
            and isinstance(get_ci(item, "mount_path"), str)
            and _covers(get_ci(item, "mount_path"), builds)
            for item in items
        )
    if entry.executor in DOCKER_FAMILY:
        for spec in strings(get_ci(sub_table(entry.data, "docker"), "volumes")):
            parts = spec.split(":")
            if len(parts) >= 2 and parts[0].startswith(("/", "~")) and _covers(parts[1], builds):
                return True
    return False


def _docker_keeps_checkout(entry: RunnerEntry) -> bool:
    """Docker keeps a fetched checkout in a per-project cache volume unless disable_cache.

    ``createBuildVolume`` in executors/docker/docker.go makes the builds volume
    reusable only with GIT_STRATEGY=fetch; ``disable_cache`` makes it temporary.
    """
    if entry.executor not in DOCKER_FAMILY or one_job_per_vm(entry):
        return False
    return not is_true(get_ci(sub_table(entry.data, "docker"), "disable_cache"))


# --- git-strategy-fetch-shared ---------------------------------------------------------------

_NOT_FETCH = frozenset({"clone", "none", "empty"})
"""GIT_STRATEGY values that start a job without an earlier job's working copy."""


def _with_clone_default(entry: RunnerEntry) -> SetValue:
    """GIT_STRATEGY=clone in place of any GIT_STRATEGY entry, or added at the end."""
    raw = get_ci(entry.data, "environment")
    items: list[TomlValue] = list(raw) if isinstance(raw, list) else list(strings(raw))
    wanted = "GIT_STRATEGY=clone"
    updated: list[TomlValue] = []
    for item in items:
        if isinstance(item, str) and item.partition("=")[0] == "GIT_STRATEGY":
            if wanted not in updated:
                updated.append(wanted)
        else:
            updated.append(item)
    if wanted not in updated:
        updated.append(wanted)
    return set_in(entry, (), "environment", updated)


def _fetch_on_shared_host(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        strategy = environment_value(entry.data, "GIT_STRATEGY")
        if strategy in _NOT_FETCH:
            continue
        shared = shared_build_host(entry) or host_mounted_builds(entry)
        per_project = not shared and _docker_keeps_checkout(entry)
        if not (shared or per_project):
            continue
        if strategy == "fetch":
            cause = Message.of("environment sets GIT_STRATEGY=fetch")
        else:
            cause = Message.of(
                "environment does not set GIT_STRATEGY, so jobs fetch into the previous "
                "checkout whenever the project allows it (GitLab's default for new projects)"
            )
        if per_project:
            where = Message.of(
                "the checkout, .git and submodule contents included, lives on in a "
                "per-project Docker volume (disable_cache is not true) for the project's "
                "next jobs; the runner keeps separate volumes for protected and unprotected "
                "refs, so it passes between unprotected branches (and merge requests) of the "
                "project, not into protected ones"
            )
            severity: Severity | None = by_trust(_S.INFO, _S.LOW, _S.MEDIUM)[ctx.trust]
        else:
            where = Message.of(
                "jobs start from a working copy earlier jobs on this host could modify"
            )
            severity = None
        yield Issue(
            Message.of("{cause}: {where}", cause=cause, where=where),
            runner_path(entry.index),
            spelled(entry.data, "environment"),
            entry.index,
            (_with_clone_default(entry),),
            severity=severity,
        )


GIT_STRATEGY_FETCH_SHARED = Rule(
    id="git-strategy-fetch-shared",
    title="Jobs reuse a working copy on a shared host",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=REUSABLE_HOSTS | DOCKER_FAMILY,
    rationale=(
        "Fetch is the default: GitLab sends allow_git_fetch for most projects and the runner "
        "then uses fetch unless GIT_STRATEGY says otherwise (common/build_settings.go). With "
        "fetch a job continues in the checkout an earlier job left, so anything that job "
        "planted (altered files, hooks, submodule contents it could read) carries over. On a "
        "host that outlives its jobs this crosses from one project, and one user, to the next; "
        "with Docker it stays within one project's volume. Setting GIT_STRATEGY=clone in the "
        "runner's environment changes the default; a job can still ask for fetch itself."
    ),
    doc_url=f"{DOCS}/security/#security-risks-when-using-git_strategy-fetch-on-shared-environments",
    table="runners",
    key="environment",
    fix=FixSafety.UNSAFE,
    breaks=GIT_CLONE_BREAKS,
    remedy=(
        'Add "GIT_STRATEGY=clone" to the runner\'s environment so jobs clone afresh by default.'
    ),
    check=_fetch_on_shared_host,
)


# --- builds-dir-on-host ------------------------------------------------------------------------


def _builds_on_host(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        if entry.executor not in DOCKER_FAMILY | {Executor.KUBERNETES}:
            continue
        if not host_mounted_builds(entry) or one_job_per_vm(entry):
            continue
        table = "kubernetes" if entry.executor is Executor.KUBERNETES else "docker"
        key = "volumes"
        yield Issue(
            Message.of(
                "a host folder is mounted over the builds directory ({builds_dir}): every "
                "project's checkout, .git and submodule contents included, lands in one folder on "
                "the host, where later jobs of any project can read or change it",
                builds_dir=_builds_dir(entry),
            ),
            runner_path(entry.index, table),
            spelled(sub_table(entry.data, table), key),
            entry.index,
        )


BUILDS_DIR_ON_HOST = Rule(
    id="builds-dir-on-host",
    title="Every project's checkout is kept in one host folder",
    severity=by_trust(_S.LOW, _S.HIGH, _S.HIGH),
    executors=DOCKER_FAMILY | {Executor.KUBERNETES},
    rationale=(
        "Left alone, Docker keeps each project's checkout in a volume of its own and "
        "Kubernetes in the pod's emptyDir. A bind mount or hostPath over the builds directory "
        "replaces that with one host folder for all projects: a job can read other projects' "
        "sources and plant files in the paths they check out to, and nothing is removed "
        "unless job cleanup is on (see job-cleanup-disabled)."
    ),
    doc_url=f"{DOCS}/security/#security-risks-when-using-git_strategy-fetch-on-shared-environments",
    table="runners.docker",
    key="volumes",
    fix=None,
    remedy=(
        "Remove the mount over the builds directory (keep caches in the cache volume or "
        "object store instead); where it must stay, give the runner to one project only."
    ),
    check=_builds_on_host,
)


# --- submodules-kept ------------------------------------------------------------------------

_SUBMODULES_FETCHED = frozenset({"normal", "recursive"})


def _submodules_kept(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        submodules = environment_value(entry.data, "GIT_SUBMODULE_STRATEGY")
        if submodules not in _SUBMODULES_FETCHED:
            continue
        if environment_value(entry.data, "GIT_STRATEGY") in _NOT_FETCH:
            continue
        if not (
            shared_build_host(entry) or host_mounted_builds(entry) or _docker_keeps_checkout(entry)
        ):
            continue
        yield Issue(
            Message.of(
                "environment sets GIT_SUBMODULE_STRATEGY={submodules} and checkouts are reused: "
                "each submodule's objects stay in the checkout's .git/modules, so a later job "
                "can read them with git submodule update even when its own user cannot read the "
                "submodule's project",
                submodules=submodules,
            ),
            runner_path(entry.index),
            spelled(entry.data, "environment"),
            entry.index,
            (_with_clone_default(entry),),
        )


SUBMODULES_KEPT = Rule(
    id="submodules-kept",
    title="Submodule contents stay in a reused checkout",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=REUSABLE_HOSTS | DOCKER_FAMILY | {Executor.KUBERNETES},
    rationale=(
        "Git keeps a submodule's objects under the parent checkout's .git/modules. When jobs "
        "fetch into a checkout an earlier job left, what one user's job could clone of a "
        "submodule stays there for the next job, whose user may have no access to that "
        "project; deleting the submodule folder does not remove it. A fresh clone per job "
        "starts without it."
    ),
    doc_url=f"{DOCS}/security/#security-risks-when-using-git_strategy-fetch-on-shared-environments",
    table="runners",
    key="environment",
    fix=FixSafety.UNSAFE,
    breaks=(
        "jobs that use files an earlier job left in the checkout, or large repositories that "
        "only finish in time with an incremental fetch"
    ),
    remedy=(
        'Add "GIT_STRATEGY=clone" to the runner\'s environment so each job clones afresh; '
        "in GitLab, keep the job token's access to the submodule projects to those that "
        "need it."
    ),
    check=_submodules_kept,
)


# --- job-cleanup-disabled ----------------------------------------------------------------------


def _cleanup_disabled(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        on_host = host_mounted_builds(entry)
        if not (shared_build_host(entry) or on_host):
            continue
        if feature_flag(entry.data, "FF_ENABLE_JOB_CLEANUP") is True:
            continue
        edit = pin_feature_flag(entry, "FF_ENABLE_JOB_CLEANUP", True)
        where = (
            Message.of("in the host folder mounted over the builds directory")
            if on_host
            else Message.of("on the host")
        )
        yield Issue(
            Message.of(
                "FF_ENABLE_JOB_CLEANUP is not true: a job's checkout stays {where} after it ends",
                where=where,
            ),
            edit.table,
            edit.key,
            entry.index,
            (edit,),
        )


JOB_CLEANUP_DISABLED = Rule(
    id="job-cleanup-disabled",
    title="Job directories survive on a reused host",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=(REUSABLE_HOSTS - {Executor.CUSTOM}) | DOCKER_FAMILY | {Executor.KUBERNETES},
    rationale=(
        "On a host that runs many jobs, or where a host folder is mounted over a container "
        "runner's builds directory, the runner leaves each project directory in place "
        "when the job ends, where the next job can read the sources. With job cleanup on, a "
        "cloned directory is deleted; a fetched one only gets git clean and reset --hard "
        "(shells/abstract.go), so .git/hooks and .git/config survive unless clean_git_config "
        "is on too (see git-config-not-cleaned). Custom executors are not checked: their "
        "drivers usually remove the whole environment after each job (see "
        "custom-executor-no-cleanup for one that is never asked to)."
    ),
    doc_url=f"{DOCS}/security/#clean-up-the-git-folder-after-each-build",
    table="runners.feature_flags",
    key="FF_ENABLE_JOB_CLEANUP",
    fix=FixSafety.UNSAFE,
    breaks=JOB_CLEANUP_BREAKS,
    remedy="Pin FF_ENABLE_JOB_CLEANUP = true in [runners.feature_flags].",
    check=_cleanup_disabled,
)


# --- custom-executor-no-cleanup ----------------------------------------------------------------


def _blank(value: object) -> bool:
    return not (isinstance(value, str) and value.strip())


def _custom_without_cleanup(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, frozenset({Executor.CUSTOM})):
        custom = sub_table(entry.data, "custom")
        if not custom or _blank(get_ci(custom, "run_exec")):
            continue  # the runner refuses such a job (prepareConfig): nothing runs to leave
        if not _blank(get_ci(custom, "cleanup_exec")):
            continue
        if _blank(get_ci(custom, "prepare_exec")):
            message = Message.of(
                "cleanup_exec is not set: the runner asks the driver to remove nothing after a "
                "job, so whatever run_exec reached (a host folder, a container, a VM) stays as "
                "the job left it unless run_exec removes it in the job's last stage"
            )
            severity = None
        else:
            message = Message.of(
                "prepare_exec sets up each job's environment but cleanup_exec is not set: the "
                "runner never asks the driver to remove it, so the container or VM, the "
                "checkout and anything the job started outlive the job"
            )
            severity = by_trust(_S.LOW, _S.MEDIUM, _S.HIGH)[ctx.trust]
        yield Issue(
            message,
            runner_path(entry.index, spelled(entry.data, "custom")),
            spelled(custom, "cleanup_exec"),
            entry.index,
            severity=severity,
        )


CUSTOM_EXECUTOR_NO_CLEANUP = Rule(
    id="custom-executor-no-cleanup",
    title="A custom executor's driver is never asked to clean up",
    severity=by_trust(_S.INFO, _S.LOW, _S.MEDIUM),
    executors=frozenset({Executor.CUSTOM}),
    rationale=(
        "The custom executor isolates nothing by itself: each stage of a job runs the "
        "driver's programs on the runner's host, as the runner's user, with every job "
        "variable (the job token and secrets included) passed as CUSTOM_ENV_ variables. "
        "Whatever keeps one job from the next is the driver's doing, usually a container or "
        "VM made by prepare_exec and destroyed by cleanup_exec. Only run_exec is required; "
        "when cleanup_exec is empty the runner skips the cleanup stage altogether "
        "(executors/custom/custom.go), so nothing the job set up is removed on its behalf."
    ),
    doc_url=f"{DOCS}/executors/custom/#cleanup",
    table="runners.custom",
    key="cleanup_exec",
    fix=None,
    remedy=(
        "Set cleanup_exec to the driver's step that deletes the job's container or VM and its "
        "checkout. If run_exec already removes everything after the job's last stage, accept "
        "this finding with that reason."
    ),
    check=_custom_without_cleanup,
)


# --- git-config-not-cleaned --------------------------------------------------------------------


def _git_config_not_cleaned(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        value = get_ci(entry.data, "clean_git_config")
        if value is True or environment_value(entry.data, "GIT_STRATEGY") in ("clone", "empty"):
            continue  # a fresh clone (or empty folder) starts without the old .git
        shared = shared_build_host(entry) or host_mounted_builds(entry)
        if shared and value is None and entry.executor is Executor.SHELL:
            message = Message.of(
                "clean_git_config is unset, and the shell executor then leaves .git/config and "
                ".git/hooks as the previous job wrote them"
            )
        elif value is False and (shared or _docker_keeps_checkout(entry)):
            message = Message.of(
                "clean_git_config = false: .git/config and .git/hooks written by one job run "
                "in the next job's git commands"
            )
        else:
            continue
        yield Issue(
            message,
            runner_path(entry.index),
            spelled(entry.data, "clean_git_config"),
            entry.index,
            (set_in(entry, (), "clean_git_config", True),),
        )


GIT_CONFIG_NOT_CLEANED = Rule(
    id="git-config-not-cleaned",
    title="Git hooks and config survive from one job to the next",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=REUSABLE_HOSTS | DOCKER_FAMILY,
    rationale=(
        "A job can write a hook or a config entry (core.fsmonitor, an alias, a credential "
        "helper) into the checkout's .git folder; the next job that fetches into that checkout "
        "runs it. clean_git_config removes them before and after each job; it defaults to on "
        "except for the shell executor (common/build_step_dispatch.go, shells/abstract.go)."
    ),
    doc_url=f"{ADVANCED}#the-runners-section",
    table="runners",
    key="clean_git_config",
    fix=FixSafety.UNSAFE,
    breaks="jobs that rely on git settings or hooks an earlier job left in the checkout",
    remedy="Set clean_git_config = true in the [[runners]] entry.",
    check=_git_config_not_cleaned,
)


# --- custom-build-dir-enabled ------------------------------------------------------------------

_DEFAULT_ON = frozenset(
    {
        Executor.DOCKER,
        Executor.DOCKER_WINDOWS,
        Executor.DOCKER_MACHINE,
        Executor.DOCKER_AUTOSCALER,
        Executor.KUBERNETES,
    }
)
"""Executors on which jobs may choose their clone path when the setting is absent."""


def _custom_build_dir(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        table = sub_table(entry.data, "custom_build_dir")
        enabled = get_ci(table, "enabled")
        on = enabled is True or (not isinstance(enabled, bool) and entry.executor in _DEFAULT_ON)
        if not on:
            continue
        if shared_build_host(entry):
            where = Message.of("the builds directory is shared by every project on this host")
        elif host_mounted_builds(entry):
            where = Message.of(
                "a host folder mounted over the builds directory is shared by every project"
            )
        else:
            continue  # a per-project volume or the pod's emptyDir: nothing of others' to reach
        message = (
            Message.of("custom_build_dir enabled = true")
            if enabled is True
            else Message.of(
                "custom_build_dir is unset, and {executor} enables it by default",
                executor=entry.executor,
            )
        )
        yield Issue(
            Message.of(
                "{message}: jobs choose where their checkout goes, and {where}",
                message=message,
                where=where,
            ),
            runner_path(entry.index, "custom_build_dir"),
            spelled(table, "enabled"),
            entry.index,
            (set_in(entry, ("custom_build_dir",), "enabled", False),),
        )


CUSTOM_BUILD_DIR_ENABLED = Rule(
    id="custom-build-dir-enabled",
    title="Jobs choose their own clone path",
    severity=by_trust(_S.INFO, _S.LOW, _S.MEDIUM),
    executors=None,
    rationale=(
        "With custom build directories a job sets GIT_CLONE_PATH to any folder under the "
        "builds directory. Where that directory is shared, through a host mount or a reused "
        "machine, a job can write into the path another project checks out to and plant code "
        "or hooks there. Docker's per-project volumes and a pod's emptyDir hold nothing of "
        "other projects, so the rule stays quiet there."
    ),
    doc_url=f"{ADVANCED}#the-runnerscustom_build_dir-section",
    table="runners.custom_build_dir",
    key="enabled",
    fix=FixSafety.UNSAFE,
    breaks=CUSTOM_BUILD_DIR_BREAKS,
    remedy=(
        "Set enabled = false in [runners.custom_build_dir]; jobs that set GIT_CLONE_PATH then fail."
    ),
    check=_custom_build_dir,
)

RULES: tuple[Rule, ...] = (
    AUTOSCALER_VM_REUSE,
    GIT_STRATEGY_FETCH_SHARED,
    BUILDS_DIR_ON_HOST,
    SUBMODULES_KEPT,
    JOB_CLEANUP_DISABLED,
    CUSTOM_EXECUTOR_NO_CLEANUP,
    GIT_CONFIG_NOT_CLEANED,
    CUSTOM_BUILD_DIR_ENABLED,
)
