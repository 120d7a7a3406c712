"""Errors are templates too: no output scans our own error sentences.

Every error a user can act on (:class:`~wizard.base.errors.WizardError` and its kinds)
carries a :class:`~wizard.base.safe_text.Message`: our sentence as written, each value
(a file name, a key, a value typed by the user, a server's answer) masked in its own
hole. ``mypy --strict`` rejects an f-string where the message goes, and the outputs
(stderr, text, JSON and SARIF audit reports) show the sentence without scanning it, so
our words are never masked and a value in a hole always is.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from tests.cli_support import REPO_ROOT, run_cli, write_config
from wizard.base.errors import ConfigError, WizardError, located, said_by
from wizard.base.safe_text import Message, shown_error

PACKAGE = REPO_ROOT / "wizard"

ERRORS = {
    "ConfigError": 1,
    "EditError": 1,
    "FileChangedError": 1,
    "WizardError": 0,
    "MissingAnswerError": 0,
    "UnsafeValueError": 2,
}
"""Each error a user can act on, and the position of its message (or reason)."""

SECRET_NAME = "glpat-AAAAAAAAAAAAAAAAAAAA"
"""A file name shaped like an access token: a value, so it must be masked."""


def _error_calls() -> list[tuple[str, ast.expr]]:
    """Every construction of one of :data:`ERRORS` in ``wizard/``, with its message."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in ERRORS or len(node.args) <= ERRORS[name]:
                continue
            where = f"{path.relative_to(REPO_ROOT)}:{node.lineno}"
            found.append((where, node.args[ERRORS[name]]))
    return found


def _is_text(node: ast.expr) -> bool:
    """A sentence pasted together in place: a literal, an f-string, text joined by ``+``,
    ``%`` or ``.format``, or ``str(...)`` of something."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.BinOp):
        return _is_text(node.left) or _is_text(node.right)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id == "str":
            return True
        if isinstance(func, ast.Attribute) and func.attr in ("format", "join", "replace"):
            return True
    return False


def test_every_error_is_made_from_a_message() -> None:
    """The type checker holds it (the test below shows it rejects text); this holds the
    calls too, so a ``# type: ignore`` cannot let a pasted sentence through."""
    calls = _error_calls()
    pasted = [where for where, message in calls if _is_text(message)]
    assert not pasted
    made_here = [
        message
        for _, message in calls
        if isinstance(message, ast.Call)
        and isinstance(message.func, ast.Attribute)
        and message.func.attr == "of"
    ]
    assert len(calls) > 130
    assert len(made_here) > 100  # most sentences are written where the error is raised


def test_mypy_rejects_an_error_whose_message_is_text(tmp_path: Path) -> None:
    """An f-string, or a message joined to other text, is a plain ``str``: refused."""
    api = pytest.importorskip("mypy.api")
    module = tmp_path / "error_sketch.py"
    module.write_text(
        "from wizard.base.errors import ConfigError, MissingAnswerError, WizardError\n"
        "from wizard.base.safe_text import Message\n"
        "name = 'token: glpat-AAAAAAAAAAAAAAAAAAAA'\n"
        "raw = ConfigError('config.toml', f'no runner named {name}')\n"
        "plain = WizardError('no runner here')\n"
        "joined = MissingAnswerError(Message.of('missing {name}', name=name) + ' (give it)')\n"
        "typed = ConfigError('config.toml', Message.of('no runner named {name}', name=name))\n"
        "also = WizardError(Message.of('missing {name} (give it)', name=name))\n",
        encoding="utf-8",
    )
    out, _, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(module)]
    )
    assert status == 1
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert [line.split(":")[1] for line in errors] == ["4", "5", "6"]
    assert all('expected "Message"' in line for line in errors)


def test_an_error_carries_its_message_as_made() -> None:
    reason = Message.of("invalid TOML: {said}", said="password: hunter2hunter2")
    error = ConfigError(f"/srv/{SECRET_NAME}.toml", reason, line=3, column=7)
    assert type(error.args[0]) is Message
    assert error.message == error.args[0]
    assert error.reason is reason
    assert error.message == "/srv/glpat-…AAAA.toml:3:7: invalid TOML: password: …"
    assert located(None, Message.of("bad")) == "<config>: bad"
    # Another error's text is a value: masked in its hole, never taken as our words.
    assert said_by(ValueError("token: glrt-ABCDEFGHIJKLMNOPQRST")) == "token: glrt-…QRST"
    assert said_by(error) is error.message


def test_our_words_are_not_masked_and_the_value_in_the_hole_is() -> None:
    """``token: identities and secrets…`` was shown as ``token: … and secrets…``: the
    whole sentence was scanned as free text, and our word after ``token:`` looked like
    a secret. Now only the holes are masked."""
    error = WizardError(
        Message.of(
            '{source}: [settings."{table}"] {key}: {problem}',
            source=f"{SECRET_NAME}.toml",
            table="runners",
            key="token",
            problem=Message.of("identities and secrets never go into a preset"),
        )
    )
    said = shown_error(error)
    assert said.endswith(
        ': [settings."runners"] token: identities and secrets never go into a preset'
    )
    assert SECRET_NAME not in said
    assert said.startswith("glpat-…AAAA.toml")


def test_a_preset_error_keeps_our_words_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Failed before: stderr said ``token: … and secrets never go into a preset``."""
    preset = tmp_path / "team.toml"
    preset.write_text(
        "name = 'team'\ntrust = 'public'\n[settings.runners]\ntoken = 'glrt-123'\n",
        encoding="utf-8",
    )
    config = write_config(tmp_path, "[[runners]]\nname = 'a'\nexecutor = 'shell'\n")
    result = run_cli(capsys, "audit", "--preset", str(preset), str(config))
    assert result.code == 2
    assert "token: identities and secrets never go into a preset" in result.err
    assert "glrt-123" not in result.everything


@pytest.mark.parametrize("output", ["text", "json", "sarif"])
def test_a_secret_shaped_file_name_is_masked_in_every_audit_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output: str
) -> None:
    invalid = tmp_path / f"{SECRET_NAME}.toml"
    invalid.write_text("[[runners]\nname = 'x'\n", encoding="utf-8")
    missing = tmp_path / "glpat-BBBBBBBBBBBBBBBBBBBB.toml"
    result = run_cli(capsys, "audit", "--format", output, str(invalid), str(missing))
    assert result.code == 2
    assert SECRET_NAME not in result.everything
    assert "glpat-BBBBBBBBBBBBBBBBBBBB" not in result.everything
    # Our words stay whole, on stderr and in the report.
    assert "glpat-…AAAA.toml:1:10: invalid TOML: Expected ']]'" in result.err
    assert "glpat-…BBBB.toml: no such file" in result.err
    if output == "json":
        errors = [entry["error"] for entry in json.loads(result.out)["files"]]
        assert errors[0].endswith(
            "glpat-…AAAA.toml:1:10: invalid TOML: Expected ']]' at the end of an array declaration"
        )
        assert errors[1].endswith("glpat-…BBBB.toml: no such file")
    if output == "sarif":
        run = json.loads(result.out)["runs"][0]
        notes = run["invocations"][0]["toolExecutionNotifications"]
        assert [note["message"]["text"].rsplit("/", 1)[-1] for note in notes] == [
            "glpat-…AAAA.toml:1:10: invalid TOML: Expected ']]' at the end of an array declaration",
            "glpat-…BBBB.toml: no such file",
        ]


def test_a_secret_shaped_file_name_is_masked_on_harden_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    invalid = tmp_path / f"{SECRET_NAME}.toml"
    invalid.write_text("[[runners]\nname = 'x'\n", encoding="utf-8")
    result = run_cli(capsys, "harden", "--dry-run", str(invalid))
    assert result.code == 2
    assert SECRET_NAME not in result.everything
    assert "glpat-…AAAA.toml:1:10: invalid TOML" in result.err


def test_a_refused_value_under_a_secret_looking_key_keeps_our_words() -> None:
    """Was ``values.yaml: runnerToken: … value holds a control character``: the word
    after the key was taken for its value. The value itself is never in the sentence."""
    from wizard.base.sinks import UnsafeValueError, checked

    with pytest.raises(UnsafeValueError) as caught:
        checked("glrt-ABCDEFGHIJKLMNOPQRST\nflush ruleset", file="values.yaml", key="runnerToken")
    said = shown_error(caught.value)
    assert said == (
        "values.yaml: runnerToken: the value holds a control character (U+000A); "
        "nothing was written"
    )
