"""The shared vocabulary: trust levels, severities, table paths, edits and findings.

Everything here is plain, immutable data from the standard library (and the typed
:class:`~wizard.base.safe_text.Message` a finding's message is), so every other module
(core or front-end) can import it without pulling anything in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Union

from wizard.base.safe_text import Message

TomlValue = Union[str, int, float, bool, list["TomlValue"], dict[str, "TomlValue"]]  # noqa: UP007
"""A plain TOML value as ``tomllib`` returns it (datetimes never appear in edits)."""

TablePath = tuple[str | int, ...]
"""Where a table lives: ``()`` is the global table, ``("runners", 0, "docker")`` the
``[runners.docker]`` table of the first ``[[runners]]`` entry."""


class Trust(StrEnum):
    """Who can push code that this runner will execute."""

    SINGLE_PROJECT = "single-project"
    """One trusted team; the runner serves a single project."""
    MULTI_PROJECT = "multi-project"
    """Several projects or groups of one organisation (the default)."""
    PUBLIC = "public"
    """Shared across organisations or open to untrusted contributors."""


DEFAULT_TRUST = Trust.MULTI_PROJECT


class Severity(StrEnum):
    """How bad a finding is. Ordered: compare with :meth:`rank`."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


_SEVERITY_ORDER = (Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)


class FixSafety(StrEnum):
    """Whether applying a fix can break jobs that relied on the risky setting."""

    SAFE = "safe"
    UNSAFE = "unsafe"


class Impact(StrEnum):
    """What a change can do to jobs that work today: the operator's first question."""

    NONE = "none"
    """Cannot stop a job that works today (for example ``debug_trace_disabled``)."""
    MAY_BREAK = "may-break"
    """May stop some jobs; the change carries one line saying which."""

    @classmethod
    def of_fix(cls, fix: FixSafety) -> Impact:
        """A rule's fix safety as an impact: only a safe fix has none."""
        return cls.NONE if fix is FixSafety.SAFE else cls.MAY_BREAK


class Executor(StrEnum):
    """The executors GitLab Runner registers, by their ``config.toml`` names."""

    SHELL = "shell"
    DOCKER = "docker"
    DOCKER_WINDOWS = "docker-windows"
    DOCKER_AUTOSCALER = "docker-autoscaler"
    DOCKER_MACHINE = "docker+machine"
    INSTANCE = "instance"
    KUBERNETES = "kubernetes"
    SSH = "ssh"
    PARALLELS = "parallels"
    VIRTUALBOX = "virtualbox"
    CUSTOM = "custom"


DOCKER_FAMILY = frozenset(
    {
        Executor.DOCKER,
        Executor.DOCKER_WINDOWS,
        Executor.DOCKER_AUTOSCALER,
        Executor.DOCKER_MACHINE,
    }
)
"""Executors whose jobs run in containers configured by ``[runners.docker]``."""

AUTOSCALED = frozenset({Executor.DOCKER_AUTOSCALER, Executor.DOCKER_MACHINE, Executor.INSTANCE})
"""Executors that create VMs on demand and may reuse them between jobs."""

REUSED_HOST = frozenset({Executor.SHELL, Executor.SSH, Executor.CUSTOM})
"""Executors whose jobs share one long-lived machine and builds directory."""


@dataclass(frozen=True)
class SetValue:
    """Set ``key`` in the table at ``table`` to ``value``, creating the table if needed.

    Keys are matched case-insensitively, as GitLab Runner does, so an existing
    ``maxbuilds`` is updated in place when ``key`` is ``MaxBuilds``.
    """

    table: TablePath
    key: str
    value: TomlValue
    exact: bool = False
    """Match ``key`` by its exact spelling only. Feature flags need it: the runner
    looks them up by exact name, so ``ff_network_per_build`` is not the flag."""


@dataclass(frozen=True)
class RemoveKey:
    """Delete ``key`` (matched case-insensitively) from the table at ``table``."""

    table: TablePath
    key: str
    exact: bool = False
    """Remove only this spelling: one of two keys that differ only by case."""


Edit = SetValue | RemoveKey


@dataclass(frozen=True)
class Issue:
    """What a rule check reports: where the risk is and how to remove it.

    ``edits`` is empty when no automatic fix exists (the rule then says so).
    """

    message: Message
    """Our sentence with the file's values in holes (:meth:`Message.of`): a plain ``str``
    is a type error, so no rule can quote a value from the file unmasked."""
    table: TablePath
    key: str | None = None
    runner_index: int | None = None
    edits: tuple[Edit, ...] = ()
    severity: Severity | None = None
    """Overrides the rule's severity for this issue alone, when one rule covers risks
    of different weight (an unknown key is worse when it was meant to harden)."""


@dataclass(frozen=True)
class Finding:
    """An :class:`Issue` after the audit gave it a rule, a severity and a line."""

    rule: str
    severity: Severity
    message: Message
    table: TablePath
    key: str | None
    runner_index: int | None
    runner: str | None
    line: int | None
    fix: FixSafety | None
    edits: tuple[Edit, ...] = field(default=(), compare=False)
    subject: str | None = None
    """For host rules: the file or setting on the machine the finding is about."""
    accepted: str | None = None
    """Why a preset keeps this finding on purpose; accepted findings do not fail an audit."""
    breaks: str = field(default="", compare=False)
    """For a fix that may break jobs: what may stop working (the rule's ``breaks``)."""
    block: str | None = None
    """In a file with more than one runner config: which one (``ConfigMap b (line 12)``)."""

    @property
    def impact(self) -> Impact | None:
        """The impact of this finding's fix; ``None`` when there is no automatic fix."""
        return Impact.of_fix(self.fix) if self.fix is not None else None


@dataclass(frozen=True)
class Change:
    """One setting a save or harden would change, with what it may do to jobs.

    ``source`` is the rule id for a rule's fix, or where the edit came from
    (``answers``, ``preset NAME``). ``before``/``after`` are ``None`` when the key
    is absent before or removed after. Values are plain, unmasked data: every
    renderer masks them.
    """

    source: str
    rule: str | None
    runner_index: int | None
    runner: str | None
    table: TablePath
    key: str
    before: TomlValue | None
    after: TomlValue | None
    impact: Impact
    reason: str
    """For ``may-break``: what may stop working; for ``none``: why nothing can."""


def table_name(table: TablePath) -> str:
    """Render a table path the way TOML headers name it: ``runners.docker``."""
    return ".".join(part for part in table if isinstance(part, str))


@dataclass(frozen=True)
class RunnerIdentity:
    """Name, URL and token of a new runner entry. Never part of a preset."""

    name: str | None = None
    url: str | None = None
    token: str | None = None
    """Left empty for ``gitlab-runner register`` to fill in."""
