"""The review diff: a correct unified diff, cut at runner entries so it stays linear."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.tomlfile.diffs import masked_diff
from wizard.tomlfile.document import parse_config

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$")


def apply_unified(old: list[str], diff: str) -> list[str]:
    """Apply a unified diff strictly: context and removed lines must match exactly."""
    lines = diff.splitlines(keepends=True)[2:]
    result: list[str] = []
    cursor = 0
    position = 0
    while position < len(lines):
        header = _HUNK.match(lines[position].rstrip("\n"))
        assert header, lines[position]
        start = int(header.group(1)) - (0 if header.group(2) != "0" else -1)
        result += old[cursor : start - 1]
        cursor = start - 1
        position += 1
        while position < len(lines) and not lines[position].startswith("@@"):
            mark, text = lines[position][0], lines[position][1:]
            if mark in " -":
                assert old[cursor] == text, (cursor, old[cursor], text)
                cursor += 1
            if mark in " +":
                result.append(text)
            position += 1
    return result + old[cursor:]


def runner(name: str, privileged: bool, extra: list[str]) -> str:
    body = "".join(f"    {line}\n" for line in extra)
    return (
        f'[[runners]]\n  name = "{name}"\n  executor = "docker"\n'
        f"  [runners.docker]\n    privileged = {str(privileged).lower()}\n{body}"
    )


lines_strategy = st.lists(
    st.sampled_from(['image = "alpine"', "cap_drop = []", "# keep me", "shm_size = 0"]),
    max_size=4,
    unique=True,
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), st.booleans(), lines_strategy, lines_strategy), min_size=1)
)
def test_the_diff_applies_exactly(
    entries: list[tuple[bool, bool, list[str], list[str]]],
) -> None:
    before = "concurrent = 1\n\n" + "\n".join(
        runner(f"r{i}", old, extra_old) for i, (old, _new, extra_old, _e) in enumerate(entries)
    )
    after = "concurrent = 1\n\n" + "\n".join(
        runner(f"r{i}", new, extra_new) for i, (_old, new, _e, extra_new) in enumerate(entries)
    )
    old_doc, new_doc = parse_config(before.encode()), parse_config(after.encode())
    diff = masked_diff(old_doc, new_doc, label="c")
    if before == after:
        assert diff == ""
        return
    old_lines = before.splitlines(keepends=True)
    assert apply_unified(old_lines, diff) == after.splitlines(keepends=True)


def test_a_new_runner_at_the_end_is_one_added_block() -> None:
    before = parse_config(runner("a", True, []).encode())
    after = parse_config((runner("a", True, []) + "\n" + runner("b", False, [])).encode())
    diff = masked_diff(before, after, label="c")
    assert diff.count("@@") == 2
    changes = [line for line in diff.splitlines()[3:] if not line.startswith(" ")]
    assert changes == [
        "+",
        "+[[runners]]",
        '+  name = "b"',
        '+  executor = "docker"',
        "+  [runners.docker]",
        "+    privileged = false",
    ]


def test_tokens_never_appear_in_the_diff() -> None:
    text = 'token = "glrt-0123456789abcdefghij"\nconcurrent = 1\n'
    diff = masked_diff(
        parse_config(text.encode()), parse_config(text.replace("= 1", "= 2").encode())
    )
    assert "0123456789abcdefghij" not in diff
    assert "+concurrent = 2" in diff
