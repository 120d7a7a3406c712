"""How a file writes things: indentation, blank lines and quotes, read from the file itself.

New keys and tables copy what the file does most often, so an edit looks as
if the file's author had written it.
"""

from __future__ import annotations

from collections import Counter

from wizard.tomlfile.layout import Layout, Statement


class FileStyle:
    """How this file writes things: indentation, blank lines, quotes."""

    def __init__(self, text: str, layout: Layout) -> None:
        statements = layout.statements
        self.quote = _dominant_quote(text, statements)
        deltas: Counter[str] = Counter()
        header: Statement | None = None
        self.header_indents: dict[int, Counter[str]] = {}
        blank_before: dict[bool, Counter[bool]] = {True: Counter(), False: Counter()}
        for statement in statements:
            if statement.kind == "key":
                if header is not None and statement.indent.startswith(header.indent):
                    deltas[statement.indent[len(header.indent) :]] += 1
                continue
            header = statement
            depth = sum(1 for part in statement.path if isinstance(part, str))
            self.header_indents.setdefault(depth, Counter())[statement.indent] += 1
            is_runner = statement.kind == "array-table" and depth == 1
            blank_before[is_runner][_preceded_by_blank(text, statement.line_start)] += 1
        # With nothing to copy (a new file), write the runner's own layout: two spaces.
        self.key_delta = deltas.most_common(1)[0][0] if deltas else "  "
        runners = blank_before[True]
        self.blank_before_runner = not runners or runners[True] >= runners[False]
        self.blank_before_subtable = blank_before[False][True] > blank_before[False][False]

    def header_indent(self, depth: int) -> str:
        known = self.header_indents.get(depth)
        if known:
            return known.most_common(1)[0][0]
        if depth <= 1:
            return ""
        parent = self.header_indent(depth - 1)
        if depth >= 3 and {depth - 1, depth - 2} <= self.header_indents.keys():
            # Step one level further the way the file steps between the two above:
            # a file that writes [runners.docker] flush left keeps deeper headers there.
            grand = self.header_indent(depth - 2)
            if parent.startswith(grand):
                return parent + parent[len(grand) :]
        return parent + self.key_delta


def _dominant_quote(text: str, statements: list[Statement]) -> str:
    counts: Counter[str] = Counter()
    for statement in statements:
        if statement.kind == "key" and statement.value_end > statement.value_start:
            first = text[statement.value_start]
            if first in "\"'":
                counts[first] += 1
    return "'" if counts["'"] > counts['"'] else '"'


def _preceded_by_blank(text: str, line_start: int) -> bool:
    if line_start == 0:
        return False
    previous_end = line_start - 1
    if previous_end > 0 and text[previous_end - 1] == "\r":
        previous_end -= 1
    previous_start = text.rfind("\n", 0, previous_end) + 1
    return not text[previous_start:previous_end].strip()
