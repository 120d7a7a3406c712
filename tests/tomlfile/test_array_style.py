"""Removing array items keeps the array's own style and every comment.

A removed item's trailing comment stays as a comment line at the item's
indentation (a removed key already kept its comment), and a wrapped array
whose last item goes keeps its wrapping and its ``]`` where it was.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.base.model import SetValue, TomlValue
from wizard.tomlfile.document import parse_config

TABLE = ("runners", 0, "docker")


def edit(text: str, volumes: list[str]) -> str:
    document = parse_config(text.encode())
    value: list[TomlValue] = list(volumes)
    return document.with_edits([SetValue(TABLE, "volumes", value)]).text


def wrap(volumes: str) -> str:
    return (
        f'[[runners]]\n  name = "r"\n  [runners.docker]\n    volumes = {volumes}\n    image = "a"\n'
    )


def test_a_removed_items_comment_stays_as_a_comment_line() -> None:
    before = wrap(
        '[\n      "/cache",\n'
        '      "/var/run/docker.sock:/var/run/docker.sock",  # release job needs it, see OPS-1234\n'
        '      "/builds",\n    ]'
    )
    after = edit(before, ["/cache", "/builds"])
    assert after == wrap(
        '[\n      "/cache",\n      # release job needs it, see OPS-1234\n      "/builds",\n    ]'
    )


def test_a_wrapped_array_keeps_its_layout_when_its_last_item_goes() -> None:
    before = wrap('["/cache",\n        "/a",\n        "/var/run/docker.sock:/var/run/docker.sock"]')
    after = edit(before, ["/cache", "/a"])
    assert after == wrap('["/cache",\n        "/a"]')


def test_crlf_is_kept_on_the_comment_line() -> None:
    before = wrap('[\n      "/cache",\n      "/x",  # why\n    ]').replace("\n", "\r\n")
    after = edit(before, ["/cache"])
    assert after == wrap('[\n      "/cache",\n      # why\n    ]').replace("\n", "\r\n")


ITEMS = [f"/v{i}" for i in range(6)]


@settings(max_examples=150, deadline=None)
@given(
    keep=st.lists(st.booleans(), min_size=6, max_size=6),
    comments=st.lists(st.booleans(), min_size=6, max_size=6),
    trailing_comma=st.booleans(),
    close_on_own_line=st.booleans(),
    indent=st.sampled_from(["  ", "    ", "\t"]),
)
def test_any_removal_keeps_every_comment_and_the_layout(
    keep: list[bool],
    comments: list[bool],
    trailing_comma: bool,
    close_on_own_line: bool,
    indent: str,
) -> None:
    lines = []
    for index, item in enumerate(ITEMS):
        last = index == len(ITEMS) - 1
        comma = "," if not last or trailing_comma else ""
        note = f"  # note {index}" if comments[index] else ""
        if last and not close_on_own_line:
            note = ""  # a comment there would swallow the ]
        lines.append(f'{indent}"{item}"{comma}{note}')
    close = "\n]" if close_on_own_line else "]"
    before = wrap("[\n" + "\n".join(lines) + close)
    wanted = [item for item, kept in zip(ITEMS, keep, strict=True) if kept]
    after = edit(before, wanted)
    for index in range(len(ITEMS)):
        if comments[index] and (close_on_own_line or index < len(ITEMS) - 1):
            assert f"# note {index}" in after
    assert after.count("]") == before.count("]")
    if not close_on_own_line and wanted:
        # After the last item, or, where a comment stays in between, in the place
        # of the first removed item.
        assert re.search(r'"[^"\n]*",?\]', after) or re.search(f"\n{indent}\\]", after)
    if not close_on_own_line and wanted and not any(comments[ITEMS.index(wanted[-1]) :]):
        assert re.search(r'"[^"\n]*",?\]', after), "the ] stays after the last item"
    if close_on_own_line:
        assert "\n]" in after, "the ] stays on its own line"
