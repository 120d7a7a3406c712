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
from wizard.base.masking import outward
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
        print(preset_to_toml(load_preset(args.name)), end="")
        return 0
    if action == "new":
        return new_command(args)
    if action == "export":
        return export_command(args)
    raise WizardError(f"unknown presets action {action!r}")  # pragma: no cover


def list_command() -> int:
    presets = list_presets()
    width = max((len(p.name) for p in presets), default=0)
    for preset in presets:
        line = f"{preset.name:<{width}}  {preset.trust.value:<14}  {preset.description}"
        print(outward(line, one_line=True))
    return 0


def new_command(args: argparse.Namespace) -> int:
    source: Mapping[str, Any] | None = None
    if args.answers:
        answers = load_checked_answers(Path(args.answers))
    elif args.from_config:
        answers, source = _answers_from_config(Path(args.from_config), args.runner)
    else:
        raise WizardError("presets new: give --answers FILE or --from-config PATH")
    filled = _fill_open_questions(answers)
    if filled != answers:
        opened = sorted(set(filled.to_dict()) - set(answers.to_dict()))
        print(f"not said by the source, so set to the recommendation: {', '.join(opened)}")
    preset = make_preset(args.name, filled, description=args.description or "")
    if source is not None:
        differences = source_differences(source, preset)
        if differences:
            print("the preset does not reproduce the runner exactly; it differs in:")
            for line in differences:
                print(outward(f"  {line}"))
    out = Path(args.out) if args.out else Path(f"{args.name}.toml")
    # Escaped, such a value would read back; but every run that loads the preset refuses
    # it (wizard.answers.model), so it is refused here, where it would enter the preset.
    for name, value in preset.answers.to_dict().items():
        checked_all(value, file=str(out), key=name)
    checked_all(preset.description, file=str(out), key="description")
    write_new_file(out, preset_to_toml(preset))
    print(f"wrote preset {preset.name} to {out}")
    return 0


def _fill_open_questions(answers: Answers) -> Answers:
    """A preset answers every question, or scripted runs that use it would stop."""
    return recommended(answers)


def _answers_from_config(path: Path, selector: str | None) -> tuple[Answers, Mapping[str, Any]]:
    if not path.exists():
        raise WizardError(f"{path}: no such file")
    from wizard.embedded import effective_data
    from wizard.runner.choice import must_choose_error, runner_choices, select_runner

    session = WizardSession.open(path)
    choices = runner_choices(effective_data(session.doc))
    if not choices:
        raise WizardError(f"{path}: has no [[runners]] entry to make a preset from")
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
        print(f"wrote Ansible variables {out} (variable {exported.variable})")
        for name in exported.not_expressed:
            print(f"  not expressible in the role's variables: {name} (set it with config_harden)")
        return 0
    if getattr(args, "helm_values", None):
        from wizard.session.helm_values import helm_values

        out = Path(args.helm_values)
        write_new_file(out, helm_values(preset, file=out.name))
        print(f"wrote Helm values {out} (then create the Secret it names; see its comments)")
        return 0
    text = template_config(preset)
    out = Path(args.template_config)
    if _is_our_template(out):
        try:
            write_file(out, text.encode("utf-8"), 0o644)  # our own earlier export: refresh it
        except OSError as error:
            raise WizardError(f"{out}: cannot write ({error.strerror or error})") from None
    else:
        write_new_file(out, text)
    print(f"wrote template {out} (register with: gitlab-runner register --template-config {out})")
    return 0
