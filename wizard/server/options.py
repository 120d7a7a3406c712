"""What the operator asked of a server check: where, with which token, how long to wait."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from wizard.server.transport import DEFAULT_TIMEOUT

DEFAULT_EXPIRY_DAYS = 30


@dataclass(frozen=True)
class ServerOptions:
    api_token: str | None = None
    gitlab_url: str | None = None
    """The GitLab the operator named (``--gitlab-url``): asked for every runner."""
    allow_http: bool = False
    timeout: float = DEFAULT_TIMEOUT
    expiry_days: int = DEFAULT_EXPIRY_DAYS
    verify: bool = True
    now: dt.datetime | None = None
    confirmed_origins: frozenset[str] = frozenset()
    """GitLabs named by the file that the operator confirmed in a wizard
    (``scheme://host:port``); only used when ``require_confirmation`` is set."""
    require_confirmation: bool = False
    """The wizards: a GitLab the file names gets the access token only once the
    operator confirmed it (or named it with ``--gitlab-url``)."""
    trust_file_ca: bool = True
    """Use the file's ``tls-ca-file`` (and ``certs/HOST.crt``); the wizards set it
    only for the runner's own config at its usual place, or when the operator says so."""
