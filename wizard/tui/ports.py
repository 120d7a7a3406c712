"""What the wizard needs from the core, spelled as structural types.

The screens depend on these protocols rather than on :mod:`wizard.session.core`
itself, for two reasons: importing the session pulls in the document layer
and the rule catalogue, which must stay off the path to the first screen; and
tests can drive every screen with a small stand-in object.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from wizard.answers.model import Answers
from wizard.base.model import Change, Executor, Finding, RunnerIdentity
from wizard.base.safe_text import Safe
from wizard.session.checklist_rows import HostChecklist

if TYPE_CHECKING:
    from wizard.session.presets import Preset
    from wizard.tomlfile.mode_change import ModeChange


class RunnerView(Protocol):
    """One ``[[runners]]`` entry as a picker shows it (token already masked)."""

    @property
    def index(self) -> int: ...
    @property
    def name(self) -> str | None: ...
    @property
    def executor(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def token(self) -> str | None: ...
    @property
    def runner_id(self) -> int | None: ...


class ServerStatusView(Protocol):
    """One runner as GitLab sees it (:mod:`wizard.server.status`), already in words."""

    @property
    def summary(self) -> str: ...

    def review_line(self, *, privileged: bool) -> str | None: ...


class ServerConsentView(Protocol):
    """What to ask before the access token goes to a GitLab a file names
    (:class:`wizard.server.status.ServerConsent`), already in words."""

    @property
    def origin(self) -> str: ...
    @property
    def question(self) -> str: ...
    @property
    def lines(self) -> tuple[str, ...]: ...
    @property
    def ca_file(self) -> str | None: ...


class ServerStatusReader(Protocol):
    """Asks GitLab about the runners of a file; empty when there is no access token
    or the operator did not confirm the GitLab (``confirmed``) nor name it."""

    def __call__(
        self, path: Path, *, confirmed: frozenset[str], trust_file_ca: bool
    ) -> Mapping[int, ServerStatusView]: ...


ServerConsentReader = Callable[[Path], ServerConsentView | None]
"""What to ask before GitLab is asked about a file; ``None``: nothing to ask."""


class PreviewView(Protocol):
    """The answers applied to the file, before anything is written."""

    @property
    def diff(self) -> str: ...
    @property
    def findings_before(self) -> Sequence[Finding]: ...
    @property
    def findings_after(self) -> Sequence[Finding]: ...
    @property
    def changed(self) -> bool: ...
    @property
    def changes(self) -> Sequence[Change]: ...
    @property
    def offered(self) -> Sequence[Finding]: ...
    @property
    def may_break(self) -> Sequence[Change]: ...
    @property
    def to_fill_in(self) -> Sequence[str]: ...
    @property
    def managed(self) -> str | None: ...
    @property
    def mode_change(self) -> ModeChange | None: ...


class SaveView(Protocol):
    """What a save reports (:class:`wizard.session.outcome.SaveOutcome`): where the file and its
    backup are, its audit, and the lines every front-end says about it."""

    @property
    def path(self) -> Path: ...
    @property
    def written(self) -> bool: ...
    def said(self) -> list[Safe]: ...
    @property
    def backup(self) -> Path | None: ...
    @property
    def findings(self) -> Sequence[Finding]: ...
    @property
    def notes(self) -> Sequence[str]: ...


class RereadView(Protocol):
    """The file read again after a refused save (:class:`wizard.session.core.Reread`)."""

    @property
    def ok(self) -> bool: ...
    @property
    def message(self) -> str: ...
    @property
    def current(self) -> Answers: ...


class SessionPort(Protocol):
    """The subset of :class:`wizard.session.core.WizardSession` the wizard calls."""

    @property
    def path(self) -> Path: ...

    exists: bool

    def runners(self) -> Sequence[RunnerView]: ...

    def current_answers(self, runner_index: int | None) -> Answers: ...

    @property
    def file_executor(self) -> Executor | None: ...

    def preview(
        self,
        answers: Answers,
        *,
        runner_index: int | None,
        identity: RunnerIdentity | None = None,
        preset: Preset | None = None,
        also: Sequence[int] = (),
        ticked: Collection[str] = (),
    ) -> PreviewView:
        """``preset``: its pinned settings go in first; ``also``: more runners that get
        the same answers, for one combined diff and one save; ``ticked``: offered
        fixes the operator chose."""
        ...

    def reread(self, runner_index: int | None, also: Sequence[int] = ()) -> RereadView:
        """Read the file again after a refused save; the core says if the answers hold."""
        ...

    def safe_part(self, preview: Any) -> PreviewView:
        """``preview`` without the changes that may break jobs (the operator declined them)."""
        ...

    def save(self, preview: Any, *, backup: bool = True) -> SaveView:
        """Write ``preview`` (the core types it precisely; the port cannot name it)."""
        ...


SessionOpener = Callable[[Path], SessionPort]
"""Opens (or starts) a config file; raises :class:`wizard.base.errors.ConfigError`."""


HostPlanner = Callable[[SessionPort, PreviewView, Answers], HostChecklist]
"""(session, preview, answers) → the host checklist for the runner the preview leaves."""


def plan_real_host(session: SessionPort, preview: PreviewView, answers: Answers) -> HostChecklist:
    """The core's host plan (:mod:`wizard.session.host_plan`, imported only now) for a real session.

    A stand-in session has no file to plan from: the review then says the
    checklist is missing, as it does when planning fails.
    """
    from wizard.session.core import Preview, WizardSession
    from wizard.session.host_plan import plan_host_checklist

    if not isinstance(session, WizardSession) or not isinstance(preview, Preview):
        raise TypeError("the host plan needs the core's session and preview")
    return plan_host_checklist(session, preview, answers)


def open_real_session(path: Path, *, allow_unsafe_path: bool = False) -> SessionPort:
    """Open ``path`` with the core session, imported only now (it loads tomlkit).

    ``allow_unsafe_path`` (``--allow-unsafe-path``): a new file may be created in a
    folder any user can write to, as with ``plain`` and ``new``.
    """
    from wizard.session.core import WizardSession

    session = WizardSession.open(path)
    session.allow_unsafe_path = allow_unsafe_path
    return session


def server_readers(gitlab_url: str | None = None) -> tuple[ServerConsentReader, ServerStatusReader]:
    """The core's consent question and GitLab's view of a file's runners, with the HTTP
    code imported only when they are called. ``gitlab_url`` (``--gitlab-url``): the
    operator named the GitLab, so there is nothing to confirm."""

    def consent(path: Path) -> ServerConsentView | None:
        from wizard.server.status import consent_for_file

        return consent_for_file(path, gitlab_url=gitlab_url)

    def status(
        path: Path, *, confirmed: frozenset[str], trust_file_ca: bool
    ) -> Mapping[int, ServerStatusView]:
        from wizard.server.status import status_for_file

        return status_for_file(
            path, confirmed=confirmed, trust_file_ca=trust_file_ca, gitlab_url=gitlab_url
        )

    return consent, status


def find_initial_path() -> Path:
    """The runner's usual config when it exists, else ``./config.toml`` (the core decides)."""
    from wizard.session.core import initial_path

    return initial_path()
