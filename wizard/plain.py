"""The line-mode wizard: the same steps as the full-screen one, asked one line at a time.

It walks :data:`wizard.steps.STEPS`, so questions, choices and recommendations
never drift from the Textual screens, and it writes only through
:class:`~wizard.session.WizardSession`. Prompts go through the small
:class:`Prompts` protocol: :class:`QuestionaryPrompts` in a terminal, a fake in
tests. Every prompt uses ``unsafe_ask``, so Ctrl+C raises KeyboardInterrupt
instead of returning ``None`` and being mistaken for an answer.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

from wizard import plan, scripted
from wizard.answers import Answers, PullPolicyChoice, RunnerIdentity
from wizard.errors import WizardError
from wizard.model import Finding, Severity
from wizard.presets import make_preset, preset_to_toml, with_locks
from wizard.scripted import Start
from wizard.secrets import mask_text
from wizard.session import Preview, RunnerSummary, WizardSession
from wizard.steps import STEPS, Question, question

NEW_RUNNER = "new"
"""The runner picker's value for "add a new runner"."""


@dataclass(frozen=True)
class Option:
    """One entry of a select or checkbox prompt."""

    title: str
    value: Any
    description: str = ""


class Prompts(Protocol):
    """Everything the wizard asks; each call blocks until answered or raises KeyboardInterrupt."""

    def select(self, message: str, options: Sequence[Option], default: Any) -> Any: ...

    def confirm(self, message: str, default: bool) -> bool: ...

    def checkbox(
        self, message: str, options: Sequence[Option], default: Sequence[Any]
    ) -> list[Any]: ...

    def text(
        self, message: str, default: str = "", validate: Callable[[str], str | None] | None = None
    ) -> str: ...

    def password(self, message: str) -> str: ...


class QuestionaryPrompts:
    """Prompts in a terminal. Imported lazily: core modules never load questionary."""

    def __init__(self) -> None:
        if _loop_running():
            # questionary starts its own event loop; inside another one (the Textual
            # app) it would fail half-way through a question.
            raise RuntimeError("the line-mode wizard cannot run inside a running event loop")
        import questionary

        self._q = questionary

    def _choices(self, options: Sequence[Option], checked: Sequence[Any] = ()) -> list[Any]:
        return [
            self._q.Choice(
                o.title,
                value=o.value,
                description=o.description or None,
                checked=o.value in checked,
            )
            for o in options
        ]

    def select(self, message: str, options: Sequence[Option], default: Any) -> Any:
        choices = self._choices(options)
        chosen = next((c for c in choices if c.value == default), None)
        return self._q.select(message, choices=choices, default=chosen).unsafe_ask()

    def confirm(self, message: str, default: bool) -> bool:
        return bool(self._q.confirm(message, default=default).unsafe_ask())

    def checkbox(
        self, message: str, options: Sequence[Option], default: Sequence[Any]
    ) -> list[Any]:
        result = self._q.checkbox(message, choices=self._choices(options, default)).unsafe_ask()
        return list(result)

    def text(
        self, message: str, default: str = "", validate: Callable[[str], str | None] | None = None
    ) -> str:
        def check(value: str) -> bool | str:
            problem = validate(value) if validate else None
            return problem or True

        return str(self._q.text(message, default=default, validate=check).unsafe_ask())

    def password(self, message: str) -> str:
        return str(self._q.password(message).unsafe_ask())


def _loop_running() -> bool:
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


# --------------------------------------------------------------------------- rendering


def _value_text(value: Any) -> str:
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple | list):
        return ", ".join(str(item) for item in value) or "(none)"
    return str(value)


def _origin_labels(value: Any, marks: dict[str, Any]) -> str:
    """``(current, recommended)``: which of the sources a value is."""
    labels = [label for label, source in marks.items() if source is not None and source == value]
    return f" ({', '.join(labels)})" if labels else ""


def summarise_runner(runner: RunnerSummary) -> str:
    token = runner.token or "no token"
    return (
        f"{runner.name or '(unnamed)'} — {runner.executor or 'no executor'}, "
        f"{mask_text(runner.url or 'no url')}, {token}"
    )


def count_line(before: Sequence[Finding], after: Sequence[Finding]) -> str:
    def serious(findings: Sequence[Finding]) -> int:
        return sum(1 for f in findings if f.severity.at_least(Severity.HIGH))

    return (
        f"findings: {len(before)} before → {len(after)} after "
        f"(high or critical: {serious(before)} → {serious(after)})"
    )


def review_text(
    preview: Preview, answers: Answers, *, accepted: frozenset[str] = frozenset()
) -> str:
    """What both interactive and scripted runs print before saving: identical by design."""
    lines = [count_line(preview.findings_before, preview.findings_after)]
    runner_findings = [
        f for f in preview.findings_after if f.runner_index in (None, preview.runner_index)
    ]
    for finding in runner_findings:
        if finding.severity.at_least(Severity.MEDIUM):
            note = " (accepted by the preset)" if finding.rule in accepted else ""
            lines.append(f"  {finding.severity.value:<8} {finding.rule}: {finding.message}{note}")
    for problem in plan.problems(answers):
        lines.append(f"  warning: {problem}")
    lines.append("")
    lines.append(preview.diff.rstrip("\n") if preview.diff else "no changes to the file")
    checklist = host_checklist(answers)
    if checklist:
        lines += ["", "on the host (outside config.toml):", *checklist]
    return mask_text("\n".join(lines)) + "\n"


def host_checklist(answers: Answers) -> list[str]:
    measures = question("host_measures")
    chosen = answers.host_measures or ()
    return [
        f"  [{'x' if choice.value in chosen else ' '}] {choice.label}"
        + ("" if choice.value in chosen else " (not planned)")
        for choice in measures.choices
    ]


# --------------------------------------------------------------------------- asking


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
    ) -> None:
        self.session = session
        self.prompts = prompts
        self.out = out
        self.start = start
        self.identity = identity
        self.new_runner_only = new_runner_only

    def say(self, text: str = "") -> None:
        print(mask_text(text), file=self.out)

    def pick_runner(self) -> int | None:
        runners = self.session.runners()
        if self.new_runner_only or not runners:
            return None
        options = [Option(summarise_runner(r), r.index) for r in runners]
        options.append(Option("add a new runner", NEW_RUNNER))
        chosen = self.prompts.select("Which runner?", options, default=runners[0].index)
        return None if chosen == NEW_RUNNER else int(chosen)

    def ask_identity(self) -> RunnerIdentity:
        name = self.prompts.text(
            "Runner name:",
            default=self.identity.name or scripted.default_runner_name(),
            validate=lambda v: None if v.strip() else "a runner needs a name",
        ).strip()
        while True:
            url = self.prompts.text(
                "GitLab URL:",
                default=self.identity.url or "https://",
                validate=lambda v: None if v.strip() not in ("", "https://") else "give a URL",
            ).strip()
            if url.startswith("https://") or self.prompts.confirm(
                f"{url} is not https: the runner token and job secrets would cross the network "
                "unencrypted. Use it anyway?",
                default=False,
            ):
                break
        token = self.identity.token
        if token is None:
            token = self.prompts.password(
                "Runner token (leave empty for gitlab-runner register to fill in):"
            ).strip()
        return RunnerIdentity(name=name, url=url, token=token or None)

    def ask_answers(self, current: Answers) -> Answers:
        answers = self.start.answers
        locked = self.start.locked
        preset_name = self.start.preset.name if self.start.preset else ""
        for step in STEPS:
            shown_header = False
            for q in step.questions:
                if not q.applies(answers):
                    continue
                if not shown_header:
                    self.say(f"\n== {step.title} ==\n{step.intro}")
                    shown_header = True
                if q.field in locked:
                    value = getattr(answers, q.field)
                    self.say(f"{q.prompt} {_value_text(value)} (locked by preset {preset_name})")
                    continue
                value = self.ask(q, answers, current)
                answers = answers.merged(Answers(**{q.field: value}))
                if q.field == "pull_policy" and value is PullPolicyChoice.NEVER:
                    answers = self.ask_allowed_images(answers, current)
        return with_locks(self.start.preset, answers)

    def ask(self, q: Question, answers: Answers, current: Answers) -> Any:
        given = getattr(answers, q.field) if q.field in self.start.from_file else None
        preset_value = getattr(self.start.preset.answers, q.field) if self.start.preset else None
        now = getattr(current, q.field)
        recommended = q.recommend(answers)
        default = next(
            v for v in (given, preset_value, now, recommended, _first(q)) if v is not None
        )
        marks = {
            "answers file": given,
            "preset": preset_value,
            "current": now,
            "recommended": recommended,
        }
        if q.kind == "confirm":
            suffix = _origin_labels(default, marks)
            return self.prompts.confirm(f"{q.prompt}{suffix}", default=bool(default))
        options = [
            Option(f"{c.label}{_origin_labels(c.value, marks)}", c.value, c.explanation)
            for c in q.choices
        ]
        if q.kind == "select":
            return self.prompts.select(q.prompt, options, default=default)
        chosen = self.prompts.checkbox(q.prompt, options, default=tuple(default))
        order = [c.value for c in q.choices]
        return tuple(sorted(chosen, key=order.index))

    def ask_allowed_images(self, answers: Answers, current: Answers) -> Answers:
        if "allowed_images" in self.start.locked:
            return answers
        known = answers.allowed_images or current.allowed_images or ()
        text = self.prompts.text(
            "Images jobs may use (comma-separated globs, e.g. registry.example.com/**/*):",
            default=", ".join(known),
            validate=lambda v: None if v.strip() else "'never' needs at least one image",
        )
        images = tuple(part.strip() for part in text.split(",") if part.strip())
        return answers.merged(Answers(allowed_images=images))

    def run(self, *, backup: bool) -> int:
        runner_index = self.pick_runner()
        identity = self.identity
        if runner_index is None:
            identity = self.ask_identity()
        current = self.session.current_answers(runner_index)
        answers = self.ask_answers(current)
        result = preview_and_report(
            self.session,
            answers,
            runner_index=runner_index,
            identity=identity,
            start=self.start,
            out=self.out,
        )
        if not result.changed:
            self.offer_preset(answers)
            return 0
        if not self.prompts.confirm(f"Write these changes to {self.session.path}?", default=True):
            self.say("nothing written")
            return 0
        save(self.session, result, backup=backup, out=self.out)
        try:
            self.offer_preset(answers)
        except KeyboardInterrupt:
            self.say("interrupted; the config was saved, no preset was written")
            return 130
        return 0

    def offer_preset(self, answers: Answers) -> None:
        if not self.prompts.confirm("Save these answers as a preset for your team?", default=False):
            return
        name = self.prompts.text(
            "Preset name (lower-case, dashes):",
            validate=lambda v: None if v.strip() else "give a name",
        ).strip()
        description = self.prompts.text("One line saying what it is for:").strip()
        preset = make_preset(name, answers, description=description)
        target = Path(self.prompts.text("Write it to:", default=f"{name}.toml").strip())
        write_new_file(target, preset_to_toml(preset))
        self.say(f"wrote preset {name} to {target}")


def _first(q: Question) -> Any:
    if q.kind == "confirm":
        return True
    if q.kind == "multiselect":
        return ()
    return q.choices[0].value


# --------------------------------------------------------------------------- shared ends


def preview_and_report(
    session: WizardSession,
    answers: Answers,
    *,
    runner_index: int | None,
    identity: RunnerIdentity | None,
    start: Start,
    out: TextIO,
) -> Preview:
    result = scripted.preview(
        session, answers, runner_index=runner_index, identity=identity, preset=start.preset
    )
    accepted = start.preset.accepted if start.preset else frozenset()
    shown = session.current_answers(runner_index).merged(answers)
    out.write("\n" + review_text(result, shown, accepted=accepted))
    return result


def save(session: WizardSession, result: Preview, *, backup: bool, out: TextIO) -> None:
    saved = session.save(result, backup=backup)
    line = f"wrote {saved.path}"
    if saved.backup is not None:
        line += f" (backup: {saved.backup})"
    print(line, file=out)


def write_new_file(path: Path, text: str) -> None:
    """Write a preset or template that must not replace someone's file by accident."""
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise WizardError(f"{path}: already exists; choose another file name") from None
    except OSError as error:
        raise WizardError(f"{path}: cannot write: {error.strerror or error}") from None


def run_scripted(
    session: WizardSession,
    start: Start,
    identity: RunnerIdentity,
    out: TextIO,
    *,
    backup: bool,
    new_runner_only: bool = False,
) -> int:
    """A run without prompts: every answer from the preset, the answers file or the file."""
    runner_index = None if new_runner_only else scripted.pick_runner(session, identity.name)
    current = session.current_answers(runner_index)
    scripted.require_complete(start.answers, current)
    answers = with_locks(start.preset, start.answers)
    if runner_index is None:
        identity = scripted_identity(identity)
    result = preview_and_report(
        session, answers, runner_index=runner_index, identity=identity, start=start, out=out
    )
    if result.changed:
        save(session, result, backup=backup, out=out)
    return 0


def scripted_identity(identity: RunnerIdentity) -> RunnerIdentity:
    """A new runner's identity without prompts: the URL must be given, the name defaults."""
    if not identity.url:
        raise scripted.missing_answer(["url"], "--url URL or CI_SERVER_URL")
    return RunnerIdentity(
        name=identity.name or scripted.default_runner_name(),
        url=identity.url,
        token=identity.token,
    )
