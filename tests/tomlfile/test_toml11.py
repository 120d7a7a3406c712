"""TOML 1.1 files: the runner reads them (18.9 moved to BurntSushi/toml v1.6.0, go.mod),
so the error must say the syntax is fine for the runner and name the line we cannot read."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wizard.base.errors import ConfigError
from wizard.cli import main
from wizard.tomlfile.document import parse_config
from wizard.tomlfile.toml11 import as_toml10, toml11_construct

MULTILINE = """\
concurrent = 1
[[runners]]
  executor = "docker"
  [runners.docker]
    tmpfs = {
      "/tmp" = "rw,exec",  # scratch space
      "/run" = "rw",
    }
"""


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        (MULTILINE, 5, "several lines"),
        ("[runners]\nx = { a = 1, }\n", 2, "trailing comma"),
        ('a = "bell\\e"\n', 1, "\\e escape"),
        ('\n\na = "\\x41"\n', 3, "\\x escape"),
    ],
)
def test_toml11_is_named_with_its_line(text: str, line: int, what: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text.encode(), Path("config.toml"))
    error = caught.value
    assert error.line == line
    assert what in error.reason
    assert "GitLab Runner 18.9 and later accept" in error.reason
    assert "cannot read yet" in error.reason
    assert str(error).startswith(f"config.toml:{line}: ")


def test_a_broken_file_is_still_plain_invalid_toml() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(b"a = {\n b = \n", Path("c.toml"))
    assert "invalid TOML" in caught.value.reason
    assert "1.1" not in caught.value.reason


def test_braces_and_commas_inside_strings_and_comments_are_not_syntax() -> None:
    text = 'a = """{\n,}"""\nb = \'{,}\'\n# c = {\nd = [\n  1,\n]\ne = { f = "x,}" }\n'
    tomllib.loads(text)  # valid TOML 1.0: nothing to name
    assert toml11_construct(text) is None


def test_the_cli_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    path.write_text(MULTILINE, encoding="utf-8")
    assert main(["audit", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"{path}:5: uses TOML 1.1" in err
    assert "TOML 1.1" in err


_VALUES = st.sampled_from(['"x"', "1", "true", "[1, 2]", '"a,}"', "{ q = 1 }"])


@given(
    st.lists(
        st.tuples(st.from_regex(r"[a-z]{1,5}", fullmatch=True), _VALUES),
        min_size=1,
        max_size=4,
        unique_by=lambda kv: kv[0],
    ),
    st.booleans(),
    st.booleans(),
)
def test_any_multiline_inline_table_means_its_one_line_form(
    pairs: list[tuple[str, str]], comments: bool, trailing: bool
) -> None:
    one_line = "t = { " + ", ".join(f"{k} = {v}" for k, v in pairs) + " }\n"
    sep = ",  # note\n  " if comments else ",\n  "
    body = sep.join(f"{k} = {v}" for k, v in pairs)
    text = "x = 1\nt = {\n  " + body + ("," if trailing else "") + "\n}\n"
    found = toml11_construct(text)
    assert found is not None
    assert found.line == 2
    with pytest.raises(ConfigError):
        parse_config(text.encode())
    rewritten, _ = as_toml10(text)
    assert tomllib.loads(rewritten)["t"] == tomllib.loads(one_line)["t"]
