"""Where every statement of a TOML file sits: the map the editor splices by.

A small scanner that reads a ``config.toml`` into statements (table headers
and key/value lines) with their exact character spans, indentation and line
numbers, and resolves each header to a concrete path such as
``("runners", 2, "docker")``. It does not build values: ``tomllib`` does that.
Edits are then plain text splices at these spans, which is why an edit changes
only the lines it must and a file we do not edit comes back byte for byte.

The scanner trusts that ``tomllib`` has already accepted the text.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field
from typing import Literal

Path = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_DATE_TIME_GAP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:")
_SCALAR_END = " \t\r\n,]}#"


@dataclass
class ArrayLayout:
    """Item spans of an array value, so items can be appended in the array's own style."""

    items: list[tuple[int, int]] = field(default_factory=list)
    trailing_comma: bool = False
    close: int = 0
    """Offset of the closing bracket."""


@dataclass(slots=True)
class Statement:
    """One header or key/value statement with its spans in the text."""

    kind: Literal["table", "array-table", "key"]
    line_start: int
    """Offset where the statement's line starts (before its indentation)."""
    start: int
    """Offset of the first character of the statement."""
    end: int
    """Offset just past the statement's line ending (or the end of the text)."""
    line: int
    indent: str
    keys: tuple[str, ...]
    """Header name parts, or the (possibly dotted) key parts."""
    path: Path = ()
    """Concrete path of the table a header opens, or of the table a key sits in."""
    value_start: int = 0
    value_end: int = 0
    array: ArrayLayout | None = None


@dataclass
class Layout:
    """All statements of a document, indexed for the editor."""

    text: str
    statements: list[Statement]
    newline: str
    _line_starts: list[int] = field(default_factory=list, repr=False)

    def line_at(self, offset: int) -> int:
        return bisect.bisect_right(self._line_starts, offset)

    def headers(self) -> list[Statement]:
        return [s for s in self.statements if s.kind != "key"]


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.length = len(text)

    def peek(self, count: int = 1) -> str:
        return self.text[self.pos : self.pos + count]

    def skip_spaces(self) -> None:
        while self.pos < self.length and self.text[self.pos] in " \t":
            self.pos += 1

    def skip_comment(self) -> None:
        if self.peek() == "#":
            while self.pos < self.length and self.text[self.pos] != "\n":
                self.pos += 1

    def skip_newline(self) -> None:
        if self.peek(2) == "\r\n":
            self.pos += 2
        elif self.peek() == "\n":
            self.pos += 1

    def skip_trivia(self) -> None:
        """Whitespace, newlines and comments inside arrays and inline tables."""
        while self.pos < self.length:
            char = self.text[self.pos]
            if char in " \t\r\n":
                self.pos += 1
            elif char == "#":
                self.skip_comment()
            else:
                return

    def key(self) -> tuple[str, ...]:
        parts: list[str] = []
        while True:
            self.skip_spaces()
            char = self.peek()
            if char == '"':
                start = self.pos
                self.basic_string()
                parts.append(_unescape_basic(self.text[start + 1 : self.pos - 1]))
            elif char == "'":
                start = self.pos
                self.literal_string()
                parts.append(self.text[start + 1 : self.pos - 1])
            else:
                match = _BARE_KEY.match(self.text, self.pos)
                if not match:
                    raise ValueError(f"expected a key at offset {self.pos}")
                parts.append(match.group(0))
                self.pos = match.end()
            self.skip_spaces()
            if self.peek() == ".":
                self.pos += 1
                continue
            return tuple(parts)

    def basic_string(self) -> None:
        self.pos += 1
        while self.pos < self.length:
            char = self.text[self.pos]
            if char == "\\":
                self.pos += 2
                continue
            self.pos += 1
            if char == '"':
                return
        raise ValueError("unterminated string")

    def literal_string(self) -> None:
        end = self.text.index("'", self.pos + 1)
        self.pos = end + 1

    def multiline_string(self, quote: str) -> None:
        delimiter = quote * 3
        self.pos += 3
        while self.pos < self.length:
            if quote == '"' and self.text[self.pos] == "\\":
                self.pos += 2
                continue
            if self.text.startswith(delimiter, self.pos):
                self.pos += 3
                extra = 0
                while extra < 2 and self.peek() == quote:
                    self.pos += 1
                    extra += 1
                return
            self.pos += 1
        raise ValueError("unterminated multi-line string")

    def value(self) -> ArrayLayout | None:
        char = self.peek()
        if self.peek(3) in ('"""', "'''"):
            self.multiline_string(char)
        elif char == '"':
            self.basic_string()
        elif char == "'":
            self.literal_string()
        elif char == "[":
            return self.array()
        elif char == "{":
            self.inline_table()
        else:
            gap = _DATE_TIME_GAP.match(self.text, self.pos)
            if gap:
                self.pos = gap.end() - 3
            while self.pos < self.length and self.text[self.pos] not in _SCALAR_END:
                self.pos += 1
        return None

    def array(self) -> ArrayLayout:
        layout = ArrayLayout()
        self.pos += 1
        while True:
            self.skip_trivia()
            if self.peek() == "]":
                layout.close = self.pos
                self.pos += 1
                return layout
            start = self.pos
            self.value()
            layout.items.append((start, self.pos))
            layout.trailing_comma = False
            self.skip_trivia()
            if self.peek() == ",":
                self.pos += 1
                layout.trailing_comma = True

    def inline_table(self) -> None:
        self.pos += 1
        while True:
            self.skip_trivia()
            if self.peek() == "}":
                self.pos += 1
                return
            self.key()
            self.skip_spaces()
            self.pos += 1  # "="
            self.skip_spaces()
            self.value()
            self.skip_trivia()
            if self.peek() == ",":
                self.pos += 1


_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_SIMPLE_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


def _unescape_basic(raw: str) -> str:
    """The value of a quoted key, escapes resolved the way TOML defines them."""

    def one(match: re.Match[str]) -> str:
        code = match[1] or match[2]
        if code:
            return chr(int(code, 16))
        return _SIMPLE_ESCAPES.get(match[3], match[0])

    return _ESCAPE.sub(one, raw) if "\\" in raw else raw


def detect_newline(text: str) -> str:
    """The file's own line ending: CRLF when its first line ends that way."""
    first = text.find("\n")
    if first > 0 and text[first - 1] == "\r":
        return "\r\n"
    return "\n"


_TRIVIA_LINES = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\r?\n)*")
"""Blank and comment-only lines, skipped in one match."""

_SIMPLE_KEY_LINE = re.compile(
    r"([ \t]*)([A-Za-z0-9_-]+)[ \t]*=[ \t]*"
    r"(\"(?!\"\")[^\"\\\n]*(?:\\.[^\"\\\n]*)*\"|'(?!'')[^'\n]*'"
    r"|(?!\d{4}-\d\d-\d\d \d)[^ \t\r\n,\]}#\[{\"']+)"
    r"[ \t]*(?:#[^\n]*)?(?:\r?\n|\Z)"
)
"""The usual line, ``  key = "value"  # note``: one bare key and a one-line value.
Arrays, inline tables, multi-line strings (the look-aheads keep their triple
quotes out), dotted or quoted keys and date-times with a space go through the
character scanner."""

_SIMPLE_HEADER_LINE = re.compile(
    r"([ \t]*)\[(\[)?[ \t]*([A-Za-z0-9_-]+(?:[ \t]*\.[ \t]*[A-Za-z0-9_-]+)*)[ \t]*\](?(2)\])"
    r"[ \t]*(?:#[^\n]*)?(?:\r?\n|\Z)"
)
"""A ``[table]`` or ``[[array]]`` header of bare names, the usual kind."""


def _no_match(_text: str, _pos: int) -> None:
    return None


def scan(text: str, *, quick: bool = True) -> Layout:
    """Map the statements of ``text`` (already accepted by ``tomllib``).

    Linear in the text, and quick on big fleets: an ordinary key line is
    matched whole by one regex, blank and comment lines are skipped by another,
    and only the rest is read character by character (all of it without
    ``quick``: the tests check that both ways map a text alike).
    """
    scanner = _Scanner(text)
    statements: list[Statement] = []
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    resolver = PathResolver()
    current_table: Path = ()
    skip_trivia = _TRIVIA_LINES.match
    simple_key = _SIMPLE_KEY_LINE.match if quick else _no_match
    simple_header = _SIMPLE_HEADER_LINE.match if quick else _no_match
    line_of = bisect.bisect_right
    while scanner.pos < scanner.length:
        trivia = skip_trivia(text, scanner.pos) if quick else None
        if trivia is not None:
            scanner.pos = trivia.end()
        line_start = scanner.pos
        simple = simple_key(text, line_start)
        if simple is not None:
            start = simple.start(2)
            statements.append(
                Statement(
                    "key",
                    line_start,
                    start,
                    simple.end(),
                    line_of(line_starts, start),
                    simple[1],
                    (simple[2],),
                    current_table,
                    simple.start(3),
                    simple.end(3),
                )
            )
            scanner.pos = simple.end()
            continue
        header = simple_header(text, line_start)
        if header is not None:
            is_array = header[2] is not None
            keys = tuple(part.strip(" \t") for part in header[3].split("."))
            current_table = resolver.open(keys, array=is_array)
            start = header.end(1)
            statements.append(
                Statement(
                    "array-table" if is_array else "table",
                    line_start,
                    start,
                    header.end(),
                    line_of(line_starts, start),
                    header[1],
                    keys,
                    current_table,
                )
            )
            scanner.pos = header.end()
            continue
        scanner.skip_spaces()
        char = scanner.peek()
        if char in ("\r", "\n"):
            scanner.skip_newline()
            continue
        if char == "#":
            scanner.skip_comment()
            scanner.skip_newline()
            continue
        if not char:
            break
        start = scanner.pos
        indent = text[line_start:start]
        line = bisect.bisect_right(line_starts, start)
        if char == "[":
            is_array = scanner.peek(2) == "[["
            scanner.pos += 2 if is_array else 1
            keys = scanner.key()
            scanner.pos += 2 if is_array else 1
            current_table = resolver.open(keys, array=is_array)
            statement = Statement(
                kind="array-table" if is_array else "table",
                line_start=line_start,
                start=start,
                end=0,
                line=line,
                indent=indent,
                keys=keys,
                path=current_table,
            )
        else:
            keys = scanner.key()
            scanner.skip_spaces()
            scanner.pos += 1  # "="
            scanner.skip_spaces()
            value_start = scanner.pos
            array = scanner.value()
            statement = Statement(
                kind="key",
                line_start=line_start,
                start=start,
                end=0,
                line=line,
                indent=indent,
                keys=keys,
                path=current_table,
                value_start=value_start,
                value_end=scanner.pos,
                array=array,
            )
        scanner.skip_spaces()
        scanner.skip_comment()
        scanner.skip_newline()
        statement.end = scanner.pos
        statements.append(statement)
    return Layout(text, statements, detect_newline(text), line_starts)


_STATEMENT_START = re.compile(
    r"^[ \t]*(?:(\[)(\[)?[ \t]*([A-Za-z0-9_-]+(?:[ \t]*\.[ \t]*[A-Za-z0-9_-]+)*)[ \t]*\]"
    r"(?(2)\])[ \t]*(?:#[^\n]*)?\r?$|(\[)|([A-Za-z0-9_-]+)[ \t]*(=|\.)?)",
    re.MULTILINE,
)
"""A line that starts a header (group 3: its names), that starts with ``[`` otherwise
(group 4), or that starts with a bare word (group 5; group 6 says ``=`` or ``.``)."""

_QUOTED_KEY_LINE = re.compile(
    r"^[ \t]*(?:\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*')[ \t]*[.=]", re.MULTILINE
)
"""A line that starts with a quoted key (an array's string items never have ``=`` or
``.`` right after the closing quote)."""

_VALUE_LIKE = re.compile(r"[+-]?[0-9]|(?:true|false|inf|nan)$")


def _names_of(written: str) -> tuple[str, ...]:
    names = tuple(part.strip(" \t") for part in written.split("."))
    return () if any(_VALUE_LIKE.match(part) for part in names) else names


_cached_names = functools.lru_cache(maxsize=1024)(_names_of)


def header_names(written: str) -> tuple[str, ...]:
    """A simple header's names (``runners . docker``), read from line starts; none when one
    could be a value (``[1]`` inside a multi-line array is an array, not a header).
    Headers repeat in every file of a fleet: each short one is split once."""
    return _cached_names(written) if len(written) <= 256 else _names_of(written)


"""A name in brackets that could be a value: ``[1]`` inside a multi-line array is an
array, not a header."""


def quick_statements(text: str) -> list[tuple[str, str, Path, int]] | None:
    """Headers and keys of ``text`` (accepted by ``tomllib``) with their lines, read by
    looking only at line starts: ``(kind, name, path, line)``, the key's own name for a
    key and the last header name for a header. ``None`` when the text has what only
    :func:`scan` reads right: multi-line strings, quoted or dotted keys, a line
    inside an array that starts with ``[``.

    In such a text a line that starts with a bare word and ``=`` is a key (an array's
    items are values, and no value is a bare word followed by ``=``), and a line that
    starts with ``[`` is a header; what a multi-line array holds otherwise starts
    with a quote, a digit, a brace, ``]`` or ``#``. The tests hold it to :func:`scan`.
    """
    if '"""' in text or "'''" in text or _QUOTED_KEY_LINE.search(text):
        return None
    found: list[tuple[str, str, Path, int]] = []
    resolver = PathResolver()
    current: Path = ()
    line = 1
    counted = 0
    for match in _STATEMENT_START.finditer(text):
        if match[4] is not None:
            return None  # "[" that is not a simple header: an array's item, or a quoted name
        line += text.count("\n", counted, match.start())
        counted = match.start()
        names = match[3]
        if names is not None:
            keys = header_names(names)
            if not keys:
                return None
            is_array = match[2] is not None
            current = resolver.open(keys, array=is_array)
            found.append(("array-table" if is_array else "table", keys[-1], current, line))
        elif match[6] == "=":
            found.append(("key", match[5], current, line))
        elif match[6] == ".":
            return None  # a dotted key, or a number such as 1.5 on an array's line
    return found


class PathResolver:
    """Turns header names into concrete paths, numbering array-of-tables entries."""

    def __init__(self) -> None:
        self.counts: dict[Path, int] = {}
        self.arrays: set[Path] = set()

    def _concrete(self, keys: tuple[str, ...]) -> Path:
        path: list[str | int] = []
        for key in keys:
            path.append(key.casefold())
            as_tuple = tuple(path)
            if as_tuple in self.arrays:
                path.append(self.counts[as_tuple] - 1)
        return tuple(path)

    def open(self, keys: tuple[str, ...], *, array: bool) -> Path:
        if not array:
            return self._concrete(keys)
        parent = self._concrete(keys[:-1])
        base = (*parent, keys[-1].casefold())
        self.arrays.add(base)
        self.counts[base] = self.counts.get(base, 0) + 1
        return (*base, self.counts[base] - 1)


def fold(path: tuple[str | int, ...]) -> Path:
    """A path with every name case-folded, the way the runner compares them."""
    return tuple(part.casefold() if isinstance(part, str) else part for part in path)
