"""The review's offered fixes are on screen, whole, and ticking one lands in the file.

A trial found the "Fixes no answer decides" heading with nothing under it: the box
holding the tick boxes was one line tall, so every box was clipped away, while the
line-mode wizard listed four fixes for the same runner.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
from textual.geometry import Region
from textual.widgets import Checkbox

from tests.corpus import require_corpus
from tests.tui_support import next_until, press, save_confirming_risks, settle
from wizard.tui.app import EXIT_SAVED, build_app

EXPECTED = {
    "git-urls-carry-token",
    "no-new-privileges-missing",
    "setuid-not-dropped",
    "docker-socket-mount",
}


def _visible_inside(inner: Region, outer: Region) -> bool:
    return inner.height > 0 and inner.width > 0 and outer.contains_region(inner)


@pytest.mark.parametrize("size", [(100, 30), (80, 24)])
async def test_offered_fixes_are_shown_and_a_ticked_one_is_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    source = next(p for p in require_corpus() if p.name.startswith("33-"))
    config = tmp_path / "config.toml"
    shutil.copyfile(source, config)
    monkeypatch.chdir(tmp_path)
    app = build_app(Path("config.toml"))
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter", "down", "down", "down", "enter")
        await next_until(app, pilot, "review")
        offers = app.screen.query_one("#offers")
        boxes = list(app.screen.query(".offer").results(Checkbox))
        shown = {str(b.label).split(" ", 1)[0] for b in boxes}
        assert shown == EXPECTED
        for box in boxes:
            box.scroll_visible(animate=False)
            await settle(app, pilot)
            # Inside its container (not clipped away) and tall enough for its whole label.
            assert _visible_inside(box.region, offers.region), (box.region, offers.region)
            assert box.region.width <= offers.region.width
            text_width = len(str(box.label)) + 4
            assert box.region.height * box.region.width >= text_width
        setuid = next(b for b in boxes if str(b.label).startswith("setuid-not-dropped"))
        setuid.focus()
        await press(app, pilot, "space")
        await save_confirming_risks(app, pilot)
        await press(app, pilot, "enter")
    assert app.return_value == EXIT_SAVED
    runner = tomllib.loads(config.read_text(encoding="utf-8"))["runners"][3]
    assert runner["name"] == "docker-custom-runner"
    assert runner["docker"]["cap_drop"] == ["SETUID", "SETGID"]
