"""YAML read for its positions: every key's line, every value's exact span.

PyYAML composes a node tree that keeps the start and end of each node, which
is all an in-place editor needs; it never re-emits the file. Template text is
blanked out first (same length, see :mod:`wizard.embedded.templates`), so the
positions it reports are those of the real file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from wizard.embedded.blocks import split_lines
from wizard.embedded.templates import mask_for_yaml
from wizard.errors import ConfigError
from wizard.secrets import mask_secret, remember_secrets_in

YamlPath = tuple[str | int, ...]
"""Keys and sequence indexes from a document's root; the first item is the document."""


class _Loader(yaml.SafeLoader):
    """The safe loader, reading unknown tags (``!Ref``, ``!vault``) as plain values."""


def _untagged(loader: yaml.SafeLoader, _suffix: str, node: Node) -> Any:
    if isinstance(node, MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_Loader.add_multi_constructor("", _untagged)
_Loader.add_multi_constructor("!", _untagged)


def _error(path: Path | None, error: Exception, offset: int, indent: int) -> ConfigError:
    """Where the YAML parser stopped, as a place in the whole file (1-based)."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    line = mark.line + 1 + offset if mark is not None else None
    column = mark.column + 1 + indent if mark is not None else None
    return ConfigError(path, f"invalid YAML: {problem}", line=line, column=column)


@dataclass
class YamlText:
    """One YAML text (a file, or a values string inside one) and its node tree."""

    text: str
    offset: int
    """The file line (0-based) of this text's first line."""
    path: Path | None = None
    roots: list[Node] = field(default_factory=list)
    index: dict[YamlPath, tuple[ScalarNode | None, Node]] = field(default_factory=dict)
    indent: int = 0
    """How far this text is indented in the file (a values block inside YAML)."""

    @property
    def lines(self) -> list[str]:
        return split_lines(self.text)

    @property
    def masked(self) -> str:
        return mask_for_yaml(self.text)

    def parse(self) -> YamlText:
        try:
            self.roots = [root for root in yaml.compose_all(self.masked, Loader=_Loader) if root]
        except yaml.YAMLError as error:
            raise _error(self.path, error, self.offset, self.indent) from None
        except RecursionError:
            raise ConfigError(self.path, "invalid YAML: nested too deeply") from None
        self.index = {}
        for number, root in enumerate(self.roots):
            self._walk(root, (number,), None, set())
        self._remember_secrets()
        return self

    def _remember_secrets(self) -> None:
        """Every secret value in this text, remembered the moment it is read: values under
        secret keys, ``{name, value}`` entries, secret environment entries, a Secret's data."""
        for document in self.documents():
            remember_secrets_in(document)
            if isinstance(document, dict) and document.get("kind") == "Secret":
                remember_secrets_in(document.get("data"), secret=True)
                remember_secrets_in(document.get("stringData"), secret=True)

    def _walk(self, node: Node, path: YamlPath, key: ScalarNode | None, seen: set[int]) -> None:
        if id(node) in seen:
            return  # an alias back to an ancestor: hostile or not, walk it once
        self.index[path] = (key, node)
        if isinstance(node, MappingNode):
            seen = seen | {id(node)}
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode):
                    self._walk(value_node, (*path, key_node.value), key_node, seen)
        elif isinstance(node, SequenceNode):
            seen = seen | {id(node)}
            for position, item in enumerate(node.value):
                self._walk(item, (*path, position), None, seen)

    def data(self, node: Node) -> Any:
        """The plain value of a node (templates blanked), or ``None`` if it cannot be built."""
        loader = _Loader("")
        try:
            return loader.construct_document(node)
        except (yaml.YAMLError, TypeError, RecursionError):
            return None
        finally:
            loader.dispose()

    def documents(self) -> list[Any]:
        return [self.data(root) for root in self.roots]

    def line_of(self, path: YamlPath) -> int | None:
        """The 1-based file line of the key at ``path`` (or of its value, for list items)."""
        entry = self.index.get(path)
        if entry is None:
            return None
        key, value = entry
        mark = (key or value).start_mark
        return mark.line + 1 + self.offset

    def mappings(self) -> Iterator[tuple[YamlPath, MappingNode]]:
        for path, (_key, node) in self.index.items():
            if isinstance(node, MappingNode):
                yield path, node

    def scalar(self, path: YamlPath) -> str | None:
        entry = self.index.get(path)
        if entry is None or not isinstance(entry[1], ScalarNode):
            return None
        return str(entry[1].value)


def child(mapping: MappingNode, name: str) -> Node | None:
    for key, value in mapping.value:
        if isinstance(key, ScalarNode) and key.value == name and isinstance(value, Node):
            return value
    return None


def scalar_value(node: Node | None) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) else None


# -- in-place scalar edits ------------------------------------------------------------------

_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_./:@-]+$")
_YAML_SPECIAL = re.compile(r"(?i)^(true|false|yes|no|on|off|null|~|y|n|-?\d[\d_.eE+-]*)$")


def render_scalar(value: bool | int | str, style: str | None) -> str:
    """A YAML scalar for ``value``, quoted like the one it replaces where it can be."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if style == "'" and "\n" not in value:
        return "'" + value.replace("'", "''") + "'"
    if style != '"' and _PLAIN_SAFE.fullmatch(value) and not _YAML_SPECIAL.fullmatch(value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def replace_scalar(text: str, node: ScalarNode, value: bool | int | str) -> str:
    """``text`` with one single-line scalar replaced; other bytes untouched."""
    start, end = node.start_mark.index, node.end_mark.index
    if node.start_mark.line != node.end_mark.line or node.style in ("|", ">"):
        raise ValueError("only a value written on one line can be changed in place")
    return text[:start] + render_scalar(value, node.style) + text[end:]


# -- secrets --------------------------------------------------------------------------------

_SECRET_NAME = re.compile(
    r"(?i)token|password|passwd|secret|private[-_]?key|access[-_]?key|secret[-_]?key|api[-_]?key|"
    r"credentials?|accountkey"
)
_NOT_SECRET_NAME = re.compile(
    r"(?i)^(secret|secretname|existingsecret|.*(token|secret)key|.*name|.*_overwrite_allowed|"
    r"automount.*|.*secretref|.*file|.*path)$"
)


def _secret_value(key: str, node: Node) -> bool:
    if not isinstance(node, ScalarNode) or not node.value:
        return False
    if not _SECRET_NAME.search(key) or _NOT_SECRET_NAME.match(key):
        return False
    value = str(node.value)
    return not (
        node.tag.endswith((":bool", ":int", ":float", ":null"))
        or value.startswith("$")
        or "{{" in value
        or set(value) <= {"_"}
    )


def masked_lines(layer: YamlText, secret_parents: set[YamlPath] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """The layer's lines with every secret-looking value masked in place.

    ``secret_parents`` are mappings whose every value is secret (a Secret's ``data``).
    """
    lines = layer.lines
    for path, (key, node) in layer.index.items():
        if key is None or not isinstance(node, ScalarNode):
            continue
        whole = path[:-1] in secret_parents
        if not (whole or _secret_value(str(key.value), node)) or not node.value:
            continue
        start, end = node.start_mark, node.end_mark
        if start.line == end.line:
            line = lines[start.line]
            raw = line[start.column : end.column]
            quote = raw[0] if raw[:1] in ("'", '"') else ""
            inner = raw[1:-1] if quote else raw
            masked = quote + mask_secret(inner) + quote
            lines[start.line] = line[: start.column] + masked + line[end.column :]
        else:
            _mask_span(lines, node)
    return lines


def _mask_span(lines: list[str], node: ScalarNode) -> None:
    """Mask a scalar written over several lines, and nothing after it.

    A block scalar's span ends where the next key starts: that line is not part of
    the value and is left as it is (blanking it hid a change on it from the diff). A
    quoted or plain scalar starts on its key's line: that first line is masked too.
    """
    start, end = node.start_mark, node.end_mark
    block = node.style in ("|", ">")
    for number in range(start.line, min(end.line + 1, len(lines))):
        line = lines[number]
        body = line.rstrip("\r\n")
        begin = start.column if number == start.line else 0
        stop = end.column if number == end.line else len(body)
        if number == start.line and block:
            continue  # the ``|`` or ``>`` indicator
        if number == end.line and not body[:stop].strip():
            continue  # the line after the value
        if begin < len(body) and body[begin] in "\"'" and number == start.line:
            begin += 1  # keep the opening quote
        if number == end.line and stop > begin and body[stop - 1] in "\"'" and not block:
            stop -= 1  # and the closing one
        segment = body[begin:stop]
        if not segment.strip():
            continue
        pad = len(segment) - len(segment.lstrip())
        lines[number] = body[: begin + pad] + "…" + body[stop:] + line[len(body) :]
