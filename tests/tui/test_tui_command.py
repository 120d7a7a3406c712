"""``runner-wizard tui``: Textual stays unloaded until the wizard runs, exit codes."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from wizard.answers.model import PrivilegedNeed
from wizard.base.model import Trust
from wizard.commands import tui
from wizard.session.presets import Preset, load_preset
from wizard.tui import app as app_module


def test_loading_the_command_or_the_cli_does_not_import_textual() -> None:
    code = (
        "import sys, wizard.cli, wizard.commands.tui; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'tomlkit')))"
    )
    root = Path(__file__).resolve().parents[2]
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
    """A stand-in app, run as from a terminal (pytest's own streams are not one)."""
    monkeypatch.setattr(tui, "has_terminal", lambda: True)
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


@pytest.mark.parametrize("argv", [["tui", "missing.toml"], []])
def test_without_a_terminal_one_line_and_exit_2_at_once(tmp_path: Path, argv: list[str]) -> None:
    """Input from /dev/null and output to a pipe: no full-screen app (it would spin
    waiting for keys), one line naming the commands for scripts, nothing written."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "wizard", *argv],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == tui.NO_TERMINAL + "\n"
    assert list(tmp_path.iterdir()) == []


def test_without_a_terminal_textual_is_never_imported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(tui, "has_terminal", lambda: False)
    for name in [m for m in sys.modules if m.split(".")[0] == "textual"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.delitem(sys.modules, "wizard.tui.app", raising=False)
    assert tui.run(argparse.Namespace(path="config.toml", preset=None)) == 2
    assert "textual" not in sys.modules
    assert capsys.readouterr().err.count("\n") == 1


def test_a_terminal_needs_both_keys_and_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    class Stream:
        def __init__(self, tty: bool) -> None:
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    for stdin, stdout, expected in [(True, True, True), (True, False, False), (False, True, False)]:
        monkeypatch.setattr(sys, "stdin", Stream(stdin))
        monkeypatch.setattr(sys, "stdout", Stream(stdout))
        assert tui.has_terminal() is expected
    monkeypatch.setattr(sys, "stdin", None)
    assert tui.has_terminal() is False


def test_allow_unsafe_path_reaches_the_session(
    built: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``tui --allow-unsafe-path`` lets a new config be made where ``plain`` and ``new``
    would let it (a folder any user can write to); without it the session refuses."""
    from wizard.cli import build_parser

    args = build_parser().parse_args(["tui", str(tmp_path / "c.toml"), "--allow-unsafe-path"])
    assert tui.run(args) == 0
    session = built["open_session"](tmp_path / "c.toml")
    assert session.allow_unsafe_path is True
    plain_args = build_parser().parse_args(["tui", str(tmp_path / "c.toml")])
    built.pop("open_session")
    assert tui.run(plain_args) == 0
    assert "open_session" not in built, "the default opener, which refuses such folders"
