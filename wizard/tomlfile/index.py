"""Where things are in a scanned file, looked up by the concrete path an edit names.

Built once per document from its :class:`~wizard.tomlfile.layout.Layout`: every
key, header, section end and region end by path, so an editor finds its spot
without scanning the file again (which would make many edits quadratic).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wizard.base.model import TablePath
from wizard.tomlfile.layout import Layout, Statement, quick_statements, scan


class Index:
    """Lookups the editor needs: keys, headers, sections and regions by concrete path."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.keys: dict[tuple[TablePath, str], Statement] = {}
        self.exact_keys: dict[tuple[TablePath, str], Statement] = {}
        """The same statements by the key's own spelling (tables still folded)."""
        self.headers: dict[TablePath, Statement] = {}
        self.section_last: dict[TablePath, Statement] = {}
        """Last statement of each header's own section (the header itself if empty)."""
        self.region_last: dict[TablePath, Statement] = {}
        """Last statement before a header that is not inside the table."""
        self.dotted_last: dict[TablePath, Statement] = {}
        """For tables made by dotted keys: the last key statement that names them."""
        self.dotted_first: dict[TablePath, Statement] = {}
        self.first_under: dict[TablePath, Statement] = {}
        """For every table path: the first header strictly inside it."""
        self.keys_in: dict[TablePath, list[Statement]] = {}
        """Key statements written directly in each table, in file order."""
        self.last_global: Statement | None = None
        self.first_header: Statement | None = None
        open_headers: list[Statement] = []
        for statement in layout.statements:
            if statement.kind == "key":
                self.keys_in.setdefault(statement.path, []).append(statement)
                full = (*statement.path, *(k.casefold() for k in statement.keys))
                self.keys.setdefault((full[:-1], str(full[-1])), statement)
                self.exact_keys.setdefault((full[:-1], statement.keys[-1]), statement)
                for depth in range(1, len(statement.keys)):
                    self.dotted_last[full[: len(statement.path) + depth]] = statement
                    self.dotted_first.setdefault(full[: len(statement.path) + depth], statement)
                if not statement.path and self.first_header is None:
                    self.last_global = statement
                if open_headers:
                    self.section_last[open_headers[-1].path] = statement
            else:
                if self.first_header is None:
                    self.first_header = statement
                self.headers[statement.path] = statement
                self.section_last[statement.path] = statement
                for depth in range(1, len(statement.path)):
                    self.first_under.setdefault(statement.path[:depth], statement)
                open_headers = [h for h in open_headers if _is_prefix(h.path, statement.path)]
                open_headers.append(statement)
            for header in open_headers:
                self.region_last[header.path] = statement


class LineIndex:
    """Only what finding a line needs: an audit asks for the lines of its findings and
    never edits, so the editor's lookups (sections, regions) are not built for it."""

    __slots__ = ("dotted_first", "exact_keys", "first_under", "headers", "keys")

    def __init__(self) -> None:
        self.keys: dict[tuple[TablePath, str], int] = {}
        self.exact_keys: dict[tuple[TablePath, str], int] = {}
        self.headers: dict[TablePath, int] = {}
        self.dotted_first: dict[TablePath, int] = {}
        self.first_under: dict[TablePath, int] = {}

    @classmethod
    def of_text(cls, text: str) -> LineIndex:
        """The lines of ``text`` (accepted by ``tomllib``): read from line starts where the
        text allows it (:func:`~wizard.tomlfile.layout.quick_statements`), else scanned."""
        quick = quick_statements(text)
        return cls.of_layout(scan(text)) if quick is None else cls.of_statements(quick)

    @classmethod
    def of_statements(cls, statements: Iterable[tuple[str, str, TablePath, int]]) -> LineIndex:
        """From ``(kind, name, path, line)`` of plain headers and one-name keys, as
        :func:`~wizard.tomlfile.layout.quick_statements` and the one-pass reader give them."""
        index = cls()
        for kind, name, path, line in statements:
            if kind == "key":
                index.keys.setdefault((path, name.casefold()), line)
                index.exact_keys.setdefault((path, name), line)
            else:
                index._header(path, line)
        return index

    @classmethod
    def of_layout(cls, layout: Layout) -> LineIndex:
        index = cls()
        for statement in layout.statements:
            path, line = statement.path, statement.line
            if statement.kind == "key":
                names = statement.keys
                full = (*path, *(k.casefold() for k in names))
                index.keys.setdefault((full[:-1], str(full[-1])), line)
                index.exact_keys.setdefault((full[:-1], names[-1]), line)
                for depth in range(1, len(names)):
                    index.dotted_first.setdefault(full[: len(path) + depth], line)
            else:
                index._header(path, line)
        return index

    def _header(self, path: TablePath, line: int) -> None:
        self.headers[path] = line
        for depth in range(1, len(path)):
            self.first_under.setdefault(path[:depth], line)

    def as_tuple(self) -> tuple[dict[Any, int], ...]:
        """Everything it knows, for comparing two ways of building it."""
        return (self.keys, self.exact_keys, self.headers, self.dotted_first, self.first_under)


def _is_prefix(prefix: TablePath, path: TablePath) -> bool:
    return len(prefix) < len(path) and path[: len(prefix)] == prefix
