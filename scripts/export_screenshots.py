"""Write SVG screenshots of every wizard screen into ``screenshots/``.

Uses the same :func:`wizard.tui.app.build_app` factory as the tests, on a small
commented example config in a temporary folder (so no real path, host name or
token can appear), at a fixed 100x30 terminal. Run from the repository root::

    python scripts/export_screenshots.py [--out screenshots] [--size 100x30]

Then check the pictures with your eyes; ``grep`` them for ``glrt-`` and ``/tmp``.
To look at one as an image: ``rsvg-convert screenshots/09-review.svg -o review.png``.
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


SEVERAL_DOCKER_RUNNERS = """\
[[runners]]
  name = "docker-mr"
  url = "https://gitlab.example.com"
  token = "glrt-EXAMPLEexampleEXAMPLE1111"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
    privileged = true

[[runners]]
  name = "deploy-shell"
  url = "https://gitlab.example.com"
  token = "glrt-EXAMPLEexampleEXAMPLE2222"
  executor = "shell"

[[runners]]
  name = "docker-tags"
  url = "https://gitlab.example.com"
  token = "glrt-EXAMPLEexampleEXAMPLE3333"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
"""


async def settle(app: WizardApp, pilot: Pilot[int]) -> None:
    """Let workers (file reading, previews) finish and the screen repaint."""
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


def keep_spaces(svg: Path) -> None:
    """Tell SVG viewers to keep leading spaces in each text run.

    Without it, some renderers strip them as XML whitespace, and an indented
    line of the diff or a gap between two coloured words collapses in the
    picture although the terminal shows it.
    """
    text = svg.read_text(encoding="utf-8")
    if 'xml:space="preserve"' not in text:
        text = text.replace("<svg ", '<svg xml:space="preserve" ', 1)
        svg.write_text(text, encoding="utf-8")


async def screenshot(
    app: WizardApp, pilot: Pilot[int], out: Path, name: str, saved: list[Path]
) -> None:
    """Wait for the screen to settle, save it as ``out/NAME.svg`` and remember the path."""
    await settle(app, pilot)
    path = Path(app.save_screenshot(f"{name}.svg", path=str(out)))
    keep_spaces(path)
    saved.append(path)


async def tab_to(app: WizardApp, pilot: Pilot[int], widget_id: str) -> None:
    """Tab until ``#widget_id`` has focus, the way a keyboard user gets there."""
    for _ in range(20):
        if app.focused is not None and app.focused.id == widget_id:
            return
        await pilot.press("tab")
        await settle(app, pilot)
    raise RuntimeError(f"Tab never reached #{widget_id}")


async def walk_harden(out: Path, size: tuple[int, int]) -> list[Path]:
    """Harden the docker runner of the example file, stopping on every screen, then
    save it with the hardening files."""
    app = build_app(Path("config.toml"))
    saved: list[Path] = []

    async with app.run_test(size=size) as pilot:
        await screenshot(app, pilot, out, "01-start", saved)
        await pilot.press("enter")
        await screenshot(app, pilot, out, "02-runner", saved)
        await pilot.press("enter")
        await screenshot(app, pilot, out, "03-trust", saved)
        await pilot.press("enter")
        await screenshot(app, pilot, out, "04-executor", saved)
        await pilot.press("enter")
        await screenshot(app, pilot, out, "05-privileges", saved)
        await pilot.press("enter")
        await screenshot(app, pilot, out, "06-pull-policy", saved)
        await pilot.press("enter")
        await screenshot(app, pilot, out, "07-network", saved)
        await pilot.press("question_mark")
        await screenshot(app, pilot, out, "10-help", saved)
        await pilot.press("escape")
        await pilot.press("enter")
        await screenshot(app, pilot, out, "09-review", saved)
        await tab_to(app, pilot, "write-artifacts")
        await pilot.press("space")
        app.screen.query_one("#artifacts-folder").scroll_visible(animate=False)
        await screenshot(app, pilot, out, "12-review-host", saved)
        await pilot.press("s")
        await screenshot(app, pilot, out, "13-done", saved)
        await pilot.press("enter")
    return saved


async def walk_several_runners(out: Path, size: tuple[int, int]) -> list[Path]:
    """The runner picker with two runners ticked, to harden them together."""
    app = build_app(Path("two/config.toml"))
    saved: list[Path] = []
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("space", "down", "down", "space")
        await screenshot(app, pilot, out, "14-several-runners", saved)
        await pilot.press("q")
    return saved


async def walk_new_runner(out: Path, size: tuple[int, int]) -> list[Path]:
    """A new docker-autoscaler runner in a folder without a config: the form, and
    the ephemerality step that only autoscaled and reused hosts get."""
    app = build_app(Path("new/config.toml"))
    saved: list[Path] = []

    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press(*"autoscaled", "tab", *"https://gitlab.example.com")
        await screenshot(app, pilot, out, "11-new-runner", saved)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("down", "enter")  # trust: anyone / untrusted contributors
        # The executor defaults to docker-autoscaler, recommended for public runners.
        while app.position != "ephemerality":
            await settle(app, pilot)
            await pilot.press("enter")
        await screenshot(app, pilot, out, "08-ephemerality", saved)
        await pilot.press("q")
    return saved


EXAMPLE_VALUES = """\
# Helm values for the build team's runner (gitlab-runner chart).
gitlabUrl: https://gitlab.example.com
rbac:
  create: true
  clusterWideAccess: true
runners:
  secret: gitlab-runner-token
  # The runner's config.toml template.
  config: |
    [[runners]]
      [runners.kubernetes]
        namespace = "{{.Release.Namespace}}"
        image = "alpine:3.20"
        privileged = true  # for docker:dind
"""


async def walk_values(out: Path, size: tuple[int, int]) -> list[Path]:
    """A Helm values file: the same steps for the kubernetes executor, and the YAML diff."""
    app = build_app(Path("k8s/values.yaml"))
    saved: list[Path] = []
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        for _ in range(12):
            if app.position == "review":
                break
            await pilot.press("enter")
            await settle(app, pilot)
        await screenshot(app, pilot, out, "15-helm-values-review", saved)
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
            Path("two").mkdir()
            Path("two/config.toml").write_text(SEVERAL_DOCKER_RUNNERS, encoding="utf-8")
            saved = asyncio.run(walk_harden(out, (width, height)))
            saved += asyncio.run(walk_several_runners(out, (width, height)))
            saved += asyncio.run(walk_new_runner(out, (width, height)))
            Path("k8s").mkdir()
            Path("k8s/values.yaml").write_text(EXAMPLE_VALUES, encoding="utf-8")
            saved += asyncio.run(walk_values(out, (width, height)))
        finally:
            os.chdir(here)
    for path in saved:
        print(path.relative_to(out.parent) if path.is_relative_to(out.parent) else path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
