"""Unified diffs of a config before and after an edit, with every secret masked.

A plain line diff of a whole file grows quadratically with the number of
near-identical ``[[runners]]`` entries, and our edits never move an entry. So
the two texts are cut at their ``[[runners]]`` headers, each pair of pieces is
matched on its own, and the matches are joined into one unified diff.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator

from wizard.base.masking import mask_text
from wizard.base.safe_text import Safe
from wizard.tomlfile.document import ConfigDocument

CONTEXT_LINES = 2


def masked_diff(
    before: ConfigDocument,
    after: ConfigDocument,
    *,
    label: str | None = None,
    old_line: Callable[[int], int] | None = None,
    new_line: Callable[[int], int] | None = None,
) -> Safe:
    """A unified diff with secrets masked; empty when nothing changes.

    Line endings are shown as plain newlines: a CRLF file stays CRLF on disk,
    but a terminal should not be sent carriage returns. ``old_line`` and
    ``new_line`` turn line numbers (from 0) of excerpts into those of the
    whole files, for hunk headers.
    """
    if before.text == after.text and before.dumps() == after.dumps():
        return Safe("")
    name = mask_text(label or (str(before.path) if before.path else "config.toml"))
    old = _lines(before.masked_text())
    new = _lines(after.masked_text())
    out = [f"--- {name} (current)\n", f"+++ {name} (hardened)\n"]
    for group in _grouped(old, new):
        first, last = group[0], group[-1]
        old_start = old_line(first[1]) if old_line else first[1]
        new_start = new_line(first[3]) if new_line else first[3]
        old_range = _range(old_start, old_start + last[2] - first[1])
        new_range = _range(new_start, new_start + last[4] - first[3])
        out.append(f"@@ -{old_range} +{new_range} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [" " + line for line in old[i1:i2]]
                continue
            out += ["-" + line for line in old[i1:i2]]
            out += ["+" + line for line in new[j1:j2]]
    # Both texts are masked (:meth:`ConfigDocument.masked_text`), values by what they hold
    # and every secret read so far by value; the name comes from the command line.
    return Safe("".join(out))


def _lines(text: str) -> list[str]:
    """Lines as TOML counts them: ``str.splitlines`` would also split inside a string
    at characters such as U+0085 or U+2028, shifting every line number after it."""
    pieces = text.split("\n")
    if pieces[-1] == "":
        pieces.pop()  # after the final newline there is no line
    return [line.removesuffix("\r") + "\n" for line in pieces]


def _entry_starts(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if line.lstrip().startswith("[[runners]]")]


def _matching_blocks(old: list[str], new: list[str]) -> list[tuple[int, int, int]]:
    """Matching blocks of the whole texts, found piece by piece."""
    old_cuts, new_cuts = _entry_starts(old), _entry_starts(new)
    shared = min(len(old_cuts), len(new_cuts))
    old_bounds = [0, *old_cuts[:shared], len(old)]
    new_bounds = [0, *new_cuts[:shared], len(new)]
    blocks: list[tuple[int, int, int]] = []
    for piece in range(len(old_bounds) - 1):
        i0, i1 = old_bounds[piece], old_bounds[piece + 1]
        j0, j1 = new_bounds[piece], new_bounds[piece + 1]
        matcher = difflib.SequenceMatcher(None, old[i0:i1], new[j0:j1], autojunk=False)
        for i, j, size in matcher.get_matching_blocks():
            if not size:
                continue
            if (
                blocks
                and blocks[-1][0] + blocks[-1][2] == i0 + i
                and blocks[-1][1] + blocks[-1][2] == j0 + j
            ):
                # A match running across the cut is one match.
                start_i, start_j, length = blocks.pop()
                blocks.append((start_i, start_j, length + size))
            else:
                blocks.append((i0 + i, j0 + j, size))
    blocks.append((len(old), len(new), 0))
    return blocks


def _opcodes(old: list[str], new: list[str]) -> list[tuple[str, int, int, int, int]]:
    codes: list[tuple[str, int, int, int, int]] = []
    i = j = 0
    for block_i, block_j, size in _matching_blocks(old, new):
        if i < block_i or j < block_j:
            tag = (
                "replace"
                if i < block_i and j < block_j
                else ("delete" if i < block_i else "insert")
            )
            codes.append((tag, i, block_i, j, block_j))
        if size:
            codes.append(("equal", block_i, block_i + size, block_j, block_j + size))
        i, j = block_i + size, block_j + size
    return codes


def _grouped(old: list[str], new: list[str]) -> Iterator[list[tuple[str, int, int, int, int]]]:
    """Changes with CONTEXT_LINES of context, merged where their contexts touch."""
    context = CONTEXT_LINES
    group: list[tuple[str, int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in _opcodes(old, new):
        if tag != "equal":
            group.append((tag, i1, i2, j1, j2))
            continue
        if not group:  # leading context of the first change
            start = max(i1, i2 - context)
            group.append((tag, start, i2, j2 - (i2 - start), j2))
            continue
        if i2 - i1 > 2 * context:
            group.append((tag, i1, i1 + context, j1, j1 + context))
            if any(code[0] != "equal" for code in group):
                yield group
            start = i2 - context
            group = [(tag, start, i2, j2 - context, j2)]
        else:
            group.append((tag, i1, i2, j1, j2))
    if group and any(code[0] != "equal" for code in group):
        while group and group[-1][0] == "equal" and group[-1][2] - group[-1][1] > context:
            tag, i1, _i2, j1, _j2 = group.pop()
            group.append((tag, i1, i1 + context, j1, j1 + context))
        yield group


def _range(start: int, stop: int) -> str:
    """A hunk range in unified-diff form: 1-based start, and the length unless it is 1."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"
