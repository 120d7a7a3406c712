"""The document layer: byte-exact reading, line lookups, edits and their checks, masking."""

from __future__ import annotations

import math
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.corpus import corpus_case, corpus_id, corpus_params
from wizard.base.errors import ConfigError, EditError
from wizard.base.model import Edit, RemoveKey, SetValue
from wizard.runner.reading import find_key, iter_runners
from wizard.tomlfile.diffs import masked_diff
from wizard.tomlfile.document import ConfigDocument, load_config, parse_config, parse_text
from wizard.tomlfile.edits import apply_edits
from wizard.tomlfile.rendering import render_value
from wizard.tomlfile.same_value import same_value

CORPUS_PARAMS = [pytest.param(path, id=corpus_id(path)) for path in corpus_params()]


def doc(text: str) -> ConfigDocument:
    return parse_config(text.encode("utf-8"))


def edited(text: str, *edits: Edit) -> str:
    return doc(text).with_edits(edits).text


def comment_lines(text: str) -> Counter[str]:
    return Counter(line.strip() for line in text.splitlines() if line.strip().startswith("#"))


# -- reading ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"\xef\xbb\xbfconcurrent = 1\r\n[[runners]]\r\n\tname = 'a'\r\n",
        b"concurrent = 1\n[[runners]]\n  name = 'a'",
        b"",
        b"# only a comment",
        b"a = 1\r\nb = 2\n",
    ],
)
def test_unedited_bytes_come_back_exactly(raw: bytes, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(raw)
    document = load_config(path)
    assert document.to_bytes() == raw
    assert document.dumps().encode("utf-8") == raw
    assert document.bom == raw.startswith(b"\xef\xbb\xbf")
    assert document.disk is not None
    assert document.disk.content == raw


@pytest.mark.parametrize("path", CORPUS_PARAMS)
def test_corpus_round_trip_is_byte_identical(path: Path | None) -> None:
    path = corpus_case(path)
    assert load_config(path).to_bytes() == path.read_bytes()


def _every_key(node: dict[str, Any], table: tuple[str | int, ...] = ()) -> list[Any]:
    found: list[Any] = []
    for key, value in node.items():
        found.append((table, key, value))
        if isinstance(value, dict):
            found += _every_key(value, (*table, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    found += _every_key(item, (*table, key, index))
    return found


@pytest.mark.parametrize("path", CORPUS_PARAMS)
def test_corpus_every_key_has_a_line(path: Path | None) -> None:
    path = corpus_case(path)
    document = load_config(path)
    lines = document.text.splitlines()
    for table, key, value in _every_key(document.data):
        line = document.line_of(table, key)
        assert line is not None, (table, key)
        written = lines[line - 1].casefold()
        is_table = isinstance(value, dict) or (
            isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
        )
        if not is_table:
            assert key.casefold() in written or "{" in written, (table, key, line)


def _hardening_battery(document: ConfigDocument) -> list[Edit]:
    """Edits of the kinds the rules make, for every runner of a file."""
    edits: list[Edit] = [SetValue((), "concurrent", 3)]
    for entry in iter_runners(document.data):
        runner = ("runners", entry.index)
        edits.append(SetValue((*runner, "feature_flags"), "FF_NETWORK_PER_BUILD", True))
        edits.append(SetValue(runner, "output_limit", 8192))
        docker = entry.get("docker")
        if isinstance(docker, dict):
            edits.append(SetValue((*runner, "docker"), "privileged", False))
            dropped = docker.get(find_key(docker, "cap_drop") or "cap_drop", [])
            missing = [cap for cap in ("SETUID", "SETGID") if cap not in dropped]
            edits.append(SetValue((*runner, "docker"), "cap_drop", [*dropped, *missing]))
        if isinstance(entry.get("machine"), dict):
            edits.append(SetValue((*runner, "machine"), "MaxBuilds", 1))
    return edits


@pytest.mark.parametrize("path", CORPUS_PARAMS)
def test_corpus_edits_keep_comments_and_converge(path: Path | None) -> None:
    path = corpus_case(path)
    document = load_config(path)
    edits = _hardening_battery(document)
    after = document.with_edits(edits)
    assert same_value(tomllib.loads(after.text), apply_edits(document.data, edits))
    assert not comment_lines(document.text) - comment_lines(after.text)
    assert after.to_bytes().startswith(b"\xef\xbb\xbf") == document.bom
    assert after.text.endswith("\n") == document.text.endswith("\n")
    if document.newline == "\r\n":
        assert after.text.count("\n") == after.text.count("\r\n")
    again = parse_config(after.to_bytes()).with_edits(edits)
    assert again.text == after.text


# -- parse errors ----------------------------------------------------------------------


def test_invalid_toml_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("concurrent = 1\n[[runners]]\n  name = \n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    error = caught.value
    assert (error.line, error.column) == (3, 10)
    assert str(error).startswith(f"{path}:3:10: invalid TOML")
    assert "(at line" not in str(error), "the position is said once, up front"


def test_invalid_toml_at_end_of_file() -> None:
    with pytest.raises(ConfigError, match="at end of file"):
        parse_text('a = "unterminated', Path("c.toml"))


def test_not_utf8_names_the_offset() -> None:
    with pytest.raises(ConfigError, match=r"not UTF-8 text \(bad byte at offset 5\)"):
        parse_config(b"a = '\xff'\n", Path("c.toml"))


# -- line lookups ----------------------------------------------------------------------

LOOKUP = """\
concurrent = 1
[[runners]]
  name = "a"
  docker.privileged = true
  cache = { Type = "s3", s3 = { Insecure = false } }
  [runners.machine]
    MaxBuilds = 10
    [[runners.machine.autoscaling]]
      IdleCount = 1
[[runners]]
  Name = "b"
"""


@pytest.mark.parametrize(
    ("table", "key", "line"),
    [
        ((), "concurrent", 1),
        (("runners", 0), "name", 3),
        (("runners", 0, "docker"), "privileged", 4),
        (("runners", 0), "docker", 4),
        (("runners", 0, "cache"), "Type", 5),
        (("runners", 0, "cache", "s3"), "Insecure", 5),
        (("runners", 0, "machine"), "maxbuilds", 7),
        (("runners", 0), "machine", 6),
        (("runners", 0, "machine"), "autoscaling", 8),
        (("runners", 0, "machine", "autoscaling", 0), "IdleCount", 9),
        (("runners", 0, "machine"), "not_written", 6),
        (("runners", 0, "feature_flags"), "FF_X", 2),
        (("runners", 1), "name", 11),
        (("runners", 1), None, 10),
    ],
)
def test_line_of(table: tuple[str | int, ...], key: str | None, line: int) -> None:
    assert doc(LOOKUP).line_of(table, key) == line


def test_line_of_global_key_not_written_is_none() -> None:
    assert doc(LOOKUP).line_of((), "log_level") is None


# -- editing: meaning and checks -------------------------------------------------------


def test_no_edits_returns_the_same_document() -> None:
    document = doc("a = 1\n")
    assert document.with_edits([]) is document


def test_the_last_edit_of_a_key_wins() -> None:
    text = edited("[t]\nk = 1\n", SetValue(("t",), "k", 2), SetValue(("t",), "K", 3))
    assert text == "[t]\nk = 3\n"


def test_setting_true_over_one_is_not_a_no_op() -> None:
    """Python says True == 1; the runner does not accept 1 for a boolean."""
    assert edited("[t]\nprivileged = 1\n", SetValue(("t",), "privileged", True)) == (
        "[t]\nprivileged = true\n"
    )
    assert edited("x = 1\n", SetValue((), "x", 1.0)) == "x = 1.0\n"


def test_a_file_with_nan_can_still_be_edited() -> None:
    assert edited("x = nan\ny = 1\n", SetValue((), "y", 2)) == "x = nan\ny = 2\n"


def test_remove_of_a_missing_key_or_table_changes_nothing() -> None:
    text = "[[runners]]\n  name = 'a'\n  docker = { image = 'x' }\n"
    document = doc(text)
    edits = [
        RemoveKey(("runners", 0), "nope"),
        RemoveKey(("runners", 0, "cache"), "Type"),
        RemoveKey(("runners", 0, "docker", "inner"), "x"),
    ]
    assert document.with_edits(edits).text == text


def test_a_new_table_under_dotted_keys_is_refused_not_guessed() -> None:
    with pytest.raises(EditError, match="dotted keys"):
        edited(
            "[[runners]]\n  docker.image = 'x'\n",
            SetValue(("runners", 0, "docker", "sub"), "k", 1),
        )


def test_an_edit_for_a_runner_that_is_not_there_is_refused() -> None:
    with pytest.raises(EditError, match=r"no \[\[runners\]\] entry"):
        edited("[[runners]]\n  name = 'a'\n", SetValue(("runners", 3), "limit", 1))


def test_edit_error_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[[runners]]\n  docker.image = 'x'\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path).with_edits([SetValue(("runners", 0, "docker", "x"), "k", 1)])
    assert str(caught.value).startswith(str(path))


def test_the_check_refuses_text_that_does_not_mean_the_edits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The re-parse is the safety net: a wrong splice must never reach the disk."""
    from wizard.tomlfile import in_place

    monkeypatch.setattr(in_place, "render_value", lambda value, quote='"': "99")
    with pytest.raises(EditError, match="change more than intended"):
        edited("[t]\nk = 1\n", SetValue(("t",), "k", 2))
    monkeypatch.setattr(in_place, "render_value", lambda value, quote='"': "[")
    with pytest.raises(EditError, match="invalid TOML"):
        edited("[t]\nk = 1\n", SetValue(("t",), "k", 2))


def test_edits_do_not_touch_the_original_document() -> None:
    document = doc("[t]\nk = 1\n")
    document.with_edits([SetValue(("t",), "k", 2)])
    assert document.text == "[t]\nk = 1\n"
    assert document.data == {"t": {"k": 1}}


def test_with_edits_keeps_path_bom_and_disk_fingerprint(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbfa = 1\n")
    before = load_config(path)
    after = before.with_edits([SetValue((), "a", 2)])
    assert after.path == path
    assert after.disk == before.disk
    assert after.to_bytes() == b"\xef\xbb\xbfa = 2\n"


# -- rendering values ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "quote", "rendered"),
    [
        (True, '"', "true"),
        (0, '"', "0"),
        (1.5, '"', "1.5"),
        ("plain", '"', '"plain"'),
        ("plain", "'", "'plain'"),
        ("it's", "'", '"it\'s"'),
        ('say "hi"', '"', '"say \\"hi\\""'),
        ("C:\\path", "'", "'C:\\path'"),
        ("tab\there", "'", '"tab\\there"'),
        (["a", 1], "'", "['a', 1]"),
        ({"a": 1, "b c": "x"}, '"', '{ a = 1, "b c" = "x" }'),
        ({}, '"', "{}"),
    ],
)
def test_render_value(value: Any, quote: str, rendered: str) -> None:
    assert render_value(value, quote) == rendered
    assert tomllib.loads(f"v = {rendered}")["v"] == value


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        (1, True, False),
        (1, 1.0, False),
        ([1], [True], False),
        ({"a": 0}, {"a": False}, False),
        (math.nan, math.nan, True),
        ({"a": [1, {"b": "c"}]}, {"a": [1, {"b": "c"}]}, True),
        ({"a": 1}, {"a": 1, "b": 2}, False),
    ],
)
def test_same_value_compares_like_toml(left: Any, right: Any, same: bool) -> None:
    assert same_value(left, right) is same


# -- secrets ---------------------------------------------------------------------------

SECRETS = {
    "token": "glrt-RUNNERTOKEN0123456789abcd",
    "access": "AKIAEXAMPLEACCESS0001",
    "secret": "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
    "password": "correct-horse-battery-staple",
    "machine": "MACHINESECRETVALUE0123456789",
    "bearer": "eyJhbGciOiJSUzI1NiIsImtpZCI6IkJFQVJFUiJ9",
    "legacy": "abcdefghij0123456789",
    "inline": "inlinepassword0001xyz",
    "multiline": "multilinesecretvalue0001",
    "url": "s3cr3tpassw0rdInUrl",
}

SECRET_CONFIG = f"""\
concurrent = 1
[[runners]]
  name = "secrets"
  url = "https://gitlab.example.com"
  token = "{SECRETS["token"]}"
  executor = "docker+machine"
  [runners.cache]
    Type = "s3"
    [runners.cache.s3]
      ServerAddress = "s3.example.com"
      AccessKey = "{SECRETS["access"]}"
      SecretKey = "{SECRETS["secret"]}"
  [runners.ssh]
    user = "ci"
    password = '{SECRETS["password"]}'
  [runners.machine]
    MachineDriver = "amazonec2"
    MachineOptions = [
      "amazonec2-region=eu-west-1",
      "amazonec2-secret-key={SECRETS["machine"]}",
    ]
  [runners.kubernetes]
    host = "https://k8s.example.com"
    bearer_token = "{SECRETS["bearer"]}"
[[runners]]
  name = "legacy"
  token = "{SECRETS["legacy"]}"
  executor = "shell"
  cache = {{ Type = "s3", s3 = {{ SecretKey = "{SECRETS["inline"]}" }} }}
  clone_url = "https://deploy:{SECRETS["url"]}@gitlab.example.com"
  [runners.custom]
    password = \"\"\"
{SECRETS["multiline"]}
\"\"\"
"""

EDITS_NEXT_TO_SECRETS: list[Edit] = [
    SetValue(("runners", 0), "url", "https://gitlab.example.org"),
    SetValue(("runners", 0, "cache", "s3"), "ServerAddress", "s3.example.org"),
    SetValue(("runners", 0, "ssh"), "user", "runner"),
    SetValue(
        ("runners", 0, "machine"),
        "MachineOptions",
        [
            "amazonec2-region=eu-west-1",
            f"amazonec2-secret-key={SECRETS['machine']}",
            "amazonec2-use-private-address=true",
        ],
    ),
    SetValue(("runners", 0, "kubernetes"), "host", "https://k8s.example.org"),
    SetValue(("runners", 1, "cache"), "Shared", False),
    SetValue(("runners", 1), "limit", 1),
]


def assert_no_secret(output: str) -> None:
    for name, secret in SECRETS.items():
        assert secret not in output, f"{name} secret leaked"
        assert secret[:12] not in output, f"{name} secret leaked in part"


def test_masked_text_hides_every_secret() -> None:
    masked = doc(SECRET_CONFIG).masked_text()
    assert_no_secret(masked)
    assert 'token = "glrt-…abcd"' in masked, "the kind and last four stay, to tell tokens apart"
    assert masked.count("\n") == SECRET_CONFIG.count("\n"), "line numbers still match the file"


def test_masked_diff_with_edits_beside_every_secret() -> None:
    before = doc(SECRET_CONFIG)
    after = before.with_edits(EDITS_NEXT_TO_SECRETS)
    diff = masked_diff(before, after, label="config.toml")
    assert '+  url = "https://gitlab.example.org"' in diff
    assert "amazonec2-use-private-address=true" in diff
    assert "+    Shared = false" not in diff  # inline, so the whole cache line changes
    assert "Shared = false" in diff
    assert_no_secret(diff)


def test_masked_diff_when_the_secret_itself_changes() -> None:
    before = doc(SECRET_CONFIG)
    new_token = "glrt-ROTATEDTOKEN9876543210wxyz"
    after = before.with_edits([SetValue(("runners", 0), "token", new_token)])
    diff = masked_diff(before, after)
    assert diff
    assert new_token not in diff
    assert new_token[:14] not in diff
    assert_no_secret(diff)
    assert '-  token = "glrt-…abcd"' in diff
    assert '+  token = "glrt-…wxyz"' in diff


def test_masked_diff_is_empty_without_change_and_has_no_carriage_returns() -> None:
    before = doc(SECRET_CONFIG.replace("\n", "\r\n"))
    assert masked_diff(before, before) == ""
    after = before.with_edits([SetValue(("runners", 0), "limit", 2)])
    diff = masked_diff(before, after, label="c.toml")
    assert "\r" not in diff
    assert diff.startswith("--- c.toml (current)\n+++ c.toml (hardened)\n")
    assert after.text.count("\n") == after.text.count("\r\n"), "the file itself stays CRLF"


def test_masked_diff_counts_lines_as_toml_does() -> None:
    """U+2028 inside a string is not a line break; the hunk must name the right line."""
    before = doc('a = "x\u2028y"\nb = 1\nc = 2\n')
    after = before.with_edits([SetValue((), "c", 3)])
    diff = masked_diff(before, after, label="c.toml")
    assert "@@ -1,3 +1,3 @@" in diff
    assert diff.endswith("+c = 3\n")


def test_line_of_an_implicit_table_names_its_first_sub_table() -> None:
    document = doc("[[runners]]\n  name = 'a'\n  [runners.cache.s3]\n    Insecure = false\n")
    assert document.line_of(("runners", 0), "cache") == 3
    assert doc("[a.b]\nc = 1\n").line_of((), "a") == 1


def test_with_new_runner_in_an_empty_file_starts_like_register() -> None:
    from wizard.base.model import Executor, RunnerIdentity

    identity = RunnerIdentity(name="n", url="https://gitlab.example.com", token="")
    after = doc("").with_new_runner(identity, Executor.DOCKER)
    assert after.text.startswith("concurrent = 1\ncheck_interval = 0\n")
    assert after.data["runners"] == [
        {"name": "n", "url": "https://gitlab.example.com", "token": "", "executor": "docker"}
    ]
    assert "# paste the runner authentication token" in after.text


def test_with_new_runner_follows_the_file_style() -> None:
    from wizard.base.model import RunnerIdentity

    raw = b"\xef\xbb\xbfconcurrent = 1\r\n\r\n[[runners]]\r\n\tname = 'a'"
    identity = RunnerIdentity(name="b", url="https://g.example", token="glrt-NEWTOKEN0123456789ab")
    after = parse_config(raw).with_new_runner(identity)
    produced = after.to_bytes()
    assert produced.startswith(raw + b"\r\n\r\n[[runners]]\r\n\tname = 'b'\r\n")
    assert produced.count(b"\n") == produced.count(b"\r\n")
    assert [r["name"] for r in after.data["runners"]] == ["a", "b"]
    assert "NEWTOKEN0123456789ab" not in after.masked_text()


def test_new_runner_keeps_the_blank_line_the_file_puts_above_its_runners() -> None:
    """A file whose runner sits under a comment after a blank line (the register template
    with a heading comment) spaces its entries with a blank line: the new one must too."""
    from wizard.base.model import RunnerIdentity

    text = (
        'concurrent = 1\n\n# Runner configuration\n[[runners]]\n  name = "a"\n'
        '  url = "https://g.example"\n  token = "t"\n  executor = "shell"\n'
    )
    identity = RunnerIdentity(name="b", url="https://g.example", token="glrt-NEW0123456789abcdef")
    after = doc(text).with_new_runner(identity)
    assert after.text == text + (
        '\n[[runners]]\n  name = "b"\n  url = "https://g.example"\n'
        '  token = "glrt-NEW0123456789abcdef"\n'
    )
    # A file that writes its runners without blank lines keeps doing so.
    tight = 'concurrent = 1\n[[runners]]\n  name = "a"\n[[runners]]\n  name = "c"\n'
    assert doc(tight).with_new_runner(identity).text.startswith(tight + "[[runners]]\n")
