"""Secrets are masked by what they are, whatever their quoting, in every output.

Each example plants one secret in one of TOML's string forms (basic, literal,
multi-line basic and literal) at one place a secret can sit: a secret key, an
array or inline table under one, an environment entry, a script's free text
(``-p VALUE``, ``--password VALUE``, ``_authToken VALUE``), an argument list,
a URL, a runner name or a table name. Then every output is searched: the
masked text, the ``harden --dry-run`` diff, the audit in text, JSON and SARIF,
and error messages.
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wizard.base.masking import mask_text, mask_toml_value
from wizard.cli import main
from wizard.tomlfile.document import parse_config

SECRET = st.text(
    alphabet="abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=14, max_size=30
)


def basic(value: str) -> str:
    return f'"{value}"'


def literal(value: str) -> str:
    return f"'{value}'"


def multiline_basic(value: str) -> str:
    return f'"""\n{value}\n"""'


def multiline_literal(value: str) -> str:
    return f"'''\n{value}'''"


FORMS: dict[str, Callable[[str], str]] = {
    "basic": basic,
    "literal": literal,
    "multi-line basic": multiline_basic,
    "multi-line literal": multiline_literal,
}
"""Every string form TOML has."""

RUNNER = '[[runners]]\n  name = "r"\n  url = "https://gitlab.example.com"\n  executor = "docker"\n'


def _token_shaped(secret: str) -> str:
    return f"glrt-{secret}"


PLACES: dict[str, Callable[[Callable[[str], str], str], str]] = {
    "token": lambda form, s: RUNNER + f"  token = {form(s)}\n",
    "password in s3": lambda form, s: (
        RUNNER + f'  [runners.cache]\n    Type = "s3"\n    [runners.cache.s3]\n'
        f"      SecretKey = {form(s)}\n"
    ),
    "inline table": lambda form, s: (
        RUNNER + f"  [runners.docker]\n    x = {{ password = {form(s)} }}\n"
    ),
    "array under a secret key": lambda form, s: (
        RUNNER + f"  [runners.docker]\n    password = [{form(s)}]\n"
    ),
    "environment entry": lambda form, s: RUNNER + f"  environment = [{form('DB_PASS=' + s)}]\n",
    "json environment entry": lambda form, s: (
        RUNNER + f"  environment = [{form('DOCKER_AUTH_CONFIG={' + repr(s)[1:-1] + '}')}]\n"
    ),
    "docker login -p": lambda form, s: (
        RUNNER + f"  pre_build_script = {form('docker login -u ci -p ' + s + ' registry')}\n"
    ),
    "--password": lambda form, s: (
        RUNNER + f"  pre_build_script = {form('login --password ' + s + ' --user x')}\n"
    ),
    "npm _authToken": lambda form, s: (
        RUNNER + f"  pre_build_script = {form('npm config set //r/:_authToken ' + s)}\n"
    ),
    "argument list": lambda form, s: (
        RUNNER + f'  [runners.custom]\n    config_args = ["--password", {form(s)}]\n'
    ),
    "url password": lambda form, s: (
        RUNNER + f"  clone_url = {form('https://ci:' + s + '@gitlab.example.com')}\n"
    ),
    "token-shaped name": lambda form, s: RUNNER.replace('"r"', form(_token_shaped(s))),
}


def _plant(place: str, form: str, secret: str) -> str | None:
    if form.startswith("multi-line") and place in ("inline table",):
        return None  # inline tables hold one line: a multi-line string there is still fine
    text = PLACES[place](FORMS[form], secret)
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    return text


def _outputs(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> str:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    shown = [parse_config(text.encode()).masked_text()]
    for argv in (
        ["harden", "--dry-run", "--fix", "all", str(path)],
        ["audit", str(path)],
        ["audit", "--format", "json", str(path)],
        ["audit", "--format", "sarif", str(path)],
        ["harden", "--dry-run", "--runner", "no-such-runner", str(path)],
    ):
        main(argv)
        captured = capsys.readouterr()
        shown += [captured.out, captured.err]
    return "\n".join(shown)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    place=st.sampled_from(sorted(PLACES)),
    form=st.sampled_from(sorted(FORMS)),
    secret=SECRET,
)
def test_a_planted_secret_reaches_no_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], place: str, form: str, secret: str
) -> None:
    text = _plant(place, form, secret)
    if text is None:
        return
    shown = _outputs(tmp_path, text, capsys)
    assert secret not in shown, (place, form)


_FIXED_SECRET = "Zq8pLmW3nVx7RtY2"
# Only the pairs TOML can write (a multi-line string fits in no inline table).
_PLANTED = {
    (place, form): text
    for place in sorted(PLACES)
    for form in sorted(FORMS)
    if (text := _plant(place, form, _FIXED_SECRET)) is not None
}


@pytest.mark.parametrize(("place", "form"), sorted(_PLANTED))
def test_every_place_in_every_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], place: str, form: str
) -> None:
    """The same, exhaustively over places and forms, with one fixed secret."""
    assert _FIXED_SECRET not in _outputs(tmp_path, _PLANTED[place, form], capsys)


def test_a_token_shaped_table_name_is_masked_in_sarif_fingerprints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "glrt-TABLENAMESECRET0123456789"
    text = RUNNER + f'  [runners.docker]\n    privileged = true\n    "{secret}" = 1\n'
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    for output_format in ("text", "json", "sarif"):
        main(["audit", "--format", output_format, str(path)])
        captured = capsys.readouterr()
        assert "TABLENAMESECRET0123456789" not in captured.out + captured.err


def test_ordinary_values_stay_readable() -> None:
    assert mask_toml_value("volumes", '["/cache", "/a"]') == '["/cache", "/a"]'
    assert mask_toml_value("pre_build_script", "'mkdir -p /builds/x'") == "'mkdir -p /builds/x'"
    assert mask_toml_value("command", '["ssh", "-p", "22"]') == '["ssh", "-p", "22"]'
    assert mask_text("docker login --password-stdin") == "docker login --password-stdin"


# -- no backtracking --------------------------------------------------------------------

PATHOLOGICAL = {
    "secret-like words": "token password secret " * 48_000,
    "one long secret-like word": "tokenpassword" * 80_000,
    "unclosed quotes after names": 'password="x ' * 90_000,
    "environment-like entries": "'DB_PASS=x" * 100_000,
    "url-like runs": "a.a.a.a" * 150_000,
    "schemes without hosts": "x://" * 250_000,
    "flags without values": "-p -p " * 170_000,
    "quotes": '"' * 1_000_000,
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_a_one_megabyte_line_is_masked_in_linear_time(name: str) -> None:
    """Under 1 s on an idle machine; the bound allows a loaded 2-core one.

    The old patterns took 40 s on 80 KB of secret-like words: quadratic, so a
    1 MB line would have taken hours.
    """
    line = PATHOLOGICAL[name]
    assert len(line) >= 960_000
    for text in (
        line,
        f'[[runners]]\n  name = "x"\n  pre_build_script = "{line.replace(chr(34), "x")}"\n',
    ):
        started = time.perf_counter()
        if text is line:
            mask_text(text)
        else:
            parse_config(text.encode()).masked_text()
        assert time.perf_counter() - started < 6.0, name
