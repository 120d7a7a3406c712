"""The Docker ``daemon.json`` fragment: isolation defaults for every container on the host.

JSON has no comments, so the fragment is pure settings (Docker refuses to
start on an unknown key); what produced it, and each setting left out because
the answers rule it out, are in the checklist beside it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from wizard.answers.model import Answers, PrivilegedNeed
from wizard.base.model import DOCKER_FAMILY, Executor


@dataclass(frozen=True)
class DaemonFragment:
    settings: dict[str, object]
    left_out: tuple[tuple[str, str], ...]
    """(setting, why the answers rule it out)."""


def daemon_fragment(answers: Answers) -> DaemonFragment:
    settings: dict[str, object] = {}
    left_out: list[tuple[str, str]] = []
    if answers.per_build_network:
        # icc governs only the default bridge; jobs on their own networks do not use it.
        settings["icc"] = False
    else:
        left_out.append(
            (
                "icc",
                "with icc off, containers on the default bridge cannot talk to each other, "
                "and without per-build networks that is where jobs reach their services "
                "(since runner 18.7 through extra hosts, see the Docker executor's network "
                "configurations). Turn on per-build networks first, then set icc to false.",
            )
        )
    settings["live-restore"] = True
    settings["no-new-privileges"] = True
    if answers.privileged is PrivilegedNeed.PRIVILEGED:
        left_out.append(
            (
                "userns-remap",
                "privileged Docker-in-Docker needs real root in its container, which "
                "user-namespace remapping takes away (privileged containers cannot run "
                "with it). Keep this runner on ephemeral VMs instead.",
            )
        )
    elif answers.isolate_host_network is False:
        left_out.append(
            (
                "userns-remap",
                "jobs may use the host's network or PID namespace, which Docker does not "
                "allow together with user-namespace remapping.",
            )
        )
    else:
        settings["userns-remap"] = "default"
    return DaemonFragment(dict(sorted(settings.items())), tuple(left_out))


def wants_fragment(executor: Executor | None) -> bool:
    """Docker on Linux; for autoscaled executors the fragment goes into the VM image."""
    return executor in DOCKER_FAMILY and executor is not Executor.DOCKER_WINDOWS


def render_fragment(answers: Answers) -> str:
    return json.dumps(daemon_fragment(answers).settings, indent=2) + "\n"
