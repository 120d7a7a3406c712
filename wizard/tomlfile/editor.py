"""Edits to splices: each edit goes to the editor that owns its kind.

- a key written in the file: :mod:`~wizard.tomlfile.in_place` (arrays through
  :mod:`~wizard.tomlfile.array_splicing`);
- a table inside an inline value: :mod:`~wizard.tomlfile.inline_tables`;
- a key or table the file does not have: :mod:`~wizard.tomlfile.insertion`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from wizard.base.model import Edit, RemoveKey, SetValue, TablePath
from wizard.tomlfile.in_place import InPlaceEditor
from wizard.tomlfile.index import Index
from wizard.tomlfile.inline_tables import InlineTableEditor
from wizard.tomlfile.insertion import Inserter
from wizard.tomlfile.layout import Layout, fold
from wizard.tomlfile.splicing import Splice, Splices
from wizard.tomlfile.style import FileStyle


def last_edit_wins(edits: Iterable[Edit]) -> list[Edit]:
    """One edit per key, the last one given: later edits (a rule's fix) override earlier ones."""
    latest: dict[tuple[TablePath, str], Edit] = {}
    for edit in edits:
        slot = (fold(edit.table), edit.key if edit.exact else edit.key.casefold())
        latest.pop(slot, None)
        latest[slot] = edit
    return list(latest.values())


def plan_splices(
    path: Path | None,
    text: str,
    layout: Layout,
    index: Index,
    edits: list[Edit],
    *,
    style: FileStyle | None = None,
) -> list[Splice]:
    """The splices that make ``edits`` on ``text``, each by the editor that owns its kind.

    ``style`` is the whole file's when ``text`` is an excerpt of it.
    """
    plan = Splices(path, text, index, style or FileStyle(text, layout), layout.newline)
    in_place = InPlaceEditor(plan)
    inline = InlineTableEditor(plan)
    inserter = Inserter(plan)
    new_keys: dict[TablePath, list[SetValue]] = {}
    new_tables: dict[TablePath, list[SetValue]] = {}
    # Keyed by the owner's offset: statements are mutable, hence unhashable.
    inline_edits: dict[tuple[int, int], list[tuple[TablePath, Edit]]] = {}
    for edit in edits:
        table = fold(edit.table)
        # Like the data (exact spelling first), so that of two keys differing only
        # by case the edit lands on the one the data edit changes.
        statement = index.exact_keys.get((table, edit.key))
        if statement is None and not edit.exact:
            statement = index.keys.get((table, edit.key.casefold()))
        inline_owner = inline.inline_owner(table)
        if inline_owner is not None:
            start, end, inner = inline_owner
            inline_edits.setdefault((start, end), []).append((inner, edit))
        elif isinstance(edit, RemoveKey):
            if statement is not None:
                in_place.remove(statement)
                plan.removed.add(statement.line_start)
        elif statement is not None:
            in_place.replace_value(statement, edit.value)
        else:
            target = table
            if table in index.headers or table == () or table in index.dotted_last:
                new_keys.setdefault(target, []).append(edit)
            else:
                new_tables.setdefault(target, []).append(edit)
    for span, owned in inline_edits.items():
        inline.edit_inline(span, owned)
    inserter.insert_new_keys(new_keys)
    inserter.insert_new_tables(new_tables)
    return plan.splices
