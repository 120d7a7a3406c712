"""Opening a YAML file that carries a runner config, and writing edits back into it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.base.errors import ConfigError, EditError, said_by
from wizard.base.safe_text import Message
from wizard.embedded.blocks import split_lines
from wizard.embedded.document import EmbeddedConfig, EmbeddedSource
from wizard.embedded.templates import branch_variants, mask_toml
from wizard.tomlfile.document import (
    BOM,
    MAX_CONFIG_BYTES,
    ConfigDocument,
    Fingerprint,
    parse_config,
    parse_text,
)
from wizard.tomlfile.nesting import too_deep_line
from wizard.tomlfile.regular_file import read_regular_file_with_stat

if TYPE_CHECKING:
    from wizard.embedded.yamltree import YamlPath, YamlText

MAX_YAML_BYTES = 512 * 1024
"""The largest YAML file read for a runner config (a config.toml may be larger).

Values files and rendered manifests are tens of kilobytes; the YAML parser
reads well under a megabyte a second, so a larger file would be many seconds
of work for a file no chart writes. Refused with one line, before any parsing.
"""

# The YAML parser loads only when a file is not TOML: a plain config.toml audit
# (the common case, and the one CI runs per commit) never pays for it.


def read_bytes(path: Path) -> tuple[bytes, Fingerprint]:
    """A regular file's bytes within the size cap; every failure is one ConfigError."""
    raw, info = read_regular_file_with_stat(path, MAX_CONFIG_BYTES, what="runner config")
    fingerprint = Fingerprint(
        raw, info.st_mode, info.st_uid, info.st_gid, device=info.st_dev, inode=info.st_ino
    )
    return raw, fingerprint


def load_document(path: Path) -> ConfigDocument:
    """``path`` as a config.toml, or as the YAML that carries one: decided by the content.

    A file that is valid TOML is a config.toml whatever its name. Otherwise a
    file that is YAML and holds a runner config (or the chart's values) is
    opened as such; for anything else the TOML error is reported, or the YAML
    one when the name says YAML.
    """
    raw, fingerprint = read_bytes(path)
    return replace(parse_document(raw, path), disk=fingerprint)


def parse_document(raw: bytes, path: Path | None) -> ConfigDocument:
    if len(raw) > MAX_YAML_BYTES and (path is None or path.suffix != ".toml"):
        _refuse_large_yaml(raw, path)
    try:
        return parse_config(raw, path)
    except ConfigError as toml_error:
        from wizard.embedded.locate import is_yaml_name

        if path is not None and path.suffix == ".toml":
            raise
        text = raw.decode("utf-8", errors="strict") if _utf8(raw) else None
        if text is None:
            raise
        if len(raw) > MAX_YAML_BYTES:
            raise
        try:
            return parse_embedded(text, path)
        except ConfigError:
            if is_yaml_name(path) or _looks_like_yaml(text):
                raise
            raise toml_error from None


def _refuse_large_yaml(raw: bytes, path: Path | None) -> None:
    """A file over the YAML cap that starts like YAML is refused before any parser runs."""
    from wizard.embedded.locate import is_yaml_name

    head = raw[:65536].decode("utf-8", errors="replace")
    if is_yaml_name(path) or _looks_like_yaml(head):
        raise ConfigError(
            path,
            Message.of(
                (
                    "is {size_kib:,.0f} KiB of YAML; YAML files over {limit_kib} KiB are not "
                    "read (values files are far smaller)"
                ),
                size_kib=len(raw) / 1024,
                limit_kib=MAX_YAML_BYTES // 1024,
            ),
        )


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _looks_like_yaml(text: str) -> bool:
    """A first statement such as ``key:`` or ``---``: TOML never starts like that."""
    for line in text.lstrip(BOM).splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        head = stripped.split(" ", 1)[0]
        return stripped.startswith(("---", "- ", "apiVersion:")) or head.endswith(":")
    return False


def parse_embedded(text: str, path: Path | None) -> EmbeddedConfig:
    bom = text.startswith(BOM)
    return from_text(text[1:] if bom else text, path, bom=bom)


_PARSED: dict[tuple[str, int, Path | None, int], YamlText] = {}
_PARSED_KEPT = 4


def parsed(text: str, offset: int, path: Path | None, indent: int) -> YamlText:
    """The YAML text parsed, once: every runner config of a file is read from the same text.

    The parser is the slow part (about a megabyte a second); a file with several
    configs, and a harden that reads each again, would otherwise parse it each time.
    Nothing changes a parsed text afterwards. The last few texts are kept.
    """
    from wizard.embedded.yamltree import YamlText

    key = (text, offset, path, indent)
    found = _PARSED.get(key)
    if found is None:
        found = YamlText(text, offset, path, indent=indent).parse()
        while len(_PARSED) >= _PARSED_KEPT:
            del _PARSED[next(iter(_PARSED))]
        _PARSED[key] = found
    return found


Choice = tuple[int, ...]
"""Which runner config of a file: its position among the configs of each nested layer."""


@dataclass(frozen=True)
class FileContents:
    """Every runner config a file holds, each once, and what the file names but lacks."""

    documents: tuple[ConfigDocument, ...]
    unread: tuple[Message, ...] = ()
    """Places that may hold a runner config that was not read: the audit is partial."""


def load_all(path: Path) -> FileContents:
    """Every runner config in ``path``: one for a config.toml, one per block in YAML."""
    raw, fingerprint = read_bytes(path)
    first = parse_document(raw, path)
    if not isinstance(first, EmbeddedConfig):
        return FileContents((replace(first, disk=fingerprint),))
    choices, unread = block_choices(first.src.file_text, path)
    documents: list[ConfigDocument] = []
    not_read = list(unread)
    for choice in choices:
        try:
            other = from_text(first.src.file_text, path, bom=first.bom, choice=choice)
            documents += [replace(other, disk=fingerprint)] + [
                replace(
                    from_text(first.src.file_text, path, bom=first.bom, choice=choice, branch=b),
                    disk=fingerprint,
                )
                for b in range(1, other.src.branches)
            ]
        except ConfigError as error:
            # One unreadable config does not hide the others; the audit says it is partial.
            not_read.append(
                Message.of("line {line}: {reason}", line=error.line, reason=error.reason)
                if error.line is not None
                else error.reason
            )
    return FileContents(tuple(documents), tuple(not_read))


def block_choices(file_text: str, path: Path | None) -> tuple[list[Choice], tuple[Message, ...]]:
    """The choice of every runner config in the file, in file order, and what was not read."""
    from wizard.embedded.locate import check_block, find_all

    choices: list[Choice] = []
    unread: list[Message] = []

    def visit(layer: YamlText, prefix: Choice, indent: int) -> None:
        contents = find_all(layer)
        unread.extend(contents.unread)
        for number, found in enumerate(contents.found):
            if found.values is None:
                choices.append((*prefix, number))
                continue
            block = check_block(layer, found.values)
            inner = parsed(
                block.extract(layer.lines), layer.offset + block.first, path, indent + block.indent
            )
            try:
                find_all(inner)
            except ConfigError:
                choices.append((*prefix, number))  # a values string with no runner config
                continue
            visit(inner, (*prefix, number), indent + block.indent)

    visit(parsed(file_text, 0, path, 0), (), 0)
    return choices, tuple(unread)


def from_text(
    file_text: str,
    path: Path | None,
    *,
    bom: bool = False,
    choice: Choice = (),
    branch: int = 0,
) -> EmbeddedConfig:
    """The runner config ``choice`` of the file (the first one when not given).

    ``branch`` picks the reading of a block whose template branches declare the
    same table (see :func:`~wizard.embedded.templates.branch_variants`).
    """
    from wizard.embedded.locate import Found, check_block, find_all

    layers = [parsed(file_text, 0, path, 0)]
    if not layers[0].roots:
        raise ConfigError(path, Message.of("is empty: no YAML documents in it"))
    depth = 0

    def pick(layer: YamlText) -> Found:
        found = find_all(layer).found
        position = choice[depth] if depth < len(choice) else 0
        return found[position] if position < len(found) else found[0]

    found = pick(layers[0])
    kind = found.kind
    links: list[YamlPath] = []
    indent = 0
    while found.values is not None:
        outer = layers[-1]
        block = check_block(outer, found.values)
        inner = parsed(
            block.extract(outer.lines), outer.offset + block.first, path, indent + block.indent
        )
        links.append(found.values)
        layers.append(inner)
        indent += block.indent
        depth += 1
        overrides = found.overrides
        try:
            found = replace(pick(inner), overrides=overrides)
        except ConfigError:
            found = Found(kind="values", note="its helm.values set no runner config")
        kind = f"{kind} (helm.values: {found.kind})"
    toml_raw = ""
    masked = ""
    offset = 0
    data: dict[str, Any] = {}
    mask = mask_toml("")[1]
    read_only: Message | None = None
    literal = True
    branches = 1
    if found.toml is not None:
        last = layers[-1]
        try:
            block = check_block(last, found.toml)
        except ConfigError as error:
            # A quoted or folded config.toml (common in OpenShift templates) is read from
            # the parsed value; it cannot be edited in place, and lines point at its key.
            read_only = error.reason
            literal = False
            toml_raw = last.scalar(found.toml) or ""
            offset = (last.line_of(found.toml) or 1) - 1
        else:
            toml_raw = block.extract(last.lines)
            offset = last.offset + block.first
            indent += block.indent
        masked, mask = mask_toml(toml_raw)
        try:
            data = parse_text(masked, path)
        except ConfigError as error:
            line = error.line + offset if error.line is not None else last.line_of(found.toml)
            line = last.line_of(found.toml) if read_only else line
            reason = error.reason.reworded("invalid TOML", "invalid TOML in the config block")
            column = error.column + indent if error.column is not None else None
            failure = ConfigError(path, reason, line=line, column=column)
            variants = [] if read_only else branch_variants(toml_raw, offset + 1)
            if not variants:
                raise failure from None
            # Helm renders one branch of each if/else: read each such reading on its own.
            variant = variants[min(branch, len(variants) - 1)]
            masked, mask = mask_toml(variant.text)
            try:
                data = parse_text(masked, path)
            except ConfigError:
                raise ConfigError(
                    path,
                    Message.of(
                        "{reason}, even with one template branch read at a time ({label})",
                        reason=reason,
                        label=variant.label,
                    ),
                    line=line,
                    column=column,
                ) from None
            branches = len(variants)
            kind = f"{kind}, {variant.label}"
            read_only = Message.of(
                "the config block declares the same settings in more than one template "
                "branch; each branch is audited, changes are made by hand"
            )
    chart_kind = None
    if found.chart_root is not None:
        chart_kind = "operator" if found.kind.startswith("Runner") else "helm"
    source = EmbeddedSource(
        file_text=file_text,
        kind=kind,
        layers=tuple(layers),
        links=tuple(links),
        toml_path=found.toml,
        chart_root=found.chart_root,
        chart_kind=chart_kind,
        note=found.note,
        mask=mask,
        toml_raw=toml_raw,
        toml_offset=offset,
        toml_indent=indent,
        choice=choice,
        overrides=found.overrides,
        read_only=read_only,
        literal=literal,
        branch=branch,
        branches=branches,
    )
    return EmbeddedConfig(path=path, text=masked, data=data, bom=bom, source=source)


def render(source: EmbeddedSource, toml_text: str, texts: list[str]) -> str:
    """The file text with ``texts`` as its layers and ``toml_text`` in the config block."""
    from wizard.embedded.locate import block_at

    child = toml_text
    paths: list[YamlPath | None] = [*source.links, source.toml_path]
    for number in range(len(source.layers) - 1, -1, -1):
        path = paths[number]
        if path is None:
            child = texts[number]
            continue
        block = block_at(source.layers[number], path)
        lines = split_lines(texts[number])
        child = "".join(block.splice(lines, block.extract(lines), child))
    return child


def reload(
    before: EmbeddedConfig, file_text: str, changes: list[tuple[YamlPath, Any]] | None = None
) -> EmbeddedConfig:
    """The edited file read again from its text; anything unreadable is an EditError."""
    try:
        after = from_text(
            file_text,
            before.path,
            bom=before.bom,
            choice=before.src.choice,
            branch=before.src.branch,
        )
    except ConfigError as error:
        raise EditError(
            before.path,
            Message.of(
                "the edit would leave the YAML unreadable ({reason}); nothing written",
                reason=error.reason,
            ),
        ) from None
    if (after.src.kind, after.src.toml_path, after.src.chart_root) != (
        before.src.kind,
        before.src.toml_path,
        before.src.chart_root,
    ):
        raise EditError(
            before.path, Message.of("the edit would move the runner config; nothing written")
        )
    verify_yaml(before, after, changes or [])
    return replace(after, disk=before.disk)


def chart_edit(document: EmbeddedConfig, text: str, path: YamlPath, value: Any) -> str:
    """Replace one chart value where it stands (it must already be written)."""
    from yaml.nodes import ScalarNode

    from wizard.embedded.yamltree import YamlText, replace_scalar

    layer = document.src.layers[-1]
    entry = layer.index.get(path)
    name = ".".join(str(p) for p in path[1:])
    if entry is None or not isinstance(entry[1], ScalarNode):
        raise EditError(
            document.path,
            Message.of("{name} is not written as one value; set it by hand", name=name),
        )
    if not isinstance(value, bool | int | str):
        raise EditError(
            document.path, Message.of("{name}: only a plain value can be set in place", name=name)
        )
    try:
        # Positions come from the text as read; edits are on different lines or applied
        # from the last one, and none changes the number of lines.
        parsed = YamlText(text, layer.offset, document.path).parse()
        node = parsed.index[path][1]
        assert isinstance(node, ScalarNode)
        return replace_scalar(text, node, value)
    except (ValueError, KeyError, ConfigError) as error:
        raise EditError(
            document.path, Message.of("{name}: {error}", name=name, error=said_by(error))
        ) from None


_BLOCK = object()


def verify_yaml(
    before: EmbeddedConfig, after: EmbeddedConfig, changes: list[tuple[YamlPath, Any]]
) -> None:
    """The YAML after an edit means what it meant before, apart from the intended changes."""
    old, new = before.src, after.src
    if len(old.layers) != len(new.layers):
        raise EditError(
            before.path, Message.of("the edit would change the file's structure; nothing written")
        )
    paths: list[YamlPath | None] = [*old.links, old.toml_path]
    for number, (old_layer, new_layer) in enumerate(zip(old.layers, new.layers, strict=True)):
        last = number == len(old.layers) - 1
        old_docs, new_docs = old_layer.documents(), new_layer.documents()
        expected_changes = changes if last else []
        for docs in (old_docs, new_docs):
            if paths[number] is not None:
                _set(docs, paths[number], _BLOCK)  # type: ignore[arg-type]
        for path, value in expected_changes:
            _set(old_docs, path, value)
        if old_docs != new_docs:
            raise EditError(
                before.path,
                Message.of("the edit would change more of the YAML than intended; nothing written"),
            )


def _set(docs: list[Any], path: YamlPath, value: Any) -> None:
    target: Any = docs
    for part in path[:-1]:
        try:
            target = target[part]
        except (KeyError, IndexError, TypeError):
            return
    try:
        target[path[-1]] = value
    except (IndexError, TypeError):
        return


def parse_toml_or_none(text: str) -> dict[str, Any] | None:
    if too_deep_line(text) is not None:
        return None  # parse_text says where, with the line
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
