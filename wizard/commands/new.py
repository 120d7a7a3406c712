"""``runner-wizard new PATH``: a fresh config (or one more runner) from a preset or answers.

Name, URL and token come from flags or the variables ``gitlab-runner register``
reads; the token only from ``--token-file`` or ``CI_SERVER_TOKEN``, never from
the command line where other users of the machine can see it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wizard.base.errors import WizardError
from wizard.base.safe_text import Message, emit_line, ours, render
from wizard.commands.plain import is_interactive
from wizard.plain.flow import PlainWizard, run_scripted
from wizard.plain.prompts import Prompts, QuestionaryPrompts
from wizard.session import scripted
from wizard.session.core import WizardSession
from wizard.tomlfile.safe_write import check_new_path


def run(args: argparse.Namespace, prompts: Prompts | None = None) -> int:
    path = Path(args.path)
    from wizard.embedded.locate import is_yaml_name

    if is_yaml_name(path):
        return _new_values_file(args, path)
    if path.exists() and not args.force:
        raise WizardError(
            Message.of("{path}: already exists; use --force to add a runner to it", path=path)
        )
    if not path.exists():
        check_new_path(path, allow_unsafe_path=args.allow_unsafe_path)
    start = scripted.start(args.preset, args.answers)
    identity = scripted.identity_from(
        args.name, args.url, args.token_file, allow_http=args.allow_http
    )
    session = WizardSession.open(path)
    session.allow_unsafe_path = args.allow_unsafe_path
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


def _new_values_file(args: argparse.Namespace, path: Path) -> int:
    """A values file for the Helm chart: the runner's settings from the preset, no token."""
    from wizard.session.helm_values import helm_values
    from wizard.session.presets import load_preset, write_new_file

    if not args.preset:
        raise WizardError(
            Message.of(
                "{path}: a Helm values file is made from a preset: add --preset NAME", path=path
            )
        )
    identity = scripted.identity_from(args.name, args.url, None)
    write_new_file(path, helm_values(load_preset(args.preset), url=identity.url, file=path.name))
    emit_line(
        render(
            "wrote {path}; create the Secret it names before installing (see its comments)",
            path=str(path),
        )
    )
    if args.token_file:
        emit_line(
            ours("the token is not written into a values file: put it in that Secret"),
            stream=sys.stderr,
        )
    return 0
