"""A few runners of a big file, edited on their own and put back.

The wizard previews the file after every answer, and an answer touches one
runner. On a fleet of thousands, parsing, checking, auditing and diffing the
whole text each time takes seconds. An excerpt keeps the global settings, the
runners being edited, two on each side of them and the first and last two
whole, and stands in for every other runner with its ``[[runners]]`` header
line alone, so every runner keeps its number. Edits are planned (in the whole
file's style), checked, audited and diffed on that small text; then the other
runners' text is put back, and lines are mapped to the whole file's.

A file whose runners are not each written in one stretch (a ``[runners.docker]``
after a global table, runners as an inline array) gets no excerpt; the caller
then works on the whole file.
"""

from __future__ import annotations

import bisect
import tomllib
from dataclasses import dataclass, replace
from functools import cached_property

from wizard.tomlfile.document import PINNED_STYLE, ConfigDocument
from wizard.tomlfile.layout import Layout
from wizard.tomlfile.style import FileStyle

NEIGHBOURS = 2
"""Runners kept whole on each side of an edited one: a diff's context (two
lines) then never reaches a runner that stands in by its header alone."""


@dataclass(frozen=True)
class Pieces:
    """A text cut at its runners: gap 0, runner 0, gap 1, ..., runner n-1, gap n.

    A gap holds global settings (usually only before the first runner); a
    runner's piece runs from its header to the next statement not in it.
    """

    text: str
    spans: tuple[tuple[int, int], ...]
    """``2n + 1`` spans: even positions are gaps, odd ones runners."""
    headers: tuple[tuple[int, int], ...]
    """Each runner's header line (with its line ending)."""

    @property
    def runners(self) -> int:
        return len(self.headers)

    def piece(self, position: int) -> str:
        start, end = self.spans[position]
        return self.text[start:end]

    @cached_property
    def line_counts(self) -> tuple[int, ...]:
        return tuple(self.text.count("\n", start, end) for start, end in self.spans)


def cut(text: str, layout: Layout) -> Pieces | None:
    """The pieces of ``text``, or ``None`` when a runner is not written in one stretch."""
    owners: list[int | None] = []
    for statement in layout.statements:
        path = statement.path
        if len(path) >= 2 and path[0] == "runners" and isinstance(path[1], int):
            owners.append(path[1])
        elif statement.kind == "key" and not path and statement.keys[0].casefold() == "runners":
            return None  # runners = [...] written inline
        else:
            owners.append(None)
    spans: list[tuple[int, int]] = []
    headers: list[tuple[int, int]] = []
    gap_start = 0
    statements = layout.statements
    position = 0
    while position < len(statements):
        owner = owners[position]
        if owner is None:
            position += 1
            continue
        header = statements[position]
        if owner != len(headers) or header.kind != "array-table" or len(header.path) != 2:
            return None  # out of order, or a runner's table before its header
        while position < len(statements) and owners[position] == owner:
            position += 1
        end = statements[position].line_start if position < len(statements) else len(text)
        spans += [(gap_start, header.line_start), (header.line_start, end)]
        headers.append((header.line_start, header.end))
        gap_start = end
    spans.append((gap_start, len(text)))
    return Pieces(text, tuple(spans), tuple(headers))


@dataclass(frozen=True)
class Excerpt:
    """The small document edited in place of the whole one, and how to put it back."""

    whole: ConfigDocument
    pieces: Pieces
    kept: frozenset[int]
    """Runners written whole in the excerpt; the others stand in by their header line."""
    document: ConfigDocument

    @classmethod
    def of(
        cls, whole: ConfigDocument, pieces: Pieces, runners: list[int], style: FileStyle
    ) -> Excerpt | None:
        """The excerpt for editing ``runners``; ``style`` is the whole file's."""
        count = pieces.runners
        around = {0, 1, count - 2, count - 1}
        for index in runners:
            around.update(range(index - NEIGHBOURS, index + NEIGHBOURS + 1))
        for gap in range(1, count):  # global settings between two runners
            if pieces.spans[2 * gap][0] != pieces.spans[2 * gap][1]:
                around.update(range(gap - NEIGHBOURS, gap + NEIGHBOURS))
        kept = frozenset(i for i in around if 0 <= i < count)
        parts = [pieces.piece(0)]
        for index in range(count):
            if index in kept:
                parts.append(pieces.piece(2 * index + 1))
            else:
                start, end = pieces.headers[index]
                parts.append(pieces.text[start:end])
            parts.append(pieces.piece(2 * index + 2))
        text = "".join(parts)
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return None
        document = replace(whole, text=text, data=data, _cache={PINNED_STYLE: style})
        return cls(whole, pieces, kept, document)

    def put_back(self, edited: ConfigDocument) -> Merged | None:
        """The whole file with the excerpt's edits, or ``None`` if they reached past it.

        The edits may change the global settings and the kept runners; a
        runner standing in by its header must come back exactly as it went.
        """
        after = cut(edited.text, edited.layout)
        pieces = self.pieces
        if after is None or after.runners != pieces.runners:
            return None
        parts: list[str] = []
        from_excerpt: list[bool] = []
        for position in range(len(pieces.spans)):
            index = (position - 1) // 2
            if position % 2 and index not in self.kept:
                start, end = pieces.headers[index]
                if after.piece(position) != pieces.text[start:end]:
                    return None
                parts.append(pieces.piece(position))
                from_excerpt.append(False)
            else:
                parts.append(after.piece(position))
                from_excerpt.append(True)
        return Merged("".join(parts), pieces, _excerpt_pieces(self), after, tuple(from_excerpt))


def _excerpt_pieces(excerpt: Excerpt) -> Pieces:
    before = cut(excerpt.document.text, excerpt.document.layout)
    assert before is not None  # made from whole pieces, so it cuts the same way
    return before


@dataclass(frozen=True)
class Merged:
    """The whole edited text, and maps from excerpt lines to whole-file lines."""

    text: str
    whole_before: Pieces
    excerpt_before: Pieces
    excerpt_after: Pieces
    from_excerpt: tuple[bool, ...]
    """Per piece: taken from the edited excerpt (else from the whole file as it was)."""

    @cached_property
    def _starts(self) -> tuple[list[int], list[int], list[int], list[int]]:
        """Line (from 0) where each piece starts: whole before/after, excerpt before/after."""
        whole_before, whole_after, excerpt_before, excerpt_after = [0], [0], [0], [0]
        for position, taken in enumerate(self.from_excerpt):
            before_lines = self.whole_before.line_counts[position]
            after_lines = self.excerpt_after.line_counts[position] if taken else before_lines
            whole_before.append(whole_before[-1] + before_lines)
            whole_after.append(whole_after[-1] + after_lines)
            excerpt_before.append(excerpt_before[-1] + self.excerpt_before.line_counts[position])
            excerpt_after.append(excerpt_after[-1] + self.excerpt_after.line_counts[position])
        return whole_before, whole_after, excerpt_before, excerpt_after

    def old_line(self, line: int) -> int:
        """A line (from 0) of the excerpt before editing, in the whole file before."""
        whole_before, _, excerpt_before, _ = self._starts
        return _mapped(line, excerpt_before, whole_before)

    def new_line(self, line: int) -> int:
        """A line (from 0) of the edited excerpt, in the whole edited file."""
        _, whole_after, _, excerpt_after = self._starts
        return _mapped(line, excerpt_after, whole_after)

    def shifted(self, line: int) -> int:
        """A line (from 0) of the whole file before, in the whole file after.

        Only for lines the edits did not touch (another runner's).
        """
        whole_before, whole_after, _, _ = self._starts
        return _mapped(line, whole_before, whole_after)


def _mapped(line: int, source: list[int], target: list[int]) -> int:
    piece = max(0, min(bisect.bisect_right(source, line) - 1, len(source) - 2))
    return line - source[piece] + target[piece]
