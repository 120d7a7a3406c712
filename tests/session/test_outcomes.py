"""Outcomes decided once in the core: harden's exit code for text and JSON, the save's
words, the hardening files' checklist, and what Enter writes when changes may break."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_support import run_cli
from tests.plain_fakes import FakePrompts
from wizard.answers.model import Answers, PrivilegedNeed
from wizard.base.model import Impact, RunnerIdentity, Trust
from wizard.plain.flow import PlainWizard
from wizard.session.core import WizardSession
from wizard.session.outcome import HostFilesOutcome, SaveOutcome, not_saved, write_host_files
from wizard.session.scripted import Start

TEMPLATED_VALUES = """\
gitlab-runner:
  runners:
    config: |
      [[runners]]
        [runners.kubernetes]
        image = "ubuntu:22.04"
        cpu_limit = {{ .Values.cpu | quote }}
        {{- if .Values.minio.enabled }}
        [runners.cache]
          Type = "s3"
          Shared = true
          [runners.cache.s3]
            ServerAddress = {{ include "s3.address" . }}
        {{ end }}
"""
"""A fix that would open a table inside the template's conditional cannot be applied."""


def test_one_unapplied_fix_exits_1_in_text_and_in_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Text exited 1 and JSON 0 for the same file: each decided on its own."""
    monkeypatch.chdir(tmp_path)
    codes = {}
    for output in ("text", "json"):
        (tmp_path / "values.yaml").write_text(TEMPLATED_VALUES, encoding="utf-8")
        argv = ["harden", "values.yaml", "--fix", "all", "--no-backup", "--format", output]
        outcome = run_cli(capsys, *argv)
        codes[output] = outcome.code
        if output == "json":
            [entry] = json.loads(outcome.out)["files"]
            assert entry["not_fixed"], "the unapplied fix is named, with why"
            assert entry["exit_code"] == outcome.code
        else:
            assert "not fixed: " in outcome.out
    assert codes == {"text": 1, "json": 1}


def test_the_checklist_is_found_by_its_name(tmp_path: Path) -> None:
    """Line mode found the checklist by name, the TUI by its suffix: now the outcome says."""
    files = {"README.md": "read me\n", "HOST-CHECKLIST.md": "- [ ] do\n", "a.nft": "table\n"}
    outcome = write_host_files(tmp_path / "out", files)
    assert outcome.checklist == tmp_path / "out" / "HOST-CHECKLIST.md"
    assert outcome.exit_code == 0
    lines = outcome.lines(tmp_path / "config.toml", config_saved=True)
    assert lines[-1].startswith(f"next: work through {outcome.checklist}")


def test_hardening_files_that_cannot_be_written_say_which_half_happened(tmp_path: Path) -> None:
    (tmp_path / "blocked").write_text("a file where the folder should go", encoding="utf-8")
    outcome = write_host_files(tmp_path / "blocked" / "files", {"x.nft": "table\n"})
    assert isinstance(outcome, HostFilesOutcome)
    assert outcome.exit_code == 2
    [line] = outcome.lines(Path("config.toml"), config_saved=True)
    assert line.startswith("config.toml was saved, but the hardening files were not written")


def test_a_save_outcome_says_how_many_changes_and_what_was_left_out(tmp_path: Path) -> None:
    written = SaveOutcome(path=Path("c.toml"), written=True, changes=2, backup=Path("c.bak"))
    assert written.lines() == ["wrote c.toml: 2 changes (mode 0600); backup: c.bak"]
    assert not_saved(Path("c.toml")).lines() == [
        "c.toml already says what the answers say; nothing written"
    ]


DIND = """\
[[runners]]
  name = "dind"
  url = "https://gitlab.example.com"
  token = "glrt-DINDdindDIND123456"
  executor = "docker"
  [runners.docker]
    image = "docker:27"
    privileged = true
"""


def test_declining_changes_that_may_break_still_writes_the_safe_ones(tmp_path: Path) -> None:
    """Answering No (or Enter) to "write changes that may break jobs?" wrote nothing, not
    even the safe debug_trace_disabled fix; now it writes those and names the others."""
    path = tmp_path / "config.toml"
    path.write_text(DIND, encoding="utf-8")
    session = WizardSession.open(path)
    preview = session.preview(
        Answers(trust=Trust.MULTI_PROJECT, privileged=PrivilegedNeed.NONE), runner_index=0
    )
    assert preview.may_break
    safe = session.safe_part(preview)
    assert not safe.may_break
    assert [c.key for c in safe.left_out] == [c.key for c in preview.may_break]
    assert all(c.impact is Impact.NONE for c in safe.changes)
    assert "debug_trace_disabled" in {c.key for c in safe.changes}

    prompts = FakePrompts(
        {
            "What do the jobs need?": PrivilegedNeed.NONE,
            "can stop jobs that work today": False,
            "Also write the hardening files": False,
        }
    )
    out_path = tmp_path / "out.txt"
    with out_path.open("w", encoding="utf-8") as out:
        wizard = PlainWizard(
            WizardSession.open(path),
            prompts,
            out,
            start=Start(answers=Answers()),
            identity=RunnerIdentity(),
        )
        assert wizard.run(backup=False) == 0
    said = out_path.read_text(encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    assert "privileged = true" in text, "the change that may break was not confirmed"
    assert "debug_trace_disabled = true" in text
    assert f"wrote {path}: " in said
    assert "left out 1 change that may break jobs (not confirmed):" in said


async def test_enter_on_the_tui_save_question_writes_only_what_cannot_break(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TUI asked "Save N changes that may break jobs?" with No focused, and No saved
    nothing; now Enter (No) saves the changes that cannot break a job and says so."""
    from tests.tui_support import SIZE, next_until, position, press, settle
    from wizard.base.model import Executor
    from wizard.session.presets import Preset
    from wizard.tui.app import build_app
    from wizard.tui.screens.confirm_save import ConfirmSaveScreen

    monkeypatch.chdir(tmp_path)
    path = tmp_path / "config.toml"
    path.write_text(DIND, encoding="utf-8")
    unprivileged = Preset(
        name="unprivileged",
        description="",
        trust=Trust.MULTI_PROJECT,
        answers=Answers(
            trust=Trust.MULTI_PROJECT,
            executor=Executor.DOCKER,
            privileged=PrivilegedNeed.NONE,
        ),
    )
    app = build_app(Path("config.toml"), preset=unprivileged)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        assert position(app) == "runner"
        await press(app, pilot, "enter")
        await next_until(app, pilot, "review")
        await press(app, pilot, "s")
        assert isinstance(app.screen, ConfirmSaveScreen)
        await press(app, pilot, "enter")
        assert position(app) == "done"
        await press(app, pilot, "enter")
    assert app.return_value == 0
    text = path.read_text(encoding="utf-8")
    assert "privileged = true" in text
    assert "debug_trace_disabled = true" in text
    assert app.outcome.startswith("wrote config.toml: ")
