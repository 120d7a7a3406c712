"""``runner-wizard new PATH``: a fresh config (or one more runner) from a preset or answers.

Name, URL and token come from flags or the variables ``gitlab-runner register``
reads; the token only from ``--token-file`` or ``CI_SERVER_TOKEN``, never from
the command line where other users of the machine can see it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wizard import scripted
from wizard.commands.plain import is_interactive
from wizard.errors import WizardError
from wizard.plain import PlainWizard, Prompts, QuestionaryPrompts, run_scripted
from wizard.session import WizardSession


def run(args: argparse.Namespace, prompts: Prompts | None = None) -> int:
    path = Path(args.path)
    if path.exists() and not args.force:
        raise WizardError(f"{path}: already exists; use --force to add a runner to it")
    start = scripted.start(args.preset, args.answers)
    identity = scripted.identity_from(
        args.name, args.url, args.token_file, allow_http=args.allow_http
    )
    session = WizardSession.open(path)
    artifacts_dir = Path(args.artifacts).expanduser() if args.artifacts else None
    if prompts is None and not is_interactive(args):
        return run_scripted(
            session,
            start,
            identity,
            sys.stdout,
            backup=True,
            new_runner_only=True,
            artifacts_dir=artifacts_dir,
        )
    wizard = PlainWizard(
        session,
        prompts or QuestionaryPrompts(),
        sys.stdout,
        start=start,
        identity=identity,
        new_runner_only=True,
        artifacts_dir=artifacts_dir,
    )
    return wizard.run(backup=True)
