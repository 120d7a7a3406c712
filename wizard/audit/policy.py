"""A team's audit policy: ``.runner-wizard.toml``, kept beside the configs it governs.

Exceptions cannot live in ``config.toml`` itself: the runner rewrites that
file (on registration, on token rotation) and drops its comments. So they
live here, each with a reason and an expiry date, and every format still
shows the findings they cover, marked as suppressed::

    trust = "public"                      # when --trust is not given
    disabled = ["runner-metrics-exposed"] # rules not run at all
    [severity]
    images-unrestricted = "low"           # a rule's severity, whatever the trust level
    [[exception]]
    files = "teams/build/**"              # glob, relative to this file's folder
    runner = "dind-builder"               # a runner's name, or "*" for every runner
    rule = "privileged-container"
    reason = "image builds; moving to rootless builds in Q1"
    expires = 2027-03-31

An exception past its date no longer suppresses anything and is a finding
itself (``policy-exception-expired``), on the policy file's line.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from wizard.audit.discovery import matches
from wizard.audit.engine import FileReport
from wizard.base.errors import ConfigError
from wizard.base.model import Finding, Severity, Trust
from wizard.base.safe_text import Message
from wizard.rules.catalogue import ALL_RULES
from wizard.rules.policy_rules import EXCEPTION_EXPIRED
from wizard.tomlfile.regular_file import read_regular_file

POLICY_FILE = ".runner-wizard.toml"
MAX_POLICY_BYTES = 1024 * 1024
ALL_RUNNERS = "*"

_TOP_KEYS = frozenset({"trust", "disabled", "severity", "exception"})
_EXCEPTION_KEYS = frozenset({"files", "runner", "rule", "reason", "expires"})
_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")
_EXCEPTION_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*exception[ \t]*\]\]", re.MULTILINE)


@dataclass(frozen=True)
class PolicyException:
    """One accepted finding: which files, which runner, which rule, why, and until when."""

    files: str
    runner: str
    """A runner's name, or ``*`` for every runner and the global settings."""
    rule: str
    reason: str
    expires: date
    line: int
    """Where the exception starts in the policy file."""

    def expired(self, today: date) -> bool:
        return today > self.expires

    def covers(self, relative: str, finding: Finding) -> bool:
        if finding.rule != self.rule:
            return False
        if self.runner not in (ALL_RUNNERS, finding.runner):
            return False
        return matches(PurePosixPath(relative), self.files)


@dataclass(frozen=True)
class Policy:
    path: str
    trust: Trust | None = None
    disabled: frozenset[str] = frozenset()
    severities: Mapping[str, Severity] = field(default_factory=dict)
    exceptions: tuple[PolicyException, ...] = ()

    @property
    def folder(self) -> Path:
        return Path(self.path).resolve().parent


def find_policy(start: Path) -> Path | None:
    """The nearest ``.runner-wizard.toml`` in ``start`` or a folder above it.

    Named by its bare name when it is in the current folder (reports then name it
    as CI tools expect, from the repository root), by its full path otherwise.
    """
    folder = start.resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / POLICY_FILE
        if path.is_file():
            return Path(POLICY_FILE) if candidate == Path.cwd().resolve() else path
    return None


def load_policy(path: Path | str) -> Policy:
    """The policy in ``path``; one ConfigError naming the file (and line) when it is wrong."""
    raw = read_regular_file(path, MAX_POLICY_BYTES, what="policy file")
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise ConfigError(path, Message.of("is not UTF-8 text")) from None
    except tomllib.TOMLDecodeError as error:
        position = _TOML_POSITION.search(str(error))
        line = int(position.group(1)) if position else None
        reason = _TOML_POSITION.sub("", str(error)).strip()
        raise ConfigError(
            path, Message.of("invalid TOML: {reason}", reason=reason), line=line
        ) from None
    return parse_policy(data, text, str(path))


def parse_policy(data: Mapping[str, Any], text: str, path: str) -> Policy:
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ConfigError(
            path,
            Message.of(
                "unknown key {unknown!r} (a policy has {keys})",
                unknown=unknown[0],
                keys=", ".join(sorted(_TOP_KEYS)),
            ),
            line=_line_of_key(text, unknown[0]),
        )
    known_rules = {rule.id for rule in ALL_RULES}

    def rule_id(value: Any, where: str, line: int | None) -> str:
        if not isinstance(value, str) or value not in known_rules:
            raise ConfigError(
                path,
                Message.of("{where}: no rule is called {value!r}", where=where, value=value),
                line=line,
            )
        return value

    trust = None
    if "trust" in data:
        try:
            trust = Trust(data["trust"])
        except ValueError:
            choices = ", ".join(t.value for t in Trust)
            raise ConfigError(
                path,
                Message.of("trust must be one of {choices}", choices=choices),
                line=_line_of_key(text, "trust"),
            ) from None
    disabled = data.get("disabled", [])
    if not isinstance(disabled, list):
        raise ConfigError(path, Message.of("disabled must be a list of rule ids"))
    disabled_line = _line_of_key(text, "disabled")
    disabled_ids = frozenset(rule_id(item, "disabled", disabled_line) for item in disabled)
    severity_table = data.get("severity", {})
    if not isinstance(severity_table, dict):
        raise ConfigError(path, Message.of("severity must be a table of rule = severity"))
    severities: dict[str, Severity] = {}
    for key, value in severity_table.items():
        line = _line_of_key(text, key)
        rule_id(key, "severity", line)
        try:
            severities[key] = Severity(value)
        except ValueError:
            choices = ", ".join(s.value for s in Severity)
            raise ConfigError(
                path,
                Message.of("severity of {key}: must be one of {choices}", key=key, choices=choices),
                line=line,
            ) from None
    entries = data.get("exception", [])
    if not isinstance(entries, list):
        raise ConfigError(path, Message.of("exceptions are written as [[exception]] tables"))
    header_lines = [text.count("\n", 0, m.start()) + 1 for m in _EXCEPTION_HEADER.finditer(text)]
    exceptions = tuple(
        _exception(entry, path, header_lines[n] if n < len(header_lines) else None, rule_id)
        for n, entry in enumerate(entries)
    )
    return Policy(path, trust, disabled_ids, severities, exceptions)


def _exception(entry: Any, path: str, line: int | None, rule_id: Any) -> PolicyException:
    if not isinstance(entry, dict):
        raise ConfigError(path, Message.of("each [[exception]] must be a table"), line=line)
    unknown = sorted(set(entry) - _EXCEPTION_KEYS)
    if unknown:
        raise ConfigError(
            path, Message.of("exception: unknown key {unknown!r}", unknown=unknown[0]), line=line
        )
    missing = [key for key in ("files", "rule", "reason", "expires") if key not in entry]
    if missing:
        raise ConfigError(
            path, Message.of("exception: {missing} is required", missing=missing[0]), line=line
        )
    for key in ("files", "runner", "reason"):
        if key in entry and (not isinstance(entry[key], str) or not entry[key].strip()):
            raise ConfigError(
                path, Message.of("exception: {key} must be a non-empty string", key=key), line=line
            )
    expires = entry["expires"]
    if isinstance(expires, str):
        try:
            expires = date.fromisoformat(expires)
        except ValueError:
            expires = None
    if not isinstance(expires, date) or hasattr(expires, "hour"):
        raise ConfigError(
            path, Message.of("exception: expires must be a date (2027-03-31)"), line=line
        )
    return PolicyException(
        files=entry["files"],
        runner=entry.get("runner", ALL_RUNNERS),
        rule=rule_id(entry["rule"], "exception", line),
        reason=entry["reason"].strip(),
        expires=expires,
        line=line or 1,
    )


def _line_of_key(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=", re.MULTILINE)
    found = pattern.search(text)
    return text.count("\n", 0, found.start()) + 1 if found else None


def relative_to_policy(report_path: str, policy: Policy) -> str:
    """A report's path as the policy's globs see it: from the policy file's folder."""
    absolute = Path(os.path.abspath(report_path))
    try:
        return absolute.relative_to(policy.folder).as_posix()
    except ValueError:
        return PurePosixPath(Path(report_path).as_posix()).as_posix()


def apply_policy(reports: Sequence[FileReport], policy: Policy, today: date) -> list[FileReport]:
    """The reports as the policy reads them, and the policy file's own findings after them.

    Disabled rules are left out; severities changed; findings an exception
    covers (before its date) kept and marked as accepted with its reason.
    Expired exceptions suppress nothing and are findings of the policy file.
    """
    # By rule: a finding is compared only with the exceptions for its own rule.
    active: dict[str, list[PolicyException]] = {}
    for exception in policy.exceptions:
        if not exception.expired(today):
            active.setdefault(exception.rule, []).append(exception)
    out: list[FileReport] = []
    for report in reports:
        if report.error is not None:
            out.append(report)
            continue
        relative = relative_to_policy(report.path, policy)
        findings: list[Finding] = []
        for found in report.findings:
            if found.rule in policy.disabled:
                continue
            finding = found
            severity = policy.severities.get(finding.rule)
            if severity is not None and severity is not finding.severity:
                finding = replace(finding, severity=severity)
            if finding.accepted is None:
                candidates = active.get(finding.rule, ())
                covering = next((e for e in candidates if e.covers(relative, finding)), None)
                if covering is not None:
                    finding = replace(finding, accepted=_note(policy, covering))
            findings.append(finding)
        out.append(replace(report, findings=tuple(findings)))
    expired = [e for e in policy.exceptions if e.expired(today)]
    if expired:
        trust = reports[0].trust if reports else policy.trust or Trust.MULTI_PROJECT
        out.append(FileReport(policy.path, trust, tuple(_expired(e, trust) for e in expired)))
    return out


def _note(policy: Policy, exception: PolicyException) -> str:
    name = Path(policy.path).name
    return f"by {name}:{exception.line} until {exception.expires.isoformat()}: {exception.reason}"


def _expired(exception: PolicyException, trust: Trust) -> Finding:
    runner = (
        Message.of("every runner")
        if exception.runner == ALL_RUNNERS
        else Message.of("runner {name!r}", name=exception.runner)
    )
    return Finding(
        rule=EXCEPTION_EXPIRED.id,
        severity=EXCEPTION_EXPIRED.severity_for(trust),
        message=Message.of(
            "the exception for {rule} on {runner} in {files!r} expired on {expires} ({reason}); "
            "its findings are reported again",
            rule=exception.rule,
            runner=runner,
            files=exception.files,
            expires=exception.expires.isoformat(),
            reason=exception.reason,
        ),
        table=(),
        key="expires",
        runner_index=None,
        runner=None,
        line=exception.line,
        fix=None,
    )
