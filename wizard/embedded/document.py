"""A runner config that lives inside a YAML file, behind the same interface as a config.toml.

:class:`EmbeddedConfig` is a :class:`~wizard.tomlfile.document.ConfigDocument` whose
``text`` and ``data`` are the TOML inside the block (templates masked), so
rules, plans, presets and the wizards work on it unchanged. What differs is
how it comes back out: every edit is made by the TOML layer, then the new TOML
is re-indented and spliced into the YAML, which is parsed again and must mean
what it meant before plus the intended change. ``to_bytes`` is the YAML file;
``line_of`` and ``masked_text`` speak in lines of the YAML file.

Edits to the chart's own values (``rbac.clusterWideAccess`` and the like) are
``SetValue`` edits whose table starts with :data:`CHART`; they replace one
scalar where it stands.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wizard.base.errors import EditError
from wizard.base.masking import mask_text
from wizard.base.model import Edit, RemoveKey, SetValue, TablePath
from wizard.base.safe_text import Message
from wizard.base.sinks import UnsafeValueError, checked, template_delimiter
from wizard.embedded.blocks import split_lines
from wizard.embedded.templates import (
    _ACTION,
    Conditional,
    TomlMask,
    conditionals,
    is_control_line,
)
from wizard.tomlfile.document import ConfigDocument

if TYPE_CHECKING:
    from wizard.embedded.locate import Override
    from wizard.embedded.yamltree import YamlPath, YamlText

CHART = "@values"
"""First item of a table path that names the chart's values, not the TOML."""


@dataclass(frozen=True, eq=False)
class EmbeddedSource:
    """The YAML around the TOML: the file's text and where each part sits in it."""

    file_text: str
    kind: str
    layers: tuple[YamlText, ...]
    """The file, then each values text nested inside the one before (Argo CD)."""
    links: tuple[YamlPath, ...]
    """For each layer but the last: the block holding the next layer."""
    toml_path: YamlPath | None
    """The block holding the TOML in the last layer, ``None`` when the file has none."""
    chart_root: YamlPath | None
    chart_kind: str | None
    """``helm`` (the chart's values) or ``operator`` (a Runner's spec)."""
    note: str | None
    mask: TomlMask
    toml_raw: str
    """The TOML as written in the file, templates and all."""
    toml_offset: int
    """File line (0-based) of the TOML's first line."""
    toml_indent: int
    """Spaces in front of every TOML line in the file (all enclosing blocks together)."""
    choice: tuple[int, ...] = ()
    """Which of the file's runner configs this is (:func:`~wizard.embedded.load.block_choices`)."""
    overrides: tuple[Override, ...] = ()
    """Argo CD ``helm.parameters`` set on top of the chart values: applied when auditing."""
    read_only: Message | None = None
    """Why the config block cannot be edited in place (not a literal ``|`` block, ...)."""
    literal: bool = True
    """Whether the block's lines are the TOML's lines (a ``|`` block), for lines and masking."""
    branch: int = 0
    branches: int = 1
    """How many readings the block has: one per choice of its template branches."""
    _memo: dict[str, Any] = field(default_factory=dict)

    @property
    def file_lines(self) -> list[str]:
        return split_lines(self.file_text)

    def conditionals(self) -> list[Conditional | None]:
        cached = self._memo.get("conditionals")
        if cached is None:
            cached = self._memo["conditionals"] = conditionals(self.file_lines)
        return list(cached)


@dataclass(frozen=True)
class EmbeddedConfig(ConfigDocument):
    """A config.toml inside a Helm values file, ConfigMap or Runner manifest."""

    source: EmbeddedSource | None = None

    @property
    def src(self) -> EmbeddedSource:
        assert self.source is not None
        return self.source

    # -- reading -----------------------------------------------------------------------

    @property
    def kind(self) -> str:
        return self.src.kind

    @property
    def block_name(self) -> str:
        """This runner config among others in its file: what it is, and its line."""
        source = self.src
        where = source.toml_path or source.chart_root
        line = source.layers[-1].line_of(where) if where is not None else None
        return f"{source.kind} (line {line})" if line is not None else source.kind

    @property
    def has_toml(self) -> bool:
        return self.src.toml_path is not None

    @property
    def file_mode(self) -> int | None:
        """Not a runner's config on a host: its permissions are the repository's business."""
        return None

    def to_bytes(self) -> bytes:
        return self.dumps().encode("utf-8")

    def dumps(self) -> str:
        return ("\ufeff" if self.bom else "") + self.src.file_text

    def chart_values(self) -> Mapping[str, Any] | None:
        """The chart's values (or the Runner's spec) as plain data; templates read as ``_``."""
        source = self.src
        if source.chart_root is None:
            return None
        layer = source.layers[-1]
        entry = layer.index.get(source.chart_root)
        if entry is None:
            return None
        value = layer.data(entry[1])
        if not isinstance(value, Mapping):
            return None
        values: Mapping[str, Any] = value
        for override in source.overrides:
            values = _with_value(values, override.name, override.value)
        return values

    def effective_data(self) -> dict[str, Any]:
        """The TOML as the runner ends up with it: the chart registers every runner with
        ``runners.executor`` (default ``kubernetes``) unless the TOML names one."""
        if self.src.chart_kind != "helm":
            return self.data
        chart = self.chart_values() or {}
        runners_values = chart.get("runners")
        executor = runners_values.get("executor") if isinstance(runners_values, Mapping) else None
        executor = executor if isinstance(executor, str) and executor.strip("_") else "kubernetes"
        data = dict(self.data)
        runners = data.get("runners")
        if isinstance(runners, list):
            data["runners"] = [
                {**entry, "executor": executor}
                if isinstance(entry, dict) and not _has_key(entry, "executor")
                else entry
                for entry in runners
            ]
        return data

    def line_of(self, table: TablePath, key: str | None = None) -> int | None:
        source = self.src
        if table[:1] == (CHART,):
            if source.chart_root is None:
                return None
            layer = source.layers[-1]
            wanted = (*table[1:], *([key] if key else []))
            for override in source.overrides:
                if wanted[: len(override.name)] == override.name:
                    return override.line  # the parameter decides this value
            path: YamlPath = (*source.chart_root, *wanted)
            while len(path) > len(source.chart_root):
                line = layer.line_of(path)
                if line is not None:
                    return line
                path = path[:-1]
            return layer.line_of(source.chart_root)
        if not source.literal and source.toml_path is not None:
            return source.layers[-1].line_of(source.toml_path)  # inside a quoted value
        line = super().line_of(table, key)
        return None if line is None else line + source.toml_offset

    def condition_at(self, line: int | None) -> Message | None:
        """The template block a file line sits in, as a note for a finding."""
        if line is None:
            return None
        found = self.src.conditionals()
        if not 0 < line <= len(found):
            return None
        conditional = found[line - 1]
        if conditional is None:
            return None
        return Message.of(
            "only when `{condition}` (line {line}) holds",
            condition=conditional.text,
            line=conditional.line + 1,
        )

    def decided_at_render(self, rule: str, table: TablePath, key: str | None) -> bool:
        """A type finding about a value that is a template: Helm writes the real value."""
        if rule != "wrong-value-type" or key is None or table[:1] == (CHART,):
            return False
        from wizard.tomlfile.edits import resolve_table

        try:
            container = resolve_table(self.data, table, create=False)
        except (KeyError, ValueError, TypeError, IndexError):
            return False
        if not isinstance(container, Mapping):
            return False
        value = container.get(key)
        return TomlMask.is_placeholder(value) or (
            isinstance(value, str) and TomlMask.leftover(value)
        )

    def shown(self, message: Message) -> Message:
        """A message with template placeholders shown as the template text they stand for."""
        return self.src.mask.restore_message(message)

    def masked_text(self) -> str:
        """The whole YAML file with every secret masked, TOML and YAML alike."""
        from wizard.embedded.yamltree import masked_lines

        source = self.src
        lines = source.file_lines
        for number, layer in enumerate(source.layers):
            indent = _layer_indent(source, number)
            secret_parents = _secret_mappings(layer)
            original = layer.lines
            for index, masked in enumerate(masked_lines(layer, secret_parents)):
                if masked != original[index]:
                    lines[layer.offset + index] = " " * indent + masked
        if not source.literal and source.toml_path is not None:
            _hide_value(lines, source.layers[-1], source.toml_path)
        elif source.toml_path is not None:
            masked_toml = split_lines(source.mask.restore(super().masked_text()))
            for index, (old, new) in enumerate(
                zip(split_lines(source.toml_raw), masked_toml, strict=False)
            ):
                if old != new:
                    lines[source.toml_offset + index] = " " * source.toml_indent + new
        return mask_text("".join(lines))

    # -- editing -----------------------------------------------------------------------

    def with_edits(self, edits: Iterable[Edit]) -> ConfigDocument:
        edits = list(edits)
        if edits and self.src.read_only is not None and self.src.toml_path is not None:
            raise EditError(
                self.path, self.src.read_only, line=self.src.layers[-1].line_of(self.src.toml_path)
            )
        chart = [edit for edit in edits if edit.table[:1] == (CHART,)]
        toml = [edit for edit in edits if edit.table[:1] != (CHART,)]
        for edit in toml:
            if isinstance(edit, SetValue):
                self._refuse_unsafe_value(edit)
        document: ConfigDocument = self._with_chart_edits(chart) if chart else self
        if toml and self.src.toml_path is None:
            self._verified(self.text, self.data)  # says there is no block to edit
        if toml:
            document = ConfigDocument.with_edits(document, toml)
        return document

    def _refuse_unsafe_value(self, edit: SetValue) -> None:
        """A value written into the TOML block must stay a value of the block.

        The chart renders ``runners.config`` with ``tpl`` (templates/configmap.yaml):
        ``{{`` or ``}}`` in a value from a preset or an answers file would run as a
        template action there, so it is refused, as is a control character. The
        block's own template text comes back only as it stands in the file.
        """
        where = ".".join(str(part) for part in edit.table)
        key = f"[{where}] {edit.key}"
        strings: list[str] = []

        def collect(value: object) -> None:
            if isinstance(value, str):
                strings.append(value)
            elif isinstance(value, list):
                for item in value:
                    collect(item)
            elif isinstance(value, dict):
                for name, item in value.items():
                    collect(name)
                    collect(item)

        collect(edit.value)
        own_values, own = self._own_text()
        for text in strings:
            if text in own_values:
                continue  # a value the block already holds, written back escaped as TOML
            checked(text, file=str(self.path), key=key)
            # An action the block already holds (a list kept around a new entry) is the
            # file's own; any other one, or a lone delimiter, came from outside.
            foreign = _ACTION.sub(
                lambda match: "" if match.group(0) in own else match.group(0), text
            )
            mark = template_delimiter(foreign)
            if mark is not None and self.src.chart_kind == "helm":
                raise UnsafeValueError(
                    str(self.path),
                    key,
                    Message.of(
                        (
                            "{mark!r} would start or end a template action when the chart renders "
                            "runners.config with tpl; remove it from the preset or answers"
                        ),
                        mark=mark,
                    ),
                )

    def _own_text(self) -> tuple[set[str], set[str]]:
        """The string values the block already holds, and its template actions: as written
        in its TOML and as its values read (TOML escapes quotes inside an action)."""
        values: set[str] = set()
        own = set(_ACTION.findall(self.src.toml_raw))
        stack: list[object] = [self.data]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                values.add(item)
                own.update(_ACTION.findall(item))
            elif isinstance(item, Mapping):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        return values, own

    def replaced_text(self, text: str) -> ConfigDocument:
        from wizard.tomlfile.document import parse_text

        if text == self.text:
            return self
        return self._verified(text, parse_text(text, self.path))

    def _verified(self, new_text: str, expected: Mapping[str, Any]) -> ConfigDocument:
        source = self.src
        if source.toml_path is None:
            raise EditError(
                self.path,
                Message.of(
                    (
                        "this {kind} has no runners.config block to edit; add one "
                        "(runner-wizard new values.yaml --preset restricted-kubernetes shows "
                        "the layout)"
                    ),
                    kind=source.kind,
                ),
            )
        checked = ConfigDocument._verified(self, new_text, expected)
        self._check_control_lines(new_text)
        restored = source.mask.restore(new_text)
        if TomlMask.leftover(restored):
            raise EditError(
                self.path,
                Message.of("the edit would rewrite a template expression; nothing written"),
            )
        from wizard.embedded.load import reload, render

        file_text = render(source, restored, [layer.text for layer in source.layers])
        after = reload(self, file_text)
        _same_toml(self, after, checked.data)
        return after

    def _with_chart_edits(self, edits: list[Edit]) -> EmbeddedConfig:
        from wizard.embedded.load import chart_edit, reload

        source = self.src
        if source.chart_root is None:
            raise EditError(self.path, Message.of("this file has no chart values to change"))
        texts = [layer.text for layer in source.layers]
        changes: list[tuple[YamlPath, Any]] = []
        for edit in edits:
            if isinstance(edit, RemoveKey):
                raise EditError(
                    self.path, Message.of("removing a chart value is left to the operator")
                )
            assert isinstance(edit, SetValue)
            name = (*edit.table[1:], edit.key)
            for override in source.overrides:
                if name[: len(override.name)] == override.name:
                    raise EditError(
                        self.path,
                        Message.of(
                            "{name} is set by helm.parameters; change it there",
                            name=".".join(override.name),
                        ),
                        line=override.line,
                    )
            path: YamlPath = (*source.chart_root, *edit.table[1:], edit.key)
            texts[-1] = chart_edit(self, texts[-1], path, edit.value)
            changes.append((path, edit.value))
        from wizard.embedded.load import render

        return reload(self, render(source, source.toml_raw, texts), changes)

    def _check_control_lines(self, new_text: str) -> None:
        """Refuse a change that would move a line across a template control line."""
        import difflib

        source = self.src
        old = split_lines(self.text)
        raw = split_lines(source.toml_raw)
        new = split_lines(new_text)
        if not any(is_control_line(line) for line in raw):
            return
        stacks = _stacks_after(raw)
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            for index in range(i1, i2):
                if is_control_line(raw[index]):
                    self._refuse(raw[index], index)
            if tag == "replace" and i2 - i1 == j2 - j1:
                continue
            if tag == "delete":
                continue
            statement = next(
                (
                    k
                    for k in range(i1 - 1, -1, -1)
                    if raw[k].strip()
                    and not raw[k].lstrip().startswith("#")
                    and not is_control_line(raw[k])
                ),
                None,
            )
            added = next((line.strip() for line in new[j1:j2] if line.strip()), "")
            marker = "[[runners]]" if added.startswith("[") else "["
            owner = next(
                (k for k in range(i1 - 1, -1, -1) if raw[k].lstrip().startswith(marker)), None
            )
            here = stacks[i1 - 1] if i1 > 0 else ()
            contexts = {stacks[k] if k is not None else () for k in (statement, owner)}
            if contexts != {here}:
                boundary = next(k for k in range(i1 - 1, -1, -1) if is_control_line(raw[k]))
                self._refuse(raw[boundary], boundary)

    def _refuse(self, line: str, index: int) -> None:
        number = self.src.toml_offset + index + 1
        raise EditError(
            self.path,
            Message.of(
                (
                    "the change would have to cross the template line `{line}`; make it "
                    "by hand so that it lands on the side you mean"
                ),
                line=line.strip(),
            ),
            line=number,
        )


def _hide_value(lines: list[str], layer: YamlText, path: YamlPath) -> None:
    """A config block we cannot map line by line is not shown at all: it may hold tokens."""
    node = layer.index[path][1]
    start, end = node.start_mark, node.end_mark
    for number in range(start.line, min(end.line + 1, len(layer.lines))):
        index = layer.offset + number
        body = lines[index].rstrip("\r\n")
        column = start.column if number == start.line else len(body) - len(body.lstrip())
        column += len(lines[index]) - len(layer.lines[number])  # the layer's own indentation
        if body[column:].strip():
            lines[index] = body[:column] + "…" + lines[index][len(body) :]


def _with_value(values: Mapping[str, Any], name: tuple[str, ...], value: object) -> dict[str, Any]:
    """``values`` with the value at ``name`` set, as Helm's ``--set`` sets it (a copy)."""
    result = dict(values)
    head, rest = name[0], name[1:]
    if not rest:
        result[head] = value
        return result
    inner = result.get(head)
    result[head] = _with_value(inner if isinstance(inner, Mapping) else {}, rest, value)
    return result


def _has_key(table: Mapping[str, Any], key: str) -> bool:
    return any(name.casefold() == key for name in table)


def _stacks_after(lines: list[str]) -> list[tuple[int, ...]]:
    """For every line, the template blocks open after it (by the line that opened them)."""
    from wizard.embedded.templates import _ACTION, _ELSE, _ENDS, _OPENS

    stack: list[int] = []
    result: list[tuple[int, ...]] = []
    for number, line in enumerate(lines):
        if is_control_line(line):
            for action in _ACTION.findall(line.strip()):
                if _OPENS.match(action):
                    stack.append(number)
                elif _ENDS.match(action) and stack:
                    stack.pop()
                elif _ELSE.match(action) and stack:
                    stack[-1] = number
        result.append(tuple(stack))
    return result


def _layer_indent(source: EmbeddedSource, number: int) -> int:
    """Spaces in front of layer ``number``'s lines in the file."""
    from wizard.embedded.locate import block_at

    indent = 0
    for index in range(number):
        indent += block_at(source.layers[index], source.links[index]).indent
    return indent


def _secret_mappings(layer: YamlText) -> set[YamlPath]:
    """``data`` and ``stringData`` of every Secret: all their values are secret."""
    from wizard.embedded.yamltree import child, scalar_value

    found: set[YamlPath] = set()
    for path, mapping in layer.mappings():
        if scalar_value(child(mapping, "kind")) == "Secret":
            found |= {(*path, "data"), (*path, "stringData")}
    return found


def _same_toml(before: EmbeddedConfig, after: EmbeddedConfig, expected: Mapping[str, Any]) -> None:
    from wizard.tomlfile.same_value import same_value

    def shown(value: Any, mask: TomlMask) -> Any:
        if isinstance(value, str):
            return mask.restore_value(value)
        if isinstance(value, list):
            return [shown(item, mask) for item in value]
        if isinstance(value, dict):
            return {key: shown(item, mask) for key, item in value.items()}
        return value

    if not same_value(shown(after.data, after.src.mask), shown(dict(expected), before.src.mask)):
        raise EditError(
            before.path,
            Message.of(
                "the YAML would not carry the intended TOML after the edit; nothing written"
            ),
        )


def as_embedded(document: ConfigDocument) -> EmbeddedConfig | None:
    return document if isinstance(document, EmbeddedConfig) else None
