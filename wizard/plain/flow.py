"""The line-mode wizard: the same steps as the full-screen one, asked one line at a time.

It walks :data:`wizard.answers.steps.STEPS`, so questions, choices and recommendations
never drift from the Textual screens, and it writes only through
:class:`~wizard.session.core.WizardSession`. Prompts go through the small
:class:`Prompts` protocol: :class:`QuestionaryPrompts` in a terminal, a fake in
tests. Every prompt uses ``unsafe_ask``, so Ctrl+C raises KeyboardInterrupt
instead of returning ``None`` and being mistaken for an answer. One-line
questions (``text``, and ``list`` typed comma-separated) go through the same
text prompt, so a terminal without arrow keys can still answer everything.

The review also lists what remains to do on the host (the checklist items of
:mod:`wizard.artifacts`), and after the config is saved the same run can write
the hardening files beside it: asked for interactively, ``--artifacts DIR`` in
scripted runs. Both paths print through the same functions, so their output
matches line for line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from wizard.answers.defaults import Sources, default_for
from wizard.answers.impact import (
    fix_id,
    offer_line,
)
from wizard.answers.model import Answers
from wizard.answers.steps import (
    BACK,
    BACK_HINT,
    BACK_LABEL,
    TOKEN_PROMPT,
    Question,
    QuestionWalk,
    is_back,
)
from wizard.answers.validation import (
    LIST_HINT,
    answer_problem,
    is_plain_http,
    list_text,
    normalized_url,
    parse_list,
    url_problem,
)
from wizard.answers.wording import describe_value
from wizard.base.errors import WizardError
from wizard.base.model import RunnerIdentity
from wizard.base.safe_text import (
    Message,
    Safe,
    catalogue,
    compose,
    emit,
    emit_line,
    emit_lines,
    one_line,
    ours,
    render,
    shown_error,
)
from wizard.plain.prompts import NEW_RUNNER, Option, Prompts
from wizard.plain.review import review_text, save_question, summarise_runner, wrap
from wizard.session import scripted
from wizard.session.checklist_rows import (
    ARTIFACTS_FOLDER,
    write_host_files_by_default,
)
from wizard.session.core import REREAD_QUESTION, Preview, WizardSession
from wizard.session.host_plan import HostPlan, plan_host_for
from wizard.session.outcome import not_saved
from wizard.session.outcome import write_host_files as write_files
from wizard.session.presets import make_preset, preset_to_toml, with_locks, write_new_file
from wizard.session.scripted import Start

OFFER_QUESTION = (
    "Also apply any of these fixes? (each may break jobs; none is applied unless ticked)"
)


class PlainWizard:
    """One interactive run over one file."""

    def __init__(
        self,
        session: WizardSession,
        prompts: Prompts,
        out: TextIO,
        *,
        start: Start,
        identity: RunnerIdentity,
        new_runner_only: bool = False,
        artifacts_dir: Path | None = None,
        accept_defaults: bool = False,
        new_runner: bool = False,
        runner: str | None = None,
    ) -> None:
        self.runner = runner
        """``--runner``: the entry to edit (a name, ``#N`` or ``id:N``)."""
        self.accept_defaults = accept_defaults
        """Every default taken: the runner and a new runner's identity come from the
        command line, as in a scripted run, instead of from prompts."""
        self.session = session
        self.prompts = prompts
        self.out = out
        self.start = start
        self.identity = identity
        self.new_runner_only = new_runner_only
        self.new_runner = new_runner
        """``--new-runner``: add a runner even though the file has some."""
        self.artifacts_dir = artifacts_dir
        """``--artifacts DIR``: the folder offered for the hardening files."""
        self.ticked: tuple[str, ...] = ()
        """Offered fixes the operator ticked (kept when the file is read again)."""

    def say(self, text: Safe) -> None:
        """One line of ours, values in holes: a newline inside a value cannot start a line."""
        emit_line(text, stream=self.out)

    def pick_runner(self) -> int | None:
        runners = self.session.runners()
        if self.new_runner_only or not runners:
            return None
        if self.accept_defaults or self.runner is not None:
            return scripted.pick_runner(
                self.session, self.identity.name, new_runner=self.new_runner, selector=self.runner
            )
        if self.new_runner:
            return None
        options = [Option(summarise_runner(r), r.index) for r in runners]
        options.append(Option(ours("add a new runner"), NEW_RUNNER))
        named = [r.index for r in runners if r.name == self.identity.name]
        default: Any = named[0] if named else runners[0].index
        if len(named) > 1:
            # Never taken silently: the rows say which is which (position, url, id).
            self.say(
                render(
                    "{count} runners are named {name}; pick one.",
                    count=len(named),
                    name=repr(self.identity.name),
                )
            )
        if self.identity.name is not None and not named:
            # A --name no runner has: ask rather than guess whether it is a typo.
            self.say(
                render(
                    "No runner is named {name} in {path}.",
                    name=repr(self.identity.name),
                    path=str(self.session.path),
                )
            )
            default = NEW_RUNNER
        chosen = self.prompts.select(ours("Which runner?"), options, default=default)
        return None if chosen == NEW_RUNNER else int(chosen)

    def ask_identity(self) -> RunnerIdentity:
        if self.accept_defaults:
            return scripted_identity(self.identity)
        name = self.prompts.text(
            ours("Runner name:"),
            default=self.identity.name or scripted.default_runner_name(),
            validate=lambda v: None if v.strip() else "a runner needs a name",
        ).strip()
        while True:
            url = normalized_url(
                self.prompts.text(
                    # Not prefilled with "https://": typing "http://host" after it
                    # would give "https://http://host".
                    ours("GitLab URL:"),
                    default=self.identity.url or "",
                    validate=lambda v: url_problem(v, allow_http=True),
                )
            )
            if not is_plain_http(url) or self.prompts.confirm(
                one_line(
                    render(
                        "{url} is not https: the runner token and job secrets would cross the "
                        "network unencrypted. Use it anyway?",
                        url=url,
                    )
                ),
                default=False,
            ):
                break
        token = self.identity.token
        if token is None:
            token = self.prompts.password(compose("{prompt}:", prompt=ours(TOKEN_PROMPT))).strip()
        return RunnerIdentity(name=name, url=url, token=token or None)

    def ask_answers(self, current: Answers) -> Answers:
        locked = self.start.locked
        preset_name = self.start.preset.name if self.start.preset else ""
        walk = QuestionWalk(self.start.answers, frozenset(locked))
        header: str | None = None
        while (found := walk.next()) is not None:
            step, q = found
            if step.id != header:
                self.say(ours(""))
                self.say(compose("== {title} ==", title=catalogue(step.title)))
                for line in wrap(catalogue(step.intro), ""):
                    self.say(line)
                header = step.id
            if q.field in locked:
                shown = describe_value(q, getattr(walk.answers, q.field))
                self.say(
                    compose(
                        "{prompt} {shown} (locked by preset {preset})",
                        prompt=catalogue(q.prompt),
                        shown=render("{value}", value=shown),
                        preset=render("{name}", name=preset_name),
                    )
                )
                walk.answer(None)
                continue
            can_back = walk.can_go_back and not self.accept_defaults
            value = self.ask(q, walk.answers, current, can_back=can_back)
            if can_back and is_back(value):
                walk.back()
                header = None  # say where we are again
                continue
            walk.answer(value)
        return with_locks(self.start.preset, walk.answers)

    def sources(self, current: Answers) -> Sources:
        """Where this run's defaults come from (the order is the core's)."""
        given = Answers(
            **{name: getattr(self.start.answers, name) for name in self.start.from_file}
        )
        preset = self.start.preset.answers if self.start.preset else Answers()
        return Sources(
            given=given,
            preset=preset,
            current=current,
            file_executor=self.session.file_executor,
        )

    def ask(
        self, q: Question, answers: Answers, current: Answers, *, can_back: bool = False
    ) -> Any:
        """One question; with ``can_back`` the operator may ask for the previous one
        instead (the answer is then :data:`~wizard.answers.steps.BACK` or a back word)."""
        offered = default_for(q, answers, self.sources(current))
        default = offered.value
        marks = offered.marks(default)
        # The question, its marks and hints are our catalogue's words; values never reach them.
        prompt = catalogue(q.prompt)
        suffix = catalogue(f" ({', '.join(marks)})" if marks else "")
        hint = catalogue(f" [{BACK_HINT}]" if can_back else "")
        back = [Option(catalogue(BACK_LABEL), BACK)] if can_back else []

        def typed(check: Callable[[str], str | None]) -> Callable[[str], str | None]:
            return lambda v: None if can_back and is_back(v) else check(v)

        if q.kind == "confirm" and not can_back:
            return self.prompts.confirm(
                compose("{prompt}{suffix}", prompt=prompt, suffix=suffix), default=bool(default)
            )
        if q.kind == "confirm":
            yes_no = [Option(ours("Yes"), True), Option(ours("No"), False), *back]
            return self.prompts.select(
                compose("{prompt}{suffix}", prompt=prompt, suffix=suffix),
                yes_no,
                default=bool(default),
            )
        if q.kind == "text":
            reply = self.prompts.text(
                compose("{prompt}{suffix}{hint}", prompt=prompt, suffix=suffix, hint=hint),
                default=str(default),
                validate=typed(lambda v: None if not v.strip() else answer_problem(q, v.strip())),
            )
            if can_back and is_back(reply):
                return BACK
            return reply.strip() or default
        if q.kind == "list":
            hints = catalogue(f" [{LIST_HINT}{'; ' + BACK_HINT if can_back else ''}]")
            reply = self.prompts.text(
                compose("{prompt}{suffix}{hints}", prompt=prompt, suffix=suffix, hints=hints),
                default=list_text(default),
                validate=typed(lambda v: answer_problem(q, parse_list(v))),
            )
            if can_back and is_back(reply):
                return BACK
            return parse_list_answer(reply, default)
        options = []
        for c in q.choices:
            shown = offered.marks(c.value)
            label = f"{c.label} ({', '.join(shown)})" if shown else c.label
            options.append(Option(catalogue(label), c.value, catalogue(c.explanation)))
        if q.kind == "select":
            return self.prompts.select(prompt, [*options, *back], default=default)
        chosen = self.prompts.checkbox(prompt, [*options, *back], default=tuple(default))
        if BACK in chosen:
            return BACK
        order = [c.value for c in q.choices]
        return tuple(sorted(chosen, key=order.index))

    def run(self, *, backup: bool) -> int:
        runner_index = self.pick_runner()
        identity = self.identity
        if runner_index is None:
            identity = self.ask_identity()
        current = self.session.current_answers(runner_index)
        answers = self.ask_answers(current)
        review = preview_and_report(
            self.session,
            answers,
            runner_index=runner_index,
            identity=identity,
            start=self.start,
            out=self.out,
        )
        if review.preview.offered:
            review = self.offer_fixes(review, answers, runner_index, identity)
        written: list[str] = []
        while review.preview.changed:
            message, default = save_question(review.preview, self.session.path)
            chosen = review.preview
            if not self.prompts.confirm(message, default=default):
                if not chosen.may_break:
                    self.say(ours("nothing written"))
                    return 0
                # Declining what may break still writes what cannot: Enter means keep.
                chosen = self.session.safe_part(chosen)
                if not chosen.changed:
                    for line in not_saved(self.session.path, chosen.left_out).said():
                        self.say(line)
                    return 0
            try:
                save(self.session, chosen, backup=backup, out=self.out)
            except WizardError as error:
                reread = one_line(render(REREAD_QUESTION, path=str(self.session.path)))
                question = compose(
                    "not saved: {error}\n{reread}", error=shown_error(error), reread=reread
                )
                if not error.can_reread or not self.prompts.confirm(question, default=True):
                    raise
                again = self.session.reread(runner_index)
                self.say(render("{message}", message=again.message))
                if not again.ok:
                    return 2
                review = preview_and_report(
                    self.session,
                    answers,
                    runner_index=runner_index,
                    identity=identity,
                    start=self.start,
                    out=self.out,
                    ticked=self.ticked,
                )
                continue
            written.append("the config was saved")
            break
        # An unchanged config already says what the answers say: it is as good as
        # saved, so the hardening files may go with it.
        try:
            if self.offer_artifacts(review.host, config_saved=bool(written)):
                written.append("the hardening files were written")
            self.offer_preset(answers)
        except KeyboardInterrupt:
            if not written:
                raise
            self.say(
                render(
                    "interrupted; {written}, nothing else was written",
                    written=" and ".join(written),
                )
            )
            return 130
        return 0

    def offer_fixes(
        self, review: Review, answers: Answers, runner_index: int | None, identity: RunnerIdentity
    ) -> Review:
        """Let the operator tick fixes no question covers; none is applied unticked."""
        options = [Option(offer_line(f), fix_id(f)) for f in review.preview.offered]
        ticked = self.prompts.checkbox(
            ours(OFFER_QUESTION),
            options,
            default=(),
        )
        if not ticked:
            return review
        self.ticked = tuple(ticked)
        return preview_and_report(
            self.session,
            answers,
            runner_index=runner_index,
            identity=identity,
            start=self.start,
            out=self.out,
            ticked=tuple(ticked),
        )

    def offer_artifacts(self, host: HostPlan, *, config_saved: bool) -> bool:
        """Ask whether and where to write the hardening files; True when written."""
        if host.files_problem is not None:
            self.say(
                render(
                    "The hardening files cannot be written: {problem}", problem=host.files_problem
                )
            )
            return False
        names = ", ".join(host.files)
        wanted = write_host_files_by_default(folder_named=self.artifacts_dir is not None)
        if not self.prompts.confirm(
            render("Also write the hardening files ({names}) for the host?", names=names),
            default=wanted,
        ):
            return False
        default = self.artifacts_dir or self.session.path.parent / ARTIFACTS_FOLDER
        folder = self.prompts.text(
            ours("Folder for them:"),
            default=str(default),
            validate=lambda v: None if v.strip() else "give a folder",
        ).strip()
        write_host_files(
            host,
            Path(folder).expanduser(),
            self.session.path,
            config_saved=config_saved,
            out=self.out,
            allow_unsafe_path=self.session.allow_unsafe_path,
        )
        return True

    def offer_preset(self, answers: Answers) -> None:
        if not self.prompts.confirm(
            ours("Save these answers as a preset for your team?"), default=False
        ):
            return
        name = self.prompts.text(
            ours("Preset name (lower-case, dashes):"),
            validate=lambda v: None if v.strip() else "give a name",
        ).strip()
        description = self.prompts.text(ours("One line saying what it is for:")).strip()
        preset = make_preset(name, answers, description=description)
        target = Path(self.prompts.text(ours("Write it to:"), default=f"{name}.toml").strip())
        write_new_file(target, preset_to_toml(preset))
        self.say(render("wrote preset {name} to {target}", name=name, target=str(target)))


def parse_list_answer(reply: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """One line of comma-separated entries as a list answer.

    A blank line keeps ``default`` (Enter accepts what is offered); otherwise the
    line is read as every front-end reads a typed list
    (:func:`wizard.answers.validation.parse_list`: ``-`` or ``none`` is the empty list).
    """
    return tuple(default) if not reply.strip() else parse_list(reply)


# --------------------------------------------------------------------------- shared ends


@dataclass(frozen=True)
class Review:
    """What the review showed: the previewed file and the host plan that goes with it."""

    preview: Preview
    host: HostPlan


def preview_and_report(
    session: WizardSession,
    answers: Answers,
    *,
    runner_index: int | None,
    identity: RunnerIdentity | None,
    start: Start,
    out: TextIO,
    ticked: Sequence[str] = (),
) -> Review:
    result = session.preview(
        answers, runner_index=runner_index, identity=identity, preset=start.preset, ticked=ticked
    )
    accepted = start.preset.accepted if start.preset else frozenset()
    shown = session.current_answers(runner_index).merged(answers)
    host = plan_host_for(session, result, shown)
    reviewed = review_text(result, shown, accepted=accepted, host=host, path=session.path)
    emit(compose("\n{reviewed}", reviewed=reviewed), stream=out)
    return Review(result, host)


def save(session: WizardSession, result: Preview, *, backup: bool, out: TextIO) -> None:
    saved = session.save(result, backup=backup)
    emit_lines(saved.said(), stream=out)


def write_host_files(
    host: HostPlan,
    folder: Path,
    config: Path,
    *,
    config_saved: bool,
    out: TextIO,
    allow_unsafe_path: bool = False,
) -> list[Path]:
    """Write the hardening files once the config is saved; the error says what was saved.

    The config is on disk by now, so a failure here must not read as if the
    whole run failed: the message says which half happened.
    """
    if host.files_problem is not None:
        config_state = "was saved" if config_saved else "needed no changes"
        raise WizardError(
            Message.of(
                (
                    "{config} {config_state}, but the hardening files were not written to "
                    "{folder}: {files_problem}"
                ),
                config=config,
                config_state=config_state,
                folder=folder,
                files_problem=host.files_problem,
            )
        )
    outcome = write_files(folder, host.files, allow_unsafe_path=allow_unsafe_path)
    failure = outcome.failure(config, config_saved=config_saved)
    if failure is not None:
        raise WizardError(failure)
    lines = outcome.lines(config, config_saved=config_saved)
    emit_lines(lines, stream=out)
    return list(outcome.written)


def run_scripted(
    session: WizardSession,
    start: Start,
    identity: RunnerIdentity,
    out: TextIO,
    *,
    backup: bool,
    new_runner_only: bool = False,
    artifacts_dir: Path | None = None,
    new_runner: bool = False,
    runner: str | None = None,
) -> int:
    """A run without prompts: every answer from the preset, the answers file or the file.

    With ``artifacts_dir`` the hardening files go there once the config is saved
    (or already matches); without it nothing but the config is written.
    """
    runner_index = (
        None
        if new_runner_only
        else scripted.pick_runner(session, identity.name, new_runner=new_runner, selector=runner)
    )
    current = session.current_answers(runner_index)
    scripted.refuse_executor_switch(session, runner_index, start.answers, current)
    scripted.require_complete(start.answers, current)
    answers = with_locks(start.preset, start.answers)
    answers = scripted.fill_optional(answers, new_runner=runner_index is None)
    if runner_index is None:
        identity = scripted_identity(identity)
    review = preview_and_report(
        session, answers, runner_index=runner_index, identity=identity, start=start, out=out
    )
    if artifacts_dir is not None and review.host.files_problem is not None:
        raise WizardError(review.host.files_problem)  # before the config is written
    if review.preview.changed:
        save(session, review.preview, backup=backup, out=out)
    if artifacts_dir is not None:
        write_host_files(
            review.host,
            artifacts_dir,
            session.path,
            config_saved=review.preview.changed,
            out=out,
            allow_unsafe_path=session.allow_unsafe_path,
        )
    return 0


def scripted_identity(identity: RunnerIdentity) -> RunnerIdentity:
    """A new runner's identity without prompts: the URL must be given, the name defaults."""
    if not identity.url:
        raise scripted.missing_answer(["url"], "--url URL or CI_SERVER_URL")
    # The URL was checked where it was read (scripted.identity_from).
    return RunnerIdentity(
        name=identity.name or scripted.default_runner_name(),
        url=normalized_url(identity.url),
        token=identity.token,
    )
