"""Golden files for the editor: each case is an input file, a list of edits and the exact
bytes an operator should get back.

Every case lives in ``tests/golden/editor/<case>/``: ``input.toml``, ``edits.json``
(``{"set": key, "table": [...], "value": ...}`` or ``{"remove": key, "table": [...]}``)
and ``expected.toml``. Files are compared as bytes, so BOMs, CRLF and a missing
final newline are part of the expectation (``.gitattributes`` keeps git off them).

``UPDATE_GOLDEN=1`` rewrites the expected files from the current editor; review
every changed line before committing, as an operator would review the diff.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

import pytest

from wizard.base.model import Edit, RemoveKey, SetValue
from wizard.tomlfile.document import parse_config
from wizard.tomlfile.edits import apply_edits
from wizard.tomlfile.same_value import same_value

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "editor"
CASES = sorted(path.name for path in GOLDEN.iterdir() if (path / "input.toml").is_file())
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def load_edits(case: Path) -> list[Edit]:
    raw: list[dict[str, Any]] = json.loads((case / "edits.json").read_text("utf-8"))
    edits: list[Edit] = []
    for entry in raw:
        table = tuple(entry["table"])
        if "set" in entry:
            edits.append(SetValue(table, entry["set"], entry["value"]))
        else:
            edits.append(RemoveKey(table, entry["remove"]))
    return edits


def edited_bytes(case: Path) -> bytes:
    document = parse_config((case / "input.toml").read_bytes())
    return document.with_edits(load_edits(case)).to_bytes()


def keep_me_comments(text: str) -> list[str]:
    """Every ``# keep me…`` comment, from its ``#`` to the end of its line."""
    found = []
    for line in text.splitlines():
        at = line.find("# keep me")
        if at >= 0:
            found.append(line[at:])
    return found


def test_there_are_cases() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize("name", CASES)
def test_editor_output_matches_golden_file(name: str) -> None:
    case = GOLDEN / name
    produced = edited_bytes(case)
    expected_path = case / "expected.toml"
    if UPDATE:
        expected_path.write_bytes(produced)
    assert produced == expected_path.read_bytes()


@pytest.mark.parametrize("name", CASES)
def test_golden_edit_means_what_the_edits_say(name: str) -> None:
    case = GOLDEN / name
    raw = (case / "input.toml").read_bytes()
    before = parse_config(raw)
    edits = load_edits(case)
    after = tomllib.loads((case / "expected.toml").read_bytes().decode("utf-8-sig"))
    assert same_value(after, apply_edits(before.data, edits))
    assert after != before.data, "a golden case must change something"


@pytest.mark.parametrize("name", CASES)
def test_golden_edit_is_idempotent(name: str) -> None:
    case = GOLDEN / name
    once = parse_config((case / "expected.toml").read_bytes())
    assert once.with_edits(load_edits(case)).to_bytes() == once.to_bytes()


@pytest.mark.parametrize("name", CASES)
def test_golden_edit_keeps_comments_line_endings_bom_and_final_newline(name: str) -> None:
    case = GOLDEN / name
    raw = (case / "input.toml").read_bytes()
    produced = edited_bytes(case)
    text = produced.decode("utf-8-sig")
    for comment in keep_me_comments(raw.decode("utf-8-sig")):
        assert text.count(comment) >= 1, f"lost {comment!r}"
    assert len(keep_me_comments(text)) == len(keep_me_comments(raw.decode("utf-8-sig")))
    assert produced.startswith(b"\xef\xbb\xbf") == raw.startswith(b"\xef\xbb\xbf")
    assert produced.endswith(b"\n") == raw.endswith(b"\n")
    if b"\r\n" in raw:
        assert produced.count(b"\n") == produced.count(b"\r\n")
    else:
        assert b"\r" not in produced


def test_golden_inputs_cover_the_awkward_shapes() -> None:
    """The fixtures themselves must keep the shapes the editor is known to get wrong."""
    inputs = {name: (GOLDEN / name / "input.toml").read_bytes() for name in CASES}
    assert any(data.startswith(b"\xef\xbb\xbf") for data in inputs.values())
    assert any(b"\r\n" in data for data in inputs.values())
    assert any(b"\n\t" in data for data in inputs.values())
    assert sum(not data.endswith(b"\n") for data in inputs.values()) >= 3
    assert any(b"[[runners.machine.autoscaling]]" in data for data in inputs.values())
    assert any(b"= {" in data for data in inputs.values())
    assert any(b"'" in data and b'"' not in data for data in inputs.values())
