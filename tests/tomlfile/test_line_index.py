"""An audit finds its lines by looking at line starts where the text allows it; the
scanner that reads every character is the oracle it must agree with."""

from __future__ import annotations

import tomllib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.corpus import require_corpus
from wizard.tomlfile.index import LineIndex
from wizard.tomlfile.layout import quick_statements, scan


def _agrees(text: str) -> bool:
    """Whether the quick path was taken; either way, the lines are the scanner's."""
    quick = LineIndex.of_text(text)
    assert quick.as_tuple() == LineIndex.of_layout(scan(text)).as_tuple(), text
    return quick_statements(text) is not None


def test_every_corpus_config_gets_the_scanners_lines() -> None:
    taken = sum(_agrees(path.read_text(encoding="utf-8")) for path in require_corpus())
    assert taken >= 40  # most real files take the quick path, so it is what is tested


HEADERS = st.sampled_from(
    [
        "[[runners]]",
        "[runners.docker]",
        "[ runners . cache ]  # a note",
        "[runners.cache.s3]",
        "[[runners.docker.services]]",
        "[runners.kubernetes]",
        '["quoted name"]',
        "[a.'b c']",
        "[session_server]",
        "[1979-05-27]",
        "[[2]]",
    ]
)
KEYS = st.sampled_from(
    ["name", "image", "Privileged", "volumes", "a-b_c", '"quoted"', "'lit'", "a.b", "x . y", "1"]
)
VALUES = st.sampled_from(
    [
        '"alpine:3.20"',
        "'literal [x] = y'",
        "true",
        "12",
        "1.5",
        "-0.0",
        "1979-05-27T07:32:00Z",
        '["/cache", "/a:/b"]',
        '[\n  "/cache",  # build cache\n  "FOO=bar",\n]',
        "[\n  [1],\n  [[2]],\n]",
        "[\n  1.5,\n  inf,\n  true,\n]",
        "[\n  { name = 'x' },\n]",
        '"""\nmulti\n[runners]\nkey = 1\n"""',
        "'''\n[x]\n'''",
        '{ a = 1, "b" = [2] }',
        '"say \\"hi\\" = 1"',
    ]
)
LINES = st.one_of(
    HEADERS,
    st.builds(lambda key, value: f"  {key} = {value}", KEYS, VALUES),
    st.sampled_from(["", "# [runners] = 1", "   # k = v", "\t"]),
)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.lists(LINES, min_size=1, max_size=14), st.sampled_from(["\n", "\r\n"]))
def test_any_valid_text_gets_the_scanners_lines(lines: list[str], newline: str) -> None:
    text = newline.join(lines) + newline
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return  # only texts the parser accepted are ever mapped
    _agrees(text)


def test_what_only_the_scanner_reads_right_is_left_to_it() -> None:
    """Multi-line strings, quoted or dotted keys, and an array's items that start with
    ``[`` or look like a header's name: the quick path declines each."""
    for text in (
        'a = """\n[runners]\nb = 1\n"""\n',
        '"quoted" = 1\n',
        "a.b = 1\n",
        "a = [\n  [1],\n]\n",
        "a = [\n  1.5,\n]\n",
        "[1979-05-27]\nb = 1\n",
    ):
        assert quick_statements(text) is None, text
        _agrees(text)
