"""A runner ``url`` with ``user:password@``: the check asks the host alone and never shows the pair.

The runner itself (``network/client.go``, ``newClient``) parses its ``url`` with the
standard URL parser and resolves every API path against it, so the userinfo stays on
each request's URL and the standard HTTP client sends it as HTTP Basic authentication;
its error messages drop it (``helpers/url/clean_url.go``, ``CleanURL`` sets ``User`` to
nil). The host is the URL's host name: ``user:password@`` is never part of it.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.gitlab_fixture import (
    API_TOKEN,
    RUNNER_TOKEN,
    SYSTEM_ID,
    FakeGitLab,
    Running,
    start,
    stop,
)
from wizard.cli import main
from wizard.server.transport import split_url, without_userinfo

PASSWORD = "Pw0rdUserinfoQz7"


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.delenv("GITLAB_TOKEN", raising=False)
    real = socket.create_connection

    def guarded(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        assert address[0] in ("127.0.0.1", "localhost", "::1"), f"not loopback: {address}"
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)


@pytest.fixture
def gitlab() -> Iterator[Running]:
    running = start(FakeGitLab())
    yield running
    stop(running)


def _config(folder: Path, url: str) -> Path:
    with_pair = url.replace("://", f"://deploy:{PASSWORD}@", 1)
    path = folder / "config.toml"
    path.write_text(
        "concurrent = 1\n\n[[runners]]\n"
        '  name = "dind"\n'
        f'  url = "{with_pair}"\n'
        "  id = 7\n"
        f'  token = "{RUNNER_TOKEN}"\n'
        '  executor = "docker"\n'
        "  [runners.docker]\n"
        '    image = "alpine:3.20"\n'
        "    privileged = true\n",
        encoding="utf-8",
    )
    path.chmod(0o600)
    (folder / ".runner_system_id").write_text(SYSTEM_ID, encoding="utf-8")
    (folder / "api-token").write_text(API_TOKEN + "\n", encoding="utf-8")
    return path


def _check(capsys: pytest.CaptureFixture[str], path: Path, output_format: str) -> tuple[int, str]:
    code = main(
        [
            "server-check",
            "--allow-http",
            "--timeout",
            "3",
            "--format",
            output_format,
            "--api-token-file",
            str(path.parent / "api-token"),
            str(path),
        ]
    )
    captured = capsys.readouterr()
    if output_format == "json":
        json.loads(captured.out)
    return code, captured.out + "\n" + captured.err


def test_the_host_is_the_urls_host_and_the_pair_is_neither_sent_nor_shown(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, gitlab: Running
) -> None:
    gitlab.fake.add_runner(7, RUNNER_TOKEN, access_level="not_protected")
    path = _config(tmp_path, gitlab.url)
    for output_format in ("text", "json"):
        code, shown = _check(capsys, path, output_format)
        assert code == 1, shown  # the dangerous runner is found: GitLab was really asked
        assert PASSWORD not in shown
        assert "deploy:" not in shown
        # The API call we suggest names the host alone.
        assert f"{gitlab.url}/api/v4/runners/7" in shown
    host = gitlab.url.removeprefix("http://")
    assert {request.headers.get("host") for request in gitlab.fake.requests} == {host}
    assert all("authorization" not in request.headers for request in gitlab.fake.requests)
    assert all(PASSWORD.encode() not in request.body for request in gitlab.fake.requests)


def test_an_unreachable_url_with_a_pair_names_the_host_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    path = _config(tmp_path, f"http://127.0.0.1:{port}")
    for output_format in ("text", "json"):
        code, shown = _check(capsys, path, output_format)
        assert code == 2
        assert f"cannot reach 127.0.0.1:{port}" in shown
        assert PASSWORD not in shown
        assert "deploy" not in shown


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:pass@gitlab.example.com", "https://gitlab.example.com"),
        ("https://user:p%40ss@gitlab.example.com:8443/ci", "https://gitlab.example.com:8443/ci"),
        ("https://user@gitlab.example.com/", "https://gitlab.example.com/"),
        ("https://gitlab.example.com", "https://gitlab.example.com"),
        ("https://a:b@[::1]:444/x", "https://[::1]:444/x"),
    ],
)
def test_without_userinfo_keeps_everything_but_the_pair(url: str, expected: str) -> None:
    assert without_userinfo(url) == expected


def test_split_url_takes_the_host_name_not_the_userinfo() -> None:
    target = split_url("https://user:secret@GitLab.example.com:8443/")
    assert (target.host, target.port, target.netloc) == (
        "gitlab.example.com",
        8443,
        "gitlab.example.com:8443",
    )
