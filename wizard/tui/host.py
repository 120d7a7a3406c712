"""The review's host section: what remains to do outside ``config.toml``, and the files.

Rows carry a status from the network step's answers (planned, partly planned,
not planned) or are plain to-dos. The checklist and the hardening files come
from the core in one generation, so the screen and the written files agree.
Building them loads the core, so :func:`plan_host_checklist` runs in the
preview worker, never on the way to the first screen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from wizard.answers import Answers
from wizard.steps import question

HostStatus = Literal["planned", "partly", "not-planned", "to-do"]


@dataclass(frozen=True)
class HostRow:
    status: HostStatus
    title: str
    why: str = ""


@dataclass(frozen=True)
class HostChecklist:
    """What the review lists and what "also write the hardening files" writes."""

    rows: tuple[HostRow, ...]
    files: Mapping[str, str] = field(default_factory=dict)
    """File name → content, exactly what :func:`wizard.artifacts.write_artifacts` writes."""


@dataclass(frozen=True)
class CheckItem:
    """One checklist item, with the network-step measures it carries out (if any)."""

    title: str
    why: str
    measures: tuple[str, ...] = ()


def checklist_rows(items: Sequence[CheckItem], planned: Sequence[str]) -> tuple[HostRow, ...]:
    """Measure items first, marked by what the operator planned; then the to-dos.

    A measure no item covers (it does not apply to this executor) is still
    listed with its mark, so no choice made on the network step vanishes.
    """
    chosen = set(planned)
    measure_rows: list[HostRow] = []
    other_rows: list[HostRow] = []
    covered: set[str] = set()
    for item in items:
        measures = set(item.measures)
        covered |= measures
        if not measures:
            other_rows.append(HostRow("to-do", item.title, item.why))
            continue
        status: HostStatus
        if measures <= chosen:
            status = "planned"
        else:
            status = "partly" if measures & chosen else "not-planned"
        measure_rows.append(HostRow(status, item.title, item.why))
    for choice in question("host_measures").choices:
        if choice.value not in covered:
            mark: HostStatus = "planned" if choice.value in chosen else "not-planned"
            measure_rows.append(HostRow(mark, choice.label))
    return (*measure_rows, *other_rows)


HostPlanner = Callable[[Any, Any, Answers], HostChecklist]
"""(session, preview, answers) → the host checklist for the runner the preview leaves."""


def plan_host_checklist(session: Any, preview: Any, answers: Answers) -> HostChecklist:
    """The core's host plan for the previewed runner, as rows and files.

    ``session`` and ``preview`` are the core's own :class:`~wizard.session.WizardSession`
    and :class:`~wizard.session.Preview`; the line-mode wizard builds its review
    from the same plan.
    """
    from wizard.host_plan import measures_of, plan_host_for  # deferred: loads the core

    host = plan_host_for(session, preview, answers)
    items = [CheckItem(i.title, i.why, measures_of(i)) for i in host.items]
    return HostChecklist(checklist_rows(items, host.planned), dict(host.files))
