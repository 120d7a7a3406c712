"""Helpers the Textual wizard's tests share: settling the app and walking screens."""

from __future__ import annotations

import asyncio
import io

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Button, Input, SelectionList, Static

from wizard.tui.app import WizardApp
from wizard.tui.screens.base import WizardScreen

SIZE = (100, 30)
"""The terminal size every wizard test and snapshot uses."""


async def settle(app: WizardApp, pilot: Pilot[int]) -> None:
    """Let workers (reading the file, previews, saving) finish and the screen repaint.

    Waits on conditions rather than fixed pauses: the app's and the screen's queued
    messages handled, then no worker left unfinished (a finished worker may start the
    next one: reading the file, then a preview). Only the last step waits for the
    process to go idle, so that what the finished work posted is drawn.
    """
    for _ in range(50):
        await pilot.pause(0)  # everything queued so far is handled; no idle wait
        pending = [worker for worker in app.workers if not worker.is_finished]
        if not pending:
            break
        # Bounded: a worker that never finishes fails the test instead of hanging it.
        await asyncio.wait_for(app.workers.wait_for_complete(pending), timeout=30)
    await pilot.pause()


def position(app: WizardApp) -> str:
    """Where the wizard is: ``start``, ``runner``, a step id, ``review`` or ``done``."""
    screen = app.screen
    assert isinstance(screen, WizardScreen), screen
    return screen.position


async def press(app: WizardApp, pilot: Pilot[int], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(app, pilot)


async def next_until(app: WizardApp, pilot: Pilot[int], target: str) -> list[str]:
    """Press Enter until the wizard reaches ``target``; returns the positions passed."""
    seen = [position(app)]
    for _ in range(12):
        if position(app) == target:
            return seen
        await press(app, pilot, "enter")
        seen.append(position(app))
    raise AssertionError(f"never reached {target}: {seen}")


async def fill_new_runner(
    app: WizardApp, pilot: Pilot[int], *, name: str, url: str, token: str = ""
) -> None:
    """On the runner form: type the name, fill URL and token, then press Enter.

    The name goes in key by key; the longer fields are filled directly, since
    typing each character through the pilot takes a noticeable time per key.
    """
    await pilot.press(*name)
    app.screen.query_one("#url", Input).value = url
    app.screen.query_one("#token", Input).value = token
    await press(app, pilot, "enter")


async def tab_to(app: WizardApp, pilot: Pilot[int], widget_id: str) -> None:
    """Press Tab until the widget ``#widget_id`` has focus, as a keyboard user would."""
    for _ in range(20):
        focused = app.focused
        if focused is not None and focused.id == widget_id:
            return
        await press(app, pilot, "tab")
    raise AssertionError(f"Tab never reached #{widget_id}")


def screen_text(app: WizardApp) -> str:
    """The text of every widget on the current screen, shown or scrolled away.

    Read from the widgets themselves, not from an exported screenshot: the same
    words whatever the scroll position or the timing of the last repaint.
    """
    console = Console(width=400, record=True, file=io.StringIO())
    for widget in app.screen.query("*"):
        if isinstance(widget, Button):
            console.print(widget.label)
        elif isinstance(widget, Static):
            console.print(widget.content)
        elif isinstance(widget, Input):
            console.print(widget.value)
        elif isinstance(widget, SelectionList):
            for index in range(widget.option_count):
                console.print(widget.get_option_at_index(index).prompt)
    return console.export_text()


async def save_confirming_risks(app: WizardApp, pilot: Pilot[int]) -> None:
    """Press Save on the review; when changes that may break jobs are listed, Save asks
    one question naming them, and Yes writes."""
    from wizard.tui.screens.confirm_save import ConfirmSaveScreen

    await press(app, pilot, "s")
    if isinstance(app.screen, ConfirmSaveScreen):
        await press(app, pilot, "y")
