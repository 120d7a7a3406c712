"""Rules about what of the host a job container can see: sockets, paths and namespaces."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from typing import Any

from wizard.base.model import (
    DOCKER_FAMILY,
    Executor,
    FixSafety,
    Issue,
    RemoveKey,
    SetValue,
    Severity,
)
from wizard.base.safe_text import Message
from wizard.rules.base import DOCS, AuditContext, Rule, by_trust, runners_for
from wizard.runner.reading import (
    LINUX_DOCKER,
    get_ci,
    is_engine_socket,
    runner_path,
    spelled,
    strings,
    sub_table,
    volume_source,
)
from wizard.runner.settings import (
    ENGINE_SOCKET_BREAKS,
    HOST_NAMESPACE_BREAKS,
    HOST_NAMESPACE_EFFECTS,
    is_host_namespace,
)

_S = Severity
DOCKER_DOCS = f"{DOCS}/configuration/advanced-configuration/#the-runnersdocker-section"

SENSITIVE_EXACT = frozenset(
    {"/", "/etc", "/home", "/dev", "/var", "/var/run", "/run", "/usr", "/lib", "/bin", "/sbin"}
)
"""Directories that are dangerous as a whole, though single files below them may be fine
(a read-only ``/etc/ssl/certs`` or ``/dev/kvm`` is a common, deliberate mount)."""

SENSITIVE_TREES = (
    "/root",
    "/proc",
    "/sys",
    "/boot",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/kubelet",
    "/etc/gitlab-runner",
    "/etc/shadow",
    "/etc/sudoers",
    "/etc/ssh",
    "/etc/kubernetes",
)
"""Paths that are dangerous together with everything below them."""

CREDENTIAL_DIRECTORIES = frozenset({".ssh", ".aws", ".kube", ".docker", ".gnupg"})
"""Home-directory folders that hold keys and credentials, wherever the home is."""


def sensitive_reason(path: str) -> Message | None:
    """Why mounting the host ``path`` is dangerous, or ``None`` when it is not known to be."""
    if is_engine_socket(path):
        return Message.of("a container-engine socket: control of every container on the host")
    parts = [part for part in path.replace("\\", "/").split("/") if part]
    if CREDENTIAL_DIRECTORIES.intersection(parts):
        return Message.of("a credentials directory")
    normal = "/" + posixpath.normpath(path).lstrip("/") if path.startswith("/") else path
    if normal in SENSITIVE_EXACT:
        return Message.of("a whole system directory")
    for tree in SENSITIVE_TREES:
        if normal == tree or normal.startswith(tree + "/"):
            return Message.of("host state under {tree}", tree=tree)
    return None


_CERTIFICATE_SUFFIXES = (".crt", ".pem", ".cer")
_CERTIFICATE_FOLDERS = ("/etc/gitlab-runner/certs", "/etc/ssl/certs", "/etc/pki/ca-trust")


def read_only_certificates(path: str, read_only: bool) -> bool:
    """A read-only mount of public CA certificates: one certificate file, or a certs folder.

    The runner's docs mount ``/etc/gitlab-runner/certs/ca.crt`` (or the certs folder)
    read-only into jobs for a private CA. A certificate is public; only a writable
    mount could let a job change whom the host trusts. Key files stay sensitive.
    """
    if not read_only:
        return False
    normal = posixpath.normpath(path)
    name = posixpath.basename(normal).casefold()
    if name.endswith(_CERTIFICATE_SUFFIXES) and "key" not in name:
        return not CREDENTIAL_DIRECTORIES.intersection(normal.split("/"))
    return normal in _CERTIFICATE_FOLDERS


def _docker_read_only(spec: str) -> bool:
    """``host:container:ro`` (or ``ro,z``...): Docker's read-only bind mount."""
    parts = spec.strip().split(":")
    return len(parts) >= 3 and "ro" in {option.strip() for option in parts[2].split(",")}


# --- docker-socket-mount ----------------------------------------------------------------------


def _socket_volume(spec: str, executor: Executor | None) -> bool:
    if executor == Executor.DOCKER_WINDOWS:
        return is_engine_socket(spec)
    source = volume_source(spec)
    return source is not None and is_engine_socket(source)


def _docker_socket(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, DOCKER_FAMILY):
        docker = sub_table(entry.data, "docker")
        raw = get_ci(docker, "volumes")
        volumes = raw if isinstance(raw, list) else strings(raw)
        sockets = [v for v in volumes if isinstance(v, str) and _socket_volume(v, entry.executor)]
        if not sockets:
            continue
        kept = [v for v in volumes if v not in sockets]
        key = spelled(docker, "volumes")
        if all(is_rootless_socket(v) for v in sockets):
            message = Message.of(
                "volumes mount a rootless engine's socket: every job controls that daemon's "
                "containers, other jobs' included, and everything its user can reach, though "
                "not root on the host"
            )
            severity: Severity | None = by_trust(_S.MEDIUM, _S.HIGH, _S.HIGH)[ctx.trust]
        else:
            message = Message.of(
                "volumes mount the container engine's socket: every job controls the host's "
                "containers and, through them, the host"
            )
            severity = None
        yield Issue(
            message,
            runner_path(entry.index, "docker"),
            key,
            entry.index,
            (SetValue(runner_path(entry.index, "docker"), key, kept),),
            severity,
        )


def is_rootless_socket(spec: str) -> bool:
    """A socket of a daemon run by an ordinary user: under /run/user/UID or named rootless."""
    source = spec.strip().split(":")[0]
    return source.startswith("/run/user/") or "rootless" in source.casefold()


DOCKER_SOCKET_MOUNT = Rule(
    id="docker-socket-mount",
    title="Jobs can reach the host's Docker daemon",
    severity=by_trust(_S.HIGH, _S.CRITICAL, _S.CRITICAL),
    executors=DOCKER_FAMILY,
    rationale=(
        "Whoever talks to the Docker socket can start a privileged container with the host's "
        "root filesystem mounted, so the mount is root on the host. It also exposes every other "
        "job's containers, images and volumes on that daemon."
    ),
    doc_url=DOCKER_DOCS,
    table="runners.docker",
    key="volumes",
    fix=FixSafety.UNSAFE,
    breaks=ENGINE_SOCKET_BREAKS,
    remedy=(
        "Remove the socket from volumes; build images with a rootless builder or Docker-in-Docker "
        "on an ephemeral runner instead."
    ),
    check=_docker_socket,
)


# --- sensitive-host-path ----------------------------------------------------------------------


def _host_path_entries(k8s: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    entries = get_ci(sub_table(k8s, "volumes"), "host_path")
    if isinstance(entries, Mapping):
        return [entries]
    if isinstance(entries, list):
        return [item for item in entries if isinstance(item, Mapping)]
    return []


def _sensitive_paths(ctx: AuditContext) -> Iterator[Issue]:
    executors = LINUX_DOCKER | {Executor.KUBERNETES}
    for entry in runners_for(ctx, executors):
        if entry.executor == Executor.KUBERNETES:
            k8s = sub_table(entry.data, "kubernetes")
            for volume in _host_path_entries(k8s):
                host_path = get_ci(volume, "host_path")
                if not isinstance(host_path, str) or read_only_certificates(
                    host_path, get_ci(volume, "read_only") is True
                ):
                    continue
                reason = sensitive_reason(host_path)
                if reason:
                    name = get_ci(volume, "name")
                    label = (
                        Message.of(" ({name})", name=name)
                        if isinstance(name, str)
                        else Message.of("")
                    )
                    yield Issue(
                        Message.of(
                            "host_path volume{label} mounts {host_path}, {reason}",
                            label=label,
                            host_path=host_path,
                            reason=reason,
                        ),
                        runner_path(entry.index, "kubernetes", "volumes"),
                        "host_path",
                        entry.index,
                    )
            continue
        docker = sub_table(entry.data, "docker")
        for spec in strings(get_ci(docker, "volumes")):
            source = volume_source(spec)
            if source is None or is_engine_socket(source):
                continue  # sockets are docker-socket-mount's finding
            if read_only_certificates(source, _docker_read_only(spec)):
                continue
            reason = sensitive_reason(source)
            if reason:
                yield Issue(
                    Message.of(
                        "volumes bind-mount {source}, {reason}", source=source, reason=reason
                    ),
                    runner_path(entry.index, "docker"),
                    spelled(docker, "volumes"),
                    entry.index,
                )


SENSITIVE_HOST_PATH = Rule(
    id="sensitive-host-path",
    title="Jobs mount sensitive host paths",
    severity=by_trust(_S.MEDIUM, _S.HIGH, _S.CRITICAL),
    executors=LINUX_DOCKER | {Executor.KUBERNETES},
    rationale=(
        "A bind mount hands the job the host's own files: system configuration, kernel "
        "interfaces, other containers' storage or someone's SSH keys. A writable mount of such "
        "a path lets a job change the host; even a read-only one can leak credentials."
    ),
    doc_url=f"{DOCS}/security/",
    table="runners.docker",
    key="volumes",
    fix=None,
    remedy=(
        "Mount only the specific files a job needs, read-only (a CA certificate file or the "
        "certs folder mounted with :ro is not reported), and keep credentials out of job "
        "containers."
    ),
    check=_sensitive_paths,
)


# --- host-namespace ---------------------------------------------------------------------------


def _host_namespaces(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, DOCKER_FAMILY):
        docker = sub_table(entry.data, "docker")
        for key, effect in HOST_NAMESPACE_EFFECTS.items():
            if is_host_namespace(get_ci(docker, key)):
                written = spelled(docker, key)
                yield Issue(
                    Message.of('{written} = "host": {effect}', written=written, effect=effect),
                    runner_path(entry.index, "docker"),
                    written,
                    entry.index,
                    (RemoveKey(runner_path(entry.index, "docker"), written),),
                )


HOST_NAMESPACE = Rule(
    id="host-namespace",
    title="Job containers share a host namespace",
    severity=by_trust(_S.HIGH, _S.CRITICAL, _S.CRITICAL),
    executors=DOCKER_FAMILY,
    rationale=(
        "Namespaces are what separate a container from its host. Joining the host's network, "
        "process, IPC or user namespace removes that wall for the job, exposing local services, "
        "other processes' memory and signals, or the host's root identity."
    ),
    doc_url=DOCKER_DOCS,
    table="runners.docker",
    key="network_mode",
    fix=FixSafety.UNSAFE,
    breaks=HOST_NAMESPACE_BREAKS,
    remedy="Remove the host namespace setting so that each job gets its own namespace.",
    check=_host_namespaces,
)

# --- shared-cache-mount ----------------------------------------------------------------------


def _cache_paths(runner: Mapping[str, Any]) -> set[str]:
    """Where jobs keep their local cache inside the container: /cache unless cache_dir says."""
    paths = {"/cache"}
    own = get_ci(runner, "cache_dir")
    if isinstance(own, str) and own.startswith("/"):
        paths.add(own.rstrip("/") or "/")
    return paths


def _shared_cache(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, DOCKER_FAMILY | {Executor.KUBERNETES}):
        if entry.executor is Executor.KUBERNETES:
            k8s = sub_table(entry.data, "kubernetes")
            targets = _cache_paths(entry.data)
            for volume in _host_path_entries(k8s):
                mount = get_ci(volume, "mount_path")
                host_path = get_ci(volume, "host_path")
                if isinstance(mount, str) and mount.rstrip("/") in targets:
                    yield Issue(
                        Message.of(
                            "a host_path volume mounts the node's {host_path} over {mount}: every "
                            "project's jobs on that node read and write one cache, so one pipeline "
                            "can plant dependencies another restores",
                            host_path=host_path,
                            mount=mount,
                        ),
                        runner_path(entry.index, "kubernetes", "volumes"),
                        "host_path",
                        entry.index,
                    )
            continue
        docker = sub_table(entry.data, "docker")
        targets = _cache_paths(entry.data)
        for spec in strings(get_ci(docker, "volumes")):
            parts = spec.strip().split(":")
            source = volume_source(spec)
            if source is None or len(parts) < 2:
                continue
            if parts[1].rstrip("/") in targets:
                yield Issue(
                    Message.of(
                        "volumes bind the host folder {source} over {parts}: every project's "
                        "jobs read and write one cache, so one pipeline can plant dependencies "
                        "another restores",
                        source=source,
                        parts=parts[1],
                    ),
                    runner_path(entry.index, "docker"),
                    spelled(docker, "volumes"),
                    entry.index,
                )


SHARED_CACHE_MOUNT = Rule(
    id="shared-cache-mount",
    title="One host folder is every project's cache",
    severity=by_trust(_S.INFO, _S.MEDIUM, _S.HIGH),
    executors=DOCKER_FAMILY | {Executor.KUBERNETES},
    rationale=(
        "Without a bind mount the Docker executor keeps /cache in a volume per project "
        "(and per protected state), created by executors/docker/internal/volumes, and a "
        "Kubernetes pod keeps it in its own emptyDir; a host folder mounted over it is "
        "shared by every project and branch. A job can then replace "
        "cached dependencies or build outputs that a protected pipeline of another project "
        "restores and runs."
    ),
    doc_url=f"{DOCS}/executors/docker/",
    table="runners.docker",
    key="volumes",
    fix=None,
    remedy=(
        'Use the anonymous "/cache" volume (per project) or a distributed cache per runner, '
        "not a host folder shared by all."
    ),
    check=_shared_cache,
)

RULES: tuple[Rule, ...] = (
    DOCKER_SOCKET_MOUNT,
    SENSITIVE_HOST_PATH,
    HOST_NAMESPACE,
    SHARED_CACHE_MOUNT,
)
