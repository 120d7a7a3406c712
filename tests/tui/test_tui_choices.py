"""Ticked and chosen is shown by a mark, not by colour alone; Quit is always listed.

A ticked box carries a tick and a chosen option a dot, while unticked boxes
and options not chosen stay empty boxes, so the state reads the same in a
monochrome terminal and in a screenshot. The key help lists Quit on every
screen: as ``q`` where q is a key, as ``^q`` while a text line has the focus
(where q is a letter), and Ctrl+Q quits there without saving.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from tests.tui_support import SIZE, position, press, settle
from wizard.tui.app import EXIT_NOT_SAVED, NOTHING_WRITTEN, WizardApp, build_app
from wizard.tui.widgets.choices import CHOSEN, EMPTY, TICKED, ChoiceButton, MultiChoice, TickBox

THREE_DOCKER_RUNNERS = "".join(
    f"""
[[runners]]
  name = "docker-{n}"
  url = "https://gitlab.example.com"
  token = "glrt-CHOICEchoiceCHOICE{n}{n}{n}{n}"
  executor = "docker"
"""
    for n in range(3)
)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def box(line: str) -> str:
    """The mark inside the ``▐ ▌`` box that starts a rendered row."""
    start = line.index("▐")
    assert line[start + 2] == "▌", line
    return line[start + 1]


def quit_keys(app: WizardApp) -> list[str]:
    """The keys the key help shows for Quit."""
    return [key.key_display for key in app.screen.query(FooterKey) if key.description == "Quit"]


async def test_ticked_runners_show_a_tick_and_the_others_an_empty_box(folder: Path) -> None:
    (folder / "config.toml").write_text(THREE_DOCKER_RUNNERS, encoding="utf-8")
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        assert position(app) == "runner"
        await press(app, pilot, "space", "down", "down", "space")
        picker = app.screen.query_one(MultiChoice)
        marks = [box(picker.render_line(row).text) for row in range(3)]
        assert marks == [TICKED, EMPTY, TICKED]
        await press(app, pilot, "up", "up", "space")  # untick the first again
        marks = [box(picker.render_line(row).text) for row in range(3)]
        assert marks == [EMPTY, EMPTY, TICKED]


async def test_the_chosen_option_has_the_dot_and_moves_with_the_arrows(folder: Path) -> None:
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        await pilot.press(*"builds")
        app.screen.query_one("#url", Input).value = "https://gitlab.example.com"
        await press(app, pilot, "enter")
        assert position(app) == "trust"
        options = list(app.screen.query(ChoiceButton))
        assert len(options) > 1
        marks = [box(option.render().plain) for option in options]
        assert marks.count(CHOSEN) == 1
        chosen = marks.index(CHOSEN)
        await press(app, pilot, "down" if chosen + 1 < len(options) else "up")
        moved = [box(option.render().plain) for option in options]
        assert moved.count(CHOSEN) == 1
        assert moved.index(CHOSEN) != chosen
        assert set(moved) == {CHOSEN, EMPTY}


async def test_a_checkbox_shows_a_tick_only_when_ticked(folder: Path) -> None:
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        allow_http = app.screen.query_one("#allow-http", TickBox)
        assert box(allow_http.render().plain) == EMPTY
        allow_http.value = True
        await settle(app, pilot)
        assert box(allow_http.render().plain) == TICKED


async def test_quit_is_listed_as_q_and_as_ctrl_q_in_a_text_line(folder: Path) -> None:
    """q where it is a key; in the new runner's name line q is typed, the key help
    says ^q, and Ctrl+Q leaves without writing anything."""
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert quit_keys(app) == ["q"]
        await press(app, pilot, "enter")
        assert isinstance(app.focused, Input)
        assert quit_keys(app) == ["^q"]
        await press(app, pilot, "q")
        assert app.screen.query_one("#name", Input).value == "q", "q is typed, not quitting"
        assert position(app) == "runner"
        await press(app, pilot, "ctrl+q")
    assert app.return_value == EXIT_NOT_SAVED
    assert app.outcome == NOTHING_WRITTEN
    assert list(folder.iterdir()) == []


async def test_q_still_quits_where_no_text_line_has_the_focus(folder: Path) -> None:
    (folder / "config.toml").write_text(THREE_DOCKER_RUNNERS, encoding="utf-8")
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter", "enter")
        assert position(app) == "trust"
        assert quit_keys(app) == ["q"]
        await press(app, pilot, "q")
    assert app.return_value == EXIT_NOT_SAVED
