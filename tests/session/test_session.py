"""The session both wizards drive: preview, several runners, presets, save."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.answers.model import Answers
from wizard.answers.steps import recommended
from wizard.base.errors import FileChangedError
from wizard.base.model import Executor, RunnerIdentity, Trust
from wizard.session.core import WizardSession
from wizard.session.presets import load_preset

TWO_RUNNERS = """\
# two docker runners, hand-written
concurrent = 4

[[runners]]
  name = "first"   # keep me
  url = "https://gitlab.example.com"
  token = "glrt-0123456789abcdefghij"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
    privileged = true   # keep me too

[[runners]]
  name = "second"
  url = "https://gitlab.example.com"
  token = "glrt-abcdefghij0123456789"
  executor = "docker"
  [runners.docker]
    image = "alpine:3.20"
    privileged = true
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(TWO_RUNNERS, encoding="utf-8")
    return path


def _answers() -> Answers:
    return recommended(Answers(trust=Trust.MULTI_PROJECT, executor=Executor.DOCKER))


def test_preview_of_one_runner_leaves_the_other_alone(config: Path) -> None:
    session = WizardSession.open(config)
    preview = session.preview(_answers(), runner_index=0)
    first, second = preview.new_text.split("[[runners]]")[1:]
    assert "privileged = false   # keep me too" in first
    assert second == TWO_RUNNERS.split("[[runners]]")[2]


def test_also_applies_the_same_answers_to_more_runners(config: Path) -> None:
    session = WizardSession.open(config)
    preview = session.preview(_answers(), runner_index=0, also=[1])
    assert preview.new_text.count("privileged = false") == 2
    assert "# keep me" in preview.new_text
    single = session.preview(_answers(), runner_index=0)
    assert len(preview.findings_after) < len(single.findings_after)


def test_diff_masks_tokens_and_save_writes_exactly_the_preview(config: Path) -> None:
    session = WizardSession.open(config)
    preview = session.preview(_answers(), runner_index=0, also=[1])
    assert "glrt-0123456789abcdefghij" not in preview.diff
    result = session.save(preview)
    assert config.read_text(encoding="utf-8") == preview.new_text
    assert result.backup is not None
    assert result.backup.read_text(encoding="utf-8") == TWO_RUNNERS
    assert config.stat().st_mode & 0o777 == 0o600


def test_save_is_refused_when_the_file_changed_underneath(config: Path) -> None:
    session = WizardSession.open(config)
    preview = session.preview(_answers(), runner_index=0)
    config.write_text(TWO_RUNNERS.replace("concurrent = 4", "concurrent = 5"), encoding="utf-8")
    with pytest.raises(FileChangedError):
        session.save(preview)
    assert "concurrent = 5" in config.read_text(encoding="utf-8")


def test_new_runner_in_a_new_file_gets_the_preset_settings(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    session = WizardSession.open(path)
    preset = load_preset("multi-project-docker")
    identity = RunnerIdentity("team", "https://gitlab.example.com", "glrt-zyxwvutsrqponmlkjihg")
    preview = session.preview(preset.answers, runner_index=None, identity=identity, preset=preset)
    assert "disable_entrypoint_overwrite = true" in preview.new_text
    assert 'image = "alpine:3.20"' in preview.new_text
    session.save(preview)
    assert path.read_text(encoding="utf-8") == preview.new_text
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_runner_list_masks_url_passwords_and_tokens(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        TWO_RUNNERS.replace("https://gitlab", "https://deploy:URLPASSWORD123@gitlab", 1),
        encoding="utf-8",
    )
    summaries = WizardSession.open(path).runners()
    shown = repr(summaries)
    assert "URLPASSWORD123" not in shown
    assert "0123456789abcdefghij" not in shown
    assert summaries[0].url is not None
    assert "deploy:" in summaries[0].url


def test_preview_audits_the_file_as_it_will_be_written(config: Path) -> None:
    config.chmod(0o644)
    session = WizardSession.open(config)
    preview = session.preview(_answers(), runner_index=0)
    assert "config-file-permissions" in {f.rule for f in preview.findings_before}
    assert "config-file-permissions" not in {f.rule for f in preview.findings_after}
