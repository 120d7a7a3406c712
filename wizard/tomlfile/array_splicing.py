"""Array values edited item by item: cut what goes, append what comes, keep the rest.

An array keeps its layout (one item per line or all on one), its trailing
comma and the comments between its items; only when that cannot be done is it
rewritten, and then its comments move above the key rather than vanish.
"""

from __future__ import annotations

import re
from typing import Any

from wizard.base.model import TomlValue
from wizard.tomlfile.layout import ArrayLayout, Statement
from wizard.tomlfile.rendering import render_value
from wizard.tomlfile.same_value import same_value
from wizard.tomlfile.splicing import Editor, leading_space

_CLOSES_HERE = re.compile(r"[ \t]*,?[ \t]*\]")
"""After an item: the array's ``]`` on the same line."""


class ArraySplicer(Editor):
    """Item-level edits of array values written in the file."""

    def inner_comments(self, statement: Statement) -> list[str]:
        """The comments inside a multi-line array value, own-line and after items alike.

        Only the gaps between items are searched: a ``#`` there always starts a
        comment, never part of a string.
        """
        array = statement.array
        if array is None:
            return []
        bounds = [statement.value_start + 1]
        for start, end in array.items:
            bounds += [start, end]
        bounds.append(array.close)
        comments = []
        for gap_start, gap_end in zip(bounds[::2], bounds[1::2], strict=True):
            for match in re.finditer(r"#[^\r\n]*", self.text[gap_start:gap_end]):
                comments.append(match.group(0).rstrip(" \t"))
        return comments

    def keep_inner_comments_above(self, statement: Statement) -> None:
        """An array rewritten as a whole keeps its comments, as lines above its key."""
        comments = self.inner_comments(statement)
        if comments:
            block = "".join(f"{statement.indent}{c}{self.newline}" for c in comments)
            self.splices.append((statement.line_start, statement.line_start, block))

    def splice_items(
        self, statement: Statement, old: list[Any], new: list[TomlValue], quote: str
    ) -> bool:
        """Cut removed items out and append new ones, keeping every other character.

        Works when ``new`` is some of the old items, in order, followed by new
        ones. An item alone on its line goes with its whole line, but its
        comment stays behind as a comment line at the item's indentation (the
        author's note, often the reason the item was there); items sharing a
        line go with the separator beside them, and a last item before a ``]``
        on its line goes with the separator before it, so the array keeps its
        wrapping and bracket placement. Otherwise returns False and the array
        is rewritten.
        """
        array = statement.array
        if array is None or len(old) != len(array.items):
            return False
        kept: list[int] = []
        cursor = 0
        for item in new:
            match = next((i for i in range(cursor, len(old)) if same_value(old[i], item)), None)
            if match is None:
                break
            kept.append(match)
            cursor = match + 1
        multiline = "\n" in self.text[statement.value_start : statement.value_end]
        if not kept and (not multiline or self._close_indent(array) is None):
            return False
        cuts = self._cuts(array, [i for i in range(len(old)) if i not in kept])
        if cuts is None:
            return False
        extra = new[len(kept) :]
        if extra and kept:
            self.append_items(array, [array.items[i] for i in kept], extra, quote)
        elif extra:
            self.fill_empty(statement, extra, quote)
        self.splices.extend(cuts)
        return True

    def _cuts(self, array: ArrayLayout, dropped: list[int]) -> list[tuple[int, int, str]] | None:
        """Splices that remove the ``dropped`` items cleanly, or None if there are none."""
        text = self.text
        items = array.items
        runs: list[list[int]] = []
        for index in dropped:
            if runs and runs[-1][-1] == index - 1:
                runs[-1].append(index)
            else:
                runs.append([index])
        cuts: list[tuple[int, int, str]] = []
        for run in runs:
            first, last = run[0], run[-1]
            if last == len(items) - 1 and _CLOSES_HERE.match(text, items[last][1]):
                tail = self._cut_tail(array, run)
                if tail is None:
                    return None
                cuts += tail
                continue
            lines = [self._own_line(*items[i]) for i in run]
            together = self._own_line(items[first][0], items[last][1])
            if all(line is not None for line in lines):
                cuts += [
                    self._leaving_comment(*line, items[i][1])
                    for i, line in zip(run, lines, strict=True)
                    if line is not None
                ]
            elif together is not None and "\n" not in text[items[first][0] : items[last][1]]:
                # The run fills its line on its own.
                cuts.append(self._leaving_comment(*together, items[last][1]))
            elif last + 1 < len(items) and "\n" not in text[items[first][0] : items[last + 1][0]]:
                cuts.append((items[first][0], items[last + 1][0], ""))
            elif first > 0 and "\n" not in text[items[first - 1][1] : items[last][1]]:
                cuts.append((items[first - 1][1], items[last][1], ""))
            elif len(run) == len(items) and "\n" not in text[items[0][0] : items[-1][1]]:
                end = items[-1][1]
                end += len(text[end:]) - len(text[end:].lstrip(" \t,"))
                cuts.append((items[0][0], end, ""))
            else:
                return None
        return cuts

    def _cut_tail(self, array: ArrayLayout, run: list[int]) -> list[tuple[int, int, str]] | None:
        """Remove the items that end an array whose ``]`` follows the last of them.

        ``["/cache",\n    "/a",\n    "/x"]`` loses "/x" and becomes
        ``["/cache",\n    "/a"]``: the bracket stays where it was. When a
        comment stands in the way (it belongs to an item or stays behind from
        one), the ``]`` takes the place of the first removed item instead.
        """
        text = self.text
        items = array.items
        first, last = run[0], run[-1]
        if first > 0 and "#" not in self._between(items[first - 1][1], items[last][1]):
            return [(items[first - 1][1], items[last][1], "")]
        cuts: list[tuple[int, int, str]] = []
        for index in run[:-1]:
            line = self._own_line(*items[index])
            if line is None:
                return None
            cuts.append(self._leaving_comment(*line, items[index][1]))
        start = items[last][0]
        line_start = text.rfind("\n", 0, start) + 1
        if text[line_start:start].strip(" \t"):
            return None  # it shares its line with an item that stays
        end = items[last][1]
        end += len(text[end : array.close]) - len(text[end : array.close].lstrip(" \t,"))
        cuts.append((start, end, ""))
        return cuts

    def _between(self, start: int, end: int) -> str:
        """The text between items, which holds only separators, spaces and comments."""
        return self.text[start:end] if start < end else ""

    def _leaving_comment(self, start: int, end: int, item_end: int) -> tuple[int, int, str]:
        """Remove the whole line(s) ``start:end``, but leave the comment after ``item_end``."""
        comment = re.search(r"#[^\r\n]*", self.text[item_end:end])
        if comment is None:
            return start, end, ""
        line = self.text[start:end]
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        newline = "\r\n" if line.endswith("\r\n") else "\n" if line.endswith("\n") else ""
        note = comment.group(0).rstrip(" \t")
        return start, end, f"{indent}{note}{newline or self.newline}"

    def _close_indent(self, array: ArrayLayout) -> str | None:
        """The indentation of a ``]`` alone at the start of its line, else None."""
        close_line = self.text.rfind("\n", 0, array.close) + 1
        indent = self.text[close_line : array.close]
        return None if indent.strip(" \t") else indent

    def _own_line(self, start: int, end: int) -> tuple[int, int] | None:
        """The whole line(s) of an array item alone on its line, comma and comment included."""
        text = self.text
        line_start = text.rfind("\n", 0, start) + 1
        if text[line_start:start].strip(" \t"):
            return None
        rest = re.match(r"[ \t]*,?[ \t]*(#[^\n]*)?(\r?\n|$)", text[end:])
        if rest is None:
            return None
        return line_start, end + rest.end()

    def fill_empty(self, statement: Statement, value: list[TomlValue], quote: str) -> None:
        """Put items above the ``]`` of a multi-line array emptied of items, keeping comments."""
        array = statement.array
        assert array is not None
        text = self.text
        close_indent = self._close_indent(array)
        if close_indent is None:
            self.splices.append(
                (statement.value_start, statement.value_end, render_value(value, quote))
            )
            return
        close_line = array.close - len(close_indent)
        inner = text[statement.value_start + 1 : close_line].split("\n")[1:]
        indents = [line[: len(line) - len(line.lstrip(" \t"))] for line in inner if line.strip()]
        indent = indents[-1] if indents else close_indent + (self.style.key_delta or "  ")
        rendered = [f"{indent}{render_value(v, quote)}" for v in value]
        if array.trailing_comma or not array.items:
            block = "".join(f"{line},{self.newline}" for line in rendered)
        else:
            block = ("," + self.newline).join(rendered) + self.newline
        self.splices.append((close_line, close_line, block))

    def append_items(
        self,
        array: ArrayLayout,
        items: list[tuple[int, int]],
        extra: list[TomlValue],
        quote: str,
    ) -> None:
        """Append ``extra`` after ``items[-1]`` in the style of the items around it."""
        text = self.text
        rendered = [render_value(item, quote) for item in extra]
        last_start, last_end = items[-1]
        newline_at = text.find("\n", last_end)
        same_line_close = newline_at == -1 or array.close < newline_at
        if same_line_close:
            separator = ", "
            if len(items) >= 2:
                between = text[items[-2][1] : items[-1][0]]
                separator = "," + between.split(",", 1)[-1] if "\n" not in between else ", "
            self.splices.append((last_end, last_end, "".join(separator + r for r in rendered)))
            return
        line_end = newline_at - 1 if newline_at > 0 and text[newline_at - 1] == "\r" else newline_at
        line_start = text.rfind("\n", 0, last_start) + 1
        indent = text[line_start : line_start + leading_space(text, line_start)]
        followed_by_comma = text[last_end:newline_at].lstrip(" \t").startswith(",")
        if not followed_by_comma:
            self.splices.append((last_end, last_end, ","))
        if array.trailing_comma:
            block = "".join(f"{self.newline}{indent}{r}," for r in rendered)
        else:
            block = ",".join(f"{self.newline}{indent}{r}" for r in rendered)
        self.splices.append((line_end, line_end, block))

    def rewrite_multiline(self, statement: Statement, value: TomlValue, quote: str) -> None:
        assert statement.array is not None
        assert isinstance(value, list)
        text = self.text
        first_item = statement.array.items[0][0]
        line_start = text.rfind("\n", 0, first_item) + 1
        indent = text[line_start : line_start + leading_space(text, line_start)]
        close = statement.array.close
        close_line = text.rfind("\n", 0, close) + 1
        close_indent = text[close_line:close]
        close_indent = close_indent if not close_indent.strip() else ""
        items = [f"{self.newline}{indent}{render_value(v, quote)}" for v in value]
        body = ",".join(items) + ("," if statement.array.trailing_comma and items else "")
        rendered = "[" + body + self.newline + close_indent + "]"
        self.keep_inner_comments_above(statement)
        self.splices.append((statement.value_start, statement.value_end, rendered))
