"""Asking GitLab about one ``[[runners]]`` entry: which requests, in which order, and when not.

Read-only on the server. The only request that is not a GET is the runner's own
``POST /runners/verify`` (see :mod:`wizard.server.api` for what GitLab does with
it), and it is sent only with the system id the runner itself uses, read from
``.runner_system_id`` beside config.toml. Without that file, verify would make
GitLab record a manager that no runner process is behind, so it is skipped and
the report says why. When the access token is sent for this runner, verify also
waits for GitLab's list of the runner's managers: it is sent only when that list
was read and names the system id. A list that could not be read (a wrong access
token, a 403) or that lacks the id means verify could create a manager ahead of
the runner, so it is skipped. An entry without an ``id`` key is the exception:
its managers cannot be asked for, and verify is what tells the id.

Where the access token goes: only to the GitLab the operator named
(``--gitlab-url``), or, without one, to the single GitLab all checked entries
point at, and in the wizards only to a GitLab the operator confirmed. A file
whose entries name several servers does not get the token sent to each: an
address in a file is not the operator's choice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wizard.embedded import effective_data
from wizard.runner.reading import get_ci, iter_runners
from wizard.server.api import GitLabApi, Manager, RunnerDetails, Verification
from wizard.server.local import runner_id_in_file
from wizard.server.options import ServerOptions
from wizard.server.transport import ServerError, clean, origin_of
from wizard.tomlfile.document import ConfigDocument

CONNECTION_FAILURES = frozenset({"timeout", "network", "unreachable"})
"""Errors that say the host is not answering: the runner's other requests are not sent."""


@dataclass(frozen=True)
class RunnerNote:
    """A check that could not run for one runner, and why, in one line."""

    runner_index: int
    runner: str | None
    message: str
    kind: str
    """``error`` (GitLab or the network failed) or ``skipped`` (we chose not to ask)."""


@dataclass
class RunnerFacts:
    """What GitLab said about one entry."""

    index: int
    name: str | None
    gitlab: str | None = None
    runner_id: int | None = None
    verification: Verification | None = None
    details: RunnerDetails | None = None
    managers: tuple[Manager, ...] | None = None
    unknown_id: bool = False
    """GET /runners/:id said 404 for the id in the file."""
    notes: list[RunnerNote] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return self.verification is not None or self.details is not None or self.unknown_id

    def note(self, message: str, kind: str = "error") -> None:
        name = clean(self.name, 80) if self.name is not None else None
        self.notes.append(RunnerNote(self.index, name, clean(message, 400), kind))


def entry_origin(url: object) -> str | None:
    """``scheme://host:port`` of an entry's url; ``None`` when it has none or it is not valid."""
    if not isinstance(url, str) or not url.strip():
        return None
    try:
        return origin_of(url)
    except ServerError:
        return None


def token_origin(documents: Sequence[ConfigDocument], options: ServerOptions) -> str | None:
    """The one GitLab the access token may be sent to, or ``None``."""
    if options.gitlab_url:
        return entry_origin(options.gitlab_url)
    origins = {
        origin
        for document in documents
        for entry in iter_runners(effective_data(document))
        if (origin := entry_origin(entry.get("url"))) is not None
    }
    if len(origins) != 1:
        return None
    (origin,) = origins
    if options.require_confirmation and origin not in options.confirmed_origins:
        return None
    return origin


def gather(
    facts: RunnerFacts,
    runner: Mapping[str, Any],
    api: GitLabApi,
    *,
    system_id: str | None,
    system_id_reason: str,
    options: ServerOptions,
    token_allowed: bool,
) -> None:
    """Fill ``facts`` from GitLab: details and managers first, then verify when it is safe.

    A connection failure (timeout, refused, unreachable) is raised, not noted: the
    runner's other requests would only wait for the same host again."""
    token = get_ci(runner, "token")
    facts.runner_id = runner_id_in_file(runner)
    managers_error = ""

    def read_details() -> None:
        nonlocal managers_error
        if facts.runner_id is None:
            return
        try:
            facts.details = api.runner(facts.runner_id)
        except ServerError as error:
            if error.kind in CONNECTION_FAILURES:
                raise
            managers_error = "GitLab did not let us read the runner"
            if error.status == 404:
                facts.unknown_id = True
                return
            facts.note(explain(error, facts.runner_id))
            return
        try:
            facts.managers = api.managers(facts.runner_id)
        except ServerError as error:
            if error.kind in CONNECTION_FAILURES:
                raise
            managers_error = "GitLab did not list its managers"
            facts.note(explain(error, facts.runner_id))

    asks_token = token_allowed and bool(options.api_token)
    if asks_token:
        read_details()

    if not options.verify:
        facts.note("verify not asked (--no-verify): token validity and expiry unknown", "skipped")
    elif not isinstance(token, str) or not token.strip() or token.startswith("$"):
        facts.note("no token in the entry: verify skipped", "skipped")
    elif system_id is None:
        facts.note(
            f"verify skipped: {system_id_reason}; GitLab would record a runner manager "
            "for this check (token validity and expiry unknown)",
            "skipped",
        )
    elif facts.unknown_id:
        pass  # GitLab has no runner with the file's id: the finding says so
    elif asks_token and facts.runner_id is not None and facts.managers is None:
        facts.note(
            f"verify skipped: {managers_error or 'the runner managers are unknown'}, so it "
            f"is not known whether GitLab has a manager {system_id} already; verify would "
            "create one (token validity and expiry unknown)",
            "skipped",
        )
    elif facts.managers is not None and system_id not in {m.system_id for m in facts.managers}:
        facts.note(
            f"verify skipped: GitLab knows no manager {system_id} for this runner, and "
            "verify would create one (token validity and expiry unknown)",
            "skipped",
        )
    else:
        try:
            facts.verification = api.verify(token, system_id)
        except ServerError as error:
            if error.kind in CONNECTION_FAILURES:
                raise
            facts.note(explain(error, None))

    verified = facts.verification
    if asks_token and facts.runner_id is None and verified is not None and verified.runner_id:
        facts.runner_id = verified.runner_id
        read_details()
    if not token_allowed and options.api_token:
        if options.require_confirmation and not options.gitlab_url:
            facts.note(
                "access token not sent: this GitLab was named by the file, not confirmed; "
                "confirm it, or name it with --gitlab-url",
                "skipped",
            )
        else:
            facts.note(
                "access token not sent: the checked entries name more than one GitLab; "
                "name one with --gitlab-url",
                "skipped",
            )
    elif not options.api_token:
        facts.note(
            "no access token (--api-token-file or GITLAB_TOKEN): protection, tags, lock "
            "and versions not checked",
            "skipped",
        )
    elif facts.runner_id is None and facts.details is None and (verified is None or verified.valid):
        facts.note("runner id unknown (no id in the entry, verify gave none)", "skipped")


def explain(error: ServerError, runner_id: int | None) -> str:
    """The error with what it means for this check."""
    message = str(error)
    if error.status == 401:
        return f"{message}: the access token is invalid, expired or revoked"
    if error.status == 403 and runner_id is not None:
        return (
            f"{message}: the access token may not read runner {runner_id} (it needs read_api "
            "and Maintainer on the runner's project or group)"
        )
    if error.status == 404:
        return f"{message}: no such API here; is the URL the GitLab server's address?"
    return message
