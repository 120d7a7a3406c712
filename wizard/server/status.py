"""What the wizards show from GitLab: a line per runner for the picker, one for the review.

The wording is decided here, in the core; the screens only place the text. It
runs the same read-only check as ``server-check`` (verify with the runner's own
system id, GET with the access token) and is used only when an access token is
available (``GITLAB_TOKEN``).

The access token goes only where the operator sent it. A GitLab that an opened
file names gets it only after the operator confirmed that server
(:func:`consent_for_file` words the question; the screens ask it), or named it
with ``--gitlab-url``; until then nothing is sent at all. The file's
``tls-ca-file`` (or ``certs/HOST.crt`` beside it) is trusted only for the
runner's own config at its usual place, or when the operator says so: otherwise
a file from a merge request could point the token at its own server and vouch
for that server's certificate itself.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from wizard.base.errors import WizardError
from wizard.base.model import DEFAULT_TRUST, Trust
from wizard.embedded import effective_data, load_document
from wizard.runner.reading import get_ci, iter_runners
from wizard.server.asking import entry_origin
from wizard.server.check import RunnerFacts, ServerOptions, check_documents, dangerous_settings
from wizard.server.local import is_runners_own_config
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


@dataclass(frozen=True)
class ServerConsent:
    """The question a wizard asks before the access token leaves for a GitLab the file names."""

    origin: str
    """``scheme://host:port``: what the operator confirms."""
    question: str
    lines: tuple[str, ...]
    ca_file: str | None
    """The file's own CA for this GitLab, when one is named and not trusted by default:
    the screens offer to trust it as a separate choice."""


def _document(path: Path) -> ConfigDocument | None:
    if not path.is_file():
        return None
    try:
        return load_document(path)
    except WizardError:
        return None


def consent_for_file(
    path: Path, environ: Mapping[str, str] | None = None, *, gitlab_url: str | None = None
) -> ServerConsent | None:
    """What to ask before GitLab is asked about ``path``; ``None`` when there is nothing
    to ask: no access token, the operator named the GitLab (``--gitlab-url``), or the
    file names no single GitLab the token could go to."""
    env = os.environ if environ is None else environ
    if not env.get(TOKEN_ENV, "").strip() or gitlab_url:
        return None
    document = _document(path)
    if document is None:
        return None
    entries = list(iter_runners(effective_data(document)))
    origins = {o for e in entries if (o := entry_origin(e.get("url"))) is not None}
    if len(origins) != 1:
        return None
    (origin,) = origins
    ca_files = {
        clean(value.strip(), 200)
        for e in entries
        if isinstance(value := get_ci(e.data, "tls-ca-file"), str) and value.strip()
    }
    own = is_runners_own_config(path)
    lines = [
        f"{clean(path.name, 80)} names this GitLab. With your access token it can read "
        "every runner you may see there; a file from elsewhere (a merge request, a "
        "download) can name any server.",
        "Send it only to your own GitLab. No: nothing is sent to any server.",
    ]
    ca_file = None
    if ca_files and not own:
        ca_file = ", ".join(sorted(ca_files))
        lines.append(
            f"The file also names a CA to trust for it (tls-ca-file {ca_file}); it is "
            "used only if you choose so."
        )
    return ServerConsent(
        origin=origin,
        question=f"Send your access token (GITLAB_TOKEN) to {clean(origin, 120)}?",
        lines=tuple(lines),
        ca_file=ca_file,
    )


def status_for_file(
    path: Path,
    environ: Mapping[str, str] | None = None,
    *,
    confirmed: frozenset[str] = frozenset(),
    trust_file_ca: bool = False,
    gitlab_url: str | None = None,
) -> Mapping[int, RunnerServerStatus]:
    """The wizards' entry point: GitLab's view of every runner in ``path``, when
    ``GITLAB_TOKEN`` is set and the operator confirmed the GitLab (``confirmed``
    holds its origin) or named it (``gitlab_url``); empty otherwise, or when the
    file cannot be read. ``trust_file_ca``: the operator chose to trust the file's
    CA; the runner's own config at its usual place is trusted without asking."""
    env = os.environ if environ is None else environ
    token = env.get(TOKEN_ENV, "").strip()
    if not token or access_token_problem(token) is not None:
        return {}  # the wizards work without GitLab's view; server-check names the problem
    document = _document(path)
    if document is None:
        return {}
    options = ServerOptions(
        api_token=token,
        gitlab_url=gitlab_url,
        require_confirmation=True,
        confirmed_origins=confirmed,
        trust_file_ca=trust_file_ca or is_runners_own_config(path),
    )
    if gitlab_url is None and not any(
        entry_origin(e.get("url")) in confirmed for e in iter_runners(effective_data(document))
    ):
        return {}  # not confirmed: nothing is sent, not even the runner's own token
    return runner_server_status(document, options, DEFAULT_TRUST)
