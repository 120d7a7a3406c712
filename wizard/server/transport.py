"""A small, careful HTTP client for GitLab's REST API, on the standard library.

Why not a bigger client: the check sends three kinds of request, and the care
it needs (no redirect that carries a token to another host, a bounded wait on
429, one deadline per request, every secret scrubbed from every error) is
easier to see and test in one file than to configure in a library.

The rules it keeps:

- HTTPS only, unless the caller allows plain HTTP for a URL it names.
- TLS is verified with the system's CAs plus the runner's own CA file
  (``tls-ca-file``, or ``certs/HOST.crt`` beside config.toml, as the runner does);
  a client certificate is presented when the runner's config names one.
- Proxy variables (``https_proxy``, ``http_proxy``, ``no_proxy``) are honoured.
- Redirects are followed only for GET, at most three, and only to the same
  scheme, host and port; anything else is an error, so a token is never sent
  anywhere the caller did not name.
- 429 is retried after ``Retry-After`` when that wait is short; never more than
  twice.
- One deadline covers connecting, waiting and reading, and the body is capped.
- Every error is one line; every secret the client holds is masked in it.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import re
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard import __version__
from wizard.secrets import KNOWN_SECRETS, mask_secret, mask_text, remember_secrets_in

DEFAULT_TIMEOUT = 10.0
"""Seconds for one request, connection to last byte."""

MAX_BODY_BYTES = 2 * 1024 * 1024
"""GitLab's answers here are a few kilobytes; anything far larger is not GitLab."""

MAX_RETRIES_429 = 2
MAX_RETRY_WAIT = 10.0
"""Longest Retry-After we wait out; a longer one is reported, not slept through."""

MAX_REDIRECTS = 3
MAX_CA_FILE_BYTES = 1024 * 1024

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class ServerError(Exception):
    """A request that got no usable answer; the message is one line, secrets masked."""

    def __init__(self, message: str, *, status: int | None = None, kind: str = "error") -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        """``http`` (an HTTP status), ``timeout``, ``tls``, ``network``, ``json``,
        ``redirect``, ``rate-limit`` or ``refused`` (a rule of ours said no)."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: Mapping[str, str]

    def json(self) -> Any:
        try:
            parsed = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            kind = self.headers.get("content-type", "no content type").split(";")[0]
            raise ServerError(
                f"the answer is not JSON ({clean(kind)}, {len(self.body)} bytes); "
                "is the URL the GitLab server's address?",
                status=self.status,
                kind="json",
            ) from None
        # A token a server answers with (a runner's, or ours echoed back) is a secret of
        # this run from now on: every output masks it by value.
        remember_secrets_in(parsed)
        return parsed


def clean(text: str, limit: int = 160) -> str:
    """Text from the network made safe for one terminal line: no control characters,
    token shapes masked, and cut short."""
    text = mask_text(_CONTROL.sub(" ", text)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class TlsFiles:
    """The runner's TLS settings for one GitLab (``tls-ca-file`` and friends)."""

    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None


def _checked_file(path: Path, what: str) -> str:
    try:
        if not path.is_file():
            raise ServerError(f"{what} {path} is not a regular file", kind="tls")
        if path.stat().st_size > MAX_CA_FILE_BYTES:
            raise ServerError(f"{what} {path} is too large for a certificate file", kind="tls")
    except OSError as error:
        raise ServerError(f"{what} {path}: {error.strerror or error}", kind="tls") from None
    return str(path)


def tls_context(files: TlsFiles) -> ssl.SSLContext:
    """System CAs plus the runner's CA file, TLS 1.2 at least, as the runner sets it up."""
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        if files.ca_file is not None:
            context.load_verify_locations(cafile=_checked_file(files.ca_file, "tls-ca-file"))
        if files.cert_file is not None and files.key_file is not None:
            context.load_cert_chain(
                _checked_file(files.cert_file, "tls-cert-file"),
                _checked_file(files.key_file, "tls-key-file"),
            )
    except ssl.SSLError as error:
        raise ServerError(
            f"cannot load the runner's TLS files: {error.reason}", kind="tls"
        ) from None
    return context


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Hand every 3xx back to us: we decide, with the token in mind."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


@dataclass
class HttpClient:
    """Requests to one GitLab, with the secrets it may carry named up front for masking."""

    allow_http: bool = False
    timeout: float = DEFAULT_TIMEOUT
    tls: TlsFiles = field(default_factory=TlsFiles)
    secrets: tuple[str, ...] = ()
    sleep: Callable[[float], None] = time.sleep
    _opener: urllib.request.OpenerDirector | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for secret in self.secrets:
            KNOWN_SECRETS.remember(secret)

    def scrub(self, text: str) -> str:
        """Mask the secrets this client carries, and any token shape, in ``text``."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret:
                text = text.replace(secret, mask_secret(secret))
        return clean(text, limit=400)

    def _open(self) -> urllib.request.OpenerDirector:
        if self._opener is None:
            context = tls_context(self.tls)
            self._opener = urllib.request.build_opener(
                urllib.request.ProxyHandler(),  # reads the proxy variables, no_proxy included
                urllib.request.HTTPSHandler(context=context),
                _NoRedirects(),
            )
        return self._opener

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        ok: Iterable[int] = (200,),
    ) -> Response:
        """One request; statuses outside ``ok`` (and 3xx we will not follow) raise."""
        self.check_url(url)
        accepted = set(ok)
        retries = 0
        redirects = 0
        target = url
        while True:
            response = self._once(method, target, headers or {}, body)
            if response.status == 429 and retries < MAX_RETRIES_429:
                wait = _retry_after(response.headers.get("retry-after"))
                if wait is not None and wait <= MAX_RETRY_WAIT:
                    retries += 1
                    self.sleep(wait)
                    continue
                asked = f"; it asks to wait {wait:.0f} s" if wait is not None else ""
                raise ServerError(
                    f"{method} {self._path(url)}: 429 rate limited{asked}; try again later",
                    status=429,
                    kind="rate-limit",
                )
            if 300 <= response.status < 400 and response.status != 304:
                target = self._redirect_target(method, url, target, response, redirects)
                redirects += 1
                continue
            if response.status in accepted:
                return response
            raise self._status_error(method, url, response)

    def check_url(self, url: str) -> None:
        if _CONTROL.search(url) or " " in url:
            raise ServerError("the URL has spaces or control characters", kind="refused")
        scheme = urllib.parse.urlsplit(url).scheme
        if scheme == "https" or (scheme == "http" and self.allow_http):
            return
        if scheme == "http":
            raise ServerError(
                "plain http would send the token unencrypted; use https, or --allow-http",
                kind="refused",
            )
        raise ServerError(f"not an http(s) URL: {self.scrub(url)}", kind="refused")

    def _redirect_target(
        self, method: str, url: str, current: str, response: Response, redirects: int
    ) -> str:
        location = response.headers.get("location", "")
        target = urllib.parse.urljoin(current, location)
        where = self.scrub(urllib.parse.urlsplit(target).netloc or "nowhere")
        if method != "GET":
            raise ServerError(
                f"{method} {self._path(url)}: redirected ({response.status}) to {where}; "
                "not followed, the request carries a token",
                status=response.status,
                kind="redirect",
            )
        if _origin(target) != _origin(current):
            raise ServerError(
                f"{method} {self._path(url)}: redirected to another address ({where}); "
                "not followed, so the token stays with the server you named",
                status=response.status,
                kind="redirect",
            )
        if redirects >= MAX_REDIRECTS:
            raise ServerError(f"{method} {self._path(url)}: too many redirects", kind="redirect")
        return target

    def _status_error(self, method: str, url: str, response: Response) -> ServerError:
        detail = ""
        try:
            parsed = json.loads(response.body.decode("utf-8"))
            if isinstance(parsed, dict):
                detail = str(parsed.get("message") or parsed.get("error") or "")
        except (UnicodeDecodeError, json.JSONDecodeError):
            detail = ""
        reason = http.client.responses.get(response.status, "")
        text = f"{method} {self._path(url)}: {response.status} {reason}".rstrip()
        if detail:
            text += f" ({self.scrub(detail)})"
        return ServerError(text, status=response.status, kind="http")

    def _path(self, url: str) -> str:
        return self.scrub(urllib.parse.urlsplit(url).path or "/")

    def _once(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> Response:
        deadline = time.monotonic() + self.timeout
        request = urllib.request.Request(url, data=body, method=method)
        request.add_header("User-Agent", f"runner-wizard/{__version__}")
        request.add_header("Accept", "application/json")
        for name, value in headers.items():
            request.add_header(name, value)
        try:
            raw = self._open().open(request, timeout=self.timeout)
        except urllib.error.HTTPError as error:
            raw = error  # a status we judge ourselves; its body is still readable
        except TimeoutError:
            raise self._timeout(method, url) from None
        except urllib.error.URLError as error:
            raise self._network_error(method, url, error.reason) from None
        except (OSError, http.client.HTTPException) as error:
            raise self._network_error(method, url, error) from None
        try:
            data = self._read(raw, deadline, method, url)
            status = int(raw.status or 0)
            response_headers = {k.lower(): v for k, v in raw.headers.items()}
        finally:
            raw.close()
        return Response(status=status, body=data, headers=response_headers)

    def _read(self, raw: Any, deadline: float, method: str, url: str) -> bytes:
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                if time.monotonic() > deadline:
                    raise self._timeout(method, url)
                chunk = raw.read(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise ServerError(
                        f"{method} {self._path(url)}: the answer is larger than "
                        f"{MAX_BODY_BYTES // (1024 * 1024)} MiB; not GitLab's API?",
                        kind="json",
                    )
                chunks.append(chunk)
        except TimeoutError:
            raise self._timeout(method, url) from None
        except (OSError, http.client.HTTPException) as error:
            raise self._network_error(method, url, error) from None
        return b"".join(chunks)

    def _timeout(self, method: str, url: str) -> ServerError:
        host = self.scrub(urllib.parse.urlsplit(url).netloc)
        return ServerError(
            f"{method} {self._path(url)}: no answer from {host} within {self.timeout:g} s",
            kind="timeout",
        )

    def _network_error(self, method: str, url: str, reason: object) -> ServerError:
        host = self.scrub(urllib.parse.urlsplit(url).netloc)
        if isinstance(reason, ssl.SSLCertVerificationError):
            text = reason.verify_message or "certificate not trusted"
            return ServerError(
                f"{method} {self._path(url)}: TLS certificate of {host} not trusted ({text}); "
                "set tls-ca-file in the runner's config if it uses a private CA",
                kind="tls",
            )
        if isinstance(reason, ssl.SSLError):
            return ServerError(
                f"{method} {self._path(url)}: TLS with {host} failed ({reason.reason})",
                kind="tls",
            )
        if isinstance(reason, TimeoutError | socket.timeout):
            return self._timeout(method, url)
        text = getattr(reason, "strerror", None) or str(reason)
        return ServerError(
            f"{method} {self._path(url)}: cannot reach {host} ({self.scrub(str(text))})",
            kind="network",
        )
