"""GitLab's Code Quality report: the subset of the Code Climate format GitLab reads.

Each entry has ``description``, ``check_name``, ``fingerprint``, ``severity``
(info, minor, major, critical or blocker) and ``location.path`` with
``location.lines.begin``; GitLab shows them in merge requests on every tier.
Suppressed findings stay in the report as ``info`` entries whose description
says so and why, so a reviewer sees them without them counting as problems.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from wizard.audit.baseline import fingerprint, normal_path
from wizard.audit.engine import FileReport
from wizard.base.masking import KNOWN_SECRETS, mask_text
from wizard.base.model import Severity
from wizard.base.printable import printable_json
from wizard.base.safe_text import Safe

SEVERITY = {
    Severity.INFO: "info",
    Severity.LOW: "minor",
    Severity.MEDIUM: "major",
    Severity.HIGH: "critical",
    Severity.CRITICAL: "blocker",
}
CODE_QUALITY_SEVERITIES = frozenset(SEVERITY.values())


def report_to_codequality(reports: Iterable[FileReport]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    used: set[str] = set()
    for report in reports:
        if report.error is not None:
            continue  # said on stderr, and the exit code is 2: not a quality finding
        for finding in report.findings:
            print_ = fingerprint(report.path, finding)
            # Two runners of one name with the same finding: GitLab needs each fingerprint once.
            unique, count = print_, 1
            while unique in used:
                count += 1
                unique = hashlib.sha256(f"{print_}:{count}".encode()).hexdigest()[:32]
            used.add(unique)
            where = (
                f'runner "{finding.runner}"'
                if finding.runner
                else ("global settings" if finding.runner_index is None else "unnamed runner")
            )
            # The message is a template, shown as written; the runner's name and the
            # policy's reason are the file's words, masked as free text.
            said = KNOWN_SECRETS.mask(finding.message)
            description = f"{finding.rule}: {said} ({mask_text(where)})"
            severity = SEVERITY[finding.severity]
            if finding.accepted is not None:
                description = f"[suppressed {mask_text(finding.accepted)}] {description}"
                severity = "info"
            entries.append(
                {
                    "type": "issue",
                    "engine_name": "runner-wizard",
                    "check_name": finding.rule,
                    "description": description,
                    "categories": ["Security"],
                    "fingerprint": unique,
                    "severity": severity,
                    "location": {
                        "path": mask_text(normal_path(finding.subject or report.path)),
                        "lines": {"begin": finding.line or 1},
                    },
                }
            )
    return entries


def render_codequality(reports: Iterable[FileReport]) -> Safe:
    # No BOM, plain UTF-8 JSON: what GitLab's parser expects. Every value was masked above.
    return Safe(
        printable_json(json.dumps(report_to_codequality(reports), indent=2, ensure_ascii=False))
        + "\n"
    )
