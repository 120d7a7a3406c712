"""What a rule is, what it sees, and the few helpers that turn a reading into a finding or fix.

A rule is data (id, title, severity per trust level, rationale, link, fix
safety) plus one pure function that reads the parsed configuration and returns
:class:`~wizard.base.model.Issue` objects. Checks never touch files or TOML text:
the audit adds line numbers afterwards from the document layer. What a setting
means is read through :mod:`wizard.runner.reading`, the reader the planner uses too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from wizard.base.model import Executor, FixSafety, Issue, SetValue, Severity, TomlValue, Trust
from wizard.runner.reading import RunnerEntry, iter_runners, runner_path, spelled, table_at

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
    chart: Mapping[str, Any] | None = None
    """The Helm chart's values (or an Operator Runner's ``spec``) around an embedded
    config, ``None`` for a plain config.toml."""
    chart_kind: str | None = None
    """``helm`` or ``operator``: which schema ``chart`` follows."""
    in_cluster: bool = False
    """The config is embedded in Kubernetes manifests (Helm values, a ConfigMap, an
    Operator spec): the runner manager runs in a pod, reached only through its pod IP."""
    config_text: str = ""
    """The TOML of an embedded config as written, template actions and all (empty for a
    plain config.toml, whose text no rule reads)."""


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
    scope: Literal["config", "host", "server", "policy"] = "config"
    breaks: str = ""
    """For a fix that may break jobs (``unsafe``): what may stop working, in one line an
    operator reads before saving ("jobs that run docker build lose the host's daemon")."""
    reads_identity: bool = False
    """Whether the check reads the value (not only the presence and type) of a key in
    :data:`wizard.runner.settings.UNIQUE_PER_RUNNER`: such a rule runs on every file of
    a fleet; every other rule runs once per distinct set of settings. A test changes
    those values across the corpus and holds every other rule to it."""

    def severity_for(self, trust: Trust) -> Severity:
        return self.severity[trust]


def by_trust(single: Severity, multi: Severity, public: Severity) -> Mapping[Trust, Severity]:
    """Spell a severity table in the order trust grows."""
    return {Trust.SINGLE_PROJECT: single, Trust.MULTI_PROJECT: multi, Trust.PUBLIC: public}


def _checked_elsewhere(_context: AuditContext) -> Iterable[Issue]:
    """Host and server rules need the machine or GitLab, so their own runners check them."""
    return ()


def advice_rule(  # noqa: PLR0917 - rule tables read as rows, in field order
    scope: Literal["host", "server", "policy"],
    rule_id: str,
    title: str,
    severity: tuple[Severity, Severity, Severity],
    rationale: str,
    doc_url: str,
    table: str,
    key: str,
    remedy: str,
    executors: frozenset[Executor] | None = None,
) -> Rule:
    """A rule the config alone cannot decide: catalogued like the others, fixed by hand."""
    return Rule(
        id=rule_id,
        title=title,
        severity=by_trust(*severity),
        executors=executors,
        rationale=rationale,
        doc_url=doc_url,
        table=table,
        key=key,
        fix=None,
        remedy=remedy,
        check=_checked_elsewhere,
        scope=scope,
    )


def runners_for(ctx: AuditContext, executors: frozenset[Executor]) -> Iterator[RunnerEntry]:
    """The runners a rule applies to: other executors ignore the setting."""
    for entry in iter_runners(ctx.data):
        if entry.executor in executors:
            yield entry


def set_in(entry: RunnerEntry, tables: tuple[str, ...], key: str, value: TomlValue) -> SetValue:
    """Set ``key`` in a runner sub-table, keeping the spelling the file already uses."""
    table = table_at(entry.data, *tables)
    return SetValue(runner_path(entry.index, *tables), spelled(table, key), value)


def pin_feature_flag(entry: RunnerEntry, name: str, value: bool) -> SetValue:
    """Pin a feature flag in the runner's table, so that jobs cannot change it.

    The key is written exactly as the flag is named: the runner reads the map by
    exact name, so a differently cased key already there is a different key to it
    (``unknown-key`` reports that one).
    """
    return SetValue(runner_path(entry.index, "feature_flags"), name, value, exact=True)
