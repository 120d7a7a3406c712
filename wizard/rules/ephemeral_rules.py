"""Rules about what one job leaves behind for the next: reused VMs, checkouts and paths."""

from __future__ import annotations

from collections.abc import Iterator

from wizard.config_reading import (
    feature_flag,
    get_ci,
    is_true,
    iter_runners,
    reuses_host,
    runner_path,
    spelled,
    strings,
    sub_table,
)
from wizard.model import AUTOSCALED, Executor, FixSafety, Issue, Severity
from wizard.rules.base import (
    DOCS,
    AuditContext,
    Rule,
    by_trust,
    pin_feature_flag,
    runners_for,
    set_in,
)

_S = Severity
ADVANCED = f"{DOCS}/configuration/advanced-configuration/"
REUSABLE_HOSTS = frozenset({Executor.SHELL, Executor.SSH, Executor.CUSTOM, Executor.INSTANCE})


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _reuse_text(count: int | None, unit: str) -> str:
    if count is None:
        return "is unset, so each VM takes jobs without limit"
    if count <= 0:
        return f"= {count} means unlimited {unit}"
    return f"= {count}: each VM runs {count} jobs in turn"


# --- autoscaler-vm-reuse ------------------------------------------------------------------------


def _vm_reuse(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, AUTOSCALED):
        if entry.executor == Executor.DOCKER_MACHINE:
            machine = sub_table(entry.data, "machine")
            builds = _int(get_ci(machine, "MaxBuilds"))
            if builds != 1:
                key = spelled(machine, "MaxBuilds")
                yield Issue(
                    f"{key} {_reuse_text(builds, 'reuse')}",
                    runner_path(entry.index, "machine"),
                    key,
                    entry.index,
                    (set_in(entry, ("machine",), "MaxBuilds", 1),),
                )
            continue
        autoscaler = sub_table(entry.data, "autoscaler")
        if is_true(get_ci(sub_table(autoscaler, "vm_isolation"), "enabled")):
            continue  # each job gets its own nested VM
        uses = _int(get_ci(autoscaler, "max_use_count"))
        if uses != 1:
            key = spelled(autoscaler, "max_use_count")
            yield Issue(
                f"{key} {_reuse_text(uses, 'reuse')}",
                runner_path(entry.index, "autoscaler"),
                key,
                entry.index,
                (set_in(entry, ("autoscaler",), "max_use_count", 1),),
            )
        capacity = _int(get_ci(autoscaler, "capacity_per_instance"))
        if capacity is not None and capacity > 1:
            key = spelled(autoscaler, "capacity_per_instance")
            yield Issue(
                f"{key} = {capacity}: concurrent jobs share one VM",
                runner_path(entry.index, "autoscaler"),
                key,
                entry.index,
                (set_in(entry, ("autoscaler",), "capacity_per_instance", 1),),
            )


AUTOSCALER_VM_REUSE = Rule(
    id="autoscaler-vm-reuse",
    title="Autoscaled VMs are shared or reused between jobs",
    severity=by_trust(_S.LOW, _S.HIGH, _S.HIGH),
    executors=AUTOSCALED,
    rationale=(
        "A VM that runs more than one job carries whatever an earlier job left: files, "
        "processes, poisoned caches or a compromised daemon. Giving every job a fresh VM "
        "limits the damage of a malicious job to that job, which matters most when privileged "
        "containers are allowed."
    ),
    doc_url=f"{DOCS}/security/#reduce-the-security-risk-of-using-privileged-containers",
    table="runners.autoscaler",
    key="max_use_count",
    fix=FixSafety.UNSAFE,
    remedy=(
        "Set MaxBuilds = 1 ([runners.machine]) or max_use_count = 1 and "
        "capacity_per_instance = 1 ([runners.autoscaler]); jobs that rely on images or files "
        "left by an earlier job then fail, and VMs cost more."
    ),
    check=_vm_reuse,
)


# --- git-strategy-fetch-shared ---------------------------------------------------------------


def _is_fetch_default(item: object) -> bool:
    if not isinstance(item, str):
        return False
    name, found, value = item.partition("=")
    return bool(found) and name.strip() == "GIT_STRATEGY" and value.strip().casefold() == "fetch"


def _fetch_on_shared_host(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        if not reuses_host(entry):
            continue
        raw = get_ci(entry.data, "environment")
        items = raw if isinstance(raw, list) else strings(raw)
        if not any(_is_fetch_default(item) for item in items):
            continue
        yield Issue(
            "environment sets GIT_STRATEGY=fetch on a reused host: jobs start from a working "
            "copy earlier jobs could modify",
            runner_path(entry.index),
            spelled(entry.data, "environment"),
            entry.index,
            (set_in(entry, (), "environment", [i for i in items if not _is_fetch_default(i)]),),
        )


GIT_STRATEGY_FETCH_SHARED = Rule(
    id="git-strategy-fetch-shared",
    title="Jobs reuse a working copy on a shared host",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=REUSABLE_HOSTS,
    rationale=(
        "With the fetch strategy a job continues in the checkout an earlier job left, so "
        "anything that job planted (hooks, altered files, submodule contents it could read) "
        "carries over. On a host that outlives its jobs this crosses from one pipeline, and "
        "one user, to the next."
    ),
    doc_url=f"{DOCS}/security/#security-risks-when-using-git_strategy-fetch-on-shared-environments",
    table="runners",
    key="environment",
    fix=FixSafety.SAFE,
    remedy=(
        "Remove GIT_STRATEGY=fetch from the runner's environment so jobs clone afresh by "
        "default (a job can still choose fetch itself)."
    ),
    check=_fetch_on_shared_host,
)


# --- job-cleanup-disabled ----------------------------------------------------------------------


def _cleanup_disabled(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        if not reuses_host(entry) or feature_flag(entry.data, "FF_ENABLE_JOB_CLEANUP") is True:
            continue
        edit = pin_feature_flag(entry, "FF_ENABLE_JOB_CLEANUP", True)
        yield Issue(
            "FF_ENABLE_JOB_CLEANUP is not true: a job's checkout stays on the host after it ends",
            edit.table,
            edit.key,
            entry.index,
            (edit,),
        )


JOB_CLEANUP_DISABLED = Rule(
    id="job-cleanup-disabled",
    title="Job directories survive on a reused host",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=REUSABLE_HOSTS,
    rationale=(
        "On a host that runs many jobs, the runner leaves each project directory, including "
        "its .git folder, in place when the job ends. The next job on that host can read the "
        "sources or plant git hooks there; with job cleanup on, the directory is removed or "
        "cleaned when the job finishes."
    ),
    doc_url=f"{DOCS}/security/#clean-up-the-git-folder-after-each-build",
    table="runners.feature_flags",
    key="FF_ENABLE_JOB_CLEANUP",
    fix=FixSafety.SAFE,
    remedy="Pin FF_ENABLE_JOB_CLEANUP = true in [runners.feature_flags].",
    check=_cleanup_disabled,
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
        if enabled is True:
            message = "custom_build_dir enabled = true"
        elif not isinstance(enabled, bool) and entry.executor in _DEFAULT_ON:
            message = f"custom_build_dir is unset, and {entry.executor.value} enables it by default"
        else:
            continue
        yield Issue(
            f"{message}: jobs choose where their checkout goes inside the builds directory",
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
        "or hooks there."
    ),
    doc_url=f"{ADVANCED}#the-runnerscustom_build_dir-section",
    table="runners.custom_build_dir",
    key="enabled",
    fix=FixSafety.UNSAFE,
    remedy=(
        "Set enabled = false in [runners.custom_build_dir]; jobs that set GIT_CLONE_PATH then fail."
    ),
    check=_custom_build_dir,
)

RULES: tuple[Rule, ...] = (
    AUTOSCALER_VM_REUSE,
    GIT_STRATEGY_FETCH_SHARED,
    JOB_CLEANUP_DISABLED,
    CUSTOM_BUILD_DIR_ENABLED,
)
