"""How rule checks read a runner's settings: paths, spellings, flags and reuse.

Several areas ask the same questions ("is this flag pinned?", "does this host
outlive the job?"), and they must answer them identically, or one rule's fix
would wake another rule up. These answers live here, once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from wizard.model import DOCKER_FAMILY, Executor, SetValue, TablePath, TomlValue
from wizard.rules.base import AuditContext, RunnerEntry, get_ci, has_ci, iter_runners, sub_table

LINUX_DOCKER = DOCKER_FAMILY - {Executor.DOCKER_WINDOWS}
"""Docker executors whose containers are Linux ones (capabilities, paths, users)."""

CONTAINER_EXECUTORS = DOCKER_FAMILY | {Executor.KUBERNETES}
"""Executors whose jobs run in containers the runner configures."""


def runner_path(index: int, *tables: str) -> TablePath:
    """The path of a table inside the ``index``-th ``[[runners]]`` entry."""
    return ("runners", index, *tables)


def spelled(table: Mapping[str, Any] | None, key: str) -> str:
    """``key`` as the file spells it when present, so findings point at its line."""
    if table:
        if key in table:
            return key
        folded = key.casefold()
        for name in table:
            if name.casefold() == folded:
                return name
    return key


def is_true(value: Any) -> bool:
    """Only a real TOML ``true`` counts: the runner rejects strings for booleans."""
    return value is True


def strings(value: Any) -> list[str]:
    """The string items of a string-or-array setting, ignoring anything malformed."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str)]


def runners_for(ctx: AuditContext, executors: frozenset[Executor]) -> Iterator[RunnerEntry]:
    """The runners a rule applies to: other executors ignore the setting."""
    for entry in iter_runners(ctx.data):
        if entry.executor in executors:
            yield entry


def feature_flag(runner: Mapping[str, Any], name: str) -> bool | None:
    """A flag pinned in ``[runners.feature_flags]``; ``None`` when jobs may still choose.

    The runner reads this map by the flag's exact name (``RunnerSettings.FeatureFlags``
    in ``common/config.go``), so ``ff_network_per_build`` pins nothing.
    """
    flags = sub_table(runner, "feature_flags")
    value = flags.get(name)
    return value if isinstance(value, bool) else None


def environment_value(runner: Mapping[str, Any], name: str) -> str | None:
    """The value ``[[runners]] environment`` gives variable ``name`` (the last one wins)."""
    found = None
    for item in strings(get_ci(runner, "environment")):
        key, sep, value = item.partition("=")
        if sep and key == name:
            found = value
    return found


def feature_flag_default(runner: Mapping[str, Any], name: str) -> bool | None:
    """A flag set through ``environment``: the jobs' default, which a job variable overrides."""
    raw = environment_value(runner, name)
    if raw is None:
        return None
    if raw in _GO_TRUE:
        return True
    if raw in _GO_FALSE:
        return False
    return None


_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})
"""What Go's ``strconv.ParseBool`` accepts, which is how the runner reads a flag variable."""


def pin_feature_flag(entry: RunnerEntry, name: str, value: bool) -> SetValue:
    """Pin a feature flag in the runner's table, so that jobs cannot change it.

    The key is written exactly as the flag is named: a differently cased key
    already there is a different key to the runner and is left for
    ``unknown-key`` to report.
    """
    return SetValue(runner_path(entry.index, "feature_flags"), name, value, exact=True)


def set_in(entry: RunnerEntry, tables: tuple[str, ...], key: str, value: TomlValue) -> SetValue:
    """Set ``key`` in a runner sub-table, keeping the spelling the file already uses."""
    table: Mapping[str, Any] = entry.data
    for name in tables:
        table = sub_table(table, name)
    return SetValue(runner_path(entry.index, *tables), spelled(table, key), value)


def _int_setting(table: Mapping[str, Any], key: str) -> int | None:
    value = get_ci(table, key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def one_job_per_vm(entry: RunnerEntry) -> bool:
    """True when an autoscaled executor hands every job a fresh machine."""
    if entry.executor == Executor.DOCKER_MACHINE:
        return _int_setting(sub_table(entry.data, "machine"), "MaxBuilds") == 1
    if entry.executor in (Executor.DOCKER_AUTOSCALER, Executor.INSTANCE):
        autoscaler = sub_table(entry.data, "autoscaler")
        if is_true(get_ci(sub_table(autoscaler, "vm_isolation"), "enabled")):
            return True  # a nested VM per job, whatever the host's reuse
        capacity = _int_setting(autoscaler, "capacity_per_instance")
        return _int_setting(autoscaler, "max_use_count") == 1 and (
            capacity is None or capacity <= 1
        )
    return False


def reuses_host(entry: RunnerEntry) -> bool:
    """True when later jobs run on the same machine and builds directory as earlier ones.

    Shell, SSH and custom executors always do; the instance executor does unless
    each job gets its own VM. Container executors give each job a fresh
    filesystem for its checkout, so they are not counted here.
    """
    if entry.executor in (Executor.SHELL, Executor.SSH, Executor.CUSTOM):
        return True
    return entry.executor == Executor.INSTANCE and not one_job_per_vm(entry)


def has_key(table: Mapping[str, Any] | None, key: str) -> bool:
    """Presence under any spelling (re-exported so rule modules import one place)."""
    return has_ci(table, key)


def container_table_name(entry: RunnerEntry) -> str:
    """The table that configures a container executor's jobs: kubernetes or docker."""
    return "kubernetes" if entry.executor == Executor.KUBERNETES else "docker"
