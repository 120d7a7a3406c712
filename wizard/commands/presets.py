"""``runner-wizard presets list|show|new|export``: a team's reviewed answer sets."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from wizard.answers.model import Answers
from wizard.answers.steps import recommended
from wizard.answers.validation import load_checked_answers
from wizard.base.errors import WizardError
from wizard.base.safe_text import Message, emit, emit_line, emit_lines, generated, ours, render
from wizard.base.sinks import checked_all
from wizard.session.core import WizardSession
from wizard.session.presets import (
    TEMPLATE_MARK,
    list_presets,
    load_preset,
    make_preset,
    preset_to_toml,
    source_differences,
    template_config,
    write_new_file,
)
from wizard.tomlfile.regular_file import read_regular_file
from wizard.tomlfile.safe_write import write_file


def run(args: argparse.Namespace) -> int:
    action = args.preset_command
    if action == "list":
        return list_command()
    if action == "show":
        # The preset as its file renderer writes it (every value checked for its slot).
        emit(generated(preset_to_toml(load_preset(args.name))))
        return 0
    if action == "new":
        return new_command(args)
    if action == "export":
        return export_command(args)
    raise WizardError(
        Message.of("unknown presets action {action!r}", action=action)
    )  # pragma: no cover


def list_command() -> int:
    presets = list_presets()
    width = max((len(p.name) for p in presets), default=0)
    for preset in presets:
        emit_line(
            render(
                "{name}  {trust}  {description}",
                name=f"{preset.name:<{width}}",
                trust=f"{preset.trust.value:<14}",
                description=preset.description,
            )
        )
    return 0


def new_command(args: argparse.Namespace) -> int:
    source: Mapping[str, Any] | None = None
    if args.answers:
        answers = load_checked_answers(Path(args.answers))
    elif args.from_config:
        answers, source = _answers_from_config(Path(args.from_config), args.runner)
    else:
        raise WizardError(Message.of("presets new: give --answers FILE or --from-config PATH"))
    filled = _fill_open_questions(answers)
    if filled != answers:
        opened = sorted(set(filled.to_dict()) - set(answers.to_dict()))
        emit_line(
            render(
                "not said by the source, so set to the recommendation: {names}",
                names=", ".join(opened),
            )
        )
    preset = make_preset(args.name, filled, description=args.description or "")
    if source is not None:
        differences = source_differences(source, preset)
        if differences:
            emit_line(ours("the preset does not reproduce the runner exactly; it differs in:"))
            emit_lines([render("  {line}", line=line) for line in differences])
    out = Path(args.out) if args.out else Path(f"{args.name}.toml")
    # Escaped, such a value would read back; but every run that loads the preset refuses
    # it (wizard.answers.model), so it is refused here, where it would enter the preset.
    for name, value in preset.answers.to_dict().items():
        checked_all(value, file=str(out), key=name)
    checked_all(preset.description, file=str(out), key="description")
    write_new_file(out, preset_to_toml(preset))
    emit_line(render("wrote preset {name} to {out}", name=preset.name, out=str(out)))
    return 0


def _fill_open_questions(answers: Answers) -> Answers:
    """A preset answers every question, or scripted runs that use it would stop."""
    return recommended(answers)


def _answers_from_config(path: Path, selector: str | None) -> tuple[Answers, Mapping[str, Any]]:
    if not path.exists():
        raise WizardError(Message.of("{path}: no such file", path=path))
    from wizard.embedded import effective_data
    from wizard.runner.choice import must_choose_error, runner_choices, select_runner

    session = WizardSession.open(path)
    choices = runner_choices(effective_data(session.doc))
    if not choices:
        raise WizardError(
            Message.of("{path}: has no [[runners]] entry to make a preset from", path=path)
        )
    if selector is not None:
        chosen = select_runner(choices, selector, where=str(path))
    elif len(choices) == 1:
        chosen = choices[0]
    else:
        raise must_choose_error(str(path), choices)

    entry = effective_data(session.doc)["runners"][chosen.index]
    return session.current_answers(chosen.index), entry


def _is_our_template(path: Path) -> bool:
    try:
        head = read_regular_file(path, 1 << 20, what="template")
    except WizardError:
        return False
    return head.decode("utf-8", errors="replace").startswith(TEMPLATE_MARK)


def export_command(args: argparse.Namespace) -> int:
    preset = load_preset(args.name)
    if getattr(args, "ansible_vars", None):
        from wizard.session.ansible_vars import ansible_vars

        out = Path(args.ansible_vars)
        exported = ansible_vars(preset)
        write_new_file(out, exported.text)
        emit_line(
            render(
                "wrote Ansible variables {out} (variable {variable})",
                out=str(out),
                variable=exported.variable,
            )
        )
        for name in exported.not_expressed:
            emit_line(
                render(
                    "  not expressible in the role's variables: {name} (set it with config_harden)",
                    name=name,
                )
            )
        return 0
    if getattr(args, "helm_values", None):
        from wizard.session.helm_values import helm_values

        out = Path(args.helm_values)
        write_new_file(out, helm_values(preset, file=out.name))
        emit_line(
            render(
                "wrote Helm values {out} (then create the Secret it names; see its comments)",
                out=str(out),
            )
        )
        return 0
    text = template_config(preset)
    out = Path(args.template_config)
    if _is_our_template(out):
        try:
            write_file(out, text.encode("utf-8"), 0o644)  # our own earlier export: refresh it
        except OSError as error:
            raise WizardError(
                Message.of(
                    "{out}: cannot write ({problem})", out=out, problem=error.strerror or str(error)
                )
            ) from None
    else:
        write_new_file(out, text)
    emit_line(
        render(
            "wrote template {out} (register with: gitlab-runner register --template-config {out})",
            out=str(out),
        )
    )
    return 0
