"""``runner-wizard host-check``: inspect the machine the runner lives on. Reads only.

Findings go through the same JSON and SARIF renderers as ``audit``, as one
file entry for ``config.toml`` whose findings carry a ``subject`` (the file or
setting on the machine); JSON adds the ``skipped`` checks. The text report is
our own: one screen, worst first, then what could not be checked.
"""

from __future__ import annotations

import argparse
import os
from collections import defaultdict
from pathlib import Path, PurePosixPath

from wizard.audit.engine import FileReport
from wizard.base.errors import ConfigError
from wizard.base.model import Finding, Trust
from wizard.base.safe_text import (
    Message,
    Safe,
    compose,
    emit,
    joined,
    json_safe,
    json_text,
    one_line,
    ours,
    render,
    shown,
    shown_message,
    write_out,
)
from wizard.commands.common import exit_code, trust_from
from wizard.host import HostReport, run_host_checks
from wizard.host.fs import HostFiles
from wizard.rules.host_rules import HOST_RULES_BY_ID

DEFAULT_CONFIG = "/etc/gitlab-runner/config.toml"
USER_CONFIG = ".gitlab-runner/config.toml"
"""Where ``gitlab-runner`` keeps its config when it is not run as root."""


def config_host_path(path: str | None, root: Path) -> PurePosixPath:
    """The config path as the inspected machine sees it."""
    live = os.path.realpath(root) == "/"
    if path is None:
        files = HostFiles.at(root)
        candidates = [DEFAULT_CONFIG]
        if live and hasattr(os, "geteuid") and os.geteuid() != 0:
            candidates.append(str(Path.home() / USER_CONFIG))
        found = next((c for c in candidates if files.exists(c)), DEFAULT_CONFIG)
        return PurePosixPath(found)
    if live:
        return PurePosixPath(Path(path).absolute().as_posix())
    return PurePosixPath("/") / path


def inspect(path: str | None, root: Path, trust: Trust) -> tuple[str, HostReport]:
    host_path = config_host_path(path, root)
    if path is not None and not HostFiles.at(root).exists(str(host_path)):
        raise ConfigError(path, Message.of("no such file"))
    return str(host_path), run_host_checks(root, Path(host_path), trust)


def _file_report(config: str, trust: Trust, report: HostReport) -> FileReport:
    return FileReport(path=config, trust=trust, findings=tuple(report.findings))


def render_host_json(config: str, trust: Trust, report: HostReport) -> Safe:
    from wizard.report.json_report import report_to_dict

    document = report_to_dict([_file_report(config, trust, report)])  # every field masked
    for entry in document["files"]:
        for finding in entry["findings"]:
            finding.setdefault("subject", None)
    document["skipped"] = [
        {"rule": s.rule_id, "reason": json_safe(shown(s.reason))} for s in report.skipped
    ]
    return json_text(document)


def _sorted(findings: list[Finding]) -> list[Finding]:
    order = list(HOST_RULES_BY_ID)
    return sorted(findings, key=lambda f: (-f.severity.rank, order.index(f.rule)))


def render_host_text(config: str, root: Path, trust: Trust, report: HostReport) -> Safe:
    """Our one-screen report: our words as written, each path, subject, message and reason
    from the machine in a hole of its own, masked and made one line."""
    if os.path.realpath(root) == "/":
        heading = render(
            "host-check, config {config} (trust: {trust})", config=config, trust=trust.value
        )
    else:
        heading = render(
            "host-check under {root}, config {config} (trust: {trust})",
            root=str(root),
            config=config,
            trust=trust.value,
        )
    out = [one_line(heading), ours("")]
    for finding in _sorted(report.findings):
        remedy = HOST_RULES_BY_ID[finding.rule].remedy
        level = f"{finding.severity.value.upper():8}"
        out.append(
            one_line(
                render(
                    "  {level} {rule}  ({subject})",
                    level=level,
                    rule=finding.rule,
                    subject=finding.subject,
                )
            )
        )
        said = shown_message(finding.message, one_line=True)
        out.append(compose("           {said}", said=said))
        out.append(one_line(render("           to do by hand: {remedy}", remedy=remedy)))
    if not report.findings:
        out.append(ours("  nothing found"))
    if report.skipped:
        by_reason: dict[str, list[str]] = defaultdict(list)
        for skipped in report.skipped:
            by_reason[skipped.reason].append(skipped.rule_id)
        out += [ours(""), ours("  not checked:")]
        for reason, rules in by_reason.items():
            out.append(one_line(render("    {reason}:", reason=reason)))
            out.append(one_line(render("      {rules}", rules=", ".join(dict.fromkeys(rules)))))
    from wizard.report.text import severity_counts

    out += [
        ours(""),
        render(
            "  {counts}; {skipped} checks skipped",
            counts=severity_counts(report.findings),
            skipped=len(report.skipped),
        ),
    ]
    return compose("{lines}\n", lines=joined(out))


def run(args: argparse.Namespace) -> int:
    trust = trust_from(args.trust)
    root = Path(args.root)
    if not root.is_dir():
        raise ConfigError(args.root, Message.of("the root to inspect is not a folder"))
    if args.path:
        given = Path(args.path)
        on_host = root / given.relative_to("/") if given.is_absolute() else given
        if on_host.is_dir():
            raise ConfigError(args.path, Message.of("is a directory, not a config file"))
    config, report = inspect(args.path, root, trust)
    if args.format == "json":
        write_out(render_host_json(config, trust, report))
    elif args.format == "sarif":
        from wizard.report.sarif import render_sarif

        write_out(render_sarif([_file_report(config, trust, report)]))
    else:
        emit(render_host_text(config, root, trust, report))
    return exit_code([_file_report(config, trust, report)], args.fail_on)
