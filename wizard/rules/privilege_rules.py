"""Rules about what a job container may do to its host: privileged mode and capabilities.

Privileged mode and broad capabilities are the usual way out of a container,
so these rules cover both the Docker and the Kubernetes spelling of each.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from wizard.base.model import DOCKER_FAMILY, Executor, FixSafety, Issue, SetValue, Severity
from wizard.base.safe_text import Message
from wizard.rules.base import DOCS, AuditContext, Rule, by_trust, runners_for, set_in
from wizard.rules.image_patterns import admits_any_registry
from wizard.runner.reading import (
    CONTAINER_EXECUTORS,
    LINUX_DOCKER,
    get_ci,
    has_no_new_privileges,
    is_true,
    runner_path,
    spelled,
    strings,
    sub_table,
    with_no_new_privileges,
)
from wizard.runner.settings import (
    NO_NEW_PRIVILEGES_BREAKS,
    PRIVILEGED_BREAKS,
    SERVICES_PRIVILEGED_BREAKS,
    SETUID_CAPS_BREAKS,
    is_root_user,
)

_S = Severity
DOCKER_DOCS = f"{DOCS}/configuration/advanced-configuration/#the-runnersdocker-section"

K8S_CONTAINER_CONTEXTS = (
    "build_container_security_context",
    "helper_container_security_context",
    "service_container_security_context",
    "init_permissions_container_security_context",
)
"""Per-container security contexts; each overrides the ``[runners.kubernetes]`` default."""

DANGEROUS_CAPABILITIES = frozenset(
    {
        "ALL",
        "SYS_ADMIN",
        "SYS_PTRACE",
        "SYS_MODULE",
        "SYS_RAWIO",
        "SYS_BOOT",
        "SYS_TIME",
        "NET_ADMIN",
        "DAC_READ_SEARCH",
        "BPF",
        "PERFMON",
        "MAC_ADMIN",
        "MAC_OVERRIDE",
        "SYSLOG",
    }
)
"""Capabilities that reach past the container: mounts, kernel modules, other processes'
memory, raw devices, host-wide clocks and logs, or arbitrary file reads."""


def capability_name(value: str) -> str:
    """Docker and Kubernetes accept ``sys_admin`` and ``CAP_SYS_ADMIN`` alike."""
    name = value.strip().upper()
    return name.removeprefix("CAP_")


# --- privileged-container -------------------------------------------------------------


def _privileged(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, CONTAINER_EXECUTORS):
        if entry.executor == Executor.KUBERNETES:
            yield from _k8s_privileged(entry.index, entry.data)
            continue
        docker = sub_table(entry.data, "docker")
        if is_true(get_ci(docker, "privileged")):
            yield Issue(
                Message.of(
                    "privileged = true: every job gets root on the "
                    "host and can escape its container"
                ),
                runner_path(entry.index, "docker"),
                spelled(docker, "privileged"),
                entry.index,
                (set_in(entry, ("docker",), "privileged", False),),
            )


def _k8s_privileged(index: int, runner: Mapping[str, Any]) -> Iterator[Issue]:
    k8s = sub_table(runner, "kubernetes")
    if is_true(get_ci(k8s, "privileged")):
        yield Issue(
            Message.of("privileged = true: every job pod gets root on its node"),
            runner_path(index, "kubernetes"),
            spelled(k8s, "privileged"),
            index,
            (SetValue(runner_path(index, "kubernetes"), spelled(k8s, "privileged"), False),),
        )
    for context_name in K8S_CONTAINER_CONTEXTS:
        context = sub_table(k8s, context_name)
        if is_true(get_ci(context, "privileged")):
            path = runner_path(index, "kubernetes", context_name)
            yield Issue(
                Message.of(
                    "{context_name} privileged = true: that container gets root on its node",
                    context_name=context_name,
                ),
                path,
                spelled(context, "privileged"),
                index,
                (SetValue(path, spelled(context, "privileged"), False),),
            )


PRIVILEGED_CONTAINER = Rule(
    id="privileged-container",
    title="Job containers run privileged",
    severity=by_trust(_S.HIGH, _S.CRITICAL, _S.CRITICAL),
    executors=CONTAINER_EXECUTORS,
    rationale=(
        "A privileged container has every capability and sees the host's devices, so a job can "
        "mount the host disk, load kernel modules or start processes outside the container. "
        "Whoever can push a pipeline then controls the machine and every other job on it."
    ),
    doc_url=f"{DOCS}/security/#reduce-the-security-risk-of-using-privileged-containers",
    table="runners.docker",
    key="privileged",
    fix=FixSafety.UNSAFE,
    breaks=PRIVILEGED_BREAKS,
    remedy=(
        "Set privileged = false and build images with rootless BuildKit, Buildah or Podman; "
        "where a job truly needs privileged mode, name its pinned image in "
        "allowed_privileged_images on a separate, ephemeral runner for protected branches."
    ),
    check=_privileged,
)


# --- privileged-without-image-allowlist ----------------------------------------------------


def _privileged_unrestricted(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, DOCKER_FAMILY):
        docker = sub_table(entry.data, "docker")
        allowed = strings(get_ci(docker, "allowed_privileged_images"))
        if is_true(get_ci(docker, "privileged")) and restricts_nothing(allowed):
            said = (
                Message.of("is empty")
                if not allowed
                else Message.of(
                    "has {allowed}, which matches any image", allowed=", ".join(allowed)
                )
            )
            yield Issue(
                Message.of(
                    "allowed_privileged_images {said}: any image a job names runs privileged",
                    said=said,
                ),
                runner_path(entry.index, "docker"),
                spelled(docker, "allowed_privileged_images"),
                entry.index,
            )


PRIVILEGED_WITHOUT_IMAGE_ALLOWLIST = Rule(
    id="privileged-without-image-allowlist",
    title="Privileged mode applies to every image",
    severity=by_trust(_S.MEDIUM, _S.HIGH, _S.CRITICAL),
    executors=DOCKER_FAMILY,
    rationale=(
        "The runner grants privileged mode only to images matching allowed_privileged_images, "
        "but an empty or missing list restricts nothing. Any job can then pick an image of its "
        "own making and run it with full host access."
    ),
    doc_url=DOCKER_DOCS,
    table="runners.docker",
    key="allowed_privileged_images",
    fix=None,
    remedy=(
        "List the few images that need privileged mode (for example a pinned docker:dind) in "
        "allowed_privileged_images, or turn privileged mode off."
    ),
    check=_privileged_unrestricted,
)


# --- privileged-services -----------------------------------------------------------------------


def _privileged_services(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, DOCKER_FAMILY):
        docker = sub_table(entry.data, "docker")
        own = get_ci(docker, "services_privileged")
        inherited = not isinstance(own, bool)
        privileged = is_true(get_ci(docker, "privileged")) if inherited else own
        allowed = strings(get_ci(docker, "allowed_privileged_services"))
        if not privileged or not restricts_nothing(allowed):
            continue
        said = "is empty" if not allowed else "matches any image"
        if inherited:
            message = Message.of(
                "services inherit privileged = true and allowed_privileged_services {said}",
                said=said,
            )
            key = spelled(docker, "privileged")
        else:
            message = Message.of(
                "services_privileged = true and allowed_privileged_services {said}", said=said
            )
            key = spelled(docker, "services_privileged")
        yield Issue(
            Message.of("{message}: any service image runs privileged", message=message),
            runner_path(entry.index, "docker"),
            key,
            entry.index,
            (set_in(entry, ("docker",), "services_privileged", False),),
        )


PRIVILEGED_SERVICES = Rule(
    id="privileged-services",
    title="Service containers run privileged for any image",
    severity=by_trust(_S.MEDIUM, _S.HIGH, _S.CRITICAL),
    executors=DOCKER_FAMILY,
    rationale=(
        "Services follow privileged unless services_privileged says otherwise, and with an "
        "empty allowed_privileged_services every service image a job lists gets host-level "
        "access. A job can start its own image as a service to escape the container."
    ),
    doc_url=DOCKER_DOCS,
    table="runners.docker",
    key="services_privileged",
    fix=FixSafety.UNSAFE,
    breaks=SERVICES_PRIVILEGED_BREAKS,
    remedy=(
        "Set services_privileged = false, or list the service images that need it (such as a "
        "pinned docker:dind) in allowed_privileged_services."
    ),
    check=_privileged_services,
)


# --- dangerous-capabilities --------------------------------------------------------------------


def _dangerous_in(values: list[str]) -> list[str]:
    return [value for value in values if capability_name(value) in DANGEROUS_CAPABILITIES]


def _capability_issue(
    index: int, path: tuple[str | int, ...], table: Mapping[str, Any], key: str
) -> Issue | None:
    raw = get_ci(table, key)
    found = _dangerous_in(strings(raw))
    if not found:
        return None
    kept = [item for item in (raw if isinstance(raw, list) else [raw]) if item not in found]
    written = spelled(table, key)
    return Issue(
        Message.of(
            "{written} adds {capabilities}: enough to break out of the container",
            written=written,
            capabilities=", ".join(capability_name(c) for c in found),
        ),
        path,
        written,
        index,
        (SetValue(path, written, kept),),
    )


def _dangerous_capabilities(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, CONTAINER_EXECUTORS):
        if entry.executor == Executor.KUBERNETES:
            k8s = sub_table(entry.data, "kubernetes")
            places = [(runner_path(entry.index, "kubernetes"), k8s, "cap_add")]
            for context_name in K8S_CONTAINER_CONTEXTS:
                capabilities = sub_table(sub_table(k8s, context_name), "capabilities")
                path = runner_path(entry.index, "kubernetes", context_name, "capabilities")
                places.append((path, capabilities, "add"))
        else:
            places = [
                (runner_path(entry.index, "docker"), sub_table(entry.data, "docker"), "cap_add")
            ]
        for path, table, key in places:
            issue = _capability_issue(entry.index, path, table, key)
            if issue is not None:
                yield issue


DANGEROUS_CAPABILITIES_RULE = Rule(
    id="dangerous-capabilities",
    title="Containers get capabilities that reach the host",
    severity=by_trust(_S.MEDIUM, _S.HIGH, _S.CRITICAL),
    executors=CONTAINER_EXECUTORS,
    rationale=(
        "Capabilities such as SYS_ADMIN, SYS_PTRACE, SYS_MODULE or NET_ADMIN let a process "
        "mount filesystems, inspect other processes, load kernel code or reconfigure the "
        "network. Each is a known route out of a container, and ALL is privileged mode in all "
        "but name."
    ),
    doc_url=DOCKER_DOCS,
    table="runners.docker",
    key="cap_add",
    fix=FixSafety.UNSAFE,
    breaks=(
        "jobs that use the removed capabilities (mounting, tracing, network administration) fail"
    ),
    remedy=(
        "Remove the listed capabilities from cap_add; grant a narrower one only if a job needs it."
    ),
    check=_dangerous_capabilities,
)


# --- setuid-not-dropped ----------------------------------------------------------------------

PRIVILEGED_IGNORES = Message.of(
    "; while privileged = true applies to every image, Docker gives job containers every "
    "capability and ignores cap_drop, so this does not confine them until privileged is off"
)
"""executors/docker/docker.go sets ``Privileged`` for an image unless allowed_privileged_images
leaves it out; moby oci/caps ``TweakCapabilities`` then returns every capability and never
reads cap_drop."""


def restricts_nothing(patterns: list[str]) -> bool:
    """An allowlist the runner reads as no restriction: empty, or with an entry such as
    ``**`` or ``**/*`` that admits a stranger's image on any registry (doublestar.Match
    in ``isInAllowedPrivilegedImages``, executors/docker/docker.go)."""
    return not patterns or any(admits_any_registry(pattern) for pattern in patterns)


def privileged_for_every_image(docker: Mapping[str, Any]) -> bool:
    """privileged = true with no allowed_privileged_images: every job container is privileged."""
    allowed = strings(get_ci(docker, "allowed_privileged_images"))
    return get_ci(docker, "privileged") is True and restricts_nothing(allowed)


def _setuid_not_dropped(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, LINUX_DOCKER):
        docker = sub_table(entry.data, "docker")
        raw = get_ci(docker, "cap_drop")
        dropped = {capability_name(value) for value in strings(raw)}
        if "ALL" in dropped:
            continue
        missing = [name for name in ("SETUID", "SETGID") if name not in dropped]
        if not missing:
            continue
        existing = list(raw) if isinstance(raw, list) else strings(raw)
        key = spelled(docker, "cap_drop")
        message = Message.of(
            "cap_drop lacks {missing}: a job can switch to any user, root included",
            missing=" and ".join(missing),
        )
        edits = (SetValue(runner_path(entry.index, "docker"), key, [*existing, *missing]),)
        if privileged_for_every_image(docker):
            # The fix is kept: it takes effect once privileged is off (often in the same
            # harden run), but the operator must not take it for confinement today.
            message = Message.of("{message}{ignored}", message=message, ignored=PRIVILEGED_IGNORES)
        yield Issue(message, runner_path(entry.index, "docker"), key, entry.index, edits)


SETUID_NOT_DROPPED = Rule(
    id="setuid-not-dropped",
    title="Jobs keep the SETUID and SETGID capabilities",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=LINUX_DOCKER,
    rationale=(
        "SETUID and SETGID let processes change their user and group, which is what sudo, su "
        "and setuid binaries rely on to climb back to root inside the container. Dropping both "
        "keeps a job that starts as a normal user from becoming root."
    ),
    doc_url=f"{DOCS}/security/#usage-of-docker-executor",
    table="runners.docker",
    key="cap_drop",
    fix=FixSafety.UNSAFE,
    breaks=SETUID_CAPS_BREAKS,
    remedy=(
        "Add SETUID and SETGID to cap_drop; jobs that call sudo, su or tools that switch users "
        "(such as some package managers) then fail."
    ),
    check=_setuid_not_dropped,
)


# --- no-new-privileges-missing ------------------------------------------------------------------


def _no_new_privileges(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, LINUX_DOCKER):
        docker = sub_table(entry.data, "docker")
        options = get_ci(docker, "security_opt")
        if has_no_new_privileges(options):
            continue
        key = spelled(docker, "security_opt")
        message = Message.of(
            "security_opt lacks no-new-privileges: setuid programs can raise a job's privileges"
        )
        edits: tuple[SetValue, ...] = (
            SetValue(runner_path(entry.index, "docker"), key, with_no_new_privileges(options)),
        )
        services = get_ci(docker, "services_security_opt")
        if not has_no_new_privileges(services):
            # Service containers get services_security_opt alone (createHostConfigForService
            # in executors/docker/docker.go): confine them in the same step.
            edits += (
                SetValue(
                    runner_path(entry.index, "docker"),
                    spelled(docker, "services_security_opt"),
                    with_no_new_privileges(services),
                ),
            )
        if privileged_for_every_image(docker) and not get_ci(docker, "user"):
            # Jobs run as root with every capability (moby oci/caps TweakCapabilities):
            # a setuid program has nothing left to raise, so the option confines nothing.
            # With a non-root ``user`` it may still stop that user becoming root.
            message = Message.of(
                "{message}; while privileged = true applies to every image, jobs already run as "
                "root with every capability, so this does not confine them until privileged is off",
                message=message,
            )
        yield Issue(message, runner_path(entry.index, "docker"), key, entry.index, edits)


NO_NEW_PRIVILEGES_MISSING = Rule(
    id="no-new-privileges-missing",
    title="Processes in job containers may gain privileges",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=LINUX_DOCKER,
    rationale=(
        "Without no-new-privileges, running a setuid or file-capability binary raises the "
        "privileges of the process that runs it. The option blocks that for the build and "
        "helper containers, which closes the common sudo route to root."
    ),
    doc_url=DOCKER_DOCS,
    table="runners.docker",
    key="security_opt",
    fix=FixSafety.UNSAFE,
    breaks=NO_NEW_PRIVILEGES_BREAKS,
    remedy=(
        'Add "no-new-privileges:true" to security_opt and services_security_opt; jobs that '
        "rely on sudo or su then fail."
    ),
    check=_no_new_privileges,
)


# --- job-runs-as-root ----------------------------------------------------------------------


def _job_runs_as_root(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, LINUX_DOCKER):
        docker = sub_table(entry.data, "docker")
        user = get_ci(docker, "user")
        path = runner_path(entry.index, "docker")
        if isinstance(user, str) and user.strip():
            if is_root_user(user):
                yield Issue(
                    Message.of("user = root: every job runs as root in its container"),
                    path,
                    spelled(docker, "user"),
                    entry.index,
                )
            continue
        allowed = strings(get_ci(docker, "allowed_users"))
        if allowed and not any(is_root_user(name) for name in allowed):
            detail = Message.of(
                "jobs that name no user run as the image's default user, often root"
            )
        elif allowed:
            detail = Message.of("allowed_users admits root, and images default to it")
        else:
            detail = Message.of(
                "jobs run as the image's default user (often root) or any user they ask for"
            )
        yield Issue(
            Message.of("no user set: {detail}", detail=detail),
            path,
            spelled(docker, "user"),
            entry.index,
        )


JOB_RUNS_AS_ROOT = Rule(
    id="job-runs-as-root",
    title="Jobs may run as root inside their container",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=LINUX_DOCKER,
    rationale=(
        "Most images start as root, and root in a container is root on the host kernel: any "
        "container breakout, writable host mount or daemon socket then yields full control. "
        "Pinning a non-root user in the runner configuration takes precedence over the user a "
        "job asks for."
    ),
    doc_url=f"{DOCS}/security/#usage-of-docker-executor",
    table="runners.docker",
    key="user",
    fix=None,
    remedy=(
        "Set user to a non-root account present in your job images (and keep root out of "
        "allowed_users); images must be built to work as that user."
    ),
    check=_job_runs_as_root,
)

RULES: tuple[Rule, ...] = (
    PRIVILEGED_CONTAINER,
    PRIVILEGED_WITHOUT_IMAGE_ALLOWLIST,
    PRIVILEGED_SERVICES,
    DANGEROUS_CAPABILITIES_RULE,
    SETUID_NOT_DROPPED,
    NO_NEW_PRIVILEGES_MISSING,
    JOB_RUNS_AS_ROOT,
)
