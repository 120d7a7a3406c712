"""What a rule is, what it sees, and small helpers every check uses.

A rule is data (id, title, severity per trust level, rationale, link, fix
safety) plus one pure function that reads the parsed configuration and returns
:class:`~wizard.model.Issue` objects. Checks never touch files or TOML text:
the audit adds line numbers afterwards from the document layer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from wizard.model import Executor, FixSafety, Issue, Severity, Trust

DOCS = "https://docs.gitlab.com/runner"
"""Base of every documentation link in the catalogue."""


@dataclass(frozen=True)
class AuditContext:
    """Everything a check may look at."""

    data: Mapping[str, Any]
    """The configuration as ``tomllib`` parsed it (keys as written in the file)."""
    trust: Trust
    """Who can run code on this runner; sets severities and some thresholds."""
    file_mode: int | None = None
    """Permission bits of the file on disk, ``None`` for a config not yet written."""


Check = Callable[[AuditContext], Iterable[Issue]]


@dataclass(frozen=True)
class Rule:
    """One risk, described once and used by audit, harden, the wizards and the README."""

    id: str
    """Stable kebab-case id: the public contract of JSON, SARIF and ``rules ID``."""
    title: str
    severity: Mapping[Trust, Severity]
    """Severity per trust level: the same setting is worse on a public runner."""
    executors: frozenset[Executor] | None
    """Executors the rule applies to; ``None`` means any."""
    rationale: str
    """Why it matters, in a few sentences of our own."""
    doc_url: str
    table: str
    """The table the rule reads, as a header names it (``runners.docker``)."""
    key: str
    fix: FixSafety | None
    """``safe``: will not break ordinary jobs; ``unsafe``: may; ``None``: no automatic fix."""
    remedy: str
    """What to do, in one sentence (also what the automatic fix does)."""
    check: Check
    scope: Literal["config", "host"] = "config"
    breaks: str = ""
    """For a fix that may break jobs (``unsafe``): what may stop working, in one line an
    operator reads before saving ("jobs that run docker build lose the host's daemon")."""

    def severity_for(self, trust: Trust) -> Severity:
        return self.severity[trust]


def by_trust(single: Severity, multi: Severity, public: Severity) -> Mapping[Trust, Severity]:
    """Spell a severity table in the order trust grows."""
    return {Trust.SINGLE_PROJECT: single, Trust.MULTI_PROJECT: multi, Trust.PUBLIC: public}


def get_ci(table: Mapping[str, Any] | None, key: str) -> Any:
    """Look a key up the way GitLab Runner does: exact match first, then ignoring case."""
    if not table:
        return None
    if key in table:
        return table[key]
    folded = key.casefold()
    for name, value in table.items():
        if name.casefold() == folded:
            return value
    return None


def has_ci(table: Mapping[str, Any] | None, key: str) -> bool:
    """True when ``key`` is present under any spelling of its case."""
    if not table:
        return False
    folded = key.casefold()
    return any(name.casefold() == folded for name in table)


def sub_table(table: Mapping[str, Any] | None, key: str) -> Mapping[str, Any]:
    """A sub-table, or an empty mapping when it is absent or not a table."""
    value = get_ci(table, key)
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    """Settings such as ``pull_policy`` take a string or an array; read both as a list."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def runner_executor(runner: Mapping[str, Any]) -> Executor | None:
    """The runner's executor, or ``None`` when missing or unknown."""
    name = get_ci(runner, "executor")
    if not isinstance(name, str):
        return None
    try:
        return Executor(name.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class RunnerEntry:
    """One ``[[runners]]`` entry as checks see it."""

    index: int
    data: Mapping[str, Any]
    executor: Executor | None

    @property
    def name(self) -> str | None:
        value = get_ci(self.data, "name")
        return value if isinstance(value, str) else None


def iter_runners(data: Mapping[str, Any]) -> Iterator[RunnerEntry]:
    """Every ``[[runners]]`` entry with its position, skipping malformed ones."""
    runners = get_ci(data, "runners")
    if not isinstance(runners, list):
        return
    for index, runner in enumerate(runners):
        if isinstance(runner, Mapping):
            yield RunnerEntry(index, runner, runner_executor(runner))


def runner_at(data: Mapping[str, Any], index: int) -> RunnerEntry | None:
    """The ``index``-th ``[[runners]]`` entry, looked up directly.

    A search through :func:`iter_runners` for each runner of a rule's loop
    would make the audit cost the square of the number of runners.
    """
    runners = get_ci(data, "runners")
    if not isinstance(runners, list) or not 0 <= index < len(runners):
        return None
    runner = runners[index]
    if not isinstance(runner, Mapping):
        return None
    return RunnerEntry(index, runner, runner_executor(runner))
