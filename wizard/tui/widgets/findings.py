"""The live count of findings by severity, before and after the answers so far."""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets import Static

from wizard.base.model import Finding
from wizard.base.safe_text import Safe, compose, ours
from wizard.tui.formatting import findings_line_parts
from wizard.tui.safe_widgets import Part, plain, styled


class FindingsCount(Static):
    """``Findings now → with your answers: high 3→0 …``; the app sets the numbers."""

    def __init__(self) -> None:
        super().__init__(plain(ours("Findings: counting…"), "dim"), id="findings-count")

    def show(self, before: Sequence[Finding], after: Sequence[Finding]) -> None:
        heading = Part(ours("Findings, now → with your answers:  "))
        self.update(styled([heading, *findings_line_parts(before, after)], style="bold"))

    def show_problem(self, message: Safe) -> None:
        self.update(plain(compose("Findings: {message}", message=message), "red"))
