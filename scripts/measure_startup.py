"""Measure how long the Textual wizard takes to show its first screen, whole process.

Each run starts ``python -m wizard tui PATH`` in a fresh interpreter inside a
pseudo-terminal of a fixed size, as an operator meets it, and times from the
spawn until the first screen's title has been drawn; then it sends ``q`` and
waits for the process to end. The file is read in a worker after that screen
is up, so a large config should not move the number: ``--config`` lets you
check that with a real file.

A measurement, not a test: timings depend on the machine, so nothing fails.

Usage: python scripts/measure_startup.py [--runs 7] [--config FILE] [--size 100x30]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

FIRST_SCREEN_MARK = b"Which config.toml?"
"""The start screen's title: once it is on the terminal, the screen is drawn."""

TIMEOUT = 30.0


def _set_size(fd: int, columns: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def _read_until(fd: int, mark: bytes, deadline: float) -> bool:
    """Read the terminal's output until ``mark`` appears; False on timeout or exit."""
    seen = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return False  # the child closed the terminal
        if not chunk:
            return False
        seen += chunk
        if mark in seen:
            return True
        seen = seen[-len(mark) :]
    return False


def _drain_until_exit(pid: int, fd: int, deadline: float) -> int:
    """Keep reading (so the child never blocks on a full terminal) until it exits."""
    while time.monotonic() < deadline:
        finished, status = os.waitpid(pid, os.WNOHANG)
        if finished:
            return os.waitstatus_to_exitcode(status)
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            with contextlib.suppress(OSError):  # the child closed the terminal
                os.read(fd, 65536)
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def time_first_screen(config: Path, size: tuple[int, int], workdir: Path) -> float:
    """Seconds from spawning the wizard until its first screen is drawn."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "TERM": "xterm-256color",
        "COLUMNS": str(size[0]),
        "LINES": str(size[1]),
    }
    argv = [sys.executable, "-m", "wizard", "tui", str(config)]
    start = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the wizard
        os.chdir(workdir)
        os.execve(sys.executable, argv, env)
    try:
        _set_size(fd, *size)
        if not _read_until(fd, FIRST_SCREEN_MARK, start + TIMEOUT):
            raise RuntimeError("the first screen did not appear")
        elapsed = time.monotonic() - start
        os.write(fd, b"q")
        _drain_until_exit(pid, fd, time.monotonic() + TIMEOUT)
    finally:
        os.close(fd)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--config", type=Path, help="a config.toml to open (copied first)")
    parser.add_argument("--size", default="100x30")
    args = parser.parse_args()
    columns, rows = (int(n) for n in args.size.split("x"))
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        config = workdir / "config.toml"
        if args.config is not None:
            shutil.copyfile(args.config, config)
        # One warm-up run, so the first measurement does not pay for cold caches.
        time_first_screen(config, (columns, rows), workdir)
        timings = [time_first_screen(config, (columns, rows), workdir) for _ in range(args.runs)]
    shown = ", ".join(f"{t * 1000:.0f}" for t in timings)
    what = args.config.name if args.config else "a new config.toml"
    print(f"time to first screen ({what}, {args.size}, {args.runs} runs): {shown} ms")
    print(f"median {statistics.median(timings) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
