"""``runner-wizard plain [PATH]``: the wizard line by line, or fully scripted.

With a terminal it asks; with ``--non-interactive`` or no terminal at all it
takes every answer from ``--preset``/``--answers`` and the file, and stops
with the missing answer's name rather than wait on a prompt nobody sees.
``--artifacts DIR`` writes the hardening files in the same save; with a
terminal it is the folder offered, without one it is the only way to get them.
``--accept-defaults`` walks the same questions but takes every default, so
automation gets exactly what pressing Enter everywhere gives.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wizard.base.safe_text import emit_line, render
from wizard.plain.flow import PlainWizard, run_scripted
from wizard.plain.prompts import AcceptDefaults, Prompts, QuestionaryPrompts
from wizard.session import scripted
from wizard.session.core import WizardSession, initial_path


def is_interactive(args: argparse.Namespace) -> bool:
    """Prompt only when asked to and when someone can answer.

    Without ``--non-interactive`` a run that cannot prompt says why, so a piped
    input is not mistaken for answers.
    """
    if args.non_interactive:
        return False
    if sys.stdin.isatty() and sys.stdout.isatty():
        return True
    which = "stdin" if not sys.stdin.isatty() else "stdout"
    emit_line(
        render(
            "runner-wizard: {which} is not a terminal, so nothing is asked: answers come from "
            "--preset, --answers and the file, as with --non-interactive",
            which=which,
        ),
        stream=sys.stderr,
    )
    return False


def run(args: argparse.Namespace, prompts: Prompts | None = None) -> int:
    path = Path(args.path) if args.path else initial_path()
    start = scripted.start(args.preset, args.answers)
    identity = scripted.identity_from(
        args.name, args.url, args.token_file, allow_http=args.allow_http
    )
    session = WizardSession.open(path)
    session.allow_unsafe_path = getattr(args, "allow_unsafe_path", False)
    backup = not args.no_backup
    artifacts_dir = Path(args.artifacts).expanduser() if args.artifacts else None
    if getattr(args, "accept_defaults", False):
        wizard = PlainWizard(
            session,
            prompts or AcceptDefaults(sys.stdout),
            sys.stdout,
            start=start,
            identity=identity,
            artifacts_dir=artifacts_dir,
            accept_defaults=True,
            new_runner=args.new_runner,
            runner=args.runner,
        )
        return wizard.run(backup=backup)
    if prompts is None and not is_interactive(args):
        return run_scripted(
            session,
            start,
            identity,
            sys.stdout,
            backup=backup,
            artifacts_dir=artifacts_dir,
            new_runner=args.new_runner,
            runner=args.runner,
        )
    wizard = PlainWizard(
        session,
        prompts or QuestionaryPrompts(),
        sys.stdout,
        start=start,
        identity=identity,
        artifacts_dir=artifacts_dir,
        new_runner=args.new_runner,
        runner=args.runner,
    )
    return wizard.run(backup=backup)
