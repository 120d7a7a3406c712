"""GitLab's view of each runner in the wizard: the core's words, and the screens that show them.

The core asks a stand-in GitLab over HTTPS on 127.0.0.1 (self-signed certificate,
named by the runner's own ``tls-ca-file``); the Textual picker and review show
what the core worded, and nothing when no access token is set. The access token
goes only where the operator sent it: a GitLab the opened file names is asked
only after the operator confirmed it (or named it with ``--gitlab-url``), and the
file's CA is trusted only for the runner's config at its usual place or when the
operator chose so. Before, opening a file was enough to send GITLAB_TOKEN to the
server it named, trusting the file's own CA.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from tests.gitlab_fixture import (
    API_TOKEN,
    REVOKED_TOKEN,
    RUNNER_TOKEN,
    SYSTEM_ID,
    FakeGitLab,
    Running,
    make_certificate,
    server_context,
    start,
    stop,
)
from tests.tui_support import SIZE, next_until, position, press, settle
from wizard.server import local
from wizard.server.status import consent_for_file, status_for_file
from wizard.tui.app import build_app
from wizard.tui.screens.confirm_gitlab import ConfirmGitLabScreen


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
def gitlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Path]]:
    certificate = make_certificate(tmp_path_factory.mktemp("tls"))
    running = start(FakeGitLab(), server_context(certificate))
    yield running, certificate.cert
    stop(running)


def config_for(folder: Path, url: str, ca: Path) -> Path:
    """A shell runner and a privileged docker runner, both known to the fake."""
    text = f"""\
concurrent = 2

[[runners]]
  name = "deploy"
  url = "{url}"
  id = 3
  token = "{RUNNER_TOKEN}"
  tls-ca-file = "{ca}"
  executor = "shell"

[[runners]]
  name = "dind"
  url = "{url}"
  id = 4
  token = "{REVOKED_TOKEN}"
  tls-ca-file = "{ca}"
  executor = "docker"
  [runners.docker]
    image = "docker:27"
    privileged = true
"""
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    (folder / ".runner_system_id").write_text(SYSTEM_ID, encoding="utf-8")
    return path


def populate(fake: FakeGitLab) -> None:
    fake.add_runner(3, RUNNER_TOKEN, access_level="ref_protected", expires=None)
    fake.add_runner(4, "glrt-TheTokenGitLabHasNow1234", access_level="not_protected")


def test_the_core_words_access_level_and_expiry(
    tmp_path: Path, gitlab: tuple[Running, Path]
) -> None:
    running, ca = gitlab
    populate(running.fake)
    config = config_for(tmp_path, running.url, ca)
    status = status_for_file(
        config, {"GITLAB_TOKEN": API_TOKEN}, confirmed=origin_of(running), trust_file_ca=True
    )
    assert status[0].summary == "protected branches only, token never expires"
    assert status[1].summary == "any branch, token refused by GitLab"
    # The shell runner is host-level and protected; the privileged one is not protected.
    assert status[0].review_line(privileged=False) == (
        "On GitLab this runner runs protected branches and tags only."
    )
    line = status[1].review_line(privileged=True)
    assert line is not None
    assert "any branch" in line
    assert "tick Protected" in line
    assert {r.method for r in running.fake.requests} <= {"GET", "POST"}


def origin_of(running: Running) -> frozenset[str]:
    """What the operator confirms: the fake's ``https://127.0.0.1:PORT``."""
    return frozenset({running.url})


def test_a_gitlab_the_file_names_gets_nothing_until_the_operator_confirms_it(
    tmp_path: Path, gitlab: tuple[Running, Path]
) -> None:
    running, ca = gitlab
    populate(running.fake)
    config = config_for(tmp_path, running.url, ca)
    env = {"GITLAB_TOKEN": API_TOKEN}
    assert status_for_file(config, env) == {}
    assert status_for_file(config, env, confirmed=frozenset({"https://elsewhere:443"})) == {}
    assert running.fake.requests == []
    consent = consent_for_file(config, env)
    assert consent is not None
    assert consent.origin == running.url
    assert consent.question == f"Send your access token (GITLAB_TOKEN) to {running.url}?"
    assert consent.ca_file == str(ca)
    assert any("a file from elsewhere" in line for line in consent.lines)
    # Named by the operator, or no token: nothing to ask.
    assert consent_for_file(config, env, gitlab_url=running.url) is None
    assert consent_for_file(config, {}) is None


def test_the_files_own_ca_is_not_trusted_unless_the_operator_says_so(
    tmp_path: Path, gitlab: tuple[Running, Path]
) -> None:
    running, ca = gitlab
    populate(running.fake)
    config = config_for(tmp_path, running.url, ca)
    env = {"GITLAB_TOKEN": API_TOKEN}
    status = status_for_file(config, env, confirmed=origin_of(running))
    # The self-signed certificate is not trusted: the token never left this process.
    assert running.fake.requests == []
    assert "not trusted" in status[0].summary
    status = status_for_file(config, env, confirmed=origin_of(running), trust_file_ca=True)
    assert status[0].summary == "protected branches only, token never expires"


def test_the_runners_own_config_at_its_usual_place_keeps_its_ca(
    tmp_path: Path, gitlab: tuple[Running, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    running, ca = gitlab
    populate(running.fake)
    config = config_for(tmp_path, running.url, ca)
    monkeypatch.setattr(local, "runner_config_places", lambda: (config,))
    env = {"GITLAB_TOKEN": API_TOKEN}
    consent = consent_for_file(config, env)
    assert consent is not None
    assert consent.ca_file is None  # nothing extra to ask: the runner's own CA
    status = status_for_file(config, env, confirmed=origin_of(running))
    assert status[0].summary == "protected branches only, token never expires"


def test_without_an_access_token_the_core_asks_nothing(
    tmp_path: Path, gitlab: tuple[Running, Path]
) -> None:
    running, ca = gitlab
    populate(running.fake)
    config = config_for(tmp_path, running.url, ca)
    assert status_for_file(config, {}) == {}
    assert running.fake.requests == []


async def test_picker_and_review_show_what_gitlab_said(
    tmp_path: Path,
    gitlab: tuple[Running, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    running, ca = gitlab
    populate(running.fake)
    monkeypatch.chdir(tmp_path)
    config_for(tmp_path, running.url, ca)
    monkeypatch.setenv("GITLAB_TOKEN", API_TOKEN)
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmGitLabScreen)
        assert running.fake.requests == []
        await press(app, pilot, "c")  # send, and trust the file's CA
        await press(app, pilot, "enter")
        assert position(app) == "runner"
        shown = app.screen.query_one("#server-status", Static)
        assert shown.display
        text = str(shown.content)
        assert "deploy on GitLab: protected branches only, token never expires" in text
        assert "dind on GitLab: any branch, token refused by GitLab" in text
        await press(app, pilot, "down", "enter")
        await next_until(app, pilot, "review")
        note = str(app.screen.query_one("#server-note", Static).content)
        assert "takes jobs from any branch" in note
    for secret in (API_TOKEN, RUNNER_TOKEN, REVOKED_TOKEN):
        assert secret not in text + note


async def test_without_a_token_the_picker_has_no_gitlab_lines(
    tmp_path: Path, gitlab: tuple[Running, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    running, ca = gitlab
    populate(running.fake)
    monkeypatch.chdir(tmp_path)
    config_for(tmp_path, running.url, ca)
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        assert not app.screen.query_one("#server-status", Static).display
        await press(app, pilot, "down", "enter")
        await next_until(app, pilot, "review")
        assert not app.screen.query("#server-note")
    assert running.fake.requests == []


async def test_saying_no_sends_nothing_and_the_wizard_goes_on(
    tmp_path: Path, gitlab: tuple[Running, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    running, ca = gitlab
    populate(running.fake)
    monkeypatch.chdir(tmp_path)
    config_for(tmp_path, running.url, ca)
    monkeypatch.setenv("GITLAB_TOKEN", API_TOKEN)
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmGitLabScreen)
        text = str(app.screen.query_one("#confirm-title", Static).content)
        assert running.url in text
        await press(app, pilot, "enter")  # the focus is on "Don't send"
        await press(app, pilot, "enter")
        assert position(app) == "runner"
        assert not app.screen.query_one("#server-status", Static).display
    assert running.fake.requests == []
    assert API_TOKEN not in text


async def test_a_named_gitlab_is_asked_without_a_question(
    tmp_path: Path, gitlab: tuple[Running, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    running, ca = gitlab
    populate(running.fake)
    monkeypatch.chdir(tmp_path)
    config_for(tmp_path, running.url, ca)
    monkeypatch.setattr(local, "runner_config_places", lambda: (tmp_path / "config.toml",))
    monkeypatch.setenv("GITLAB_TOKEN", API_TOKEN)
    app = build_app(Path("config.toml"), gitlab_url=running.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmGitLabScreen)
        await press(app, pilot, "enter")
        assert position(app) == "runner"
        text = str(app.screen.query_one("#server-status", Static).content)
        assert "deploy on GitLab: protected branches only" in text
