"""Recognise TOML 1.1 syntax, which GitLab Runner 18.9 and later read and we cannot yet.

The runner's decoder (BurntSushi/toml, see go.mod) accepts TOML 1.1: inline
tables over several lines, with comments and a trailing comma, and the ``\\e``
and ``\\xHH`` escapes. ``tomllib`` reads TOML 1.0 only, so such a file used to
be reported as "invalid TOML", which is wrong: the runner loads it. When a
file fails to parse, :func:`toml11_construct` rewrites those constructs into
their TOML 1.0 equivalent; if the result parses, the file is valid TOML 1.1
and the error names the first construct and its line instead.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass


@dataclass(frozen=True)
class Construct:
    """The first TOML 1.1 construct in a file."""

    line: int
    what: str


class _Rewriter:
    """One pass over the text, tracking strings, comments and brackets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out: list[str] = []
        self.found: Construct | None = None
        self.line = 1
        self.stack: list[tuple[str, int]] = []
        """Open ``{``/``[`` with the line each opened on."""

    def note(self, line: int, what: str) -> None:
        if self.found is None:
            self.found = Construct(line, what)

    def inline_line(self) -> int | None:
        """The line of the outermost open inline table, if inside one."""
        return next((line for bracket, line in self.stack if bracket == "{"), None)

    def run(self) -> str:
        text, i, n = self.text, 0, len(self.text)
        while i < n:
            char = text[i]
            if text.startswith(('"""', "'''"), i):
                i = self.string(i, text[i : i + 3], multiline=True)
            elif char in "\"'":
                i = self.string(i, char, multiline=False)
            elif char == "#":
                end = text.find("\n", i)
                end = n if end < 0 else end
                if self.inline_line() is None:
                    self.out.append(text[i:end])
                i = end
            elif char in "{[":
                self.stack.append((char, self.line))
                self.out.append(char)
                i += 1
            elif char in "}]":
                if self.stack:
                    self.stack.pop()
                self.out.append(char)
                i += 1
            elif char == "," and self.stack and self.stack[-1][0] == "{":
                if self.closes_next(i + 1):
                    self.note(self.line, "a trailing comma in an inline table")
                else:
                    self.out.append(char)
                i += 1
            elif char == "\n":
                opened = self.inline_line()
                if opened is not None:
                    self.note(opened, "an inline table written over several lines")
                    self.out.append(" ")
                else:
                    self.out.append(char)
                self.line += 1
                i += 1
            else:
                self.out.append(char)
                i += 1
        return "".join(self.out)

    def closes_next(self, start: int) -> bool:
        """True when only blanks, newlines and comments stand between here and ``}``."""
        text, i = self.text, start
        while i < len(text):
            if text[i] in " \t\r\n":
                i += 1
            elif text[i] == "#":
                end = text.find("\n", i)
                i = len(text) if end < 0 else end
            else:
                return text[i] == "}"
        return False

    def string(self, start: int, quote: str, *, multiline: bool) -> int:
        text, i = self.text, start + len(quote)
        self.out.append(quote)
        basic = quote[0] == '"'
        while i < len(text):
            if text.startswith(quote, i):
                # A multi-line string may end with up to two extra quotes before the closer.
                end = i + len(quote)
                while multiline and text.startswith(quote[0], end) and end - i < 5:
                    end += 1
                self.out.append(text[i:end])
                return end
            char = text[i]
            if char == "\n":
                self.line += 1
                if not multiline:
                    self.out.append(char)
                    return i + 1
            if basic and char == "\\" and i + 1 < len(text):
                follow = text[i + 1]
                if follow == "e":
                    self.note(self.line, "the \\e escape")
                    self.out.append("\\u001b")
                    i += 2
                    continue
                if follow == "x" and len(text[i + 2 : i + 4]) == 2:
                    self.note(self.line, "a \\x escape")
                    self.out.append("\\u00" + text[i + 2 : i + 4])
                    i += 4
                    continue
                self.out.append(text[i : i + 2])
                if follow == "\n":
                    self.line += 1
                i += 2
                continue
            self.out.append(char)
            i += 1
        return i


def as_toml10(text: str) -> tuple[str, Construct | None]:
    """``text`` with its TOML 1.1 constructs written the TOML 1.0 way, and the first of them."""
    rewriter = _Rewriter(text)
    return rewriter.run(), rewriter.found


def toml11_construct(text: str) -> Construct | None:
    """The first TOML 1.1 construct, when rewriting them makes the file valid TOML 1.0."""
    rewritten, found = as_toml10(text)
    if found is None:
        return None
    try:
        tomllib.loads(rewritten)
    except tomllib.TOMLDecodeError:
        return None  # broken in other ways too: the plain parse error says more
    return found
