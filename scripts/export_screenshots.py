"""Write SVG screenshots of every wizard screen into ``screenshots/``.

Uses the same :func:`wizard.tui.app.build_app` factory as the tests, on a small
commented example config in a temporary folder (so no real path, host name or
token can appear), at a fixed 100x30 terminal. Run from the repository root::

    python scripts/export_screenshots.py [--out screenshots] [--size 100x30]

Then check the pictures with your eyes; ``grep`` them for ``glrt-`` and ``/tmp``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

from textual.pilot import Pilot

from wizard.tui.app import WizardApp, build_app

EXAMPLE_CONFIG = """\
# Runners of the build team. Ask #build-infra before changing anything.
concurrent = 4
check_interval = 0

[session_server]
  listen_address = "0.0.0.0:8093"  # reachable for the web terminal
  session_timeout = 1800

[[runners]]
  name = "docker-builds"
  url = "https://gitlab.example.com"
  token = "glrt-EXAMPLEexampleEXAMPLE1234"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
    # Needed by the old image build jobs; see the migration ticket.
    privileged = true
    pull_policy = "if-not-present"
    volumes = ["/cache"]

[[runners]]
  name = "deploy-shell"
  url = "https://gitlab.example.com"
  token = "glrt-EXAMPLEexampleEXAMPLE5678"
  executor = "shell"
"""


async def settle(app: WizardApp, pilot: Pilot[int]) -> None:
    """Let workers (file reading, previews) finish and the screen repaint."""
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


async def walk_harden(out: Path, size: tuple[int, int]) -> list[Path]:
    """Harden the docker runner of the example file, stopping on every screen."""
    app = build_app(Path("config.toml"))
    saved: list[Path] = []

    async def shot(name: str) -> None:
        await settle(app, pilot)
        saved.append(Path(app.save_screenshot(f"{name}.svg", path=str(out))))

    async with app.run_test(size=size) as pilot:
        await shot("01-start")
        await pilot.press("enter")
        await shot("02-runner")
        await pilot.press("enter")
        await shot("03-trust")
        await pilot.press("enter")
        await shot("04-executor")
        await pilot.press("enter")
        await shot("05-privileges")
        await pilot.press("enter")
        await shot("06-pull-policy")
        await pilot.press("enter")
        await shot("07-network")
        await pilot.press("question_mark")
        await shot("10-help")
        await pilot.press("escape")
        await pilot.press("enter")
        await shot("09-review")
        await pilot.press("q")
    return saved


async def walk_new_runner(out: Path, size: tuple[int, int]) -> list[Path]:
    """A new docker-autoscaler runner in a folder without a config: the form, and
    the ephemerality step that only autoscaled and reused hosts get."""
    app = build_app(Path("new/config.toml"))
    saved: list[Path] = []

    async def shot(name: str) -> None:
        await settle(app, pilot)
        saved.append(Path(app.save_screenshot(f"{name}.svg", path=str(out))))

    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press(*"autoscaled", "tab", *"https://gitlab.example.com")
        await shot("11-new-runner")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("down", "enter")  # trust: anyone / untrusted contributors
        # The executor defaults to docker-autoscaler, recommended for public runners.
        while app.position != "ephemerality":
            await settle(app, pilot)
            await pilot.press("enter")
        await shot("08-ephemerality")
        await pilot.press("q")
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="screenshots", type=Path)
    parser.add_argument("--size", default="100x30")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    here = Path.cwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            Path("config.toml").write_text(EXAMPLE_CONFIG, encoding="utf-8")
            saved = asyncio.run(walk_harden(out, (width, height)))
            saved += asyncio.run(walk_new_runner(out, (width, height)))
        finally:
            os.chdir(here)
    for path in saved:
        print(path.relative_to(out.parent) if path.is_relative_to(out.parent) else path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
