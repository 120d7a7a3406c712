"""The fuzz harness: generated configs in every TOML style, and the corpus, through every command.

For each config: ``audit`` (text, JSON, SARIF), ``harden --dry-run`` and
``harden --fix all`` run in-process, and

- every exit code is 0, 1 or 2;
- the written file parses, keeps every comment, and changes no data outside
  the edits of the fixes applied;
- a second ``harden`` changes nothing;
- no planted secret appears on any output stream.

A small budget runs with the suite; ``FUZZ_EXAMPLES=5000`` (or
``scripts/fuzz.py``) runs a large one. The corpus of real configs is the one
:mod:`tests.corpus` finds (skipped when absent, failing in CI).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.corpus import corpus_case, corpus_id, corpus_params
from wizard.audit.engine import harden_document
from wizard.base.model import DEFAULT_TRUST
from wizard.cli import main
from wizard.tomlfile.document import load_config
from wizard.tomlfile.edits import apply_edits

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
CORPUS = Path(
    os.environ.get(
        "FUZZ_CORPUS",
        str(Path(__file__).resolve().parents[2] / ".." / "shared/corpus/real-configs"),
    )
)

TOKEN = "glrt-FUZZTOKENxq7Lm2Vb9Pz4Kw"
PASSWORD = "FuzzPassQ7w2Lm9Vx"
ENV_SECRET = "FuzzEnvZk3Rt8Yq1"
SCRIPT_SECRET = "FuzzScrPw5Nd2Jh"
SECRETS = (TOKEN.removeprefix("glrt-"), PASSWORD, ENV_SECRET, SCRIPT_SECRET)


# -- generating configs ------------------------------------------------------------------


@st.composite
def string_literal(draw: st.DrawFn, value: str) -> str:
    """``value`` in one of TOML's four string forms (literal forms only where they can hold it)."""
    forms = ["basic", "multi-basic"]
    if "'" not in value and "\n" not in value:
        forms += ["literal", "multi-literal"]
    form = draw(st.sampled_from(forms))
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return {
        "basic": f'"{escaped}"',
        "literal": f"'{value}'",
        "multi-basic": f'"""{escaped}"""',
        "multi-literal": f"'''{value}'''",
    }[form]


@st.composite
def array(draw: st.DrawFn, values: list[str], indent: str) -> str:
    """A string array: on one line, one item per line, or wrapped; comments on some items."""
    items = [draw(string_literal(v)) for v in values]
    layout = draw(st.sampled_from(["inline", "lines", "wrapped"]))
    if layout == "inline" or not items:
        spaced = draw(st.booleans())
        inner = ", ".join(items)
        return f"[ {inner} ]" if spaced and items else f"[{inner}]"
    trailing = draw(st.booleans())
    inner_indent = indent + draw(st.sampled_from(["  ", "    ", "\t"]))
    parts = []
    for index, item in enumerate(items):
        last = index == len(items) - 1
        comma = "," if not last or trailing else ""
        note = f"  # item note {index}" if draw(st.booleans()) else ""
        if last and layout == "wrapped":
            note = ""
        parts.append(f"{inner_indent}{item}{comma}{note}")
    if layout == "wrapped":
        return "[" + "\n".join(parts).lstrip() + "]"
    return "[\n" + "\n".join(parts) + f"\n{indent}]"


VOLUMES = ["/cache", "/var/run/docker.sock:/var/run/docker.sock", "/builds:/builds", "/certs"]


@st.composite
def runner(draw: st.DrawFn, index: int, style: dict[str, Any]) -> str:
    key = style["key_indent"]
    sub = style["sub_indent"]
    sub_key = sub + style["key_delta"]
    lines = [f"{style['header_indent']}[[runners]]"]
    if draw(st.booleans()):
        lines.append(f"{key}# runner {index}: owned by the platform team")
    lines.append(f"{key}name = {draw(string_literal(f'runner-{index}'))}")
    lines.append(f"{key}url = {draw(string_literal('https://gitlab.example.com'))}")
    lines.append(f"{key}token = {draw(string_literal(TOKEN))}  # rotated by the runner")
    executor = draw(st.sampled_from(["docker", "shell", "kubernetes", "docker+machine"]))
    lines.append(f"{key}executor = {draw(string_literal(executor))}")
    if draw(st.booleans()):
        entries = ["FOO=bar", f"DB_PASS={ENV_SECRET}"]
        lines.append(f"{key}environment = {draw(array(entries, key))}")
    if draw(st.booleans()):
        script = f"docker login -u ci -p {SCRIPT_SECRET} registry.example.com"
        lines.append(f"{key}pre_build_script = {draw(string_literal(script))}")
    if style["blank_lines"]:
        lines.append("")
    if executor.startswith("docker"):
        lines.append(f"{sub}[runners.docker]")
        lines.append(f"{sub_key}image = {draw(string_literal('alpine:3.20'))}")
        privileged = draw(st.sampled_from(["true", "false", None]))
        if privileged is not None:
            lines.append(f"{sub_key}privileged = {privileged}  # see the wiki")
        volumes = draw(st.lists(st.sampled_from(VOLUMES), unique=True, max_size=4))
        empty_array: bool = draw(st.booleans())
        if volumes or empty_array:
            lines.append(f"{sub_key}volumes = {draw(array(volumes, sub_key))}")
        if draw(st.booleans()):
            lines.append(f'{sub_key}# pull_policy = "never"')
        if draw(st.booleans()):
            lines.append(f"{sub_key}network_mode = {draw(string_literal('host'))}")
        if draw(st.booleans()):
            lines.append(f"{sub_key}cap_add = {draw(array(['NET_ADMIN', 'SYS_ADMIN'], sub_key))}")
    if draw(st.booleans()):
        if style["blank_lines"]:
            lines.append("")
        lines.append(f"{sub}[runners.cache]")
        lines.append(f'{sub_key}Type = "s3"')
        lines.append(f"{sub}{style['key_delta']}[runners.cache.s3]")
        lines.append(f"{sub_key}{style['key_delta']}SecretKey = {draw(string_literal(PASSWORD))}")
    return "\n".join(lines)


@st.composite
def config_text(draw: st.DrawFn) -> str:
    key_delta = draw(st.sampled_from(["  ", "    ", "\t", ""]))
    header_indent = draw(st.sampled_from(["", ""]))
    style = {
        "key_delta": key_delta,
        "header_indent": header_indent,
        "key_indent": header_indent + key_delta,
        "sub_indent": header_indent + draw(st.sampled_from(["", key_delta])),
        "blank_lines": draw(st.booleans()),
    }
    head = ["# runner config, managed by hand", "concurrent = 4", "check_interval = 0"]
    if draw(st.booleans()):
        head.append('listen_address = "0.0.0.0:9252"  # metrics')
    count = draw(st.integers(min_value=1, max_value=3))
    runners = [draw(runner(i, style)) for i in range(count)]
    gap = "\n\n" if style["blank_lines"] else "\n"
    text = "\n".join(head) + gap + gap.join(runners)
    if draw(st.booleans()):
        text += "\n"
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text


# -- the checks -------------------------------------------------------------------------

_COMMENT = re.compile(r"#[^\r\n]*")
"""A comment, found only where it is one: our generated strings never hold a ``#``."""


def comments_of(text: str) -> list[str]:
    return [match.group(0).rstrip(" \t") for match in _COMMENT.finditer(text)]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def flatten(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(item, (*path, key.casefold()))
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for index, item in enumerate(value):
            yield from flatten(item, (*path, index))
    else:
        yield path, value


def check_config(path: Path, capsys: pytest.CaptureFixture[str], *, planted: bool) -> None:
    original = path.read_bytes()
    text = original.decode("utf-8", errors="replace")
    shown: list[str] = []
    for argv in (
        ["audit", str(path)],
        ["audit", "--format", "json", str(path)],
        ["audit", "--format", "sarif", str(path)],
        ["harden", "--dry-run", "--fix", "all", str(path)],
    ):
        code, output = run(argv, capsys)
        assert code in (0, 1, 2), (argv, output)
        shown.append(output)
    assert path.read_bytes() == original, "reading never writes"
    try:
        before = load_config(path)
        hardened = harden_document(before, trust=DEFAULT_TRUST, fix="all")
    except Exception:
        code, output = run(["harden", "--fix", "all", str(path)], capsys)
        shown.append(output)
        assert code == 2, output
        assert path.read_bytes() == original
    else:
        code, output = run(["harden", "--fix", "all", "--no-backup", str(path)], capsys)
        shown.append(output)
        assert code in (0, 2), output
        written = path.read_bytes()
        if code == 2:
            assert written == original, "a refused write leaves the file alone"
        else:
            new_text = written.decode("utf-8")
            new_data = tomllib.loads(new_text.removeprefix("\ufeff"))
            for comment in comments_of(text):
                assert comment in new_text, f"comment lost: {comment}"
            edits = [edit for finding in hardened.applied for edit in finding.edits]
            assert new_data == apply_edits(before.data, edits)
            touched = {(*edit.table, edit.key.casefold()) for edit in edits}
            old_flat, new_flat = dict(flatten(before.data)), dict(flatten(new_data))
            for key, value in old_flat.items():
                if not any(key[: len(t)] == tuple(t) for t in _folded(touched)):
                    assert new_flat.get(key) == value, f"changed outside the edits: {key}"
            code, output = run(["harden", "--fix", "all", "--no-backup", str(path)], capsys)
            shown.append(output)
            assert code == 0, output
            assert path.read_bytes() == written, "a second run changes nothing"
    if planted:
        leaked = [s for s in SECRETS if any(s in out for out in shown)]
        assert not leaked, leaked


def _folded(paths: set[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [tuple(p.casefold() if isinstance(p, str) else p for p in path) for path in paths]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=config_text())
def test_generated_configs(
    tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    tomllib.loads(text.removeprefix("\ufeff"))  # the generator writes valid TOML
    path = tmp_path_factory.mktemp("fuzz") / "config.toml"
    path.write_bytes(text.encode("utf-8"))
    path.chmod(0o600)
    check_config(path, capsys, planted=True)


@pytest.mark.parametrize("source", corpus_params(), ids=corpus_id)
def test_corpus_configs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: Path | None
) -> None:
    source = corpus_case(source)
    path = tmp_path / "config.toml"
    path.write_bytes(source.read_bytes())
    check_config(path, capsys, planted=False)
