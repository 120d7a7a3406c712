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

from wizard.base.errors import ConfigError
from wizard.base.masking import mask_secret, remember_secrets_in
from wizard.base.safe_text import Message
from wizard.base.sinks import unsafe_character
from wizard.embedded.blocks import split_lines
from wizard.embedded.templates import mask_for_yaml

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


MERGE_TAG = "tag:yaml.org,2002:merge"

MAX_ALIAS_EXPANSION = 100_000
"""Nodes that aliases may add to one YAML text beyond the nodes written in it.

A real values file repeats a few blocks through anchors; a file whose aliases
expand to more (an alias bomb: nine levels of nine aliases is 387 million
nodes from 548 bytes) is refused before anything walks or builds it.
"""

_CHECKED_SCALARS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("int", "float", "bool", "timestamp", "binary", "null")
)
"""Scalar types the constructor can reject (``!!int "x"``, ``2020-99-99``): checked on read."""


def merged_pairs(mapping: MappingNode) -> list[tuple[Node, Node]]:
    """The mapping's pairs with ``<<:`` merge keys resolved as Helm's YAML reader does.

    Pairs apply in order, a later one overriding an earlier one with the same key:
    a merge sets the merged keys where the ``<<:`` stands (a key written before it
    is overridden, one written after it wins), and of a list of merged mappings
    the first wins. :meth:`YamlText.parse` has refused cycles and bombs.
    """
    pairs: list[tuple[Node, Node]] = []
    for key, value in mapping.value:
        if key.tag != MERGE_TAG:
            pairs.append((key, value))
            continue
        merged = [value] if isinstance(value, MappingNode) else list(value.value)
        for source in reversed(merged):
            if isinstance(source, MappingNode):
                pairs.extend(merged_pairs(source))
    return pairs


def _construct_mapping(
    loader: yaml.SafeLoader, node: MappingNode, deep: bool = False
) -> dict[Any, Any]:
    """A mapping built from :func:`merged_pairs`, leaving the node tree as it was.

    The stock constructor flattens merge keys by rewriting the nodes in place
    (and lets keys written before ``<<:`` win, unlike Helm).
    """
    result: dict[Any, Any] = {}
    for key_node, value_node in merged_pairs(node):
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "found an unhashable key", key_node.start_mark
            ) from None
        result[key] = loader.construct_object(value_node, deep=deep)
    return result


_Loader.construct_mapping = _construct_mapping  # type: ignore[assignment, method-assign]


class _Frame:
    """One node being walked: its children still to visit, and its expanded size so far."""

    __slots__ = ("children", "next", "node", "path", "size")

    def __init__(self, node: Node, path: YamlPath | None) -> None:
        self.node = node
        self.path = path
        self.next = 0
        self.size = 1
        self.children: list[tuple[ScalarNode | None, str | int | None, Node]] = []
        if isinstance(node, MappingNode):
            for key, value in node.value:
                # Keys are nodes too (an alias can be a key); only scalar keys name a path.
                self.children.append((None, None, key))
                label = key.value if isinstance(key, ScalarNode) else None
                self.children.append((key if label is not None else None, label, value))
        elif isinstance(node, SequenceNode):
            self.children = [(None, position, item) for position, item in enumerate(node.value)]


class _Walk:
    """One pass over a composed text: each node visited once, in document order.

    It indexes each node under the first path that reaches it (an alias is not
    walked again), refuses an alias inside the node it names, counts what
    aliases would expand to against :data:`MAX_ALIAS_EXPANSION`, and builds each
    typed scalar once so a value the constructor rejects is one line here, never
    a traceback later. No message quotes a value: it may be a token.
    """

    def __init__(self, text: YamlText) -> None:
        self.text = text
        self.sizes: dict[int, int] = {}
        """Expanded size of every node walked to its end, by identity."""
        self.expansion = 0
        self.loader = _Loader("")

    def run(self) -> None:
        try:
            for number, root in enumerate(self.text.roots):
                self._root(root, number)
        finally:
            self.loader.dispose()

    def _refuse(self, reason: Message, node: Node) -> ConfigError:
        line = node.start_mark.line + 1 + self.text.offset
        return ConfigError(self.text.path, reason, line=line)

    def _root(self, root: Node, number: int) -> None:
        self.text.index[(number,)] = (None, root)
        self._enter(root)
        frames = [_Frame(root, (number,))]
        on_path = {id(root)}
        while frames:
            frame = frames[-1]
            if frame.next == len(frame.children):
                frames.pop()
                on_path.discard(id(frame.node))
                self.sizes[id(frame.node)] = frame.size
                if frames:
                    frames[-1].size += frame.size
                continue
            key, label, node = frame.children[frame.next]
            frame.next += 1
            identity = id(node)
            if identity in on_path:
                raise self._refuse(
                    Message.of(
                        "invalid YAML: an alias refers to the node that contains it (a "
                        "self-referential alias)"
                    ),
                    key or frame.node,
                )
            known = self.sizes.get(identity)
            if known is not None:  # an alias to a node walked already: counted, not walked
                frame.size += known
                self.expansion += known
                if self.expansion > MAX_ALIAS_EXPANSION:
                    raise self._refuse(
                        Message.of(
                            (
                                "YAML aliases expand this file by more than {limit:,} "
                                "nodes (an alias bomb?); refused"
                            ),
                            limit=MAX_ALIAS_EXPANSION,
                        ),
                        key or frame.node,
                    )
                continue
            path = None if frame.path is None or label is None else (*frame.path, label)
            if path is not None:
                self.text.index[path] = (key, node)
            self._enter(node)
            on_path.add(identity)
            frames.append(_Frame(node, path))

    def _enter(self, node: Node) -> None:
        """Refuse what the constructor would reject in this node itself."""
        if isinstance(node, ScalarNode):
            if node.tag in _CHECKED_SCALARS:
                self._check_scalar(node)
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                if key.tag == MERGE_TAG and not _mergeable(value):
                    raise self._refuse(
                        Message.of(
                            "invalid YAML: a merge key (<<) must name a mapping or a list of "
                            "mappings"
                        ),
                        key,
                    )
                if not isinstance(key, ScalarNode):
                    raise self._refuse(
                        Message.of("invalid YAML: a mapping key that is itself a list or mapping"),
                        key,
                    )

    def _check_scalar(self, node: ScalarNode) -> None:
        constructor = self.loader.yaml_constructors.get(node.tag)
        if constructor is None:
            return
        try:
            constructor(self.loader, node)
        except Exception:  # any rejection, whatever the constructor raises, is this one line
            kind = node.tag.rsplit(":", 1)[-1]
            raise self._refuse(
                Message.of(
                    (
                        "invalid YAML: a value typed !!{kind} (by its tag or its form) is not "
                        "a valid {kind}; the value is not shown, it may be a secret"
                    ),
                    kind=kind,
                ),
                node,
            ) from None


def _mergeable(value: Node) -> bool:
    if isinstance(value, MappingNode):
        return True
    return isinstance(value, SequenceNode) and all(
        isinstance(item, MappingNode) for item in value.value
    )


def _error(path: Path | None, error: Exception, offset: int, indent: int) -> ConfigError:
    """Where the YAML parser stopped, as a place in the whole file (1-based)."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    line = mark.line + 1 + offset if mark is not None else None
    column = mark.column + 1 + indent if mark is not None else None
    return ConfigError(
        path, Message.of("invalid YAML: {problem}", problem=problem), line=line, column=column
    )


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
    _paths: dict[int, YamlPath] | None = field(default=None, repr=False)

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
            raise ConfigError(self.path, Message.of("invalid YAML: nested too deeply")) from None
        self.index = {}
        self._paths = None
        _Walk(self).run()
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

    def data(self, node: Node) -> Any:
        """The plain value of a node (templates blanked), or ``None`` if it cannot be built.

        :meth:`parse` has already refused every value the constructor rejects and
        bounded what aliases expand to, so this is a last resort, not a silent path.
        """
        loader = _Loader("")
        try:
            return loader.construct_document(node)
        except Exception:  # the last resort said above: no value, no traceback
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

    def path_of(self, node: Node) -> YamlPath | None:
        """The path that first reaches ``node`` (where it is written), ``None`` if none does."""
        if self._paths is None:
            self._paths = {id(value): path for path, (_key, value) in self.index.items()}
        return self._paths.get(id(node))

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
    """The value of key ``name``, merge keys resolved (the last one written wins, as in Helm)."""
    found = None
    pairs = merged_pairs(mapping) if any(k.tag == MERGE_TAG for k, _v in mapping.value) else None
    for key, value in pairs if pairs is not None else mapping.value:
        if isinstance(key, ScalarNode) and key.value == name and isinstance(value, Node):
            found = value
    return found


def scalar_value(node: Node | None) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) else None


# -- in-place scalar edits ------------------------------------------------------------------

_PLAIN_SAFE = re.compile(r"[A-Za-z0-9_/][A-Za-z0-9_./-]*")
"""What may stay unquoted: no indicator first, no ``:`` (``12:30`` is a number in YAML 1.1)."""
_YAML_SPECIAL = re.compile(r"(?i)^(true|false|yes|no|on|off|null|~|y|n|[-+]?\d.*)$")
"""Plain scalars a YAML 1.1 reader takes as something else: booleans, null, and anything
starting with a digit (``0x1F``, ``1_000``, ``2024-01-01``)."""
_NAMED_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escaped_character(char: str) -> str:
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    if char.isprintable() and not unsafe_character(char):
        return char
    return f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"


def double_quoted(value: str) -> str:
    """``value`` as a double-quoted YAML scalar: every character that is not printable, or
    that a YAML 1.1 reader takes as a line break (U+0085, U+2028, U+2029), escaped."""
    return '"' + "".join(_escaped_character(char) for char in value) + '"'


def render_scalar(value: bool | int | str, style: str | None) -> str:
    """A YAML scalar for ``value``, quoted like the one it replaces where it can be, and
    quoted whenever a plain scalar would read as anything but this string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    printable = value.isprintable() and not unsafe_character(value)
    if style == "'" and printable:
        return "'" + value.replace("'", "''") + "'"
    if style != '"' and _PLAIN_SAFE.fullmatch(value) and not _YAML_SPECIAL.fullmatch(value):
        return value
    return double_quoted(value)


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
