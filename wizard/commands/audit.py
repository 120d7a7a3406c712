"""``runner-wizard audit``: report findings, write nothing."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.audit import FileReport, audit_document
from wizard.commands.common import EXIT_ERROR, exit_code, print_error, render, trust_from
from wizard.embedded import load_document
from wizard.errors import ConfigError
from wizard.model import DEFAULT_TRUST, Finding, Trust
from wizard.safe_text import write_out

if TYPE_CHECKING:
    from wizard.presets import Preset


def _accept(findings: list[Finding], preset: Preset) -> tuple[Finding, ...]:
    """Mark the findings the preset keeps on purpose, with its reason."""
    note = f"by preset {preset.name}: {preset.accepted_reason}".strip()
    return tuple(
        replace(finding, accepted=note) if finding.rule in preset.accepted else finding
        for finding in findings
    )


def _wider(reference: Trust, trust: Trust) -> bool:
    """Whether ``trust`` admits more people than ``reference`` does."""
    order = list(Trust)
    return order.index(trust) > order.index(reference)


def audit_paths(
    paths: list[str], trust_name: str | None, preset: Preset | None = None
) -> list[FileReport]:
    """One report per path, in order; a file that cannot be read gets ``error`` instead."""
    trust = trust_from(trust_name, preset.trust if preset else DEFAULT_TRUST)
    reports = []
    for name in paths:
        try:
            document = load_document(Path(name))
        except ConfigError as error:
            reports.append(FileReport(path=name, trust=trust, error=str(error)))
            continue
        findings = audit_document(document, trust=trust)
        # A preset's exception holds for the audience it was written for, not a wider one.
        applies = preset is not None and _wider(preset.trust, trust) is False
        accepted = _accept(findings, preset) if preset and applies else tuple(findings)
        reports.append(FileReport(name, trust, accepted))
    return reports


def run(args: argparse.Namespace) -> int:
    preset = None
    if getattr(args, "preset", None):
        from wizard.presets import load_preset

        preset = load_preset(args.preset)
    reports = audit_paths(args.paths, args.trust, preset)
    for report in reports:
        if report.error is not None:
            print_error(report.error)
    if getattr(args, "server", False):
        # Loaded only on request: a plain audit never imports the HTTP code.
        from wizard.commands import server_check

        trust = trust_from(args.trust, preset.trust if preset else DEFAULT_TRUST)
        reports, server = server_check.server_findings(reports, args, trust)
        server_check.print_errors(server)
        sys.stdout.write(server_check.render(reports, server, args.format))
        if server and server_check.nothing_checked(server):
            print_error("nothing could be checked on the server")
            return EXIT_ERROR
        return exit_code(reports, args.fail_on)
    write_out(render(reports, args.format))
    return exit_code(reports, args.fail_on)
