"""Command-line entry point: parses arguments and hands off to one command module.

Every subcommand and flag is declared here, in one place, with the standard
library only. The module that does the work is imported after parsing, so
``--help``, ``--version`` and ``audit`` never pay for Textual.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from wizard import __version__
from wizard.base.errors import WizardError

PROG = "runner-wizard"
TRUST_LEVELS = ("single-project", "multi-project", "public")
SEVERITIES = ("info", "low", "medium", "high", "critical")
FORMATS = ("text", "json", "sarif")

FORMAT_HELP = "text for people (default); json or sarif for tools and code scanning"

EXIT_CODES = """\
exit codes:
  0  nothing to report at or above the threshold (always, with --fail-on never)
  1  findings at or above the threshold
  2  usage error, a file that could not be read or written, or (asking GitLab)
     nothing could be checked on the server
  130 interrupted; nothing was written
"""

AUDIT_FORMATS = (*FORMATS, "codequality", "junit")
AUDIT_FORMAT_HELP = (
    "text for people (default); json or sarif for tools and code scanning; codequality "
    "(GitLab Code Quality) or junit (test reports) for CI"
)

AUDIT_EXIT_CODES = """\
exit codes:
  0  nothing to report at or above the threshold (always, with --fail-on never);
     with --baseline, no new finding at or above it; with --write-baseline, written
  1  findings at or above the threshold (with --baseline: new ones only; suppressed
     findings never count)
  2  usage error, a file that could not be read or written, an invalid policy or
     baseline file, or (asking GitLab) nothing could be checked on the server
  130 interrupted; nothing was written
"""

HARDEN_EXIT_CODES = """\
exit codes:
  0  written (or nothing to fix); with --dry-run, no change to make
  1  with --dry-run, changes to make
  2  usage error, or a file that could not be read or written
  130 interrupted; nothing was written
"""

RUNNER_SELECTOR = "NAME, #N (the N-th [[runners]] entry) or id:N (the runner's GitLab id)"
"""How every ``--runner`` reads its value (:mod:`wizard.runner.choice`); a name several
runners share is refused, listing them."""

FAIL_ON = (*SEVERITIES, "never")
FAIL_ON_HELP = (
    "lowest severity that makes the exit code 1 (default: high); never: report only, exit 0"
)


class _Parser(argparse.ArgumentParser):
    """Our parser: no option abbreviations, and usage errors never echo a secret.

    With abbreviations, ``--token glrt-…`` would be taken as ``--token-file`` and
    the token printed back in the error; here it is refused and masked instead.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        from wizard.base.safe_text import emit_line, render

        self.print_usage(sys.stderr)
        # The parser's message quotes what was typed (a token given as an argument, say):
        # a hole, masked as free text; the program's name is ours.
        emit_line(
            render("{prog}: error: {message}", prog=self.prog, message=message), stream=sys.stderr
        )
        self.exit(2)


class _RefuseToken(argparse.Action):
    """``--token`` exists only to say no: a token on the command line is visible to
    every user of the machine (``ps``), so it comes from a file or the environment."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        parser.error(
            "a token is never taken on the command line (other users can read it); "
            "use --token-file FILE or the CI_SERVER_TOKEN variable"
        )


def _add_trust(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--trust",
        choices=TRUST_LEVELS,
        default=None,
        help="who can run jobs on the runner; sets severities (default: multi-project, "
        "or the preset's level)",
    )


def _add_identity(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", help="runner name (default: $RUNNER_NAME)")
    parser.add_argument("--url", help="GitLab URL (default: $CI_SERVER_URL); https only")
    parser.add_argument(
        "--allow-http",
        action="store_true",
        help="accept a plain http GitLab URL (the token then crosses the network unencrypted)",
    )
    parser.add_argument(
        "--token-file",
        metavar="FILE",
        help="read the runner token from FILE (default: $CI_SERVER_TOKEN); "
        "never pass a token on the command line",
    )
    parser.add_argument("--token", action=_RefuseToken, help=argparse.SUPPRESS)


class _RefuseApiToken(argparse.Action):
    """``--api-token`` exists only to say no, for the same reason as ``--token``."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        parser.error(
            "an access token is never taken on the command line (other users can read it); "
            "use --api-token-file FILE or the GITLAB_TOKEN variable"
        )


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    """How to reach GitLab: shared by ``server-check`` and ``audit --server``."""
    group = parser.add_argument_group("asking GitLab")
    group.add_argument(
        "--gitlab-url",
        metavar="URL",
        help="ask this GitLab for every runner (default: each entry's url)",
    )
    group.add_argument(
        "--api-token-file",
        metavar="FILE",
        help="access token with read_api scope, to read runner settings "
        "(default: $GITLAB_TOKEN); never pass a token on the command line",
    )
    group.add_argument("--api-token", action=_RefuseApiToken, help=argparse.SUPPRESS)
    group.add_argument(
        "--allow-http",
        action="store_true",
        help="also talk to plain-http URLs (tokens unencrypted)",
    )
    group.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="for each request (default: 10)"
    )
    group.add_argument(
        "--expiry-days",
        type=int,
        metavar="DAYS",
        help="report tokens expiring within this many days (default: 30)",
    )
    group.add_argument(
        "--no-verify",
        action="store_true",
        help="do not call /runners/verify with the runner's token (no validity or expiry check)",
    )


def _add_scripting(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--preset", metavar="NAME_OR_FILE", help="pre-fill and lock answers")
    parser.add_argument("--answers", metavar="FILE", help="answers file (a preset's format)")
    parser.add_argument(
        "--non-interactive",
        action="store_true",
        help="never prompt; a missing answer is an error naming the flag that provides it",
    )


def _add_unsafe_path(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-unsafe-path",
        action="store_true",
        help="create a new config even in a folder any user can write to",
    )


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, cheap to build (tests read help texts from it)."""
    parser = _Parser(
        prog=PROG,
        description="Audit and harden GitLab Runner config.toml files, keeping every comment. "
        "With no command, starts the interactive wizard.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    audit = commands.add_parser(
        "audit",
        help="report security findings in config.toml files",
        description="Check config.toml files (and values files that carry one) against the "
        "rule catalogue. Reads only, except the baseline --write-baseline names. A policy "
        "file (.runner-wizard.toml, found in this folder or above) sets the trust level, "
        "turns rules off, changes severities and holds exceptions with a reason and an "
        "expiry date.",
        epilog=AUDIT_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    audit.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="config.toml or values files, or folders to search for them (by content)",
    )
    audit.add_argument("--format", choices=AUDIT_FORMATS, default="text", help=AUDIT_FORMAT_HELP)
    audit.add_argument(
        "--include",
        action="append",
        metavar="GLOB",
        help="in folders, only files matching GLOB (path inside the folder, or the name "
        "for a GLOB without /; ** spans folders; repeatable)",
    )
    audit.add_argument(
        "--exclude",
        action="append",
        metavar="GLOB",
        help="in folders, leave out files matching GLOB (repeatable)",
    )
    audit.add_argument(
        "--summary",
        action="store_true",
        help="print only the totals per severity, rule and file (text and json)",
    )
    policy_group = audit.add_mutually_exclusive_group()
    policy_group.add_argument(
        "--policy",
        metavar="FILE",
        help="the policy file (default: .runner-wizard.toml here or in a folder above)",
    )
    policy_group.add_argument(
        "--no-policy", action="store_true", help="ignore any .runner-wizard.toml"
    )
    audit.add_argument(
        "--baseline",
        metavar="FILE",
        help="report only findings this baseline does not hold; --fail-on applies to them",
    )
    audit.add_argument(
        "--write-baseline",
        metavar="FILE",
        help="record today's findings in FILE, for --baseline in later runs (exits 0)",
    )
    _add_trust(audit)
    audit.add_argument(
        "--preset",
        metavar="NAME_OR_FILE",
        help="audit against a preset: its trust level, and the findings it accepts on purpose",
    )
    audit.add_argument("--fail-on", choices=FAIL_ON, default="high", help=FAIL_ON_HELP)
    audit.add_argument(
        "--validate",
        action="store_true",
        help="check a file a configuration engine is about to install (any name; content "
        "decides TOML or YAML): host-only rules such as its permissions are skipped",
    )
    audit.add_argument(
        "--server",
        action="store_true",
        help="also ask each runner's GitLab for what only it knows (see server-check)",
    )
    _add_server_options(audit)

    harden = commands.add_parser(
        "harden",
        help="fix findings in place, keeping comments and layout",
        description="Apply the catalogue's fixes to config.toml files. Writes atomically, "
        "keeps a timestamped backup and sets mode 0600. --dry-run lists every planned "
        "change, those that may break jobs first, then the diff.",
        epilog=HARDEN_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    harden.add_argument("paths", nargs="+", metavar="PATH", help="config.toml files to fix")
    harden.add_argument(
        "--fix",
        choices=("safe", "all"),
        default="safe",
        help="safe: only fixes whose impact is none, that cannot stop a job that works "
        "today (default); all: also those that may break jobs",
    )
    _add_trust(harden)
    harden.add_argument(
        "--runner",
        action="append",
        metavar="RUNNER",
        help=f"only this runner: {RUNNER_SELECTOR} (repeatable; default: all runners)",
    )
    harden.add_argument(
        "--rule",
        action="append",
        metavar="ID",
        help="only this rule's fixes (repeatable; default: every rule's)",
    )
    harden.add_argument(
        "--skip-rule",
        action="append",
        metavar="ID",
        help="never this rule's fixes (repeatable)",
    )
    harden.add_argument(
        "--dry-run", action="store_true", help="print the diff (secrets masked), write nothing"
    )
    harden.add_argument("--no-backup", action="store_true", help="do not keep a backup copy")
    harden.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (default); json: each planned change with its impact, and the masked diff",
    )
    _add_scripting(harden)

    rules = commands.add_parser("rules", help="list the rule catalogue or explain one rule")
    rules.add_argument("rule_id", nargs="?", metavar="ID", help="explain this rule")
    rules.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="text (default), json, or markdown (the README's rule table)",
    )

    tui = commands.add_parser("tui", help="the interactive full-screen wizard (the default)")
    tui.add_argument(
        "path", nargs="?", metavar="PATH", help="config.toml (default: the runner's usual one)"
    )
    tui.add_argument("--preset", metavar="NAME_OR_FILE", help="pre-fill and lock answers")
    tui.add_argument(
        "--gitlab-url",
        metavar="URL",
        help="with GITLAB_TOKEN: the GitLab to ask about the runners, without the question "
        "the wizard asks before sending the token to a GitLab the file names",
    )
    _add_unsafe_path(tui)

    plain = commands.add_parser(
        "plain", help="the same wizard, line by line, for plain terminals and SSH sessions"
    )
    plain.add_argument(
        "path", nargs="?", metavar="PATH", help="config.toml (default: the runner's usual one)"
    )
    _add_scripting(plain)
    _add_identity(plain)
    plain.add_argument("--no-backup", action="store_true", help="do not keep a backup copy")
    _add_unsafe_path(plain)
    plain.add_argument(
        "--accept-defaults",
        action="store_true",
        help="take every default without asking, exactly as pressing Enter everywhere would "
        "(with --non-interactive no terminal is needed; --name picks the runner)",
    )
    plain.add_argument(
        "--runner",
        metavar="RUNNER",
        help=f"edit this runner of the file: {RUNNER_SELECTOR}; picks one of several "
        "runners sharing a --name",
    )
    plain.add_argument(
        "--new-runner",
        action="store_true",
        help="add a runner (named by --name) to a file that already has some; without it "
        "a --name no runner has is refused, so a typo never adds one",
    )
    plain.add_argument(
        "--artifacts",
        metavar="DIR",
        help="also write the firewall rules, daemon.json fragment and host checklist to DIR",
    )

    new = commands.add_parser("new", help="create a fresh config.toml from a preset or answers")
    new.add_argument("path", metavar="PATH", help="the config.toml to create")
    _add_scripting(new)
    _add_identity(new)
    new.add_argument(
        "--force", action="store_true", help="add the runner even if PATH already exists"
    )
    _add_unsafe_path(new)
    new.add_argument(
        "--artifacts",
        metavar="DIR",
        help="also write the firewall rules, daemon.json fragment and host checklist to DIR",
    )

    presets = commands.add_parser("presets", help="list, show, create and export team presets")
    preset_commands = presets.add_subparsers(dest="preset_command", metavar="ACTION")
    preset_commands.add_parser("list", help="one preset per line: name, trust level, description")
    show = preset_commands.add_parser("show", help="print one preset")
    show.add_argument("name", metavar="NAME_OR_FILE", help="a bundled preset's name, or a file")
    create = preset_commands.add_parser(
        "new", help="write a preset from an answers file or an existing config"
    )
    create.add_argument("name", metavar="NAME", help="the new preset's name")
    source = create.add_mutually_exclusive_group()
    source.add_argument("--answers", metavar="FILE", help="answers saved by a wizard run")
    source.add_argument("--from-config", metavar="PATH", help="derive answers from a config.toml")
    create.add_argument(
        "--runner", metavar="RUNNER", help=f"with --from-config: which runner, {RUNNER_SELECTOR}"
    )
    create.add_argument("--description", help="one line saying what the preset is for")
    create.add_argument("--out", metavar="FILE", help="where to write (default: ./NAME.toml)")
    export = preset_commands.add_parser(
        "export", help="write a gitlab-runner register --template-config file"
    )
    export.add_argument("name", metavar="NAME_OR_FILE", help="a bundled preset's name, or a file")
    target = export.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--template-config",
        metavar="FILE",
        help="where to write the template (never overwritten unless we wrote it)",
    )
    target.add_argument(
        "--helm-values",
        metavar="FILE",
        help="write a complete values file for the gitlab-runner Helm chart instead",
    )
    target.add_argument(
        "--ansible-vars",
        metavar="FILE",
        help="write the preset as variables for the Ansible role's gitlab_runner_runners list",
    )

    host = commands.add_parser(
        "host-check",
        help="inspect this machine: file modes, runner user, keys, Docker daemon",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    host.add_argument("path", nargs="?", metavar="PATH", help="config.toml (default: usual place)")
    host.add_argument("--format", choices=FORMATS, default="text", help=FORMAT_HELP)
    host.add_argument("--fail-on", choices=FAIL_ON, default="high", help=FAIL_ON_HELP)
    _add_trust(host)
    host.add_argument("--root", default="/", help=argparse.SUPPRESS)

    server = commands.add_parser(
        "server-check",
        help="ask GitLab what config.toml cannot say: protected-only, tags, lock, token expiry",
        description="For each [[runners]] entry, ask its GitLab whether the token is valid and "
        "when it expires (POST /runners/verify with the runner's own token and system id), "
        "and, with an access token, how the runner is set up there (GET /runners/:id and "
        "its managers). Changes nothing on the server.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    server.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="config.toml files to check (default: the runner's usual one)",
    )
    server.add_argument("--format", choices=FORMATS, default="text", help=FORMAT_HELP)
    _add_trust(server)
    server.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        default="high",
        help="lowest severity that makes the exit code 1 (default: high)",
    )
    _add_server_options(server)

    artifacts = commands.add_parser(
        "artifacts",
        help="write the nftables ruleset, daemon.json fragment and host checklist",
    )
    artifacts.add_argument("path", metavar="PATH", help="the config.toml they go with")
    artifacts.add_argument("--out", metavar="DIR", required=True, help="folder to write into")
    artifacts.add_argument(
        "--preset", metavar="NAME_OR_FILE", help="take the answers from a preset"
    )
    artifacts.add_argument(
        "--answers", metavar="FILE", help="take the answers from an answers file"
    )
    artifacts.add_argument(
        "--runner", metavar="RUNNER", help=f"which runner's answers to use: {RUNNER_SELECTOR}"
    )
    artifacts.add_argument(
        "--allow-unsafe-path",
        action="store_true",
        help="write even into a folder another user owns or can write to",
    )
    return parser


_COMMAND_MODULES = {
    "audit": "wizard.commands.audit",
    "harden": "wizard.commands.harden",
    "rules": "wizard.commands.rules",
    "tui": "wizard.commands.tui",
    "plain": "wizard.commands.plain",
    "new": "wizard.commands.new",
    "presets": "wizard.commands.presets",
    "host-check": "wizard.commands.host_check",
    "server-check": "wizard.commands.server_check",
    "artifacts": "wizard.commands.artifacts",
}


# Commands that build many long-lived objects and then exit: collecting young objects
# every 700 allocations cost a sixth of a harden of 10,000 runners.
_BATCH_COMMANDS = frozenset({"audit", "harden"})


def console_main() -> int:
    """The ``runner-wizard`` program and ``python -m wizard``: this process is ours alone.

    Only here may the collector be tuned for the whole process; :func:`main` is also
    called in-process (tests, scripts), which must keep the interpreter as they found it.
    """
    return main(own_process=True)


def main(argv: Sequence[str] | None = None, *, own_process: bool = False) -> int:
    """Run the command line; returns the process exit code.

    ``own_process`` says the caller is the program itself (see :func:`console_main`),
    so process-wide settings such as the collector's thresholds may be changed.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "tui"
    if args.command is None:
        args.path = None
        args.preset = None
    if command == "presets" and args.preset_command is None:
        parser.parse_args(["presets", "--help"])
    if command == "audit" and args.summary and args.format not in ("text", "json"):
        parser.error(f"--summary prints totals as text or json, not {args.format}")
    if own_process and command in _BATCH_COMMANDS:
        gc.set_threshold(100_000, 50, 100)
    from wizard.base.masking import KNOWN_SECRETS

    KNOWN_SECRETS.clear()  # each run masks the secrets it reads, none of an earlier run's
    module = importlib.import_module(_COMMAND_MODULES[command])
    try:
        code: int = module.run(args)
    except WizardError as error:
        from wizard.base.safe_text import compose, emit_line, shown_error

        # Its message is one of our templates, shown as written: the holes were masked
        # when it was made, and our words are never scanned.
        emit_line(
            compose("runner-wizard: error: {said}", said=shown_error(error)), stream=sys.stderr
        )
        return error.exit_code
    except KeyboardInterrupt:
        from wizard.base.safe_text import emit_line, ours

        emit_line(ours("runner-wizard: interrupted; no changes were written"), stream=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (``| head``) left early: not an error of ours, and nothing to say.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(console_main())
