"""A stand-in GitLab on 127.0.0.1 for the server-check tests.

It answers the three endpoints the check uses with the response shapes of
GitLab's API documentation (Runners API: "Verify authentication for a registered
runner", "Get runner's details", "List all managers for a runner"), records every
request it receives (method, path, headers, body), and can be told to misbehave
per path: answer slowly, send HTML, rate-limit, redirect. HTTPS uses a
self-signed certificate made by the ``openssl`` command for each test session.
"""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.ci import unavailable

RUNNER_TOKEN = "glrt-FixtureRunnerToken12345"
OTHER_TOKEN = "glrt-SecondRunnerTokenABCDE"
REVOKED_TOKEN = "glrt-RevokedRunnerToken00000"
API_TOKEN = "glpat-FixtureAccessToken987654"
SYSTEM_ID = "s_0123456789ab"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    host: str

    def json(self) -> Any:
        return json.loads(self.body.decode())


Behaviour = Callable[[BaseHTTPRequestHandler, "FakeGitLab"], bool]
"""Handles a request itself (returns True) or lets the fake answer (False)."""


@dataclass
class FakeGitLab:
    """State and misbehaviour of one fake server."""

    verify: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Runner token -> verify answer (``id``, ``token_expires_at``)."""
    runners: dict[int, dict[str, Any]] = field(default_factory=dict)
    managers: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    api_tokens: set[str] = field(default_factory=lambda: {API_TOKEN})
    forbidden: set[int] = field(default_factory=set)
    """Runner ids the access token may not read (403)."""
    behaviours: dict[str, Behaviour] = field(default_factory=dict)
    """Path -> custom handling, for failures."""
    requests: list[Recorded] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_runner(
        self,
        runner_id: int,
        token: str,
        *,
        access_level: str = "not_protected",
        run_untagged: bool = True,
        locked: bool = False,
        runner_type: str = "project_type",
        expires: str | None = "2099-01-01T00:00:00.000Z",
        managers: list[dict[str, Any]] | None = None,
    ) -> None:
        self.verify[token] = {"id": runner_id, "token": token, "token_expires_at": expires}
        self.runners[runner_id] = runner_details(
            runner_id,
            access_level=access_level,
            run_untagged=run_untagged,
            locked=locked,
            runner_type=runner_type,
        )
        self.managers[runner_id] = (
            managers if managers is not None else [manager(SYSTEM_ID, "18.0.0")]
        )


def runner_details(
    runner_id: int,
    *,
    access_level: str,
    run_untagged: bool,
    locked: bool,
    runner_type: str,
) -> dict[str, Any]:
    """The documented shape of ``GET /runners/:id``."""
    return {
        "active": True,
        "paused": False,
        "architecture": None,
        "description": f"runner {runner_id}",
        "id": runner_id,
        "ip_address": "",
        "is_shared": runner_type == "instance_type",
        "runner_type": runner_type,
        "contacted_at": "2025-01-25T16:39:48.066Z",
        "maintenance_note": None,
        "name": None,
        "online": True,
        "status": "online",
        "platform": None,
        "projects": [{"id": 1, "name": "demo", "path": "demo", "path_with_namespace": "g/demo"}],
        "revision": None,
        "tag_list": ["docker"],
        "version": None,
        "access_level": access_level,
        "maximum_timeout": 3600,
        "run_untagged": run_untagged,
        "locked": locked,
    }


def manager(system_id: str, version: str) -> dict[str, Any]:
    """The documented shape of one entry of ``GET /runners/:id/managers``."""
    return {
        "id": abs(hash(system_id)) % 1000,
        "system_id": system_id,
        "version": version,
        "revision": "535ced5f",
        "platform": "linux",
        "architecture": "amd64",
        "created_at": "2024-10-24T01:27:06.549Z",
        "contacted_at": "2025-01-24T01:27:06.549Z",
        "ip_address": "127.0.0.1",
        "status": "online",
    }


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _record(self) -> Recorded:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        target = urllib.parse.urlsplit(self.path)
        record = Recorded(
            method=self.command,
            path=target.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            host=target.netloc or self.headers.get("Host", ""),
        )
        with self.server.fake.lock:
            self.server.fake.requests.append(record)
        return record

    def send_json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _any(self) -> None:
        fake = self.server.fake
        record = self._record()
        self._body = record.body
        behaviour = fake.behaviours.get(record.path)
        if behaviour is not None and behaviour(self, fake):
            return
        self._answer(fake, record)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

    def _answer(self, fake: FakeGitLab, record: Recorded) -> None:
        path = record.path
        if path == "/api/v4/runners/verify" and record.method == "POST":
            token = json.loads(record.body or b"{}").get("token")
            if token in fake.verify:
                self.send_json(200, fake.verify[token])
            else:
                self.send_json(403, {"message": "403 Forbidden"})
            return
        parts = path.strip("/").split("/")
        if record.method == "GET" and parts[:3] == ["api", "v4", "runners"] and len(parts) >= 4:
            if record.headers.get("private-token") not in fake.api_tokens:
                self.send_json(401, {"message": "401 Unauthorized"})
                return
            runner_id = int(parts[3]) if parts[3].isdigit() else -1
            if runner_id not in fake.runners:
                self.send_json(404, {"message": "404 Runner Not Found"})
                return
            if runner_id in fake.forbidden:
                self.send_json(403, {"message": "403 Forbidden - No access granted"})
                return
            if len(parts) == 4:
                self.send_json(200, fake.runners[runner_id])
                return
            if parts[4:] == ["managers"]:
                self.send_json(200, fake.managers.get(runner_id, []))
                return
        self.send_json(404, {"error": "404 Not Found"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake: FakeGitLab

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (a timeout test) is expected; its broken pipe would
        otherwise print to stderr inside whichever test runs next."""


@dataclass
class Running:
    fake: FakeGitLab
    server: _Server
    url: str


def start(fake: FakeGitLab, context: ssl.SSLContext | None = None) -> Running:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = fake
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    scheme = "https" if context is not None else "http"
    fake.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    return Running(fake, server, fake.url)


def stop(running: Running) -> None:
    running.server.shutdown()
    running.server.server_close()


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path


def make_certificate(folder: Path) -> Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost, made with ``openssl``."""
    if shutil.which("openssl") is None:
        unavailable("the openssl command is needed to make a test certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", str(key), "-out", str(cert), "-days", "2",
            "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return Certificate(cert, key)


def server_context(certificate: Certificate) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(certificate.cert), str(certificate.key))
    return context


# -- misbehaviours ---------------------------------------------------------------------------


def slow(seconds: float) -> Behaviour:
    def behave(handler: BaseHTTPRequestHandler, _fake: FakeGitLab) -> bool:
        time.sleep(seconds)
        return False

    return behave


def html_page() -> Behaviour:
    def behave(handler: BaseHTTPRequestHandler, _fake: FakeGitLab) -> bool:
        page = b"<html><body>Sign in</body></html>"
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(page)))
        handler.end_headers()
        handler.wfile.write(page)
        return True

    return behave


def rate_limited(times: int, retry_after: str) -> Behaviour:
    state = {"left": times}

    def behave(handler: BaseHTTPRequestHandler, _fake: FakeGitLab) -> bool:
        if state["left"] <= 0:
            return False
        state["left"] -= 1
        assert isinstance(handler, _Handler)
        handler.send_json(429, {"message": "429 Too Many Requests"}, {"Retry-After": retry_after})
        return True

    return behave


def redirect_to(location: str, status: int = 302) -> Behaviour:
    def behave(handler: BaseHTTPRequestHandler, _fake: FakeGitLab) -> bool:
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return True

    return behave


# -- a hostile GitLab: answers that never end, or that no GitLab would send -----------------


def _drip(handler: BaseHTTPRequestHandler, data: bytes, interval: float) -> None:
    """Send ``data`` one byte at a time; stop when the client has gone."""
    for byte in data:
        try:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
        except OSError:
            return
        time.sleep(interval)


DRIP_SECONDS = 30.0
"""How long a drip lasts when nobody hangs up: far past any timeout a test gives."""


def drip_body(interval: float) -> Behaviour:
    """Headers at once, then a JSON body one byte every ``interval`` seconds."""

    def behave(handler: BaseHTTPRequestHandler, _fake: FakeGitLab) -> bool:
        payload = b'{"id": 7, "pad": "' + b"x" * int(DRIP_SECONDS / interval) + b'"}'
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.flush()
        _drip(handler, payload, interval)
        return True

    return behave


def drip_chunked_body(interval: float) -> Behaviour:
    """A chunked body, one one-byte chunk every ``interval`` seconds."""

    def behave(handler: BaseHTTPRequestHandler, _fake: FakeGitLab) -> bool:
        handler.protocol_version = "HTTP/1.1"
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.flush()
        for _ in range(int(DRIP_SECONDS / interval)):
            try:
                handler.wfile.write(b"1\r\n \r\n")
                handler.wfile.flush()
            except OSError:
                return True
            time.sleep(interval)
        return True

    return behave


def drip_headers(interval: float) -> Behaviour:
    """The status line and headers one byte every ``interval`` seconds."""

    def behave(handler: BaseHTTPRequestHandler, _fake: FakeGitLab) -> bool:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: "
        head += b"y" * int(DRIP_SECONDS / interval) + b"\r\n\r\n{}"
        _drip(handler, head, interval)
        return True

    return behave


def endless_headers() -> Behaviour:
    """Header lines as fast as the client reads them, never a blank line."""

    def behave(handler: BaseHTTPRequestHandler, _fake: FakeGitLab) -> bool:
        try:
            handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
            deadline = time.monotonic() + DRIP_SECONDS
            number = 0
            while time.monotonic() < deadline:
                handler.wfile.write(b"X-More-%d: yes\r\n" % number)
                number += 1
        except OSError:
            pass
        return True

    return behave


def raw_json(body: bytes, status: int = 200) -> Behaviour:
    """Answer with exactly these bytes as JSON (deep nesting, huge numbers...)."""

    def behave(handler: BaseHTTPRequestHandler, _fake: FakeGitLab) -> bool:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        return True

    return behave


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then closed): connections are refused."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port: int = probe.getsockname()[1]
    probe.close()
    return port


class SilentHost:
    """A port that accepts connections (the kernel's backlog) and never answers."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"

    def close(self) -> None:
        self.socket.close()
