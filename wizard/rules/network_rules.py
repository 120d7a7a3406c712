"""Rules about network exposure: job networks, listening servers and unencrypted links."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from wizard.base.model import DOCKER_FAMILY, FixSafety, Issue, SetValue, Severity
from wizard.base.safe_text import FileValue, Message
from wizard.rules.base import DOCS, AuditContext, Rule, by_trust, pin_feature_flag, runners_for
from wizard.runner.reading import (
    LINUX_DOCKER,
    feature_flag,
    feature_flag_default,
    get_ci,
    iter_runners,
    listens_everywhere,
    one_job_per_vm,
    runner_path,
    spelled,
    split_listen_address,
    sub_table,
)
from wizard.runner.settings import METRICS_LOCAL_BREAKS, PER_BUILD_NETWORK_BREAKS

_S = Severity
ADVANCED = f"{DOCS}/configuration/advanced-configuration/"
METRICS_PORT = "9252"
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


# --- per-build-network-disabled ------------------------------------------------------------


def _per_build_network(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, LINUX_DOCKER):
        mode = get_ci(sub_table(entry.data, "docker"), "network_mode")
        host_mode = isinstance(mode, str) and mode.strip().casefold() == "host"
        if isinstance(mode, str) and mode != "" and not host_mode:
            # The network manager returns before reading the flag whenever network_mode is
            # set (executors/docker/internal/networks/manager.go): shared-network-mode's
            # finding. Host mode is reported too, because host-namespace's fix removes it.
            continue
        if one_job_per_vm(entry):
            continue  # nothing else runs on that VM's Docker daemon
        if feature_flag(entry.data, "FF_NETWORK_PER_BUILD") is True:
            continue
        edit = pin_feature_flag(entry, "FF_NETWORK_PER_BUILD", True)
        if host_mode:
            message = Message.of(
                'network_mode = "host" makes the runner ignore FF_NETWORK_PER_BUILD; once host '
                "mode is removed (host-namespace), jobs share Docker's default bridge unless "
                "the flag is pinned"
            )
        elif feature_flag_default(entry.data, "FF_NETWORK_PER_BUILD") is True:
            message = Message.of(
                "FF_NETWORK_PER_BUILD is on only through environment: a job variable can turn "
                "it off and share Docker's default bridge with other jobs"
            )
        else:
            message = Message.of(
                "FF_NETWORK_PER_BUILD is not true: concurrent jobs share Docker's default "
                "bridge network and can reach each other's services"
            )
        yield Issue(message, edit.table, edit.key, entry.index, (edit,))


PER_BUILD_NETWORK_DISABLED = Rule(
    id="per-build-network-disabled",
    title="Jobs share one Docker network",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=LINUX_DOCKER,
    rationale=(
        "By default every job container and its services join Docker's default bridge, where "
        "they can reach the containers of other jobs running at the same time, databases with "
        "test credentials included. A network per job keeps each job's traffic to itself; "
        "pinning the flag in the file also stops jobs from switching it off. It has no effect "
        "while network_mode is set, and a VM that runs one job has no neighbours to fear."
    ),
    doc_url=f"{DOCS}/executors/docker/#create-a-network-for-each-job",
    table="runners.feature_flags",
    key="FF_NETWORK_PER_BUILD",
    fix=FixSafety.UNSAFE,
    breaks=PER_BUILD_NETWORK_BREAKS,
    remedy=(
        "Pin FF_NETWORK_PER_BUILD = true in [runners.feature_flags]; give dind services "
        "--dns settings and check Docker's default-address-pools first."
    ),
    check=_per_build_network,
)


# --- shared-network-mode --------------------------------------------------------------------

_PRIVATE_MODES = frozenset({"none"})
"""network_mode values that give a job no network to share."""


def _shared_network_mode(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, LINUX_DOCKER):
        docker = sub_table(entry.data, "docker")
        mode = get_ci(docker, "network_mode")
        if not isinstance(mode, str) or mode == "":
            continue
        folded = mode.strip().casefold()
        if folded == "host" or folded in _PRIVATE_MODES or one_job_per_vm(entry):
            continue
        key = spelled(docker, "network_mode")
        shown = FileValue.read(mode, key)
        if folded in ("bridge", "default"):
            detail = Message.of("every job joins Docker's default bridge")
        elif folded.startswith("container:"):
            detail = Message.of("every job joins that container's network namespace")
        else:
            detail = Message.of(
                "every job joins the same network {mode!r}, with whatever else is on it", mode=shown
            )
        yield Issue(
            Message.of(
                "{key} = {mode!r}: {detail}, and FF_NETWORK_PER_BUILD is ignored while it is set; "
                "concurrent jobs can reach each other's services",
                key=key,
                mode=shown,
                detail=detail,
            ),
            runner_path(entry.index, "docker"),
            key,
            entry.index,
        )


SHARED_NETWORK_MODE = Rule(
    id="shared-network-mode",
    title="Every job joins one shared Docker network",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=LINUX_DOCKER,
    rationale=(
        "A named network_mode puts every job, and its services, on one network: a job can "
        "reach the databases of jobs running beside it and any other container attached "
        "there, often the GitLab instance itself in compose setups. The runner also skips "
        "creating a network per job whenever network_mode is set. There is no automatic fix, "
        "because jobs often rely on reaching something on that network."
    ),
    doc_url=f"{DOCS}/executors/docker/#network-configurations",
    table="runners.docker",
    key="network_mode",
    fix=None,
    remedy=(
        "Remove network_mode and pin FF_NETWORK_PER_BUILD = true; reach shared services "
        "through published addresses instead of a shared network."
    ),
    check=_shared_network_mode,
)


# --- session-server-exposed ----------------------------------------------------------------


def _session_server(ctx: AuditContext) -> Iterator[Issue]:
    table = sub_table(ctx.data, "session_server")
    if listens_everywhere(get_ci(table, "listen_address")):
        yield Issue(
            Message.of(
                "session_server listen_address binds every interface: the interactive terminal "
                "server is reachable from any network this host is on"
            ),
            ("session_server",),
            spelled(table, "listen_address"),
        )


SESSION_SERVER_EXPOSED = Rule(
    id="session-server-exposed",
    title="The web-terminal server listens on every interface",
    severity=by_trust(_S.INFO, _S.LOW, _S.MEDIUM),
    executors=None,
    rationale=(
        "The session server gives interactive shells into running jobs. It checks a per-session "
        "token, but listening on every interface exposes it, and any flaw in it, to networks "
        "that never need to reach it; only the GitLab server must."
    ),
    doc_url=f"{ADVANCED}#the-session_server-section",
    table="session_server",
    key="listen_address",
    fix=None,
    remedy=(
        "Bind listen_address to the interface GitLab reaches and allow only GitLab's addresses "
        "to that port in the firewall."
    ),
    check=_session_server,
)


# --- metrics-server-exposed ------------------------------------------------------------------


def _metrics_server(ctx: AuditContext) -> Iterator[Issue]:
    address = get_ci(ctx.data, "listen_address")
    if not listens_everywhere(address):
        return
    assert isinstance(address, str)
    _, port = split_listen_address(address)
    key = spelled(ctx.data, "listen_address")
    if ctx.in_cluster:
        # In a pod, 127.0.0.1 is the pod itself: a ServiceMonitor or any in-cluster
        # scraper reaches the pod IP and would be cut off, so no rebinding is offered.
        yield Issue(
            Message.of(
                "listen_address binds every interface of the runner's pod: metrics, the job list "
                "and profiling endpoints are open to anything that reaches the pod; limit that "
                "with a NetworkPolicy (binding to 127.0.0.1 would cut off in-cluster scrapers)"
            ),
            (),
            key,
            None,
        )
        return
    yield Issue(
        Message.of(
            "listen_address binds every interface: metrics, the job list and profiling endpoints "
            "are open to the network without authentication"
        ),
        (),
        key,
        None,
        (SetValue((), key, f"127.0.0.1:{port or METRICS_PORT}"),),
    )


METRICS_SERVER_EXPOSED = Rule(
    id="metrics-server-exposed",
    title="The metrics and debug server listens on every interface",
    severity=by_trust(_S.LOW, _S.MEDIUM, _S.HIGH),
    executors=None,
    rationale=(
        "The runner's listen address serves Prometheus metrics, a list of running jobs and Go "
        "profiling endpoints with no authentication. Reachable from the network, it tells "
        "anyone what runs where and lets them load the process with profiling requests."
    ),
    doc_url=f"{DOCS}/monitoring/",
    table="",
    key="listen_address",
    fix=FixSafety.UNSAFE,
    breaks=METRICS_LOCAL_BREAKS,
    remedy=(
        "Bind listen_address to 127.0.0.1 (keeping the port) and scrape it locally or through "
        "an authenticating proxy. In a pod (Helm values, ConfigMap, Operator) keep it, since "
        "in-cluster scrapers reach the pod IP, and limit who reaches the pod with a "
        "NetworkPolicy."
    ),
    check=_metrics_server,
)


# --- insecure-gitlab-url ------------------------------------------------------------------------


def plain_http_remote(url: object) -> bool:
    """True for an ``http://`` URL whose host is not this machine."""
    if not isinstance(url, str) or not url.strip().casefold().startswith("http://"):
        return False
    host = urlsplit(url.strip()).hostname or ""
    return host.casefold() not in _LOOPBACK


def _insecure_url(ctx: AuditContext) -> Iterator[Issue]:
    for entry in iter_runners(ctx.data):
        for key in ("url", "clone_url"):
            if plain_http_remote(get_ci(entry.data, key)):
                written = spelled(entry.data, key)
                yield Issue(
                    Message.of(
                        "{written} uses plain http: the runner token, job payloads and secrets "
                        "cross the network unencrypted",
                        written=written,
                    ),
                    runner_path(entry.index),
                    written,
                    entry.index,
                )


INSECURE_GITLAB_URL = Rule(
    id="insecure-gitlab-url",
    title="The runner talks to GitLab over plain HTTP",
    severity=by_trust(_S.MEDIUM, _S.HIGH, _S.HIGH),
    executors=None,
    rationale=(
        "Over plain HTTP the runner's authentication token, every job's variables and the "
        "source it clones travel unencrypted and unauthenticated. Anyone on the path can read "
        "secrets, take jobs or hand the runner altered code."
    ),
    doc_url=f"{ADVANCED}#the-runners-section",
    table="runners",
    key="url",
    fix=None,
    remedy="Serve GitLab over HTTPS and change url (and clone_url) to https://.",
    check=_insecure_url,
)


# --- docker-tls-verify-disabled ------------------------------------------------------------------


def _docker_tls(ctx: AuditContext) -> Iterator[Issue]:
    for entry in runners_for(ctx, DOCKER_FAMILY):
        docker = sub_table(entry.data, "docker")
        host = get_ci(docker, "host")
        if not isinstance(host, str):
            continue
        if not host.strip().casefold().startswith(("tcp://", "http://")):
            continue
        if get_ci(docker, "tls_verify") is True:
            continue
        key = spelled(docker, "tls_verify")
        yield Issue(
            Message.of(
                "docker host is a TCP address and tls_verify is not true: the daemon connection "
                "is neither private nor authenticated"
            ),
            runner_path(entry.index, "docker"),
            key,
            entry.index,
        )


DOCKER_TLS_VERIFY_DISABLED = Rule(
    id="docker-tls-verify-disabled",
    title="The Docker daemon is reached over unverified TCP",
    severity=by_trust(_S.MEDIUM, _S.HIGH, _S.HIGH),
    executors=DOCKER_FAMILY,
    rationale=(
        "A Docker daemon on a TCP port without TLS verification accepts commands from anyone "
        "who can reach it, and the runner cannot tell whether it talks to the real daemon. "
        "Control of that daemon is root on its host and access to every job it runs."
    ),
    doc_url=f"{ADVANCED}#the-runnersdocker-section",
    table="runners.docker",
    key="tls_verify",
    fix=None,
    remedy=(
        "Enable TLS on the daemon, set tls_verify = true and tls_cert_path to the client "
        "certificates, or use the local Unix socket."
    ),
    check=_docker_tls,
)

RULES: tuple[Rule, ...] = (
    PER_BUILD_NETWORK_DISABLED,
    SHARED_NETWORK_MODE,
    SESSION_SERVER_EXPOSED,
    METRICS_SERVER_EXPOSED,
    INSECURE_GITLAB_URL,
    DOCKER_TLS_VERIFY_DISABLED,
)
