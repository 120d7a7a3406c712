"""Where a runner's config.toml sits inside a YAML file, found from the content.

Recognised, in order of preference:

* a Helm values file: ``runners.config: |`` (at the top, or nested under a key
  such as ``gitlab-runner:`` in an umbrella chart);
* a ConfigMap with a ``config.toml`` or ``config.template.toml`` key (also inside
  an OpenShift template's objects, or a rendered chart);
* an Operator ``Runner`` manifest whose ``spec.config`` names a ConfigMap in the
  same file;
* an Argo CD Application whose ``helm.values: |`` string is itself a values file.

A values file whose runners have no ``config`` block yet (older charts set
``runners.privileged`` and friends instead) is still recognised: its chart
settings are audited, and there is no TOML to edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from wizard.base.errors import ConfigError
from wizard.base.safe_text import FileValue, Message
from wizard.embedded.blocks import Block, BlockError, locate, split_lines, trailing_blank_lines
from wizard.embedded.yamltree import YamlPath, YamlText, child, merged_pairs, scalar_value

CONFIGMAP_KEYS = ("config.template.toml", "config.toml")
CHART_KEYS = frozenset(
    {
        "gitlabUrl",
        "runnerRegistrationToken",
        "runnerToken",
        "rbac",
        "runners",
        "concurrent",
        "checkInterval",
        "unregisterRunners",
    }
)
"""Top-level keys of the chart's values; two of them make a mapping a values file."""


@dataclass(frozen=True)
class Found:
    """What one YAML text holds: the TOML block, a nested values text, the chart's values."""

    kind: str
    toml: YamlPath | None = None
    values: YamlPath | None = None
    """A block scalar holding another values file (Argo CD's ``helm.values``)."""
    chart_root: YamlPath | None = None
    note: str | None = None
    overrides: tuple[Override, ...] = ()
    """Argo CD ``helm.parameters`` that override these values when the chart renders."""


@dataclass(frozen=True)
class Override:
    """One ``helm.parameters`` entry: a chart value set on top of the values file."""

    name: tuple[str, ...]
    """The value's path (``runners.privileged``), split at its dots."""
    value: object
    line: int | None


def _overrides(layer: YamlText, helm: MappingNode) -> tuple[tuple[Override, ...], list[Message]]:
    """The parameters of an Argo CD ``helm`` mapping, typed as Helm's ``--set`` types them."""
    parameters = child(helm, "parameters")
    if not isinstance(parameters, SequenceNode):
        return (), []
    found: list[Override] = []
    unread: list[Message] = []
    for item in parameters.value:
        if not isinstance(item, MappingNode):
            continue
        name = scalar_value(child(item, "name"))
        raw = scalar_value(child(item, "value"))
        line = item.start_mark.line + 1 + layer.offset
        if not name or raw is None:
            continue
        if any(mark in name for mark in "[]\\,") or "" in name.split("."):
            unread.append(
                Message.of(
                    "line {line}: helm.parameters sets {name}, a form the audit does not apply; "
                    "check that value by hand",
                    line=line,
                    name=FileValue.read(name, "name"),
                )
            )
            continue
        forced = (scalar_value(child(item, "forceString")) or "").lower() == "true"
        found.append(Override(tuple(name.split(".")), raw if forced else _set_value(raw), line))
    return tuple(found), unread


def _set_value(raw: str) -> object:
    """A ``--set`` value as Helm types it: true/false, null, integers; the rest stays text."""
    lowered = raw.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    if raw.lstrip("-").isdigit() and len(raw) < 19:
        return int(raw)
    return raw


def block_at(layer: YamlText, path: YamlPath) -> Block:
    """The literal block at ``path`` of ``layer`` (ConfigError when it is another style)."""
    key, node = layer.index[path]
    if not isinstance(node, ScalarNode) or node.style != "|":
        name = ".".join(str(p) for p in path[1:])
        raise ConfigError(
            layer.path,
            Message.of(
                "{name} is not a literal block (key: |); it can be read but not edited in place",
                name=name,
            ),
            line=layer.line_of(path),
        )
    parent = key.start_mark.column if key is not None else 0
    lines = layer.lines
    try:
        return locate(lines, node.start_mark.line, node.start_mark.column, _end(node), parent)
    except BlockError as error:
        raise ConfigError(layer.path, error.reason, line=layer.line_of(path)) from None


def _end(node: Node) -> int:
    mark = node.end_mark
    return mark.line + (1 if mark.column else 0)


def check_block(layer: YamlText, path: YamlPath) -> Block:
    """The block at ``path``, after checking that our reading of it is the parser's."""
    block = block_at(layer, path)
    _key, node = layer.index[path]
    masked_lines = split_lines(layer.masked)
    extracted = block.extract(masked_lines)
    trailing = trailing_blank_lines(masked_lines, block, _end(node))
    if block.yaml_value(extracted, trailing) != node.value:
        raise ConfigError(
            layer.path,
            Message.of(
                "cannot place the block's lines exactly (unusual indentation); nothing is edited"
            ),
            line=layer.line_of(path),
        )
    return block


def _kind_of(mapping: MappingNode) -> str | None:
    return scalar_value(child(mapping, "kind"))


def _looks_like_toml(layer: YamlText, path: YamlPath) -> bool:
    value = layer.scalar(path)
    return value is not None and "[[runners]]" in value


@dataclass(frozen=True)
class Contents:
    """Every runner config one YAML text holds, in file order, and what could not be read."""

    found: tuple[Found, ...]
    unread: tuple[Message, ...] = ()
    """Places that may hold a runner config this file does not contain (one sentence each)."""


def find_all(layer: YamlText) -> Contents:
    """Every runner config in this YAML text, each once; ConfigError when it holds none.

    Each ``runners.config`` block, ConfigMap ``config.toml``, Runner manifest and
    Argo CD values string is one entry, whichever document, subchart or source
    holds it. A block reached twice (an alias, a merge key) is one entry, named
    by the first place that reaches it.
    """
    helm_blocks: list[tuple[YamlPath, YamlPath]] = []  # (config path, chart root)
    chart_roots: list[YamlPath] = []
    configmaps: dict[str, YamlPath] = {}
    configmap_blocks: list[tuple[YamlPath, str | None]] = []
    operators: list[tuple[YamlPath, str | None]] = []
    values_strings: list[tuple[YamlPath, tuple[Override, ...]]] = []
    overrides: dict[YamlPath, tuple[Override, ...]] = {}  # by the valuesObject's path
    unread: list[Message] = []
    for path, mapping in layer.mappings():
        keys = {k.value for k, _v in merged_pairs(mapping) if isinstance(k, ScalarNode)}
        runners = child(mapping, "runners")
        config = child(runners, "config") if isinstance(runners, MappingNode) else None
        if isinstance(config, ScalarNode):
            config_path = layer.path_of(config)
            if config_path is not None:
                helm_blocks.append((config_path, path))
        if len(keys & CHART_KEYS) >= 2 or (len(path) == 1 and keys & CHART_KEYS):
            chart_roots.append(path)
        kind = _kind_of(mapping)
        data = child(mapping, "data")
        if kind == "ConfigMap" and isinstance(data, MappingNode):
            metadata = child(mapping, "metadata")
            cm_name = (
                scalar_value(child(metadata, "name")) if isinstance(metadata, MappingNode) else None
            )
            for name in CONFIGMAP_KEYS:
                block = child(data, name)
                block_path = layer.path_of(block) if isinstance(block, ScalarNode) else None
                if block_path is not None:
                    configmap_blocks.append((block_path, cm_name))
                    if cm_name and _looks_like_toml(layer, block_path):
                        configmaps.setdefault(cm_name, block_path)
        spec = child(mapping, "spec")
        if kind == "Runner" and isinstance(spec, MappingNode):
            operators.append(((*path, "spec"), scalar_value(child(spec, "config"))))
        helm = child(mapping, "helm")
        if isinstance(helm, MappingNode):
            parameters, not_applied = _overrides(layer, helm)
            unread += not_applied
            values = child(helm, "values")
            values_path = layer.path_of(values) if isinstance(values, ScalarNode) else None
            if values_path is not None:
                values_strings.append((values_path, parameters))
            values_object = child(helm, "valuesObject")
            object_path = layer.path_of(values_object) if values_object is not None else None
            if object_path is not None:
                overrides[object_path] = parameters

    found: list[tuple[YamlPath, Found]] = []  # (where it is, what) to sort by place
    taken: set[YamlPath] = set()
    # runners.config as a string the chart passes to register --template-config.
    for block_path, root in helm_blocks:
        if block_path in taken:
            continue
        taken.add(block_path)
        kind = "Helm values" if len(root) == 1 else f"Helm values under {_dotted(root)}"
        found.append(
            (
                root,
                Found(
                    kind=kind, toml=block_path, chart_root=root, overrides=overrides.get(root, ())
                ),
            )
        )
    for runner_path, config_name in operators:
        name = _runner_name(layer, runner_path)
        if config_name and configmaps.get(config_name) in taken:
            # A second Runner on the same ConfigMap: its spec is audited, the block once.
            note = f"its config.toml, ConfigMap {config_name}, is audited with the first Runner"
            kind = f"Runner manifest {name} sharing ConfigMap {config_name}"
            found.append((runner_path, Found(kind=kind, chart_root=runner_path, note=note)))
        elif config_name and config_name in configmaps:
            block_path = configmaps[config_name]
            taken.add(block_path)
            found.append(
                (
                    runner_path,
                    Found(
                        kind=f"Runner manifest with ConfigMap {config_name}",
                        toml=block_path,
                        chart_root=runner_path,
                    ),
                )
            )
        elif config_name:
            unread.append(
                Message.of(
                    "line {line}: Runner {name} takes its config.toml from ConfigMap "
                    "{config_name!r}, which is not in this file; audit that ConfigMap too",
                    line=layer.line_of(runner_path),
                    name=name,
                    config_name=config_name,
                )
            )
            found.append((runner_path, Found(kind="Runner manifest", chart_root=runner_path)))
        else:
            note = "the Runner names no config ConfigMap"
            found.append(
                (runner_path, Found(kind="Runner manifest", chart_root=runner_path, note=note))
            )
    with_runners = {p for p, _name in configmap_blocks if _looks_like_toml(layer, p)}
    for block_path, cm_name in configmap_blocks:
        if block_path in taken or (with_runners and block_path not in with_runners):
            continue
        taken.add(block_path)
        kind = f"ConfigMap {cm_name}" if cm_name else "ConfigMap"
        found.append((block_path, Found(kind=kind, toml=block_path)))
    for values_path, parameters in values_strings:
        where = ".".join(str(part) for part in values_path[1:])
        kind = f"Argo CD Application {where}"
        found.append((values_path, Found(kind=kind, values=values_path, overrides=parameters)))
    if not found and chart_roots:
        root = min(chart_roots, key=len)
        kind = "Helm values" if len(root) == 1 else f"Helm values under {_dotted(root)}"
        note = "runners.config is not set in this file"
        found.append((root, Found(kind=kind, chart_root=root, note=note)))
    if not found:
        raise ConfigError(
            layer.path,
            Message.of(
                "is YAML, but neither Helm values for the gitlab-runner chart, a "
                "ConfigMap with config.toml, nor a Runner manifest"
            ),
        )
    found.sort(key=lambda item: _place(layer, item[0]))
    return Contents(tuple(entry for _where, entry in found), tuple(unread))


def _place(layer: YamlText, path: YamlPath) -> tuple[int, int]:
    entry = layer.index.get(path)
    if entry is None:
        return (0, 0)
    mark = entry[1].start_mark
    return (mark.line, mark.column)


def _runner_name(layer: YamlText, spec_path: YamlPath) -> str:
    name = layer.scalar((*spec_path[:-1], "metadata", "name"))
    return repr(name) if name else "(unnamed)"


def _dotted(path: YamlPath) -> str:
    return ".".join(str(part) for part in path[1:]) + ":"


def is_yaml_name(path: Path | None) -> bool:
    if path is None:
        return False
    name = path.name.casefold()
    return name.endswith((".yaml", ".yml", ".yaml.gotmpl", ".yml.gotmpl", ".yaml.tpl", ".gotmpl"))
