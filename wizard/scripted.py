"""What a run starts from: preset, answers file, runner identity, and what is still missing.

The line-mode wizard, ``new`` and scripted runs share these steps, so a run
with a terminal and one without reach the same answers and write the same
bytes. Nothing here prompts: a scripted run that lacks an answer gets a
:class:`~wizard.errors.MissingAnswerError` naming the flag that provides it.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from wizard.answers import Answers
from wizard.answers_file import load_answers
from wizard.errors import ConfigError, MissingAnswerError, WizardError
from wizard.model import RunnerIdentity
from wizard.presets import Preset, load_preset
from wizard.session import WizardSession
from wizard.steps import applicable_fields
from wizard.tomlfile.regular_file import read_regular_file

ANSWER_FLAGS = "--answers FILE or --preset NAME"
MAX_TOKEN_FILE_BYTES = 4096


@dataclass(frozen=True)
class Start:
    """The answers a run begins with and where they came from."""

    answers: Answers
    """Preset answers, then the answers file on top, then the preset's locks again."""
    preset: Preset | None = None
    from_file: frozenset[str] = frozenset()
    """Fields the answers file gave (the wizard offers them as defaults)."""

    @property
    def locked(self) -> frozenset[str]:
        return self.preset.locked if self.preset else frozenset()


def start(preset_name: str | None, answers_path: str | None) -> Start:
    """Load the preset and answers file; a file may not change what the preset locks."""
    preset = load_preset(preset_name) if preset_name else None
    answers = preset.answers if preset else Answers()
    from_file: frozenset[str] = frozenset()
    if answers_path:
        given = load_answers(Path(answers_path))
        from_file = frozenset(given.to_dict())
        if preset is not None:
            for name in sorted(from_file & preset.locked):
                if getattr(given, name) != getattr(preset.answers, name):
                    raise WizardError(
                        f"{answers_path}: {name} is locked by preset {preset.name}; "
                        "remove it from the answers file or use another preset"
                    )
        answers = answers.merged(given)
    return Start(answers=answers, preset=preset, from_file=from_file)


def identity_from(
    name: str | None,
    url: str | None,
    token_file: str | None,
    environ: Mapping[str, str] | None = None,
) -> RunnerIdentity:
    """Flags first, then the variables ``gitlab-runner register`` reads.

    The token never comes from the command line, where other users of the
    machine can read it: only from a file or ``CI_SERVER_TOKEN``.
    """
    env = os.environ if environ is None else environ
    token = read_token_file(Path(token_file)) if token_file else env.get("CI_SERVER_TOKEN")
    return RunnerIdentity(
        name=name or env.get("RUNNER_NAME") or None,
        url=url or env.get("CI_SERVER_URL") or None,
        token=token or None,
    )


def read_token_file(path: Path) -> str:
    try:
        raw = read_regular_file(path, MAX_TOKEN_FILE_BYTES, what="runner token file")
    except ConfigError as error:
        raise WizardError(f"{error} (--token-file)") from None
    try:
        token = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise WizardError(f"{path}: not UTF-8 text (--token-file)") from None
    if any(c.isspace() for c in token):
        raise WizardError(f"{path}: a runner token is one word without spaces (--token-file)")
    return token


def default_runner_name() -> str:
    """What ``gitlab-runner register`` names a runner when told nothing: the host name."""
    return socket.gethostname() or "runner"


def missing_answer(names: Sequence[str], flags: str = ANSWER_FLAGS) -> MissingAnswerError:
    """The error of a run that would need a prompt but must not prompt."""
    quoted = ", ".join(f"'{name}'" for name in names)
    noun = "answer" if len(names) == 1 else "answers"
    pronoun = "it" if len(names) == 1 else "them"
    return MissingAnswerError(f"missing {noun} {quoted} (give {pronoun} with {flags})")


def require_complete(answers: Answers, current: Answers) -> None:
    """Stop a run without prompts unless every question that applies has an answer.

    What the file already says counts as an answer ("keep it"); the trust
    level and host measures live outside the file, so they must be given.
    """
    known = current.merged(answers)
    missing = known.missing(applicable_fields(known))
    if "executor" in missing:
        missing = ["executor"]  # which other questions apply depends on it
    if missing:
        raise missing_answer(missing)


def pick_runner(session: WizardSession, name: str | None) -> int | None:
    """The runner a scripted run edits: by ``--name``, the only one, or a new one."""
    runners = session.runners()
    if name is not None:
        matches = [r.index for r in runners if r.name == name]
        return matches[0] if matches else None
    if not runners:
        return None
    if len(runners) == 1:
        return runners[0].index
    names = ", ".join(repr(r.name) for r in runners)
    raise missing_answer(["runner"], f"--name NAME; this file has {names}")
