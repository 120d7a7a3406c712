"""Team presets: one reviewed answer set per kind of runner, applied the same way every time.

A preset is a small TOML file::

    name = "multi-project-docker"
    description = "..."
    trust = "multi-project"
    locked = ["privileged", "pull_policy"]      # shown in the wizards, never asked
    accepted = ["shell-executor"]               # findings the preset knowingly keeps
    accepted_reason = "why they are acceptable here"

    [answers]                                   # the Answers fields, as in --answers
    executor = "docker"

    [settings."runners.docker"]                 # extra keys the preset pins
    image = "alpine:3.20"

Bundled presets ship inside the wheel as ``wizard/presets_data``; in a source
checkout they are read from the top-level ``presets/`` folder. Every problem
with a preset file is one :class:`~wizard.base.errors.WizardError` naming the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any

from wizard.answers.file import answers_from_mapping, read_toml
from wizard.answers.impact import NONE_HEADING
from wizard.answers.model import Answers
from wizard.answers.plan import edits_for_answers
from wizard.answers.validation import answers_problem
from wizard.base.errors import WizardError
from wizard.base.masking import is_secret_key
from wizard.base.model import Edit, SetValue, TablePath, TomlValue, Trust
from wizard.base.safe_text import Message
from wizard.base.sinks import unsafe_character
from wizard.rules.schema import value_problem
from wizard.runner import keys
from wizard.runner.reading import get_ci
from wizard.runner.settings import IDENTITY_KEYS, effect_of
from wizard.tomlfile.edits import apply_edits

NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
"""Matched whole (``fullmatch``): ``$`` would also match before a final newline."""
"""Preset names are file names and command-line words: lower-case kebab."""

_TOP_LEVEL = frozenset(
    {"name", "description", "trust", "answers", "settings", "locked", "accepted", "accepted_reason"}
)
_ANSWER_FIELDS = frozenset(f.name for f in fields(Answers))
Settings = Mapping[str, Mapping[str, TomlValue]]

TEMPLATE_MARK = "# GitLab Runner template from preset "
"""First line of an exported template, so a later export may refresh its own file."""


@dataclass(frozen=True)
class Preset:
    """One reviewed answer set, with what it pins and what it accepts."""

    name: str
    description: str
    trust: Trust
    answers: Answers
    """Includes ``trust``, so the answers alone drive a run."""
    settings: Settings = field(default_factory=lambda: MappingProxyType({}))
    """Extra keys per runner table (``runners.docker``), applied before the answers."""
    locked: frozenset[str] = frozenset()
    """Answer fields the wizards show but do not let the operator change."""
    accepted: frozenset[str] = frozenset()
    """Rule ids whose findings this preset keeps on purpose (see ``accepted_reason``)."""
    accepted_reason: str = ""
    source: str = ""
    """Where the preset was read from, for messages (empty for one made in memory)."""


# --------------------------------------------------------------------------- finding


def _bundled_folder() -> Traversable | Path:
    """The installed ``wizard/presets_data``, else the checkout's ``presets/`` folder."""
    installed = files("wizard").joinpath("presets_data")
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "presets"


def _bundled_files() -> dict[str, Traversable | Path]:
    folder = _bundled_folder()
    if not folder.is_dir():
        return {}
    found: dict[str, Traversable | Path] = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            found[entry.name.removesuffix(".toml")] = entry
    return dict(sorted(found.items()))


def bundled_names() -> list[str]:
    return list(_bundled_files())


def list_presets() -> list[Preset]:
    """Every bundled preset, sorted by name."""
    return [_parse(_read(entry), f"preset {name}") for name, entry in _bundled_files().items()]


def _looks_like_path(name_or_file: str) -> bool:
    return "/" in name_or_file or name_or_file.endswith(".toml") or name_or_file.startswith(".")


def load_preset(name_or_file: str) -> Preset:
    """A bundled preset by name, or the preset in a file (a path, or anything ending .toml)."""
    if _looks_like_path(name_or_file) or Path(name_or_file).is_file():
        path = Path(name_or_file)
        return _parse(read_toml(path), str(path))
    bundled = _bundled_files()
    saved_here = Path(f"{name_or_file}.toml")
    if name_or_file not in bundled and saved_here.is_file():
        # ``presets new NAME`` writes ./NAME.toml; the same name should find it again.
        return _parse(read_toml(saved_here), str(saved_here))
    if name_or_file not in bundled:
        known = ", ".join(bundled) or "none are installed"
        raise WizardError(
            Message.of(
                (
                    "no preset named {name_or_file!r} (bundled presets: {known}; or give a "
                    "path to a preset file)"
                ),
                name_or_file=name_or_file,
                known=known,
            )
        )
    return _parse(_read(bundled[name_or_file]), f"preset {name_or_file}")


def _read(entry: Traversable | Path) -> dict[str, Any]:
    if isinstance(entry, Path):
        return read_toml(entry)
    from wizard.tomlfile.document import parse_text  # the one place parse errors are worded

    try:
        text = entry.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise WizardError(
            Message.of("bundled preset {name}: {error}", name=entry.name, error=str(error))
        ) from None
    return parse_text(text, Path(f"bundled preset {entry.name}"))


# --------------------------------------------------------------------------- validating


def _parse(data: Mapping[str, Any], source: str) -> Preset:
    def fail(reason: Message) -> WizardError:
        return WizardError(Message.of("{source}: {reason}", source=source, reason=reason))

    unknown = sorted(set(data) - _TOP_LEVEL)
    if unknown:
        raise fail(Message.of("unknown preset field(s): {join}", join=", ".join(unknown)))
    name = data.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise fail(Message.of("'name' must be lower-case letters, digits and dashes"))
    description = data.get("description", "")
    if not isinstance(description, str):
        raise fail(Message.of("'description' must be a string"))
    try:
        trust = Trust(str(data.get("trust")))
    except ValueError:
        levels = ", ".join(t.value for t in Trust)
        raise fail(Message.of("'trust' must be one of: {levels}", levels=levels)) from None
    raw_answers = data.get("answers", {})
    if not isinstance(raw_answers, Mapping):
        raise fail(Message.of("[answers] must be a table"))
    answers = answers_from_mapping(raw_answers, source)
    problem = answers_problem(answers)
    if problem is not None:
        raise fail(Message.of("[answers] {problem}", problem=problem))
    if answers.trust is not None and answers.trust is not trust:
        raise fail(
            Message.of(
                "answers.trust = {value!r} contradicts trust = {value2!r}",
                value=answers.trust.value,
                value2=trust.value,
            )
        )
    answers = answers.merged(Answers(trust=trust))
    locked = _string_set(data, "locked", fail)
    bad_locks = sorted(locked - _ANSWER_FIELDS)
    if bad_locks:
        raise fail(Message.of("locked names no answer: {join}", join=", ".join(bad_locks)))
    open_locks = sorted(name for name in locked if getattr(answers, name) is None)
    if open_locks:
        raise fail(
            Message.of(
                "locked answer(s) not given in [answers]: {join}", join=", ".join(open_locks)
            )
        )
    accepted = _string_set(data, "accepted", fail)
    reason = data.get("accepted_reason", "")
    if not isinstance(reason, str):
        raise fail(Message.of("'accepted_reason' must be a string"))
    if accepted and not reason.strip():
        raise fail(
            Message.of(
                "'accepted' needs an 'accepted_reason' saying why the findings are acceptable"
            )
        )
    settings = _settings(data.get("settings", {}), fail)
    return Preset(
        name=name,
        description=description.strip(),
        trust=trust,
        answers=answers,
        settings=settings,
        locked=frozenset(locked),
        accepted=frozenset(accepted),
        accepted_reason=reason.strip(),
        source=source,
    )


def _string_set(data: Mapping[str, Any], key: str, fail: Any) -> set[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise fail(Message.of("'{key}' must be a list of strings", key=key))
    return set(value)


def _settings(raw: Any, fail: Any) -> Settings:
    if not isinstance(raw, Mapping):
        raise fail(Message.of("[settings] must be a table of tables"))
    result: dict[str, Mapping[str, TomlValue]] = {}
    for table, values in raw.items():
        if not isinstance(values, Mapping):
            raise fail(Message.of('[settings."{table}"] must be a table', table=table))
        if table != "runners" and not table.startswith("runners."):
            raise fail(
                Message.of(
                    '[settings."{table}"]: a preset pins settings of one runner only', table=table
                )
            )
        kind = keys.table_kind(table)
        if kind not in ("table", "map") and table != "runners":
            raise fail(
                Message.of('[settings."{table}"]: GitLab Runner reads no such table', table=table)
            )
        checked: dict[str, TomlValue] = {}
        for key, value in values.items():
            problem = setting_problem(table, key, value)
            if problem:
                raise fail(
                    Message.of(
                        '[settings."{table}"] {key}: {problem}',
                        table=table,
                        key=key,
                        problem=problem,
                    )
                )
            checked[key] = value
        result[table] = MappingProxyType(checked)
    return MappingProxyType(result)


def setting_problem(table: str, key: str, value: Any) -> Message | None:
    """Why ``key = value`` cannot go into ``table`` of a preset or template, or ``None``."""
    for text in (key, *(value if isinstance(value, list) else [value])):
        found = unsafe_character(text) if isinstance(text, str) else None
        if found is not None:
            return Message.of("holds a control character ({found})", found=found)
    if (table == "runners" and key.casefold() in IDENTITY_KEYS) or is_secret_key(key):
        return Message.of("identities and secrets never go into a preset")
    if isinstance(value, Mapping):
        return Message.of('write a sub-table as its own [settings."table"]')
    info = keys.lookup(table, key)
    if info is None:
        if keys.is_free_form(table):
            return (
                None
                if isinstance(value, bool | str | int | float)
                else Message.of("must be a value")
            )
        hint = keys.suggest(table, key)
        if hint:
            return Message.of(
                "GitLab Runner does not read this key (did you mean {hint}?)", hint=hint
            )
        return Message.of("GitLab Runner does not read this key")
    if info.ignored:
        return Message.of(
            "GitLab Runner ignores it now (use {replaced_by})", replaced_by=info.replaced_by
        )
    return value_problem(table, key, value)


# --------------------------------------------------------------------------- applying


def table_path(table: str, runner_index: int) -> TablePath:
    """``"runners.docker"`` of runner 2 → ``("runners", 2, "docker")``."""
    parts = table.split(".")
    return ("runners", runner_index, *parts[1:])


def settings_edits(
    preset: Preset, runner_index: int, data: Mapping[str, Any] | None = None
) -> list[Edit]:
    """The preset's pinned settings as edits of one runner.

    With ``data`` (the config as parsed), settings the runner already has are
    skipped, so a second application changes nothing.
    """
    edits: list[Edit] = []
    for table, values in preset.settings.items():
        path = table_path(table, runner_index)
        current = _table_at(data, path) if data is not None else None
        for key, value in values.items():
            if current is not None and get_ci(current, key) == value:
                continue
            edits.append(SetValue(path, key, value))
    return edits


def _table_at(data: Mapping[str, Any], path: TablePath) -> Mapping[str, Any]:
    node: Any = data
    for part in path:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else {}
        else:
            node = get_ci(node, part) if isinstance(node, Mapping) else None
        if node is None:
            return {}
    return node if isinstance(node, Mapping) else {}


def preset_edits(
    preset: Preset, answers: Answers, data: Mapping[str, Any], index: int
) -> list[Edit]:
    """Settings first, then the answers (which win where both speak).

    A preset's default image is a starting point for new runners: a runner that
    already names one keeps it, since jobs that name no image depend on it.
    """
    pinned = settings_edits(preset, index, data)
    after = apply_edits(dict(data), pinned)
    if answers.default_image is not None and _runner_image(data, index):
        answers = replace(answers, default_image=None)
    return [*pinned, *edits_for_answers(answers, after, index)]


def _runner_image(data: Mapping[str, Any], index: int) -> str | None:
    for table in ("docker", "kubernetes"):
        image = get_ci(_table_at(data, ("runners", index, table)), "image")
        if isinstance(image, str) and image.strip():
            return image
    return None


def with_locks(preset: Preset | None, answers: Answers) -> Answers:
    """``answers`` with every locked preset answer forced back to the preset's value."""
    if preset is None:
        return answers
    locked = {name: getattr(preset.answers, name) for name in preset.locked}
    return answers.merged(Answers(**locked))


# --------------------------------------------------------------------------- writing


def preset_to_toml(preset: Preset) -> str:
    """The preset as a file: stable field order, so two runs give the same bytes."""
    from wizard.tomlfile.rendering import render_key, render_value

    lines = [
        f"name = {render_value(preset.name)}",
        f"description = {render_value(preset.description)}",
        f"trust = {render_value(preset.trust.value)}",
        f"locked = {render_value(_ordered(preset.locked))}",
    ]
    if preset.accepted:
        lines.append(f"accepted = {render_value(list[TomlValue](sorted(preset.accepted)))}")
        lines.append(f"accepted_reason = {render_value(preset.accepted_reason)}")
    lines += ["", "[answers]"]
    for name, value in preset.answers.to_dict().items():
        if name != "trust":
            lines.append(f"{name} = {render_value(value)}")
    for table, values in preset.settings.items():
        lines += ["", f"[settings.{render_key(table)}]"]
        lines += [f"{render_key(k)} = {render_value(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def _ordered(names: frozenset[str]) -> list[TomlValue]:
    """Locked answers in the order the wizard asks them."""
    order = [f.name for f in fields(Answers)]
    ordered: list[TomlValue] = [name for name in order if name in names]
    return ordered


def make_preset(
    name: str,
    answers: Answers,
    *,
    description: str = "",
    locked: frozenset[str] | None = None,
) -> Preset:
    """A new preset from a wizard run's answers; by default every answer is locked."""
    if not NAME_PATTERN.fullmatch(name):
        raise WizardError(
            Message.of("preset name {name!r}: use lower-case letters, digits and dashes", name=name)
        )
    trust = answers.trust or Trust.MULTI_PROJECT
    answers = answers.merged(Answers(trust=trust))
    answered = frozenset(n for n in answers.to_dict() if n != "trust")
    kind = answers.executor.value if answers.executor else "any-executor"
    return Preset(
        name=name,
        description=description or f"{kind} runner for {trust.value} use",
        trust=trust,
        answers=answers,
        locked=answered if locked is None else locked & answered,
    )


# --------------------------------------------------------------------------- templates


def template_runner(preset: Preset) -> dict[str, Any]:
    """The ``[[runners]]`` entry a preset makes, without name, URL or token."""
    runner: dict[str, Any] = {}
    if preset.answers.executor is not None:
        runner["executor"] = preset.answers.executor.value
    data: dict[str, Any] = {"runners": [runner]}
    result = apply_edits(data, preset_edits(preset, preset.answers, data, 0))
    entry: dict[str, Any] = result["runners"][0]
    return entry


def source_differences(source: Mapping[str, Any], preset: Preset) -> list[str]:
    """Where the runner a preset exports differs from the runner it was made from,
    each with what it does to jobs: a preset made from a config names every setting
    it does not reproduce, rather than dropping or adding one silently.

    Only key names and the preset's own values are shown: the source's values may
    hold secrets.
    """
    made = template_runner(preset)
    lines: list[str] = []

    def walk(old: Mapping[str, Any], new: Mapping[str, Any], where: str) -> None:
        for key in sorted(set(old) | set(new)):
            if not where and key.casefold() in IDENTITY_KEYS:
                continue
            name = f"{where}.{key}" if where else key
            before, after = old.get(key), new.get(key)
            if isinstance(before, Mapping) or isinstance(after, Mapping):
                walk(
                    before if isinstance(before, Mapping) else {},
                    after if isinstance(after, Mapping) else {},
                    name,
                )
            elif before != after:
                lines.append(_difference(name, before, after, old))

    walk(source, made, "")
    return lines


def _difference(name: str, before: Any, after: Any, table: Mapping[str, Any]) -> str:
    """One difference, with what it does to the runner's jobs as every review words it."""
    from wizard.tomlfile.rendering import render_value

    *tables, key = name.split(".")
    verdict = effect_of(("runners", 0, *tables), key, before, after, table)
    impact = verdict.reason or NONE_HEADING
    if after is None:
        return f"{name}: set in the config, left out of the preset ({impact})"
    shown = render_value(after)
    if before is None:
        return f"{name}: not set in the config → {shown} ({impact})"
    return f"{name}: differs from the config → {shown} ({impact})"


def template_config(preset: Preset) -> str:
    """A file ``gitlab-runner register --template-config`` accepts.

    Only keys GitLab Runner knows, and nothing that identifies one runner: the
    name, URL and token come from ``register`` itself.
    """
    import tomllib

    from wizard.tomlfile.rendering import render_key, render_value

    runner = template_runner(preset)
    problems = list(_template_problems("runners", runner))
    if problems:
        raise WizardError(
            Message.of(
                "{preset}: cannot export: {problems}",
                preset=preset.source or preset.name,
                problems="; ".join(problems),
            )
        )
    header = [
        f"{TEMPLATE_MARK}{preset.name} ({preset.trust.value}).",
        "# Use: gitlab-runner register --template-config THIS_FILE --url ... --token ...",
        "",
    ]
    body: list[str] = []

    def emit(name: str, table: Mapping[str, Any], depth: int, array: bool) -> None:
        indent = "  " * depth
        body.append(f"{indent}[[{name}]]" if array else f"{indent}[{name}]")
        for key, value in table.items():
            if not isinstance(value, Mapping):
                body.append(f"{indent}  {render_key(key)} = {render_value(value)}")
        for key, value in table.items():
            if isinstance(value, Mapping):
                emit(f"{name}.{render_key(key)}", value, depth + 1, array=False)

    emit("runners", runner, 0, array=True)
    text = "\n".join([*header, *body]) + "\n"
    if tomllib.loads(text) != {"runners": [runner]}:
        raise WizardError(
            Message.of("{name}: the template did not render faithfully", name=preset.name)
        )
    return text


def _template_problems(table: str, values: Mapping[str, Any]) -> list[str]:
    found = []
    for key, value in values.items():
        if isinstance(value, Mapping):
            child = keys.child_table(table, key)
            if keys.table_kind(child) is None:
                found.append(f"GitLab Runner reads no table [{child}]")
            else:
                found += _template_problems(child, value)
            continue
        if table == "runners" and key.casefold() in IDENTITY_KEYS:
            found.append(f"{key} identifies one runner")
        elif is_secret_key(key):
            found.append(f"{key} is a secret")
        elif keys.lookup(table, key) is None and not keys.is_free_form(table):
            found.append(f"[{table}] {key} is not a key GitLab Runner reads")
    return found


def write_new_file(path: Path, text: str) -> None:
    """Write a preset or template that must not replace someone's file by accident."""
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise WizardError(
            Message.of("{path}: already exists; choose another file name", path=path)
        ) from None
    except OSError as error:
        raise WizardError(
            Message.of(
                "{path}: cannot write: {problem}", path=path, problem=error.strerror or str(error)
            )
        ) from None
