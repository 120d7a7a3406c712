"""SARIF 2.1.0, the format code-scanning dashboards import."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from wizard import __version__
from wizard.audit.baseline import fingerprint
from wizard.audit.engine import FileReport
from wizard.base.masking import mask_strings
from wizard.base.model import Finding, Severity
from wizard.base.printable import printable_json
from wizard.base.safe_text import Message, Safe
from wizard.rules.base import Rule
from wizard.rules.catalogue import ALL_RULES, get_rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://docs.gitlab.com/runner/security/"

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    default = max(rule.severity.values(), key=lambda s: s.rank)
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale},
        "helpUri": rule.doc_url,
        "help": {
            "text": f"{rule.rationale}\n\nFix: {rule.remedy}",
            "markdown": (
                f"{rule.rationale}\n\n**Fix:** {rule.remedy}\n\n[Documentation]({rule.doc_url})"
            ),
        },
        "defaultConfiguration": {"level": _LEVEL[default]},
        "properties": {
            "security-severity": _SECURITY_SEVERITY[default],
            "tags": ["security", "gitlab-runner", rule.scope],
        },
    }


def _uri(path: str) -> str:
    """A URI reference for ``path``: forward slashes, and spaces or ``%`` escaped,
    because code-scanning uploads reject an ``artifactLocation.uri`` that is not one."""
    return quote(PurePath(path).as_posix(), safe="/")


def _message(finding: Finding) -> Message:
    """The finding's message, still a template (so the masking below does not scan it)."""
    if not finding.block:
        return finding.message
    return Message.of("{message} (in {block})", message=finding.message, block=finding.block)


def _fingerprint(finding: Finding) -> str:
    plain = f"{finding.rule}:{finding.runner_index}:{finding.key}"
    return f"{plain}:{finding.block}" if finding.block else plain


def report_to_sarif(reports: Iterable[FileReport]) -> dict[str, Any]:
    reports = list(reports)
    used: list[str] = []
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for report in reports:
        if report.error is not None:
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": report.error},
                    "locations": [
                        {"physicalLocation": {"artifactLocation": {"uri": _uri(report.path)}}}
                    ],
                }
            )
            continue
        notifications.extend(
            {
                "level": "error",
                "message": {
                    "text": Message.of(
                        "{path}: audit incomplete: {reason}", path=report.path, reason=reason
                    )
                },
                "locations": [
                    {"physicalLocation": {"artifactLocation": {"uri": _uri(report.path)}}}
                ],
            }
            for reason in report.incomplete
        )
        for finding in report.findings:
            if finding.rule not in used:
                used.append(finding.rule)
            location_uri = _uri(finding.subject or report.path)
            result: dict[str, Any] = {
                "ruleId": finding.rule,
                "ruleIndex": used.index(finding.rule),
                "level": _LEVEL[finding.severity],
                "message": {"text": _message(finding)},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": location_uri},
                            "region": {"startLine": finding.line or 1},
                        }
                    }
                ],
                "partialFingerprints": {
                    "runnerWizard/v1": _fingerprint(finding),
                    # What the finding is, wherever the file puts it (as baselines see it).
                    "runnerWizardFinding/v1": fingerprint(report.path, finding),
                },
                "properties": {
                    "severity": finding.severity.value,
                    "security-severity": _SECURITY_SEVERITY[finding.severity],
                    "fix": finding.fix.value if finding.fix else None,
                },
            }
            if finding.accepted is not None:
                # Kept, and marked: a suppressed finding is never dropped from the report.
                result["suppressions"] = [
                    {"kind": "external", "status": "accepted", "justification": finding.accepted}
                ]
            results.append(result)
    known = {rule.id: rule for rule in ALL_RULES}
    descriptors = [_rule_descriptor(known.get(rule_id) or get_rule(rule_id)) for rule_id in used]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "runner-wizard",
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": descriptors,
            }
        },
        # Names, keys and messages come from the file: masked like every output.
        "results": mask_strings(results),
        "invocations": [
            {
                "executionSuccessful": not notifications,
                "toolExecutionNotifications": mask_strings(notifications),
            }
        ],
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(reports: Iterable[FileReport]) -> Safe:
    """Every string field masked (:func:`report_to_sarif`), the JSON escaped for terminals."""
    sarif = json.dumps(report_to_sarif(reports), indent=2, ensure_ascii=False)
    return Safe(printable_json(sarif) + "\n")
