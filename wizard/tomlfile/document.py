"""A ``config.toml`` as a document: loaded, edited in its own style, checked before use.

The document keeps the file's exact text. Reading never re-serialises, so an
unedited file comes back byte for byte (BOM, CRLF, tabs and a missing final
newline included). Edits become text splices (:mod:`wizard.tomlfile.editor`
hands each to the editor that owns it). Every edited text is parsed again with
``tomllib`` and must equal the old data with the edits applied
(:mod:`wizard.tomlfile.edits`), or nothing is returned.
"""

from __future__ import annotations

import functools
import re
import stat
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from wizard.base.errors import ConfigError, EditError
from wizard.base.masking import mask_text, mask_toml_value, remember_secrets_in
from wizard.base.model import Edit, Executor, RunnerIdentity, TablePath, TomlValue
from wizard.base.safe_text import Message
from wizard.runner.reading import find_key, get_ci
from wizard.tomlfile.editor import last_edit_wins, plan_splices
from wizard.tomlfile.edits import apply_edits
from wizard.tomlfile.index import Index, LineIndex
from wizard.tomlfile.layout import Layout, fold, scan
from wizard.tomlfile.nesting import MAX_DEPTH, too_deep_line
from wizard.tomlfile.quick_parse import PlacedStatement, quick_parse
from wizard.tomlfile.regular_file import read_regular_file_with_stat
from wizard.tomlfile.rendering import render_value
from wizard.tomlfile.same_value import same_value
from wizard.tomlfile.splicing import apply_splices
from wizard.tomlfile.style import FileStyle
from wizard.tomlfile.toml11 import toml11_construct

BOM = "\ufeff"
MAX_CONFIG_BYTES = 16 * 1024 * 1024
"""Far above any real config; a bigger file is a mistake, not a config."""

_TOML_ERROR_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_TOML_ERROR_EOF = re.compile(r"\(at end of document\)")

_PIECE_BREAK = "\n\x00\n"

NEW_CONFIG_HEADER = "concurrent = 1\ncheck_interval = 0\nshutdown_timeout = 0\n"
"""Global settings of a brand-new file, as ``gitlab-runner register`` writes them."""


@dataclass(frozen=True)
class Fingerprint:
    """What the file on disk looked like when we read it."""

    content: bytes
    mode: int
    uid: int
    gid: int
    device: int = 0
    inode: int = 0
    """Which file it was: a writer replaces only this very file (0: not known)."""


PINNED_STYLE = "style"
"""Cache key of the style an excerpt of a bigger file writes in: the whole file's."""


@dataclass(frozen=True)
class ConfigDocument:
    """A parsed ``config.toml`` that remembers its exact text."""

    path: Path | None
    text: str
    """The text without its BOM, line endings as in the file."""
    data: dict[str, Any]
    bom: bool = False
    disk: Fingerprint | None = None
    """The file as read from disk, ``None`` for a document not on disk yet."""
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    # -- reading -----------------------------------------------------------------

    @cached_property
    def layout(self) -> Layout:
        return scan(self.text)

    @property
    def file_mode(self) -> int | None:
        return stat.S_IMODE(self.disk.mode) if self.disk else None

    @property
    def newline(self) -> str:
        return self.layout.newline

    def to_bytes(self) -> bytes:
        return ((BOM if self.bom else "") + self.text).encode("utf-8")

    def dumps(self) -> str:
        return (BOM if self.bom else "") + self.text

    def line_of(self, table: TablePath, key: str | None = None) -> int | None:
        """The line a key (or, without one, a table) is defined on, if it is written."""
        found: dict[tuple[TablePath, str | None], int | None] = self._cache.setdefault(
            "lines_of", {}
        )
        slot = (table, key)
        if slot not in found:
            found[slot] = self._line_of(table, key)
        return found[slot]

    def _line_of(self, table: TablePath, key: str | None) -> int | None:
        index = self._lines
        folded = _folded(table)
        if key is not None:
            line = index.exact_keys.get((folded, key)) or index.keys.get((folded, key.casefold()))
            if line is not None:
                return line
            as_table = (*folded, key.casefold())
            line = (
                index.headers.get(as_table)
                or index.headers.get((*as_table, 0))
                or index.dotted_first.get(as_table)
                or index.first_under.get(as_table)
            )
            if line is not None:
                return line
        for depth in range(len(folded), 0, -1):
            prefix = folded[:depth]
            line = index.headers.get(prefix)
            if line is not None:
                return line
            owner = (
                index.keys.get((prefix[:-1], prefix[-1])) if isinstance(prefix[-1], str) else None
            )
            if owner is not None:
                return owner
        return None

    def masked_text(self) -> str:
        """The text with every secret masked, for diffs and screens.

        Each value is masked by what it holds, whatever its quoting (see
        :func:`wizard.base.masking.mask_toml_value`); then the rest of the text
        (names, table names, comments) goes through :func:`mask_text`.
        """
        text = self.text
        outside: list[str] = []
        values: list[str] = []
        cursor = 0
        for statement in self.layout.statements:
            if statement.kind != "key":
                continue
            outside.append(text[cursor : statement.value_start])
            raw = text[statement.value_start : statement.value_end]
            values.append(mask_toml_value(statement.keys[-1], raw))
            cursor = statement.value_end
        outside.append(text[cursor:])
        # Everything but the values is masked in one pass, the pieces joined by
        # a line no pattern can match across (TOML text never holds a NUL), so
        # each value is masked once, not twice.
        masked = mask_text(_PIECE_BREAK.join(outside)).split(_PIECE_BREAK)
        if len(masked) != len(outside):
            masked = [mask_text(piece) for piece in outside]
        parts = [masked[0]]
        for value, piece in zip(values, masked[1:], strict=True):
            parts += [value, piece]
        return "".join(parts)

    # -- editing -----------------------------------------------------------------

    def with_edits(self, edits: Iterable[Edit]) -> ConfigDocument:
        """A new document with ``edits`` applied in the file's own style, or EditError."""
        edits = last_edit_wins(edits)
        if not edits:
            return self
        # Plan on the text as if it ended with a newline, so that no splice has to
        # care whether its line is the last one, then give the missing newline back.
        open_end = bool(self.text) and not self.text.endswith("\n")
        base = replace(self, text=self.text + self.newline, _cache={}) if open_end else self
        style = self._cache.get(PINNED_STYLE)
        splices = plan_splices(base.path, base.text, base.layout, base._index, edits, style=style)
        new_text = apply_splices(base.text, splices)
        if open_end:
            new_text = new_text.rstrip("\r\n")
        expected = apply_edits(self.data, edits)
        return self._verified(new_text, expected)

    def with_new_runner(
        self, identity: RunnerIdentity, executor: Executor | None = None
    ) -> ConfigDocument:
        """Append a ``[[runners]]`` entry with name, URL, token and executor."""
        values: dict[str, TomlValue] = {
            "name": identity.name or "runner",
            "url": identity.url or "https://gitlab.example.com",
            "token": identity.token or "",
        }
        if executor is not None:
            values["executor"] = executor.value
        newline = self.newline if self.text else "\n"
        text = self.text if self.text.strip() else NEW_CONFIG_HEADER.replace("\n", newline)
        if not text.endswith(newline):
            text += newline
        style = FileStyle(self.text, self.layout)
        header_indent = style.header_indent(1)
        key_indent = header_indent + style.key_delta
        quote = style.quote
        block = [newline if style.blank_before_runner else "", f"{header_indent}[[runners]]"]
        for key, value in values.items():
            line = f"{key_indent}{key} = {render_value(value, quote)}"
            if key == "token" and not identity.token:
                line += "  # paste the runner authentication token (glrt-...) from GitLab here"
            block.append(newline + line)
        new_text = text + "".join(block) + newline
        # A new file starts with our global header, which is part of what to expect.
        expected = dict(self.data) if self.text.strip() else tomllib.loads(text)
        runners = list(get_ci(expected, "runners") or [])
        runners.append(values)
        expected[find_key(expected, "runners") or "runners"] = runners
        return self._verified(new_text, expected)

    def replaced_text(self, text: str) -> ConfigDocument:
        """The same file with different text (already produced and checked by us)."""
        return replace(self, text=text, data=parse_text(text, self.path), _cache={})

    def _verified(self, new_text: str, expected: Mapping[str, Any]) -> ConfigDocument:
        try:
            new_data = tomllib.loads(new_text)
        except tomllib.TOMLDecodeError as error:
            raise EditError(
                self.path,
                Message.of(
                    "the edit would produce invalid TOML ({error}); nothing written",
                    error=str(error),
                ),
            ) from None
        if not same_value(new_data, expected):
            raise EditError(
                self.path, Message.of("the edit would change more than intended; nothing written")
            )
        pinned = {PINNED_STYLE: self._cache[PINNED_STYLE]} if PINNED_STYLE in self._cache else {}
        return replace(self, text=new_text, data=new_data, _cache=pinned)

    @property
    def _lines(self) -> LineIndex:
        lines = self._cache.get("lines")
        if lines is None:
            statements = self._cache.get("statements")
            layout = self.__dict__.get("layout")  # scanned already: no need to read it again
            if statements is not None:
                lines = LineIndex.of_statements(statements)
            elif layout is not None:
                lines = LineIndex.of_layout(layout)
            else:
                lines = LineIndex.of_text(self.text)
            self._cache["lines"] = lines
        assert isinstance(lines, LineIndex)
        return lines

    @property
    def _index(self) -> Index:
        index = self._cache.get("index")
        if index is None:
            index = self._cache["index"] = Index(self.layout)
        assert isinstance(index, Index)
        return index


# -- loading ---------------------------------------------------------------------


_folded = functools.lru_cache(maxsize=4096)(fold)
"""Findings ask for the same few tables in every file of a fleet: each is folded once."""


def parse_text(text: str, path: Path | None = None) -> dict[str, Any]:
    """Parse TOML text, turning errors into one line with the file, line and column."""
    return _parsed(text, path)[0]


def _parsed(text: str, path: Path | None) -> tuple[dict[str, Any], list[PlacedStatement] | None]:
    """The data, and the headers and keys with their lines when the one-pass reader could
    read the text (:mod:`wizard.tomlfile.quick_parse`); else ``tomllib`` reads it."""
    deep = too_deep_line(text)
    if deep is not None:
        raise ConfigError(
            path,
            Message.of("nested more than {limit} levels deep", limit=MAX_DEPTH),
            line=deep,
        )
    quick = quick_parse(text)
    if quick is not None:
        data, statements = quick
        remember_secrets_in(data)
        return data, statements
    return _parsed_by_tomllib(text, path), None


def _parsed_by_tomllib(text: str, path: Path | None) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        construct = toml11_construct(text)
        if construct is not None:
            raise ConfigError(
                path,
                Message.of(
                    (
                        "uses TOML 1.1 syntax ({what}), which GitLab Runner 18.9 and later "
                        "accept but runner-wizard cannot read yet; write it the TOML 1.0 way "
                        "(one line, no trailing comma) to audit this file"
                    ),
                    what=construct.what,
                ),
                line=construct.line,
            ) from None
        message = str(error)
        line = column = None
        position = _TOML_ERROR_POSITION.search(message)
        if position:
            line, column = int(position.group(1)), int(position.group(2))
            message = message[: position.start()].strip()
        elif _TOML_ERROR_EOF.search(message):
            message = _TOML_ERROR_EOF.sub("at end of file", message).strip()
            # The end has a place too: the shape stays file:line:col.
            line = text.count("\n") + 1
            column = len(text.rsplit("\n", 1)[-1]) + 1
        raise ConfigError(
            path, Message.of("invalid TOML: {message}", message=message), line=line, column=column
        ) from None
    # Every secret in the file is remembered the moment it is read: each output masks
    # it by value, wherever it turns up.
    remember_secrets_in(data)
    return data


def parse_config(raw: bytes, path: Path | None = None) -> ConfigDocument:
    """Decode and parse the bytes of a config file."""
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(
            path, Message.of("not UTF-8 text (bad byte at offset {start})", start=error.start)
        ) from None
    bom = decoded.startswith(BOM)
    text = decoded[1:] if bom else decoded
    data, statements = _parsed(text, path)
    document = ConfigDocument(path=path, text=text, data=data, bom=bom)
    if statements is not None:
        document._cache["statements"] = statements  # its lines, found while reading it
    return document


def load_config(path: Path) -> ConfigDocument:
    """Read ``path`` as a GitLab Runner config; every failure is one ConfigError."""
    raw, info = read_regular_file_with_stat(path, MAX_CONFIG_BYTES, what="config.toml")
    document = parse_config(raw, path)
    fingerprint = Fingerprint(
        raw, info.st_mode, info.st_uid, info.st_gid, device=info.st_dev, inode=info.st_ino
    )
    return replace(document, disk=fingerprint)


def new_config(path: Path | None) -> ConfigDocument:
    """An empty document for a file that does not exist yet."""
    return ConfigDocument(path=path, text="", data={})


# -- internals -------------------------------------------------------------------
