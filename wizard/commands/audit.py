"""``runner-wizard audit``: report findings, write nothing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wizard.audit import FileReport, audit_document
from wizard.commands.common import exit_code, print_error, render, trust_from
from wizard.document import load_config
from wizard.errors import ConfigError


def _reason(error: ConfigError) -> str:
    """The error without the file name: the report already names the file beside it."""
    if error.line is None:
        return error.reason
    where = f"line {error.line}" + (f", column {error.column}" if error.column else "")
    return f"{where}: {error.reason}"


def audit_paths(paths: list[str], trust_name: str | None) -> list[FileReport]:
    """One report per path, in order; a file that cannot be read gets ``error`` instead."""
    trust = trust_from(trust_name)
    reports = []
    for name in paths:
        try:
            document = load_config(Path(name))
        except ConfigError as error:
            reports.append(FileReport(path=name, trust=trust, error=_reason(error)))
            continue
        reports.append(FileReport(name, trust, tuple(audit_document(document, trust=trust))))
    return reports


def run(args: argparse.Namespace) -> int:
    reports = audit_paths(args.paths, args.trust)
    for report in reports:
        if report.error is not None:
            print_error(f"{report.path}: {report.error}")
    sys.stdout.write(render(reports, args.format))
    return exit_code(reports, args.fail_on)
