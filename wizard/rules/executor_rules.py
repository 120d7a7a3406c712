"""Rules about the executor itself: no isolation at all, and SSH host identity."""

from __future__ import annotations

from collections.abc import Iterator

from wizard.base.model import DOCKER_FAMILY, Executor, FixSafety, Issue, Severity
from wizard.base.safe_text import Message
from wizard.rules.base import DOCS, AuditContext, Rule, by_trust, runners_for, set_in
from wizard.runner.reading import (
    declared_executor,
    get_ci,
    has_ci,
    iter_runners,
    runner_path,
    spelled,
    sub_table,
)
from wizard.runner.settings import HOST_KEY_CHECKING_BREAKS

_S = Severity

SSH_EXECUTORS = frozenset({Executor.SSH})
"""Only the SSH executor reaches an arbitrary remote host over the network; the
VirtualBox and Parallels executors reuse ``[runners.ssh]`` to reach a local VM."""


def _shell_executor(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, frozenset({Executor.SHELL})):
        yield Issue(
            Message.of("executor = shell: jobs run unconfined as the runner's user on this host"),
            runner_path(entry.index),
            spelled(entry.data, "executor"),
            entry.index,
        )


SHELL_EXECUTOR = Rule(
    id="shell-executor",
    title="Jobs run directly on the host",
    severity=by_trust(_S.LOW, _S.HIGH, _S.CRITICAL),
    executors=frozenset({Executor.SHELL}),
    rationale=(
        "The shell executor runs every job as the runner's own operating-system user, with "
        "no container or VM in between. Any job can read other projects' checkouts, caches and "
        "credentials left on the machine, and can plant files that later jobs pick up. If the "
        "runner user can reach Docker, a job effectively has root."
    ),
    doc_url=f"{DOCS}/security/#usage-of-shell-executor",
    table="runners",
    key="executor",
    fix=None,
    remedy="Use it only for trusted projects, or move jobs to a container or VM executor.",
    check=_shell_executor,
)


def _host_key_checking_off(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, SSH_EXECUTORS):
        ssh = sub_table(entry.data, "ssh")
        if get_ci(ssh, "disable_strict_host_key_checking") is True:
            key = spelled(ssh, "disable_strict_host_key_checking")
            yield Issue(
                Message.of(
                    "{key} = true: the runner accepts any host key, so a machine in the middle "
                    "can impersonate the build host",
                    key=key,
                ),
                runner_path(entry.index, "ssh"),
                key,
                entry.index,
                (set_in(entry, ("ssh",), "disable_strict_host_key_checking", False),),
            )


SSH_HOST_KEY_CHECKING_DISABLED = Rule(
    id="ssh-host-key-checking-disabled",
    title="SSH host keys are not verified",
    severity=by_trust(_S.HIGH, _S.HIGH, _S.CRITICAL),
    executors=SSH_EXECUTORS,
    rationale=(
        "With strict host-key checking turned off, the runner connects to whatever answers at "
        "the build host's address. Anyone able to redirect that traffic receives the job script, "
        "its variables and the job token, and can return forged results."
    ),
    doc_url=f"{DOCS}/executors/ssh/",
    table="runners.ssh",
    key="disable_strict_host_key_checking",
    fix=FixSafety.UNSAFE,
    breaks=HOST_KEY_CHECKING_BREAKS,
    remedy=(
        "Set disable_strict_host_key_checking = false and add the build host's key to the "
        "runner's known_hosts file first (jobs fail until it is there)."
    ),
    check=_host_key_checking_off,
)


def _host_key_checking_implicit(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, SSH_EXECUTORS):
        ssh = sub_table(entry.data, "ssh")
        if not has_ci(ssh, "disable_strict_host_key_checking"):
            yield Issue(
                Message.of(
                    "disable_strict_host_key_checking is unset: runners older than 15.0 then skip "
                    "host-key verification"
                ),
                runner_path(entry.index, "ssh"),
                "disable_strict_host_key_checking",
                entry.index,
                (set_in(entry, ("ssh",), "disable_strict_host_key_checking", False),),
            )


SSH_HOST_KEY_CHECKING_IMPLICIT = Rule(
    id="ssh-host-key-checking-implicit",
    title="SSH host-key checking relies on the runner version's default",
    severity=by_trust(_S.INFO, _S.LOW, _S.LOW),
    executors=SSH_EXECUTORS,
    rationale=(
        "When the setting is absent, current runners verify host keys, but releases before 15.0 "
        "did not, so the same file is safe or unsafe depending on the binary that reads it. "
        "Writing false makes verification explicit and survives a downgrade or an old package."
    ),
    doc_url=f"{DOCS}/executors/ssh/",
    table="runners.ssh",
    key="disable_strict_host_key_checking",
    fix=FixSafety.SAFE,
    remedy=(
        "Write disable_strict_host_key_checking = false explicitly (current runners already "
        "behave so)."
    ),
    check=_host_key_checking_implicit,
)


def _unknown_executor(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        name = get_ci(entry.data, "executor")
        if name is None or declared_executor(entry.data) is not None:
            continue
        shown = repr(name) if isinstance(name, str) else "not a string"
        audited = (
            Message.of(
                " Its settings are audited as {executor}: they apply once the name is fixed.",
                executor=entry.executor.value,
            )
            if entry.executor is not None
            else Message.of("")
        )
        yield Issue(
            Message.of(
                "executor = {shown} is not an executor the runner knows: it marks this runner "
                "unhealthy and takes no jobs.{audited}",
                shown=shown,
                audited=audited,
            ),
            runner_path(entry.index),
            spelled(entry.data, "executor"),
            entry.index,
        )


UNKNOWN_EXECUTOR = Rule(
    id="unknown-executor",
    title="The executor name is not one the runner knows",
    severity=by_trust(_S.MEDIUM, _S.MEDIUM, _S.MEDIUM),
    executors=None,
    rationale=(
        "The runner looks the executor up by its exact name (docker, docker+machine, "
        'kubernetes, ...); a typo, a list such as "docker, ssh" or a different case finds '
        "nothing, and the runner marks the entry unhealthy instead of running jobs. The "
        "settings below it are still audited, as the executor their tables configure, because "
        "they come into force the moment someone corrects the name."
    ),
    doc_url=f"{DOCS}/executors/",
    table="runners",
    key="executor",
    fix=None,
    remedy='Write one executor name exactly as the runner spells it, such as "docker".',
    check=_unknown_executor,
)


def _dormant_tables(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        executor = entry.executor
        if executor is None or executor in DOCKER_FAMILY:
            continue
        docker = sub_table(entry.data, "docker")
        if not docker:
            continue
        risky = [
            key for key in ("privileged", "services_privileged") if get_ci(docker, key) is True
        ]
        note = (
            Message.of(
                " (its {settings} has no effect today and takes "
                "effect if the executor becomes docker)",
                settings=", ".join(k + " = true" for k in risky),
            )
            if risky
            else Message.of("")
        )
        yield Issue(
            Message.of(
                "[runners.docker] is dormant: the {executor} executor never reads it{note}",
                executor=executor.value,
                note=note,
            ),
            runner_path(entry.index, "docker"),
            None,
            entry.index,
        )


DORMANT_EXECUTOR_TABLE = Rule(
    id="dormant-executor-table",
    title="A [runners.docker] table the runner's executor never reads",
    severity=by_trust(_S.INFO, _S.INFO, _S.INFO),
    executors=None,
    rationale=(
        "Only the docker executors read [runners.docker] (executors/docker and "
        "executors/docker/machine are the only executors that touch Config.Docker; "
        "executors/kubernetes never does, and a Helm chart's runner runs the kubernetes "
        "executor). Its settings, privileged = true included, change nothing a job gets "
        "today, so they are not counted as risk; they are reported so that nobody reads the "
        "table as what jobs get, and so that a later switch of executor does not revive them "
        "unseen."
    ),
    doc_url=f"{DOCS}/configuration/advanced-configuration/#the-runnersdocker-section",
    table="runners.docker",
    key="",
    fix=None,
    remedy="Remove the table, or keep it knowingly: it takes effect if the executor becomes "
    "a docker one.",
    check=_dormant_tables,
)

RULES: tuple[Rule, ...] = (
    UNKNOWN_EXECUTOR,
    DORMANT_EXECUTOR_TABLE,
    SHELL_EXECUTOR,
    SSH_HOST_KEY_CHECKING_DISABLED,
    SSH_HOST_KEY_CHECKING_IMPLICIT,
)
