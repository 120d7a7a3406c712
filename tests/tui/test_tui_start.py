"""The first screen: the "Working on" box names the file read, and Enter goes on.

Started with no PATH, the wizard looks for the runner's usual config itself;
the box must then show what it found (or ``config.toml``) so that Enter does
not take the box for another file and read it again forever.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual.widgets import Input

from tests.tui_support import SIZE, position, press, screen_text, settle
from wizard.tui.app import EXIT_NOT_SAVED, WizardApp, build_app
from wizard.tui.ports import SessionPort, open_real_session
from wizard.tui.screens.start import names_same_file, path_from_text

ONE_DOCKER_RUNNER = """\
[[runners]]
  name = "docker-mr"
  url = "https://gitlab.example.com"
  token = "glrt-STARTstartSTARTstart1234"
  executor = "docker"
"""


@pytest.fixture
def empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder, and no usual config anywhere (whatever this machine has)."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    missing = tmp_path / "home" / ".gitlab-runner" / "config.toml"
    monkeypatch.setattr("wizard.session.core.default_config_path", lambda: missing)
    return work


def path_box(app: WizardApp) -> str:
    return app.screen.query_one("#path", Input).value


async def test_no_path_in_an_empty_folder_names_config_toml_and_enter_goes_on(
    empty_folder: Path,
) -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert path_box(app) == "config.toml"
        assert app.state.path == Path("config.toml")
        assert app.facts is not None
        assert not app.facts.exists
        await press(app, pilot, "enter")
        assert position(app) == "runner", "Enter on the first screen goes on"
    assert list(empty_folder.iterdir()) == [], "nothing is written on the way"


async def test_no_path_with_the_usual_config_shows_it_home_based_and_enter_goes_on(
    empty_folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    usual = tmp_path / "home" / ".gitlab-runner" / "config.toml"
    usual.parent.mkdir(parents=True)
    usual.write_text(ONE_DOCKER_RUNNER, encoding="utf-8")
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert path_box(app) == "~/.gitlab-runner/config.toml"
        assert str(tmp_path) not in screen_text(app), "no absolute path on screen"
        await press(app, pilot, "enter")
        assert position(app) == "runner"
        await press(app, pilot, "enter")
        assert position(app) == "trust", "the one runner is picked with Enter"
        await press(app, pilot, "q")
    assert app.return_value == EXIT_NOT_SAVED


async def test_enter_in_the_box_goes_on_when_it_names_the_file_already_read(
    empty_folder: Path,
) -> None:
    """Focus in the box (as after a click) and no path given: Enter still goes on."""
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.click("#path")
        await press(app, pilot, "enter")
        assert position(app) == "runner"


@pytest.mark.parametrize("typed", ["./other.toml", "other.toml ", "{cwd}/other.toml"])
async def test_another_file_typed_in_any_spelling_is_read_once_then_enter_goes_on(
    empty_folder: Path, typed: str
) -> None:
    """A file typed as ``./x`` or with its full path is read, the box then shows it as
    the wizard names it, and the next Enter goes on instead of reading it again."""
    (empty_folder / "other.toml").write_text(ONE_DOCKER_RUNNER, encoding="utf-8")
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.screen.query_one("#path", Input).value = typed.format(cwd=empty_folder)
        await press(app, pilot, "enter")
        assert position(app) == "start", "the first Enter reads the other file"
        assert app.facts is not None
        assert app.facts.exists
        assert path_box(app) == "other.toml"
        await press(app, pilot, "enter")
        assert position(app) == "runner"


async def test_a_path_typed_while_the_file_is_read_is_kept(empty_folder: Path) -> None:
    """The file read fills the box only while the user has not typed in it."""
    typed = threading.Event()

    def open_after_typing(path: Path) -> SessionPort:
        typed.wait(timeout=10)
        return open_real_session(path)

    app = build_app(open_session=open_after_typing)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.facts is None, "the first read is held back until the user typed"
        app.screen.query_one("#path", Input).value = "mine.toml"
        typed.set()
        await settle(app, pilot)
        assert app.facts is not None
        assert path_box(app) == "mine.toml"
        await press(app, pilot, "enter")
        assert app.state.path == Path("mine.toml")
        assert path_box(app) == "mine.toml"


@given(
    name=st.from_regex(r"[a-z][a-z0-9_-]{0,12}\.toml", fullmatch=True),
    spelling=st.sampled_from(["{n}", "./{n}", " {n} ", "{cwd}/{n}", "sub/../{n}"]),
)
def test_every_spelling_of_the_same_file_names_it(name: str, spelling: str) -> None:
    assert names_same_file(spelling.format(n=name, cwd=os.getcwd()), name)
    assert not names_same_file(spelling.format(n="x" + name, cwd=os.getcwd()), name)


def test_an_empty_box_means_a_new_config_here() -> None:
    assert path_from_text("  ") == Path("config.toml")
    assert names_same_file("", "config.toml")
    assert not names_same_file("", "~/.gitlab-runner/config.toml")


async def test_a_broken_file_is_named_in_the_one_parse_error_shape(empty_folder: Path) -> None:
    """The start screen says file:line:col: message, as audit and harden do."""
    from textual.widgets import Static

    (empty_folder / "config.toml").write_text(
        '[[runners]]\n  name = "a"\n  executor = = "docker"\n', encoding="utf-8"
    )
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        shown = str(app.screen.query_one("#file-facts", Static).render())
        assert shown.startswith("config.toml:3:14: invalid TOML"), shown
        await press(app, pilot, "q")
    assert app.return_value == EXIT_NOT_SAVED
