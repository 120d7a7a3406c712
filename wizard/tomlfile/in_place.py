"""Values changed or keys removed where they stand, keeping everything around them.

A scalar is replaced in its own quote style; an array is handed to the
:class:`~wizard.tomlfile.array_splicing.ArraySplicer`. A removed key leaves
its comments behind: they are the author's notes.
"""

from __future__ import annotations

import re

from wizard.base.model import TomlValue
from wizard.tomlfile.array_splicing import ArraySplicer
from wizard.tomlfile.layout import Statement
from wizard.tomlfile.rendering import render_value, value_of
from wizard.tomlfile.same_value import same_value
from wizard.tomlfile.splicing import Editor, Splices


class InPlaceEditor(Editor):
    """Replace or remove a key that is written in the file."""

    def __init__(self, plan: Splices) -> None:
        super().__init__(plan)
        self.arrays = ArraySplicer(plan)

    def replace_value(self, statement: Statement, value: TomlValue) -> None:
        old_text = self.text[statement.value_start : statement.value_end]
        quote = "'" if old_text.startswith("'") else self.style.quote
        array = statement.array
        old_value = value_of(old_text)
        if same_value(old_value, value):
            return
        if array is not None and isinstance(value, list) and isinstance(old_value, list):
            multiline = "\n" in old_text
            if array.items and same_value(value[: len(old_value)], old_value):
                self.arrays.append_items(array, array.items, value[len(old_value) :], quote)
                return
            if multiline and not array.items:
                self.arrays.fill_empty(statement, value, quote)
                return
            if array.items and self.arrays.splice_items(statement, old_value, value, quote):
                return
            if multiline and array.items:
                self.arrays.rewrite_multiline(statement, value, quote)
                return
        rendered = render_value(value, quote)
        if isinstance(value, list) and value and re.fullmatch(r"\[ .* \]", old_text):
            rendered = "[ " + rendered[1:-1] + " ]"  # the array was written with inner spaces
        self.arrays.keep_inner_comments_above(statement)
        self.splices.append((statement.value_start, statement.value_end, rendered))

    def remove(self, statement: Statement) -> None:
        """Remove a key's line(s) but none of its comments.

        Comment lines inside a multi-line array and the comment after the value
        stay behind, in that order, as lines of their own at the key's
        indentation: they are the author's notes, often the reason the value was
        what it was, and the operator decides whether they still apply.
        """
        start, end = statement.line_start, statement.end
        comments = self.arrays.inner_comments(statement)
        trailing = re.search(r"#[^\r\n]*", self.text[statement.value_end : end])
        if trailing is not None:
            comments.append(trailing.group(0).rstrip(" \t"))
        self.splices.append(
            (start, end, "".join(f"{statement.indent}{c}{self.newline}" for c in comments))
        )
