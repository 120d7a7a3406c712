"""What a runner's ``config.toml`` means: the one reader every part of the wizard uses.

The rules, the planner that turns answers into edits, presets, host checks and
the file layer's own check of every edit all ask the same questions ("which
key is this?", "is this job user root?", "is no-new-privileges on?", "does
this VM take one job?"). Each answer lives here once, read the way GitLab
Runner (and the Docker daemon it drives) reads the value, so two parts of the
wizard can never disagree about a file.

Everything is pure: the input is the configuration as ``tomllib`` parsed it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from wizard.base.model import DOCKER_FAMILY, Executor, TablePath

T = TypeVar("T")

LINUX_DOCKER = DOCKER_FAMILY - {Executor.DOCKER_WINDOWS}
"""Docker executors whose containers are Linux ones (capabilities, paths, users)."""

CONTAINER_EXECUTORS = DOCKER_FAMILY | {Executor.KUBERNETES}
"""Executors whose jobs run in containers the runner configures."""


# --------------------------------------------------------------------------- keys


def find_key(table: Mapping[str, Any] | None, key: str) -> str | None:
    """The spelling ``key`` has in ``table``: exact first, then ignoring case.

    This is how GitLab Runner matches keys (its TOML decoder falls back to a
    case-insensitive match), so ``maxbuilds`` is ``MaxBuilds``.
    """
    if not table:
        return None
    if key in table:
        return key
    folded = key.casefold()
    return next((name for name in table if name.casefold() == folded), None)


def get_ci(table: Mapping[str, Any] | None, key: str) -> Any:
    """The value of ``key`` under any spelling of its case, ``None`` when absent."""
    name = find_key(table, key)
    return None if name is None or table is None else table[name]


def has_ci(table: Mapping[str, Any] | None, key: str) -> bool:
    """True when ``key`` is present under any spelling of its case."""
    return find_key(table, key) is not None


def spelled(table: Mapping[str, Any] | None, key: str) -> str:
    """``key`` as the file spells it when present, so an edit or finding lands on its line."""
    return find_key(table, key) or key


def sub_table(table: Mapping[str, Any] | None, key: str) -> Mapping[str, Any]:
    """A sub-table, or an empty mapping when it is absent or not a table."""
    value = get_ci(table, key)
    return value if isinstance(value, Mapping) else {}


def table_at(table: Mapping[str, Any] | None, *names: str) -> Mapping[str, Any]:
    """The sub-table reached through ``names``, empty where any step is missing."""
    node: Mapping[str, Any] = table or {}
    for name in names:
        node = sub_table(node, name)
    return node


# --------------------------------------------------------------------------- values


def as_list(value: Any) -> list[Any]:
    """Settings such as ``pull_policy`` take a string or an array; read both as a list."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def strings(value: Any) -> list[str]:
    """The string items of a string-or-array setting, ignoring anything malformed."""
    return [item for item in as_list(value) if isinstance(item, str)]


def is_true(value: Any) -> bool:
    """Only a real TOML ``true`` counts: the runner rejects strings for booleans."""
    return value is True


def int_setting(table: Mapping[str, Any] | None, key: str) -> int | None:
    """An integer setting; ``true`` is not ``1`` to the runner."""
    value = get_ci(table, key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# --------------------------------------------------------------------------- runners


def declared_executor(runner: Mapping[str, Any]) -> Executor | None:
    """The executor the runner would start: its name exactly as written.

    The runner looks the name up in a map of providers (``main.go``,
    ``commands/multi.go``) without trimming or folding case, so `` shell `` and
    ``Shell`` are unknown to it.
    """
    name = get_ci(runner, "executor")
    if not isinstance(name, str):
        return None
    try:
        return Executor(name)
    except ValueError:
        return None


def named_executor(runner: Mapping[str, Any]) -> Executor | None:
    """The executor the entry names, forgiving surrounding blanks, without guessing more.

    What the planner and the wizards show as the runner's executor; the audit reads
    further (:func:`runner_executor`), because settings apply once a name is fixed.
    """
    name = get_ci(runner, "executor")
    if not isinstance(name, str):
        return None
    try:
        return Executor(name.strip())
    except ValueError:
        return None


def executor_from_tables(runner: Mapping[str, Any]) -> Executor | None:
    """The executor a runner's tables configure, for entries that do not name a valid one.

    Templates for ``register --template-config`` and Helm chart configs leave the
    executor to registration, yet their ``[runners.kubernetes]`` or
    ``[runners.docker]`` settings end up in the live file.
    """
    if has_ci(runner, "kubernetes"):
        return Executor.KUBERNETES
    if has_ci(runner, "docker"):
        if has_ci(runner, "autoscaler"):
            return Executor.DOCKER_AUTOSCALER
        if has_ci(runner, "machine"):
            return Executor.DOCKER_MACHINE
        return Executor.DOCKER
    for table, executor in (
        ("autoscaler", Executor.INSTANCE),
        ("ssh", Executor.SSH),
        ("custom", Executor.CUSTOM),
        ("virtualbox", Executor.VIRTUALBOX),
        ("parallels", Executor.PARALLELS),
    ):
        if has_ci(runner, table):
            return executor
    return None


def _close_executor(runner: Mapping[str, Any]) -> Executor | None:
    """The executor a misspelt name most likely means (`` shell ``, ``Docker``, ``dockerr``)."""
    name = get_ci(runner, "executor")
    if not isinstance(name, str):
        return None
    names = [executor.value for executor in Executor]
    close = difflib.get_close_matches(name.strip().casefold(), names, n=1, cutoff=0.8)
    return Executor(close[0]) if close else None


def runner_executor(runner: Mapping[str, Any]) -> Executor | None:
    """The executor a runner's settings are for: the one it names, else the one it most
    likely means (from its tables, then from the name's spelling).

    The runner itself takes no jobs for a name it does not know (``unknown-executor``
    says so), but the settings come into force as soon as the name is corrected, so
    they are read as that executor's.
    """
    return declared_executor(runner) or executor_from_tables(runner) or _close_executor(runner)


@dataclass(frozen=True)
class RunnerEntry:
    """One ``[[runners]]`` entry: its position, its plain values and its executor."""

    index: int
    data: Mapping[str, Any]
    executor: Executor | None

    @property
    def name(self) -> str | None:
        value = get_ci(self.data, "name")
        return value if isinstance(value, str) else None

    def get(self, key: str) -> Any:
        """A setting of the entry itself, under any spelling of its key."""
        return get_ci(self.data, key)


def iter_runners(data: Mapping[str, Any]) -> Iterator[RunnerEntry]:
    """Every ``[[runners]]`` entry with its position, skipping malformed ones."""
    runners = get_ci(data, "runners")
    if not isinstance(runners, list):
        return iter(())
    return iter(read_once("runners", runners, lambda: tuple(_entries(runners))))


def _entries(runners: list[Any]) -> Iterator[RunnerEntry]:
    for index, runner in enumerate(runners):
        if isinstance(runner, Mapping):
            yield RunnerEntry(index, runner, runner_executor(runner))


_READ_ONCE: ContextVar[dict[tuple[str, int], tuple[object, Any]] | None] = ContextVar(
    "read_once", default=None
)


def read_once(kind: str, source: object, make: Callable[[], T]) -> T:
    """``make()``, worked out once per ``kind`` and ``source`` inside :func:`reading_once`."""
    known = _READ_ONCE.get()
    if known is None:
        return make()
    slot = (kind, id(source))
    hit = known.get(slot)
    if hit is None or hit[0] is not source:
        hit = known[slot] = (source, make())
    result: T = hit[1]
    return result


@contextmanager
def reading_once() -> Iterator[None]:
    """Within the block, what :func:`read_once` works out is kept and reused.

    Every rule of an audit walks the same runners list and the same tables;
    doing it once per rule was a third of an audit. The data must not change
    inside the block (rules only read it).
    """
    token = _READ_ONCE.set({})
    try:
        yield
    finally:
        _READ_ONCE.reset(token)


def runner_at(data: Mapping[str, Any], index: int) -> RunnerEntry:
    """The ``index``-th ``[[runners]]`` entry; IndexError when there is none."""
    runners = get_ci(data, "runners")
    if not isinstance(runners, list) or not 0 <= index < len(runners):
        raise IndexError(f"no [[runners]] entry number {index + 1}")
    runner = runners[index]
    if not isinstance(runner, Mapping):
        raise IndexError(f"[[runners]] entry number {index + 1} is not a table")
    return RunnerEntry(index, runner, runner_executor(runner))


def runner_path(index: int, *tables: str) -> TablePath:
    """The path of a table inside the ``index``-th ``[[runners]]`` entry."""
    return ("runners", index, *tables)


def container_table_name(executor: Executor | None) -> str | None:
    """The runner sub-table that configures job containers, if the executor has one."""
    if executor in DOCKER_FAMILY:
        return "docker"
    if executor is Executor.KUBERNETES:
        return "kubernetes"
    return None


def feature_flag(runner: Mapping[str, Any], name: str) -> bool | None:
    """A flag pinned in ``[runners.feature_flags]``; ``None`` when jobs may still choose.

    The runner reads this map by the flag's exact name (``IsFeatureFlagDefined`` in
    ``common/config.go``, ``populateFeatureFlags`` in ``common/build_settings.go``),
    so ``ff_network_per_build`` pins nothing.
    """
    value = sub_table(runner, "feature_flags").get(name)
    return value if isinstance(value, bool) else None


def feature_flag_default(runner: Mapping[str, Any], name: str) -> bool | None:
    """A flag set through ``environment``: the jobs' default, which a job variable overrides.

    The runner parses the variable with Go's ``strconv.ParseBool``.
    """
    raw = environment_value(runner, name)
    return None if raw is None else _GO_BOOLEANS.get(raw)


# --------------------------------------------------------------------------- security_opt

NO_NEW_PRIVILEGES = "no-new-privileges:true"
"""The option written to forbid privilege gains (the form GitLab's docs use)."""

_NO_NEW_PRIVILEGES = "no-new-privileges"
_GO_BOOLEANS = {
    **dict.fromkeys(("1", "t", "T", "TRUE", "true", "True"), True),
    **dict.fromkeys(("0", "f", "F", "FALSE", "false", "False"), False),
}
"""What Go's ``strconv.ParseBool`` accepts: the Docker daemon parses the value with it."""


def no_new_privileges_option(option: str) -> bool | None:
    """What one ``security_opt`` entry says about no-new-privileges.

    ``None`` for any other option. The Docker daemon (``parseSecurityOpt``)
    takes the bare ``no-new-privileges`` as on, and otherwise splits at ``=``
    (or the older ``:``) and parses the value with Go's ``ParseBool``: so
    ``no-new-privileges=1`` is on, while ``no-new-privileges:`` or a
    differently cased name is refused, and a refused option protects nothing
    (the daemon will not create the container): it reads as ``False``.
    """
    text = option.strip()
    if text == _NO_NEW_PRIVILEGES:
        return True
    separator = "=" if "=" in text else ":"
    name, found, value = text.partition(separator)
    if not found or name.strip().casefold() != _NO_NEW_PRIVILEGES:
        return None
    if name != _NO_NEW_PRIVILEGES:
        return False
    return _GO_BOOLEANS.get(value, False)


def has_no_new_privileges(security_opt: Any) -> bool:
    """True when the options turn no-new-privileges on and none turns it off."""
    states = [no_new_privileges_option(item) for item in strings(security_opt)]
    return True in states and False not in states


def with_no_new_privileges(security_opt: Any) -> list[Any]:
    """The options with every no-new-privileges entry replaced by one that turns it on.

    Every other entry stays where it is, malformed ones included: fixing them is
    another finding's business.
    """
    kept = [
        item
        for item in as_list(security_opt)
        if not (isinstance(item, str) and no_new_privileges_option(item) is not None)
    ]
    return [*kept, NO_NEW_PRIVILEGES]


# --------------------------------------------------------------------------- volumes

_SOCKET_MARKERS = ("docker.sock", "podman.sock", "containerd.sock", "crio.sock", "docker_engine")
"""Names of container-engine control endpoints (``docker_engine`` is the Windows pipe)."""


def volume_source(spec: str) -> str | None:
    """The host side of a Linux ``host:container[:mode]`` volume, ``None`` for other volumes.

    A lone path is an anonymous volume and a name without a slash is a named
    volume: neither exposes the host's files.
    """
    parts = spec.strip().split(":")
    if len(parts) < 2:
        return None
    source = parts[0].strip()
    return source if source.startswith(("/", "~")) else None


def is_engine_socket(path: str) -> bool:
    """True for a container engine's control socket (root on the host to whoever holds it)."""
    text = path.casefold()
    return any(marker in text for marker in _SOCKET_MARKERS)


def mounts_engine_socket(volume: Any) -> bool:
    """True for a ``volumes`` entry that hands jobs the host's container engine."""
    source = volume_source(volume) if isinstance(volume, str) else None
    return source is not None and is_engine_socket(source)


# --------------------------------------------------------------------------- listeners

_ALL_INTERFACES = frozenset({"", "0.0.0.0", "::", "*"})
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def split_listen_address(address: str) -> tuple[str, str | None]:
    """``host:port`` into its parts, the way Go's ``net.SplitHostPort`` splits it.

    IPv6 hosts come bracketed (``[::]:9252`` → ``("::", "9252")``); a bare
    IPv6 address has no port. Without a port the runner adds its default one
    (``listenAddress`` in ``commands/multi.go``).
    """
    text = address.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, rest[1:] if rest.startswith(":") else None
    if text.count(":") > 1:
        return text, None
    host, found, port = text.partition(":")
    return host, port if found else None


def listens_everywhere(address: object) -> bool:
    """True for an enabled address whose host part means every interface."""
    if not isinstance(address, str) or not address.strip():
        return False  # empty disables the server
    host, _ = split_listen_address(address)
    return host.strip() in _ALL_INTERFACES


def is_local_address(address: str) -> bool:
    """True when nothing beyond this machine can connect (an empty address listens nowhere)."""
    if not address.strip():
        return True
    host, _port = split_listen_address(address)
    host = host.strip()
    return host in _LOOPBACK or host.startswith("127.")


@dataclass(frozen=True)
class Listener:
    """A server the runner process opens: where it is set and on which address."""

    table: TablePath
    """``()`` for the metrics server, ``("session_server",)`` as spelled for the other."""
    key: str
    """``listen_address`` as the file spells it."""
    address: str


def listeners(data: Mapping[str, Any]) -> list[Listener]:
    """Every listen address in the file: the metrics server's and the session server's."""
    found: list[Listener] = []
    metrics = get_ci(data, "listen_address")
    if isinstance(metrics, str):
        found.append(Listener((), spelled(data, "listen_address"), metrics))
    session = sub_table(data, "session_server")
    address = get_ci(session, "listen_address")
    if isinstance(address, str):
        table: TablePath = (spelled(data, "session_server"),)
        found.append(Listener(table, spelled(session, "listen_address"), address))
    return found


# --------------------------------------------------------------------------- reuse


def reuse_cap(entry: RunnerEntry) -> int | None:
    """How many jobs an autoscaled VM takes before it is replaced, when the file says."""
    if entry.executor is Executor.DOCKER_MACHINE:
        return int_setting(sub_table(entry.data, "machine"), "MaxBuilds")
    if entry.executor in (Executor.DOCKER_AUTOSCALER, Executor.INSTANCE):
        return int_setting(sub_table(entry.data, "autoscaler"), "max_use_count")
    return None


def one_job_per_vm(entry: RunnerEntry) -> bool:
    """True when an autoscaled executor hands every job a fresh machine."""
    if entry.executor == Executor.DOCKER_MACHINE:
        return reuse_cap(entry) == 1
    if entry.executor in (Executor.DOCKER_AUTOSCALER, Executor.INSTANCE):
        autoscaler = sub_table(entry.data, "autoscaler")
        if is_true(get_ci(sub_table(autoscaler, "vm_isolation"), "enabled")):
            return True  # a nested VM per job, whatever the host's reuse
        capacity = int_setting(autoscaler, "capacity_per_instance")
        return reuse_cap(entry) == 1 and (capacity is None or capacity <= 1)
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


# --------------------------------------------------------------------------- environment

GIT_STRATEGY = "GIT_STRATEGY"


def environment_value(runner: Mapping[str, Any], name: str) -> str | None:
    """The last ``NAME=value`` of ``environment``: the runner uses the last match."""
    found = None
    for item in strings(get_ci(runner, "environment")):
        key, sep, value = item.partition("=")
        if sep and key.strip() == name:
            found = value.strip()
    return found


def git_strategy(runner: Mapping[str, Any]) -> str | None:
    """The ``GIT_STRATEGY`` the runner sets for every job, if it sets one."""
    return environment_value(runner, GIT_STRATEGY)


# --------------------------------------------------------------------------- cloud


def machine_options(data: Mapping[str, Any], runner_index: int) -> list[str]:
    """``[runners.machine] MachineOptions`` of one runner (strings only)."""
    # Looked up directly: a search per runner of a rule's loop would be quadratic.
    runner = _runner_or_none(data, runner_index)
    options = get_ci(sub_table(runner.data, "machine"), "MachineOptions") if runner else None
    if isinstance(options, list):
        return [option for option in options if isinstance(option, str)]
    return []


def autoscaler_plugin(data: Mapping[str, Any], runner_index: int) -> str | None:
    """The fleeting plugin of a docker-autoscaler or instance runner, if it names one."""
    runner = _runner_or_none(data, runner_index)
    plugin = get_ci(sub_table(runner.data, "autoscaler"), "plugin") if runner else None
    return plugin if isinstance(plugin, str) else None


def _runner_or_none(data: Mapping[str, Any], index: int) -> RunnerEntry | None:
    try:
        return runner_at(data, index)
    except IndexError:
        return None
