"""Derive ``wizard/runner/data/runner_keys.json``, our compact key catalogue, from a reference
key list.

A developer tool, run by hand when a new runner release adds keys; never run
in CI and never shipped. The reference list is detailed (Go types, source
notes); we keep only the facts a checker needs: each key's TOML kind, the
release that introduced it, whether it is a Go duration, which tables are
arrays of tables, which are free-form maps, and which keys were removed or are
parsed but ignored (with what replaced them).

Usage: ``python scripts/build_key_catalogue.py REFERENCE.json [OUTPUT.json]``
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
DEFAULT_OUTPUT = (
    Path(__file__).resolve().parents[1] / "wizard" / "runner" / "data" / "runner_keys.json"
)

MAP_VALUE_KINDS = {
    "map[string]string": "string",
    "map[string]bool": "boolean",
    "map[string][]string": "array-of-strings",
    "Labels": "string",
    "DockerSysCtls": "string",
    "RequestRetryLimits": "integer",
    "AutoscalerSettingsMap": "any",
}
"""What the values of each Go map type must be; ``any`` means nested data is fine too."""

STRING_OR_ARRAY_TYPES = {"StringOrArray"}
"""Go types that decode either one string or an array of strings."""

REPLACEMENTS: dict[tuple[str, str], str] = {
    ("", "metrics_server"): "listen_address",
    ("runners", "pre_clone_script"): "pre_get_sources_script",
    ("runners", "post_clone_script"): "post_get_sources_script",
    ("runners.docker", "disable_pull"): "pull_policy",
    ("runners.kubernetes", "terminationGracePeriodSeconds"): (
        "pod_termination_grace_period_seconds or cleanup_grace_period_seconds"
    ),
    ("runners.kubernetes", "cpus"): "cpu_limit / cpu_request",
    ("runners.kubernetes", "memory"): "memory_limit / memory_request",
    ("runners.kubernetes", "service_cpus"): "service_cpu_limit / service_cpu_request",
    ("runners.kubernetes", "service_memory"): "service_memory_limit / service_memory_request",
    ("runners.kubernetes", "helper_cpus"): "helper_cpu_limit / helper_cpu_request",
    ("runners.kubernetes", "helper_memory"): "helper_memory_limit / helper_memory_request",
}
"""Our own record of what took over from a removed key (not in the reference list)."""

MOVED_TO_S3 = "[runners.cache.s3] {key}"
"""The old flat ``[runners.cache]`` storage keys live on, unchanged, in the S3 sub-table."""

IGNORED_PREFIXES = {("runners.machine", "OffPeak"): "[[runners.machine.autoscaling]]"}
REMOVED_IN = {("runners.machine", "OffPeak"): "14.0"}
"""common/config.go logDeprecationWarning: off-peak settings "have been removed since 14.0";
the runner decodes them only to warn."""
"""Keys still decoded but no longer acted on, and what to use instead."""

_VERSION = re.compile(r"v?(\d+\.\d+\.\d+)")


def release(since: str) -> str:
    """``"v1.2.3 (first minor: v1.3.0)"`` → ``"1.3.0"``; ``"v0.1.5 or earlier"`` → ``"0.1.5"``.

    When a patch backport predates the first minor release we keep the minor
    release: it is the first line of releases that all have the key.
    """
    found = _VERSION.findall(since)
    if not found:
        raise ValueError(f"no release in {since!r}")
    return str(found[-1])


def key_entry(table: str, item: dict[str, Any]) -> dict[str, Any]:
    go_type: str = item["go_type"]
    kind: str = item["toml_kind"]
    entry: dict[str, Any] = {}
    if kind == "duration-string":
        entry["kind"] = "string"
        entry["duration"] = True
    elif go_type in STRING_OR_ARRAY_TYPES:
        entry["kind"] = "string-or-array"
    elif kind == "map":
        entry["kind"] = "map"
        entry["values"] = MAP_VALUE_KINDS[go_type]
    else:
        entry["kind"] = kind
    entry["since"] = release(item["since"])
    for (ignored_table, prefix), instead in IGNORED_PREFIXES.items():
        if table == ignored_table and item["key"].startswith(prefix):
            entry["ignored"] = True
            entry["replaced_by"] = instead
            if (ignored_table, prefix) in REMOVED_IN:
                entry["removed_in"] = REMOVED_IN[ignored_table, prefix]
    return entry


def build(reference: dict[str, Any]) -> dict[str, Any]:
    tables: dict[str, dict[str, Any]] = {}
    kinds: dict[str, str] = {}
    for table, meta in reference["_tables"].items():
        kinds[table] = meta["toml_kind"]
    for table, items in reference.items():
        if table.startswith("_"):
            continue
        tables[table] = {item["key"]: key_entry(table, item) for item in items}
        kinds.setdefault(table, "table")
        for item in items:
            child = f"{table}.{item['key']}" if table else item["key"]
            if item["toml_kind"] in ("table", "array-of-tables", "map"):
                kinds.setdefault(child, item["toml_kind"])
    # Every map-typed key is a free-form table, even when the reference lists no keys for it.
    for table, keys in list(tables.items()):
        for name, entry in keys.items():
            if entry["kind"] == "map":
                child = f"{table}.{name}" if table else name
                kinds[child] = "map"
                tables.setdefault(child, {})

    removed: dict[str, dict[str, Any]] = {}
    for item in reference["_removed_keys"]:
        table, key = item["table"], item["key"]
        gone: dict[str, Any] = {"last_seen": release(item["last_seen"])}
        if table == "runners.cache":
            gone["replaced_by"] = MOVED_TO_S3.format(key=key)
        elif (table, key) in REPLACEMENTS:
            gone["replaced_by"] = REPLACEMENTS[table, key]
        removed.setdefault(table, {})[key] = gone
    for item in reference["_removed_feature_flags"]:
        removed.setdefault("runners.feature_flags", {})[item["key"]] = {
            "last_seen": release(item["last_seen"])
        }

    return {
        "schema": SCHEMA_VERSION,
        "release": release(reference["_source"]["version_file"]),
        "table_kinds": dict(sorted(kinds.items())),
        "tables": {name: tables[name] for name in sorted(tables)},
        "removed": {name: removed[name] for name in sorted(removed)},
    }


def render(catalogue: dict[str, Any]) -> str:
    """JSON with one key per line, so a new runner release shows up as a readable diff."""
    lines = [
        "{",
        f' "schema": {catalogue["schema"]},',
        f' "release": {json.dumps(catalogue["release"])},',
    ]
    sections = ["table_kinds", "tables", "removed"]
    for number, section in enumerate(sections):
        lines.append(f" {json.dumps(section)}: {{")
        items = list(catalogue[section].items())
        for index, (name, body) in enumerate(items):
            comma = "," if index < len(items) - 1 else ""
            if section == "table_kinds":
                lines.append(f"  {json.dumps(name)}: {json.dumps(body)}{comma}")
                continue
            lines.append(f"  {json.dumps(name)}: {{")
            keys = list(body.items())
            for position, (key, entry) in enumerate(keys):
                key_comma = "," if position < len(keys) - 1 else ""
                lines.append(f"   {json.dumps(key)}: {json.dumps(entry)}{key_comma}")
            lines.append(f"  }}{comma}")
        lines.append(" }" + ("," if number < len(sections) - 1 else ""))
    lines.append("}")
    text = "\n".join(lines) + "\n"
    if json.loads(text) != catalogue:
        raise AssertionError("rendering changed the catalogue")
    return text


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    reference = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    output = Path(argv[2]) if len(argv) == 3 else DEFAULT_OUTPUT
    catalogue = build(reference)
    output.write_text(render(catalogue), encoding="utf-8")
    count = sum(len(keys) for keys in catalogue["tables"].values())
    print(f"wrote {count} keys in {len(catalogue['tables'])} tables to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
