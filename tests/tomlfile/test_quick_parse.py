"""The one-pass reader of plain configs answers only when ``tomllib`` agrees.

Whenever :func:`quick_parse` gives data, ``tomllib`` must accept the text and
give equal data (types included: ``1`` is not ``true``), and the lines must be
the scanner's; whenever ``tomllib`` refuses a text, the reader must too, so a
user always sees ``tomllib``'s error.
"""

from __future__ import annotations

import tomllib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.corpus import require_corpus
from wizard.tomlfile.document import parse_config
from wizard.tomlfile.index import LineIndex
from wizard.tomlfile.layout import scan
from wizard.tomlfile.quick_parse import quick_parse


def _agrees(text: str) -> bool:
    """Whether the reader answered; when it did, it agreed with tomllib and the scanner."""
    got = quick_parse(text)
    try:
        want = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        assert got is None, f"accepted what tomllib refuses: {text!r}"
        return False
    if got is None:
        return False
    data, statements = got
    assert repr(data) == repr(want), text  # repr: types and key order as well
    assert data == want
    lines = LineIndex.of_statements(statements)
    assert lines.as_tuple() == LineIndex.of_layout(scan(text)).as_tuple(), text
    return True


def test_the_corpus_reads_the_same_both_ways() -> None:
    taken = sum(_agrees(path.read_text(encoding="utf-8")) for path in require_corpus())
    assert taken >= 60  # most real configs are plain: this is the path they take


HEADERS = st.sampled_from(
    [
        "[[runners]]",
        "[runners]",
        "[runners.docker]",
        "[ runners . docker ]",
        "[[runners.docker.services]]",
        "[runners.docker.services]",
        "[Runners]",
        "[a.b]",
        "[a]",
        "[[a]]",
        "[[a.b]]",
        "[session_server]  # note",
        '["quoted"]',
        "[1979-05-27]",
        "[a",
        "[a]]",
    ]
)
KEYS = st.sampled_from(["name", "Name", "b", "a", "volumes", "limit", "token_obtained_at", "x-y_z"])
VALUES = st.sampled_from(
    [
        '"alpine:3.20"',
        '""',
        "'it''s'",
        "'C:\\path'",
        '"tab\there"',
        '"esc\\"aped"',
        '"""multi"""',
        "true",
        "false",
        "trueish",
        "0",
        "+0",
        "-0",
        "007",
        "1_000",
        "1__0",
        "1_",
        "99999999999999999999",
        "0x1F",
        "1.5",
        "1e5",
        "inf",
        "2024-01-02T03:04:05Z",
        "2024-01-02 03:04:05.123456789+05:30",
        "0001-01-01T00:00:00Z",
        "2024-13-02T03:04:05Z",
        "2024-02-30T03:04:05Z",
        "2024-01-02T24:00:00Z",
        "2024-01-02T03:04:05+05:75",
        "2024-01-02T03:04:05-23:59",
        "2024-01-02T03:04:05",
        "2024-01-02",
        "[]",
        '["/cache", "/a:/b",]',
        '[\n  "/cache",  # build cache\n  1,\n  true,\n]',
        "[ 1 2 ]",
        "[\n  [1],\n]",
        "[ { a = 1 } ]",
        "{ a = 1 }",
        "[\n  2024-01-02T03:04:05Z , 'x'\n]",
    ]
)
LINES = st.one_of(
    HEADERS,
    st.builds(lambda key, value: f"  {key} = {value}", KEYS, VALUES),
    st.builds(lambda key, value: f"{key}={value}  # note", KEYS, VALUES),
    st.sampled_from(["", "# comment", "   ", "\t# [a]", "a.b = 1", "\x01", "x = 1\x7f"]),
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(LINES, min_size=0, max_size=12),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)
def test_any_text_reads_as_tomllib_reads_it_or_not_at_all(
    lines: list[str], newline: str, final_newline: bool
) -> None:
    _agrees(newline.join(lines) + (newline if final_newline else ""))


def test_a_config_parsed_either_way_is_the_same_document() -> None:
    """The document keeps the lines its quick reading found; they are the scanner's."""
    text = (
        '[[runners]]\n  name = "a"\n  executor = "docker"\n'
        "  [runners.docker]\n    privileged = true\n"
    )
    document = parse_config(text.encode())
    assert document.data == tomllib.loads(text)
    assert document.line_of(("runners", 0, "docker"), "privileged") == 5
    assert document.line_of(("runners", 0), "executor") == 3


def test_a_long_comment_block_is_read_once() -> None:
    """A comment block before a line the reader declines was read again for each of its
    lines (quadratic: a 512 KiB file of ``#`` lines took minutes); now four times the
    lines take about four times as long."""
    import time

    def cost(lines: int) -> float:
        text = "#\n" * lines + "x = 1.5\n"  # a float: declined after the block
        start = time.perf_counter()
        for _ in range(3):
            assert quick_parse(text) is None
        return time.perf_counter() - start

    cost(1000)  # warm up
    assert cost(80_000) < 10 * cost(20_000)
