"""What a save, a host-files write or a harden did, decided once; front-ends only render it.

Each outcome says what was written where, what was not and why, and the exit code
that goes with it. The full-screen wizard, the line-mode wizard and ``harden`` (text
and JSON) read these instead of deciding and wording the same facts each on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from wizard.answers.impact import change_where
from wizard.artifacts import CHECKLIST_FILE, write_artifacts
from wizard.base.errors import WizardError, said_by
from wizard.base.model import Change, Finding
from wizard.base.safe_text import Message, Safe, compose, ours, render, shown

EXIT_OK = 0
EXIT_CHANGES_LEFT = 1
"""``harden``: a fix meant to be applied was not (or, with ``--dry-run``, changes to make)."""
EXIT_NOT_WRITTEN = 2
"""Something meant to be written was not: the config, or the hardening files."""


def _changes(count: int) -> Safe:
    return ours("1 change") if count == 1 else render("{count} changes", count=count)


@dataclass(frozen=True)
class SaveOutcome:
    """One save of a config: whether it was written, how much, and what was left out."""

    path: Path
    written: bool
    changes: int = 0
    """Settings the save changed (0 when nothing was written)."""
    backup: Path | None = None
    notes: tuple[str, ...] = ()
    """What the operator should know about the write (hard links, a symlink's target)."""
    findings: tuple[Finding, ...] = ()
    """The audit of the file as written."""
    left_out: tuple[Change, ...] = ()
    """Changes that may break jobs the operator did not confirm: not written."""

    @property
    def exit_code(self) -> int:
        return EXIT_OK

    def lines(self) -> list[str]:
        """What every front-end says about this save, in this order (see :meth:`said`)."""
        return list(self.said())

    def said(self) -> list[Safe]:
        """:meth:`lines` as safe text: our sentences, the file's and the backup's names in
        holes (masked, never scanned with our words)."""
        path = shown(str(self.path))
        if self.written:
            said = compose(
                "wrote {path}: {changes} (mode 0600)", path=path, changes=_changes(self.changes)
            )
            if self.backup is not None:
                backup = shown(str(self.backup))
                said = compose("{said}; backup: {backup}", said=said, backup=backup)
        elif self.left_out:
            said = compose("nothing written to {path}", path=path)
        else:
            said = compose("{path} already says what the answers say; nothing written", path=path)
        lines = [said]
        lines += [render("note: {note}", note=note) for note in self.notes]
        if self.left_out:
            lines.append(
                compose(
                    "left out {changes} that may break jobs (not confirmed):",
                    changes=_changes(len(self.left_out)),
                )
            )
            lines += [compose("  {where}", where=change_where(change)) for change in self.left_out]
        return lines


def not_saved(path: Path, left_out: Sequence[Change] = ()) -> SaveOutcome:
    """A save that wrote nothing: the file already matched, or nothing was confirmed."""
    return SaveOutcome(path=path, written=False, left_out=tuple(left_out))


@dataclass(frozen=True)
class HostFilesOutcome:
    """The hardening files: written to ``folder``, or not and why."""

    folder: Path
    written: tuple[Path, ...] = ()
    problem: Message | None = None

    @property
    def checklist(self) -> Path | None:
        """The checklist among the written files: the one the operator works through next."""
        return next((path for path in self.written if path.name == CHECKLIST_FILE), None)

    @property
    def exit_code(self) -> int:
        return EXIT_NOT_WRITTEN if self.problem is not None else EXIT_OK

    def summary(self, config: Path, *, config_saved: bool) -> Safe:
        """The one line a closing message gives these files."""
        if self.problem is not None:
            return self.lines(config, config_saved=config_saved)[0]
        return render("wrote the hardening files to {folder}/", folder=str(self.folder))

    def failure(self, config: Path, *, config_saved: bool) -> Message | None:
        """Why the files were not written, saying what happened to the config; or None."""
        if self.problem is None:
            return None
        if config_saved:
            return Message.of(
                "{config} was saved, but the hardening files were not written to "
                "{folder}: {problem}",
                config=str(config),
                folder=str(self.folder),
                problem=self.problem,
            )
        return Message.of(
            "{config} needed no changes, but the hardening files were not written to "
            "{folder}: {problem}",
            config=str(config),
            folder=str(self.folder),
            problem=self.problem,
        )

    def lines(self, config: Path, *, config_saved: bool) -> list[Safe]:
        """What every front-end says once the files were (or were not) written.

        The config is on disk by now, so a failure here must not read as if the whole
        run failed: the line says which half happened.
        """
        failure = self.failure(config, config_saved=config_saved)
        if failure is not None:
            return [shown(failure)]
        lines = [render("wrote {path}", path=str(path)) for path in self.written]
        if self.checklist is not None:
            lines.append(
                render(
                    "next: work through {checklist}; each item says how to check it",
                    checklist=str(self.checklist),
                )
            )
        return lines


def write_host_files(
    folder: Path, files: Mapping[str, str], *, allow_unsafe_path: bool = False
) -> HostFilesOutcome:
    """Write the hardening files; a failure is part of the outcome, never an exception.

    ``allow_unsafe_path``: write even into a folder another user owns or can write to.
    """
    try:
        paths = write_artifacts(folder, dict(files), allow_unsafe_path=allow_unsafe_path)
    except (WizardError, OSError) as error:
        return HostFilesOutcome(folder, problem=said_by(error))
    return HostFilesOutcome(folder, written=tuple(paths))


@dataclass(frozen=True)
class HardenOutcome:
    """What ``harden`` did to one file: the one decision its text and JSON output share."""

    path: str
    dry_run: bool
    changed: bool
    """The file's text changes (or, with ``--dry-run``, would)."""
    mode_0600: bool
    """The file's mode is (or would be) tightened to 0600 without other changes."""
    unapplied: int
    """Fixes meant to be applied that could not be."""
    written: bool = False

    @property
    def exit_code(self) -> int:
        if self.unapplied:
            return EXIT_CHANGES_LEFT  # a fix we meant to apply and could not is not clean
        if self.dry_run and (self.changed or self.mode_0600):
            return EXIT_CHANGES_LEFT
        return EXIT_OK
