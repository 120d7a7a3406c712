"""Every parse error has one shape, ``file:line:col: message``, whatever was parsed and
whichever command parsed it (wizard.base.errors.located is the one place that writes it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli_support import run_cli, write_config
from wizard.base.errors import ConfigError, located
from wizard.base.safe_text import Message
from wizard.session.core import WizardSession

BROKEN_TOML = '[[runners]]\n  name = "a"\n  executor = = "docker"\n'
"""Line 3, column 14: the second ``=``."""

GOOD = '[[runners]]\n  name = "a"\n  url = "https://gitlab.example.com"\n  executor = "shell"\n'


def shaped(line: str, path: Path, row: int, column: int) -> None:
    pattern = rf"^runner-wizard: error: {re.escape(str(path))}:{row}:{column}: \S"
    assert re.match(pattern, line), line


def test_located_is_the_shape() -> None:
    bad = Message.of("bad")
    assert located("a.toml", bad, 3, 14) == "a.toml:3:14: bad"
    assert located("a.toml", bad, 3) == "a.toml:3: bad"
    assert located("a.toml", bad) == "a.toml: bad"
    assert located(None, bad) == "<config>: bad"
    assert str(ConfigError("a.toml", bad, line=3, column=14)) == "a.toml:3:14: bad"
    assert type(ConfigError("a.toml", bad).args[0]) is Message


@pytest.mark.parametrize(
    "argv",
    [
        ("audit",),
        ("audit", "--format", "json"),
        ("harden", "--dry-run"),
        ("plain", "--accept-defaults", "--non-interactive"),
        ("server-check",),
    ],
)
def test_a_broken_config_is_one_line_in_the_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    path = write_config(tmp_path, BROKEN_TOML)
    outcome = run_cli(capsys, *argv, str(path))
    assert outcome.code == 2
    [line] = outcome.err.splitlines()
    shaped(line, path, 3, 14)


@pytest.mark.parametrize("option", ["--answers", "--preset"])
def test_a_broken_answers_or_preset_file_is_in_the_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    config = write_config(tmp_path, GOOD)
    given = tmp_path / "given.toml"
    given.write_text('trust = "public"\nexecutor = [\n', encoding="utf-8")
    outcome = run_cli(capsys, "plain", str(config), option, str(given), "--non-interactive")
    assert outcome.code == 2
    [line] = outcome.err.splitlines()
    assert line.startswith(f"runner-wizard: error: {given}:"), line
    assert re.search(r"\.toml:\d+:\d+: invalid TOML", line), line


def test_toml_inside_yaml_names_the_place_in_the_yaml_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The block is indented four spaces: the column is the file's, not the block's."""
    path = tmp_path / "values.yaml"
    path.write_text(
        "gitlabUrl: https://gitlab.example.com\nrunners:\n  config: |\n"
        "    [[runners]]\n    executor = = 1\n",
        encoding="utf-8",
    )
    outcome = run_cli(capsys, "audit", str(path))
    [line] = outcome.err.splitlines()
    shaped(line, path, 5, 16)
    assert "invalid TOML in the config block" in line


def test_broken_yaml_has_line_and_column_of_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "values.yaml"
    path.write_text("gitlabUrl: x\nrunners:\n  config: [unclosed\n", encoding="utf-8")
    outcome = run_cli(capsys, "audit", str(path))
    [line] = outcome.err.splitlines()
    assert re.match(rf"^runner-wizard: error: {re.escape(str(path))}:\d+:\d+: invalid YAML", line)


def test_yaml_inside_a_values_block_counts_the_blocks_indent(tmp_path: Path) -> None:
    """An Argo CD ``helm.values`` string: its YAML error is placed in the outer file."""
    path = tmp_path / "app.yaml"
    path.write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n"
        "    chart: gitlab-runner\n    helm:\n      values: |\n"
        "        gitlabUrl: https://gitlab.example.com\n        runners: {config: x\n"
        "        concurrent: 2\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        WizardSession.open(path)
    error = caught.value
    assert error.line is not None
    assert error.line >= 9
    assert error.column is not None
    assert error.column > 8, "the block's own indentation is part of the column"
    assert str(error).startswith(f"{path}:{error.line}:{error.column}: invalid YAML")
