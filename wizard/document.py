"""The document layer: load a ``config.toml``, edit it in its own style, check the result.

The document keeps the file's exact text. Reading never re-serialises, so an
unedited file comes back byte for byte (BOM, CRLF, tabs and a missing final
newline included). Edits become text splices placed by :mod:`wizard.layout`:
a changed value is replaced where it stands, a new key goes after its siblings
with their indentation, a new table goes at the end of its own ``[[runners]]``
entry, indented and spaced like the file's other sub-tables. Every edited text
is parsed again with ``tomllib`` and must equal the old data with the edits
applied, or nothing is returned.

This is the only module that imports ``tomlkit``; it renders values (string
escaping) and edits inline tables, where its own layout rules are good enough.
"""

from __future__ import annotations

import math
import re
import stat
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

from wizard.answers import RunnerIdentity
from wizard.edits import apply_edits, find_key
from wizard.errors import ConfigError
from wizard.layout import ArrayLayout, Layout, Statement, fold, scan
from wizard.model import Edit, Executor, RemoveKey, SetValue, TablePath, TomlValue
from wizard.secrets import is_secret_key, mask_secret, mask_text


def _tomlkit() -> ModuleType:
    """tomlkit, loaded on the first edit: reading and auditing never need it."""
    import tomlkit
    import tomlkit.items

    return tomlkit


BOM = "\ufeff"
MAX_CONFIG_BYTES = 16 * 1024 * 1024
"""Far above any real config; a bigger file is a mistake, not a config."""

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_TOML_ERROR_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_TOML_ERROR_EOF = re.compile(r"\(at end of document\)")

NEW_CONFIG_HEADER = "concurrent = 1\ncheck_interval = 0\nshutdown_timeout = 0\n"
"""Global settings of a brand-new file, as ``gitlab-runner register`` writes them."""


class EditError(ConfigError):
    """An edit that cannot be made without changing more than it should."""


@dataclass(frozen=True)
class RunnerEntry:
    """One ``[[runners]]`` entry: its position and its plain values."""

    index: int
    values: Mapping[str, Any]

    def get(self, key: str) -> Any:
        name = find_key(dict(self.values), key)
        return self.values[name] if name is not None else None


@dataclass(frozen=True)
class Fingerprint:
    """What the file on disk looked like when we read it."""

    content: bytes
    mode: int
    uid: int
    gid: int


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

    def runner_entries(self) -> list[RunnerEntry]:
        runners = _get_ci(self.data, "runners")
        if not isinstance(runners, list):
            return []
        return [RunnerEntry(i, r) for i, r in enumerate(runners) if isinstance(r, dict)]

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
        masked = _apply_splices(self.text, splices)
        return mask_text(_URL_PASSWORD.sub(lambda m: m[1] + mask_secret(m[2]) + "@", masked))

    # -- editing -----------------------------------------------------------------

    def with_edits(self, edits: Iterable[Edit]) -> ConfigDocument:
        """A new document with ``edits`` applied in the file's own style, or EditError."""
        edits = _last_edit_wins(edits)
        if not edits:
            return self
        # Plan on the text as if it ended with a newline, so that no splice has to
        # care whether its line is the last one, then give the missing newline back.
        open_end = bool(self.text) and not self.text.endswith("\n")
        base = replace(self, text=self.text + self.newline, _cache={}) if open_end else self
        new_text = _apply_splices(base.text, _Planner(base).plan(edits))
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
        style = _Style(self)
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
        runners = list(_get_ci(expected, "runners") or [])
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
        return replace(self, text=new_text, data=new_data, _cache={})

    @property
    def _index(self) -> _Index:
        index = self._cache.get("index")
        if index is None:
            index = self._cache["index"] = _Index(self.layout)
        assert isinstance(index, _Index)
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


# -- rendering values ------------------------------------------------------------


def _basic_string(value: str) -> str:
    """A double-quoted TOML string with every escape it needs."""
    return str(_tomlkit().string(value).as_string())


def render_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _basic_string(key)


def render_value(value: TomlValue, quote: str = '"') -> str:
    """A TOML literal for ``value``; strings prefer the file's quote style."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        literal_ok = (
            "'" not in value and not any(c in value for c in "\n\r\t\x7f") and value.isprintable()
        )
        if quote == "'" and literal_ok:
            return f"'{value}'"
        return _basic_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(render_value(item, quote) for item in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{render_key(k)} = {render_value(v, quote)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"cannot write {type(value).__name__} values")


# -- internals -------------------------------------------------------------------


def _get_ci(table: Mapping[str, Any], key: str) -> Any:
    name = find_key(dict(table), key)
    return table[name] if name is not None else None


def _last_edit_wins(edits: Iterable[Edit]) -> list[Edit]:
    latest: dict[tuple[TablePath, str], Edit] = {}
    for edit in edits:
        slot = (fold(edit.table), edit.key.casefold())
        latest.pop(slot, None)
        latest[slot] = edit
    return list(latest.values())


def _apply_splices(text: str, splices: list[tuple[int, int, str]]) -> str:
    """Apply non-overlapping (start, end, replacement) splices.

    At equal starts a pure insertion goes before a splice that replaces text
    (new keys after a line that is itself removed); otherwise the order is kept.
    """
    if not splices:
        return text
    ordered = sorted(
        enumerate(splices), key=lambda item: (item[1][0], item[1][1] > item[1][0], item[0])
    )
    parts: list[str] = []
    cursor = 0
    for _, (start, end, replacement) in ordered:
        if start < cursor:
            raise EditError(None, "two edits overlap; nothing written")
        parts.append(text[cursor:start])
        parts.append(replacement)
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts)


class _Index:
    """Lookups the editor needs: keys, headers, sections and regions by concrete path."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.keys: dict[tuple[TablePath, str], Statement] = {}
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
                self.keys[(full[:-1], str(full[-1]))] = statement
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


def _is_prefix(prefix: TablePath, path: TablePath) -> bool:
    return len(prefix) < len(path) and path[: len(prefix)] == prefix


class _Style:
    """How this file writes things: indentation, blank lines, quotes."""

    def __init__(self, document: ConfigDocument) -> None:
        statements = document.layout.statements
        text = document.text
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


class _Planner:
    """Turns edits into splices on the original text."""

    def __init__(self, document: ConfigDocument) -> None:
        self.document = document
        self.text = document.text
        self.index = document._index
        self.style = _Style(document)
        self.newline = document.newline
        self.splices: list[tuple[int, int, str]] = []
        # New keys per existing table, and per table to create, kept in edit order.
        self.new_keys: dict[TablePath, list[SetValue]] = {}
        self.new_tables: dict[TablePath, list[SetValue]] = {}
        self.removed: set[int] = set()
        """Line offsets of the key statements this plan removes."""

    def plan(self, edits: list[Edit]) -> list[tuple[int, int, str]]:
        # Keyed by the owner's offset: statements are mutable, hence unhashable.
        inline_edits: dict[tuple[int, int], list[tuple[TablePath, Edit]]] = {}
        for edit in edits:
            table = fold(edit.table)
            statement = self.index.keys.get((table, edit.key.casefold()))
            inline_owner = self._inline_owner(table)
            if inline_owner is not None:
                start, end, inner = inline_owner
                inline_edits.setdefault((start, end), []).append((inner, edit))
            elif isinstance(edit, RemoveKey):
                if statement is not None:
                    self._remove(statement)
                    self.removed.add(statement.line_start)
            elif statement is not None:
                self._replace_value(statement, edit.value)
            else:
                target = table
                if table in self.index.headers or table == () or table in self.index.dotted_last:
                    self.new_keys.setdefault(target, []).append(edit)
                else:
                    self.new_tables.setdefault(target, []).append(edit)
        for span, owned in inline_edits.items():
            self._edit_inline(span, owned)
        self._insert_new_keys()
        self._insert_new_tables()
        return self.splices

    # -- values in place -------------------------------------------------------

    def _replace_value(self, statement: Statement, value: TomlValue) -> None:
        old_text = self.text[statement.value_start : statement.value_end]
        quote = "'" if old_text.startswith("'") else self.style.quote
        array = statement.array
        old_value = _value_of(old_text)
        if same_value(old_value, value):
            return
        if array is not None and isinstance(value, list) and isinstance(old_value, list):
            multiline = "\n" in old_text
            if array.items and same_value(value[: len(old_value)], old_value):
                self._append_items(array, array.items, value[len(old_value) :], quote)
                return
            if multiline and not array.items:
                self._fill_empty(statement, value, quote)
                return
            if array.items and self._splice_items(statement, old_value, value, quote):
                return
            if multiline and array.items:
                self._rewrite_multiline(statement, value, quote)
                return
        rendered = render_value(value, quote)
        if isinstance(value, list) and value and re.fullmatch(r"\[ .* \]", old_text):
            rendered = "[ " + rendered[1:-1] + " ]"  # the array was written with inner spaces
        self._keep_inner_comments_above(statement)
        self.splices.append((statement.value_start, statement.value_end, rendered))

    def _inner_comments(self, statement: Statement) -> list[str]:
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

    def _keep_inner_comments_above(self, statement: Statement) -> None:
        """An array rewritten as a whole keeps its comments, as lines above its key."""
        comments = self._inner_comments(statement)
        if comments:
            block = "".join(f"{statement.indent}{c}{self.newline}" for c in comments)
            self.splices.append((statement.line_start, statement.line_start, block))

    def _splice_items(
        self, statement: Statement, old: list[Any], new: list[TomlValue], quote: str
    ) -> bool:
        """Cut removed items out and append new ones, keeping every other character.

        Works when ``new`` is some of the old items, in order, followed by new
        ones. An item alone on its line goes with its whole line (and its
        comment); items sharing a line go with the separator beside them.
        Otherwise returns False and the array is rewritten.
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
            self._append_items(array, [array.items[i] for i in kept], extra, quote)
        elif extra:
            self._fill_empty(statement, extra, quote)
        self.splices.extend((start, end, "") for start, end in cuts)
        return True

    def _cuts(self, array: ArrayLayout, dropped: list[int]) -> list[tuple[int, int]] | None:
        """Spans that remove the ``dropped`` items cleanly, or None if there are none."""
        text = self.text
        items = array.items
        runs: list[list[int]] = []
        for index in dropped:
            if runs and runs[-1][-1] == index - 1:
                runs[-1].append(index)
            else:
                runs.append([index])
        cuts: list[tuple[int, int]] = []
        for run in runs:
            first, last = run[0], run[-1]
            lines = [self._own_line(*items[i]) for i in run]
            together = self._own_line(items[first][0], items[last][1])
            if all(line is not None for line in lines):
                cuts += [line for line in lines if line is not None]
            elif together is not None and "\n" not in text[items[first][0] : items[last][1]]:
                cuts.append(together)  # the run fills its line(s) on its own
            elif last + 1 < len(items) and "\n" not in text[items[first][0] : items[last + 1][0]]:
                cuts.append((items[first][0], items[last + 1][0]))
            elif first > 0 and "\n" not in text[items[first - 1][1] : items[last][1]]:
                cuts.append((items[first - 1][1], items[last][1]))
            elif len(run) == len(items) and "\n" not in text[items[0][0] : items[-1][1]]:
                end = items[-1][1]
                end += len(text[end:]) - len(text[end:].lstrip(" \t,"))
                cuts.append((items[0][0], end))
            else:
                return None
        return cuts

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

    def _fill_empty(self, statement: Statement, value: list[TomlValue], quote: str) -> None:
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

    def _append_items(
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
        indent = text[line_start : line_start + _leading_space(text, line_start)]
        followed_by_comma = text[last_end:newline_at].lstrip(" \t").startswith(",")
        if not followed_by_comma:
            self.splices.append((last_end, last_end, ","))
        if array.trailing_comma:
            block = "".join(f"{self.newline}{indent}{r}," for r in rendered)
        else:
            block = ",".join(f"{self.newline}{indent}{r}" for r in rendered)
        self.splices.append((line_end, line_end, block))

    def _rewrite_multiline(self, statement: Statement, value: TomlValue, quote: str) -> None:
        assert statement.array is not None
        assert isinstance(value, list)
        text = self.text
        first_item = statement.array.items[0][0]
        line_start = text.rfind("\n", 0, first_item) + 1
        indent = text[line_start : line_start + _leading_space(text, line_start)]
        close = statement.array.close
        close_line = text.rfind("\n", 0, close) + 1
        close_indent = text[close_line:close]
        close_indent = close_indent if not close_indent.strip() else ""
        items = [f"{self.newline}{indent}{render_value(v, quote)}" for v in value]
        body = ",".join(items) + ("," if statement.array.trailing_comma and items else "")
        rendered = "[" + body + self.newline + close_indent + "]"
        self._keep_inner_comments_above(statement)
        self.splices.append((statement.value_start, statement.value_end, rendered))

    def _remove(self, statement: Statement) -> None:
        """Remove a key's line(s) but none of its comments.

        Comment lines inside a multi-line array and the comment after the value
        stay behind, in that order, as lines of their own at the key's
        indentation: they are the author's notes, often the reason the value was
        what it was, and the operator decides whether they still apply.
        """
        start, end = statement.line_start, statement.end
        comments = self._inner_comments(statement)
        trailing = re.search(r"#[^\r\n]*", self.text[statement.value_end : end])
        if trailing is not None:
            comments.append(trailing.group(0).rstrip(" \t"))
        self.splices.append(
            (start, end, "".join(f"{statement.indent}{c}{self.newline}" for c in comments))
        )

    # -- inline tables ---------------------------------------------------------

    def _inline_owner(self, table: TablePath) -> tuple[int, int, TablePath] | None:
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

    def _edit_inline(self, span: tuple[int, int], owned: list[tuple[TablePath, Edit]]) -> None:
        value_text = self.text[span[0] : span[1]]
        wrapper = _tomlkit().parse("v = " + value_text)
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
                            self.document.path, f"no entry {part} in an inline array to edit"
                        )
                    node = node[part]
                    continue
                name = find_key(node, part)
                if name is None:
                    if isinstance(edit, RemoveKey):
                        node = None  # nothing to remove, as in apply_edits
                        break
                    node[part] = _tomlkit().inline_table()
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
        if isinstance(item, _tomlkit().items.InlineTable):
            pairs = [
                f"{key.as_string().strip()} = {self._render_inline(value, fresh, padded=padded)}"
                for key, value in item.value.body
                if key is not None
            ]
            if not pairs:
                return "{}"
            return "{ " + ", ".join(pairs) + " }" if padded else "{" + ", ".join(pairs) + "}"
        if isinstance(item, _tomlkit().items.Array) and any(
            isinstance(entry, _tomlkit().items.InlineTable) for entry in item
        ):
            return "[" + ", ".join(self._render_inline(e, fresh, padded=padded) for e in item) + "]"
        return str(item.as_string())

    # -- new keys and tables ---------------------------------------------------

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

    def _insert_new_keys(self) -> None:
        for table, edits in self.new_keys.items():
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

    def _insert_new_tables(self) -> None:
        grouped: dict[tuple[TablePath, int], list[tuple[TablePath, list[SetValue]]]] = {}
        for table in sorted(self.new_tables, key=lambda t: tuple(str(p) for p in t)):
            ancestor = self._header_ancestor(table)
            grouped.setdefault((ancestor, 0), []).append((table, self.new_tables[table]))
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
                    self.document.path,
                    f"[{_dotted(table)}] would extend a table defined with dotted keys; "
                    "edit it by hand",
                )
        if table and isinstance(table[-1], int):
            raise EditError(self.document.path, f"no [[{_dotted(table)}]] entry to edit")
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


def same_value(left: Any, right: Any) -> bool:
    """Equality as TOML sees it: ``1``, ``1.0`` and ``true`` differ, ``nan`` equals ``nan``.

    Python's ``==`` treats ``True == 1``, which would let an edit that must
    write ``true`` over ``1`` pass as a no-op and leave a value the runner rejects.
    """
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same_value(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(same_value, left, right))
    if type(left) is not type(right):
        return False
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    return bool(left == right)


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


def _leading_space(text: str, start: int) -> int:
    count = 0
    while start + count < len(text) and text[start + count] in " \t":
        count += 1
    return count


def _value_of(value_text: str) -> Any:
    try:
        return tomllib.loads("v = " + value_text)["v"]
    except tomllib.TOMLDecodeError:
        return None


def _dotted(table: TablePath) -> str:
    return ".".join(str(part) for part in table if isinstance(part, str))
