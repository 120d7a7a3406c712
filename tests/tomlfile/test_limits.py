"""Depth limits and whole-name checks: hostile input is one line and exit 2, never a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wizard.answers.model import Answers
from wizard.base.errors import WizardError
from wizard.cli import main
from wizard.session.presets import make_preset
from wizard.tomlfile.nesting import MAX_DEPTH, too_deep_line

DEEP = "concurrent = 1\n\n[[runners]]\n  name = 'deep'\n  x = " + "[" * 500 + "]" * 500 + "\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["audit"],
        ["audit", "--format", "json"],
        ["harden", "--dry-run"],
        ["harden"],
        ["plain", "--non-interactive"],
        ["artifacts", "--out", "out"],
    ],
    ids=" ".join,
)
def test_arrays_nested_500_deep_are_one_line_with_file_and_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "config.toml"
    path.write_text(DEEP, encoding="utf-8")
    assert len(DEEP) < 1100
    code = main([*argv[:1], str(path), *argv[1:]])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1, err
    where = re.escape(str(path)) + "(:5|: line 5):"
    assert re.search(f"{where} nested more than {MAX_DEPTH} levels deep", err), err
    assert "Traceback" not in err
    assert path.read_text(encoding="utf-8") == DEEP


@pytest.mark.parametrize("brackets", ["[", "{ a = "])
def test_an_answers_file_nested_deep_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], brackets: str
) -> None:
    answers = tmp_path / "answers.toml"
    closing = "]" if brackets == "[" else "}"
    answers.write_text("x = " + brackets * 400 + "1" + closing * 400 + "\n", encoding="utf-8")
    code = main(["presets", "new", "deep", "--answers", str(answers), "--out", str(tmp_path / "p")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{answers}:1: nested more than" in err


def test_brackets_inside_strings_and_comments_do_not_count() -> None:
    text = "a = '" + "[" * 200 + "'\n# " + "{" * 200 + '\nb = """\n' + "[" * 200 + '\n"""\n'
    assert too_deep_line(text) is None
    assert too_deep_line("a = " + "[" * 65 + "]" * 65) == 1


def test_a_preset_name_with_a_final_newline_is_refused() -> None:
    with pytest.raises(WizardError):
        make_preset("our-docker\n", Answers())
