"""What remains to do on the runner's host, and the files that help: one plan for both wizards.

The checklist items and the generated files come from one generation, so the
review and the written files agree; each item names the network-step measures
it carries out, so a review can mark what the operator planned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from wizard.answers.model import Answers
from wizard.artifacts import ChecklistItem, checklist_items, generate_artifacts
from wizard.base.model import Executor
from wizard.base.safe_text import Message
from wizard.base.sinks import UnsafeValueError
from wizard.runner.reading import autoscaler_plugin, iter_runners, machine_options
from wizard.session.checklist_rows import HostChecklist, PrivateConfig, checklist_rows
from wizard.session.core import Preview, WizardSession


@dataclass(frozen=True)
class HostPlan:
    """What remains to do on the host for one runner, and the files that help do it."""

    planned: tuple[str, ...]
    """The network step's ``host_measures``: what the operator said they will do."""
    items: tuple[ChecklistItem, ...]
    files: Mapping[str, str]
    """File name → content, exactly what :func:`write_artifacts` writes."""
    config_private: PrivateConfig = None
    """``done``: config.toml is readable by its owner only (mode 0600); ``on-save``: the
    save writes it so; ``None``: neither."""
    files_problem: Message | None = None
    """Why the files cannot be written (a value that would leave its slot in one of
    them), ``None`` when they can; ``files`` is then empty. The review still shows the
    checklist; only writing the files is refused."""


def plan_host(
    answers: Answers,
    *,
    gitlab_url: str | None = None,
    executor: Executor | None = None,
    machine_options: Sequence[str] = (),
    autoscaler_plugin: str | None = None,
) -> HostPlan:
    """The checklist and files for these answers, from one generation so they agree."""
    executor = executor or answers.executor
    problem: Message | None = None
    try:
        files = generate_artifacts(
            answers,
            gitlab_url=gitlab_url,
            executor=executor,
            machine_options=machine_options,
            autoscaler_plugin=autoscaler_plugin,
        )
    except UnsafeValueError as error:
        files, problem = {}, error.message
    items = checklist_items(
        answers,
        executor=executor,
        gitlab_url=gitlab_url,
        **({"files": list(files)} if files else {}),
        machine_options=machine_options,
        autoscaler_plugin=autoscaler_plugin,
    )
    return HostPlan(tuple(answers.host_measures or ()), tuple(items), files, files_problem=problem)


def _config_private(session: WizardSession, preview: Preview) -> PrivateConfig:
    """Every save writes mode 0600 (tomlfile.safe_write); an unchanged file keeps its own."""
    mode = session.doc.file_mode
    if preview.changed:
        return "on-save"
    return "done" if mode is not None and mode & 0o077 == 0 else None


def plan_host_for(session: WizardSession, preview: Preview, answers: Answers) -> HostPlan:
    """The host plan for the runner as the preview leaves it: its URL, executor and cloud."""
    # The preview's own data: parsing a big file again would delay every answer.
    data = preview.runner_data or session.doc.replaced_text(preview.new_text).data
    entry = next((e for e in iter_runners(data) if e.index == preview.runner_index), None)
    private = _config_private(session, preview)
    if entry is None:
        return replace(plan_host(answers), config_private=private)
    url = entry.get("url")
    try:
        executor: Executor | None = Executor(entry.get("executor"))
    except ValueError:
        executor = None
    plan = plan_host(
        answers,
        # A $VARIABLE is expanded by the runner; it says nothing about the server.
        gitlab_url=url if isinstance(url, str) and url and not url.startswith("$") else None,
        executor=executor,
        machine_options=machine_options(data, entry.index),
        autoscaler_plugin=autoscaler_plugin(data, entry.index),
    )
    return replace(plan, config_private=private)


def plan_host_checklist(
    session: WizardSession, preview: Preview, answers: Answers
) -> HostChecklist:
    """The host plan for the previewed runner, as review rows and the files that go with them."""
    host = plan_host_for(session, preview, answers)
    rows = checklist_rows(host.items, host.planned, config_private=host.config_private)
    return HostChecklist(rows, dict(host.files), host.files_problem)
