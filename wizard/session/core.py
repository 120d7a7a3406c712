"""One wizard run on one file: the core both wizards drive.

The front-ends ask questions and show results; this module opens the file,
turns answers into edits, previews the new text with findings before and
after, and saves through the safe writer. No front-end touches TOML or disk.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from wizard.answers import plan
from wizard.answers.defaults import changes_only
from wizard.answers.impact import changes_for_edits, changes_for_fixes, fix_id, readable_data
from wizard.answers.managed_header import managed_warning
from wizard.answers.model import Answers
from wizard.answers.steps import RULES_SETTLED_BY_QUESTIONS
from wizard.audit import engine as audit
from wizard.base.errors import EditError
from wizard.base.masking import mask_secret, mask_text
from wizard.base.model import (
    DEFAULT_TRUST,
    Change,
    Edit,
    Executor,
    Finding,
    Impact,
    RunnerIdentity,
    SetValue,
    Trust,
)
from wizard.base.safe_text import Message, Safe
from wizard.embedded import effective_data, load_document
from wizard.embedded.document import as_embedded
from wizard.runner.choice import RunnerChoice, runner_choices
from wizard.runner.reading import iter_runners
from wizard.runner.settings import runner_label
from wizard.session import presets
from wizard.session.outcome import SaveOutcome
from wizard.session.presets import Preset
from wizard.tomlfile import document, excerpt, safe_write
from wizard.tomlfile.diffs import masked_diff
from wizard.tomlfile.edits import apply_edits
from wizard.tomlfile.mode_change import ModeChange, mode_change
from wizard.tomlfile.same_value import same_value
from wizard.tomlfile.style import FileStyle

EXCERPT_MIN_RUNNERS = 24
"""From this many runners on, a preview works on an excerpt of the file: below it
the whole file is quick enough, and its result is the same."""


def default_config_path() -> Path:
    """Where GitLab Runner keeps its config: system-wide as root, per user otherwise."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/etc/gitlab-runner/config.toml")
    return Path.home() / ".gitlab-runner" / "config.toml"


def initial_path() -> Path:
    """The usual config when it exists, else a new ``./config.toml``."""
    usual = default_config_path()
    return usual if usual.is_file() else Path("config.toml")


@dataclass(frozen=True)
class RunnerSummary:
    """What a runner picker shows; the token is already masked."""

    index: int
    name: str | None
    executor: str | None
    url: str | None
    token: str | None
    runner_id: int | None = None
    """Its ``id`` (the runner's ID on GitLab): what tells apart runners sharing a name."""


@dataclass(frozen=True)
class Preview:
    """The result of applying answers, before anything is written."""

    new_text: str
    diff: Safe
    """Unified diff of the file, secrets masked: exactly what Save writes."""
    findings_before: tuple[Finding, ...]
    findings_after: tuple[Finding, ...]
    edits: tuple[Edit, ...]
    runner_index: int
    trust: Trust
    changes: tuple[Change, ...] = ()
    """Every setting the save changes, with its impact (may-break ones to confirm)."""
    managed: str | None = None
    """A warning when the file's header says a configuration tool manages it."""
    to_fill_in: tuple[str, ...] = ()
    """What the runner still needs before it can start (an autoscaler's plugin…)."""
    offered: tuple[Finding, ...] = ()
    """Fixes no answer decides that may break jobs: applied only when the operator
    ticks them (by :func:`fix_id`), so a save never changes them by surprise."""
    runner_data: Mapping[str, Any] = field(default_factory=dict)
    """The global settings and the previewed runner as ``new_text`` has them (other
    runners may be missing): what the host plan reads, without parsing the text again."""
    from_excerpt: bool = False
    """Worked out on an excerpt of a big file: Save checks the whole text first."""
    file_mode: int | None = None
    """The file's mode as read (``None``: a new file)."""
    also: tuple[int, ...] = ()
    """More runners the same answers were applied to (hardening several in one save)."""
    left_out: tuple[Change, ...] = ()
    """Changes that may break jobs the operator did not confirm: not in this preview's
    text (see :meth:`WizardSession.safe_part`), named in what the save reports."""

    @property
    def changed(self) -> bool:
        return bool(self.diff)

    @property
    def mode_change(self) -> ModeChange | None:
        """What saving does to the file's mode (every save writes 0600), or ``None``."""
        return mode_change(self.file_mode, writes=self.changed)

    @property
    def may_break(self) -> tuple[Change, ...]:
        """The changes the operator must confirm before saving."""
        return tuple(c for c in self.changes if c.impact is Impact.MAY_BREAK)


NEW_RUNNER_REASON = "a new runner: no job runs on it yet"


def new_runner_change(change: Change, runner_index: int) -> Change:
    """A setting of a runner being created cannot stop a job that works today."""
    if change.runner_index != runner_index:
        return change  # global settings serve the runners already there
    return replace(change, impact=Impact.NONE, reason=NEW_RUNNER_REASON)


@dataclass(frozen=True)
class Reread:
    """The file read again after a refused save: do the answers still apply?"""

    ok: bool
    """The runners the answers were for are still where they were: preview again."""
    message: str
    """One line for the operator, worded here so both wizards say the same."""
    current: Answers
    """What the chosen runner's entry says now (kept answers now mean this)."""


REREAD_QUESTION = "Read {path} again and keep your answers?"


class WizardSession:
    """An open config file (existing, or new and still empty) and what to do with it."""

    def __init__(self, doc: document.ConfigDocument, *, exists: bool) -> None:
        self.doc = doc
        self.exists = exists
        self._known: tuple[document.ConfigDocument, dict[object, Any]] = (doc, {})
        """What was worked out about ``doc`` (its audits, its pieces), while it is current."""
        self.allow_unsafe_path = False
        """Let a new file be created in a folder any user can write to (``--allow-unsafe-path``)."""

    @property
    def path(self) -> Path:
        assert self.doc.path is not None
        return self.doc.path

    @classmethod
    def open(cls, path: Path) -> WizardSession:
        """Open ``path``; a missing file starts a new, empty config (errors: ConfigError)."""
        if path.exists():
            return cls(load_document(path), exists=True)
        return cls(document.new_config(path), exists=False)

    def runners(self) -> list[RunnerSummary]:
        summaries = []
        effective = iter_runners(effective_data(self.doc))
        executors = {entry.index: entry.get("executor") for entry in effective}
        choice_ids = {choice.index: choice.runner_id for choice in self.runner_choices()}
        for entry in iter_runners(self.doc.data):
            token = entry.get("token")
            summaries.append(
                RunnerSummary(
                    index=entry.index,
                    name=entry.get("name"),
                    executor=executors.get(entry.index),
                    url=mask_text(url) if isinstance(url := entry.get("url"), str) else None,
                    token=mask_secret(token) if isinstance(token, str) else None,
                    runner_id=choice_ids.get(entry.index),
                )
            )
        return summaries

    def runner_choices(self) -> list[RunnerChoice]:
        """The entries as selectors and pickers see them (:mod:`wizard.runner.choice`)."""
        return runner_choices(effective_data(self.doc))

    @property
    def file_executor(self) -> Executor | None:
        """The executor this kind of file runs: the GitLab Runner Helm chart (its values
        or the ConfigMap it renders) runs the kubernetes executor, as does the Operator."""
        from wizard.embedded.document import as_embedded  # YAML support loads on demand

        return Executor.KUBERNETES if as_embedded(self.doc) is not None else None

    def current_answers(self, runner_index: int | None) -> Answers:
        """What the file already says, as answers (empty for a new runner)."""
        if runner_index is None:
            return Answers()
        return plan.answers_from_config(
            effective_data(self.doc), runner_index, file_executor=self.file_executor
        )

    def findings(self, trust: Trust | None = None) -> tuple[Finding, ...]:
        return self._findings(trust or DEFAULT_TRUST)

    def _remembered(self) -> dict[object, Any]:
        if self._known[0] is not self.doc:
            self._known = (self.doc, {})
        return self._known[1]

    def _findings(self, trust: Trust) -> tuple[Finding, ...]:
        """The audit of the file as it is, once per trust level (every preview shows it)."""
        known = self._remembered()
        if trust not in known:
            known[trust] = tuple(audit.audit_document(self.doc, trust=trust))
        findings: tuple[Finding, ...] = known[trust]
        return findings

    def _pieces(self) -> tuple[excerpt.Pieces, FileStyle] | None:
        """The file cut at its runners, and its style, when it is big enough for excerpts."""
        known = self._remembered()
        if "pieces" not in known:
            # A values file is small, and its TOML sits inside YAML: always edited whole.
            big = (
                as_embedded(self.doc) is None
                and len(self.doc.data.get("runners") or ()) >= EXCERPT_MIN_RUNNERS
            )
            pieces = excerpt.cut(self.doc.text, self.doc.layout) if big else None
            style = FileStyle(self.doc.text, self.doc.layout) if pieces else None
            known["pieces"] = (pieces, style) if pieces and style else None
        cut: tuple[excerpt.Pieces, FileStyle] | None = known["pieces"]
        return cut

    def preview(
        self,
        answers: Answers,
        *,
        runner_index: int | None,
        identity: RunnerIdentity | None = None,
        preset: Preset | None = None,
        also: Sequence[int] = (),
        ticked: Collection[str] = (),
    ) -> Preview:
        """Apply ``answers`` to one runner (``None``: a new entry made from ``identity``).

        ``also`` names more existing runners that get the same answers, for hardening
        several runners in one save. A preset's pinned settings go in first; the
        answers then win where both speak. ``ticked`` names offered fixes
        (:func:`fix_id`) the operator chose to apply as well.
        """
        trust = answers.trust or DEFAULT_TRUST
        if runner_index is not None:
            quick = self._preview_excerpt(
                answers, runner_index, trust, preset=preset, also=also, ticked=ticked
            )
            if quick is not None:
                return quick
        base = self.doc
        new_runner = runner_index is None
        if runner_index is None:
            base = base.with_new_runner(identity or RunnerIdentity(), answers.executor)
            runner_index = [*iter_runners(base.data)][-1].index
        existing = {entry.index for entry in iter_runners(self.doc.data)}
        after = base
        edits: list[Edit] = []
        changes: list[Change] = []
        source = f"preset {preset.name}" if preset is not None else "answers"
        indexes = list(dict.fromkeys([runner_index, *also]))
        offered: list[Finding] = []
        for index in indexes:
            # An answer that says what the entry already says keeps it as it is.
            own = answers
            if index in existing:
                own = changes_only(answers, self.current_answers(index))
            after, applied, found, offers = self._apply_answers(
                after,
                own,
                index,
                trust,
                preset,
                source=source,
                ticked=set(ticked),
                tick_all=new_runner and index == runner_index,
            )
            edits += applied
            changes += found
            offered += offers
        if new_runner:
            changes = [new_runner_change(c, runner_index) for c in changes]
        return Preview(
            new_text=after.text,
            diff=masked_diff(self.doc, after),
            findings_before=self._findings(trust),
            findings_after=tuple(audit.audit_document(after, trust=trust, as_written=True)),
            edits=tuple(edits),
            runner_index=runner_index,
            trust=trust,
            changes=tuple(changes),
            offered=tuple(offered),
            to_fill_in=tuple(plan.startup_gaps(after.data, runner_index)),
            managed=managed_warning(self.doc.text),
            runner_data=after.data,
            file_mode=self.doc.file_mode,
            also=tuple(i for i in indexes if i != runner_index),
        )

    def _preview_excerpt(
        self,
        answers: Answers,
        runner_index: int,
        trust: Trust,
        *,
        preset: Preset | None,
        also: Sequence[int],
        ticked: Collection[str],
    ) -> Preview | None:
        """The preview worked out on an excerpt of a big file (``None``: not possible).

        Only the edited runners are audited again; the others keep their findings
        from the file as it is, moved to their new lines.
        """
        cut = self._pieces()
        selected = list(dict.fromkeys([runner_index, *also]))
        if cut is None or len(selected) * 8 > cut[0].runners:
            return None
        pieces, style = cut
        if not all(0 <= index < pieces.runners for index in selected):
            return None
        part = excerpt.Excerpt.of(self.doc, pieces, selected, style)
        if part is None:
            return None
        after = part.document
        edits: list[Edit] = []
        changes: list[Change] = []
        offered: list[Finding] = []
        source = f"preset {preset.name}" if preset is not None else "answers"
        for index in selected:
            # As on the whole file: an answer that says what the entry already says keeps it.
            own = changes_only(answers, self.current_answers(index))
            after, applied, found, offers = self._apply_answers(
                after, own, index, trust, preset, source=source, ticked=set(ticked)
            )
            edits += applied
            changes += found
            offered += offers
        merged = part.put_back(after)
        if merged is None:
            return None
        before = self._findings(trust)
        edited = audit.audit_document(after, trust=trust, as_written=True, runners=selected)
        findings = [
            audit.moved(f, None if f.line is None else merged.new_line(f.line - 1) + 1)
            for f in edited
        ]
        findings += [
            audit.moved(f, None if f.line is None else merged.shifted(f.line - 1) + 1)
            for f in before
            if f.runner_index is not None and f.runner_index not in selected
        ]
        diff = masked_diff(
            part.document,
            after,
            label=str(self.path),
            old_line=merged.old_line,
            new_line=merged.new_line,
        )
        return Preview(
            new_text=merged.text,
            diff=diff,
            findings_before=before,
            findings_after=tuple(sorted(findings, key=audit.finding_order)),
            edits=tuple(edits),
            runner_index=runner_index,
            trust=trust,
            changes=tuple(changes),
            offered=tuple(offered),
            to_fill_in=tuple(plan.startup_gaps(after.data, runner_index)),
            managed=managed_warning(self.doc.text),
            runner_data=after.data,
            from_excerpt=True,
            file_mode=self.doc.file_mode,
            also=tuple(i for i in selected if i != runner_index),
        )

    @staticmethod
    def _apply_answers(
        base: document.ConfigDocument,
        answers: Answers,
        runner_index: int,
        trust: Trust,
        preset: Preset | None,
        *,
        source: str,
        ticked: set[str],
        tick_all: bool = False,
    ) -> tuple[document.ConfigDocument, list[Edit], list[Change], list[Finding]]:
        if preset is not None:
            edits = presets.preset_edits(preset, answers, base.data, runner_index)
        else:
            edits = plan.edits_for_answers(answers, base.data, runner_index)
        edits = _without_chart_defaults(base, edits)
        answered = base.with_edits(edits)
        names = {entry.index: entry.name for entry in iter_runners(base.data)}
        changes, _data = changes_for_edits(readable_data(base), edits, source=source, names=names)
        # What the questions do not cover, the catalogue completes: fixes whose impact is
        # none always, and those that may break jobs only when the operator ticked them.
        completed = audit.harden_document(
            answered,
            trust=trust,
            fix="safe",
            runner_index=runner_index,
            skip_rules=RULES_SETTLED_BY_QUESTIONS,
        )
        applied = list(completed.applied)
        after = completed.after
        # Only this runner's findings are offered, and no review shows their lines.
        offered = [
            f
            for f in audit.audit_document(after, trust=trust, runners=(runner_index,), lines=False)
            if f.runner_index == runner_index
            and f.impact is Impact.MAY_BREAK
            and f.rule not in RULES_SETTLED_BY_QUESTIONS
            and f.edits
        ]
        chosen = [f for f in offered if tick_all or fix_id(f) in ticked]
        if tick_all:
            # A new runner has no job to break: it starts from every recommendation.
            offered = []
        if chosen:
            after = after.with_edits([edit for f in chosen for edit in f.edits])
            applied += chosen
        fixed, _data = changes_for_fixes(readable_data(answered), applied, names)
        fixes = [edit for finding in applied for edit in finding.edits]
        return after, [*edits, *fixes], [*changes, *fixed], offered

    def safe_part(self, preview: Preview) -> Preview:
        """``preview`` without the changes that may break jobs: what a save writes when
        the operator does not confirm those (pressing Enter), so the changes that cannot
        break a job are still written. The same preview when nothing may break."""
        risky = {(change.table, change.key.casefold()) for change in preview.may_break}
        if not risky:
            return preview
        kept = [e for e in preview.edits if (e.table, e.key.casefold()) not in risky]
        after = self.doc.with_edits(kept)
        return replace(
            preview,
            new_text=after.text,
            diff=masked_diff(self.doc, after),
            findings_after=tuple(audit.audit_document(after, trust=preview.trust, as_written=True)),
            edits=tuple(kept),
            changes=tuple(c for c in preview.changes if c.impact is not Impact.MAY_BREAK),
            to_fill_in=tuple(plan.startup_gaps(after.data, preview.runner_index)),
            runner_data=after.data,
            from_excerpt=False,
            left_out=preview.may_break,
        )

    def reread(self, runner_index: int | None, also: Sequence[int] = ()) -> Reread:
        """Read the file again after a refused save, keeping the operator's answers.

        The answers stay valid only when every runner they were for is still the
        same entry (same place, same name); otherwise the operator picks again.
        Errors reading the file are :class:`ConfigError`, as for :meth:`open`.
        """
        before = {entry.index: entry.get("name") for entry in iter_runners(self.doc.data)}
        fresh = WizardSession.open(self.path)
        after = {entry.index: entry.get("name") for entry in iter_runners(fresh.doc.data)}
        targets = [i for i in (runner_index, *also) if i is not None]
        lost = [i for i in targets if i not in after or after[i] != before.get(i)]
        self.doc, self.exists = fresh.doc, fresh.exists
        if lost:
            names = ", ".join(mask_text(runner_label(before.get(i), i)) for i in lost)
            return Reread(
                ok=False,
                message=(
                    f"{self.path} was read again, but runner {names} is no longer where it "
                    "was: choose the runner again"
                ),
                current=Answers(),
            )
        return Reread(
            ok=True,
            message=(
                f"{self.path} was read again; your answers are kept and the review now "
                "shows the changes against the file as it is"
            ),
            current=self.current_answers(runner_index),
        )

    def save(self, preview: Preview, *, backup: bool = True) -> SaveOutcome:
        """Write the previewed text (atomic, 0600, backup; refuses if the file changed)."""
        new_doc = self.doc.replaced_text(preview.new_text)
        if preview.from_excerpt and not same_value(
            new_doc.data, apply_edits(self.doc.data, list(preview.edits))
        ):
            # Each piece was checked on its own; the whole text is checked once more here.
            raise EditError(
                self.path, Message.of("the edit would change more than intended; nothing written")
            )
        written_result = safe_write.write_document(
            self.doc, new_doc, backup=backup, allow_unsafe_path=self.allow_unsafe_path
        )
        written = load_document(self.path)
        self.doc = written
        self.exists = True
        return SaveOutcome(
            path=self.path,
            written=True,
            changes=len(preview.changes),
            backup=written_result.backup,
            notes=written_result.notes,
            findings=tuple(audit.audit_document(written, trust=preview.trust)),
            left_out=preview.left_out,
        )


def _without_chart_defaults(base: document.ConfigDocument, edits: list[Edit]) -> list[Edit]:
    """Leave out an executor the chart already gives the runner: the values stay as written."""
    effective = effective_data(base)
    if effective is base.data:
        return edits
    runners = effective.get("runners") or []

    def given(edit: Edit) -> bool:
        if not isinstance(edit, SetValue) or edit.key != "executor" or len(edit.table) != 2:
            return False
        index = edit.table[1]
        return (
            isinstance(index, int)
            and index < len(runners)
            and runners[index].get("executor") == edit.value
        )

    return [edit for edit in edits if not given(edit)]
