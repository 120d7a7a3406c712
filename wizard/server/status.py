"""What the wizards show from GitLab: a line per runner for the picker, one for the review.

The wording is decided here, in the core; the screens only place the text. It
runs the same read-only check as ``server-check`` (verify with the runner's own
system id, GET with the access token) and is used only when an access token is
available (``GITLAB_TOKEN``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from wizard.embedded import effective_data, load_document
from wizard.errors import WizardError
from wizard.model import DEFAULT_TRUST, Trust
from wizard.server.check import RunnerFacts, ServerOptions, check_documents, dangerous_settings
from wizard.server.transport import access_token_problem, clean
from wizard.tomlfile.document import ConfigDocument

TOKEN_ENV = "GITLAB_TOKEN"

ACCESS_WORDS = {
    "ref_protected": "protected branches only",
    "not_protected": "any branch",
}


@dataclass(frozen=True)
class RunnerServerStatus:
    """One runner as GitLab sees it, in words."""

    index: int
    summary: str
    """For the picker: access level and token expiry, or why they are unknown."""
    protected: bool | None
    """``access_level == ref_protected``; ``None`` when GitLab did not say."""
    host_level: bool
    """The file gives this runner's jobs the host (privileged, socket, namespace, shell)."""

    def review_line(self, *, privileged: bool) -> str | None:
        """For the review, when the runner is (or will be) privileged or host-level."""
        if not (privileged or self.host_level):
            return None
        if self.protected is None:
            return (
                "GitLab did not say whether this runner is protected-only: "
                f"{self.summary}. Check it with runner-wizard server-check."
            )
        if self.protected:
            return "On GitLab this runner runs protected branches and tags only."
        return (
            "On GitLab this runner takes jobs from any branch: tick Protected on the "
            "runner's edit page in GitLab before giving it privileged jobs."
        )


def _expiry(facts: RunnerFacts, now: dt.datetime) -> str:
    verified = facts.verification
    if verified is None:
        return "token expiry unknown"
    if not verified.valid:
        return "token refused by GitLab"
    if not verified.expiry_known:
        return "token expiry unknown"
    if verified.token_expires_at is None:
        return "token never expires"
    days = (verified.token_expires_at - now).days
    return f"token expires {verified.token_expires_at.date().isoformat()} (in {max(0, days)} days)"


def _summary(facts: RunnerFacts, now: dt.datetime) -> str:
    details = facts.details
    if details is not None and details.access_level:
        access = ACCESS_WORDS.get(details.access_level, clean(details.access_level, 30))
    elif facts.unknown_id:
        access = "unknown to GitLab"
    else:
        errors = [n.message for n in facts.notes if n.kind == "error"]
        access = clean(errors[0], 80) if errors else "access level unknown"
    return f"{access}, {_expiry(facts, now)}"


def runner_server_status(
    document: ConfigDocument, options: ServerOptions, trust: Trust
) -> Mapping[int, RunnerServerStatus]:
    """Every runner of ``document`` as GitLab sees it; empty without an access token."""
    if not options.api_token:
        return {}
    now = options.now or dt.datetime.now(dt.UTC)
    (report,) = check_documents([document], trust, options)
    dangerous = dangerous_settings(effective_data(document), trust)
    return {
        facts.index: RunnerServerStatus(
            index=facts.index,
            summary=_summary(facts, now),
            protected=(
                None
                if facts.details is None or facts.details.access_level is None
                else facts.details.access_level == "ref_protected"
            ),
            host_level=facts.index in dangerous,
        )
        for facts in report.facts
    }


def status_for_file(
    path: Path, environ: Mapping[str, str] | None = None
) -> Mapping[int, RunnerServerStatus]:
    """The wizards' entry point: GitLab's view of every runner in ``path``, when
    ``GITLAB_TOKEN`` is set; empty otherwise, or when the file cannot be read."""
    env = os.environ if environ is None else environ
    token = env.get(TOKEN_ENV, "").strip()
    if not token or access_token_problem(token) is not None or not path.is_file():
        return {}  # the wizards work without GitLab's view; server-check names the problem
    try:
        document = load_document(path)
    except WizardError:
        return {}
    return runner_server_status(document, ServerOptions(api_token=token), DEFAULT_TRUST)
