"""Helpers the Textual wizard's tests share: settling the app and walking screens."""

from __future__ import annotations

from textual.pilot import Pilot

from wizard.tui.app import WizardApp
from wizard.tui.screens.base import WizardScreen

SIZE = (100, 30)
"""The terminal size every wizard test and snapshot uses."""


async def settle(app: WizardApp, pilot: Pilot[int]) -> None:
    """Let workers (reading the file, previews, saving) finish and the screen repaint."""
    for _ in range(4):
        await pilot.pause()
        await app.workers.wait_for_complete()
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
    """On the runner form: type name, URL and token, then go on."""
    await press(app, pilot, *name)
    await press(app, pilot, "tab")
    await press(app, pilot, *url)
    await press(app, pilot, "tab", "tab")
    if token:
        await press(app, pilot, *token)
    await press(app, pilot, "enter")
