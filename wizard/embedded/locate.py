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

from yaml.nodes import MappingNode, Node, ScalarNode

from wizard.embedded.blocks import Block, BlockError, locate, split_lines, trailing_blank_lines
from wizard.embedded.yamltree import YamlPath, YamlText, child, scalar_value
from wizard.errors import ConfigError

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


def block_at(layer: YamlText, path: YamlPath) -> Block:
    """The literal block at ``path`` of ``layer`` (ConfigError when it is another style)."""
    key, node = layer.index[path]
    if not isinstance(node, ScalarNode) or node.style != "|":
        name = ".".join(str(p) for p in path[1:])
        raise ConfigError(
            layer.path,
            f"{name} is not a literal block (key: |); it can be read but not edited in place",
            line=layer.line_of(path),
        )
    parent = key.start_mark.column if key is not None else 0
    lines = layer.lines
    try:
        return locate(lines, node.start_mark.line, node.start_mark.column, _end(node), parent)
    except BlockError as error:
        raise ConfigError(layer.path, str(error), line=layer.line_of(path)) from None


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
            "cannot place the block's lines exactly (unusual indentation); nothing is edited",
            line=layer.line_of(path),
        )
    return block


def _kind_of(mapping: MappingNode) -> str | None:
    return scalar_value(child(mapping, "kind"))


def _looks_like_toml(layer: YamlText, path: YamlPath) -> bool:
    value = layer.scalar(path)
    return value is not None and "[[runners]]" in value


def find(layer: YamlText) -> Found:
    """What this YAML text is, and where its parts sit; ConfigError when it is none of ours."""
    helm_blocks: list[tuple[YamlPath, YamlPath]] = []  # (config path, chart root)
    chart_roots: list[YamlPath] = []
    configmaps: dict[str, YamlPath] = {}
    configmap_blocks: list[YamlPath] = []
    operator: tuple[YamlPath, str | None] | None = None
    values_strings: list[YamlPath] = []
    for path, mapping in layer.mappings():
        keys = {k.value for k, _v in mapping.value if isinstance(k, ScalarNode)}
        runners = child(mapping, "runners")
        if isinstance(runners, MappingNode) and isinstance(child(runners, "config"), ScalarNode):
            helm_blocks.append(((*path, "runners", "config"), path))
        if len(keys & CHART_KEYS) >= 2 or (len(path) == 1 and keys & CHART_KEYS):
            chart_roots.append(path)
        kind = _kind_of(mapping)
        data = child(mapping, "data")
        if kind == "ConfigMap" and isinstance(data, MappingNode):
            for name in CONFIGMAP_KEYS:
                if isinstance(child(data, name), ScalarNode):
                    block_path = (*path, "data", name)
                    configmap_blocks.append(block_path)
                    metadata = child(mapping, "metadata")
                    cm_name = (
                        scalar_value(child(metadata, "name"))
                        if isinstance(metadata, MappingNode)
                        else None
                    )
                    if cm_name and _looks_like_toml(layer, block_path):
                        configmaps.setdefault(cm_name, block_path)
        spec = child(mapping, "spec")
        if kind == "Runner" and isinstance(spec, MappingNode) and operator is None:
            operator = ((*path, "spec"), scalar_value(child(spec, "config")))
        helm = child(mapping, "helm")
        if isinstance(helm, MappingNode) and isinstance(child(helm, "values"), ScalarNode):
            values_strings.append((*path, "helm", "values"))

    # runners.config as a string the chart passes to register --template-config.
    for block_path, root in helm_blocks:
        kind = "Helm values" if len(root) == 1 else f"Helm values under {_dotted(root)}"
        return Found(kind=kind, toml=block_path, chart_root=root)
    if operator is not None:
        runner_path, config_name = operator
        if config_name and config_name in configmaps:
            return Found(
                kind=f"Runner manifest with ConfigMap {config_name}",
                toml=configmaps[config_name],
                chart_root=runner_path,
            )
        note = (
            f"the Runner's config is ConfigMap {config_name!r}, which is not in this file"
            if config_name
            else "the Runner names no config ConfigMap"
        )
        return Found(kind="Runner manifest", chart_root=runner_path, note=note)
    with_runners = [p for p in configmap_blocks if _looks_like_toml(layer, p)]
    if with_runners or configmap_blocks:
        return Found(kind="ConfigMap", toml=(with_runners or configmap_blocks)[0])
    if values_strings:
        return Found(kind="Argo CD Application", values=values_strings[0])
    if chart_roots:
        root = min(chart_roots, key=len)
        kind = "Helm values" if len(root) == 1 else f"Helm values under {_dotted(root)}"
        return Found(kind=kind, chart_root=root, note="runners.config is not set in this file")
    raise ConfigError(
        layer.path,
        "is YAML, but neither Helm values for the gitlab-runner chart, a ConfigMap with "
        "config.toml, nor a Runner manifest",
    )


def _dotted(path: YamlPath) -> str:
    return ".".join(str(part) for part in path[1:]) + ":"


def is_yaml_name(path: Path | None) -> bool:
    if path is None:
        return False
    name = path.name.casefold()
    return name.endswith((".yaml", ".yml", ".yaml.gotmpl", ".yml.gotmpl", ".yaml.tpl", ".gotmpl"))
