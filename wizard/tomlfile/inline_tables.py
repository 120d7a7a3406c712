"""Edits inside inline tables (``{ ... }``), including one table item of an array.

Only the edited ``{ ... }`` is rewritten: untouched pairs keep their text, new
ones are written in the file's quote style, and the array around an item
keeps its layout and comments.
"""

from __future__ import annotations

from typing import Any

from wizard.base.errors import EditError
from wizard.base.model import Edit, RemoveKey, TablePath
from wizard.base.safe_text import Message
from wizard.runner.reading import find_key
from wizard.tomlfile.rendering import render_value, tomlkit_module
from wizard.tomlfile.splicing import Editor


class InlineTableEditor(Editor):
    """Edits whose table lives inside a key's inline value."""

    def inline_owner(self, table: TablePath) -> tuple[int, int, TablePath] | None:
        """The span of the inline table holding ``table``, and the path inside it.

        That is a key's ``{ ... }`` value, or one ``{ ... }`` item of a key's
        array value (``services = [{ name = "redis" }, ...]``): only that item is
        rewritten, so the array keeps its layout and comments.
        """
        for depth in range(len(table), 0, -1):
            prefix = table[:depth]
            last = prefix[-1]
            if not isinstance(last, str):
                continue
            owner = self.index.keys.get((prefix[:-1], last))
            if owner is None:
                continue
            inner = table[depth:]
            if self.text.startswith("{", owner.value_start):
                return owner.value_start, owner.value_end, inner
            items = owner.array.items if owner.array else []
            if inner and isinstance(inner[0], int) and inner[0] < len(items):
                start, end = items[inner[0]]
                if self.text.startswith("{", start):
                    return start, end, inner[1:]
            return None
        return None

    def edit_inline(self, span: tuple[int, int], owned: list[tuple[TablePath, Edit]]) -> None:
        value_text = self.text[span[0] : span[1]]
        wrapper = tomlkit_module().parse("v = " + value_text)
        root = wrapper["v"]
        fresh: set[int] = set()
        """Items this edit creates, rendered in the file's quote style."""
        for inner, edit in owned:
            node: Any = root
            for part in inner:
                if isinstance(part, int):
                    # An inline array of tables, e.g. ``volumes = { host_path = [{...}] }``.
                    if not isinstance(node, list) or part >= len(node):
                        raise EditError(
                            self.path,
                            Message.of("no entry {part} in an inline array to edit", part=part),
                        )
                    node = node[part]
                    continue
                name = find_key(node, part)
                if name is None:
                    if isinstance(edit, RemoveKey):
                        node = None  # nothing to remove, as in apply_edits
                        break
                    node[part] = tomlkit_module().inline_table()
                    name = part
                node = node[name]
            if node is None:
                continue
            name = find_key(node, edit.key)
            if isinstance(edit, RemoveKey):
                if name is not None:
                    del node[name]
            else:
                node[name or edit.key] = edit.value
                fresh.add(id(node[name or edit.key]))
        padded = value_text[1:2] in (" ", "}")
        rendered = self._render_inline(root, fresh, padded=padded)
        self.splices.append((span[0], span[1], rendered))

    def _render_inline(self, item: Any, fresh: set[int], *, padded: bool) -> str:
        """Render an edited inline value: untouched parts as written, new ones in file style.

        tomlkit's own rendering of an edited inline table leaves stray spaces
        (``{ a = 1  }``, ``["ALL"]}``) that no one would write by hand.
        """
        if id(item) in fresh:
            return render_value(item.unwrap(), self.style.quote)
        if isinstance(item, tomlkit_module().items.InlineTable):
            pairs = [
                f"{key.as_string().strip()} = {self._render_inline(value, fresh, padded=padded)}"
                for key, value in item.value.body
                if key is not None
            ]
            if not pairs:
                return "{}"
            return "{ " + ", ".join(pairs) + " }" if padded else "{" + ", ".join(pairs) + "}"
        if isinstance(item, tomlkit_module().items.Array) and any(
            isinstance(entry, tomlkit_module().items.InlineTable) for entry in item
        ):
            return "[" + ", ".join(self._render_inline(e, fresh, padded=padded) for e in item) + "]"
        return str(item.as_string())
