"""``runner-wizard artifacts``: firewall rules, Docker fragment and checklist for one runner.

The answers come from a preset or an answers file when given, otherwise from
what the config already says, with our recommendation for every question it
cannot answer (trust, host measures). The runner's executor and GitLab URL
always come from the config: the files must fit the runner they sit beside.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from wizard.answers.model import Answers
from wizard.artifacts import generate_artifacts, write_artifacts
from wizard.base.errors import WizardError
from wizard.base.safe_text import Message, emit_line, emit_lines, render
from wizard.runner.reading import (
    RunnerEntry,
    autoscaler_plugin,
    get_ci,
    iter_runners,
    machine_options,
)


def pick_runner(data: Mapping[str, Any], selector: str | None, path: str) -> RunnerEntry | None:
    """The runner ``--runner`` picks (see :mod:`wizard.runner.choice`), the only one, or
    ``None`` for a file without runners."""
    from wizard.runner.choice import must_choose_error, runner_choices, select_runner

    runners = list(iter_runners(data))
    choices = runner_choices(data)
    if selector is not None:
        chosen = select_runner(choices, selector, where=path)
        return next(r for r in runners if r.index == chosen.index)
    if len(runners) > 1:
        raise must_choose_error(path, choices)
    return runners[0] if runners else None


def answers_for(
    args: argparse.Namespace, data: Mapping[str, Any], runner: RunnerEntry | None
) -> Answers:
    from wizard.answers.steps import recommended

    if args.preset and args.answers:
        raise WizardError(Message.of("give --preset or --answers, not both"))
    if args.preset:
        from wizard.session.presets import load_preset

        answers = load_preset(args.preset).answers
    elif args.answers:
        from wizard.answers.validation import load_checked_answers

        answers = load_checked_answers(Path(args.answers))
    elif runner is not None:
        from wizard.answers.plan import answers_from_config

        answers = answers_from_config(data, runner.index)
    else:
        answers = Answers()
    if runner is not None and runner.executor is not None:
        answers = answers.merged(Answers(executor=runner.executor))
    return recommended(answers)


def run(args: argparse.Namespace) -> int:
    from wizard.embedded import effective_data, load_document

    document = load_document(Path(args.path))
    data = effective_data(document)
    runner = pick_runner(data, args.runner, args.path)
    answers = answers_for(args, data, runner)
    url = get_ci(runner.data, "url") if runner is not None else None
    files = generate_artifacts(
        answers,
        gitlab_url=url if isinstance(url, str) and not url.startswith("$") else None,
        executor=answers.executor,
        machine_options=machine_options(data, runner.index) if runner else (),
        autoscaler_plugin=autoscaler_plugin(data, runner.index) if runner else None,
    )
    paths = write_artifacts(
        Path(args.out), files, allow_unsafe_path=getattr(args, "allow_unsafe_path", False)
    )
    # The names we chose inside a folder the operator named: each a hole, masked on its own.
    emit_lines([render("{path}", path=str(path)) for path in paths])
    checklist = next(p for p in paths if p.name.endswith(".md"))
    emit_line(
        render(
            "Next: work through {checklist}; each item says how to check it is done.",
            checklist=str(checklist),
        )
    )
    return 0
