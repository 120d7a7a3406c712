"""The live count of findings by severity, before and after the answers so far."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from wizard.base.model import Finding
from wizard.tui.formatting import findings_line


class FindingsCount(Static):
    """``Findings now → with your answers: high 3→0 …``; the app sets the numbers."""

    def __init__(self) -> None:
        super().__init__(Text("Findings: counting…", style="dim"), id="findings-count")

    def show(self, before: Sequence[Finding], after: Sequence[Finding]) -> None:
        text = Text("Findings, now → with your answers:  ", style="bold")
        text.append_text(findings_line(before, after))
        self.update(text)

    def show_problem(self, message: str) -> None:
        self.update(Text(f"Findings: {message}", style="red"))
