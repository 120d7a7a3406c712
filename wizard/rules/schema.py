"""Rules about the file's shape: keys the runner does not read, values it cannot decode.

Both rules compare the parsed file with our key catalogue (:mod:`wizard.runner.keys`).
They matter for security because the runner is quiet about both mistakes: a
misspelt hardening key is skipped without a word, and a duration written as a
bare number is read as nanoseconds. Neither rule fixes anything by itself:
renaming a key or choosing a unit changes what the runner does, so the user
decides.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from wizard.base.model import Issue, Severity, TablePath
from wizard.base.safe_text import Message
from wizard.rules.base import DOCS, AuditContext, Rule, by_trust
from wizard.runner import keys
from wizard.runner.reading import read_once

_S = Severity

VALIDATION_DOCS = f"{DOCS}/configuration/advanced-configuration/"

FEATURE_FLAGS = "runners.feature_flags"

SECURITY_KEYS = frozenset(
    name.casefold()
    for name in (
        # containers and their privileges
        "privileged",
        "services_privileged",
        "allowed_privileged_images",
        "allowed_privileged_services",
        "cap_add",
        "cap_drop",
        "security_opt",
        "services_security_opt",
        "devices",
        "device_cgroup_rules",
        "group_add",
        "userns_mode",
        "network_mode",
        "pid_mode",
        "ipcmode",
        "volumes",
        "runtime",
        "runtime_class_name",
        "disable_entrypoint_overwrite",
        "user",
        "allowed_users",
        "allowed_groups",
        "run_as_non_root",
        "run_as_user",
        "allow_privilege_escalation",
        "read_only_root_filesystem",
        "automount_service_account_token",
        "bearer_token_overwrite_allowed",
        "namespace_overwrite_allowed",
        "service_account_overwrite_allowed",
        "pod_security_context",
        # what jobs may pull and run
        "allowed_images",
        "allowed_services",
        "allowed_pull_policies",
        "pull_policy",
        "helper_image",
        # reuse between jobs
        "MaxBuilds",
        "max_use_count",
        "capacity_per_instance",
        "vm_isolation",
        "clean_git_config",
        "safe_directory_checkout",
        "debug_trace_disabled",
        # transport and identity
        "disable_strict_host_key_checking",
        "known_hosts_file",
        "tls_verify",
        "tls-ca-file",
        "listen_address",
        "executor",
        # feature flags that close a hole when pinned
        "FF_DISABLE_UMASK_FOR_DOCKER_EXECUTOR",
        "FF_DISABLE_UMASK_FOR_KUBERNETES_EXECUTOR",
        "FF_GIT_URLS_WITHOUT_TOKENS",
        "FF_MASK_ALL_DEFAULT_TOKENS",
        "FF_ENABLE_JOB_CLEANUP",
        "FF_NETWORK_PER_BUILD",
        "FF_SECRET_RESOLVING_FAILS_IF_MISSING",
    )
)
"""Keys (compared ignoring case) whose loss weakens isolation: a typo of one is high."""


def _header(table: str) -> str:
    """A table named the way its header is written in the file."""
    if not table:
        return "the global section"
    if keys.table_kind(table) == "array-of-tables":
        return f"[[{table}]]"
    return f"[{table}]"


@dataclass(frozen=True)
class Table:
    """One table of the file as the runner decodes it."""

    path: TablePath
    """Where it is in the parsed data, with array indices, as the file spells keys."""
    name: str
    """Its catalogue name (``runners.docker``)."""
    data: Mapping[str, Any]
    values: str | None
    """For free-form tables, the kind every value must have."""

    @property
    def runner_index(self) -> int | None:
        if len(self.path) < 2 or not isinstance(self.path[1], int):
            return None
        if str(self.path[0]).casefold() == "runners":  # the runner reads [[Runners]] too
            return self.path[1]
        return None

    @property
    def header(self) -> str:
        return _header(self.name)

    def issue(self, message: Message, key: str, severity: Severity | None = None) -> Issue:
        return Issue(message, self.path, key, self.runner_index, severity=severity)


def tables(data: Mapping[str, Any]) -> Iterator[Table]:
    """Every table the runner decodes, walking arrays of tables with their indices.

    Free-form tables are yielded (their values still have a type) but not
    entered: whatever nests inside them belongs to whoever reads the map.
    A value of the wrong shape is not entered either; ``wrong-value-type``
    reports it. Walked once per audit (several rules read every table).
    """
    return iter(read_once("tables", data, lambda: tuple(_walk(data))))


def _walk(
    data: Mapping[str, Any], path: TablePath = (), name: str = "", values: str | None = None
) -> Iterator[Table]:
    yield Table(path, name, data, values)
    if keys.is_free_form(name):
        return
    for key, value in data.items():
        info = keys.lookup(name, key)
        if info is None:
            continue
        child = keys.child_table(name, info.name)
        if info.kind in ("table", "map") and isinstance(value, Mapping):
            yield from _walk(value, (*path, key), child, info.values)
        elif info.kind == "array-of-tables" and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    yield from _walk(item, (*path, key, index), child)


def _is_security_key(name: str | None) -> bool:
    return name is not None and name.casefold() in SECURITY_KEYS


# --- unknown-key -----------------------------------------------------------------------------


def _unknown_in(table: Table, key: str) -> Issue | None:
    """An issue for ``key`` when the runner would not act on it, else ``None``."""
    where = table.header
    info = keys.lookup(table.name, key)
    if info is not None:
        if info.ignored and info.removed_in:
            # common/config.go logDeprecationWarning: decoded only to warn, no effect.
            return table.issue(
                Message.of(
                    "'{key}' in {where} was removed in runner {removed_in} and has no "
                    "effect; migrate it to {replaced_by} and delete it here",
                    key=key,
                    where=where,
                    removed_in=info.removed_in,
                    replaced_by=info.replaced_by,
                ),
                key,
            )
        if info.ignored:
            return table.issue(
                Message.of(
                    "'{key}' in {where} is still read but ignored by current runners; "
                    "use {replaced_by} instead",
                    key=key,
                    where=where,
                    replaced_by=info.replaced_by,
                ),
                key,
            )
        return None

    removed = keys.removed_key(table.name, key)
    if removed is not None:
        instead = (
            Message.of("; use {replaced_by} instead", replaced_by=removed.replaced_by)
            if removed.replaced_by
            else Message.of("")
        )
        return table.issue(
            Message.of(
                "'{key}' in {where} was removed after runner {last_seen} and is now "
                "ignored{instead}",
                key=key,
                where=where,
                last_seen=removed.last_seen,
                instead=instead,
            ),
            key,
        )

    gitlab_side = _GITLAB_SIDE.get(key.casefold()) if table.name == "runners" else None
    if gitlab_side is not None:
        return table.issue(
            Message.of(
                "'{key}' in {where} is ignored: GitLab keeps this setting ({gitlab_side}); set "
                "it on the runner's page in GitLab or with the runners API (or pass it to "
                "gitlab-runner register with a registration token)",
                key=key,
                where=where,
                gitlab_side=gitlab_side,
            ),
            key,
        )
    suggestion = keys.suggest(table.name, key)
    elsewhere = keys.tables_with_key(table.name, key)
    if elsewhere:
        # The key exists, exactly, in another table: that is the likelier mistake than a
        # near-miss spelling (check_interval inside [[runners]] is a global key, not a
        # misspelt strict_check_interval, a boolean with another meaning).
        others = " or ".join(_header(place) for place in elsewhere if place)
        if "" in elsewhere:
            places = "at the top of the file (before any table)"
            places += f" or in {others}" if others else ""
        else:
            places = f"in {others}"
        hint = Message.of("; it belongs {places}", places=places)
        target: str | None = key
    elif suggestion is not None:
        hint = Message.of("; did you mean '{suggestion}'?", suggestion=suggestion)
        target = suggestion
    else:
        hint = Message.of("")
        target = None
    severity = _S.HIGH if _is_security_key(target) else None
    return table.issue(
        Message.of("unknown key '{key}' in {where}{hint}", key=key, where=where, hint=hint),
        key,
        severity,
    )


_GITLAB_SIDE = {
    "run_untagged": "whether the runner takes untagged jobs",
    "rununtagged": "whether the runner takes untagged jobs",
    "locked": "whether a project runner is locked to its projects",
    "tag_list": "the runner's tags",
    "tags": "the runner's tags",
    "protected": "whether the runner only takes jobs of protected refs (access level)",
    "access_level": "whether the runner only takes jobs of protected refs (access level)",
    "maximum_timeout": "the runner's maximum job timeout",
    "paused": "whether the runner is paused",
    "maintenance_note": "the runner's maintenance note",
}
"""Runner settings GitLab keeps, not config.toml: commands/register.go
(ensureServerConfigArgsEmpty) names them as reserved for the server: locked, access
level, run untagged, maximum timeout, paused, tag list, maintenance note. In
[[runners]] the runner ignores them."""


def _unknown_feature_flag(table: Table, key: str) -> Issue | None:
    """Flag names are free, but a misspelt or retired flag silently does nothing.

    A name we simply do not know may come from a runner newer than our
    catalogue, so it is reported only when it resembles a real flag.
    """
    known = keys.lookup(FEATURE_FLAGS, key)
    if known is not None and known.name == key:
        return None
    if known is not None:
        # The runner reads flags from a map by exact name (common/build_settings.go).
        return table.issue(
            Message.of(
                "feature flag '{key}' in {header} is ignored: the runner matches flag "
                "names exactly, so write '{name}'",
                key=key,
                header=table.header,
                name=known.name,
            ),
            key,
            _S.HIGH if _is_security_key(known.name) else None,
        )
    removed = keys.removed_key(FEATURE_FLAGS, key)
    if removed is not None:
        return table.issue(
            Message.of(
                "feature flag '{key}' was removed after runner {last_seen}; "
                "setting it has no effect",
                key=key,
                last_seen=removed.last_seen,
            ),
            key,
        )
    suggestion = keys.suggest(FEATURE_FLAGS, key)
    if suggestion is not None:
        severity = _S.HIGH if _is_security_key(suggestion) else None
        return table.issue(
            Message.of(
                "unknown feature flag '{key}' in {header}; did you mean '{suggestion}'?",
                key=key,
                header=table.header,
                suggestion=suggestion,
            ),
            key,
            severity,
        )
    if not key.upper().startswith("FF_"):
        return table.issue(
            Message.of(
                "'{key}' in {header} is not a feature flag (their names start with FF_)",
                key=key,
                header=table.header,
            ),
            key,
        )
    return None


def _unknown_keys(ctx: AuditContext) -> Iterator[Issue]:
    for table in tables(ctx.data):
        if table.name == FEATURE_FLAGS:
            found = [_unknown_feature_flag(table, key) for key in table.data]
        elif keys.is_free_form(table.name) or keys.table_kind(table.name) is None:
            continue
        else:
            found = [_unknown_in(table, key) for key in table.data]
        yield from (issue for issue in found if issue is not None)


UNKNOWN_KEY = Rule(
    id="unknown-key",
    title="A key the runner does not read",
    severity=by_trust(_S.MEDIUM, _S.MEDIUM, _S.MEDIUM),
    executors=None,
    rationale=(
        "The runner skips keys it does not know without any warning, so a misspelt or "
        "misplaced setting simply does not exist for it. When that setting was meant to "
        "harden the runner (privileged = false, an image allowlist, one job per VM), the file "
        "looks safe while the default, weaker behaviour stays in force. Keys that older "
        "releases read but current ones ignore have the same effect. A near-miss of a "
        "security setting is rated high."
    ),
    doc_url=f"{VALIDATION_DOCS}#configuration-validation",
    table="*",
    key="*",
    fix=None,
    remedy=(
        "Rename a misspelt key to the spelling the runner reads, move a misplaced one, or "
        "migrate a removed one to what replaced it, then delete it; this is not automatic, "
        "because making a dormant setting live changes what jobs may do."
    ),
    check=_unknown_keys,
)


# --- wrong-value-type ------------------------------------------------------------------------

_EXPECTED = {
    "string": "a string",
    "integer": "an integer",
    "float": "a number",
    "boolean": "true or false",
    "datetime": "a date-time",
    "array": "an array",
    "array-of-strings": "an array of strings",
    "string-or-array": "a string or an array of strings",
    "table": "a table",
    "map": "a table",
    "array-of-tables": "an array of tables",
}

_GO_DURATION = re.compile(r"[-+]?(?:0|(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)")
"""What Go's duration parser accepts: ``"0"`` or number-unit pairs such as ``"1h30m"``."""


def _kind_of(value: Any) -> str:
    """The TOML kind of a parsed value, in the catalogue's words."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dt.date | dt.time):
        return "datetime"
    if isinstance(value, list):
        return "array"
    return "table"


def _a(kind: str) -> str:
    return {
        "boolean": "a boolean",
        "integer": "an integer",
        "float": "a float",
        "string": "a string",
        "datetime": "a date-time",
        "array": "an array",
        "table": "a table",
    }[kind]


def _mismatch(expected: str, value: Any) -> str | None:
    """What is wrong with ``value`` for a key of kind ``expected``, or ``None``."""
    actual = _kind_of(value)
    if expected == "any":
        return None
    if expected in ("table", "map"):
        ok = actual == "table"
    elif expected == "float":
        ok = actual in ("float", "integer")  # the decoder widens integers
    elif expected == "datetime":
        ok = actual in ("datetime", "string")  # RFC 3339 text decodes as well
    elif expected == "array":
        ok = actual == "array"
    elif expected in ("array-of-strings", "string-or-array"):
        if expected == "string-or-array" and actual == "string":
            return None
        if actual != "array":
            return f"is {_a(actual)}"
        for position, item in enumerate(value, start=1):
            if not isinstance(item, str):
                return f"has {_a(_kind_of(item))} as item {position}"
        return None
    elif expected == "array-of-tables":
        if actual != "array":
            return f"is {_a(actual)}"
        ok = all(isinstance(item, Mapping) for item in value)
    else:
        ok = actual == expected
    return None if ok else f"is {_a(actual)}"


def _nanoseconds(count: int) -> str:
    """Say how long ``count`` nanoseconds really is, to show the surprise."""
    for unit, size in (("s", 10**9), ("ms", 10**6), ("µs", 10**3)):
        if abs(count) >= size:
            return f"{count / size:g}{unit}"
    return f"{count}ns"


def _go_duration(nanoseconds: int) -> str:
    """A whole number of nanoseconds as Go writes a duration: ``30m``, ``1h30m``, ``1.5s``."""
    sign = "-" if nanoseconds < 0 else ""
    rest = abs(nanoseconds)
    hours, rest = divmod(rest, 3600 * 10**9)
    minutes, rest = divmod(rest, 60 * 10**9)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    if rest:
        parts.append(f"{rest / 10**9:g}s")
    return sign + "".join(parts)


def _duration_problem(table: Table, key: str, value: Any) -> Issue | None:
    if isinstance(value, int) and not isinstance(value, bool):
        if value == 0:
            return None  # zero is zero in any unit
        if abs(value) >= 10**9:
            # Nobody writes a billion meaning seconds: this was meant as nanoseconds.
            hint = Message.of('to say so, write "{go_duration}"', go_duration=_go_duration(value))
        else:
            hint = Message.of('if you meant seconds, write "{value}s"', value=value)
        return table.issue(
            Message.of(
                "'{key}' in {header} is a duration, so the bare number {value} means "
                "{value} nanoseconds ({nanoseconds}); {hint}",
                key=key,
                header=table.header,
                value=value,
                nanoseconds=_nanoseconds(value),
                hint=hint,
            ),
            key,
            # The runner loads this file; only the timing is wrong.
            severity=Severity.MEDIUM,
        )
    if isinstance(value, str):
        if value and not _GO_DURATION.fullmatch(value.strip()):
            return table.issue(
                Message.of(
                    "'{key}' in {header} is not a duration the runner can parse "
                    '(use forms such as "90s", "15m" or "1h30m"); it will refuse to load the file',
                    key=key,
                    header=table.header,
                ),
                key,
            )
        return None
    return table.issue(
        Message.of(
            "'{key}' in {header} must be a duration string such as \"1h\", "
            "but {mismatch}; the runner will refuse to load the file",
            key=key,
            header=table.header,
            mismatch=_mismatch("string", value),
        ),
        key,
    )


def value_problem(table: str, key: str, value: Any) -> Message | None:
    """Why the runner would refuse or misread ``key = value`` in ``table``, or ``None``.

    The same reading as :data:`WRONG_VALUE_TYPE`, for values that are not in a file
    yet (a preset's settings): what would be a finding there is refused here.
    """
    info = keys.lookup(table, key)
    if info is None:
        return None
    if info.duration:
        if isinstance(value, int) and not isinstance(value, bool):
            return (
                None
                if value == 0
                else Message.of('is a duration: give it a unit, such as "{value}s"', value=value)
            )
        if isinstance(value, str):
            if not value or _GO_DURATION.fullmatch(value.strip()):
                return None
            return Message.of(
                'is not a duration the runner can parse (use forms such as "90s" or "1h30m")'
            )
        return Message.of('must be a duration string such as "1h"')
    problem = _mismatch(info.kind, value)
    return (
        None
        if problem is None
        else Message.of(
            "must be {EXPECTED}, but {problem}", EXPECTED=_EXPECTED[info.kind], problem=problem
        )
    )


def _wrong_type(table: Table, key: str, value: Any) -> Issue | None:
    if table.values is not None:  # a free-form table: only the values have a type
        problem = _mismatch(table.values, value)
        if problem is None:
            return None
        return table.issue(
            Message.of(
                "'{key}' in {header} must be {expected}, but {problem}; "
                "the runner will refuse to load the file",
                key=key,
                header=table.header,
                expected=_EXPECTED[table.values],
                problem=problem,
            ),
            key,
        )
    info = keys.lookup(table.name, key)
    if info is None:
        return None
    if info.duration:
        return _duration_problem(table, key, value)
    problem = _mismatch(info.kind, value)
    if problem is None:
        return None
    expected = _EXPECTED[info.kind]
    if info.kind == "array-of-tables" and isinstance(value, Mapping):
        expected += f" (write the header as [[{keys.child_table(table.name, info.name)}]])"
    if table.name == "runners.ssh" and info.name == "port":
        expected += ' (quote the port: port = "22")'
    severity = _S.HIGH if _is_security_key(info.name) else None
    return table.issue(
        Message.of(
            "'{key}' in {header} must be {expected}, but {problem}; "
            "the runner will refuse to load the file",
            key=key,
            header=table.header,
            expected=expected,
            problem=problem,
        ),
        key,
        severity,
    )


def _wrong_value_types(ctx: AuditContext) -> Iterator[Issue]:
    for table in tables(ctx.data):
        for key, value in table.data.items():
            issue = _wrong_type(table, key, value)
            if issue is not None:
                yield issue


WRONG_VALUE_TYPE = Rule(
    id="wrong-value-type",
    title="A value of the wrong type",
    # High: most type errors stop the runner loading the file, hardening included.
    severity=by_trust(_S.HIGH, _S.HIGH, _S.HIGH),
    executors=None,
    rationale=(
        "A value whose type the runner cannot decode (a quoted boolean, a single string where "
        "a list is expected, an integer SSH port) makes it reject the whole file: it will not "
        "start, and a running runner keeps its previous settings, so the hardening just written "
        "never takes effect. Durations are the quiet exception: a bare integer is accepted as "
        "nanoseconds, so 3600 is 3.6 microseconds, not an hour. There is no automatic fix: only "
        "the author knows which unit was meant, and a zero is left alone because it means the "
        "same in every unit."
    ),
    doc_url=f"{VALIDATION_DOCS}#configuration-validation",
    table="*",
    key="*",
    fix=None,
    remedy=('Write the value in the type the runner expects; give durations a unit ("30s", "1h").'),
    check=_wrong_value_types,
)


SCHEMA_RULES: tuple[Rule, ...] = (UNKNOWN_KEY, WRONG_VALUE_TYPE)
