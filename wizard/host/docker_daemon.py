"""Docker daemon settings that weaken the isolation of job containers.

``/etc/docker/daemon.json`` is the main source; flags on the daemon's
``ExecStart`` line in its systemd unit count too, so a setting made there is
not reported as missing. A daemon without any file runs with Docker's
defaults, which are exactly the weak settings these rules look for.
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wizard.base.errors import json_problem
from wizard.base.safe_text import Message
from wizard.host.fs import Unreadable, join
from wizard.host.result import HostContext

DAEMON_JSON = "/etc/docker/daemon.json"
DOCKER_RULES = (
    "host-docker-userns-remap-missing",
    "host-docker-icc-enabled",
    "host-docker-no-new-privileges-default",
    "host-docker-tcp-without-tls",
)
DOCKERD_PLACES = ("/usr/bin/dockerd", "/usr/sbin/dockerd", "/usr/local/bin/dockerd", "/etc/docker")
DOCKER_UNITS = (
    "/lib/systemd/system/docker.service",
    "/usr/lib/systemd/system/docker.service",
    "/etc/systemd/system/docker.service",
)
DOCKER_DROP_INS = "/etc/systemd/system/docker.service.d"
_EXEC_START = re.compile(r"^\s*ExecStart\s*=\s*(?P<command>.*)$", re.MULTILINE)


@dataclass
class DaemonSettings:
    """The settings we care about, merged from daemon.json and the unit's flags."""

    userns_remap: bool = False
    icc: bool = True
    no_new_privileges: bool = False
    tls_verify: bool = False
    hosts: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def _from_json(settings: DaemonSettings, document: Mapping[str, Any]) -> None:
    remap = document.get("userns-remap")
    settings.userns_remap = isinstance(remap, str) and bool(remap.strip())
    settings.icc = document.get("icc", True) is not False
    settings.no_new_privileges = document.get("no-new-privileges") is True
    settings.tls_verify = document.get("tlsverify") is True
    hosts = document.get("hosts", [])
    if isinstance(hosts, str):
        hosts = [hosts]
    if isinstance(hosts, list):
        settings.hosts.extend(h for h in hosts if isinstance(h, str))


def _from_flags(settings: DaemonSettings, command: str) -> None:
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    for index, word in enumerate(words):
        name, _, value = word.partition("=")
        following = words[index + 1] if index + 1 < len(words) else ""
        if name == "--userns-remap":
            settings.userns_remap = True
        elif name == "--icc" and value.lower() == "false":
            settings.icc = False
        elif name == "--no-new-privileges" and value.lower() != "false":
            settings.no_new_privileges = True
        elif name == "--tlsverify" and value.lower() != "false":
            settings.tls_verify = True
        elif name in ("-H", "--host"):
            settings.hosts.append(value or following)


def _unit_commands(context: HostContext) -> list[tuple[str, str]]:
    """(unit file, ExecStart command) pairs, drop-ins after the units they amend."""
    paths = list(DOCKER_UNITS)
    with contextlib.suppress(Unreadable):
        paths += [join(DOCKER_DROP_INS, n) for n in context.files.list_dir(DOCKER_DROP_INS)]
    commands: list[tuple[str, str]] = []
    for path in paths:
        try:
            text = context.files.read_text(path)
        except Unreadable:
            continue
        commands += [(path, m["command"]) for m in _EXEC_START.finditer(text) if m["command"]]
    return commands


def check_docker_daemon(context: HostContext) -> None:
    if not context.env.is_linux:
        context.skip(
            DOCKER_RULES,
            f"Docker daemon settings are read on Linux only, not {context.env.system}",
        )
        return
    if not any(context.files.exists(place) for place in DOCKERD_PLACES):
        context.skip(DOCKER_RULES, "Docker is not installed (no dockerd and no /etc/docker)")
        return
    settings = DaemonSettings()
    try:
        if context.files.exists(DAEMON_JSON):
            document = json.loads(context.files.read_text(DAEMON_JSON))
            if not isinstance(document, dict):
                context.skip(DOCKER_RULES, f"{DAEMON_JSON} is not a JSON object")
                return
            _from_json(settings, document)
            settings.sources.append(DAEMON_JSON)
    except Unreadable as error:
        context.skip(DOCKER_RULES, str(error))
        return
    except json.JSONDecodeError as error:
        context.skip(DOCKER_RULES, json_problem(DAEMON_JSON, error))
        return
    for path, command in _unit_commands(context):
        _from_flags(settings, command)
        settings.sources.append(path)
    _report(context, settings)


def _report(context: HostContext, settings: DaemonSettings) -> None:
    where = " and ".join(dict.fromkeys(settings.sources)) or f"no {DAEMON_JSON}: Docker's defaults"
    if not settings.userns_remap:
        context.find(
            "host-docker-userns-remap-missing",
            Message.of(
                "userns-remap is not set ({where}): root in a container is root on the host",
                where=where,
            ),
            DAEMON_JSON,
        )
    if settings.icc:
        context.find(
            "host-docker-icc-enabled",
            Message.of(
                "icc is not false ({where}): containers on the default bridge reach each other",
                where=where,
            ),
            DAEMON_JSON,
        )
    if not settings.no_new_privileges:
        context.find(
            "host-docker-no-new-privileges-default",
            Message.of(
                "no-new-privileges is not true ({where}): setuid programs work in every container",
                where=where,
            ),
            DAEMON_JSON,
        )
    tcp = sorted({host for host in settings.hosts if host.startswith("tcp://")})
    if tcp and not settings.tls_verify:
        context.find(
            "host-docker-tcp-without-tls",
            Message.of(
                "the Docker API listens on {tcp} without tlsverify ({where})",
                tcp=", ".join(tcp),
                where=where,
            ),
            DAEMON_JSON,
        )
