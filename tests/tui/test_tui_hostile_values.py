"""Values from the file are text, never markup or terminal codes, on every screen of the wizard.

A runner named ``a[/]b`` used to crash the wizard (Rich markup), and a name
holding an escape sequence reached the terminal raw (it could retitle the
window or erase lines).
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Input, SelectionList, Static

from tests.tui_support import SIZE, next_until, position, press, save_confirming_risks, settle
from wizard.tui.app import EXIT_SAVED, WizardApp, build_app

HOSTILE = """\
[[runners]]
  name = "a[/]b [bold]x[/bold] \\u001b]2;PWNED\\u0007 \\u001b[1A\\u001b[2K end"
  url = "https://gitlab.example.com"
  token = "glrt-HOSTILEVALUES0123456789"
  executor = "docker"
  [runners.docker]
    image = "alpine[/]:3.20"
    privileged = true
"""


def widget_texts(app: WizardApp) -> str:
    parts: list[str] = []
    for widget in app.screen.query("*"):
        if isinstance(widget, Static):
            parts.append(str(widget.content))
        elif isinstance(widget, Button):
            parts.append(str(widget.label))
        elif isinstance(widget, Input):
            parts.append(widget.value)
        elif isinstance(widget, SelectionList):
            parts += [str(widget.get_option_at_index(i).prompt) for i in range(widget.option_count)]
    return "\n".join(parts)


def assert_no_control_characters(app: WizardApp) -> None:
    # The widgets' own content and the window title: what the screen is drawn from.
    shown = "\n".join((widget_texts(app), app.title, app.sub_title))
    assert "\x1b]2;" not in shown, position(app)
    assert "\x07" not in shown, position(app)
    assert "\x1b[1A" not in shown, position(app)


async def test_markup_and_escape_sequences_in_names_are_shown_as_text(
    tmp_path: Path, monkeypatch: object
) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(HOSTILE, encoding="utf-8")
    app = build_app(Path("config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert_no_control_characters(app)
        await press(app, pilot, "enter")
        assert position(app) == "runner"
        assert "a[/]b" in widget_texts(app), "the name is shown as written, brackets included"
        while position(app) != "review":
            assert_no_control_characters(app)
            await next_until(app, pilot, app.state.following(position(app)))
        assert_no_control_characters(app)
        await save_confirming_risks(app, pilot)
        assert position(app) == "done"
        assert_no_control_characters(app)
        await press(app, pilot, "enter")
    assert app.return_value == EXIT_SAVED
