"""No control character from a file reaches a terminal raw: names, keys and values are escaped.

A runner named ``"prod\\u001b]2;PWNED\\u0007"`` retitled the terminal running
``audit``; ``\\u001b[1A\\u001b[2K`` in a key erased the report line above it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wizard.base.printable import printable
from wizard.cli import main

HOSTILE = """\
concurrent = 1
[[runners]]
  name = "prod\\u001b]2;PWNED\\u0007\\u009b31m\\u202eevil"
  url = "https://gitlab.example.com"
  token = "glrt-TERMINALESCAPES0123456"
  executor = "docker"
  "\\u001b[1A\\u001b[2K" = 1
  [runners.docker]
    image = "alpine\\u001b[2J"
    privileged = true
"""

RAW = ("\x1b", "\x07", "\x9b", "\u202e")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(HOSTILE, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ["audit"],
        ["audit", "--format", "json"],
        ["audit", "--format", "sarif"],
        ["harden", "--dry-run", "--fix", "all"],
        ["harden", "--runner", "nope"],
        ["plain", "--non-interactive"],
        ["harden"],
    ],
    ids=" ".join,
)
def test_no_raw_control_characters_in_any_output(
    config: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    main([*argv, str(config)])
    captured = capsys.readouterr()
    for stream in (captured.out, captured.err):
        assert not [c for c in RAW if c in stream], stream


def test_the_text_report_shows_the_escapes(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["audit", str(config)])
    out = capsys.readouterr().out
    assert "prod\\x1b]2;PWNED\\x07" in out


def test_json_keeps_the_value_exactly(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["audit", "--format", "json", str(config)])
    report = json.loads(capsys.readouterr().out)
    names = {f["runner"] for f in report["files"][0]["findings"] if f["runner"]}
    assert names == {"prod\x1b]2;PWNED\x07\x9b31m\u202eevil"}, "escaped on the wire, not changed"


def test_an_error_is_one_line_whatever_it_quotes() -> None:
    assert printable("a\nb\x1b", one_line=True) == "a\\nb\\x1b"
    assert printable("a\nb\tc") == "a\nb\tc"
