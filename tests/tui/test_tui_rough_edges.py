"""Rough edges of the full-screen wizard found by trying it: each one walked with keys.

- After Save the focus was on Finish, so a preset name typed straight away went
  nowhere: the name line now has the focus, and Enter with no name finishes.
- With 16 runners at 80x24 the last runner sat behind the buttons and the list
  did not scroll: the list now takes the room above the buttons and scrolls.
- The review never said that saving sets the file to mode 0600, nor that a
  read-only file is replaced.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static

from tests.tui_support import (
    SIZE,
    fill_new_runner,
    next_until,
    position,
    press,
    save_confirming_risks,
    settle,
)
from wizard.tui.app import EXIT_SAVED, build_app
from wizard.tui.widgets.choices import MultiChoice


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _runners(count: int) -> str:
    return "concurrent = 4\n" + "".join(
        f'\n[[runners]]\n  name = "runner-{n:02}"\n  url = "https://gitlab.example.com"\n'
        f'  token = "glrt-RunnerToken{n:02}xxxxxxxxx"\n  executor = "shell"\n'
        for n in range(1, count + 1)
    )


async def test_a_name_typed_right_after_saving_goes_into_the_preset_name(folder: Path) -> None:
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        await fill_new_runner(app, pilot, name="r", url="https://gitlab.example.com")
        await next_until(app, pilot, "review")
        await save_confirming_risks(app, pilot)
        assert position(app) == "done"
        focused = app.focused
        assert isinstance(focused, Input)
        assert focused.id == "preset-name"
        await press(app, pilot, *"team-docker", "enter", "enter")
        result = str(app.screen.query_one("#preset-result", Static).content)
        assert result.startswith("Wrote preset team-docker")
        assert (folder / "team-docker.toml").is_file()
        app.screen.query_one("#preset-name", Input).value = ""
        app.screen.query_one("#preset-name", Input).focus()
        await press(app, pilot, "enter")  # no name: Enter finishes
    assert app.return_value == EXIT_SAVED


async def test_the_sixteenth_runner_is_reachable_and_chosen_at_80_by_24(folder: Path) -> None:
    (folder / "config.toml").write_text(_runners(16), encoding="utf-8")
    app = build_app(Path("config.toml"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        assert position(app) == "runner"
        picker = app.screen.query_one("#runner-choice", MultiChoice)
        buttons = app.screen.query_one(".actions")
        # The list ends above the buttons: no runner hides behind them.
        assert picker.region.bottom <= buttons.region.y
        await press(app, pilot, *["down"] * 15)
        assert picker.highlighted == 15
        top = picker.scroll_offset.y
        visible_rows = picker.scrollable_content_region.height
        assert top <= 15 < top + visible_rows, (top, visible_rows)
        await press(app, pilot, "enter")
        assert app.state.runner_index == 15


@pytest.mark.parametrize(
    ("mode", "sentence"),
    [
        (0o644, "config.toml is mode 0644: saving sets mode 0600"),
        (0o444, "config.toml is read-only (mode 0444): saving replaces it anyway"),
    ],
)
async def test_the_review_names_the_mode_change(folder: Path, mode: int, sentence: str) -> None:
    config = folder / "config.toml"
    config.write_text(
        '[[runners]]\n  name = "r"\n  url = "https://gitlab.example.com"\n'
        '  token = "glrt-ModeModeModeMode1234"\n  executor = "docker"\n'
        '  [runners.docker]\n    image = "alpine:3.20"\n',
        encoding="utf-8",
    )
    config.chmod(mode)
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter", "enter")
        await next_until(app, pilot, "review")
        assert app.latest_preview is not None
        assert app.latest_preview.changed
        changes = str(app.screen.query_one("#changes", Static).content)
        assert sentence in " ".join(changes.split())
