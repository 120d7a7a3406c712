"""A literal block scalar (``key: |``) inside a YAML text: where its lines are,
what text it holds, and how to put new text in its place.

The YAML library tells where the scalar starts (its ``|`` indicator) and ends;
this module reads the indicator itself (``|``, ``|-``, ``|+``, ``|2``, ``|-2``)
to know the block's indentation, because a splice must re-indent new lines to
exactly that indentation and keep every other byte.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from wizard.base.safe_text import Message

_INDICATOR = re.compile(r"\|(?:([1-9])([+-])?|([+-])([1-9])?)?")


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split only at ``\\n`` (YAML and TOML both break there)."""
    lines = text.split("\n")
    result = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        result.append(lines[-1])
    return result


def _ending(line: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    return "\n" if line.endswith("\n") else ""


def _is_blank(line: str) -> bool:
    return not line.strip(" \t\r\n")


@dataclass(frozen=True)
class Block:
    """A literal block scalar's content lines in its YAML text (0-based line numbers)."""

    header: int
    """The line with the key and the ``|`` indicator."""
    first: int
    """The first content line."""
    end: int
    """One past the last non-blank content line: trailing blank lines stay outside."""
    indent: int
    """The block's indentation, in spaces, stripped from every content line."""
    chomping: str
    """``clip`` (``|``), ``strip`` (``|-``) or ``keep`` (``|+``)."""

    def extract(self, lines: list[str]) -> str:
        """The block's text as the chart reads it, up to its last non-blank line."""
        return "".join(self._dedent(line) for line in lines[self.first : self.end])

    def _dedent(self, line: str) -> str:
        if _is_blank(line) and len(line) - len(line.lstrip(" ")) <= self.indent:
            return _ending(line)
        return line[self.indent :]

    def splice(self, lines: list[str], old: str, new: str) -> list[str]:
        """The YAML lines with the block's text changed from ``old`` to ``new``.

        Lines the change does not touch keep their exact bytes; new lines get the
        block's indentation (blank ones stay empty).
        """
        old_lines, new_lines = split_lines(old), split_lines(new)
        pad = " " * self.indent
        body: list[str] = []
        matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                body += lines[self.first + i1 : self.first + i2]
                continue
            for line in new_lines[j1:j2]:
                body.append(line if _is_blank(line) else pad + line)
        if body and not _ending(body[-1]) and self.end < len(lines):
            body[-1] += _ending(lines[self.end - 1]) or "\n"
        return [*lines[: self.first], *body, *lines[self.end :]]

    def yaml_value(self, extracted: str, trailing_blank_lines: int) -> str:
        """What a YAML parser returns for this block, given the extracted text."""
        text = extracted.replace("\r\n", "\n")
        if self.chomping == "strip":
            return text.rstrip("\n")
        if self.chomping == "keep":
            return text + "\n" * trailing_blank_lines if text.endswith("\n") else text
        return text  # clip: the last line's break, if it has one, and no blank lines


class BlockError(ValueError):
    """The scalar is not a literal block we can edit in place."""

    def __init__(self, reason: Message) -> None:
        super().__init__(reason)
        self.reason = reason


def locate(
    lines: list[str], value_line: int, value_column: int, end_line: int, parent_indent: int
) -> Block:
    """The block whose ``|`` indicator sits at (``value_line``, ``value_column``).

    ``end_line`` is the first line after the scalar as the parser reported it;
    ``parent_indent`` the indentation of the mapping holding the key.
    """
    header = lines[value_line]
    match = _INDICATOR.match(header, value_column)
    if not match:
        raise BlockError(Message.of("not a literal block scalar (|)"))
    digit = match.group(1) or match.group(4)
    sign = match.group(2) or match.group(3)
    chomping = {"-": "strip", "+": "keep"}.get(sign or "", "clip")
    first = value_line + 1
    last = min(end_line, len(lines))
    content = range(first, last)
    if digit:
        indent = parent_indent + int(digit)
    else:
        indents = [
            len(lines[i]) - len(lines[i].lstrip(" ")) for i in content if not _is_blank(lines[i])
        ]
        indent = indents[0] if indents else parent_indent + 1
    end = first
    for number in content:
        if not _is_blank(lines[number]):
            end = number + 1
    return Block(header=value_line, first=first, end=end, indent=indent, chomping=chomping)


def trailing_blank_lines(lines: list[str], block: Block, end_line: int) -> int:
    """Blank lines after the block's last content line that the parser still counted."""
    return sum(
        1 for number in range(block.end, min(end_line, len(lines))) if _is_blank(lines[number])
    )
