"""New keys and new tables, placed and written the way the file writes its own.

A new key goes after the last live key of its table with that key's
indentation; a new table goes at the end of the table that holds it (a new
``[runners.docker]`` at the end of its ``[[runners]]`` entry), past the
commented-out lines that belong to the table above, spaced like the file's
other tables.
"""

from __future__ import annotations

from collections.abc import Iterable

from wizard.base.errors import EditError
from wizard.base.model import SetValue, TablePath, TomlValue
from wizard.base.safe_text import Message
from wizard.tomlfile.layout import Statement
from wizard.tomlfile.rendering import render_key, render_value
from wizard.tomlfile.splicing import Editor


def dotted_name(table: TablePath) -> str:
    """A table path as a header names it, without the array indices."""
    return ".".join(str(part) for part in table if isinstance(part, str))


class Inserter(Editor):
    """Keys and tables the file does not have yet."""

    def _key_line(self, indent: str, key_parts: Iterable[str], value: TomlValue) -> str:
        key = ".".join(render_key(part) for part in key_parts)
        return f"{indent}{key} = {render_value(value, self.style.quote)}"

    def _insert_after(self, anchor: Statement, lines: list[str]) -> None:
        """Insert whole lines after ``anchor``."""
        newline = self.newline
        segment = self.text[anchor.line_start : anchor.end]
        if segment.endswith("\n"):
            self.splices.append((anchor.end, anchor.end, "".join(line + newline for line in lines)))
        else:
            self.splices.append((anchor.end, anchor.end, "".join(newline + line for line in lines)))

    def _insert_first_globals(self, lines: list[str]) -> None:
        """Global keys in a file that has none: above the first table, apart from it."""
        newline = self.newline
        block = "".join(line + newline for line in lines)
        first = self.index.first_header
        if first is not None:
            at = self._above_own_comments(first)
            self.splices.append((at, at, block + newline))
            return
        end = len(self.text)
        if self.text and not self.text.endswith("\n"):
            block = newline + block.removesuffix(newline)  # keep no final newline
        self.splices.append((end, end, block))

    def _above_own_comments(self, header: Statement) -> int:
        """Where to insert before ``header`` without parting it from the comments above it.

        A comment block that starts the file is left on top: it is more likely
        the file's banner than a note on the first table.
        """
        text = self.text
        at = header.line_start
        while at > 0:
            previous_start = text.rfind("\n", 0, at - 1) + 1
            if not text[previous_start:at].strip().startswith("#"):
                break
            at = previous_start
        return header.line_start if at == 0 else at

    def insert_new_keys(self, new_keys: dict[TablePath, list[SetValue]]) -> None:
        for table, edits in new_keys.items():
            header = self.index.headers.get(table)
            # New keys go right after the section's last live key: commented-out
            # siblings below it (``# pull_policy = "never"``) stay together after
            # the live keys, and a comment left by a removed key is not read as
            # the reason for a key we add.
            if header is not None:
                last = self.index.section_last[table]
                indent = last.indent if last.kind == "key" else header.indent + self.style.key_delta
                lines = [self._key_line(indent, [e.key], e.value) for e in edits]
                self._insert_after(self._last_live_key(table) or header, lines)
            elif table == ():
                last_global = self.index.last_global
                indent = last_global.indent if last_global else ""
                lines = [self._key_line(indent, [e.key], e.value) for e in edits]
                if last_global is not None:
                    self._insert_after(self._last_live_key(()) or last_global, lines)
                else:
                    self._insert_first_globals(lines)
            else:
                anchor = self.index.dotted_last[table]
                own_depth = len(anchor.path)
                prefix = list(anchor.keys[: len(table) - own_depth])
                lines = [self._key_line(anchor.indent, [*prefix, e.key], e.value) for e in edits]
                self._insert_after(anchor, lines)

    def _last_live_key(self, table: TablePath) -> Statement | None:
        """The last key written directly in ``table`` that this plan does not remove."""
        # From the table's own keys, last first: a scan of the whole file here
        # would make an edit of every runner cost the square of the file's size.
        for statement in reversed(self.index.keys_in.get(table, ())):
            if statement.line_start not in self.removed:
                return statement
        return None

    def insert_new_tables(self, new_tables: dict[TablePath, list[SetValue]]) -> None:
        grouped: dict[tuple[TablePath, int], list[tuple[TablePath, list[SetValue]]]] = {}
        for table in sorted(new_tables, key=lambda t: tuple(str(p) for p in t)):
            ancestor = self._header_ancestor(table)
            grouped.setdefault((ancestor, 0), []).append((table, new_tables[table]))
        for (ancestor, _), tables in grouped.items():
            self._insert_tables_under(ancestor, tables)

    def _header_ancestor(self, table: TablePath) -> TablePath:
        for depth in range(len(table) - 1, 0, -1):
            prefix = table[:depth]
            if prefix in self.index.headers:
                return prefix
            if prefix in self.index.dotted_last or (
                isinstance(prefix[-1], str) and (prefix[:-1], prefix[-1]) in self.index.keys
            ):
                raise EditError(
                    self.path,
                    Message.of(
                        (
                            "[{dotted_name}] would extend a table defined with dotted keys; edit "
                            "it by hand"
                        ),
                        dotted_name=dotted_name(table),
                    ),
                )
        if table and isinstance(table[-1], int):
            raise EditError(
                self.path,
                Message.of("no [[{dotted_name}]] entry to edit", dotted_name=dotted_name(table)),
            )
        return ()

    def _insert_tables_under(
        self, ancestor: TablePath, tables: list[tuple[TablePath, list[SetValue]]]
    ) -> None:
        newline = self.newline
        blocks: list[str] = []
        shallowest: str | None = None
        """Indentation of the least indented header appended at the region's end."""
        for table, edits in tables:
            depth = sum(1 for part in table if isinstance(part, str))
            header_indent = self.style.header_indent(depth)
            key_indent = header_indent + self.style.key_delta
            names = [self._spelling(table[: i + 1]) for i in range(len(table))]
            header_name = ".".join(render_key(n) for n in names if n is not None)
            lines = [f"{header_indent}[{header_name}]"]
            lines += [self._key_line(key_indent, [e.key], e.value) for e in edits]
            blank = self.style.blank_before_subtable if ancestor else True
            child = self._first_child_header(table)
            if child is not None:
                # [runners.cache] when [runners.cache.s3] exists: right above its sub-table.
                at = self._above_own_comments(child)
                gap = newline if blank else ""
                self.splices.append((at, at, newline.join(lines) + newline + gap))
                continue
            blocks.append(("" if not blank else newline) + newline.join(lines))
            if shallowest is None or len(header_indent) < len(shallowest):
                shallowest = header_indent
        if not blocks:
            return
        if ancestor:
            assert shallowest is not None
            at = self._after_own_notes(self.index.region_last[ancestor], shallowest)
            if self.text[at - 1 : at] == "\n":
                text = "".join(block + newline for block in blocks)
            else:
                text = "".join(newline + block for block in blocks)
            self.splices.append((at, at, text))
            return
        first = self.index.first_header
        if first is not None:
            at = self._above_own_comments(first)
            text = "".join(b.lstrip("\r\n") + newline + newline for b in blocks)
            self.splices.append((at, at, text))
        elif not self.text or self.text.endswith("\n"):
            end = len(self.text)
            self.splices.append((end, end, "".join(b + newline for b in blocks)))
        else:
            end = len(self.text)  # keep the file without a final newline
            self.splices.append((end, end, "".join(newline + b for b in blocks)))

    def _after_own_notes(self, last: Statement, new_indent: str) -> int:
        """Where a new header goes after ``last``: past the comments that belong to its table.

        Commented-out settings of the table ``last`` is in (``# Type = "s3"``,
        ``# [runners.cache.s3]``) belong to it: uncommented later, they must
        still land in that table. A comment indented deeper than the new header
        belongs to it, even after a blank line. One at the table's key depth
        but no deeper (a file that indents nothing) belongs only while no blank
        line parts it from ``last`` and no header follows it directly: a
        ``# second runner`` right above the next ``[[runners]]`` is that
        entry's. A comment as shallow as the new header ends the search.
        """
        text = self.text
        key_indent = last.indent if last.kind == "key" else last.indent + self.style.key_delta
        at = cursor = last.end
        attached = True
        """No blank line yet between ``last`` and the line at ``cursor``."""
        shallow_run: int | None = None
        """Where a run of comments at key depth (but not deeper) started, if in one."""
        while cursor < len(text):
            newline_at = text.find("\n", cursor)
            next_line = len(text) if newline_at < 0 else newline_at + 1
            line = text[cursor:next_line]
            content = line.lstrip(" \t")
            indent = line[: len(line) - len(content)]
            if not content.strip():
                attached, shallow_run = False, None  # a blank line closes the run: it stays
            elif not content.startswith("#"):
                if shallow_run is not None:
                    at = shallow_run  # the run leads into the next header: it is that header's
                break
            elif indent.startswith(new_indent) and len(indent) > len(new_indent):
                at, shallow_run = next_line, None
            elif attached and indent == key_indent:
                shallow_run = cursor if shallow_run is None else shallow_run
                at = next_line
            else:
                break
            cursor = next_line
        return at

    def _first_child_header(self, table: TablePath) -> Statement | None:
        return self.index.first_under.get(table)

    def _spelling(self, path: TablePath) -> str | None:
        """How the file spells the last name of ``path`` (its header), else as given."""
        last = path[-1]
        if isinstance(last, int):
            return None
        header = self.index.headers.get(path)
        if header is not None:
            return header.keys[-1]
        inner = self.index.first_under.get(path)
        if inner is not None:
            strings = [p for p in path if isinstance(p, str)]
            return inner.keys[len(strings) - 1]
        return last
