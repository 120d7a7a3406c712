"""A ``config.toml`` as a document: loaded, edited in its own style, checked before use.

The document keeps the file's exact text. Reading never re-serialises, so an
unedited file comes back byte for byte (BOM, CRLF, tabs and a missing final
newline included). Edits become text splices (:mod:`wizard.tomlfile.editor`
hands each to the editor that owns it). Every edited text is parsed again with
``tomllib`` and must equal the old data with the edits applied
(:mod:`wizard.tomlfile.edits`), or nothing is returned.
"""

from __future__ import annotations

import re
import stat
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from wizard.config_reading import find_key, get_ci
from wizard.errors import ConfigError, EditError
from wizard.model import Edit, Executor, RunnerIdentity, TablePath, TomlValue
from wizard.secrets import is_secret_key, mask_secret, mask_text
from wizard.tomlfile.editor import last_edit_wins, plan_splices
from wizard.tomlfile.edits import apply_edits
from wizard.tomlfile.index import Index
from wizard.tomlfile.layout import Layout, fold, scan
from wizard.tomlfile.rendering import render_value
from wizard.tomlfile.same_value import same_value
from wizard.tomlfile.splicing import apply_splices
from wizard.tomlfile.style import FileStyle

BOM = "\ufeff"
MAX_CONFIG_BYTES = 16 * 1024 * 1024
"""Far above any real config; a bigger file is a mistake, not a config."""

_TOML_ERROR_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_TOML_ERROR_EOF = re.compile(r"\(at end of document\)")

NEW_CONFIG_HEADER = "concurrent = 1\ncheck_interval = 0\nshutdown_timeout = 0\n"
"""Global settings of a brand-new file, as ``gitlab-runner register`` writes them."""


@dataclass(frozen=True)
class Fingerprint:
    """What the file on disk looked like when we read it."""

    content: bytes
    mode: int
    uid: int
    gid: int


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
        index = self._index
        folded = fold(table)
        if key is not None:
            statement = index.keys.get((folded, key.casefold()))
            if statement is not None:
                return statement.line
            as_table = (*folded, key.casefold())
            header = (
                index.headers.get(as_table)
                or index.headers.get((*as_table, 0))
                or index.dotted_first.get(as_table)
                or index.first_under.get(as_table)
            )
            if header is not None:
                return header.line
        for depth in range(len(folded), 0, -1):
            prefix = folded[:depth]
            header = index.headers.get(prefix)
            if header is not None:
                return header.line
            owner = (
                index.keys.get((prefix[:-1], prefix[-1])) if isinstance(prefix[-1], str) else None
            )
            if owner is not None:
                return owner.line
        return None

    def masked_text(self) -> str:
        """The text with every secret value masked, for diffs and screens.

        Secret keys are masked wherever they are written: as a key of their own
        (any string form, multi-line included) or inside an inline table.
        """
        splices: list[tuple[int, int, str]] = []
        for statement in self.layout.statements:
            if statement.kind != "key":
                continue
            raw = self.text[statement.value_start : statement.value_end]
            if is_secret_key(statement.keys[-1]):
                masked = _STRING_LITERAL.sub(lambda m: _masked_literal(m.group(0)), raw)
            elif "{" in raw:
                masked = _INLINE_STRING_PAIR.sub(_masked_pair, raw)
            else:
                continue
            if masked != raw:
                splices.append((statement.value_start, statement.value_end, masked))
        masked = apply_splices(self.text, splices)
        return mask_text(_URL_PASSWORD.sub(lambda m: m[1] + mask_secret(m[2]) + "@", masked))

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
                self.path, f"the edit would produce invalid TOML ({error}); nothing written"
            ) from None
        if not same_value(new_data, expected):
            raise EditError(self.path, "the edit would change more than intended; nothing written")
        pinned = {PINNED_STYLE: self._cache[PINNED_STYLE]} if PINNED_STYLE in self._cache else {}
        return replace(self, text=new_text, data=new_data, _cache=pinned)

    @property
    def _index(self) -> Index:
        index = self._cache.get("index")
        if index is None:
            index = self._cache["index"] = Index(self.layout)
        assert isinstance(index, Index)
        return index


# -- loading ---------------------------------------------------------------------


def parse_text(text: str, path: Path | None = None) -> dict[str, Any]:
    """Parse TOML text, turning errors into one line with the file, line and column."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        line = column = None
        position = _TOML_ERROR_POSITION.search(message)
        if position:
            line, column = int(position.group(1)), int(position.group(2))
            message = message[: position.start()].strip()
        elif _TOML_ERROR_EOF.search(message):
            message = _TOML_ERROR_EOF.sub("at end of file", message).strip()
        raise ConfigError(path, f"invalid TOML: {message}", line=line, column=column) from None


def parse_config(raw: bytes, path: Path | None = None) -> ConfigDocument:
    """Decode and parse the bytes of a config file."""
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(path, f"not UTF-8 text (bad byte at offset {error.start})") from None
    bom = decoded.startswith(BOM)
    text = decoded[1:] if bom else decoded
    return ConfigDocument(path=path, text=text, data=parse_text(text, path), bom=bom)


def load_config(path: Path) -> ConfigDocument:
    """Read ``path`` as a GitLab Runner config; every failure is one ConfigError."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ConfigError(path, "is a directory, not a config file")
        if info.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(path, f"is {info.st_size} bytes; a config.toml is far smaller")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(path, "no such file") from None
    except PermissionError:
        raise ConfigError(path, "permission denied (try as the runner's user or root)") from None
    except IsADirectoryError:
        raise ConfigError(path, "is a directory, not a config file") from None
    except OSError as error:
        raise ConfigError(path, f"cannot read: {error.strerror or error}") from None
    document = parse_config(raw, path)
    fingerprint = Fingerprint(raw, info.st_mode, info.st_uid, info.st_gid)
    return replace(document, disk=fingerprint)


def new_config(path: Path | None) -> ConfigDocument:
    """An empty document for a file that does not exist yet."""
    return ConfigDocument(path=path, text="", data={})


# -- internals -------------------------------------------------------------------


_URL_PASSWORD = re.compile(r"(://[^/\s:@\"']+:)([^/\s@\"']+)@")
"""``https://user:password@host``: a password in a URL, e.g. a clone URL or a mirror."""
_STRING_LITERAL = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|\'[^\'\n]*\''
)
_INLINE_STRING_PAIR = re.compile(
    r'(?P<key>[A-Za-z0-9_-]+|"[^"\n]*"|\'[^\'\n]*\')(?P<sep>[ \t]*=[ \t]*)'
    r'(?P<value>"(?:\\.|[^"\\\n])*"|\'[^\'\n]*\')'
)


def _masked_literal(literal: str) -> str:
    """A string literal with its content masked; a multi-line one keeps its line count."""
    delimiter = literal[:3] if literal[:3] in ('"""', "'''") else literal[0]
    inner = literal[len(delimiter) : -len(delimiter)]
    return delimiter + mask_secret(inner.strip()) + "\n" * inner.count("\n") + delimiter


def _masked_pair(match: re.Match[str]) -> str:
    if not is_secret_key(match["key"].strip("\"'")):
        return match.group(0)
    return match["key"] + match["sep"] + _masked_literal(match["value"])
