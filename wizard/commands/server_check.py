"""``runner-wizard server-check`` and ``audit --server``: what only GitLab knows.

Findings go through the same renderers as ``audit``. What could not be checked
is said once per runner: errors (401, timeouts, bad JSON...) as one line each on
stderr, choices of ours (no system id, no access token) in the report's "not
checked" part; JSON and SARIF carry both. Exit 2 only when nothing at all could
be checked (or a file could not be read, as for ``audit``).
"""

from __future__ import annotations

import argparse
import os
import stat
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from wizard.audit.engine import FileReport
from wizard.base.errors import ConfigError, WizardError
from wizard.base.model import Trust
from wizard.base.safe_text import (
    FileValue,
    JsonSafe,
    Message,
    Safe,
    compose,
    joined,
    json_safe,
    json_text,
    one_line,
    ours,
    render,
    shown,
    write_out,
)
from wizard.base.sinks import url_shape_problem
from wizard.commands.common import EXIT_ERROR, exit_code, print_error, trust_from
from wizard.embedded import load_document
from wizard.runner.settings import runner_label
from wizard.server.check import RunnerNote, ServerOptions, ServerReport, check_documents
from wizard.server.transport import access_token_problem
from wizard.tomlfile.document import ConfigDocument

TOKEN_ENV = "GITLAB_TOKEN"
MAX_TOKEN_BYTES = 4096


def read_api_token(path: str | None, environ: dict[str, str] | None = None) -> str | None:
    """The access token from ``--api-token-file`` or ``GITLAB_TOKEN``; never from argv."""
    env = os.environ if environ is None else environ
    if not path:
        value = env.get(TOKEN_ENV, "").strip()
        problem = access_token_problem(value) if value else None
        if problem is not None:
            # Our words only (the problem never quotes the token), kept as written: the
            # name is a hole, so "GITLAB_TOKEN: an …" is never read as a token and its value.
            raise WizardError(Message.of("{name}: {problem}", name=TOKEN_ENV, problem=problem))
        return value or None
    file = Path(path)
    try:
        info = file.stat()
        if not stat.S_ISREG(info.st_mode):
            raise WizardError(
                Message.of("{path}: not a regular file (--api-token-file)", path=path)
            )
        if info.st_size > MAX_TOKEN_BYTES:
            raise WizardError(
                Message.of("{path}: too large for an access token (--api-token-file)", path=path)
            )
        raw = file.read_bytes()
    except FileNotFoundError:
        raise WizardError(
            Message.of("{path}: no such file (--api-token-file)", path=path)
        ) from None
    except PermissionError:
        raise WizardError(
            Message.of("{path}: permission denied (--api-token-file)", path=path)
        ) from None
    except OSError as error:
        raise WizardError(
            Message.of(
                "{path}: cannot read: {problem} (--api-token-file)",
                path=path,
                problem=error.strerror or str(error),
            )
        ) from None
    try:
        token = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise WizardError(
            Message.of("{path}: not UTF-8 text (--api-token-file)", path=path)
        ) from None
    problem = access_token_problem(token)
    if problem is not None:
        raise WizardError(
            Message.of("{path}: {problem} (--api-token-file)", path=path, problem=problem)
        )
    return token


def options_from(args: argparse.Namespace) -> ServerOptions:
    if args.timeout is not None and not 0 < args.timeout <= 300:
        raise WizardError(Message.of("--timeout takes seconds between 0 and 300"))
    if args.expiry_days is not None and not 0 <= args.expiry_days <= 3650:
        raise WizardError(Message.of("--expiry-days takes a number of days between 0 and 3650"))
    gitlab_url = args.gitlab_url.strip() if args.gitlab_url else None
    if gitlab_url is not None and (
        not gitlab_url.startswith(("https://", "http://")) or url_shape_problem(gitlab_url)
    ):
        raise WizardError(
            Message.of("--gitlab-url takes the server's address, like https://gitlab.example.com")
        )
    if gitlab_url is not None:
        from wizard.server.transport import ServerError, split_url

        try:
            split_url(gitlab_url)
        except ServerError as error:
            raise WizardError(Message.of("--gitlab-url: {error}", error=str(error))) from None
    defaults = ServerOptions()
    return ServerOptions(
        api_token=read_api_token(args.api_token_file),
        gitlab_url=gitlab_url,
        allow_http=bool(args.allow_http),
        timeout=args.timeout if args.timeout is not None else defaults.timeout,
        expiry_days=args.expiry_days if args.expiry_days is not None else defaults.expiry_days,
        verify=not args.no_verify,
    )


MAX_NAMED_RUNNERS = 5
"""Runners named in one grouped error line; the rest are counted."""


def _runner_name(note: RunnerNote) -> Safe:
    if note.runner:
        return render('"{name}"', name=FileValue.read(note.runner, "name"))
    return render("{label}", label=runner_label(None, note.runner_index))


def print_errors(reports: list[ServerReport]) -> None:
    """One line per error; runners that failed the same way (their GitLab did not
    answer for an earlier one) share one line, so sixteen runners are not sixteen lines."""
    for report in reports:
        grouped: dict[str, list[RunnerNote]] = defaultdict(list)
        for note in report.notes:
            if note.kind == "error":
                grouped[note.message].append(note)
        for message, notes in grouped.items():
            names = [_runner_name(n) for n in notes]
            path = shown(report.path)
            said = shown(message)
            if len(names) == 1:
                print_error(
                    compose("{path}: runner {name}: {said}", path=path, name=names[0], said=said)
                )
                continue
            listed = joined(names[:MAX_NAMED_RUNNERS], ", ")
            if len(names) > MAX_NAMED_RUNNERS:
                more = render(" and {count} more", count=len(names) - MAX_NAMED_RUNNERS)
                listed = compose("{listed}{more}", listed=listed, more=more)
            print_error(
                compose(
                    "{path}: {count} runners ({listed}): {said}",
                    path=path,
                    count=shown(len(names)),
                    listed=listed,
                    said=said,
                )
            )


def nothing_checked(reports: list[ServerReport]) -> bool:
    return sum(r.answered for r in reports) == 0


def render_unchecked_text(reports: list[ServerReport]) -> Safe:
    """Skipped checks, grouped by reason so a file of fifty runners stays readable."""
    out: list[Safe] = []
    for report in reports:
        grouped: dict[str, list[Safe]] = defaultdict(list)
        for note in report.notes:
            if note.kind == "skipped":
                grouped[note.message].append(_runner_label(note))
        if not grouped:
            continue
        # Messages and names come from the file and the server: each a hole, masked and
        # escaped on its own; our words stay as written.
        out.append(one_line(render("{path}  not checked on the server:", path=report.path)))
        for message, runners in grouped.items():
            out.append(one_line(render("    {message}", message=message)))
            out.append(one_line(compose("      runners: {names}", names=joined(runners, ", "))))
        out.append(ours(""))
    return joined(out)


def _runner_label(note: RunnerNote) -> Safe:
    """A runner as the report names it: its name (a value from the file), else its place."""
    if note.runner:
        return shown(FileValue.read(note.runner, "name"))
    return render("{label}", label=runner_label(None, note.runner_index))


def _notes_json(reports: list[ServerReport]) -> list[dict[str, JsonSafe]]:
    return [
        {
            "path": json_safe(shown(report.path)),
            "runner": json_safe(FileValue.read(note.runner, "name")) if note.runner else None,
            "runner_index": note.runner_index,
            "kind": note.kind,
            "message": json_safe(shown(note.message)),
        }
        for report in reports
        for note in report.notes
    ]


def render_reports(
    file_reports: list[FileReport],
    server: list[ServerReport],
    output_format: str,
    *,
    audited: bool = False,
) -> Safe:
    """``audited``: the reports also hold the file's own audit (``audit --server``), whose
    "no findings" stands even when GitLab was not reached."""
    if output_format == "json":
        from wizard.report.json_report import report_to_dict

        document = report_to_dict(file_reports)
        document["server"] = {
            "checked": sum(r.answered for r in server),
            "asked": sum(r.asked for r in server),
            "unchecked": list[JsonSafe](_notes_json(server)),
        }
        return json_text(document)
    if output_format == "sarif":
        from wizard.report.sarif import report_to_sarif

        sarif = report_to_sarif(file_reports)
        notifications = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        for report in server:
            for note in report.notes:
                said = render("{path}: {message}", path=report.path, message=note.message)
                notifications.append(
                    {
                        "level": "warning" if note.kind == "error" else "note",
                        "message": {"text": json_safe(said)},
                    }
                )
        return json_text(sarif)
    text = _render_checked_text(file_reports, server, audited=audited)
    unchecked = render_unchecked_text(server)
    end = ours("\n") if unchecked and not unchecked.endswith("\n") else ours("")
    return compose("{text}{unchecked}{end}", text=text, unchecked=unchecked, end=end)


def _render_checked_text(
    file_reports: list[FileReport], server: list[ServerReport], *, audited: bool
) -> Safe:
    """The findings per file, saying how many runners GitLab answered about: a file
    none of whose runners could be asked never reads "no findings"."""
    from wizard.report.text import render_text

    by_path = {s.path: s for s in server}
    out: list[Safe] = []
    for report in file_reports:
        checked = by_path.get(report.path)
        if checked is None or report.error is not None:
            out.append(render_text([report]))
            continue
        text = render_text([report])
        if checked.answered == 0:
            nothing = render(
                "  nothing checked on the server: GitLab answered about none of its "
                "{asked} runner(s)\n",
                asked=checked.asked,
            )
            if audited:  # the file's own audit stands; only the server part is missing
                text = compose("{text}{nothing}", text=text, nothing=nothing)
            else:
                heading = render(
                    "{path}  (trust: {trust})", path=report.path, trust=report.trust.value
                )
                text = compose("{heading}\n{nothing}", heading=one_line(heading), nothing=nothing)
        elif checked.answered < checked.asked:
            partly = render(
                "  checked on the server: {answered} of {asked} runners; "
                "the others are listed as not checked\n",
                answered=checked.answered,
                asked=checked.asked,
            )
            text = compose("{text}{partly}", text=text, partly=partly)
        out.append(text)
    # Each report ends with its newline; a blank line between two.
    return joined(out, "\n")


def load_documents(paths: list[str], trust: Trust) -> tuple[list[ConfigDocument], list[FileReport]]:
    documents = []
    failed = []
    for name in paths:
        try:
            documents.append(load_document(Path(name)))
        except ConfigError as error:
            failed.append(FileReport(path=name, trust=trust, error=error.message))
    return documents, failed


def server_findings(
    reports: list[FileReport], args: argparse.Namespace, trust: Trust
) -> tuple[list[FileReport], list[ServerReport]]:
    """``audit --server``: the audit's reports with each file's server findings added."""
    options = options_from(args)
    readable = [r for r in reports if r.error is None]
    documents = [load_document(Path(r.path)) for r in readable]
    server = check_documents(documents, trust, options)
    by_path = {s.path: s for s in server}
    merged = []
    for report in reports:
        extra = by_path.get(str(Path(report.path)))
        merged.append(
            replace(report, findings=(*report.findings, *extra.findings)) if extra else report
        )
    return merged, server


def default_paths() -> list[str]:
    from wizard.session.core import default_config_path

    return [str(default_config_path())]


def run(args: argparse.Namespace) -> int:
    trust = trust_from(args.trust)
    options = options_from(args)
    paths = list(args.paths) or default_paths()
    documents, failed = load_documents(paths, trust)
    for report in failed:
        print_error(shown(report.error or report.path))
    server = check_documents(documents, trust, options)
    file_reports = [
        FileReport(path=s.path, trust=trust, findings=tuple(s.findings)) for s in server
    ]
    print_errors(server)
    write_out(render_reports([*failed, *file_reports], server, args.format))
    if failed:
        return EXIT_ERROR
    if nothing_checked(server):
        asked = sum(r.asked for r in server)
        print_error(
            ours("nothing could be checked on the server")
            if asked
            else ours("nothing could be checked on the server: no [[runners]] entry names a GitLab")
        )
        return EXIT_ERROR
    return exit_code(file_reports, args.fail_on)
