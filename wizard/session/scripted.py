"""What a run starts from: preset, answers file, runner identity, and what is still missing.

The line-mode wizard, ``new`` and scripted runs share these steps, so a run
with a terminal and one without reach the same answers and write the same
bytes. Nothing here prompts: a scripted run that lacks an answer gets a
:class:`~wizard.base.errors.MissingAnswerError` naming the flag that provides it.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from wizard.answers.model import Answers
from wizard.answers.steps import applicable_fields, question
from wizard.answers.validation import load_checked_answers, normalized_url, url_problem
from wizard.base.errors import ConfigError, MissingAnswerError, WizardError
from wizard.base.masking import KNOWN_SECRETS
from wizard.base.model import RunnerIdentity
from wizard.base.safe_text import Message
from wizard.session.core import WizardSession
from wizard.session.presets import Preset, load_preset
from wizard.tomlfile.regular_file import read_regular_file

ANSWER_FLAGS = "--answers FILE or --preset NAME"

OPTIONAL_ANSWERS = frozenset({"allowed_services"})
"""Answers a scripted run may leave out: the file keeps what it says (answers files
written before the question existed stay valid)."""
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
        given = load_checked_answers(Path(answers_path))
        from_file = frozenset(given.to_dict())
        if preset is not None:
            for name in sorted(from_file & preset.locked):
                if getattr(given, name) != getattr(preset.answers, name):
                    raise WizardError(
                        Message.of(
                            (
                                "{answers_path}: {name} is locked by preset {preset}; remove it "
                                "from the answers file or use another preset"
                            ),
                            answers_path=answers_path,
                            name=name,
                            preset=preset.name,
                        )
                    )
        answers = answers.merged(given)
    return Start(answers=answers, preset=preset, from_file=from_file)


def identity_from(
    name: str | None,
    url: str | None,
    token_file: str | None,
    environ: Mapping[str, str] | None = None,
    *,
    allow_http: bool = False,
) -> RunnerIdentity:
    """Flags first, then the variables ``gitlab-runner register`` reads.

    The token never comes from the command line, where other users of the
    machine can read it: only from a file or ``CI_SERVER_TOKEN``. The URL is
    checked as the wizards check it: https unless ``allow_http``, no credentials.
    """
    env = os.environ if environ is None else environ
    given_url = url or env.get("CI_SERVER_URL") or None
    if given_url is not None:
        flag = "--url" if url else "CI_SERVER_URL"
        problem = url_problem(given_url, allow_http=allow_http, how_to_allow="pass --allow-http")
        if problem is not None:
            raise WizardError(Message.of("{flag}: {problem}", flag=flag, problem=problem))
        given_url = normalized_url(given_url)
    token = read_token_file(Path(token_file)) if token_file else env.get("CI_SERVER_TOKEN")
    if token:
        KNOWN_SECRETS.remember(token)  # a token the tool holds is masked by value everywhere
    return RunnerIdentity(
        name=name or env.get("RUNNER_NAME") or None,
        url=given_url,
        token=token or None,
    )


def read_token_file(path: Path) -> str:
    try:
        raw = read_regular_file(path, MAX_TOKEN_FILE_BYTES, what="runner token file")
    except ConfigError as error:
        raise WizardError(Message.of("{error} (--token-file)", error=error.message)) from None
    try:
        token = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise WizardError(Message.of("{path}: not UTF-8 text (--token-file)", path=path)) from None
    if any(c.isspace() for c in token):
        raise WizardError(
            Message.of(
                "{path}: a runner token is one word without spaces (--token-file)", path=path
            )
        )
    KNOWN_SECRETS.remember(token)
    return token


def default_runner_name() -> str:
    """What ``gitlab-runner register`` names a runner when told nothing: the host name."""
    return socket.gethostname() or "runner"


def missing_answer(names: Sequence[str], flags: str = ANSWER_FLAGS) -> MissingAnswerError:
    """The error of a run that would need a prompt but must not prompt."""
    quoted = ", ".join(f"'{name}'" for name in names)
    noun = "answer" if len(names) == 1 else "answers"
    pronoun = "it" if len(names) == 1 else "them"
    return MissingAnswerError(
        Message.of(
            "missing {noun} {quoted} (give {pronoun} with {flags})",
            noun=noun,
            quoted=quoted,
            pronoun=pronoun,
            flags=flags,
        )
    )


def require_complete(answers: Answers, current: Answers) -> None:
    """Stop a run without prompts unless every question that applies has an answer.

    What the file already says counts as an answer ("keep it"); the trust
    level and host measures live outside the file, so they must be given.
    """
    known = current.merged(answers)
    missing = [m for m in known.missing(applicable_fields(known)) if m not in OPTIONAL_ANSWERS]
    if "executor" in missing:
        missing = ["executor"]  # which other questions apply depends on it
    if missing:
        raise missing_answer(missing)


def fill_optional(answers: Answers, *, new_runner: bool) -> Answers:
    """A new runner takes the recommendation for an optional answer left out, as Enter
    would; an existing runner keeps what its file says."""
    if not new_runner:
        return answers
    for name in sorted(OPTIONAL_ANSWERS):
        if getattr(answers, name) is None and name in applicable_fields(answers):
            answers = answers.merged(Answers(**{name: question(name).recommend(answers)}))
    return answers


def refuse_executor_switch(
    session: WizardSession, runner_index: int | None, answers: Answers, current: Answers
) -> None:
    """A run without prompts never turns an existing runner into another executor.

    Switching leaves the old executor's tables behind and changes what every job
    gets; nobody would see it happen. ``harden --preset`` follows the same rule.
    """
    if runner_index is None or answers.executor is None or current.executor is None:
        return
    if answers.executor is current.executor:
        return
    name = session.runners()[runner_index].name or f"number {runner_index + 1}"
    raise WizardError(
        Message.of(
            (
                "runner {name!r} uses the {executor} executor and the answers say "
                "{wanted}; a scripted run never switches an existing runner's executor "
                "(use the interactive wizard, or --name NEW to add a runner)"
            ),
            name=name,
            executor=current.executor.value,
            wanted=answers.executor.value,
        )
    )


def pick_runner(
    session: WizardSession,
    name: str | None,
    *,
    new_runner: bool = False,
    selector: str | None = None,
) -> int | None:
    """The runner a scripted run edits: by ``--runner`` or ``--name``, the only one, or a
    new one.

    ``selector`` (``--runner``) reads as every command's ``--runner`` does: a name,
    ``#N`` or ``id:N`` (:mod:`wizard.runner.choice`). A name several runners share is
    an error listing them and how to pick one: editing the first one silently could
    change the wrong runner. A name no runner has is an error too, unless
    ``new_runner`` (``--new-runner``) says to add one: a typo must not add a runner
    with an empty token.
    """
    from wizard.runner.choice import select_runner, shared_name_error

    if selector is not None:
        if new_runner:
            raise WizardError(
                Message.of("--runner picks a runner the file has; --new-runner adds one")
            )
        chosen = select_runner(session.runner_choices(), selector, where=str(session.path))
        if name is not None and chosen.name != name:
            raise WizardError(
                Message.of(
                    (
                        "{path}: --runner {selector} is runner {name!r}, not --name {new_name!r}; "
                        "a scripted run never renames a runner"
                    ),
                    path=session.path,
                    selector=selector,
                    name=chosen.name,
                    new_name=name,
                )
            )
        return chosen.index
    runners = session.runners()
    if new_runner:
        if name is not None and any(r.name == name for r in runners):
            raise WizardError(
                Message.of(
                    (
                        "{path}: a runner named {name!r} already exists; --new-runner adds "
                        "one, so give it another --name (or drop --new-runner to edit it)"
                    ),
                    path=session.path,
                    name=name,
                )
            )
        return None
    if name is not None:
        matches = [r for r in runners if r.name == name]
        if len(matches) > 1:
            namesakes = [c for c in session.runner_choices() if c.name == name]
            raise shared_name_error(str(session.path), name, namesakes)
        if matches:
            return matches[0].index
        if runners:
            known = ", ".join(repr(r.name) for r in runners)
            raise WizardError(
                Message.of(
                    (
                        "{path}: no runner named {name!r}; known: {known} (pass --new-runner "
                        "to add a runner by that name)"
                    ),
                    path=session.path,
                    name=name,
                    known=known,
                )
            )
        return None
    if not runners:
        return None
    if len(runners) == 1:
        return runners[0].index
    names = ", ".join(repr(r.name) for r in runners)
    raise missing_answer(["runner"], f"--runner NAME, '#N' or id:N; this file has {names}")
