"""Every review says what a save does to the file's mode, as it will happen.

Every write leaves config.toml at 0600. Before, the dry-run JSON said
``set_mode_0600: false`` whenever the text changed too, no review named the
change, a read-only (0444) file was replaced without a word, and a dry run with
nothing to change printed nothing at all.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_support import RISKY_CONFIG, run_cli, write_config
from wizard.answers.model import Answers
from wizard.plain.review import review_text
from wizard.session.core import WizardSession
from wizard.tomlfile.mode_change import ModeChange, mode_change


def test_the_mode_changes_only_when_something_is_written_and_it_is_not_0600() -> None:
    assert mode_change(0o644, writes=True) == ModeChange(0o644)
    assert mode_change(0o644, writes=False) is None
    assert mode_change(0o600, writes=True) is None
    assert mode_change(None, writes=True) is None  # a new file is created 0600
    assert ModeChange(0o444).read_only
    assert ModeChange(0o400).read_only
    assert not ModeChange(0o640).read_only


def test_dry_run_json_says_the_mode_will_be_set_when_the_text_changes_too(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, RISKY_CONFIG, mode=0o644)
    outcome = run_cli(capsys, "harden", "--dry-run", "--format", "json", str(path))
    [entry] = json.loads(outcome.out)["files"]
    assert entry["diff"]
    assert entry["set_mode_0600"] is True
    assert entry["mode_change"] == {"before": "0644", "after": "0600", "read_only": False}


def test_dry_run_json_has_no_mode_change_for_a_private_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, RISKY_CONFIG, mode=0o600)
    outcome = run_cli(capsys, "harden", "--dry-run", "--format", "json", str(path))
    [entry] = json.loads(outcome.out)["files"]
    assert (entry["set_mode_0600"], entry["mode_change"]) == (False, None)


def test_dry_run_text_names_the_mode_change_beside_the_diff(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, RISKY_CONFIG, mode=0o640)
    outcome = run_cli(capsys, "harden", "--dry-run", str(path))
    assert outcome.code == 1
    assert f"{path} is mode 0640: saving sets mode 0600" in outcome.out
    assert path.stat().st_mode & 0o777 == 0o640


def test_a_read_only_config_is_named_before_it_is_replaced(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, RISKY_CONFIG, mode=0o444)
    dry = run_cli(capsys, "harden", "--dry-run", str(path))
    assert f"{path}: warning: {path} is read-only (mode 0444)" in dry.err
    outcome = run_cli(capsys, "harden", str(path))
    assert outcome.code == 0
    assert f"{path} is read-only (mode 0444): saving replaces it anyway" in outcome.err
    assert "mode: 0444 -> 0600" in outcome.out
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_dry_run_with_nothing_to_change_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path, RISKY_CONFIG)
    assert run_cli(capsys, "harden", "--fix", "all", str(path)).code == 0
    outcome = run_cli(capsys, "harden", "--dry-run", "--fix", "all", str(path))
    assert outcome.code == 0
    assert outcome.out == f"{path}: nothing to change\n"


@pytest.mark.parametrize(
    ("mode", "line"),
    [
        (0o644, "note: {path} is mode 0644: saving sets mode 0600"),
        (0o444, "warning: {path} is read-only (mode 0444): saving replaces it anyway"),
    ],
)
def test_the_line_mode_review_names_the_mode_change(tmp_path: Path, mode: int, line: str) -> None:
    path = write_config(tmp_path, RISKY_CONFIG, mode=mode)
    session = WizardSession.open(path)
    preview = session.preview(Answers(per_build_network=True), runner_index=0)
    assert preview.changed
    review = review_text(preview, Answers(), path=path)
    assert line.format(path=path) in " ".join(review.split())


def test_the_line_mode_review_of_a_private_file_says_nothing_of_its_mode(tmp_path: Path) -> None:
    path = write_config(tmp_path, RISKY_CONFIG)
    session = WizardSession.open(path)
    preview = session.preview(Answers(per_build_network=True), runner_index=0)
    assert preview.mode_change is None
    assert "saving sets mode" not in review_text(preview, Answers(), path=path)
