"""The review's host section as rows: one builder for both wizards.

Each checklist item carries the network-step measures it carries out
(:attr:`~wizard.artifacts.ChecklistItem.measures`), so a row's status says
whether the operator planned them: planned, partly planned, not planned, or a
plain to-do for items that carry out no measure. A measure no item covers
(it does not apply to this executor) still gets a row, so no choice made on
the network step vanishes. The Textual review draws these rows with marks,
the line-mode review prints them with tags; neither decides anything.

Loading this module is cheap: it knows rows, not sessions. The plan that feeds
it (:mod:`wizard.session.host_plan`) depends on it, never the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from wizard.answers.steps import question
from wizard.base.safe_text import Message

ARTIFACTS_FOLDER = "runner-hardening"
"""Where both wizards offer to write the hardening files: a folder next to ``config.toml``."""


def write_host_files_by_default(*, folder_named: bool) -> bool:
    """What Enter (or ``--accept-defaults``) answers to "also write the hardening files?".

    No, in both wizards, unless the operator already named a folder for them
    (``--artifacts DIR``): they land outside config.toml, so only an explicit yes
    writes them.
    """
    return folder_named


HostStatus = Literal["planned", "partly", "not-planned", "to-do", "done", "on-save"]

PrivateConfig = Literal["done", "on-save"] | None
"""Whether config.toml is mode 0600 already (``done``) or the save writes it so."""

STATUS_WORDS: Mapping[HostStatus, str] = {
    "planned": "planned",
    "partly": "partly planned",
    "not-planned": "not planned",
    "to-do": "to do",
    "done": "done",
    "on-save": "done on save",
}
"""A row's status in words, the same in both wizards."""


class CheckItem(Protocol):
    """What a row is made from: a checklist item and the measures it carries out."""

    @property
    def title(self) -> str: ...

    @property
    def why(self) -> str: ...

    @property
    def measures(self) -> tuple[str, ...]: ...

    @property
    def settled_by_save(self) -> bool:
        """The item asks for a private config.toml, which every save makes it."""
        ...


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
    files_problem: Message | None = None
    """Why the files cannot be written (a value would leave its slot); ``files`` is empty."""


def checklist_rows(
    items: Sequence[CheckItem], planned: Sequence[str], *, config_private: PrivateConfig = None
) -> tuple[HostRow, ...]:
    """Measure items first, marked by what the operator planned; then the to-dos.

    With ``config_private`` (the file is, or the save leaves it, mode 0600) the item
    that asks for exactly that is done (or done on save), not a to-do.
    """
    chosen = set(planned)
    measure_rows: list[HostRow] = []
    other_rows: list[HostRow] = []
    covered: set[str] = set()
    for item in items:
        measures = set(item.measures)
        covered |= measures
        if not measures:
            settled = config_private if item.settled_by_save else None
            other_rows.append(HostRow(settled or "to-do", item.title, item.why))
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
