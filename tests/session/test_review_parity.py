"""The full-screen review and the line-mode review of one session name the same facts.

Both render :class:`wizard.session.review.ReviewFacts`: the problems the answers leave (the
full-screen review did not show them at all), the changes that may break jobs, the
findings still reported after saving (one filter: the edited runner's and the global
ones), and what remains to do on the host.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Static

from tests.parity_data import EXECUTOR_CONFIGS, VALUES_FILE, values_file
from tests.plain_fakes import FakePrompts
from tests.tui_support import SIZE, next_until, position, press, settle
from wizard.answers.impact import change_where
from wizard.answers.model import Answers, JobUser, PrivilegedNeed
from wizard.answers.wording import finding_place
from wizard.base.model import Executor, RunnerIdentity, Trust
from wizard.plain.flow import PlainWizard
from wizard.session.core import WizardSession
from wizard.session.presets import Preset
from wizard.session.review import ReviewFacts
from wizard.session.scripted import Start
from wizard.tui.app import build_app

TWO_RUNNERS = """\
concurrent = 2

[[runners]]
  name = "dind"
  url = "https://gitlab.example.com"
  token = "glrt-DINDdindDIND123456"
  executor = "docker"
  [runners.docker]
    image = "docker:27"
    privileged = true

[[runners]]
  name = "deploy"
  url = "https://gitlab.example.com"
  token = "glrt-DEPLOYdeploy12345"
  executor = "shell"
"""

PRESET = Preset(
    name="non-root",
    description="",
    trust=Trust.MULTI_PROJECT,
    answers=Answers(
        trust=Trust.MULTI_PROJECT,
        executor=Executor.DOCKER,
        privileged=PrivilegedNeed.PRIVILEGED,
        job_user=JobUser.NON_ROOT,
    ),
)
"""Keeps privileged mode (a problem on a plain docker host) and asks for a non-root job
user (a change that may break jobs), so each kind of fact is in the review."""


def _flat(text: str) -> str:
    return " ".join(text.split())


def _widget_text(widget: Static) -> str:
    console = Console(width=400, record=True, file=io.StringIO())
    console.print(widget.content)
    return _flat(console.export_text())


async def _tui_review(
    folder: Path, file_name: str = "config.toml", preset: Preset | None = PRESET
) -> tuple[ReviewFacts, dict[str, str]]:
    app = build_app(folder / file_name, preset=preset)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press(app, pilot, "enter")
        assert position(app) == "runner"
        await press(app, pilot, "enter")
        assert app.state.runner_index == 0
        await next_until(app, pilot, "review")
        await settle(app, pilot)
        facts = app.latest_facts
        assert facts is not None
        shown = {
            name: _widget_text(app.screen.query_one(f"#{name}", Static))
            for name in ("changes", "review-findings", "checklist")
        }
    return facts, shown


def _line_review(
    folder: Path, file_name: str = "config.toml", preset: Preset | None = PRESET
) -> str:
    out = io.StringIO()
    prompts = FakePrompts(
        {
            "Which runner?": 0,
            "can stop jobs that work today": False,
            "Write these changes": False,
            "Also write the hardening files": False,
        }
    )
    wizard = PlainWizard(
        WizardSession.open(folder / file_name),
        prompts,
        out,
        start=Start(answers=preset.answers if preset else Answers(), preset=preset),
        identity=RunnerIdentity(),
    )
    assert wizard.run(backup=False) == 0
    text = out.getvalue()
    return _flat(text[text.index("findings: ") :])


async def test_both_reviews_name_the_same_problems_changes_findings_and_host_items(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for way in ("tui", "line"):
        (tmp_path / way).mkdir()
        (tmp_path / way / "config.toml").write_text(TWO_RUNNERS, encoding="utf-8")
    monkeypatch.chdir(tmp_path / "tui")
    facts, tui = await _tui_review(tmp_path / "tui")
    monkeypatch.chdir(tmp_path / "line")
    line = _line_review(tmp_path / "line")

    assert facts.problems, "privileged jobs on a plain docker host are a problem"
    assert facts.may_break, "a non-root job user may break jobs"
    assert facts.remaining
    assert facts.host
    assert_same_facts(facts, tui, line)
    # One filter: the other runner's findings are counted, never listed, in both.
    assert "runner 'deploy'" not in tui["review-findings"]
    assert "runner 'deploy'" not in line.split("still reported after saving:")[1]


def assert_same_facts(facts: ReviewFacts, tui: dict[str, str], line: str) -> None:
    """Every fact of the core's review is named by both renders."""
    for problem in facts.problems:
        assert _flat(problem) in tui["review-findings"], problem
        assert _flat(problem) in line, problem
    for change in facts.may_break:
        where = _flat(change_where(change))
        assert where in tui["changes"].split("cannot break")[0], where
        assert where in line.split("cannot break", maxsplit=1)[0], where
    for finding in facts.remaining:
        named = _flat(f"{finding.rule} ({finding_place(finding)})")
        assert named in tui["review-findings"], named
        assert named in line, named
    for row in facts.host:
        assert _flat(row.title) in tui["checklist"], row.title
        assert _flat(row.title) in line, row.title


@pytest.mark.parametrize("executor", sorted(EXECUTOR_CONFIGS))
async def test_both_reviews_agree_for_every_executor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, executor: str
) -> None:
    for way in ("tui", "line"):
        (tmp_path / way).mkdir()
        (tmp_path / way / "config.toml").write_text(EXECUTOR_CONFIGS[executor], encoding="utf-8")
    monkeypatch.chdir(tmp_path / "tui")
    facts, tui = await _tui_review(tmp_path / "tui", preset=None)
    monkeypatch.chdir(tmp_path / "line")
    line = _line_review(tmp_path / "line", preset=None)
    assert facts.host
    assert_same_facts(facts, tui, line)


async def test_both_reviews_agree_for_a_values_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = values_file(VALUES_FILE)
    for way in ("tui", "line"):
        (tmp_path / way).mkdir()
        shutil.copyfile(source, tmp_path / way / "values.yaml")
    monkeypatch.chdir(tmp_path / "tui")
    facts, tui = await _tui_review(tmp_path / "tui", "values.yaml", preset=None)
    monkeypatch.chdir(tmp_path / "line")
    line = _line_review(tmp_path / "line", "values.yaml", preset=None)
    assert facts.remaining
    assert_same_facts(facts, tui, line)
