"""Rules about the kernel's own walls around a job: security profiles, devices, runtimes.

Privileged mode is the loud way to drop confinement; these settings are the
quiet ways: a seccomp or AppArmor profile switched off, host devices passed in,
a different runtime or another container's namespaces.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from wizard.base.model import DOCKER_FAMILY, Executor, Issue, Severity, TablePath
from wizard.base.safe_text import FileValue, Message
from wizard.rules.base import DOCS, AuditContext, Rule, by_trust, runners_for
from wizard.rules.privilege_rules import DOCKER_DOCS, K8S_CONTAINER_CONTEXTS
from wizard.runner.reading import (
    LINUX_DOCKER,
    get_ci,
    runner_path,
    spelled,
    strings,
    sub_table,
)
from wizard.runner.settings import HOST_NAMESPACE_KEYS

_S = Severity
K8S_DOCS = f"{DOCS}/executors/kubernetes/"
KUBERNETES = frozenset({Executor.KUBERNETES})

# --- unconfined-profile -------------------------------------------------------------------------

_UNCONFINED_OPTIONS = {
    "seccomp": ("unconfined",),
    "apparmor": ("unconfined",),
    # spc_t is SELinux's "super privileged container" type: SELinux confines it no more
    # than label=disable does (unconfined_t likewise).
    "label": ("disable", "type:spc_t", "type:unconfined_t"),
    "systempaths": ("unconfined",),
}
"""Docker security options that switch a confinement off (``seccomp=unconfined`` ...)."""


def unconfined_option(option: str) -> str | None:
    """The confinement an option switches off, or ``None``; ``=`` and ``:`` both separate."""
    text = option.strip()
    separator = "=" if "=" in text else ":"
    name, found, value = text.partition(separator)
    if not found:
        return None
    off = _UNCONFINED_OPTIONS.get(name.strip().casefold())
    normal = value.strip().casefold().replace("=", ":")
    return name.strip() if off and normal in off else None


def fixed_mcs_level(option: str) -> bool:
    """``label=level:s0:c1,c2``: every container gets the same MCS categories.

    SELinux keeps containers apart by giving each its own random category pair; a
    level written in the config hands every job the same one, so one job's
    container may read another's files where SELinux alone stood between them.
    """
    text = option.strip()
    separator = "=" if "=" in text else ":"
    name, found, value = text.partition(separator)
    return (
        bool(found)
        and name.strip().casefold() == "label"
        and (value.strip().casefold().replace("=", ":").startswith("level:"))
    )


def _docker_unconfined(entry_index: int, docker: Mapping[str, Any]) -> Iterator[Issue]:
    path = runner_path(entry_index, "docker")
    for key in ("security_opt", "services_security_opt"):
        raw = get_ci(docker, key)
        items = list(raw) if isinstance(raw, list) else strings(raw)
        off = [item for item in items if isinstance(item, str) and unconfined_option(item)]
        shared = [item for item in items if isinstance(item, str) and fixed_mcs_level(item)]
        written = spelled(docker, key)
        whose = (
            Message.of("service containers")
            if key.startswith("services")
            else Message.of("job containers")
        )
        if off:
            yield Issue(
                Message.of(
                    "{written} has {off}: {whose} run without that kernel confinement",
                    written=written,
                    off=", ".join(off),
                    whose=whose,
                ),
                path,
                written,
                entry_index,
            )
        if shared:
            yield Issue(
                Message.of(
                    "{written} has {shared}: every one of the {whose} gets the same "
                    "SELinux MCS categories, so SELinux no longer keeps one job's files from "
                    "another's",
                    written=written,
                    shared=", ".join(shared),
                    whose=whose,
                ),
                path,
                written,
                entry_index,
            )


def _profile_type(table: Mapping[str, Any], name: str) -> str | None:
    value = get_ci(sub_table(table, name), "type")
    return value if isinstance(value, str) else None


def _k8s_unconfined(entry_index: int, k8s: Mapping[str, Any]) -> Iterator[Issue]:
    places: list[tuple[TablePath, Mapping[str, Any], str]] = [
        (
            runner_path(entry_index, "kubernetes", "pod_security_context"),
            sub_table(k8s, "pod_security_context"),
            "pod_security_context",
        )
    ]
    for name in K8S_CONTAINER_CONTEXTS:
        places.append((runner_path(entry_index, "kubernetes", name), sub_table(k8s, name), name))
    for path, context, label in places:
        for profile in ("seccomp_profile", "app_armor_profile"):
            kind = _profile_type(context, profile)
            if kind is not None and kind.strip().casefold() == "unconfined":
                table = sub_table(context, profile)
                yield Issue(
                    Message.of(
                        "{label} {profile} type = {kind!r}: the kernel filter that profile "
                        "applies is off",
                        label=label,
                        profile=profile,
                        kind=kind,
                    ),
                    (*path, spelled(context, profile)),
                    spelled(table, "type"),
                    entry_index,
                )
        selinux = get_ci(context, "selinux_type")
        if isinstance(selinux, str) and selinux.strip().casefold() in ("spc_t", "unconfined_t"):
            yield Issue(
                Message.of(
                    "{label} selinux_type = {selinux!r}: SELinux does not confine that container "
                    "(a super-privileged type)",
                    label=label,
                    selinux=FileValue.read(selinux, "selinux_type"),
                ),
                path,
                spelled(context, "selinux_type"),
                entry_index,
            )
        mount = get_ci(context, "proc_mount")
        if isinstance(mount, str) and mount.strip().casefold() == "unmasked":
            key = spelled(context, "proc_mount")
            yield Issue(
                Message.of(
                    "{label} proc_mount = {mount!r}: /proc is not masked, exposing kernel "
                    "interfaces the runtime normally hides",
                    label=label,
                    mount=FileValue.read(mount, key),
                ),
                path,
                key,
                entry_index,
            )


def _unconfined(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, LINUX_DOCKER | KUBERNETES):
        if entry.executor is Executor.KUBERNETES:
            yield from _k8s_unconfined(entry.index, sub_table(entry.data, "kubernetes"))
        else:
            yield from _docker_unconfined(entry.index, sub_table(entry.data, "docker"))


UNCONFINED_PROFILE = Rule(
    id="unconfined-profile",
    title="A kernel confinement profile is switched off",
    severity=by_trust(_S.MEDIUM, _S.HIGH, _S.CRITICAL),
    executors=LINUX_DOCKER | KUBERNETES,
    rationale=(
        "Seccomp filters the system calls a container may make, AppArmor and SELinux labels "
        "limit what it may touch, and masked /proc and /sys paths hide kernel knobs. "
        "seccomp=unconfined, apparmor=unconfined, label=disable, systempaths=unconfined, an "
        "Unconfined profile type or proc_mount = unmasked each remove one of these layers, "
        "which is most of what separates an unprivileged container from a privileged one."
    ),
    doc_url=f"{K8S_DOCS}#set-seccomp-and-apparmor-profiles",
    table="runners.docker",
    key="security_opt",
    fix=None,
    remedy=(
        "Remove the unconfined options (Kubernetes: RuntimeDefault profiles, proc_mount = "
        '"default"); give image builds that need them their own runner. Not automatic: '
        "someone switched the profile off for a job that may stop working."
    ),
    check=_unconfined,
)


# --- host-devices -------------------------------------------------------------------------------

_RAW_MEMORY = ("/dev/mem", "/dev/kmem", "/dev/port")
_BLOCK_PREFIXES = (
    "/dev/sd",
    "/dev/nvme",
    "/dev/vd",
    "/dev/xvd",
    "/dev/hd",
    "/dev/dm-",
    "/dev/loop",
    "/dev/mapper",
    "/dev/md",
    "/dev/disk",
)


def device_risk(spec: str) -> Message:
    """Why passing a host device in matters, from its host path."""
    source = spec.strip().split(":")[0]
    if source.startswith(_RAW_MEMORY):
        return Message.of("{source} is the host's memory", source=source)
    if source.startswith(_BLOCK_PREFIXES):
        return Message.of(
            "{source} is a host disk: its filesystem can be read and written raw", source=source
        )
    return Message.of("{source} is a host device", source=source)


def _host_devices(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, DOCKER_FAMILY):
        docker = sub_table(entry.data, "docker")
        path = runner_path(entry.index, "docker")
        for key in ("devices", "device_cgroup_rules"):
            items = strings(get_ci(docker, key))
            if not items:
                continue
            written = spelled(docker, key)
            if key == "devices":
                detail = Message.joined("; ", (device_risk(item) for item in items))
            else:
                wide = [item for item in items if "*" in item or item.strip().startswith("a")]
                detail = Message.of(
                    "rules {rules} let jobs create and open device nodes{any}",
                    rules=", ".join(items),
                    any=Message.of(" of any major number") if wide else Message.of(""),
                )
            yield Issue(
                Message.of("{written}: {detail}", written=written, detail=detail),
                path,
                written,
                entry.index,
            )
        services = sub_table(docker, "services_devices")
        for image, devices in services.items():
            listed = strings(devices)
            if listed:
                yield Issue(
                    Message.of(
                        "services_devices gives service images matching {image!r} {listed}",
                        image=image,
                        listed=", ".join(listed),
                    ),
                    (*path, spelled(docker, "services_devices")),
                    image,
                    entry.index,
                )
        gpus = get_ci(docker, "gpus")
        if isinstance(gpus, str) and gpus.strip():
            written = spelled(docker, "gpus")
            yield Issue(
                Message.of(
                    "{written} = {gpus!r}: every job gets the host's GPUs and their driver "
                    "interfaces, which other jobs' data may still sit in",
                    written=written,
                    gpus=FileValue.read(gpus, written),
                ),
                path,
                written,
                entry.index,
            )
        service_gpus = get_ci(docker, "service_gpus")
        if isinstance(service_gpus, str) and service_gpus.strip():
            written = spelled(docker, "service_gpus")
            yield Issue(
                Message.of(
                    "{written} = {service_gpus!r}: every service container a job starts, from an "
                    "image the job chooses, gets the host's GPUs",
                    written=written,
                    service_gpus=FileValue.read(service_gpus, written),
                ),
                path,
                written,
                entry.index,
            )


HOST_DEVICES = Rule(
    id="host-devices",
    title="Jobs get the host's devices",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=DOCKER_FAMILY,
    rationale=(
        "A device passed into a container is the host's own: /dev/mem and /dev/kmem are its "
        "memory, a disk device is its filesystem below every permission check, and "
        "device_cgroup_rules let a job create device nodes itself. GPUs are often needed, "
        "but their drivers are a large, shared kernel surface. Pass only what a job needs, "
        "on runners meant for it."
    ),
    doc_url=DOCKER_DOCS,
    table="runners.docker",
    key="devices",
    fix=None,
    remedy=(
        "Remove devices, device_cgroup_rules and gpus from runners that do not need them; "
        "keep GPU and device jobs on a dedicated runner."
    ),
    check=_host_devices,
)


# --- container-runtime-options -----------------------------------------------------------------

_SAFE_SYSCTL_PREFIXES = ("net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start")


def _runtime_options(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, LINUX_DOCKER | KUBERNETES):
        if entry.executor is Executor.KUBERNETES:
            k8s = sub_table(entry.data, "kubernetes")
            runtime_class = get_ci(k8s, "runtime_class_name")
            if isinstance(runtime_class, str) and runtime_class.strip():
                written = spelled(k8s, "runtime_class_name")
                yield Issue(
                    Message.of(
                        "{written} = {runtime_class!r}: every job pod runs under that "
                        "RuntimeClass, whose isolation is its handler's (stronger for gVisor or "
                        "Kata, none for a misconfigured one); check it is the one you meant",
                        written=written,
                        runtime_class=FileValue.read(runtime_class, written),
                    ),
                    runner_path(entry.index, "kubernetes"),
                    written,
                    entry.index,
                )
            continue
        docker = sub_table(entry.data, "docker")
        path = runner_path(entry.index, "docker")
        for key in HOST_NAMESPACE_KEYS:
            value = get_ci(docker, key)
            if isinstance(value, str) and value.strip().casefold().startswith("container:"):
                written = spelled(docker, key)
                yield Issue(
                    Message.of(
                        "{written} = {value!r}: every job joins that container's namespace and "
                        "sees or signals what runs there",
                        written=written,
                        value=FileValue.read(value, written),
                    ),
                    path,
                    written,
                    entry.index,
                )
        runtime = get_ci(docker, "runtime")
        if isinstance(runtime, str) and runtime.strip() and runtime.strip() != "runc":
            written = spelled(docker, "runtime")
            yield Issue(
                Message.of(
                    "{written} = {runtime!r}: jobs run under another OCI runtime, whose isolation "
                    "is what the runtime provides (stronger for gVisor or Kata, weaker for some "
                    "others); check that it is the one you meant",
                    written=written,
                    runtime=FileValue.read(runtime, written),
                ),
                path,
                written,
                entry.index,
            )
        sysctls = sub_table(docker, "sysctls")
        risky = [name for name in sysctls if not name.startswith(_SAFE_SYSCTL_PREFIXES)]
        if risky:
            yield Issue(
                Message.of(
                    "sysctls set {risky} for every job container: kernel parameters "
                    "that can weaken the network or memory protections it relies on",
                    risky=", ".join(risky),
                ),
                (*path, spelled(docker, "sysctls")),
                risky[0],
                entry.index,
            )


CONTAINER_RUNTIME_OPTIONS = Rule(
    id="container-runtime-options",
    title="Jobs run with another runtime, namespaces or kernel parameters",
    severity=by_trust(_S.INFO, _S.LOW, _S.MEDIUM),
    executors=LINUX_DOCKER | KUBERNETES,
    rationale=(
        "Besides host, the namespace modes accept container:<name>, which puts every job "
        "into another container's processes, memory or network; runtime (and Kubernetes' "
        "runtime_class_name) swaps the runtime that builds the sandbox; sysctls change "
        "kernel parameters inside it. Each "
        "is sometimes deliberate, and each changes what the other rules can promise, so "
        "they are listed for review."
    ),
    doc_url=DOCKER_DOCS,
    table="runners.docker",
    key="runtime",
    fix=None,
    remedy="Keep these settings only where a job needs them, on a runner dedicated to it.",
    check=_runtime_options,
)

RULES: tuple[Rule, ...] = (UNCONFINED_PROFILE, HOST_DEVICES, CONTAINER_RUNTIME_OPTIONS)
