"""The JSON report: the contract other tools read. Its shape changes only with ``schema``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from wizard import __version__
from wizard.audit import FileReport
from wizard.model import Finding, table_name
from wizard.printable import printable_json
from wizard.secrets import mask_strings

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
    return entry


def report_to_dict(reports: Iterable[FileReport]) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "tool": {"name": "runner-wizard", "version": __version__},
        # Names, keys and messages come from the file: masked like every output.
        "files": mask_strings(
            [
                {
                    "path": report.path,
                    "trust": report.trust.value,
                    "error": report.error,
                    "findings": [finding_to_dict(f) for f in report.findings],
                }
                for report in reports
            ]
        ),
    }


def render_json(reports: Iterable[FileReport]) -> str:
    return printable_json(json.dumps(report_to_dict(reports), indent=2, ensure_ascii=False)) + "\n"
