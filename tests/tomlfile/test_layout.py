"""The statement map: spans, lines and concrete table paths the editor splices by."""

from __future__ import annotations

import json
import re
import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wizard.tomlfile.layout import Statement, detect_newline, fold, scan


def keys_by_path(text: str) -> dict[tuple[object, ...], Statement]:
    return {
        (*statement.path, *statement.keys): statement
        for statement in scan(text).statements
        if statement.kind == "key"
    }


def test_runner_entries_and_their_sub_tables_get_concrete_indices() -> None:
    text = (
        "[[runners]]\n  name = 'a'\n  [runners.docker]\n    image = 'x'\n"
        "[[runners]]\n  name = 'b'\n  [runners.docker]\n    image = 'y'\n"
    )
    headers = [(s.kind, s.path) for s in scan(text).headers()]
    assert headers == [
        ("array-table", ("runners", 0)),
        ("table", ("runners", 0, "docker")),
        ("array-table", ("runners", 1)),
        ("table", ("runners", 1, "docker")),
    ]
    keys = keys_by_path(text)
    assert keys[("runners", 1, "docker", "image")].line == 8


def test_nested_arrays_of_tables_count_per_parent_entry() -> None:
    text = (
        "[[runners]]\n[runners.machine]\n[[runners.machine.autoscaling]]\nIdleCount = 1\n"
        "[[runners.machine.autoscaling]]\nIdleCount = 2\n"
        "[[runners]]\n[runners.machine]\n[[runners.machine.autoscaling]]\nIdleCount = 3\n"
    )
    keys = keys_by_path(text)
    assert keys[("runners", 0, "machine", "autoscaling", 0, "IdleCount")].line == 4
    assert keys[("runners", 0, "machine", "autoscaling", 1, "IdleCount")].line == 6
    # The second runner's autoscaling count must not continue from the first runner's.
    assert ("runners", 1, "machine", "autoscaling", 0, "IdleCount") in keys


def test_header_names_fold_case_like_the_runner_does() -> None:
    layout = scan("[[Runners]]\n  [Runners.Docker]\n    Privileged = true\n")
    assert [s.path for s in layout.headers()] == [("runners", 0), ("runners", 0, "docker")]
    key = layout.statements[-1]
    assert key.keys == ("Privileged",), "key spelling is kept for the editor to reuse"


def test_spans_cover_exactly_the_statement_and_its_line() -> None:
    text = "a = 1\n  b = 'two' # note\r\n[t]\nc = [1, 2]"
    layout = scan(text)
    a, b, header, c = layout.statements
    assert text[a.line_start : a.end] == "a = 1\n"
    assert text[b.line_start : b.end] == "  b = 'two' # note\r\n"
    assert b.indent == "  "
    assert text[b.value_start : b.value_end] == "'two'"
    assert text[header.start : header.end] == "[t]\n"
    assert text[c.value_start : c.value_end] == "[1, 2]"
    assert c.end == len(text), "the last statement runs to the end of a file without newline"
    assert [s.line for s in layout.statements] == [1, 2, 3, 4]


def test_tab_indentation_is_recorded() -> None:
    text = "[[runners]]\n\tname = 'x'\n\t[runners.docker]\n\t\timage = 'y'\n"
    indents = [s.indent for s in scan(text).statements]
    assert indents == ["", "\t", "\t", "\t\t"]


def test_array_layout_knows_items_trailing_comma_and_close() -> None:
    text = 'cap_drop = [\n  "NET_RAW", # why\n  # a comment line\n  "SETUID",\n]\n'
    statement = scan(text).statements[0]
    assert statement.array is not None
    items = [text[start:end] for start, end in statement.array.items]
    assert items == ['"NET_RAW"', '"SETUID"']
    assert statement.array.trailing_comma
    assert text[statement.array.close] == "]"
    assert text[statement.value_start : statement.value_end].endswith("]")


def test_array_without_trailing_comma() -> None:
    statement = scan("v = [ 'a', 'b' ]\n").statements[0]
    assert statement.array is not None
    assert not statement.array.trailing_comma
    assert len(statement.array.items) == 2


@pytest.mark.parametrize(
    ("value", "rest"),
    [
        ('"""\n[not.a.header]\nx = "y" # no comment\n"""', ""),
        ("'''\n[[runners]]\n'''", " # after"),
        ('"a \\" # still a string"', ""),
        ('"""ends with quotes"""""', ""),
        ("{ image = 'x', volumes = ['/a', '/b'], inner = { deep = 1 } }", " # c"),
        ("1979-05-27 07:32:00Z", ""),
        ("1979-05-27T07:32:00", " # c"),
        ("0xdead_beef", ""),
        ("[[1, 2], ['a'], [{ x = 1 }]]", ""),
        ("+inf", ""),
    ],
)
def test_values_end_where_tomllib_says(value: str, rest: str) -> None:
    text = f"first = {value}{rest}\nsecond = 2\n"
    tomllib.loads(text)  # the fixture must be valid TOML itself
    first, second = scan(text).statements
    assert text[first.value_start : first.value_end] == value
    assert second.keys == ("second",)
    assert second.line == text.count("\n", 0, second.start) + 1


def test_quoted_and_dotted_keys() -> None:
    text = '[[runners]]\n  docker.privileged = true\n  "na\\u006de" = "x"\n  \'lit.key\' = 1\n'
    keys = [s.keys for s in scan(text).statements if s.kind == "key"]
    assert keys == [("docker", "privileged"), ("name",), ("lit.key",)]


def test_header_with_spaces_and_comment() -> None:
    text = "[[ runners ]] # c\n[ runners . docker ] # c\nx = 1\n"
    tomllib.loads(text)
    layout = scan(text)
    assert [s.path for s in layout.headers()] == [("runners", 0), ("runners", 0, "docker")]
    assert layout.statements[1].keys == ("runners", "docker")
    assert layout.statements[2].path == ("runners", 0, "docker")


def test_comments_and_blank_lines_are_not_statements() -> None:
    text = "# top\n\n   # indented\n\t\na = 1\n"
    layout = scan(text)
    assert [s.keys for s in layout.statements] == [("a",)]
    assert layout.statements[0].line == 5


def test_line_at_counts_lines_from_one() -> None:
    layout = scan("a = 1\nb = 2\n")
    assert layout.line_at(0) == 1
    assert layout.line_at(6) == 2


@pytest.mark.parametrize(
    ("text", "newline"),
    [("a = 1\r\nb = 2\r\n", "\r\n"), ("a = 1\nb = 2\r\n", "\n"), ("a = 1", "\n"), ("", "\n")],
)
def test_detect_newline_follows_the_first_line(text: str, newline: str) -> None:
    assert detect_newline(text) == newline


def test_fold_leaves_indices_alone() -> None:
    assert fold(("Runners", 2, "Docker")) == ("runners", 2, "docker")


@pytest.mark.parametrize(
    "key",
    ['"\\u4e2d\\u6587"', '"\\U0001F600"', '"tab\\there"', '"quote\\"d"', '"back\\\\slash"', '"é"'],
)
def test_quoted_key_escapes_resolve_like_tomllib(key: str) -> None:
    text = f"{key} = 1\n"
    (expected,) = tomllib.loads(text)
    assert scan(text).statements[0].keys == (expected,)


@given(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=8),
    st.booleans(),
)
def test_any_quoted_key_resolves_like_tomllib(name: str, escape_all: bool) -> None:
    # A JSON string is a TOML basic string, except that TOML has no surrogate pairs.
    escaped = json.dumps(name, ensure_ascii=escape_all)
    rendered = re.sub(
        r"\\ud[89ab][0-9a-f]{2}\\ud[c-f][0-9a-f]{2}",
        lambda m: f"\\U{ord(json.loads(chr(34) + m.group(0) + chr(34))):08X}",
        escaped,
    )
    text = f"[t]\n{rendered} = 1\n"
    (expected,) = tomllib.loads(text)["t"]
    key = scan(text).statements[1]
    assert key.keys == (expected,)
    assert key.path == ("t",)


def _mapped(text: str, *, quick: bool) -> list[tuple[object, ...]]:
    return [
        (s.kind, s.line_start, s.start, s.end, s.line, s.indent, s.keys, s.path)
        + (s.value_start, s.value_end)
        + ((s.array.items, s.array.trailing_comma, s.array.close) if s.array else ())
        for s in scan(text, quick=quick).statements
    ]


TRICKY_LINES = [
    'a = "x" # c',
    "a = 'x'#c",
    'a = ""',
    "a = ''",
    'a = """x"""',
    'a = """\nx = 1\n"""',
    "a = '''x'''",
    'a = "\\"" # "quoted"',
    "a = 1979-05-27 07:32:00Z",
    "a = 1979-05-27",
    "a = -inf",
    "a = [1, 2] # c",
    "a = { b = 1 }",
    "a.b = 1",
    '"a b" = 1',
    "[t] # c",
    "[ t . u ]",
    '[t."u v"]',
    "[[r]]",
    "[[ r ]] # c",
    "  [[r.s]]",
    "\ta = true",
    "# just a comment",
    "",
    "   ",
]


@given(
    st.lists(st.sampled_from(TRICKY_LINES), min_size=1, max_size=12),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)
def test_quick_scan_maps_like_the_character_scanner(
    lines: list[str], newline: str, final_newline: bool
) -> None:
    """The regex fast path for ordinary lines must not change a single span."""
    text = newline.join(lines) + (newline if final_newline else "")
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return  # scan only reads what tomllib accepted (duplicate keys and tables)
    assert _mapped(text, quick=True) == _mapped(text, quick=False)
