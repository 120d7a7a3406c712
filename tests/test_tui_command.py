"""``runner-wizard tui``: Textual stays unloaded until the wizard runs, exit codes."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from wizard.answers import PrivilegedNeed
from wizard.commands import tui
from wizard.model import Trust
from wizard.presets import Preset, load_preset
from wizard.tui import app as app_module


def test_loading_the_command_or_the_cli_does_not_import_textual() -> None:
    code = (
        "import sys, wizard.cli, wizard.commands.tui; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'tomlkit')))"
    )
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert result.stdout.strip() == "[]"


class FakeApp:
    """Stands in for the Textual app: returns a code, or raises like Ctrl+C would."""

    def __init__(self, outcome: int | type[BaseException] | None, message: str) -> None:
        self.result = outcome
        self.outcome = message

    def run(self) -> int | None:
        if isinstance(self.result, type):
            raise self.result()
        return self.result


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    calls: dict[str, Any] = {"result": 0, "message": "Saved config.toml."}

    def fake_build_app(path: Path | None, **options: Any) -> FakeApp:
        calls["path"] = path
        calls.update(options)
        return FakeApp(calls["result"], calls["message"])

    monkeypatch.setattr(app_module, "build_app", fake_build_app)
    return calls


@pytest.mark.parametrize(
    ("case", "code", "stream"),
    [
        ((0, "Saved config.toml."), 0, "out"),
        ((1, "No changes were written."), 1, "err"),
        ((130, "No changes were written."), 130, "err"),
        ((KeyboardInterrupt, "No changes were written."), 130, "err"),
        ((None, "No changes were written."), 1, "err"),
    ],
)
def test_exit_codes_and_the_closing_line(
    built: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    case: tuple[object, str],
    code: int,
    stream: str,
) -> None:
    built["result"], message = case
    built["message"] = message
    assert tui.run(argparse.Namespace(path="config.toml", preset=None)) == code
    captured = capsys.readouterr()
    assert (captured.out if stream == "out" else captured.err).strip() == message
    assert built["path"] == Path("config.toml")


def test_no_path_lets_the_app_look_for_the_usual_config(built: dict[str, Any]) -> None:
    tui.run(argparse.Namespace(path=None, preset=None))
    assert built["path"] is None


def test_the_preset_itself_reaches_the_app(built: dict[str, Any]) -> None:
    """--preset hands the whole preset down (answers, locks and pinned settings)."""
    tui.run(argparse.Namespace(path="config.toml", preset="trusted-docker"))
    preset: Preset = built["preset"]
    assert preset.name == "trusted-docker"
    assert preset.trust is Trust.SINGLE_PROJECT
    assert preset.answers.privileged is PrivilegedNeed.NONE
    assert preset.locked == frozenset({"executor", "privileged"})


def test_the_app_pre_fills_and_locks_what_the_preset_says() -> None:
    preset = load_preset("trusted-docker")
    app = app_module.build_app(Path("config.toml"), preset=preset)
    assert app.preset is preset
    assert app.state.preset.trust is Trust.SINGLE_PROJECT
    assert app.state.preset.privileged is PrivilegedNeed.NONE
    assert app.state.locked == frozenset({"executor", "privileged"})
