"""A preset as variables for the widely used Ansible role's runner list.

When Ansible owns config.toml, hardening the rendered file is undone on the next run;
hardening belongs in the role's inputs. The role sets a few keys through variables of its
own (``docker_privileged``, ``docker_pull_policy``, ...) and any other key of a
``[runners.*]`` table through ``extra_configs`` (a table name to keys), which it writes
line by line with ``to_json``. Keys of ``[[runners]]`` itself that it has no variable for
cannot be expressed; :func:`ansible_vars` names them, so the operator knows to set them
another way (for example with the collection's ``config_harden`` after the role).

Every value is written as a JSON scalar or list, which YAML reads as the same value.
Ansible would evaluate ``{{ ... }}`` in a variable: a string that could hold a template
is tagged ``!unsafe``, so Ansible uses it as text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wizard.base.errors import WizardError
from wizard.base.safe_text import Message
from wizard.session.presets import Preset, template_runner

ROLE_VARIABLES: dict[tuple[str, ...], str] = {
    ("executor",): "executor",
    ("environment",): "env_vars",
    ("builds_dir",): "builds_dir",
    ("cache_dir",): "cache_dir",
    ("output_limit",): "output_limit",
    ("shell",): "shell",
    ("docker", "image"): "docker_image",
    ("docker", "helper_image"): "docker_helper_image",
    ("docker", "privileged"): "docker_privileged",
    ("docker", "pull_policy"): "docker_pull_policy",
    ("docker", "volumes"): "docker_volumes",
    ("docker", "devices"): "docker_devices",
    ("docker", "network_mode"): "docker_network_mode",
    ("docker", "disable_cache"): "docker_disable_cache",
    ("custom_build_dir", "enabled"): "custom_build_dir_enabled",
}
"""Settings the role writes from a variable of its own (its update-config-runner tasks)."""

_TEMPLATE_MARKERS = re.compile(r"\{[{%#]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class AnsibleVars:
    text: str
    variable: str
    not_expressed: tuple[str, ...]
    """Settings the role cannot write, as ``table.key``: set them another way."""


def variable_name(preset: Preset) -> str:
    return "runner_wizard_" + re.sub(r"[^a-z0-9]+", "_", preset.name.lower()).strip("_")


def _scalar(value: Any, where: str) -> str:
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    if isinstance(value, str):
        if _CONTROL.search(value):
            raise WizardError(
                Message.of(
                    "{where}: a control character cannot go into Ansible variables", where=where
                )
            )
        text = json.dumps(value, ensure_ascii=False)
        return f"!unsafe {text}" if _TEMPLATE_MARKERS.search(value) else text
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_scalar(item, where) for item in value) + "]"
    raise WizardError(
        Message.of(
            "{where}: a {name__} cannot go into the role's variables",
            where=where,
            name__=type(value).__name__,
        )
    )


def _flatten(
    table: Mapping[str, Any], path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Any]]:
    found: list[tuple[tuple[str, ...], Any]] = []
    for key, value in table.items():
        if isinstance(value, Mapping):
            found += _flatten(value, (*path, key))
        else:
            found.append(((*path, key), value))
    return found


def ansible_vars(preset: Preset) -> AnsibleVars:
    """The preset's runner settings as one variable to combine into each runner entry."""
    runner = template_runner(preset)
    variable = variable_name(preset)
    own: list[str] = []
    extra: dict[str, list[str]] = {}
    not_expressed: list[str] = []
    for path, value in _flatten(runner):
        where = ".".join(("runners", *path))
        if path in ROLE_VARIABLES:
            own.append(f"  {ROLE_VARIABLES[path]}: {_scalar(value, where)}")
        elif len(path) >= 2:
            section = ".".join(("runners", *path[:-1]))
            key = json.dumps(path[-1])
            extra.setdefault(section, []).append(f"      {key}: {_scalar(value, where)}")
        else:
            not_expressed.append(where)
    lines = [
        f"# runner-wizard: preset {preset.name} ({preset.trust.value}) as variables for the",
        "# role's gitlab_runner_runners list. Combine it into each runner entry, e.g.",
        "#   gitlab_runner_runners:",
        f"#     - \"{{{{ {variable} | combine({{'name': 'build-1'}}, recursive=True) }}}}\"",
    ]
    if not_expressed:
        lines.append("# The role has no variable for these; set them after it (config_harden):")
        lines += [f"#   {name}" for name in not_expressed]
    lines += ["---", f"{variable}:", *own]
    if extra:
        lines.append("  extra_configs:")
        for section, entries in extra.items():
            lines.append(f"    {json.dumps(section)}:")
            lines += entries
    return AnsibleVars("\n".join(lines) + "\n", variable, tuple(not_expressed))
