"""Pictures of the wizard's main screens, compared pixel-for-pixel as SVG.

Each test runs the app from :func:`wizard.tui.app.build_app` in a temporary
folder (so paths on screen are relative) at a fixed terminal size, on example
configs whose tokens are masked on screen. Textual is pinned exactly in
pyproject.toml because any change to its rendering changes these files.
Update them only after looking at the report: ``pytest tests/tui/test_snapshots.py
--snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui_support import SIZE, fill_new_runner, next_until, press, settle, tab_to
from wizard.tui.app import WizardApp, build_app

SnapCompare = Callable[..., bool]

COMMENTED_CONFIG = """\
# Runners of the build team.
concurrent = 4

[session_server]
  listen_address = "0.0.0.0:8093"  # web terminal
  session_timeout = 1800

[[runners]]
  name = "docker-builds"
  url = "https://gitlab.example.com"
  token = "glrt-SNAPSHOTsnapshotSNAP1234"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
    # for the old image build jobs
    privileged = true
    pull_policy = "if-not-present"
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def app_of(pilot: Pilot[Any]) -> WizardApp:
    app = pilot.app
    assert isinstance(app, WizardApp)
    return app


def test_start_screen_in_an_empty_folder(folder: Path, snap_compare: SnapCompare) -> None:
    """First screen in a folder without a config: names ./config.toml, says it will be
    created, and offers the one thing to do; the step list shows every step."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(app_of(pilot), pilot)

    assert snap_compare(build_app(Path("config.toml")), terminal_size=SIZE, run_before=run_before)


def test_privileges_step_on_a_commented_file(folder: Path, snap_compare: SnapCompare) -> None:
    """Privileged-needs step for an existing docker runner: the file's value, the
    recommendation, "keep what the file says", and the live findings count."""
    (folder / "config.toml").write_text(COMMENTED_CONFIG, encoding="utf-8")

    async def run_before(pilot: Pilot[Any]) -> None:
        app = app_of(pilot)
        await settle(app, pilot)
        await press(app, pilot, "enter", "enter")
        await next_until(app, pilot, "privileges")

    assert snap_compare(build_app(Path("config.toml")), terminal_size=SIZE, run_before=run_before)


def test_review_screen_shows_the_coloured_diff(folder: Path, snap_compare: SnapCompare) -> None:
    """Review after hardening the docker runner with the recommended answers:
    findings before → after, then the diff in colour, with nothing secret on it. The
    file is mode 0644 (whatever the umask), so the review says saving makes it 0600."""
    (folder / "config.toml").write_text(COMMENTED_CONFIG, encoding="utf-8")
    (folder / "config.toml").chmod(0o644)

    async def run_before(pilot: Pilot[Any]) -> None:
        app = app_of(pilot)
        await settle(app, pilot)
        await press(app, pilot, "enter", "enter")
        await next_until(app, pilot, "review")

    assert snap_compare(build_app(Path("config.toml")), terminal_size=SIZE, run_before=run_before)


def test_executor_step_at_80_by_24(folder: Path, snap_compare: SnapCompare) -> None:
    """The smallest supported terminal: a narrower step list, the executor list and
    its explanation still readable, Back/Next still on screen."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app = app_of(pilot)
        await settle(app, pilot)
        await press(app, pilot, "enter")
        await fill_new_runner(app, pilot, name="r", url="https://gitlab.example.com")
        await press(app, pilot, "enter")

    assert snap_compare(
        build_app(Path("config.toml")), terminal_size=(80, 24), run_before=run_before
    )


def test_review_host_checklist_and_hardening_files(folder: Path, snap_compare: SnapCompare) -> None:
    """The end of the review: the host checklist marked by what the network step
    planned (one measure left out), and the box that writes the hardening files."""
    (folder / "config.toml").write_text(COMMENTED_CONFIG, encoding="utf-8")
    (folder / "config.toml").chmod(0o644)  # the same review whatever the umask

    async def run_before(pilot: Pilot[Any]) -> None:
        app = app_of(pilot)
        await settle(app, pilot)
        await press(app, pilot, "enter", "enter")
        await next_until(app, pilot, "network")
        app.screen.query("MultiChoice").last().focus()
        await press(app, pilot, "down", "space")  # no SSH filtering planned
        await next_until(app, pilot, "review")
        await tab_to(app, pilot, "write-artifacts")
        await press(app, pilot, "space")
        app.screen.query_one("#artifacts-folder").scroll_visible(animate=False)
        await settle(app, pilot)

    assert snap_compare(build_app(Path("config.toml")), terminal_size=SIZE, run_before=run_before)


def test_two_runners_ticked_on_the_picker(folder: Path, snap_compare: SnapCompare) -> None:
    """The runner picker of a two-runner file with both ticked, to be hardened with
    the same answers; tokens masked."""
    second = COMMENTED_CONFIG.replace("docker-builds", "docker-tags").replace("1234", "5678")
    config_text = COMMENTED_CONFIG + "\n" + second[second.index("[[runners]]") :]
    (folder / "config.toml").write_text(config_text, encoding="utf-8")

    async def run_before(pilot: Pilot[Any]) -> None:
        app = app_of(pilot)
        await settle(app, pilot)
        await press(app, pilot, "enter", "space", "down", "space")

    assert snap_compare(build_app(Path("config.toml")), terminal_size=SIZE, run_before=run_before)
