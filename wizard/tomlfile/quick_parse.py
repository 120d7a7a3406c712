"""The plain config.toml most runners have, parsed in one pass with its lines.

A fleet audit spent as long finding its findings' lines as ``tomllib`` spent
parsing: two passes over every file. Most runner configs use a small part of
TOML: ``[table]`` and ``[[array]]`` headers of bare names, one bare key per
line, and values that are strings without escapes, integers, booleans, the
date-times the runner writes, and arrays of those. :func:`quick_parse` reads
exactly that part, building the same data ``tomllib`` would and noting where
each header and key is; for anything else it returns ``None`` and the file goes
to ``tomllib`` (and :func:`~wizard.tomlfile.layout.scan`) as before.

It never accepts what ``tomllib`` refuses: a table defined twice, a key set
twice, a control character, a value it does not know are all ``None``, so the
error a user sees is always ``tomllib``'s. The tests hold it to ``tomllib``
on the corpus and on generated texts: whenever it answers, the data is equal.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from wizard.tomlfile.layout import Path, PathResolver, header_names

PlacedStatement = tuple[str, str, Path, int]
"""``(kind, name, path, line)``: a header (its last name) or a key (its name)."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
"""Control characters TOML allows nowhere (tab and LF aside; CR is read with its LF)."""
_LONE_CR = re.compile(r"\r(?!\n)")

_BLANK_LINES = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\n)*")
_HEADER = re.compile(
    r"[ \t]*\[(\[)?[ \t]*([A-Za-z0-9_-]+(?:[ \t]*\.[ \t]*[A-Za-z0-9_-]+)*)[ \t]*\](?(1)\])"
    r"[ \t]*(?:#[^\n]*)?(?:\n|\Z)"
)
_KEY = re.compile(r"[ \t]*([A-Za-z0-9_-]+)[ \t]*=[ \t]*")
_END = re.compile(r"[ \t]*(?:#[^\n]*)?(?:\n|\Z)")
_SCALAR = re.compile(
    r'"([^"\\\n]*)"'  # 1: a basic string without escapes
    r"|'([^'\n]*)'"  # 2: a literal string
    r"|(true|false)(?![A-Za-z0-9_.:+-])"  # 3
    r"|([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]"  # 4-6
    r"([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])(?:\.([0-9]{1,6})[0-9]*)?"  # 7-10
    r"(?:([Zz])|([+-])([01][0-9]|2[0-3]):([0-5][0-9]))(?![A-Za-z0-9_.:+-])"  # 11-14
    r"|([+-]?(?:0|[1-9](?:_?[0-9])*))(?![A-Za-z0-9_.:+-])"  # 15: a decimal integer
)
"""The values read here; a float, a local date or time, an escape, a multi-line
string, an inline table or a number in another base is left to ``tomllib``."""
_LEAD = r"(?:[ \t]*(?:#[^\n]*)?\n)*"
"""Blank and comment lines before a statement, taken in the same match."""
_KEY_SCALAR_LINE = re.compile(
    _LEAD + r"[ \t]*([A-Za-z0-9_-]+)[ \t]*=[ \t]*(?:" + _SCALAR.pattern + r")"
    r"[ \t]*(?:#[^\n]*)?(?:\n|\Z)"
)
"""The usual line, ``  key = value  # note``, whole: group 1 is the key, the value's
groups follow, one further than in :data:`_SCALAR`."""
_LEAD_HEADER = re.compile(_LEAD + _HEADER.pattern)
_ITEM_GAP = re.compile(r"(?:[ \t\n]|#[^\n]*)*")
"""Inside an array: spaces, newlines and comments."""

_UTC = dt.UTC


class _NotQuick(Exception):
    """The text uses more of TOML than this reader knows: ``tomllib`` reads it."""


def quick_parse(text: str) -> tuple[dict[str, Any], list[PlacedStatement]] | None:
    """The data ``tomllib.loads(text)`` returns and the statements with their lines, or
    ``None`` when the text is not of the plain kind (or not valid)."""
    if "\r" in text:
        if _LONE_CR.search(text):
            return None
        text = text.replace("\r\n", "\n")  # lines are counted alike; values hold no CR
    if _CONTROL.search(text):
        return None
    try:
        return _Reader(text).read()
    except (_NotQuick, ValueError, OverflowError):
        return None


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.root: dict[str, Any] = {}
        self.table = self.root
        self.path: Path = ()
        self.resolver = PathResolver()
        self.defined: set[int] = set()
        """Tables made by a header of their own (``id``): a second header is an error."""
        self.arrays: set[int] = set()
        """Lists made by ``[[...]]`` headers, which later headers may extend."""
        self.statements: list[PlacedStatement] = []

    def read(self) -> tuple[dict[str, Any], list[PlacedStatement]]:
        text, length = self.text, len(self.text)
        simple, header, key = _KEY_SCALAR_LINE.match, _LEAD_HEADER.match, _KEY.match
        count = text.count
        add = self.statements.append
        while self.pos < length:
            found = simple(text, self.pos)
            if found is not None:
                self.line += count("\n", self.pos, found.start(1))
                name = found[1]
                table = self.table
                if name in table:
                    raise _NotQuick  # set twice, or a table of that name: tomllib says which
                add(("key", name, self.path, self.line))
                value = found[2]  # a string without escapes, the usual value
                table[name] = _scalar(found, 1) if value is None else value
                self.pos = found.end()
                self.line += 1
                continue
            found = header(text, self.pos)
            if found is not None:
                self.line += count("\n", self.pos, found.start(2))
                self._open(found)
                self.pos = found.end()
                self.line += 1
                continue
            blank = _BLANK_LINES.match(text, self.pos)
            if blank is not None and blank.end() > self.pos:
                # All of them at once: taking one line at a time would let the two matches
                # above read the rest of a long comment block again for every line of it.
                self.line += count("\n", self.pos, blank.end())
                self.pos = blank.end()
                continue
            found = key(text, self.pos)
            if found is None:
                if _END.fullmatch(text, self.pos):
                    break  # trailing spaces or a comment without a newline
                raise _NotQuick
            name = found[1]
            if name in self.table:
                raise _NotQuick
            self.statements.append(("key", name, self.path, self.line))
            self.pos = found.end()
            self.table[name] = self._value()
            end = _END.match(text, self.pos)
            if end is None:
                raise _NotQuick
            self.pos = end.end()
            self.line += 1
        return self.root, self.statements

    def _open(self, found: re.Match[str]) -> None:
        names = header_names(found[2])
        if not names:
            raise _NotQuick
        is_array = found[1] is not None
        node = self.root
        for name in names[:-1]:
            node = self._step(node, name)
        last = names[-1]
        if is_array:
            entries = node.get(last)
            if entries is None:
                entries = node[last] = []
                self.arrays.add(id(entries))
            elif type(entries) is not list or id(entries) not in self.arrays:
                raise _NotQuick  # a table, or a value's array: tomllib says which
            table: dict[str, Any] = {}
            entries.append(table)
        else:
            table = node.setdefault(last, {})
            if type(table) is not dict or id(table) in self.defined:
                raise _NotQuick
        self.defined.add(id(table))
        self.table = table
        self.path = self.resolver.open(names, array=is_array)
        kind = "array-table" if is_array else "table"
        self.statements.append((kind, last, self.path, self.line))

    def _step(self, node: dict[str, Any], name: str) -> dict[str, Any]:
        """The table ``name`` inside ``node`` on the way to a header: made if absent, the
        last entry of an array of tables, never a value's array or a table of keys."""
        child = node.setdefault(name, {})
        if type(child) is list:
            if id(child) not in self.arrays:
                raise _NotQuick
            child = child[-1]
        if type(child) is not dict:
            raise _NotQuick
        return child

    def _value(self) -> Any:
        text = self.text
        if text.startswith("[", self.pos):
            return self._array()
        found = _SCALAR.match(text, self.pos)
        if found is None:
            raise _NotQuick
        self.pos = found.end()
        return _scalar(found)

    def _array(self) -> list[Any]:
        text = self.text
        self.pos += 1
        items: list[Any] = []
        while True:
            self._skip_gap()
            if text.startswith("]", self.pos):
                self.pos += 1
                return items
            found = _SCALAR.match(text, self.pos)
            if found is None:
                raise _NotQuick  # a nested array, an inline table, another kind of value
            items.append(_scalar(found))
            self.pos = found.end()
            self._skip_gap()
            if text.startswith(",", self.pos):
                self.pos += 1
            elif not text.startswith("]", self.pos):
                raise _NotQuick

    def _skip_gap(self) -> None:
        gap = _ITEM_GAP.match(self.text, self.pos)
        if gap is not None and gap.end() > self.pos:
            self.line += self.text.count("\n", self.pos, gap.end())
            self.pos = gap.end()


def _scalar(found: re.Match[str], shift: int = 0) -> Any:
    """The value a :data:`_SCALAR` match (its groups ``shift`` further) stands for."""
    basic, literal, boolean = found[1 + shift], found[2 + shift], found[3 + shift]
    if basic is not None:
        return basic
    if literal is not None:
        return literal
    if boolean is not None:
        return boolean == "true"
    number = found[15 + shift]
    if number is not None:
        return int(number.replace("_", ""))
    year, month, day, hour, minute, second, fraction, zulu, sign, zone_hour, zone_minute = (
        found.group(*range(4 + shift, 15 + shift))
    )
    if zulu:
        zone = _UTC
    else:
        offset = dt.timedelta(hours=int(zone_hour), minutes=int(zone_minute))
        zone = dt.timezone(offset if sign == "+" else -offset)
    return dt.datetime(
        int(year),
        int(month),
        int(day),
        int(hour),
        int(minute),
        int(second),
        int(fraction.ljust(6, "0")) if fraction else 0,
        tzinfo=zone,
    )
