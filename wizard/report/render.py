"""One entry point for every audit format, so commands only name the one asked for."""

from __future__ import annotations

from collections.abc import Sequence

from wizard.audit.engine import FileReport
from wizard.audit.summary import Summary
from wizard.base.safe_text import Safe

FORMATS = ("text", "json", "sarif", "codequality", "junit")


def render_report(
    reports: Sequence[FileReport],
    output_format: str,
    *,
    fail_on: str = "high",
    summary: Summary | None = None,
    only_summary: bool = False,
) -> Safe:
    """The report in ``output_format``; ``summary`` closes the text and joins the JSON."""
    if output_format == "json":
        from wizard.report.json_report import render_json

        return render_json(reports, summary, only_summary=only_summary)
    if output_format == "sarif":
        from wizard.report.sarif import render_sarif

        return render_sarif(reports)
    if output_format == "codequality":
        from wizard.report.codequality import render_codequality

        return render_codequality(reports)
    if output_format == "junit":
        from wizard.report.junit import render_junit

        return render_junit(reports, fail_on)
    from wizard.report.text import render_text

    return render_text(reports, summary=summary, only_summary=only_summary)
