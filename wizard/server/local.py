"""What the file and its folder say, read before GitLab is asked anything.

The runner's system id (``.runner_system_id`` beside config.toml), the runner id
in an entry, the TLS files the runner would use, which settings give jobs the
host, and which keys need which runner release.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from wizard.base.model import TablePath, Trust
from wizard.rules.base import AuditContext
from wizard.rules.catalogue import get_rule
from wizard.runner import keys
from wizard.runner.reading import get_ci
from wizard.server.transport import TlsFiles

SYSTEM_ID_FILE = ".runner_system_id"
SYSTEM_ID = re.compile(r"[sr]_[0-9a-zA-Z]{12}")
"""The runner's own pattern (``system_id_state.go``); it ignores a file that does not match."""

DANGEROUS_RULES = {
    "privileged-container": "privileged containers",
    "privileged-services": "privileged service containers",
    "docker-socket-mount": "the host's Docker socket",
    "host-namespace": "a host namespace",
    "shell-executor": "the shell executor (jobs run on the host)",
    "host-level-executor": "an executor that runs jobs on a shared host",
    "dangerous-capabilities": "capabilities that reach the host (such as SYS_ADMIN)",
    "sensitive-host-path": "a sensitive host path mounted into jobs (such as /)",
}
"""Config rules whose finding means a job owns the host: such a runner must be protected."""

_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")


def runner_config_places() -> tuple[Path, ...]:
    """Where GitLab Runner keeps its own config: system-wide, and per user."""
    return (Path("/etc/gitlab-runner/config.toml"), Path.home() / ".gitlab-runner" / "config.toml")


def is_runners_own_config(path: Path) -> bool:
    """``path`` is the runner's config at its usual place: its TLS files are the
    runner's own, not ones a file from elsewhere chose."""
    try:
        resolved = path.resolve()
        return any(resolved == place.resolve() for place in runner_config_places())
    except (OSError, RuntimeError):
        return False


def read_system_id(config_path: Path | None) -> tuple[str | None, str]:
    """The runner's system id from ``.runner_system_id`` beside config.toml, or why not."""
    if config_path is None:
        return None, "the config has no folder on disk"
    path = config_path.parent / SYSTEM_ID_FILE
    try:
        if not path.is_file():
            return None, f"no {SYSTEM_ID_FILE} beside the config (the runner never ran here)"
        if path.stat().st_size > 256:
            return None, f"{SYSTEM_ID_FILE} is too large to be a system id"
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError as error:
        return None, f"cannot read {SYSTEM_ID_FILE}: {error.strerror or error}"
    if not SYSTEM_ID.fullmatch(text):
        return None, f"{SYSTEM_ID_FILE} does not hold a system id the runner would use"
    return text, ""


def parse_version(value: str | None) -> tuple[int, int, int] | None:
    match = _VERSION.search(value or "")
    if match is None:
        return None
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch)


def _keys_with_release(
    data: Mapping[str, Any], table: str, path: TablePath
) -> Iterator[tuple[str, TablePath, str, tuple[int, int, int]]]:
    """Every key of a table (and the tables below it) the catalogue dates: its dotted
    name, its table path, its spelling and the first release that reads it."""
    for key, value in data.items():
        info = keys.lookup(table, key)
        if info is None:
            continue
        since = parse_version(info.since)
        if since is not None:
            yield (f"{table}.{info.name}" if table else info.name, path, key, since)
        child = keys.child_table(table, info.name)
        kind = keys.table_kind(child)
        if isinstance(value, Mapping) and kind in ("table", "map"):
            yield from _keys_with_release(value, child, (*path, key))
        elif isinstance(value, list) and kind == "array-of-tables":
            for position, item in enumerate(value):
                if isinstance(item, Mapping):
                    yield from _keys_with_release(item, child, (*path, key, position))


def keys_needing(
    data: Mapping[str, Any], runner: Mapping[str, Any], index: int
) -> list[tuple[str, TablePath, str, tuple[int, int, int]]]:
    """The dated keys one runner process reads for this entry: the global ones and the entry's."""
    global_keys = {k: v for k, v in data.items() if k.casefold() != "runners"}
    found = list(_keys_with_release(global_keys, "", ()))
    found += _keys_with_release(runner, "runners", ("runners", index))
    return found


def dangerous_settings(
    data: Mapping[str, Any], trust: Trust
) -> dict[int, list[tuple[str, TablePath, str | None]]]:
    """Per runner index, what in its config gives jobs the host, with where it is written."""
    context = AuditContext(data=data, trust=trust)
    found: dict[int, list[tuple[str, TablePath, str | None]]] = {}
    for rule_id, words in DANGEROUS_RULES.items():
        for issue in get_rule(rule_id).check(context):
            if issue.runner_index is None:
                continue
            found.setdefault(issue.runner_index, []).append((words, issue.table, issue.key))
    return found


def runner_id_in_file(runner: Mapping[str, Any]) -> int | None:
    value = get_ci(runner, "id")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def tls_files(
    runner: Mapping[str, Any], base: str, config_path: Path | None, *, trust_ca: bool = True
) -> TlsFiles:
    """The runner's TLS files, paths relative to the config's folder; without
    ``tls-ca-file``, ``certs/HOST.crt`` there, where the runner looks by default.

    ``trust_ca`` false: no CA from the file or its folder, only the system's (a file
    from elsewhere must not choose which certificates the access token trusts)."""
    folder = config_path.parent if config_path is not None else Path.cwd()

    def resolved(key: str) -> Path | None:
        value = get_ci(runner, key)
        if not isinstance(value, str) or not value.strip():
            return None
        path = Path(value.strip())
        return path if path.is_absolute() else folder / path

    files = TlsFiles(resolved("tls-ca-file"), resolved("tls-cert-file"), resolved("tls-key-file"))
    if not trust_ca:
        files.ca_file = None
        return files
    if files.ca_file is None:
        host = urllib.parse.urlsplit(base).hostname or ""
        candidate = folder / "certs" / f"{host}.crt"
        if host and candidate.is_file():
            files.ca_file = candidate
    return files
