"""Rules about where isolation between jobs, and between a job and its host, quietly ends.

Host-level executors other than shell, service containers that miss the job
container's confinement, Windows process isolation, and Docker options that
join a job to something outside it (another container's volumes or network
name, a host group, the host's memory).
"""

from __future__ import annotations

from collections.abc import Iterator

from wizard.base.model import Executor, FixSafety, Issue, Severity, Trust
from wizard.base.safe_text import Message
from wizard.rules.base import DOCS, AuditContext, Rule, by_trust, runners_for, set_in
from wizard.runner.reading import (
    LINUX_DOCKER,
    get_ci,
    has_no_new_privileges,
    int_setting,
    one_job_per_vm,
    runner_path,
    spelled,
    strings,
    sub_table,
)

_S = Severity
DOCKER_DOCS = f"{DOCS}/configuration/advanced-configuration/#the-runnersdocker-section"

# --- host-level-executor --------------------------------------------------------------------

_HOST_LEVEL = frozenset({Executor.SSH, Executor.INSTANCE, Executor.CUSTOM})


def _host_level(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, _HOST_LEVEL):
        severity: Severity | None = None
        if entry.executor is Executor.SSH:
            what = Message.of(
                "the ssh executor runs every job as the SSH user on one build host, with no "
                "container or VM in between, like the shell executor"
            )
        elif entry.executor is Executor.INSTANCE:
            if one_job_per_vm(entry):
                continue  # a fresh VM (or nested VM) per job
            what = Message.of(
                "the instance executor runs jobs directly on the autoscaled VM, and without "
                "vm_isolation or max_use_count = 1 and capacity_per_instance = 1 later jobs "
                "share that VM, like jobs on a shell runner"
            )
        else:
            cleanup = get_ci(sub_table(entry.data, "custom"), "cleanup_exec")
            if isinstance(cleanup, str) and cleanup.strip():
                # A driver that tears something down after each job usually made it for
                # that job (a container, VM or nspawn machine): not a shared host.
                continue
            what = Message.of(
                "the custom executor has no cleanup_exec, so its driver never tears down what "
                "a job ran in: jobs most likely share one host, like the shell executor"
            )
            severity = by_trust(_S.INFO, _S.MEDIUM, _S.HIGH)[ctx.trust]
        yield Issue(
            what,
            runner_path(entry.index),
            spelled(entry.data, "executor"),
            entry.index,
            severity=severity,
        )


HOST_LEVEL_EXECUTOR = Rule(
    id="host-level-executor",
    title="Jobs run on a host shared with other jobs, as with shell",
    severity=by_trust(_S.LOW, _S.HIGH, _S.CRITICAL),
    executors=_HOST_LEVEL,
    rationale=(
        "The ssh executor, the instance executor without a VM per job, and a custom executor "
        "whose driver keeps nothing per job (no cleanup_exec) give every job the same "
        "operating-system user on "
        "the same machine: a job can read other projects' checkouts and credentials and leave "
        "files or processes for later jobs. Such a runner deserves the shell executor's "
        "caution and, in GitLab, protected branches only."
    ),
    doc_url=f"{DOCS}/security/#usage-of-shell-executor",
    table="runners",
    key="executor",
    fix=None,
    remedy=(
        "Use it only for trusted projects and protected branches, or give each job its own VM "
        "(instance: vm_isolation, or max_use_count = 1 with capacity_per_instance = 1)."
    ),
    check=_host_level,
)


# --- services-not-confined ------------------------------------------------------------------


def _services_not_confined(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, LINUX_DOCKER):
        docker = sub_table(entry.data, "docker")
        path = runner_path(entry.index, "docker")
        job_confined = has_no_new_privileges(get_ci(docker, "security_opt"))
        services_options = get_ci(docker, "services_security_opt")
        if job_confined and not has_no_new_privileges(services_options):
            key = spelled(docker, "services_security_opt")
            yield Issue(
                Message.of(
                    "security_opt forbids privilege gains in job containers, but service "
                    "containers only get {key}, which does not: a service image's setuid "
                    "programs still work (cap_drop never reaches services either)",
                    key=key,
                ),
                path,
                key,
                entry.index,
            )
        limit = int_setting(docker, "services_limit")
        if ctx.trust is Trust.PUBLIC and (limit is None or limit < 0):
            yield Issue(
                Message.of(
                    "services_limit is not set: a job may start any number of service containers "
                    "on this host"
                ),
                path,
                spelled(docker, "services_limit"),
                entry.index,
                severity=Severity.LOW,
            )


SERVICES_NOT_CONFINED = Rule(
    id="services-not-confined",
    title="Service containers miss the job container's confinement",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=LINUX_DOCKER,
    rationale=(
        "The runner creates service containers with services_security_opt alone: they never "
        "get the job container's security_opt, cap_drop or cap_add "
        "(createHostConfigForService in executors/docker/docker.go), and a job picks the "
        "service images. A runner hardened with no-new-privileges and dropped capabilities "
        "for jobs leaves its services with Docker's defaults unless services_security_opt "
        "says otherwise; services_limit caps how many a job may start."
    ),
    doc_url=DOCKER_DOCS,
    table="runners.docker",
    key="services_security_opt",
    fix=None,
    remedy=(
        'Add "no-new-privileges:true" to services_security_opt (no-new-privileges-missing\'s '
        "fix does so together with security_opt), and set services_limit to the number of "
        "services your jobs need."
    ),
    check=_services_not_confined,
)


# --- windows-process-isolation --------------------------------------------------------------


def _windows_process(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, frozenset({Executor.DOCKER_WINDOWS})):
        docker = sub_table(entry.data, "docker")
        isolation = get_ci(docker, "isolation")
        if isinstance(isolation, str) and isolation.strip().casefold() == "process":
            key = spelled(docker, "isolation")
            yield Issue(
                Message.of(
                    '{key} = "process": job containers share the Windows host\'s kernel, with '
                    "much weaker separation than Hyper-V isolation",
                    key=key,
                ),
                runner_path(entry.index, "docker"),
                key,
                entry.index,
                (set_in(entry, ("docker",), "isolation", "hyperv"),),
            )


WINDOWS_PROCESS_ISOLATION = Rule(
    id="windows-process-isolation",
    title="Windows job containers share the host kernel",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=frozenset({Executor.DOCKER_WINDOWS}),
    rationale=(
        "Windows containers isolated by process share the host's kernel and are not a "
        "security boundary Microsoft services; Hyper-V isolation gives each container its own "
        "small VM. The runner passes isolation to every job and service container "
        "(executors/docker/docker.go checks it is process, hyperv or default)."
    ),
    doc_url=DOCKER_DOCS,
    table="runners.docker",
    key="isolation",
    fix=FixSafety.UNSAFE,
    breaks=(
        "jobs start more slowly, and hosts without Hyper-V (or nested virtualisation) cannot "
        "start them"
    ),
    remedy='Set isolation = "hyperv" on hosts that support it.',
    check=_windows_process,
)


# --- container-joins-outside ----------------------------------------------------------------

_LARGE_SHM = 2**30
"""Above 1 GiB of /dev/shm per job, unlimited memory becomes the host's problem."""


def _joins_outside(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, LINUX_DOCKER):
        docker = sub_table(entry.data, "docker")
        path = runner_path(entry.index, "docker")
        sources = strings(get_ci(docker, "volumes_from"))
        if sources:
            key = spelled(docker, "volumes_from")
            yield Issue(
                Message.of(
                    "{key} = {sources}: every job mounts that container's volumes, and whatever "
                    "earlier jobs or that container left in them",
                    key=key,
                    sources=str(sources),  # shown as the list the file wrote
                ),
                path,
                key,
                entry.index,
            )
        links = strings(get_ci(docker, "links"))
        if links:
            key = spelled(docker, "links")
            yield Issue(
                Message.of(
                    "{key} = {links}: every job reaches those containers by name, outside its "
                    "own per-job network",
                    key=key,
                    links=str(links),  # shown as the list the file wrote
                ),
                path,
                key,
                entry.index,
            )
        groups = strings(get_ci(docker, "group_add"))
        if groups:
            key = spelled(docker, "group_add")
            yield Issue(
                Message.of(
                    "{key} = {groups}: job processes join those host groups and can open every "
                    "mounted file or device they own (the docker group owns the Docker socket)",
                    key=key,
                    groups=str(groups),  # shown as the list the file wrote
                ),
                path,
                key,
                entry.index,
            )
        shm = int_setting(docker, "shm_size")
        memory = get_ci(docker, "memory")
        if shm is not None and shm > _LARGE_SHM and not (isinstance(memory, str) and memory):
            key = spelled(docker, "shm_size")
            yield Issue(
                Message.of(
                    "{key} = {shm} gives every job {mebibytes} MiB of /dev/shm, held in the "
                    "host's memory, with no memory limit set for the job container",
                    key=key,
                    shm=shm,
                    mebibytes=shm // 2**20,
                ),
                path,
                key,
                entry.index,
                severity=by_trust(_S.INFO, _S.LOW, _S.LOW)[ctx.trust],
            )
        if get_ci(docker, "oom_kill_disable") is True:
            key = spelled(docker, "oom_kill_disable")
            yield Issue(
                Message.of(
                    "{key} = true: a job that exhausts its memory is not killed, so the host's "
                    "other processes are (without a memory limit, the whole host stalls)",
                    key=key,
                ),
                path,
                key,
                entry.index,
                severity=by_trust(_S.INFO, _S.LOW, _S.MEDIUM)[ctx.trust],
            )


CONTAINER_JOINS_OUTSIDE = Rule(
    id="container-joins-outside",
    title="Job containers join volumes, containers or groups outside the job",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=LINUX_DOCKER,
    rationale=(
        "volumes_from mounts another container's volumes into every job, links resolves "
        "other containers by name, group_add puts job processes into host groups (a docker "
        "group is root on the host through the socket), and oom_kill_disable or a large "
        "shm_size without a memory limit lets one job starve the host of memory. Each "
        "reaches past the one job the container was made for."
    ),
    doc_url=DOCKER_DOCS,
    table="runners.docker",
    key="volumes_from",
    fix=None,
    remedy=(
        "Remove volumes_from, links and group_add unless every job on this runner must share "
        "them, and leave oom_kill_disable off."
    ),
    check=_joins_outside,
)


# --- vm-allowed-images-unanchored -----------------------------------------------------------

_VM_EXECUTORS = frozenset({Executor.VIRTUALBOX, Executor.PARALLELS})


def _anchored(pattern: str) -> bool:
    return pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$")


def _vm_unanchored(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, _VM_EXECUTORS):
        name = str(entry.executor)
        table = sub_table(entry.data, name)
        raw = get_ci(table, "allowed_images")
        patterns = strings(raw)
        loose = [pattern for pattern in patterns if not _anchored(pattern)]
        if not loose:
            continue
        key = spelled(table, "allowed_images")
        anchored = [p if _anchored(p) else f"^(?:{p})$" for p in patterns]
        yield Issue(
            Message.of(
                "{key} has {patterns}: the runner searches each regular "
                "expression anywhere in the VM name a job asks for, so any VM on the host whose "
                "name merely contains it is allowed",
                key=key,
                patterns=", ".join(repr(p) for p in loose),
            ),
            runner_path(entry.index, name),
            key,
            entry.index,
            (set_in(entry, (name,), "allowed_images", list(anchored)),),
        )


VM_ALLOWED_IMAGES_UNANCHORED = Rule(
    id="vm-allowed-images-unanchored",
    title="VirtualBox or Parallels allowed_images match part of a VM name",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=_VM_EXECUTORS,
    rationale=(
        "For VirtualBox and Parallels, allowed_images are regular expressions that the runner "
        "matches with MatchString (executors/vm/vm.go), which finds a match anywhere in the "
        "name: ubuntu admits ubuntu-admin and old-ubuntu-with-keys, and a job names the VM it "
        "wants cloned. Anchored with ^ and $, a pattern admits only the names meant."
    ),
    doc_url=f"{DOCS}/configuration/advanced-configuration/#overriding-the-base-vm-image",
    table="runners.virtualbox",
    key="allowed_images",
    fix=FixSafety.UNSAFE,
    breaks="jobs that name a VM the pattern matched only in part stop finding it",
    remedy="Anchor each pattern: ^ubuntu-22\\.04$ instead of ubuntu-22.04.",
    check=_vm_unanchored,
)


# --- parallels-isolation-unverified ---------------------------------------------------------


def _parallels_isolation(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, frozenset({Executor.PARALLELS})):
        table = sub_table(entry.data, "parallels")
        base = get_ci(table, "base_name")
        name = base if isinstance(base, str) and base.strip() else "the base VM"
        yield Issue(
            Message.of(
                "whether {name} runs in Parallels' isolated mode (no shared folders, clipboard, "
                "peripherals or host applications) is a setting of the VM, not of this file: check "
                "it with prlctl list -i and turn it on with prlctl set {name} --isolate-vm on",
                name=name,
            ),
            runner_path(entry.index, "parallels"),
            spelled(table, "base_name"),
            entry.index,
        )


PARALLELS_ISOLATION_UNVERIFIED = Rule(
    id="parallels-isolation-unverified",
    title="Parallels VMs may share folders and devices with the host",
    severity=by_trust(_S.INFO, _S.LOW, _S.MEDIUM),
    executors=frozenset({Executor.PARALLELS}),
    rationale=(
        "The security guidance calls the Parallels executor the safest one because each job "
        "runs in a full VM in isolated mode, which cuts off shared folders and peripherals. "
        "The runner clones whatever base VM it is given: if that VM shares the host's home "
        "folder or devices, so does every job. The mode is the VM's, so the audit can only "
        "say where to check it."
    ),
    doc_url=f"{DOCS}/security/#usage-of-parallels-executor",
    table="runners.parallels",
    key="base_name",
    fix=None,
    remedy=(
        "Run prlctl set BASE_VM --isolate-vm on on the base VM (and check prlctl list -i BASE_VM "
        "shows it isolated), then snapshot it again."
    ),
    check=_parallels_isolation,
)


RULES: tuple[Rule, ...] = (
    HOST_LEVEL_EXECUTOR,
    SERVICES_NOT_CONFINED,
    WINDOWS_PROCESS_ISOLATION,
    CONTAINER_JOINS_OUTSIDE,
    VM_ALLOWED_IMAGES_UNANCHORED,
    PARALLELS_ISOLATION_UNVERIFIED,
)
