"""Helm (and envsubst-style) template text inside the files we edit.

A values file is itself a template at times: ``namespace = "{{.Release.Namespace}}"``
inside the TOML, ``concurrent = {{ .Values.concurrent }}`` unquoted, whole lines
such as ``{{- if .Values.minio.enabled }}``. Neither YAML nor TOML can read the
unquoted forms, so for parsing they are replaced by placeholders and put back
byte for byte afterwards:

* For YAML, each expression becomes a run of ``_`` of the same length and each
  control line a ``#`` comment of the same length, so every line and column the
  parser reports is the line and column of the real file.
* For TOML, an unquoted expression becomes a quoted placeholder string and a
  control line a placeholder comment; both carry a number that restores them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wizard.base.safe_text import Message

_ACTION = re.compile(r"\{\{.*?\}\}")
_CONTROL_LINE = re.compile(r"^[ \t]*(?:\{\{.*?\}\}[ \t]*)+\r?\n?$")
_OPENS = re.compile(r"^\{\{-?\s*(?:if|range|with|define|block)\b")
_ELSE = re.compile(r"^\{\{-?\s*else\b")
_ENDS = re.compile(r"^\{\{-?\s*end\b")
_EXPRESSION = re.compile(r"\{\{.*?\}\}|\$\{[^{}\s]*\}")

_MARK = "\ue000"
"""A private-use character: never in a real config, and legal in TOML strings and comments."""
_VALUE_PLACEHOLDER = re.compile(rf'"{_MARK}e(\d+){_MARK}"')
_LINE_PLACEHOLDER = re.compile(rf"#{_MARK}c(\d+){_MARK}")
_ANY_PLACEHOLDER = re.compile(rf"{_MARK}[ec](\d+){_MARK}")


def is_control_line(line: str) -> bool:
    """A line made only of template actions: Helm decides at render time what it becomes."""
    return bool(_CONTROL_LINE.match(line)) and "{{" in line


def has_template(text: str) -> bool:
    return "{{" in text or "${" in text


def mask_for_yaml(text: str) -> str:
    """The text with template actions blanked out, every line and column kept."""
    if "{{" not in text:
        return text
    out = []
    for line in text.splitlines(keepends=True):
        if is_control_line(line):
            body = line.rstrip("\r\n")
            start = len(body) - len(body.lstrip(" \t"))
            width = len(body) - start
            out.append(body[:start] + "#" + "~" * (width - 1) + line[len(body) :])
        else:
            out.append(_ACTION.sub(lambda m: "_" * len(m.group(0)), line))
    return "".join(out)


@dataclass
class TomlMask:
    """The placeholders put into one TOML text, to put the originals back."""

    values: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def restore(self, text: str) -> str:
        """The text with every placeholder replaced by the template text it stood for."""
        if _MARK not in text:
            return text
        text = _VALUE_PLACEHOLDER.sub(lambda m: self.values[int(m.group(1))], text)
        return _LINE_PLACEHOLDER.sub(lambda m: self.lines[int(m.group(1))], text)

    def restore_value(self, value: str) -> str:
        """A parsed string value with its placeholder shown as the template it stands for."""
        if _MARK not in value:
            return value
        return _ANY_PLACEHOLDER.sub(lambda m: self.values[int(m.group(1))], value)

    def restore_message(self, message: Message) -> Message:
        """A finding's message with the placeholders its holes carried shown as the
        templates they stand for (masked as free text; the sentence stays as written)."""
        if _MARK not in message:
            return message
        return message.restored(_ANY_PLACEHOLDER, lambda index: self.values[int(index)])

    @staticmethod
    def is_placeholder(value: object) -> bool:
        """Whether a parsed value is only a placeholder: Helm decides it at render time."""
        return isinstance(value, str) and bool(re.fullmatch(rf"{_MARK}e\d+{_MARK}", value))

    @staticmethod
    def leftover(text: str) -> bool:
        """A placeholder that did not come back whole (an edit rewrote it)."""
        return _MARK in text or "\\ue000" in text.casefold()


def mask_toml(text: str) -> tuple[str, TomlMask]:
    """TOML text that ``tomllib`` can read, and how to undo the masking."""
    mask = TomlMask()
    if not has_template(text):
        return text, mask
    out: list[str] = []
    multiline: str | None = None  # the delimiter of a multi-line string we are inside
    for line in text.splitlines(keepends=True):
        if is_control_line(line):
            body = line.rstrip("\r\n")
            stripped = body.lstrip(" \t")
            mask.lines.append(stripped)
            placeholder = f"#{_MARK}c{len(mask.lines) - 1}{_MARK}"
            out.append(body[: len(body) - len(stripped)] + placeholder + line[len(body) :])
            continue
        masked, multiline = _mask_toml_line(line, multiline, mask)
        out.append(masked)
    return "".join(out), mask


def _mask_toml_line(line: str, multiline: str | None, mask: TomlMask) -> tuple[str, str | None]:
    """Mask the unquoted expressions of one line; strings are left alone."""
    out: list[str] = []
    i = 0
    quote: str | None = None
    while i < len(line):
        if multiline is not None:
            end = line.find(multiline, i)
            if end < 0:
                out.append(line[i:])
                return "".join(out), multiline
            out.append(line[i : end + 3])
            i = end + 3
            multiline = None
            continue
        char = line[i]
        if quote is not None:
            if quote == '"' and char == "\\":
                out.append(line[i : i + 2])
                i += 2
                continue
            if char == quote:
                quote = None
            out.append(char)
            i += 1
            continue
        if line.startswith(('"""', "'''"), i):
            multiline = line[i : i + 3]
            out.append(multiline)
            i += 3
            continue
        if char in "\"'":
            quote = char
            out.append(char)
            i += 1
            continue
        if char == "#":
            out.append(line[i:])
            break
        match = _EXPRESSION.match(line, i)
        if match:
            mask.values.append(match.group(0))
            out.append(f'"{_MARK}e{len(mask.values) - 1}{_MARK}"')
            i = match.end()
            continue
        out.append(char)
        i += 1
    return "".join(out), multiline


@dataclass(frozen=True)
class Conditional:
    """The innermost template block a line sits in: its opening line."""

    text: str
    line: int
    """0-based line of the opening action in the text it was found in."""


def conditionals(lines: list[str]) -> list[Conditional | None]:
    """For every line, the innermost ``{{ if/range/with }}`` it sits inside (``None``: none)."""
    stack: list[Conditional] = []
    result: list[Conditional | None] = []
    for number, line in enumerate(lines):
        stripped = line.strip()
        if is_control_line(line):
            result.append(stack[-1] if stack else None)
            for action in _ACTION.findall(stripped):
                if _OPENS.match(action):
                    stack.append(Conditional(action, number))
                elif _ENDS.match(action) and stack:
                    stack.pop()
                elif _ELSE.match(action) and stack:
                    stack[-1] = Conditional(action, number)
            continue
        result.append(stack[-1] if stack else None)
    return result


MAX_BRANCH_VARIANTS = 8
"""Readings of one block tried when its template branches cannot all be read at once."""


@dataclass(frozen=True)
class BranchVariant:
    """One reading of a templated block: one branch of each ``if``/``else`` kept."""

    text: str
    """The block with the other branches' lines emptied (line numbers kept)."""
    label: str
    """The branches kept, as the template lines that open them, with their lines."""


def branch_variants(text: str, first_line: int) -> list[BranchVariant]:
    """Every way of choosing one branch of each ``if``/``else`` group, outermost groups only.

    A chart often declares the same table in both branches (``[runners.kubernetes]``
    after ``{{- if }}`` and after ``{{- else }}``): TOML cannot read both at once, Helm
    only ever renders one. Empty when the block has no group with two branches, or
    more than :data:`MAX_BRANCH_VARIANTS` combinations. ``first_line`` is the file
    line (1-based) of the text's first line, for the labels.
    """
    lines = text.splitlines(keepends=True)
    groups: list[list[tuple[int, str]]] = []  # per group: (line, action) of each branch
    ends: list[int] = []
    depth = 0
    current: list[tuple[int, str]] = []
    for number, line in enumerate(lines):
        if not is_control_line(line):
            continue
        for action in _ACTION.findall(line.strip()):
            if _OPENS.match(action):
                if depth == 0:
                    current = [(number, action)]
                depth += 1
            elif _ELSE.match(action) and depth == 1:
                current.append((number, action))
            elif _ENDS.match(action) and depth > 0:
                depth -= 1
                if depth == 0 and len(current) > 1:
                    groups.append(current)
                    ends.append(number)
    combinations = 1
    for group in groups:
        combinations *= len(group)
    if not groups or combinations > MAX_BRANCH_VARIANTS:
        return []
    variants: list[BranchVariant] = []
    for pick in range(combinations):
        kept = list(lines)
        labels = []
        rest = pick
        for group, end in zip(groups, ends, strict=True):
            chosen = rest % len(group)
            rest //= len(group)
            starts = [number for number, _action in group] + [end]
            for branch in range(len(group)):
                if branch == chosen:
                    continue
                for number in range(starts[branch] + 1, starts[branch + 1]):
                    kept[number] = "\n" if kept[number].endswith("\n") else ""
            opened, action = group[chosen]
            labels.append(f"`{action}` (line {first_line + opened})")
        variants.append(BranchVariant("".join(kept), "branch " + ", ".join(labels)))
    return variants
