"""audit and harden over every real config in the corpus, as an operator would run them.

Each file is copied into a temporary folder first (the corpus is read-only and
shared). Secret values in the copy are replaced with distinctive planted ones,
because the corpus itself is redacted: only a value we know can prove that
nothing printed it.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from tests.cli_support import run_cli
from tests.corpus import corpus_case, corpus_id, corpus_params, require_corpus
from wizard.base.masking import is_secret_key

_ASSIGNMENT = re.compile(
    r'^(?P<lead>[ \t]*)(?P<key>[A-Za-z0-9_-]+)(?P<eq>[ \t]*=[ \t]*)"(?P<value>[^"\r\n]*)"',
    re.MULTILINE,
)


def plant_secrets(text: str) -> tuple[str, list[str]]:
    """Replace every quoted value of a secret key with a unique secret; return both."""
    planted: list[str] = []

    def replace(match: re.Match[str]) -> str:
        value = match["value"]
        if not is_secret_key(match["key"]) or not value or value.startswith("$"):
            return match.group(0)
        prefix = "glrt-" if value.startswith("glrt-") else ""
        secret = f"{prefix}PlantedSecret{len(planted):04d}xQz7Kp"
        planted.append(secret)
        return f'{match["lead"]}{match["key"]}{match["eq"]}"{secret}"'

    return _ASSIGNMENT.sub(replace, text), planted


def comment_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip().startswith("#")]


@pytest.fixture
def corpus_copy(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, list[str]]:
    source = corpus_case(request.param)
    raw = source.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    text, planted = plant_secrets(raw.decode("utf-8-sig"))
    copy = tmp_path / source.name
    copy.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return copy, planted


def read_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8-sig")


def test_corpus_is_present_or_the_suite_says_so() -> None:
    assert len(require_corpus()) >= 50


def test_planting_replaces_secret_values_and_keeps_the_toml_valid() -> None:
    text = (
        'token = "glrt-abc"\npassword = "p"\ntoken_url = "x"\nSecretKey = "k"\n'
        'url = "https://example.com"\n[t]\n  token = "$TOKEN"\n'
    )
    planted_text, planted = plant_secrets(text)
    data = tomllib.loads(planted_text)
    assert data["token"] == planted[0]
    assert data["token"].startswith("glrt-")
    assert data["password"] == planted[1]
    assert data["SecretKey"] == planted[2]
    assert data["token_url"] == "x"
    assert data["t"]["token"] == "$TOKEN"


by_file = pytest.mark.parametrize("corpus_copy", corpus_params(), ids=corpus_id, indirect=True)


@by_file
def test_audit_json_and_sarif_are_valid_and_masked(
    capsys: pytest.CaptureFixture[str], corpus_copy: tuple[Path, list[str]]
) -> None:
    path, planted = corpus_copy
    for output_format in ("json", "sarif", "text"):
        outcome = run_cli(capsys, "audit", "--format", output_format, str(path))
        assert outcome.code in (0, 1), outcome.err
        assert outcome.err == ""
        if output_format == "json":
            [entry] = json.loads(outcome.out)["files"]
            assert entry["error"] is None
        elif output_format == "sarif":
            assert json.loads(outcome.out)["version"] == "2.1.0"
        for secret in planted:
            assert secret not in outcome.out


@by_file
def test_harden_fix_all_keeps_comments_parses_and_converges(
    capsys: pytest.CaptureFixture[str], corpus_copy: tuple[Path, list[str]]
) -> None:
    path, planted = corpus_copy
    original = read_text(path)
    dry_run = run_cli(capsys, "harden", "--dry-run", "--fix", "all", str(path))
    assert dry_run.code in (0, 1), dry_run.err
    assert read_text(path) == original, "--dry-run wrote to the file"
    for secret in planted:
        assert secret not in dry_run.everything

    outcome = run_cli(capsys, "harden", "--fix", "all", "--no-backup", str(path))
    assert outcome.code == 0, outcome.err
    assert "not fixed" not in outcome.out
    hardened = read_text(path)
    assert (hardened != original) == (dry_run.code == 1)
    tomllib.loads(hardened)
    kept = set(hardened.splitlines())
    lost = [line for line in comment_lines(original) if line not in kept]
    assert not lost, f"comments lost: {lost[:3]}"
    for secret in planted:
        assert secret in hardened, "harden must keep secrets as they are in the file"
        assert secret not in outcome.everything

    again = run_cli(capsys, "harden", "--fix", "all", "--no-backup", str(path))
    assert again.code == 0
    assert read_text(path) == hardened
    second_dry_run = run_cli(capsys, "harden", "--dry-run", "--fix", "all", str(path))
    assert (second_dry_run.code, second_dry_run.out) == (0, f"{path}: nothing to change\n")
