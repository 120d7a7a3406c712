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


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "runner": finding.runner,
        "runner_index": finding.runner_index,
        "table": table_name(finding.table) if finding.table else None,
        "key": finding.key,
        "line": finding.line,
        "message": finding.message,
        "fix": finding.fix.value if finding.fix else None,
        # ``fix`` stays as it was (safe/unsafe); the impact says the same for people and
        # adds what may stop working.
        "impact": finding.impact.value if finding.impact else None,
        "impact_reason": finding.breaks or None,
    }
    if finding.subject is not None:
        entry["subject"] = finding.subject
    if finding.accepted is not None:
        entry["accepted"] = finding.accepted
        entry["suppressed"] = True
    if finding.block is not None:
        entry["block"] = finding.block
    return entry


def report_to_dict(reports: Iterable[FileReport], summary: Summary | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "tool": {"name": "runner-wizard", "version": __version__},
        # Names, keys and messages come from the file: masked like every output.
        "files": _masked(
            [
                {
                    "path": report.path,
                    "trust": report.trust.value,
                    "error": report.error,
                    "incomplete": list(report.incomplete),
                    "findings": [finding_to_dict(f) for f in report.findings],
                }
                for report in reports
            ],
            {},
        ),
    }
    if summary is not None:
        document["summary"] = _masked(summary_dict(summary), {})
    return document


def _masked(value: Any, seen: dict[str, str]) -> Any:
    """Every string masked, as :func:`wizard.base.masking.mask_strings` does, each distinct
    one once.

    A fleet's report repeats the same rule ids, keys and messages thousands of
    times; masking each occurrence again was most of an audit's time.
    """
    if isinstance(value, str):
        if type(value) is not str:  # a template-made message: safe already, not rescanned
            return KNOWN_SECRETS.mask(value)
        masked = seen.get(value)
        if masked is None:
            masked = seen[value] = mask_text(value)
        return masked
    if isinstance(value, dict):
        return {_masked(key, seen): _masked(item, seen) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item, seen) for item in value]
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
    document = report_to_dict(reports, summary)
    if only_summary:
        del document["files"]
    _write(document, 0, out)
    out.append("\n")
    return Safe(printable_json("".join(out)))


def _write(value: Any, depth: int, out: list[str]) -> None:
    if depth > _OUTLINE_DEPTH or not isinstance(value, dict | list) or not value:
        out.append(json.dumps(value, ensure_ascii=False))
        return
    inner = "\n" + "  " * (depth + 1)
    items: Iterable[tuple[str | None, Any]] = (
        value.items() if isinstance(value, dict) else ((None, item) for item in value)
    )
    out.append("{" if isinstance(value, dict) else "[")
    for position, (key, item) in enumerate(items):
        out.append(("," if position else "") + inner)
        if key is not None:
            out.append(json.dumps(key, ensure_ascii=False) + ": ")
        _write(item, depth + 1, out)
    out.append("\n" + "  " * depth + ("}" if isinstance(value, dict) else "]"))
