"""``runner-wizard`` / ``runner-wizard tui [PATH]``: start the full-screen wizard.

Textual is imported inside :func:`run` only, so that merely loading this module
(or any other command) never pays for it.

Exit codes: 0 when the file was saved (or already matched the answers), 1 when
the user quit without saving, 130 on Ctrl+C; 2 for a preset that cannot be
read, or without a terminal. Every way out without saving prints "No changes
were written."
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.base.safe_text import emit_line, ours, render

if TYPE_CHECKING:
    from wizard.session.presets import Preset

EXIT_INTERRUPTED = 130
EXIT_NO_TERMINAL = 2

NO_TERMINAL = ours(
    "runner-wizard: error: the full-screen wizard needs a terminal; use "
    "'runner-wizard plain --non-interactive' or 'audit'/'harden' in scripts"
)


def has_terminal() -> bool:
    """Whether keys come from and the screen goes to a terminal.

    Without one (a script, a pipe, ``</dev/null``) the full-screen app has no
    keys to wait for and nothing to draw on, and would spin instead of ending.
    """
    streams = (sys.stdin, sys.stdout)
    return all(stream is not None and stream.isatty() for stream in streams)


def run(args: argparse.Namespace) -> int:
    """Run the wizard on ``args.path`` (``None``: the usual config) with ``args.preset``."""
    if not has_terminal():
        emit_line(NO_TERMINAL, stream=sys.stderr)
        return EXIT_NO_TERMINAL
    preset: Preset | None = None
    if args.preset:
        from wizard.session.presets import load_preset  # deferred: only when a preset is asked for

        preset = load_preset(args.preset)  # WizardError → one line and exit 2 (in the CLI)

    from wizard.tui.app import NOTHING_WRITTEN, build_app  # deferred: loads Textual

    path = Path(args.path) if args.path else None
    gitlab_url = getattr(args, "gitlab_url", None)
    if gitlab_url is not None:
        from wizard.answers.validation import url_problem

        problem = url_problem(gitlab_url, allow_http=False, how_to_allow="use https")
        if problem is not None:
            emit_line(
                render("runner-wizard: error: --gitlab-url: {problem}", problem=problem),
                stream=sys.stderr,
            )
            return EXIT_NO_TERMINAL
    if getattr(args, "allow_unsafe_path", False):
        from functools import partial

        from wizard.tui.ports import open_real_session

        app = build_app(
            path,
            preset=preset,
            open_session=partial(open_real_session, allow_unsafe_path=True),
            gitlab_url=gitlab_url,
        )
    else:
        app = build_app(path, preset=preset, gitlab_url=gitlab_url)
    try:
        code = app.run()
    except KeyboardInterrupt:
        emit_line(ours(NOTHING_WRITTEN), stream=sys.stderr)
        return EXIT_INTERRUPTED
    if code is None:
        # The app stopped without choosing a code: it failed before or while
        # showing a screen (Textual has printed why). Nothing was saved then.
        emit_line(ours(NOTHING_WRITTEN), stream=sys.stderr)
        return 1
    # The outcome names the file and what was done: a sentence the app made, masked as a
    # value may be in it.
    emit_line(render("{outcome}", outcome=app.outcome), stream=sys.stderr if code else sys.stdout)
    return code
