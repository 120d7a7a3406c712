"""Pieces the report-producing commands share: reading files, rendering, exit codes."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from wizard.audit.engine import FileReport
from wizard.base.errors import WizardError
from wizard.base.model import DEFAULT_TRUST, Severity, Trust
from wizard.base.safe_text import Safe, compose, emit_line, shown_error

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


def trust_from(value: str | None, fallback: Trust = DEFAULT_TRUST) -> Trust:
    return Trust(value) if value else fallback


def render(reports: list[FileReport], output_format: str) -> Safe:
    from wizard.report.render import render_report

    return render_report(reports, output_format)


def exit_code(reports: Iterable[FileReport], fail_on: str) -> int:
    """2 if a file failed or was read in part only, else 1 if a finding reaches ``fail_on``, else 0.

    ``never`` is for report-only CI: findings never fail the run, unreadable files still do.
    """
    reports = list(reports)
    if any(report.error is not None or report.incomplete for report in reports):
        return EXIT_ERROR
    if fail_on == "never":
        return EXIT_OK
    threshold = Severity(fail_on)
    hits = any(
        f.severity.at_least(threshold) and f.accepted is None for r in reports for f in r.findings
    )
    return EXIT_FINDINGS if hits else EXIT_OK


def print_error(message: Safe) -> None:
    """``runner-wizard: error: …`` on stderr, one line. ``message`` is already safe (made
    by :func:`~wizard.base.safe_text.render` or :func:`error_message`): our words are
    not scanned again, and a raw ``str`` is a type error."""
    emit_line(compose("runner-wizard: error: {message}", message=message), stream=sys.stderr)


def error_message(error: WizardError) -> Safe:
    """An error's message for :func:`print_error` (:func:`~wizard.base.safe_text.shown_error`)."""
    return shown_error(error)
