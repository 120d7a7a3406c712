"""The three GitLab endpoints the server check reads, and the shapes it keeps of them.

- ``POST /api/v4/runners/verify`` with the runner's own token. On the server
  (``lib/api/ci/runner.rb``) this calls ``authenticate_runner!``: 403 when no
  runner has the token; otherwise it records a heartbeat (``contacted_at``) on the
  runner and calls ``ensure_manager(system_id)``, which *finds or creates* the
  runner manager with that system id (``<legacy>`` when none is sent), then
  heartbeats it with the caller's IP address. The answer is the runner's
  ``id``, its ``token`` (never kept here) and ``token_expires_at``. So the check
  sends the system id the runner itself uses, and no ``info`` (which would
  overwrite the manager's version and platform with ours).
- ``GET /api/v4/runners/:id`` and ``GET /api/v4/runners/:id/managers`` with an
  access token: ``read_api`` scope is enough (GET requests pass it in
  ``lib/api/api.rb``), or ``manage_runner``; the user needs at least the Maintainer
  role on the runner's project or group (the API's documentation of "Get runner's
  details"), or any account for instance runners.
  The details do not include ``token_expires_at``: only verify tells the expiry.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

from wizard.server.transport import HttpClient, ServerError, parse_json

VERIFY_PATH = "runners/verify"


def api_base(url: str) -> str:
    """The API root for a runner's ``url``, trimmed as the runner trims it (``/ci``, ``/``)."""
    url = url.strip().rstrip("/")
    url = url.removesuffix("/ci")
    return url + "/api/v4/"


def parse_time(value: Any) -> dt.datetime | None:
    """An ISO 8601 time from GitLab, or ``None`` for anything else."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Verification:
    """What verify said about the runner's own token."""

    valid: bool
    status: int
    runner_id: int | None = None
    expiry_known: bool = False
    """False when the server did not say (older GitLab answers a bare ``200``)."""
    token_expires_at: dt.datetime | None = None
    """``None`` with ``expiry_known``: the token never expires."""
    orphaned: bool = False
    """GitLab answered 422 "orphaned": the token is known, but the project runner
    has no project left, so it gets no jobs."""


@dataclass(frozen=True)
class RunnerDetails:
    """The settings of a runner that only GitLab holds."""

    id: int
    runner_type: str | None
    access_level: str | None
    run_untagged: bool | None
    locked: bool | None
    paused: bool | None
    version: str | None
    """Deprecated on the runner (moved to its managers), still set by older GitLab."""


@dataclass(frozen=True)
class Manager:
    """One process (host) that runs jobs for a runner, as GitLab last heard from it."""

    system_id: str
    version: str | None
    status: str | None
    contacted_at: dt.datetime | None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class GitLabApi:
    """Read-only calls to one GitLab; every request goes through :class:`HttpClient`."""

    def __init__(self, base: str, client: HttpClient, api_token: str | None = None) -> None:
        self.base = base
        self.client = client
        self.api_token = api_token

    def _url(self, path: str) -> str:
        return urllib.parse.urljoin(self.base, path)

    def verify(self, runner_token: str, system_id: str) -> Verification:
        """Ask whether the token is valid, as the runner does, with its own system id."""
        body = json.dumps({"token": runner_token, "system_id": system_id}).encode()
        response = self.client.request(
            "POST",
            self._url(VERIFY_PATH),
            headers={"Content-Type": "application/json"},
            body=body,
            ok=(200, 201, 403, 422),
        )
        if response.status == 403:
            return Verification(valid=False, status=403)
        if response.status == 422:
            return self._unprocessable(response.body)
        if not response.body.strip():
            return Verification(valid=True, status=response.status)
        data = response.json()  # one line (ServerError) for anything that is not JSON
        if not isinstance(data, dict):
            # Older GitLab answers a bare ``200``: valid, nothing more said.
            return Verification(valid=True, status=response.status)
        return Verification(
            valid=True,
            status=response.status,
            runner_id=_int(data.get("id")),
            expiry_known="token_expires_at" in data,
            token_expires_at=parse_time(data.get("token_expires_at")),
        )

    def _unprocessable(self, body: bytes) -> Verification:
        """422 from verify: "orphaned" is an answer about the runner; anything else is not."""
        try:
            data = parse_json(body)
        except ValueError:
            data = None
        message = data.get("message") if isinstance(data, dict) else None
        if isinstance(message, str) and "orphan" in message.casefold():
            return Verification(valid=True, status=422, orphaned=True)
        shown = f" ({self.client.scrub(message)})" if isinstance(message, str) else ""
        raise ServerError(
            f"POST /{VERIFY_PATH}: 422 Unprocessable Entity{shown}", status=422, kind="http"
        )

    def _get(self, path: str) -> Any:
        if not self.api_token:
            raise ServerError("no access token", kind="refused")
        response = self.client.request(
            "GET", self._url(path), headers={"PRIVATE-TOKEN": self.api_token}
        )
        return response.json()

    def runner(self, runner_id: int) -> RunnerDetails:
        data = self._get(f"runners/{int(runner_id)}")
        if not isinstance(data, dict) or _int(data.get("id")) is None:
            raise ServerError(f"GET /runners/{runner_id}: not a runner object", kind="json")
        return RunnerDetails(
            id=int(data["id"]),
            runner_type=_str(data.get("runner_type")),
            access_level=_str(data.get("access_level")),
            run_untagged=_bool(data.get("run_untagged")),
            locked=_bool(data.get("locked")),
            paused=_bool(data.get("paused")),
            version=_str(data.get("version")),
        )

    def managers(self, runner_id: int) -> tuple[Manager, ...]:
        data = self._get(f"runners/{int(runner_id)}/managers")
        if not isinstance(data, list):
            raise ServerError(
                f"GET /runners/{runner_id}/managers: not a list of managers", kind="json"
            )
        return tuple(
            Manager(
                system_id=_str(item.get("system_id")) or "",
                version=_str(item.get("version")),
                status=_str(item.get("status")),
                contacted_at=parse_time(item.get("contacted_at")),
            )
            for item in data
            if isinstance(item, dict)
        )
