"""``runner-wizard audit``: report findings, write nothing (but a baseline when asked)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wizard.audit.fleet import AuditRequest, closing_summary, run_audit
from wizard.base.errors import WizardError
from wizard.base.model import Trust
from wizard.base.safe_text import Message, emit_line, ours, render, shown, write_out
from wizard.commands.common import EXIT_ERROR, EXIT_OK, exit_code, print_error


def _request(args: argparse.Namespace) -> AuditRequest:
    preset = policy = baseline = None
    if getattr(args, "preset", None):
        from wizard.session.presets import load_preset

        preset = load_preset(args.preset)
    validate = bool(getattr(args, "validate", False))
    if validate and getattr(args, "server", False):
        raise WizardError(
            Message.of("--validate checks a file before it is installed: it cannot ask GitLab")
        )
    if not getattr(args, "no_policy", False):
        from wizard.audit.policy import find_policy, load_policy

        named = getattr(args, "policy", None)
        found = Path(named) if named else find_policy(Path.cwd())
        policy = load_policy(found) if found is not None else None
    if getattr(args, "baseline", None):
        from wizard.audit.baseline import load_baseline

        baseline = load_baseline(args.baseline)
    return AuditRequest(
        paths=args.paths,
        include=getattr(args, "include", None) or (),
        exclude=getattr(args, "exclude", None) or (),
        trust=Trust(args.trust) if args.trust else None,
        preset=preset,
        policy=policy,
        baseline=baseline,
        host_rules=not validate,
    )


def run(args: argparse.Namespace) -> int:
    outcome = run_audit(_request(args))
    reports = outcome.reports
    for report in reports:
        if report.error is not None:
            print_error(shown(report.error))
        for reason in report.incomplete:
            print_error(
                render("{path}: audit incomplete: {reason}", path=report.path, reason=reason)
            )
    if getattr(args, "server", False):
        # Loaded only on request: a plain audit never imports the HTTP code.
        from wizard.commands import server_check

        reports, server = server_check.server_findings(reports, args, outcome.trust)
        server_check.print_errors(server)
        write_out(server_check.render_reports(reports, server, args.format))
        if server and server_check.nothing_checked(server):
            print_error(ours("nothing could be checked on the server"))
            return EXIT_ERROR
        return exit_code(reports, args.fail_on)
    from wizard.report.render import render_report

    summary = closing_summary(outcome, args.format, asked=getattr(args, "summary", False))
    write_out(
        render_report(
            reports,
            args.format,
            fail_on=args.fail_on,
            summary=summary,
            only_summary=getattr(args, "summary", False),
        )
    )
    if getattr(args, "write_baseline", None):
        from wizard.audit.baseline import write_baseline

        count = write_baseline(Path(args.write_baseline), outcome.before_baseline)
        emit_line(
            render(
                "runner-wizard: wrote {count} finding(s) to the baseline {path}",
                count=count,
                path=args.write_baseline,
            ),
            stream=sys.stderr,
        )
        code = exit_code(reports, "never")
        return code if code == EXIT_ERROR else EXIT_OK
    return exit_code(reports, args.fail_on)
