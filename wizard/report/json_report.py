"""The JSON report: the contract other tools read. Its shape changes only with ``schema``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from wizard import __version__
from wizard.audit.engine import FileReport
from wizard.audit.summary import Summary, summary_dict
from wizard.base.masking import KNOWN_SECRETS, mask_text
from wizard.base.model import Finding, table_name
from wizard.base.printable import printable_json
from wizard.base.safe_text import Safe

SCHEMA_VERSION = 1


class _Shown:
    """Each text from a file masked once: a fleet's report repeats the same names, keys
    and messages thousands of times, and masking each occurrence again was most of an
    audit's time. A template-made message (not a plain ``str``) is safe already: only
    known secret values are masked in it, our sentence is not rescanned."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}

    def __call__(self, value: str | None) -> str | None:
        if value is None:
            return None
        if type(value) is not str:
            return KNOWN_SECRETS.mask(value)
        masked = self._seen.get(value)
        if masked is None:
            masked = self._seen[value] = mask_text(value)
        return masked


def finding_to_dict(finding: Finding, shown: _Shown | None = None) -> dict[str, Any]:
    """One finding as the report writes it; every text that may come from a file
    (runner, table, key, message, the reasons) is masked, our own words are not."""
    shown = shown or _Shown()
    entry: dict[str, Any] = {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "runner": shown(finding.runner),
        "runner_index": finding.runner_index,
        "table": shown(table_name(finding.table)) if finding.table else None,
        "key": shown(finding.key),
        "line": finding.line,
        "message": shown(finding.message),
        "fix": finding.fix.value if finding.fix else None,
        # ``fix`` stays as it was (safe/unsafe); the impact says the same for people and
        # adds what may stop working.
        "impact": finding.impact.value if finding.impact else None,
        "impact_reason": shown(finding.breaks) or None,
    }
    if finding.subject is not None:
        entry["subject"] = shown(finding.subject)
    if finding.accepted is not None:
        entry["accepted"] = shown(finding.accepted)
        entry["suppressed"] = True
    if finding.block is not None:
        entry["block"] = shown(finding.block)
    return entry


def report_to_dict(reports: Iterable[FileReport], summary: Summary | None = None) -> dict[str, Any]:
    shown = _Shown()
    document: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "tool": {"name": "runner-wizard", "version": __version__},
        # Names, keys and messages come from the file: masked like every output.
        "files": [
            {
                "path": shown(report.path),
                "trust": report.trust.value,
                "error": shown(report.error),
                "incomplete": [shown(part) for part in report.incomplete],
                "findings": [finding_to_dict(f, shown) for f in report.findings],
            }
            for report in reports
        ],
    }
    if summary is not None:
        document["summary"] = _masked(summary_dict(summary), shown)
    return document


def _masked(value: Any, shown: _Shown) -> Any:
    """Every string of a small document (the summary, whose keys are file names and rule
    ids) masked as :func:`wizard.base.masking.mask_strings` does."""
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, dict):
        return {_masked(key, shown): _masked(item, shown) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item, shown) for item in value]
    return value


_OUTLINE_DEPTH = 3
"""Containers down to each file's findings list are laid out on lines of their own."""


def render_json(
    reports: Iterable[FileReport], summary: Summary | None = None, *, only_summary: bool = False
) -> Safe:
    """The report, one finding per line.

    ``json.dumps`` with ``indent`` runs the pure-Python encoder, which took
    most of an audit's time on a big fleet; here only the outline is indented
    and each finding is written by the C encoder in one call.
    """
    out: list[str] = []
    shown = _Shown()
    document: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "tool": {"name": "runner-wizard", "version": __version__},
    }
    if not only_summary:
        pieces = _FindingPieces(shown)
        document["files"] = [
            {
                "path": shown(report.path),
                "trust": report.trust.value,
                "error": shown(report.error),
                "incomplete": [shown(part) for part in report.incomplete],
                "findings": [pieces.encoded(finding) for finding in report.findings],
            }
            for report in reports
        ]
    if summary is not None:
        document["summary"] = _masked(summary_dict(summary), shown)
    _write(document, 0, out)
    out.append("\n")
    return Safe(printable_json("".join(out)))


class _Encoded(str):
    """A finding already written as JSON (one line), laid out as it is."""

    __slots__ = ()


class _FindingPieces:
    """Each finding written as :func:`finding_to_dict` would be, in one line of JSON.

    The findings of a fleet repeat: the same rule, table, key and message on every
    runner made from one template. What does not change from runner to runner is
    encoded once; only the runner's name, position and line are written each time.
    """

    def __init__(self, shown: _Shown) -> None:
        self._shown = shown
        self._parts: dict[tuple[Any, ...], tuple[str, str, str]] = {}
        self._names: dict[str | None, str] = {}

    def encoded(self, finding: Finding) -> _Encoded:
        head, middle, tail = self._pieces(finding)
        name = self._names.get(finding.runner)
        if name is None:
            name = self._names[finding.runner] = _ENCODE(self._shown(finding.runner))
        index = "null" if finding.runner_index is None else str(int(finding.runner_index))
        line = "null" if finding.line is None else str(int(finding.line))
        return _Encoded(
            f'{head}, "runner": {name}, "runner_index": {index}, {middle}, "line": {line}, {tail}'
        )

    def _pieces(self, finding: Finding) -> tuple[str, str, str]:
        same = (
            finding.rule,
            finding.severity,
            finding.table,
            finding.key,
            finding.message,
            type(finding.message),
            finding.fix,
            finding.impact,
            finding.breaks,
            finding.subject,
            finding.accepted,
            finding.block,
        )
        parts = self._parts.get(same)
        if parts is None:
            whole = finding_to_dict(finding, self._shown)
            head = {name: whole[name] for name in ("rule", "severity")}
            middle = {name: whole[name] for name in ("table", "key")}
            tail = {name: value for name, value in whole.items() if name not in _PER_RUNNER}
            tail = {name: value for name, value in tail.items() if name not in (*head, *middle)}
            parts = self._parts[same] = (
                _ENCODE(head)[:-1],
                _ENCODE(middle)[1:-1],
                _ENCODE(tail)[1:],
            )
        return parts


_PER_RUNNER = ("runner", "runner_index", "line")
"""The fields of a finding written anew for each runner; the rest is shared."""


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
"""One encoder for the whole report: ``json.dumps`` with options builds a new one per call."""


def _write(value: Any, depth: int, out: list[str]) -> None:
    if type(value) is _Encoded:
        out.append(value)
        return
    if type(value) is list and value and all(type(item) is _Encoded for item in value):
        inner = "\n" + "  " * (depth + 1)
        out.append("[" + inner + ("," + inner).join(value) + "\n" + "  " * depth + "]")
        return
    if depth > _OUTLINE_DEPTH or not isinstance(value, dict | list) or not value:
        out.append(_ENCODE(value))
        return
    inner = "\n" + "  " * (depth + 1)
    items: Iterable[tuple[str | None, Any]] = (
        value.items() if isinstance(value, dict) else ((None, item) for item in value)
    )
    out.append("{" if isinstance(value, dict) else "[")
    for position, (key, item) in enumerate(items):
        out.append(("," if position else "") + inner)
        if key is not None:
            out.append(_ENCODE(key) + ": ")
        _write(item, depth + 1, out)
    out.append("\n" + "  " * depth + ("}" if isinstance(value, dict) else "]"))
