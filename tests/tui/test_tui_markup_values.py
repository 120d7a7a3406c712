"""Values from the file reach the wizard's widgets as text: markup in them is shown as
written, never acted on, and a secret in them is never on screen.

Textual reads markup in a plain string handed to a widget: ``[bold red]`` would restyle
the rest of the line and ``[@click=app.quit]`` would make the text a button that quits
the wizard. A runner name, an image, a volume, a key, the file's own name and a preset's
answers carry markup and a token-shaped value here; every widget's rendered text is read
(scrolled away or not) on every screen from the first to Done.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Button, Input, SelectionList, Static
from textual.widgets._toast import Toast
from textual.widgets._toggle_button import ToggleButton

from tests.tui_support import (
    SIZE,
    next_until,
    position,
    press,
    save_confirming_risks,
    settle,
)
from wizard.answers.model import Answers
from wizard.base.model import Executor, Trust
from wizard.session.presets import Preset
from wizard.tui.app import EXIT_SAVED, WizardApp, build_app

CLICK = "[@click=app.quit]x[/]"
LOUD = "[bold red]"
SECRET = "glpat-AAAAAAAAAAAAAAAAAAAA"
SECRET_BODY = "AAAAAAAAAAAAAAAAAAAA"
FILE_NAME = "[@click=app.quit]f[bold red].toml"
"""A file name cannot hold a slash, so its markup is left open."""

HOSTILE = f"""\
[[runners]]
  name = "{CLICK} {LOUD}loud {SECRET}"
  url = "https://gitlab.example.com"
  token = "glrt-MARKUPVALUES0123456789"
  executor = "docker"
  [runners.docker]
    image = "registry.example.com/{CLICK}:1 {LOUD}"
    volumes = ["/cache", "/{SECRET}:/x"]
    allowed_images = ["{CLICK}/*", "{SECRET}/*"]
    "{CLICK}k{LOUD}" = "{SECRET}"
"""


def _visual_text(widget: Widget, visual: object) -> str:
    """The text of ``visual``: what a widget draws for a rendered one, what it was
    given for a widget's content (a ``str`` as it is, before any markup is read)."""
    if isinstance(visual, str):
        return visual
    if isinstance(visual, Content | Text):
        return visual.plain
    console = Console(width=400, record=True, file=io.StringIO(), markup=False)
    console.print(getattr(visual, "_renderable", visual))
    return console.export_text()


def rendered_text(app: WizardApp) -> str:
    """The text every widget on the screen draws (the toasts included), read from what
    it renders rather than from what it was given: markup a widget parsed is gone here."""
    parts: list[str] = []
    for widget in [*app.screen.query("*"), *app.query(Toast)]:
        if isinstance(widget, Button | ToggleButton):
            parts.append(Content.from_text(widget.label).plain)
        elif isinstance(widget, Static):
            parts.append(_visual_text(widget, widget.render()))
        elif isinstance(widget, Input):
            parts += [widget.value, widget.placeholder]
        elif isinstance(widget, SelectionList):
            parts += [
                _visual_text(widget, widget.get_option_at_index(i).prompt)
                for i in range(widget.option_count)
            ]
    return "\n".join(parts)


def assert_no_secret(app: WizardApp, seen: list[str]) -> None:
    where = position(app)
    seen.append(where)
    shown = rendered_text(app) + app.export_screenshot()
    assert SECRET_BODY not in shown, f"the token is shown on {where}"


@pytest.fixture
def hostile_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / FILE_NAME
    config.write_text(HOSTILE, encoding="utf-8")
    return config


async def test_markup_in_file_values_is_shown_as_written_and_never_acts(
    hostile_file: Path,
) -> None:
    app = build_app(Path(hostile_file.name))
    seen: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert_no_secret(app, seen)
        assert FILE_NAME in rendered_text(app), "the file's name as written"
        await press(app, pilot, "enter")
        assert position(app) == "runner"
        assert f"{CLICK} {LOUD}loud" in rendered_text(app), "the runner's name as written"
        while position(app) != "review":
            assert_no_secret(app, seen)
            await next_until(app, pilot, app.state.following(position(app)))
        assert_no_secret(app, seen)
        review = rendered_text(app)
        assert f"{CLICK} {LOUD}loud" in review, "the title bar names the runner as written"
        assert f"registry.example.com/{CLICK}:1 {LOUD}" in review, "the image, in the answers"
        assert f"key '{CLICK}k{LOUD}'" in review, "the key, in a finding's message"
        # Each text given the click markup is clicked where the markup starts (inside the
        # widget's padding): had it been read as markup, the text after the tag would be
        # drawn there and the click would quit the wizard.
        clicked = 0
        for widget in list(app.screen.query(Static)):
            if isinstance(widget, ToggleButton):
                continue
            lines = _visual_text(widget, widget.content).splitlines()
            row = next((n for n, line in enumerate(lines) if "[@click" in line), None)
            if row is None:
                continue
            widget.scroll_visible(animate=False, immediate=True)
            await settle(app, pilot)
            column = lines[row].index("[@click")
            gutter = widget.styles.gutter
            column, row = column + gutter.left, row + gutter.top
            if row < widget.region.height and column < widget.region.width:
                await pilot.click(widget, offset=(column, row))
                if not app.is_running:
                    break
                await settle(app, pilot)
                clicked += 1
        assert app.is_running, "a click on a value from the file quit the wizard"
        assert clicked >= 3, "the title bar, the diff and the findings hold it"
        assert position(app) == "review"
        await save_confirming_risks(app, pilot)
        assert position(app) == "done"
        assert_no_secret(app, seen)
        assert f"{CLICK} {LOUD}loud" in rendered_text(app), "the audit names the runner"
        await press(app, pilot, "enter")
    assert app.return_value == EXIT_SAVED
    assert seen[:2] == ["start", "runner"]
    assert seen[-2:] == ["review", "done"]
    assert SECRET in hostile_file.read_text(encoding="utf-8"), "the file itself keeps it"


async def test_a_notification_naming_a_lost_runner_is_text(hostile_file: Path) -> None:
    """The runner the answers were for is gone when the file is read again: the wizard
    goes back to the picker and says so in a notification, the name as written."""
    app = build_app(Path(hostile_file.name))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        await next_until(app, pilot, "review")
        renamed = HOSTILE.replace(f"{LOUD}loud", "renamed", 1)
        hostile_file.write_text(renamed, encoding="utf-8")
        await save_confirming_risks(app, pilot)
        assert position(app) == "review", "the save is refused: the file changed underneath"
        await press(app, pilot, "r")
        assert position(app) == "runner"
        notes = list(app._notifications)
        assert notes, "the wizard says why it went back"
        assert all(not note.markup for note in notes), "a notification is never markup"
        toasts = "\n".join(_visual_text(toast, toast.render()) for toast in app.screen.query(Toast))
        assert CLICK in toasts
        assert LOUD in toasts
        assert SECRET_BODY not in toasts
        assert app.is_running


async def test_markup_in_a_presets_answers_is_shown_as_written(hostile_file: Path) -> None:
    """A preset's answers (shown on the steps, locked, and on the review) are values too."""
    image = f"registry.example.com/preset{CLICK}:2 {LOUD}"
    allowed = (f"registry.example.com/{LOUD}/*", f"{SECRET}.example.com/*")
    preset = Preset(
        name="hostile",
        description=f"{CLICK} {LOUD}",
        trust=Trust.MULTI_PROJECT,
        answers=Answers(
            trust=Trust.MULTI_PROJECT,
            executor=Executor.DOCKER,
            default_image=image,
            allowed_images=allowed,
        ),
        locked=frozenset({"default_image", "allowed_images"}),
    )
    app = build_app(Path(hostile_file.name), preset=preset)
    seen: list[str] = []
    shown_on_steps = ""
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        while position(app) != "review":
            assert_no_secret(app, seen)
            shown_on_steps += rendered_text(app)
            await next_until(app, pilot, app.state.following(position(app)))
        assert_no_secret(app, seen)
        review = rendered_text(app)
        await press(app, pilot, "q", "q")
    assert image in shown_on_steps, "the locked image, on its step"
    assert image in review, "the image, in the answers"
    assert f"registry.example.com/{LOUD}/*" in review, "the allowed images, in the answers"
