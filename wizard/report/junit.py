"""JUnit XML, the format CI systems show in their test views.

One test suite per file; in it one test case per rule and runner (or the
global settings) with findings. A case fails when one of its findings is at or
above ``--fail-on``, is skipped when all of them are suppressed, and passes
otherwise (its findings are below the bar, listed in its output). A file with
no findings has one passing case, so every audited file shows up; a file that
could not be read has one case in error.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from wizard.audit.engine import FileReport
from wizard.base.masking import KNOWN_SECRETS, mask_text
from wizard.base.model import Finding, Severity
from wizard.base.safe_text import Message, Safe

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot carry at all, even escaped."""


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", mask_text(value))


def _said(message: Message) -> str:
    """A finding's message, XML-safe: our sentence as written (its holes were masked when
    it was made), known secrets masked by value; never scanned as free text."""
    return _NOT_XML.sub("\ufffd", KNOWN_SECRETS.mask(message))


def _runner_label(finding: Finding) -> str:
    if finding.runner_index is None:
        return "global settings"
    name = finding.runner if finding.runner else "(unnamed)"
    return f"{name} (entry {finding.runner_index + 1})"


def _line(finding: Finding) -> str:
    where = f"line {finding.line}" if finding.line else "not set" if finding.key else "file"
    return f"{finding.severity.value.upper()} {finding.rule} ({where}): {_said(finding.message)}"


def report_to_junit(reports: Iterable[FileReport], fail_on: str) -> ET.Element:
    threshold = None if fail_on == "never" else Severity(fail_on)
    root = ET.Element("testsuites", name="runner-wizard audit")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for report in reports:
        suite = ET.SubElement(root, "testsuite", name=_text(report.path))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if report.error is not None:
            case = ET.SubElement(
                suite, "testcase", name="read the file", classname=_text(report.path)
            )
            ET.SubElement(case, "error", message=_said(report.error), type="unreadable")
            counts["tests"] += 1
            counts["errors"] += 1
        cases: dict[tuple[str, int | None], list[Finding]] = {}
        for finding in report.findings:
            cases.setdefault((finding.rule, finding.runner_index), []).append(finding)
        if report.error is None and not cases:
            ET.SubElement(suite, "testcase", name="no findings", classname=_text(report.path))
            counts["tests"] += 1
        for (rule, _index), found in cases.items():
            case = ET.SubElement(
                suite,
                "testcase",
                name=_text(f"{rule} [{_runner_label(found[0])}]"),
                classname=_text(report.path),
            )
            counts["tests"] += 1
            open_ = [f for f in found if f.accepted is None]
            failing = [f for f in open_ if threshold is not None and f.severity.at_least(threshold)]
            details = "\n".join(_line(f) for f in found)
            if failing:
                worst = max(failing, key=lambda f: f.severity.rank)
                failure = ET.SubElement(
                    case, "failure", message=_said(worst.message), type=worst.severity.value
                )
                failure.text = details
                counts["failures"] += 1
            elif not open_:
                ET.SubElement(case, "skipped", message=_text(f"suppressed {found[0].accepted}"))
                counts["skipped"] += 1
            else:
                ET.SubElement(case, "system-out").text = details
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    return root


def render_junit(reports: Iterable[FileReport], fail_on: str) -> Safe:
    root = report_to_junit(reports, fail_on)
    ET.indent(root)
    # Every text in the tree went through _text (masked, XML-safe).
    return Safe(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    )
