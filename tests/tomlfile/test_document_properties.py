"""Properties of the editor over generated configs in every style a hand-kept file has.

A config is drawn as plain data plus a style (indentation with spaces or tabs,
nested or flat sub-table headers, LF or CRLF, BOM, final newline, quote style,
blank lines, comments between lines and after values, single-line or commented
multi-line arrays) and rendered to text by the small writer below, which is
independent of the code under test. Then, for random edit sets:

- reading and writing back is byte-identical;
- the edited text re-parses to exactly ``apply_edits(data, edits)``;
- every ``# keep`` comment line survives, line endings stay the file's own,
  the BOM and the presence of a final newline are kept;
- applying the same edits again changes nothing.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wizard.base.model import Edit, RemoveKey, SetValue, TablePath, TomlValue
from wizard.tomlfile.document import parse_config
from wizard.tomlfile.edits import apply_edits
from wizard.tomlfile.layout import fold
from wizard.tomlfile.same_value import same_value

GLOBAL_KEYS = ("concurrent", "check_interval", "log_level", "listen_address", "shutdown_timeout")
RUNNER_KEYS = ("name", "url", "token", "executor", "limit", "output_limit", "environment", "shell")
SUB_TABLE_KEYS = {
    "docker": ("image", "privileged", "volumes", "cap_drop", "security_opt", "pull_policy"),
    "machine": ("IdleCount", "MaxBuilds", "MachineDriver", "MachineOptions"),
    "feature_flags": ("FF_NETWORK_PER_BUILD", "FF_ENABLE_JOB_CLEANUP", "FF_USE_FASTZIP"),
    "cache": ("Type", "Shared", "Path"),
    "custom_build_dir": ("enabled",),
    "kubernetes": ("namespace", "privileged", "allow_privilege_escalation"),
}
S3_KEYS = ("ServerAddress", "BucketName", "Insecure")
AUTOSCALING_KEYS = ("Periods", "IdleCount", "IdleTime")

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# -- the model and its writer --------------------------------------------------------


@dataclass
class Style:
    unit: str
    nested_headers: bool
    newline: str
    bom: bool
    final_newline: bool
    quote: str
    blank_before_runner: bool
    blank_before_sub_table: bool


@dataclass
class Table:
    values: dict[str, Any] = field(default_factory=dict)
    multiline: set[str] = field(default_factory=set)
    """List-valued keys written one item per line, with comments between items."""


@dataclass
class Runner:
    table: Table
    sub_tables: dict[str, Table]
    s3: Table | None
    autoscaling: list[Table]


@dataclass
class Config:
    style: Style
    globals: Table
    runners: list[Runner]
    comment_rate: int
    """One line in ``comment_rate`` gets a ``# keep`` line above it (0: none)."""


def _string(value: str, quote: str) -> str:
    if quote == "'" and "'" not in value:
        return f"'{value}'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _scalar(value: Any, quote: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return _string(value, quote)


class Writer:
    def __init__(self, config: Config, rng: st.DrawFn) -> None:
        self.config = config
        self.style = config.style
        self.draw = rng
        self.lines: list[str] = []
        self.keeps = 0

    def maybe_keep(self, indent: str) -> None:
        rate = self.config.comment_rate
        if rate and self.draw(st.integers(0, rate - 1)) == 0:
            self.keeps += 1
            self.lines.append(f"{indent}# keep {self.keeps}")

    def note(self) -> str:
        return " # note" if self.draw(st.booleans()) and self.config.comment_rate else ""

    def table_body(self, table: Table, indent: str) -> None:
        quote = self.style.quote
        for key, value in table.values.items():
            self.maybe_keep(indent)
            if isinstance(value, list) and key in table.multiline:
                self.lines.append(f"{indent}{key} = [")
                trailing = self.draw(st.booleans())
                line = ""
                for position, item in enumerate(value):
                    comma = "," if trailing or position < len(value) - 1 else ""
                    if line and self.draw(st.booleans()):  # several items on one line
                        line += f" {_scalar(item, quote)}{comma}"
                        continue
                    if line:
                        self.lines.append(line + self.note())
                    self.maybe_keep(indent + self.style.unit)
                    line = f"{indent}{self.style.unit}{_scalar(item, quote)}{comma}"
                if line:
                    self.lines.append(line + self.note())
                self.maybe_keep(indent + self.style.unit)
                self.lines.append(f"{indent}]{self.note()}")
            elif isinstance(value, list):
                spaced = self.draw(st.booleans()) and value
                items = (", " if self.draw(st.booleans()) else ",").join(
                    _scalar(item, quote) for item in value
                )
                items = f" {items} " if spaced else items
                self.lines.append(f"{indent}{key} = [{items}]{self.note()}")
            else:
                self.lines.append(f"{indent}{key} = {_scalar(value, quote)}{self.note()}")

    def header(self, text: str, indent: str, *, blank: bool) -> None:
        if blank and self.lines:
            self.lines.append("")
        self.maybe_keep(indent)
        self.lines.append(f"{indent}{text}{self.note()}")

    def render(self) -> bytes:
        style = self.style
        unit = style.unit
        self.maybe_keep("")
        self.table_body(self.config.globals, "")
        sub_indent = unit if style.nested_headers else ""
        for runner in self.config.runners:
            self.header("[[runners]]", "", blank=style.blank_before_runner)
            self.table_body(runner.table, unit)
            for name, table in runner.sub_tables.items():
                self.header(f"[runners.{name}]", sub_indent, blank=style.blank_before_sub_table)
                self.table_body(table, sub_indent + unit)
                deeper = sub_indent + unit if style.nested_headers else ""
                if name == "cache" and runner.s3 is not None:
                    self.header("[runners.cache.s3]", deeper, blank=style.blank_before_sub_table)
                    self.table_body(runner.s3, deeper + unit)
                if name == "machine":
                    for entry in runner.autoscaling:
                        self.header("[[runners.machine.autoscaling]]", deeper, blank=False)
                        self.table_body(entry, deeper + unit)
        if self.draw(st.booleans()):
            self.maybe_keep("")
        text = style.newline.join(self.lines)
        if style.final_newline and text:
            text += style.newline
        return (("\ufeff" if style.bom else "") + text).encode("utf-8")


# -- strategies ------------------------------------------------------------------------

TEXT = st.text(
    st.characters(
        codec="utf-8", categories=["L", "N", "P", "S", "Zs"], exclude_characters="\u2028\u2029"
    ),
    max_size=12,
)
SCALARS: st.SearchStrategy[TomlValue] = st.one_of(TEXT, st.integers(-(2**31), 2**31), st.booleans())
VALUES: st.SearchStrategy[TomlValue] = st.one_of(SCALARS, st.lists(TEXT, max_size=4))


@st.composite
def tables(draw: st.DrawFn, pool: tuple[str, ...]) -> Table:
    keys = draw(st.lists(st.sampled_from(pool), unique=True, max_size=len(pool)))
    values = {key: draw(VALUES) for key in keys}
    multiline = {
        key for key, value in values.items() if isinstance(value, list) and draw(st.booleans())
    }
    return Table(values, multiline)


@st.composite
def runners(draw: st.DrawFn) -> Runner:
    names = draw(st.lists(st.sampled_from(sorted(SUB_TABLE_KEYS)), unique=True, max_size=4))
    sub_tables = {name: draw(tables(SUB_TABLE_KEYS[name])) for name in names}
    s3 = draw(st.none() | tables(S3_KEYS)) if "cache" in sub_tables else None
    autoscaling = (
        draw(st.lists(tables(AUTOSCALING_KEYS), max_size=2)) if "machine" in sub_tables else []
    )
    return Runner(draw(tables(RUNNER_KEYS)), sub_tables, s3, autoscaling)


@st.composite
def configs(draw: st.DrawFn) -> tuple[Config, bytes]:
    style = Style(
        unit=draw(st.sampled_from(["  ", "    ", "\t"])),
        nested_headers=draw(st.booleans()),
        newline=draw(st.sampled_from(["\n", "\r\n"])),
        bom=draw(st.booleans()),
        final_newline=draw(st.booleans()),
        quote=draw(st.sampled_from(['"', "'"])),
        blank_before_runner=draw(st.booleans()),
        blank_before_sub_table=draw(st.booleans()),
    )
    config = Config(
        style=style,
        globals=draw(tables(GLOBAL_KEYS)),
        runners=draw(st.lists(runners(), max_size=3)),
        comment_rate=draw(st.sampled_from([0, 2, 4])),
    )
    return config, Writer(config, draw).render()


def _leaf_tables(data: dict[str, Any]) -> list[tuple[TablePath, dict[str, Any]]]:
    """Every table of the parsed data with its concrete path."""
    found: list[tuple[TablePath, dict[str, Any]]] = [((), data)]

    def walk(node: dict[str, Any], path: TablePath) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                found.append(((*path, key), value))
                walk(value, (*path, key))
            elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                for index, entry in enumerate(value):
                    found.append(((*path, key, index), entry))
                    walk(entry, (*path, key, index))

    walk(data, ())
    return found


def _spelled(draw: st.DrawFn, key: str) -> str:
    """An existing key as an edit may spell it: the runner matches case-insensitively."""
    return draw(st.sampled_from([key, key.lower(), key.upper()]))


@st.composite
def edit_sets(draw: st.DrawFn, data: dict[str, Any]) -> list[Edit]:
    tables_found = _leaf_tables(data)
    runner_count = len(data.get("runners", []))
    edits: list[Edit] = []
    for _ in range(draw(st.integers(1, 6))):
        path, table = draw(st.sampled_from(tables_found))
        leaves = [k for k, v in table.items() if not isinstance(v, dict) and _is_leaf(v)]
        kind = draw(
            st.sampled_from(
                ["set", "append", "shrink", "new-key", "new-table", "remove", "remove-missing"]
            )
        )
        if kind in ("set", "append", "shrink", "remove") and leaves:
            key = draw(st.sampled_from(leaves))
            old = table[key]
            spelled = _spelled(draw, key)
            if kind == "remove":
                edits.append(RemoveKey(path, spelled))
            elif kind == "append" and isinstance(old, list):
                edits.append(SetValue(path, spelled, [*old, *draw(st.lists(TEXT, max_size=3))]))
            elif kind == "shrink" and isinstance(old, list):
                kept = [item for item in old if draw(st.booleans())]
                edits.append(SetValue(path, spelled, kept))
            else:
                edits.append(SetValue(path, spelled, draw(VALUES)))
        elif kind == "new-table" and runner_count:
            index = draw(st.integers(0, runner_count - 1))
            name = draw(st.sampled_from([*sorted(SUB_TABLE_KEYS), "cache.s3"]))
            table_path: TablePath = ("runners", index, *name.split("."))
            pool = S3_KEYS if name == "cache.s3" else SUB_TABLE_KEYS[name]
            key = draw(st.sampled_from(pool))
            existing = _table_at(data, table_path)
            key = _spelled(draw, key) if existing is not None and key in existing else key
            edits.append(SetValue(table_path, key, draw(VALUES)))
        elif kind == "remove-missing":
            edits.append(RemoveKey(path, "not_in_the_file"))
        else:
            key = f"new_key_{draw(st.integers(0, 3))}"
            edits.append(SetValue(path, key, draw(VALUES)))
    return edits


def _is_leaf(value: Any) -> bool:
    return not (isinstance(value, list) and value and all(isinstance(v, dict) for v in value))


def _table_at(data: dict[str, Any], path: TablePath) -> dict[str, Any] | None:
    node: Any = data
    for part in path:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return None
    return node if isinstance(node, dict) else None


def _folded(value: Any) -> Any:
    if isinstance(value, dict):
        return {key.casefold(): _folded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_folded(item) for item in value]
    return value


# -- properties ------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(configs())
def test_generated_configs_round_trip_byte_for_byte(drawn: tuple[Config, bytes]) -> None:
    _config, raw = drawn
    document = parse_config(raw)
    assert document.to_bytes() == raw


@PROPERTY_SETTINGS
@given(st.data())
def test_edits_mean_what_they_say_and_keep_the_file_style(data: st.DataObject) -> None:
    config, raw = data.draw(configs())
    before = parse_config(raw)
    edits = data.draw(edit_sets(before.data))
    after = before.with_edits(edits)
    produced = after.to_bytes()

    reparsed = tomllib.loads(after.text)
    intended = apply_edits(before.data, edits)
    slots = [(fold(edit.table), edit.key.casefold()) for edit in edits]
    if len(set(slots)) == len(slots):
        assert same_value(reparsed, intended)
    else:
        # Only the last edit of a key counts, so a key removed and set again under
        # another spelling keeps the file's spelling: the same key to the runner.
        assert same_value(_folded(reparsed), _folded(intended))

    text = produced.decode("utf-8")
    original = raw.decode("utf-8")
    assert text.count("# keep") == original.count("# keep")
    assert produced.startswith(b"\xef\xbb\xbf") == config.style.bom
    if original.strip("\ufeff") and text.strip("\ufeff"):  # an empty file has no style
        assert text.endswith("\n") == original.endswith("\n")
    if "\r\n" in original:  # a file of one line has no line ending of its own: LF then
        assert text.count("\n") == text.count("\r\n")
    else:
        assert "\r" not in text

    again = parse_config(produced).with_edits(edits)
    assert again.to_bytes() == produced


@PROPERTY_SETTINGS
@given(st.data())
def test_edits_touch_only_the_lines_they_must(data: st.DataObject) -> None:
    """Setting one existing value changes one line (or the lines of its array)."""
    _config, raw = data.draw(configs())
    before = parse_config(raw)
    candidates = [
        (path, key)
        for path, table in _leaf_tables(before.data)
        for key, value in table.items()
        if not isinstance(value, dict | list)
    ]
    if not candidates:
        return
    path, key = data.draw(st.sampled_from(candidates))
    after = before.with_edits([SetValue(path, key, "changed value")])
    old_lines = before.text.splitlines()
    new_lines = after.text.splitlines()
    assert len(old_lines) == len(new_lines)
    changed = [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
    assert len(changed) <= 1


# -- documents of any shape ------------------------------------------------------------

KEYS = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=6)
LEAVES = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=10),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=True),
    st.booleans(),
    st.lists(st.integers(0, 9), max_size=3),
)


def _unique_keys(mapping: dict[str, Any]) -> bool:
    folded = [key.casefold() for key in mapping]
    return len(folded) == len(set(folded))


TREES = st.recursive(
    st.dictionaries(KEYS, LEAVES, max_size=4).filter(_unique_keys),
    lambda inner: st.dictionaries(
        KEYS, st.one_of(LEAVES, inner, st.lists(inner, min_size=1, max_size=2)), max_size=4
    ).filter(_unique_keys),
    max_leaves=12,
)


def _with_inline_tables(tree: dict[str, Any], data: st.DataObject) -> Any:
    """The tree as a tomlkit document where some tables are written inline."""

    def convert(value: Any, *, inline: bool) -> Any:
        if isinstance(value, dict):
            inline = inline or data.draw(st.booleans())
            table = tomlkit.inline_table() if inline else tomlkit.table()
            for key, item in value.items():
                table[key] = convert(item, inline=inline)
            return table
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            if inline or data.draw(st.booleans()):
                array = tomlkit.array()
                array.extend(convert(v, inline=True) for v in value)
                return array
            tables = tomlkit.aot()
            for entry in value:
                table = tomlkit.table()
                for key, item in entry.items():
                    table[key] = convert(item, inline=False)
                tables.append(table)
            return tables
        return value

    document = tomlkit.document()
    for key, value in tree.items():
        document[key] = convert(value, inline=False)
    return document


@PROPERTY_SETTINGS
@given(TREES, st.data())
def test_editor_on_documents_of_any_shape(tree: dict[str, Any], data: st.DataObject) -> None:
    """Quoted keys, nested and super tables, arrays of tables at any depth."""
    text = tomlkit.dumps(_with_inline_tables(tree, data))
    document = parse_config(text.encode("utf-8"))
    assert document.to_bytes() == text.encode("utf-8")
    lines = text.split("\n")
    tables_found = _leaf_tables(document.data)
    for path, table in tables_found:
        for key, value in table.items():
            line = document.line_of(path, key)
            assert line is not None, (path, key)
            if not isinstance(value, dict | list):
                assert "=" in lines[line - 1]
    edits: list[Edit] = []
    for _ in range(data.draw(st.integers(1, 4))):
        path, table = data.draw(st.sampled_from(tables_found))
        leaves = [k for k, v in table.items() if not isinstance(v, dict) and _is_leaf(v)]
        change_one: bool = data.draw(st.booleans())
        if leaves and change_one:
            key = data.draw(st.sampled_from(leaves))
            if data.draw(st.booleans()):
                edits.append(RemoveKey(path, key))
            else:
                edits.append(SetValue(path, key, data.draw(VALUES)))
        else:
            edits.append(SetValue(path, "added", data.draw(VALUES)))
    after = document.with_edits(edits)
    reparsed = tomllib.loads(after.text)
    assert same_value(_folded(reparsed), _folded(apply_edits(document.data, edits)))
    assert parse_config(after.to_bytes()).with_edits(edits).text == after.text
