"""Apply edits to plain data: the meaning an edit must have, without any TOML text.

The document layer checks every write against this: the re-parsed new file
must equal the old data with the edits applied here. Tests use it to show that
a rule's fix really removes its finding.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, MutableMapping
from typing import Any

from wizard.base.model import Edit, RemoveKey, SetValue, TablePath
from wizard.runner.reading import find_key


def resolve_table(
    data: MutableMapping[str, Any], table: TablePath, *, create: bool
) -> MutableMapping[str, Any] | None:
    """Walk to the table at ``table``, creating missing tables when asked."""
    node: Any = data
    for part in table:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return None
            node = node[part]
            continue
        if not isinstance(node, MutableMapping):
            return None
        name = find_key(node, part)
        if name is None:
            if not create:
                return None
            node[part] = {}
            name = part
        node = node[name]
    return node if isinstance(node, MutableMapping) else None


def apply_edits(data: MutableMapping[str, Any], edits: Iterable[Edit]) -> dict[str, Any]:
    """A deep copy of ``data`` with ``edits`` applied in order."""
    result: dict[str, Any] = copy.deepcopy(dict(data))
    apply_in_place(result, edits)
    return result


def apply_in_place(result: MutableMapping[str, Any], edits: Iterable[Edit]) -> None:
    """Apply ``edits`` to ``result`` itself, for callers that own a copy already.

    One copy for many edits: a copy of a 10,000-runner file per edit is quadratic.
    """
    for edit in edits:
        if isinstance(edit, SetValue):
            target = resolve_table(result, edit.table, create=True)
            if target is None:
                raise ValueError(f"no table at {edit.table!r}")
            name = edit.key if edit.exact else find_key(target, edit.key) or edit.key
            target[name] = copy.deepcopy(edit.value)
        elif isinstance(edit, RemoveKey):
            target = resolve_table(result, edit.table, create=False)
            found = None
            if target is not None:
                exact = edit.key if edit.key in target else None
                found = exact if edit.exact else find_key(target, edit.key)
            if target is not None and found is not None:
                del target[found]
