"""The last look before writing: answers, findings before → after, the diff, the
host checklist and the offer to write the hardening files; then Save, Back, or
Quit without saving."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.table import Column
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, HorizontalScroll, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Static

from wizard.base.safe_text import Safe, compose, ours, render, shown
from wizard.session.checklist_rows import HostChecklist
from wizard.tui.formatting import (
    as_lines,
    coloured_diff,
    finding_parts,
    findings_line_parts,
    host_rows_table,
)
from wizard.tui.messages import QuitWithoutSaving
from wizard.tui.ports import PreviewView
from wizard.tui.safe_widgets import Part, Parts, grid, plain, styled
from wizard.tui.screens.base import WizardScreen, help_body
from wizard.tui.state import REVIEW
from wizard.tui.widgets.choices import TickBox, WrappingTickBox
from wizard.tui.widgets.sidebar import SidebarEntry

if TYPE_CHECKING:
    from rich.table import Table

    from wizard.session.review import ReviewFacts


class ReviewScreen(WizardScreen):
    """Shows exactly what Save writes; the diff comes from the core, secrets masked."""

    position = REVIEW

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "save", "Save"),
        Binding("r", "reread", "Re-read file", show=False),
        # The diff can be long: the review scrolls a page at a time, whatever has focus.
        Binding("pagedown", "page(1)", "Page down", key_display="PgDn", priority=True),
        Binding("pageup", "page(-1)", "Page up", key_display="PgUp", priority=True),
    ]

    class SaveRequested(Message):
        """The user pressed Save; ``artifacts_folder`` is set when the hardening files
        go along."""

        def __init__(self, artifacts_folder: Path | None, *, safe_only: bool = False) -> None:
            super().__init__()
            self.artifacts_folder = artifacts_folder
            self.safe_only = safe_only
            """Write only the changes that cannot break a job (the others were declined)."""

    class RereadRequested(Message):
        """After a refused save: read the file again, keeping the answers."""

    class FixTicked(Message):
        """The user ticked or unticked an offered fix (named by its fix id)."""

        def __init__(self, fix: str, ticked: bool) -> None:
            super().__init__()
            self.fix = fix
            self.ticked = ticked

    class ArtifactsChoice(Message):
        """The user ticked the box or typed the folder: the app remembers both."""

        def __init__(self, enabled: bool, folder: str) -> None:
            super().__init__()
            self.enabled = enabled
            self.folder = folder

    def __init__(
        self,
        *,
        sidebar: list[SidebarEntry],
        title_bar: Safe,
        answers: Sequence[tuple[Safe, Safe]],
        file_name: Safe,
        artifacts_folder: str,
        write_artifacts: bool = False,
        server_note: Safe | None = None,
    ) -> None:
        super().__init__(sidebar=sidebar, title_bar=title_bar)
        self.server_note = server_note
        """What GitLab says about protecting this runner (worded by the core)."""
        self.answers = answers
        self.file_name = file_name
        self.artifacts_folder = artifacts_folder
        self.write_artifacts = write_artifacts
        self.host: HostChecklist | None = None
        self.preview: PreviewView | None = None
        self.facts: ReviewFacts | None = None
        """The review's facts from the core (problems, remaining findings)."""
        self._problem: Safe | None = None
        self._mounted = False
        self.saving = False
        self.ticked: frozenset[str] = frozenset()
        self._offer_ids: dict[str, str] = {}
        self._offer_round = 0
        """Offer checkbox id → the fix id it ticks."""
        self.quit_armed = False
        """q was pressed once: the next press quits without saving."""

    def compose_main(self) -> ComposeResult:
        yield Static("Review", classes="screen-title")
        with VerticalScroll(id="review"):
            yield Static(plain(ours("Working out the changes…"), "dim"), id="findings-total")
            if self.server_note:
                yield Static(plain(self.server_note, "bold"), id="server-note")
            yield Static("What changes, and what it may break", classes="section-title")
            yield Static("", id="changes")
            yield Static("Fixes no answer decides", classes="section-title", id="offers-title")
            yield Vertical(id="offers")
            yield Static(
                plain(compose("Changes to {name}", name=self.file_name)), classes="section-title"
            )
            with HorizontalScroll(id="diff-box"):
                yield Static(plain(ours("…"), "dim"), id="diff")
            yield Static("Still reported after saving", classes="section-title")
            yield Static("", id="review-findings")
            yield Static("Your answers", classes="section-title")
            yield Static(self._answers_table(), id="answers")
            yield Static("To do on the host or in the cloud", classes="section-title")
            yield Static(plain(ours("…"), "dim"), id="checklist")
            yield Static("Hardening files for the host", classes="section-title")
            yield Static(plain(ours("…"), "dim"), id="artifact-names")
            yield TickBox(
                "Also write them, in the same save, to the folder:",
                value=self.write_artifacts,
                id="write-artifacts",
                compact=True,
            )
            yield Input(
                self.artifacts_folder,
                id="artifacts-folder",
                disabled=not self.write_artifacts,
                compact=True,
            )
        yield Static("", id="save-problem")
        with Horizontal(classes="actions"):
            yield Button("Save", id="save", variant="success", compact=True, disabled=True)
            yield Button(
                "Read the file again, keep answers (r)",
                id="reread",
                variant="warning",
                compact=True,
            )
            yield Button("Back", id="back", compact=True)
            yield Button("Quit without saving", id="quit", variant="error", compact=True)

    def _answers_table(self) -> Table:
        rows = [([Part(prompt)], [Part(value)]) for prompt, value in self.answers]
        return grid(rows, Column(style="dim", ratio=3), Column(ratio=2), padding=2)

    def on_mount(self) -> None:
        self._mounted = True
        self.query_one("#reread", Button).display = False
        if self.preview is not None:
            self._render_preview(self.preview, self.host)
        elif self._problem is not None:
            self.show_problem(self._problem)

    def show_preview(
        self,
        preview: PreviewView,
        host: HostChecklist | None = None,
        *,
        ticked: frozenset[str] = frozenset(),
        facts: ReviewFacts | None = None,
    ) -> None:
        """The app computed what Save would write (maybe before this screen is up)."""
        self.preview = preview
        self.host = host
        self.facts = facts
        self.ticked = ticked
        self._problem = None
        if self._mounted:
            self._render_preview(preview, host)

    def _render_changes(self, preview: PreviewView) -> None:
        from wizard.answers.impact import (
            FILL_IN_HEADING,
            MAY_BREAK_HEADING,
            NONE_HEADING,
            change_report,
        )

        lines: Parts = []
        if preview.managed and preview.changed:
            warning = render("Warning: {managed}", managed=preview.managed)
            lines.append(Part(warning, "bold yellow"))
        mode = preview.mode_change
        if mode is not None:
            sentence = mode.sentence(self.file_name)
            if mode.read_only:
                lines.append(Part(render("Warning: {sentence}", sentence=sentence), "bold yellow"))
            else:
                lines.append(Part(render("Note: {sentence}", sentence=sentence)))
        if preview.to_fill_in:
            lines.append(Part(ours(FILL_IN_HEADING), "bold yellow"))
            lines += [Part(render("  {gap}", gap=gap)) for gap in preview.to_fill_in]
        # The core's change report (the review's facts hold the same lines, as str).
        for line in change_report(list(preview.changes)):
            if line.startswith(MAY_BREAK_HEADING):
                lines.append(Part(line, "bold red"))
            elif line.startswith(NONE_HEADING):
                lines.append(Part(line, "bold green"))
            elif line.lstrip().startswith("may break:"):
                lines.append(Part(line, "yellow"))
            else:
                lines.append(Part(line))
        if not preview.changes:
            lines.append(Part(ours("No setting changes."), "green"))
        self.query_one("#changes", Static).update(styled(as_lines(lines)))
        self._render_offers(preview)

    def _render_offers(self, preview: PreviewView) -> None:
        from wizard.answers.impact import fix_id, offer_line

        box = self.query_one("#offers", Vertical)
        focused = self.focused
        keep_focus = self._offer_ids.get(focused.id or "") if focused is not None else None
        box.remove_children()  # finishes later: the new boxes get ids of their own
        self._offer_round += 1
        self._offer_ids = {}
        offers = list(preview.offered)
        # Ticked fixes are applied, so the core no longer offers them: keep their boxes.
        self.query_one("#offers-title", Static).display = bool(offers or self.ticked)
        boxes = []
        for number, finding in enumerate(offers):
            widget_id = f"offer-{self._offer_round}-{number}"
            self._offer_ids[widget_id] = fix_id(finding)
            boxes.append(
                WrappingTickBox(
                    plain(offer_line(finding)),
                    value=False,
                    id=widget_id,
                    classes="offer",
                    compact=True,
                )
            )
        for number, fix in enumerate(sorted(self.ticked)):
            widget_id = f"ticked-{number}"
            self._offer_ids[widget_id] = fix
            boxes.append(
                WrappingTickBox(
                    plain(shown(fix)), value=True, id=widget_id, classes="offer", compact=True
                )
            )
        if boxes:
            box.mount_all(boxes)
            # The box just ticked is a new widget now: the focus stays on it.
            again = next((b for b in boxes if self._offer_ids[b.id or ""] == keep_focus), None)
            if again is not None:
                self.call_after_refresh(again.focus)

    @on(Checkbox.Changed, ".offer")
    def _offer_toggled(self, event: Checkbox.Changed) -> None:
        event.stop()
        fix = self._offer_ids.get(event.checkbox.id or "")
        if fix is not None:
            self.post_message(self.FixTicked(fix, event.value))

    def arm_quit(self) -> None:
        """The first q on the review: say what a second one does."""
        self.quit_armed = True
        self.query_one("#save-problem", Static).update(
            plain(
                ours(
                    "Press q again to quit without saving: your answers and this review are "
                    "thrown away. Esc goes back to the questions."
                ),
                "bold yellow",
            )
        )

    def _render_preview(self, preview: PreviewView, host: HostChecklist | None) -> None:
        checklist = self.query_one("#checklist", Static)
        names = self.query_one("#artifact-names", Static)
        if host is None:
            checklist.update(plain(ours("The host checklist could not be worked out."), "red"))
            names.update(plain(ours("The hardening files could not be worked out."), "red"))
        else:
            checklist.update(host_rows_table(host.rows))
            names.update(plain(shown(", ".join(host.files)), "dim"))
        total = [Part(ours("Findings, now → after saving:  "))]
        total += findings_line_parts(preview.findings_before, preview.findings_after)
        self.query_one("#findings-total", Static).update(styled(total, style="bold"))
        self._render_changes(preview)
        summary: Parts = []
        facts = self.facts
        remaining = list(facts.remaining if facts is not None else preview.findings_after)
        if not remaining:
            summary.append(Part(ours("Nothing."), "green"))
        # Every finding: the review scrolls, and a hidden one is one not seen.
        for finding in remaining:
            if summary:
                summary.append(Part(ours("\n")))
            summary += finding_parts(finding)
        gap = "\n\n" if remaining else "\n"
        for problem in facts.problems if facts is not None else ():
            warning = render("{gap}Warning: {problem}", gap=gap, problem=problem)
            summary.append(Part(warning, "bold yellow"))
        self.query_one("#review-findings", Static).update(styled(summary))
        save = self.query_one("#save", Button)
        if preview.changed:
            self.query_one("#diff", Static).update(coloured_diff(preview.diff))
            save.label = "Save"
        else:
            self.query_one("#diff", Static).update(
                plain(ours("No change: the file already matches your answers."), "green")
            )
            save.label = "Finish"
        save.disabled = False

    def show_problem(self, message: Safe) -> None:
        self.preview = None
        self._problem = message
        if not self._mounted:
            return
        self.query_one("#save", Button).disabled = True
        self.query_one("#findings-total", Static).update(plain(message, "bold red"))
        self.query_one("#diff", Static).update("")

    def show_save_problem(self, message: Safe, *, reread: bool = False) -> None:
        """A refused or failed save: one line, nothing was written. ``reread``: the core
        says reading the file again could save the same answers (it changed underneath)."""
        self.saving = False
        self.query_one("#save", Button).disabled = False
        button = self.query_one("#reread", Button)
        button.display = reread
        if reread:
            button.focus()
        self.query_one("#save-problem", Static).update(
            plain(compose("Not saved: {message}", message=message), "bold red")
        )

    def show_reread(self, message: Safe) -> None:
        """The file was read again: say so; the app recomputes the preview."""
        self.query_one("#reread", Button).display = False
        self.query_one("#save-problem", Static).update(plain(message, "yellow"))

    def action_reread(self) -> None:
        if self.query_one("#reread", Button).display and not self.saving:
            self.post_message(self.RereadRequested())

    @on(Button.Pressed, "#reread")
    def _reread_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_reread()

    def artifacts_target(self) -> Path | None:
        """The folder for the hardening files, when the user wants them written."""
        if not self.query_one("#write-artifacts", Checkbox).value:
            return None
        text = self.query_one("#artifacts-folder", Input).value.strip()
        return Path(text).expanduser() if text else None

    @on(Checkbox.Changed, "#write-artifacts")
    def _artifacts_toggled(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.write_artifacts = event.value
        self.query_one("#artifacts-folder", Input).disabled = not event.value
        self.post_message(self.ArtifactsChoice(self.write_artifacts, self.artifacts_folder))

    @on(Input.Changed, "#artifacts-folder")
    def _folder_typed(self, event: Input.Changed) -> None:
        event.stop()
        self.artifacts_folder = event.value
        self.post_message(self.ArtifactsChoice(self.write_artifacts, self.artifacts_folder))

    @on(Input.Submitted, "#artifacts-folder")
    def _folder_submitted(self, event: Input.Submitted) -> None:
        """Enter in the folder line moves on to Save, as Enter does everywhere here."""
        event.stop()
        self.action_next()

    def action_save(self) -> None:
        if self.preview is None or self.saving:
            return
        folder = self.artifacts_target()
        if self.write_artifacts and folder is None:
            self.show_save_problem(ours("give a folder for the hardening files, or untick the box"))
            self.query_one("#artifacts-folder", Input).focus()
            return
        risky = list(self.preview.may_break)
        if risky:
            # Asked once, explicitly, naming each: nothing that may break is written on
            # one keypress; No (Enter) writes the changes that cannot break a job.
            from wizard.answers.impact import change_report, declined_note, save_confirmation
            from wizard.tui.screens.confirm_save import ConfirmSaveScreen

            safe = len(self.preview.changes) - len(risky)

            def answered(yes: bool | None) -> None:
                if yes:
                    self._write(folder)
                elif yes is False and safe:
                    self._write(folder, safe_only=True)
                else:
                    self.query_one("#save", Button).focus()

            lines = [*change_report(risky), ours(""), render("{note}.", note=declined_note(safe))]
            question = ConfirmSaveScreen(ours(save_confirmation(len(risky))), lines)
            self.app.push_screen(question, answered)
            return
        self._write(folder)

    def _write(self, folder: Path | None, *, safe_only: bool = False) -> None:
        self.saving = True
        self.query_one("#save", Button).disabled = True
        self.query_one("#save-problem", Static).update(plain(ours("Saving…"), "dim"))
        self.post_message(self.SaveRequested(folder, safe_only=safe_only))

    def action_page(self, direction: int) -> None:
        """PageDown/PageUp: the review (answers, changes, diff) moves by one page."""
        review = self.query_one("#review", VerticalScroll)
        if direction > 0:
            review.scroll_page_down(animate=False)
        else:
            review.scroll_page_up(animate=False)

    def action_next(self) -> None:
        """Enter does not write: it moves to the Save button, a second Enter presses it."""
        self.query_one("#save", Button).focus()

    @on(Button.Pressed, "#save")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#back")
    def _back_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_back()

    @on(Button.Pressed, "#quit")
    def _quit_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(QuitWithoutSaving())

    def help_text(self) -> tuple[Safe, Parts]:
        return help_body(
            "Review",
            "The diff is exactly what Save writes (tokens and keys are masked here, not in "
            "the file). Save writes a new file next to the old one and swaps it in, keeps "
            "a timestamped backup, sets mode 0600, and refuses if someone else changed the "
            "file since it was read (GitLab Runner rewrites it when it rotates a token). "
            "The host checklist lists what config.toml cannot do, marked by what you "
            "planned on the network step. Tick the box to write the hardening files "
            "(an nftables ruleset, a Docker daemon.json fragment, the checklist with how "
            "to check each item) into the folder you name, in the same save. "
            "PageDown and PageUp move the review, diff included, a page at a time.",
        )
