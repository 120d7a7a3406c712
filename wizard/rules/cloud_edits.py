"""Cloud settings that keep jobs away from the instance metadata service.

Requiring session tokens (IMDSv2) with a response hop limit of 1 means a token
can only be fetched from the instance itself: a container behind a Docker
bridge is one hop further and never gets one. For docker+machine with the
amazonec2 driver the config can carry this in ``MachineOptions``; for the
docker-autoscaler the instance template must say it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wizard.base.model import Edit, Executor, SetValue
from wizard.runner.reading import find_key, machine_options, runner_at, sub_table

AMAZON_PREFIX = "amazonec2-"
REQUIRED_MACHINE_OPTIONS = {
    "amazonec2-metadata-token": "required",
    "amazonec2-metadata-token-response-hop-limit": "1",
}


def uses_amazonec2(options: list[str]) -> bool:
    return any(option.startswith(AMAZON_PREFIX) for option in options)


def hardened_machine_options(options: list[str]) -> list[str]:
    """``options`` with the metadata settings required, keeping every other option in place."""
    result: list[str] = []
    wanted = dict(REQUIRED_MACHINE_OPTIONS)
    for option in options:
        name = option.split("=", 1)[0]
        if name in wanted:
            result.append(f"{name}={wanted.pop(name)}")
        elif name in REQUIRED_MACHINE_OPTIONS:
            continue  # a duplicate of one already set: the driver would take either
        else:
            result.append(option)
    result += [f"{name}={value}" for name, value in wanted.items()]
    return result


def cloud_edits(data: Mapping[str, Any], runner_index: int) -> list[Edit]:
    """Edits that make one docker+machine/amazonec2 runner require IMDSv2 with hop limit 1.

    Empty for other executors and drivers, and when the options already say so.
    """
    try:
        runner = runner_at(data, runner_index)  # directly: a search per runner is quadratic
    except IndexError:
        return []
    if runner.executor is not Executor.DOCKER_MACHINE:
        return []
    options = machine_options(data, runner_index)
    if not uses_amazonec2(options):
        return []
    hardened = hardened_machine_options(options)
    if hardened == options:
        return []
    machine = sub_table(runner.data, "machine")
    key = find_key(dict(machine), "MachineOptions") or "MachineOptions"
    value: list[Any] = list(hardened)
    return [SetValue(("runners", runner_index, "machine"), key, value)]
