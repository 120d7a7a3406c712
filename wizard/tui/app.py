"""The Textual app: owns the wizard's state and session, and decides the flow.

Screens show what the app hands them and post messages saying what the user
did; the app updates :class:`~wizard.tui.state.WizardState`, asks the core
for previews and saves in worker threads, and shows the next screen. Build it
with :func:`build_app`, the one factory the CLI, the tests and the screenshot
script share.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.widgets import Static

from wizard.answers.model import Answers, PrivilegedNeed
from wizard.answers.steps import STEPS
from wizard.base.errors import WizardError, said_by
from wizard.base.model import RunnerIdentity
from wizard.base.safe_text import Safe, compose, joined, one_line, ours, render, shown
from wizard.runner.settings import runner_label
from wizard.session.checklist_rows import (
    ARTIFACTS_FOLDER,
    HostChecklist,
    write_host_files_by_default,
)
from wizard.tui.formatting import (
    answer_rows,
    display_path,
    finding_parts,
    findings_summary,
)
from wizard.tui.messages import GoBack, GoNext, QuitWithoutSaving
from wizard.tui.ports import (
    HostPlanner,
    PreviewView,
    RereadView,
    SaveView,
    ServerConsentReader,
    ServerConsentView,
    ServerStatusReader,
    ServerStatusView,
    SessionOpener,
    SessionPort,
    find_initial_path,
    open_real_session,
    plan_real_host,
    server_readers,
)
from wizard.tui.safe_widgets import Part, Parts, notify_plain, plain
from wizard.tui.screens.base import WizardScreen
from wizard.tui.screens.done import DoneScreen
from wizard.tui.screens.review import ReviewScreen
from wizard.tui.screens.runner import RunnerScreen
from wizard.tui.screens.start import StartScreen, path_from_text
from wizard.tui.screens.step import QuestionView, StepScreen
from wizard.tui.state import REVIEW, RUNNER, START, FileFacts, WizardState
from wizard.tui.widgets.question import QuestionField
from wizard.tui.widgets.sidebar import EntryStatus, SidebarEntry, StepSidebar

if TYPE_CHECKING:
    from wizard.session.outcome import HostFilesOutcome
    from wizard.session.presets import Preset
    from wizard.session.review import ReviewFacts

EXIT_SAVED = 0
"""The file was written, or it already matched the answers."""
EXIT_NOT_SAVED = 1
"""The user left without saving (q, Quit): nothing was written."""
EXIT_INTERRUPTED = 130
"""Ctrl+C, as for every other command: nothing was written."""
# The config saved but the hardening files not: the core's outcome says 2
# (wizard.session.outcome.EXIT_NOT_WRITTEN), and the Done screen takes its exit code from it.

NOTHING_WRITTEN = ours("No changes were written.")

STEP_IDS = frozenset(s.id for s in STEPS)

SIDEBAR_LABELS = {START: ours("File"), RUNNER: ours("Runner"), REVIEW: ours("Review")} | {
    s.id: ours(s.title) for s in STEPS
}


class WizardApp(App[int]):
    """The full-screen wizard. Its return value is the process exit code."""

    CSS_PATH = "wizard.tcss"
    TITLE = "runner-wizard"
    ENABLE_COMMAND_PALETTE = False
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [  # type: ignore[misc]
        (0, "-narrow"),
        (90, "-wide"),
    ]
    """Narrow terminals get a slimmer step list (see wizard.tcss)."""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+c", "interrupt", "Quit", priority=True, show=False),
        # Replaces Textual's own Ctrl+Q, which would leave without the closing line.
        # The screens bind q and show both keys (see WizardScreen).
        Binding("ctrl+q", "quit_without_saving", "Quit", priority=True, show=False),
    ]

    def __init__(
        self,
        state: WizardState,
        *,
        open_session: SessionOpener,
        preset: Preset | None = None,
        plan_host: HostPlanner = plan_real_host,
        read_server: ServerStatusReader | None = None,
        read_consent: ServerConsentReader | None = None,
        gitlab_url: str | None = None,
    ) -> None:
        super().__init__()
        consent, status = server_readers(gitlab_url)
        self.read_server = read_server or status
        self.read_consent = read_consent or consent
        """What the core asks before the access token goes to a GitLab the file names."""
        self.server_status: Mapping[int, ServerStatusView] = {}
        """GitLab's view of each runner, when an access token is set (else empty)."""
        self.state = state
        self.open_session = open_session
        self.preset = preset
        """Its pinned settings go into every preview (its answers are in ``state``)."""
        self.plan_host = plan_host
        self.latest_host: HostChecklist | None = None
        self.latest_facts: ReviewFacts | None = None
        """The host checklist and files for the latest preview (``None``: not worked out)."""
        self.artifacts_wanted = write_host_files_by_default(folder_named=False)
        self.artifacts_folder: str | None = None
        """What the review's "also write the hardening files" says (``None``: default)."""
        self.done = False
        """The Done screen is up: whatever was to be written has been."""
        self.done_code = EXIT_SAVED
        self.session: SessionPort | None = None
        self.facts: FileFacts | None = None
        self.position = START
        self.latest_preview: PreviewView | None = None
        self.saved: SaveView | None = None
        self.outcome: Safe = NOTHING_WRITTEN
        """What the command prints once the app has closed (masked, one line per part)."""
        self._preview_generation = 0
        self.ticked: set[str] = set()
        """Offered fixes (by :func:`wizard.answers.impact.fix_id`) ticked on the review."""

    # ----------------------------------------------------------------- flow

    def on_mount(self) -> None:
        self.push_screen(self._make_screen(START))
        self._read_file(self.state.path)

    async def go(self, position: str) -> None:
        """Show ``position`` as the state describes it.

        From one step to another the step screen updates itself in place (the
        frame, sidebar and findings bar stay); other moves build the screen.
        """
        self.position = position
        self.state.visited.add(position)
        screen = self.screen
        if isinstance(screen, StepScreen) and position in STEP_IDS:
            await screen.show_step(**self._step_parts(position))
        else:
            self.switch_screen(self._make_screen(position))
        if position in SIDEBAR_LABELS and position not in (START, RUNNER):
            self._schedule_preview()

    @on(GoNext)
    async def _go_next(self, message: GoNext) -> None:
        if message.position in (START, RUNNER, REVIEW, "done"):
            return  # those screens post their own, more specific messages
        await self.go(self.state.following(message.position))

    @on(GoBack)
    async def _go_back(self, message: GoBack) -> None:
        previous = self.state.preceding(message.position)
        if previous is not None:
            await self.go(previous)

    @on(StepSidebar.Jump)
    async def _jump(self, message: StepSidebar.Jump) -> None:
        if not self.done and message.position in self.state.visited:
            await self.go(message.position)

    @on(StartScreen.PathEntered)
    def _path_entered(self, message: StartScreen.PathEntered) -> None:
        self.state.path = path_from_text(message.text)
        self._read_file(self.state.path)

    @on(StartScreen.Proceed)
    async def _start_chosen(self, message: StartScreen.Proceed) -> None:
        if self.session is None:
            return
        if message.mode != self.state.mode:
            self.state.mode = message.mode
            self.state.runner_index = None
        await self.go(RUNNER)

    @on(RunnerScreen.Proceed)
    async def _runner_chosen(self, message: RunnerScreen.Proceed) -> None:
        assert self.session is not None
        assert self.state.mode is not None
        same_target = (
            RUNNER in self.state.visited
            and self.state.runner_index == message.runner_index
            and self.state.also == message.also
            and (self.state.identity is None) == (message.identity is None)
            and any(s.id in self.state.visited for s in STEPS)
        )
        self.state.identity = message.identity
        if not same_target:
            current = self.session.current_answers(message.runner_index)
            self.state.reset_runner(
                self.state.mode, message.runner_index, current, also=message.also
            )
        await self.go(self.state.following(RUNNER))

    @on(QuestionField.Changed)
    async def _answered(self, message: QuestionField.Changed) -> None:
        self.state.choose(message.question, message.value)
        screen = self.screen
        if isinstance(screen, WizardScreen):
            await screen.query_one(StepSidebar).show(self._sidebar())
        self._schedule_preview()

    @on(ReviewScreen.FixTicked)
    def _fix_ticked(self, message: ReviewScreen.FixTicked) -> None:
        if message.ticked:
            self.ticked.add(message.fix)
        else:
            self.ticked.discard(message.fix)
        self._schedule_preview()

    @on(ReviewScreen.ArtifactsChoice)
    def _artifacts_choice(self, message: ReviewScreen.ArtifactsChoice) -> None:
        self.artifacts_wanted = message.enabled
        self.artifacts_folder = message.folder

    @on(ReviewScreen.SaveRequested)
    def _save_requested(self, message: ReviewScreen.SaveRequested) -> None:
        preview = self.latest_preview
        screen = self.screen
        if preview is None or self.session is None or not isinstance(screen, ReviewScreen):
            return
        folder = message.artifacts_folder
        if folder is not None and self.latest_host is None:
            screen.show_save_problem(
                ours(
                    "the hardening files could not be worked out; untick the box to save "
                    "the config alone"
                )
            )
            return
        if folder is not None and self.latest_host and self.latest_host.files_problem:
            screen.show_save_problem(
                render(
                    "{problem}; untick the box to save the config alone",
                    problem=self.latest_host.files_problem,
                )
            )
            return
        files = dict(self.latest_host.files) if folder and self.latest_host else {}
        if not preview.changed and folder is None:
            self._show_done(None)
            return
        self._save(self.session, preview, folder, files, safe_only=message.safe_only)

    @on(DoneScreen.Finished)
    def _finished(self) -> None:
        self.exit(self.done_code)

    @on(DoneScreen.PresetRequested)
    def _preset_requested(self, message: DoneScreen.PresetRequested) -> None:
        screen = self.screen
        if not isinstance(screen, DoneScreen):
            return
        ok, line = write_preset_file(
            Path.cwd(), message.name, self.state.answers_for_preset(), message.description
        )
        screen.show_preset_result(line, ok=ok)

    @on(QuitWithoutSaving)
    def _quit_requested(self) -> None:
        """The review's "Quit without saving" button: explicit already, so it quits."""
        self._quit_now()

    def action_quit_without_saving(self) -> None:
        """q / Ctrl+Q. On the review, where every answer is given, a stray key must not
        throw them away: the first press asks, the second quits."""
        screen = self.screen
        if not self.done and isinstance(screen, ReviewScreen) and not screen.quit_armed:
            screen.arm_quit()
            return
        self._quit_now()

    def _quit_now(self) -> None:
        if self.done:
            self.exit(self.done_code)
            return
        self.outcome = NOTHING_WRITTEN
        self.exit(EXIT_NOT_SAVED)

    def action_interrupt(self) -> None:
        if self.done:
            self.exit(self.done_code)
            return
        self.outcome = NOTHING_WRITTEN
        self.exit(EXIT_INTERRUPTED)

    # ------------------------------------------------------------- screens

    def _shown_path(self) -> str:
        if self.state.path is None:
            return "(looking for the runner's config…)"
        return display_path(self.state.path)

    def _title_bar(self) -> Safe:
        parts = [ours("runner-wizard"), render("{path}", path=self._shown_path())]
        if self.state.mode == "harden" and self.state.runner_index is not None and self.facts:
            targets = (self.state.runner_index, *self.state.also)
            names = [
                render("{name}", name=runner_label(r.name, r.index))
                for r in self.facts.runners
                if r.index in targets
            ]
            if names:
                noun = ours("runners" if len(names) > 1 else "runner")
                parts.append(compose("{noun} {names}", noun=noun, names=joined(names, ", ")))
        elif self.state.identity is not None and self.state.identity.name:
            parts.append(render("new runner {name}", name=self.state.identity.name))
        return joined(parts, "  ·  ")

    def _sidebar(self) -> list[SidebarEntry]:
        applicable = {s.id for s in self.state.applicable_steps()}
        entries = []
        for position in (START, RUNNER, *(s.id for s in STEPS), REVIEW):
            status: EntryStatus
            if position in {s.id for s in STEPS} and position not in applicable:
                status = "skipped"
            elif self.done:
                status = "done"
            elif position == self.position:
                status = "current"
            elif position in self.state.visited:
                status = "visited"
            else:
                status = "pending"
            entries.append(SidebarEntry(position, SIDEBAR_LABELS[position], status))
        return entries

    def _make_screen(self, position: str) -> WizardScreen:
        sidebar, title_bar = self._sidebar(), self._title_bar()
        if position == START:
            return StartScreen(
                sidebar=sidebar,
                title_bar=title_bar,
                path_text="" if self.state.path is None else display_path(self.state.path),
                mode=self.state.mode,
            )
        if position == RUNNER:
            assert self.state.mode is not None
            return RunnerScreen(
                sidebar=sidebar,
                title_bar=title_bar,
                mode=self.state.mode,
                runners=self.facts.runners if self.facts else (),
                runner_index=self.state.runner_index,
                identity=self.state.identity,
                also=self.state.also,
                server=self.server_status,
            )
        if position == REVIEW:
            return ReviewScreen(
                sidebar=sidebar,
                title_bar=title_bar,
                answers=answer_rows(self.state),
                file_name=render("{path}", path=self._shown_path()),
                artifacts_folder=self._artifacts_folder_text(),
                write_artifacts=self.artifacts_wanted,
                server_note=self._server_note(),
            )
        return StepScreen(**self._step_parts(position))

    def _step_parts(self, position: str) -> dict[str, Any]:
        """What a step screen shows for ``position``, worked out from the state."""
        steps = self.state.applicable_steps()
        step = next(s for s in steps if s.id == position)
        answers = self.state.effective()
        views = [
            QuestionView(
                question=q,
                value=self.state.value_for(q),
                recommended=self.state.core_default(q).recommended,
                current=getattr(self.state.current, q.field),
                can_keep=self.state.can_keep(q),
                locked=q.field in self.state.locked,
            )
            for q in step.applicable(answers)
        ]
        return {
            "sidebar": self._sidebar(),
            "title_bar": self._title_bar(),
            "step": step,
            "number": steps.index(step) + 1,
            "total": len(steps),
            "questions": views,
        }

    def _server_note(self) -> Safe | None:
        """What GitLab says about protecting the chosen runner, worded by the core."""
        index = self.state.runner_index
        status = self.server_status.get(index) if index is not None else None
        if status is None:
            return None
        privileged = self.state.effective().privileged == PrivilegedNeed.PRIVILEGED
        line = status.review_line(privileged=privileged)
        return None if line is None else shown(line)

    def _artifacts_folder_text(self) -> str:
        """The folder the user typed, else ``runner-hardening`` next to the config."""
        if self.artifacts_folder is not None:
            return self.artifacts_folder
        if self.state.path is None:
            return ARTIFACTS_FOLDER
        return display_path(self.state.path.parent / ARTIFACTS_FOLDER)

    # ------------------------------------------------------------- workers

    @work(thread=True, exclusive=True, group="open")
    def _read_file(self, path: Path | None) -> None:
        """Open the file off the event loop: parsing is the slow part of starting."""
        if path is None:
            path = find_initial_path()
        display = display_path(path)
        try:
            session = self.open_session(path)
            facts = FileFacts(display, session.exists, tuple(session.runners()))
        except WizardError as error:
            problem = FileFacts(display, False, (), one_line(shown(error.message)))
            self.call_from_thread(self._file_read, path, None, problem)
            return
        self.call_from_thread(self._file_read, path, session, facts)

    def _file_read(self, path: Path, session: SessionPort | None, facts: FileFacts) -> None:
        self.state.path = path
        self.session = session
        self.facts = facts
        self.state.file_executor = session.file_executor if session is not None else None
        if session is not None and self.state.runner_index is not None:
            self.state.runner_index = None
            self.state.also = ()
        screen = self.screen
        if isinstance(screen, StartScreen):
            screen.show_facts(facts)
            screen.query_one("#title-bar", Static).update(plain(self._title_bar()))
        self.server_status = {}
        if session is not None and session.exists and facts.runners:
            self._ask_server(path)

    @work(thread=True, exclusive=True, group="server")
    def _ask_server(
        self,
        path: Path,
        confirmed: frozenset[str] | None = None,
        trust_file_ca: bool = False,
    ) -> None:
        """Ask GitLab about the file's runners off the event loop; a slow or failing
        server only leaves the extra lines out. ``confirmed`` is ``None`` until the
        operator answered the core's question (when it has one): nothing is sent before."""
        try:
            if confirmed is None:
                consent = self.read_consent(path)
                if consent is not None:
                    self.call_from_thread(self._confirm_gitlab, path, consent)
                    return
                confirmed = frozenset()
            status = self.read_server(path, confirmed=confirmed, trust_file_ca=trust_file_ca)
        except Exception:
            return
        self.call_from_thread(self._server_answered, path, status)

    def _confirm_gitlab(self, path: Path, consent: ServerConsentView) -> None:
        """The operator says whether the token may go to the GitLab the file names."""
        if path != self.state.path:
            return
        from wizard.tui.screens.confirm_gitlab import (
            DONT_SEND,
            SEND_AND_TRUST_CA,
            ConfirmGitLabScreen,
        )

        def answered(answer: str | None) -> None:
            if answer in (None, DONT_SEND) or path != self.state.path:
                return
            self._ask_server(
                path, frozenset({consent.origin}), trust_file_ca=answer == SEND_AND_TRUST_CA
            )

        question = ConfirmGitLabScreen(
            shown(consent.question),
            [shown(line) for line in consent.lines],
            offers_ca=consent.ca_file is not None,
        )
        self.push_screen(question, answered)

    def _server_answered(self, path: Path, status: Mapping[int, ServerStatusView]) -> None:
        if path != self.state.path:
            return
        self.server_status = status
        if isinstance(self.screen, RunnerScreen):
            self.screen.show_server(status)

    def _schedule_preview(self) -> None:
        if self.session is None:
            return
        self._preview_generation += 1
        self._preview(
            self.session,
            self._preview_generation,
            self.state.answers_for_core(),
            runner_index=self.state.runner_index,
            identity=self.state.identity,
            also=self.state.also,
            ticked=frozenset(self.ticked),
        )

    @work(thread=True, exclusive=True, group="preview")
    def _preview(
        self,
        session: SessionPort,
        generation: int,
        answers: Answers,
        *,
        runner_index: int | None,
        identity: RunnerIdentity | None,
        also: Sequence[int],
        ticked: frozenset[str],
    ) -> None:
        try:
            preview = session.preview(
                answers,
                runner_index=runner_index,
                identity=identity,
                preset=self.preset,
                also=also,
                ticked=ticked,
            )
        except Exception as error:
            self.call_from_thread(self._preview_failed, generation, str(error))
            return
        host: HostChecklist | None = None
        # Kept answers are what the file says: the checklist and the problems speak of
        # the runner as it will be, as the line-mode review does.
        shown = session.current_answers(runner_index).merged(answers)
        try:
            host = self.plan_host(session, preview, shown)
        except Exception:
            host = None  # the review says the checklist is missing; the diff still stands
        facts: ReviewFacts | None = None
        try:
            from wizard.session.review import review_facts  # deferred: loads the core

            facts = review_facts(preview, shown, host.rows if host is not None else ())  # type: ignore[arg-type]
        except Exception:
            facts = None  # the review then lists every finding, as the preview has them
        self.call_from_thread(self._preview_ready, generation, preview, host, facts)

    def _preview_ready(
        self,
        generation: int,
        preview: PreviewView,
        host: HostChecklist | None,
        facts: ReviewFacts | None = None,
    ) -> None:
        if generation != self._preview_generation:
            return  # an answer changed since; a newer preview is on its way
        self.latest_preview = preview
        self.latest_host = host
        self.latest_facts = facts
        screen = self.screen
        if isinstance(screen, StepScreen):
            screen.show_findings(preview.findings_before, preview.findings_after)
        elif isinstance(screen, ReviewScreen):
            screen.show_preview(preview, host, ticked=frozenset(self.ticked), facts=facts)

    def _preview_failed(self, generation: int, error: str) -> None:
        if generation != self._preview_generation:
            return
        self.latest_preview = None
        screen = self.screen
        if isinstance(screen, StepScreen | ReviewScreen):
            screen.show_problem(render("could not work out the changes: {error}", error=error))

    @work(thread=True, exclusive=True, group="save")
    def _save(
        self,
        session: SessionPort,
        preview: PreviewView,
        folder: Path | None,
        files: dict[str, str],
        *,
        safe_only: bool = False,
    ) -> None:
        """Save the config, then the hardening files: the config first, because the
        files describe it, and a failure with them must not cost the config.

        ``safe_only``: the operator declined the changes that may break jobs, so the
        core leaves them out and the others are written.
        """
        from wizard.session.outcome import not_saved, write_host_files  # deferred: the core

        result: SaveView | None = None
        try:
            if safe_only:
                preview = session.safe_part(preview)
            if preview.changed:
                result = session.save(preview, backup=True)
        except (WizardError, OSError) as error:
            reread = isinstance(error, WizardError) and error.can_reread
            self.call_from_thread(self._save_failed, shown(said_by(error)), reread)
            return
        if result is None:
            result = not_saved(session.path, getattr(preview, "left_out", ()))
        files_outcome = (
            write_host_files(
                folder,
                files,
                allow_unsafe_path=getattr(self.session, "allow_unsafe_path", False),
            )
            if folder is not None
            else None
        )
        if not result.written and files_outcome is not None and files_outcome.problem:
            lines = files_outcome.lines(result.path, config_saved=False)
            self.call_from_thread(self._save_failed, lines[0])
            return
        self.call_from_thread(self._show_done, result, files_outcome)

    def _save_failed(self, message: Safe, reread: bool = False) -> None:
        screen = self.screen
        if isinstance(screen, ReviewScreen):
            screen.show_save_problem(message, reread=reread)

    @on(ReviewScreen.RereadRequested)
    def _reread_requested(self) -> None:
        if self.session is not None:
            self._reread(self.session)

    @work(thread=True, exclusive=True, group="save")
    def _reread(self, session: SessionPort) -> None:
        """Read the file again after a refused save; the core says if the answers hold."""
        try:
            result = session.reread(self.state.runner_index, self.state.also)
        except (WizardError, OSError) as error:
            self.call_from_thread(self._save_failed, shown(said_by(error)))
            return
        self.call_from_thread(self._reread_done, session, result)

    def _reread_done(self, session: SessionPort, result: RereadView) -> None:
        self.facts = FileFacts(display_path(session.path), session.exists, tuple(session.runners()))
        if not result.ok:
            self.state.runner_index, self.state.also = None, ()
            self.call_later(self._pick_runner_again, shown(result.message))
            return
        self.state.current = result.current  # kept answers now mean what the file says
        screen = self.screen
        if isinstance(screen, ReviewScreen):
            screen.show_reread(shown(result.message))
        self._schedule_preview()

    async def _pick_runner_again(self, message: Safe) -> None:
        """The runner the answers were for moved: back to the picker, saying why."""
        await self.go(RUNNER)
        notify_plain(self, message, severity="warning")

    def _show_done(self, result: SaveView | None, files: HostFilesOutcome | None = None) -> None:
        """What was written, in the core's words: on the Done screen and for the closing line."""
        self.saved = result if result is not None and result.written else None
        self.done = True
        outcome: Parts = []
        audit: Parts = []
        closing: list[Safe] = []
        if result is None:
            from wizard.session.outcome import not_saved  # the core words what was not written

            result = not_saved(Path(self._shown_path()))
        said = result.said()  # the core's sentences, the file names in masked holes
        outcome.append(Part(said[0], "green"))
        outcome += [Part(compose("\n{line}", line=line), "yellow") for line in said[1:]]
        if result.written:
            outcome.append(Part(ours("\nAudit of the written file: ")))
            outcome += findings_summary(result.findings)
        for finding in result.findings if result.written else ():
            if audit:
                audit.append(Part(ours("\n")))
            audit += finding_parts(finding)
        closing.append(one_line(said[0]))
        if files is not None:
            config, saved = result.path, result.written
            lines = files.lines(config, config_saved=saved)
            style = "bold red" if files.problem else "green"
            outcome.append(Part(compose("\n\n{lines}", lines=joined(lines)), style))
            closing.append(one_line(files.summary(config, config_saved=saved)))
            self.done_code = max(self.done_code, files.exit_code)
        self.outcome = joined(closing, "; ")
        self.position = "done"
        wrote = result.written or (files is not None and bool(files.written))
        self.switch_screen(
            DoneScreen(
                sidebar=self._sidebar(),
                title_bar=self._title_bar(),
                title=ours("Saved" if wrote else "Done"),
                outcome=outcome,
                audit=audit,
            )
        )


def write_preset_file(
    folder: Path, name: str, answers: Answers, description: str
) -> tuple[bool, Safe]:
    """Write ``answers`` as preset ``folder/NAME.toml``; never over an existing file.

    Returns whether it was written and the line that says so (or why not).
    """
    from wizard.session.presets import make_preset, preset_to_toml, write_new_file  # deferred: core

    target = folder / f"{name}.toml"
    try:
        preset = make_preset(name, answers, description=description)
        write_new_file(target, preset_to_toml(preset))
    except WizardError as error:
        return False, render("{error}; nothing written.", error=error.message)
    return True, render(
        "Wrote preset {name} to {file}. Use it with --preset ./{file}.", name=name, file=target.name
    )


def build_app(
    path: Path | None = None,
    *,
    preset: Preset | None = None,
    open_session: SessionOpener = open_real_session,
    gitlab_url: str | None = None,
) -> WizardApp:
    """The wizard for ``path`` (default: the usual config, else ``./config.toml``).

    A ``preset`` pre-fills its answers, locks the ones it locks, and its pinned
    settings go into the file with the answers. ``open_session`` is how a file
    is opened; tests pass a stand-in. Nothing here reads the file or even
    imports the core's session: both happen in a worker once the first screen
    is up. ``gitlab_url`` (``--gitlab-url``): the GitLab the operator named, asked
    about every runner without a confirmation.
    """
    if preset is None:
        state = WizardState(path=path)
    else:
        answers = Answers(trust=preset.trust).merged(preset.answers)
        state = WizardState(path=path, preset=answers, locked=preset.locked)
    return WizardApp(state, open_session=open_session, preset=preset, gitlab_url=gitlab_url)
