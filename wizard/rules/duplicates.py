"""Keys that differ only by case: one setting to the runner, applied in random order.

The runner's TOML decoder matches a key to a setting ignoring case and walks
each table as a Go map, whose order changes from one start to the next. So with
``privileged = false`` and ``Privileged = true`` in one table (or the same key
under ``[runners.docker]`` and ``[runners.Docker]``) both are applied and the
last one wins, differently on each start. Free-form maps (feature flags,
labels, sysctls) are read by exact name and are not affected.

Two things live here: the rules that report such keys, and :func:`readings`,
every way the runner may read a file that has them, so that the other rules
can judge the worst one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from wizard.base.model import FixSafety, Issue, RemoveKey, Severity
from wizard.base.safe_text import Message
from wizard.rules.base import DOCS, AuditContext, Rule, by_trust
from wizard.rules.schema import SECURITY_KEYS, tables
from wizard.runner import keys

_S = Severity
VALIDATION_DOCS = f"{DOCS}/configuration/advanced-configuration/#configuration-validation"


def _groups(table: Mapping[str, Any]) -> list[list[str]]:
    """The keys of ``table`` that fold to the same name, in file order, two or more each."""
    by_fold: dict[str, list[str]] = {}
    for key in table:
        by_fold.setdefault(key.casefold(), []).append(key)
    return [names for names in by_fold.values() if len(names) > 1]


def _is_table(value: Any) -> bool:
    return isinstance(value, Mapping) or (
        isinstance(value, list) and any(isinstance(item, Mapping) for item in value)
    )


# --- every reading of the file -------------------------------------------------------------


def _child(name: str, key: str) -> str:
    info = keys.lookup(name, key)
    return keys.child_table(name, info.name if info else key)


def _value_readings(value: Any, name: str) -> list[Any]:
    if isinstance(value, Mapping):
        if keys.is_free_form(name):
            return [value]
        return _table_readings(list(value.items()), name)
    if isinstance(value, list) and any(isinstance(item, Mapping) for item in value):
        options = [_value_readings(item, name) for item in value]
        first = [choices[0] for choices in options]
        readings = [first]
        for position, choices in enumerate(options):
            for other in choices[1:]:
                readings.append([*first[:position], other, *first[position + 1 :]])
        return readings
    return [value]


def _table_readings(pairs: list[tuple[str, Any]], name: str) -> list[dict[str, Any]]:
    """The table as the runner may decode it: the first spelling wins in the first reading,
    and every other reading lets one other duplicate win (linear, not every combination)."""
    members: dict[str, list[tuple[str, Any]]] = {}
    for key, value in pairs:
        members.setdefault(key.casefold(), []).append((key, value))
    options: list[list[tuple[str, Any]]] = []
    for group in members.values():
        child = _child(name, group[0][0])
        if len(group) > 1 and all(isinstance(value, Mapping) for _, value in group):
            merged = [item for _, value in group for item in value.items()]
            first_key = group[0][0]
            options.append(
                [(first_key, reading) for reading in _table_readings(merged, child)]
                if not keys.is_free_form(child)
                else [(key, value) for key, value in group]
            )
        else:
            options.append(
                [
                    (key, reading)
                    for key, value in group
                    for reading in _value_readings(value, child)
                ]
            )
    first = [choices[0] for choices in options]
    readings = [dict(first)]
    for position, choices in enumerate(options):
        for other in choices[1:]:
            readings.append(dict([*first[:position], other, *first[position + 1 :]]))
    return readings


def _has_duplicates(value: Any, name: str) -> bool:
    if isinstance(value, Mapping):
        if keys.is_free_form(name):
            return False
        if _groups(value):
            return True
        return any(_has_duplicates(item, _child(name, key)) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_duplicates(item, name) for item in value if isinstance(item, Mapping))
    return False


def _case_twins_anywhere(data: Mapping[str, Any]) -> bool:
    """Whether any table holds two keys that differ only by case: one quick walk, since
    almost no file does and every audit asks (free-form tables are ruled out later)."""
    stack: list[Any] = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if len(value) > 1 and len({str(key).casefold() for key in value}) < len(value):
                return True
            stack.extend(item for item in value.values() if isinstance(item, dict | list))
        elif isinstance(value, list):
            stack.extend(item for item in value if isinstance(item, dict | list))
        elif isinstance(value, Mapping):
            stack.append(dict(value))
    return False


def readings(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every way the runner may read ``data``: just ``data`` unless keys differ only by case.

    With such keys, the first reading merges same-named tables and keeps the first
    spelling of each key; each further reading lets one other spelling win. A rule
    that fires on any reading describes a configuration the runner really runs.
    """
    if not _case_twins_anywhere(data) or not _has_duplicates(data, ""):
        return [data]
    return [data, *_table_readings(list(data.items()), "")]


# --- duplicate-key and duplicate-table -----------------------------------------------------


def _duplicate_keys(ctx: AuditContext, *, want_tables: bool) -> Iterator[Issue]:
    for table in tables(ctx.data):
        if keys.is_free_form(table.name):
            continue
        for names in _groups(table.data):
            is_table = all(_is_table(table.data[name]) for name in names)
            if is_table != want_tables:
                continue
            spelled = " and ".join(f"'{name}'" for name in names)
            if is_table:
                yield table.issue(
                    Message.of(
                        "{spelled} in {header} are one table to the runner: their settings "
                        "are merged, and a setting written in both is applied in random order",
                        spelled=spelled,
                        header=table.header,
                    ),
                    names[-1],
                )
                continue
            canonical = keys.lookup(table.name, names[0])
            security = canonical is not None and canonical.name.casefold() in SECURITY_KEYS
            yield Issue(
                Message.of(
                    "{spelled} in {header} are the same setting to the runner, which "
                    "applies both in random order on each start; the audit judges the worse "
                    "value",
                    spelled=spelled,
                    header=table.header,
                ),
                table.path,
                names[-1],
                table.runner_index,
                tuple(RemoveKey(table.path, name, exact=True) for name in names[1:]),
                _S.HIGH if security else None,
            )


DUPLICATE_KEY = Rule(
    id="duplicate-key",
    title="One setting written twice, differing only by case",
    severity=by_trust(_S.MEDIUM, _S.MEDIUM, _S.MEDIUM),
    executors=None,
    rationale=(
        "The runner matches keys ignoring case and applies every match, in the random order "
        "of a Go map (BurntSushi/toml, used by common/config.go). With privileged = false and "
        "Privileged = true the runner runs privileged on some starts and not on others, while "
        "the file seems to say false. Every other rule judges the worse of the two values; "
        "on a setting that hardens the runner this is rated high."
    ),
    doc_url=VALIDATION_DOCS,
    table="*",
    key="*",
    fix=FixSafety.UNSAFE,
    breaks=(
        "the first spelling's value then always applies; whatever the removed line turned on "
        "or off on some starts stops"
    ),
    remedy="Keep one spelling with the value you mean; the fix keeps the first one written.",
    check=lambda ctx: _duplicate_keys(ctx, want_tables=False),
)

DUPLICATE_TABLE = Rule(
    id="duplicate-table",
    title="One table written twice, differing only by case",
    severity=by_trust(_S.MEDIUM, _S.MEDIUM, _S.MEDIUM),
    executors=None,
    rationale=(
        "Headers such as [runners.docker] and [runners.Docker] name one table to the runner, "
        "which merges them; a setting in both is applied in random order on each start. "
        "Other rules judge the merged table at its worst. Which settings to keep is the "
        "author's decision, so there is no automatic fix."
    ),
    doc_url=VALIDATION_DOCS,
    table="*",
    key="*",
    fix=None,
    remedy="Merge the two tables into one, spelled as the documentation spells it.",
    check=lambda ctx: _duplicate_keys(ctx, want_tables=True),
)

RULES: tuple[Rule, ...] = (DUPLICATE_KEY, DUPLICATE_TABLE)
