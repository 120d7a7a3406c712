"""The new-runner form: every input styled alike, the focused one set apart, examples
shown as examples; the first screen names the kind of file being opened."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static

from tests.tui_support import press, settle
from wizard.answers.wording import start_title
from wizard.tui.app import build_app


async def test_only_the_focused_input_is_highlighted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = build_app(Path("config.toml"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        inputs = {i.id: i for i in app.screen.query(Input).results(Input)}
        assert set(inputs) == {"name", "url", "token"}
        assert inputs["url"].placeholder.startswith("e.g. ")
        for focus in ("name", "url", "token"):
            inputs[focus].focus()
            await settle(app, pilot)
            edges = {k: i.styles.border_left for k, i in inputs.items()}
            heights = {i.outer_size.height for i in inputs.values()}
            assert heights == {1}, heights  # no input wears a heavy border
            others = {edges[k] for k in inputs if k != focus}
            assert len(others) == 1, others  # the unfocused ones look alike
            assert edges[focus] not in others  # and the focused one differs


async def test_the_first_screen_names_a_values_file_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "values.yaml").write_text(
        'runners:\n  config: |\n    [[runners]]\n      executor = "kubernetes"\n',
        encoding="utf-8",
    )
    app = build_app(Path("values.yaml"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        title = str(app.screen.query_one("#start-title", Static).render())
    assert "config.toml" not in title
    assert title == start_title("values.yaml")
    assert start_title("config.toml") == "Which config.toml?"
