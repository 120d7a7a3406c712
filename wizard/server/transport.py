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
- One deadline covers connecting, the TLS handshake, sending, the status line,
  the headers and the body: every receive waits at most what is left of it, so a
  server that answers one byte at a time is cut off on time. The body is capped.
- JSON is parsed with bounds: nesting and numbers no GitLab answer has are refused.
- After a connection to a host failed or timed out, further requests to it fail
  at once (the caller shares the set of such hosts), so an unreachable GitLab
  costs one timeout, not one per runner.
- A URL that cannot be split (a bad port, an open ``[``) is refused before any
  connection.
- Every error is one line; every secret the client holds is masked in it.
"""

from __future__ import annotations

import base64
import email.utils
import http.client
import io
import json
import re
import socket
import ssl
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard import __version__
from wizard.base.masking import KNOWN_SECRETS, mask_secret, mask_text, remember_secrets_in
from wizard.base.safe_text import Message

DEFAULT_TIMEOUT = 10.0
"""Seconds for one request, connection to last byte."""

MAX_BODY_BYTES = 2 * 1024 * 1024
"""GitLab's answers here are a few kilobytes; anything far larger is not GitLab."""

MAX_RETRIES_429 = 2
MAX_RETRY_WAIT = 10.0
"""Longest Retry-After we wait out; a longer one is reported, not slept through."""

MAX_REDIRECTS = 3
MAX_CA_FILE_BYTES = 1024 * 1024

MAX_JSON_NUMBER_DIGITS = 40
"""GitLab's ids and counts fit in 64 bits; a longer number is not an answer of its API."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_HEADER_VALUE = re.compile(r"[\x21-\x7e]+(?:[ \t]+[\x21-\x7e]+)*")
"""What a header value we send may hold: visible ASCII, single spaces between words.
No CR or LF (a second header or a body), nothing outside ASCII (http.client encodes
headers as Latin-1 and raises, with the value, on anything else)."""


def access_token_problem(token: str) -> Message | None:
    """Why ``token`` cannot be an access token, or None: one check for every place a
    token comes from (``--api-token-file``, ``GITLAB_TOKEN``). GitLab's tokens are one
    word of visible ASCII; anything else could not travel in a header anyway."""
    if not token or not all("\x21" <= char <= "\x7e" for char in token):
        return Message.of("an access token is one word of visible ASCII characters, without spaces")
    return None


def header_problem(name: str, value: str) -> str | None:
    """Why a header cannot be sent as given, or None. The value is never part of the
    answer: it may be a token."""
    if not _HEADER_VALUE.fullmatch(value):
        return f"the {name} header has characters an HTTP header cannot carry; not sent"
    return None


class ServerError(Exception):
    """A request that got no usable answer; the message is one line, secrets masked."""

    def __init__(self, message: str, *, status: int | None = None, kind: str = "error") -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        """``http`` (an HTTP status), ``timeout``, ``tls``, ``network``, ``json``,
        ``redirect``, ``rate-limit`` or ``refused`` (a rule of ours said no)."""


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_JSON_NUMBER_DIGITS:
        raise ValueError("a number too long for GitLab's API")
    return int(text)


def parse_json(body: bytes) -> Any:
    """JSON from a server, or :class:`ValueError` in one line: not UTF-8, not JSON,
    nested deeper than Python can follow, or a number no GitLab answer holds."""
    try:
        return json.loads(body.decode("utf-8"), parse_int=_bounded_int)
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except ValueError as error:  # JSONDecodeError is one; so is an over-long number
        text = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        raise ValueError(text) from None


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: Mapping[str, str]
    request: str = ""
    """``METHOD /path`` of the request this answers, for error lines."""

    def json(self) -> Any:
        try:
            parsed = parse_json(self.body)
        except ValueError as error:
            kind = self.headers.get("content-type", "no content type").split(";")[0]
            asked = f"{self.request}: " if self.request else ""
            raise ServerError(
                f"{asked}the answer is not JSON we can read ({clean(kind)}, "
                f"{len(self.body)} bytes: {clean(str(error), 60)}); "
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


class Deadline:
    """The moment one request must be over by; every wait asks it what is left."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds left; :class:`TimeoutError` once there are none."""
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("deadline passed")
        return remaining


class _DeadlineReader(io.RawIOBase):
    """The socket's bytes, each receive bounded by what is left of the deadline.

    ``http.client`` reads the status line, the headers and the body through a
    buffered file over the socket; with this file under it, no read of any of
    them can outlast the request's deadline, however slowly the server sends.
    """

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        super().__init__()
        self._sock = sock
        # The socket's own unbuffered file: it keeps the socket open until we close it.
        self._raw = sock.makefile("rb", buffering=0)
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self._sock.settimeout(self._deadline.left())
        return self._raw.readinto(buffer) or 0

    def close(self) -> None:
        self._raw.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    deadline: Deadline

    def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        plain = self.fp
        self.fp = io.BufferedReader(_DeadlineReader(sock, self.deadline))
        plain.close()  # the file http.client made, unread; ours replaces it


def _response_class(deadline: Deadline) -> type[http.client.HTTPResponse]:
    return type("_BoundResponse", (_DeadlineResponse,), {"deadline": deadline})


class _DeadlineConnection(http.client.HTTPConnection):
    """Connects, sends and reads (the proxy's CONNECT answer too) within one deadline."""

    def __init__(self, host: str, port: int | None, deadline: Deadline, **kwargs: Any) -> None:
        super().__init__(host, port, timeout=deadline.left(), **kwargs)
        self.deadline = deadline
        self.response_class = _response_class(deadline)

        def create_connection(
            address: tuple[str, int], _timeout: object = None, source: Any = None
        ) -> socket.socket:
            sock = socket.create_connection(address, deadline.left(), source)
            sock.settimeout(deadline.left())  # what the TLS handshake may still take
            return sock

        self._create_connection = create_connection

    def send(self, data: Any) -> None:
        if self.sock is not None:
            self.sock.settimeout(self.deadline.left())
        super().send(data)


class _DeadlineHttpsConnection(_DeadlineConnection, http.client.HTTPSConnection):
    pass


@dataclass(frozen=True)
class Target:
    """A URL split once and checked: scheme, host, port and the path to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    url: str
    authority: str
    """The URL's own ``host[:port]``, as written (what a proxy is asked for)."""

    @property
    def origin(self) -> tuple[str, str, int]:
        return self.scheme, self.host, self.port

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def split_url(url: str) -> Target:
    """``url`` split, or :class:`ServerError` (``refused``) naming what is wrong with it:
    a port that is not a number or out of range, an unclosed ``[``, no host. The host is
    the URL's host name alone: a ``user:password@`` before it is never part of it."""
    shown = clean(without_userinfo(url), 120)
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        reason = clean(str(error), 80)
        raise ServerError(f"not a valid URL ({reason}): {shown}", kind="refused") from None
    if not parts.hostname:
        raise ServerError(f"not a valid URL (no host): {shown}", kind="refused")
    scheme = parts.scheme.lower()
    default = 443 if scheme == "https" else 80
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    authority = parts.netloc.rpartition("@")[2]
    return Target(scheme, parts.hostname.lower(), port or default, path, url.strip(), authority)


def without_userinfo(url: str) -> str:
    """``url`` without the ``user:password@`` of its authority, for requests and messages.

    The runner sends such a pair as HTTP Basic authentication (its client parses the URL
    and the standard HTTP client turns the userinfo into an ``Authorization`` header);
    the check never sends it and never shows it: the host is the URL's host only. A URL
    that does not split is returned as it is (the check refuses it later, masked)."""
    stripped = url.strip()
    try:
        parts = urllib.parse.urlsplit(stripped)
        parts.port  # noqa: B018 - a bad port raises here, as split_url would
    except ValueError:
        return _USERINFO.sub(r"\1", stripped)
    if "@" not in parts.netloc:
        return stripped
    if parts.password:
        # A password: masked by value in every output, wherever else it appears.
        KNOWN_SECRETS.remember(parts.password)
        KNOWN_SECRETS.remember(urllib.parse.unquote(parts.password))
    authority = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit(parts._replace(netloc=authority))


_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/?#]*@")


def origin_of(url: str) -> str:
    """``scheme://host:port`` of ``url``, for comparing servers; raises like :func:`split_url`."""
    target = split_url(url)
    return f"{target.scheme}://{target.netloc}"


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


@dataclass
class HttpClient:
    """Requests to one GitLab, with the secrets it may carry named up front for masking."""

    allow_http: bool = False
    timeout: float = DEFAULT_TIMEOUT
    tls: TlsFiles = field(default_factory=TlsFiles)
    secrets: tuple[str, ...] = ()
    sleep: Callable[[float], None] = time.sleep
    unreachable: dict[tuple[str, str, int], str] = field(default_factory=dict)
    """Hosts a connection to failed or timed out, with the first error: asked
    again, they fail at once. Share one dict between clients of one check."""
    _context: ssl.SSLContext | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for secret in self.secrets:
            KNOWN_SECRETS.remember(secret)

    def scrub(self, text: str) -> str:
        """Mask the secrets this client carries, and any token shape, in ``text``."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret:
                text = text.replace(secret, mask_secret(secret))
        return clean(text, limit=400)

    def _tls(self) -> ssl.SSLContext:
        if self._context is None:
            self._context = tls_context(self.tls)
        return self._context

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
        if _CONTROL.search(url) or " " in url.strip():
            raise ServerError("the URL has spaces or control characters", kind="refused")
        scheme = split_url(url).scheme
        if scheme == "https" or (scheme == "http" and self.allow_http):
            return
        if scheme == "http":
            raise ServerError(
                "plain http would send the token unencrypted; use https, or --allow-http",
                kind="refused",
            )
        raise ServerError(
            f"not an http(s) URL: {self.scrub(without_userinfo(url))}", kind="refused"
        )

    def _redirect_target(
        self, method: str, url: str, current: str, response: Response, redirects: int
    ) -> str:
        location = response.headers.get("location", "")
        try:
            target = urllib.parse.urljoin(current, location)
            where = self.scrub(split_url(target).netloc)
            same = split_url(target).origin == split_url(current).origin
        except (ValueError, ServerError):
            raise ServerError(
                f"{method} {self._path(url)}: redirected ({response.status}) to an address "
                "that is not a valid URL; not followed",
                status=response.status,
                kind="redirect",
            ) from None
        if method != "GET":
            raise ServerError(
                f"{method} {self._path(url)}: redirected ({response.status}) to {where}; "
                "not followed, the request carries a token",
                status=response.status,
                kind="redirect",
            )
        if not same:
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
            parsed = parse_json(response.body)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            detail = str(parsed.get("message") or parsed.get("error") or "")
        reason = http.client.responses.get(response.status, "")
        text = f"{method} {self._path(url)}: {response.status} {reason}".rstrip()
        if detail:
            text += f" ({self.scrub(detail)})"
        return ServerError(text, status=response.status, kind="http")

    def _path(self, url: str) -> str:
        try:
            return self.scrub(urllib.parse.urlsplit(url).path or "/")
        except ValueError:
            return "/"

    def _connection(
        self, target: Target, deadline: Deadline
    ) -> tuple[http.client.HTTPConnection, str, dict[str, str]]:
        """A connection for ``target`` (through the proxy the environment names, unless
        ``no_proxy`` says otherwise), the request target to send on it, and the
        headers a plain-http proxy needs."""
        proxies = urllib.request.getproxies_environment()
        proxy_url = proxies.get(target.scheme)
        if proxy_url and urllib.request.proxy_bypass(target.netloc):
            proxy_url = None
        if not proxy_url:
            if target.scheme == "https":
                return (
                    _DeadlineHttpsConnection(
                        target.host, target.port, deadline, context=self._tls()
                    ),
                    target.path,
                    {},
                )
            return _DeadlineConnection(target.host, target.port, deadline), target.path, {}
        proxy = split_url(proxy_url if "://" in proxy_url else f"http://{proxy_url}")
        if proxy.scheme != "http":
            raise ServerError(
                f"the proxy {self.scrub(proxy.netloc)} is not an http:// proxy", kind="refused"
            )
        auth: dict[str, str] = {}
        parts = urllib.parse.urlsplit(proxy.url if "://" in proxy.url else f"http://{proxy.url}")
        if parts.username is not None:
            user = urllib.parse.unquote(parts.username)
            pair = f"{user}:{urllib.parse.unquote(parts.password or '')}"
            auth["Proxy-Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        if target.scheme == "https":
            connection = _DeadlineHttpsConnection(
                proxy.host, proxy.port, deadline, context=self._tls()
            )
            connection.set_tunnel(target.host, target.port, headers=auth)
            return connection, target.path, {}
        plain = _DeadlineConnection(proxy.host, proxy.port, deadline)
        return plain, f"http://{target.authority}{target.path}", auth

    def _once(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> Response:
        target = split_url(url)
        failed = self.unreachable.get(target.origin)
        if failed is not None:
            raise ServerError(
                f"{method} {self._path(url)}: not asked, {self.scrub(target.netloc)} "
                f"could not be reached a moment ago ({failed})",
                kind="unreachable",
            )
        for name, value in headers.items():
            problem = header_problem(name, value)
            if problem is not None:
                raise ServerError(problem, kind="refused")
        try:
            deadline = Deadline(self.timeout)
            connection, request_target, proxy_headers = self._connection(target, deadline)
            sent = {
                "User-Agent": f"runner-wizard/{__version__}",
                "Accept": "application/json",
                **proxy_headers,
                **headers,
            }
            try:
                connection.request(method, request_target, body=body, headers=sent)
                raw = connection.getresponse()
                data = self._read(raw, deadline, method, url)
                status = int(raw.status or 0)
                response_headers = {k.lower(): v for k, v in raw.headers.items()}
            finally:
                connection.close()
        except ServerError:
            raise
        except TimeoutError:
            raise self._unreached(target, self._timeout(method, url)) from None
        except (OSError, http.client.HTTPException) as error:
            # Before ValueError: a refused certificate is both an OSError and a ValueError.
            raise self._unreached(target, self._network_error(method, url, error)) from None
        except (ValueError, UnicodeError):
            # http.client's own header checks: their messages quote the value.
            raise ServerError(
                f"{method} {self._path(url)}: a header could not be sent", kind="refused"
            ) from None
        return Response(
            status=status,
            body=data,
            headers=response_headers,
            request=f"{method} {self._path(url)}",
        )

    def _unreached(self, target: Target, error: ServerError) -> ServerError:
        """Remember a host that did not answer (not one whose certificate we refused)."""
        if error.kind in ("timeout", "network"):
            self.unreachable.setdefault(target.origin, _CAUSE.get(error.kind, error.kind))
        return error

    def _read(
        self, raw: http.client.HTTPResponse, deadline: Deadline, method: str, url: str
    ) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            deadline.left()
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
        return b"".join(chunks)

    def _host(self, url: str) -> str:
        """``host:port`` of ``url`` for a message: never the ``user:password@`` before it."""
        try:
            return self.scrub(split_url(url).netloc)
        except ServerError:
            return "the server"

    def _timeout(self, method: str, url: str) -> ServerError:
        host = self._host(url)
        return ServerError(
            f"{method} {self._path(url)}: no answer from {host} within {self.timeout:g} s",
            kind="timeout",
        )

    def _network_error(self, method: str, url: str, reason: object) -> ServerError:
        host = self._host(url)
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
        if isinstance(reason, TimeoutError):
            return self._timeout(method, url)
        if isinstance(reason, http.client.HTTPException):
            text = f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__
            return ServerError(
                f"{method} {self._path(url)}: {host} did not answer in HTTP ({self.scrub(text)})",
                kind="network",
            )
        text = getattr(reason, "strerror", None) or str(reason)
        return ServerError(
            f"{method} {self._path(url)}: cannot reach {host} ({self.scrub(str(text))})",
            kind="network",
        )


_CAUSE = {"timeout": "no answer in time", "network": "connection failed"}
