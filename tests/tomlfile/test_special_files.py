"""Only regular files are read, within a size cap: a FIFO, a device or a folder is one clear line.

A FIFO given as a path used to hang every command that read it, and
``/dev/zero`` ended in MemoryError; now each input is opened without blocking,
checked on the open descriptor and read only up to its cap.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from wizard.base.errors import ConfigError
from wizard.cli import main
from wizard.tomlfile.regular_file import read_regular_file

CONFIG = """concurrent = 1
[[runners]]
  name = "docker-1"
  url = "https://gitlab.example.com"
  token = "glrt-SPECIALFILES0123456789"
  executor = "docker"
  [runners.docker]
    image = "alpine"
"""


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """A read that blocks fails the test instead of hanging the suite."""

    def expire(_signal: int, _frame: FrameType | None) -> None:
        raise TimeoutError("the command hung on a special file")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.toml"
    os.mkfifo(path)
    return path


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def _argv(case: str, special: str, config: Path, tmp_path: Path) -> list[str]:
    out = str(tmp_path / "out")
    return {
        "audit": ["audit", special],
        "harden": ["harden", special],
        "plain": ["plain", special, "--non-interactive"],
        "plain --answers": ["plain", str(config), "--answers", special, "--non-interactive"],
        "artifacts": ["artifacts", special, "--out", out],
        "artifacts --preset": ["artifacts", str(config), "--out", out, "--preset", special],
        "presets new --from-config": ["presets", "new", "p", "--from-config", special],
        "presets new --answers": ["presets", "new", "p", "--answers", special],
        "new --token-file": [
            "new",
            str(tmp_path / "fresh.toml"),
            "--preset",
            "trusted-docker",
            "--token-file",
            special,
            "--non-interactive",
        ],
        "new --answers": [
            "new",
            str(tmp_path / "fresh.toml"),
            "--answers",
            special,
            "--non-interactive",
        ],
        "audit --preset": ["audit", str(config), "--preset", special],
    }[case]


CASES = [
    "audit",
    "harden",
    "plain",
    "plain --answers",
    "artifacts",
    "artifacts --preset",
    "presets new --from-config",
    "presets new --answers",
    "new --token-file",
    "new --answers",
    "audit --preset",
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_special_files_are_refused_with_one_line(
    case: str,
    kind: str,
    *,
    fifo: Path,
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    # An empty one: audit searches a folder for configs, and names one that holds none.
    (tmp_path / "folder").mkdir()
    directory = str(tmp_path / "folder")
    special = {"fifo": str(fifo), "device": "/dev/zero", "directory": directory}[kind]
    code = main(_argv(case, special, config, tmp_path))
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert special in lines[0]
    expected = {"fifo": "FIFO", "device": "device", "directory": "directory"}[kind]
    assert expected in lines[0]
    assert "Traceback" not in err
    assert not (tmp_path / "fresh.toml").exists()


def test_the_cap_holds_while_reading(tmp_path: Path) -> None:
    """The cap is applied to the bytes read, not only to the size the file claims."""
    path = tmp_path / "grows.toml"
    path.write_bytes(b"x" * 100)
    assert read_regular_file(path, 100) == b"x" * 100
    with pytest.raises(ConfigError, match="far smaller"):
        read_regular_file(path, 99)


def test_a_symlink_to_a_regular_file_is_read(config: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.toml"
    link.symlink_to(config)
    assert read_regular_file(link, 1 << 20) == CONFIG.encode()
