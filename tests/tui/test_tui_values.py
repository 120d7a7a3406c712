"""The Textual wizard on a Helm values file: the kubernetes steps, a YAML diff, a YAML save."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.tui_support import SIZE, next_until, position, press, screen_text, settle
from wizard.base.model import Executor
from wizard.tui.app import EXIT_SAVED, build_app

VALUES = """\
# Helm values for the runner
gitlabUrl: https://gitlab.example.com
runnerToken: "glrt-ValuesValuesValues1234"
runners:
  # the runner's template
  config: |
    [[runners]]
      [runners.kubernetes]
        image = "alpine:3.20"
        privileged = true
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


async def test_values_file_walks_the_kubernetes_steps_and_saves_yaml(folder: Path) -> None:
    values = folder / "values.yaml"
    values.write_text(VALUES, encoding="utf-8")
    app = build_app(Path("values.yaml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        if position(app) == "runner":
            await press(app, pilot, "enter")
        assert app.state.current.executor is Executor.KUBERNETES
        await next_until(app, pilot, "review")
        screen = screen_text(app)
        preview = app.latest_preview
        assert preview is not None
        assert "+++ values.yaml (hardened)" in preview.diff
        assert "ValuesValues" not in screen
        await press(app, pilot, "s")
        assert position(app) == "done"
        await press(app, pilot, "enter")
    assert app.return_value == EXIT_SAVED
    written = values.read_text(encoding="utf-8")
    assert written.startswith("# Helm values for the runner\ngitlabUrl:")
    assert "  # the runner's template\n  config: |\n    [[runners]]\n" in written
    config = yaml.safe_load(written)["runners"]["config"]
    # The file's own answers are the defaults, so privileged stays; the safe fixes land.
    assert "debug_trace_disabled = true" in config
    assert "privileged = true" in config
