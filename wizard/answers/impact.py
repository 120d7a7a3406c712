"""Every change a save or a harden makes, with its impact, and the words reviews use.

What one setting's change does to jobs is decided in
:mod:`wizard.runner.settings` (:func:`~wizard.runner.settings.effect_of`), for an
answer, a preset's setting and a rule's fix alike, so one change has one verdict
wherever it comes from. A rule's own verdict (``Rule.fix`` and ``Rule.breaks``)
stands only for settings that module does not judge (a Helm chart's own keys).

Everything is pure: the input is the configuration as ``tomllib`` parsed it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from wizard.base.masking import is_secret_key, mask_toml_value
from wizard.base.model import (
    Change,
    Edit,
    Finding,
    Impact,
    RemoveKey,
    SetValue,
    TablePath,
    TomlValue,
    table_name,
)
from wizard.base.safe_text import (
    FileValue,
    JsonSafe,
    Safe,
    compose,
    json_safe,
    json_tree,
    one_line,
    ours,
    render,
    shown,
)
from wizard.runner.reading import get_ci
from wizard.runner.settings import Verdict, effect_of, judge_for
from wizard.tomlfile.document import ConfigDocument
from wizard.tomlfile.edits import apply_in_place, resolve_table
from wizard.tomlfile.rendering import render_value


def _lookup(data: Mapping[str, Any], table: TablePath, key: str) -> tuple[Any, Mapping[str, Any]]:
    owner = resolve_table(dict(data), table, create=False) if table else data
    if owner is None:
        return None, {}
    return get_ci(owner, key), owner


def readable_data(document: ConfigDocument) -> Mapping[str, Any]:
    """The document's data as changes read their "before": the TOML, and for a values file
    the chart's values too, so that a chart edit shows the value it replaces."""
    from wizard.embedded.document import CHART, as_embedded

    embedded = as_embedded(document)
    chart = embedded.chart_values() if embedded is not None else None
    if not chart:
        return document.data
    return {**document.data, CHART: chart}


def changes_for_edits(
    data: Mapping[str, Any],
    edits: Sequence[Edit],
    *,
    source: str,
    names: Mapping[int, str | None],
) -> tuple[list[Change], dict[str, Any]]:
    """Each edit as a :class:`Change` against ``data``; returns the data after them too."""
    current: dict[str, Any] = copy.deepcopy(dict(data))
    changes = _changes_into(current, data, edits, source=source, names=names)
    return changes, current


def _changes_into(
    current: dict[str, Any],
    data: Mapping[str, Any],
    edits: Sequence[Edit],
    *,
    source: str,
    names: Mapping[int, str | None],
    rule: str | None = None,
    unjudged: Verdict | None = None,
) -> list[Change]:
    """The changes ``edits`` make, applying each to ``current`` (owned by the caller) in place.

    Every edit is judged by :func:`~wizard.runner.settings.effect_of`; ``unjudged`` (a
    rule's own verdict) stands for a setting that function does not know. Copying the
    whole data once per edit made a harden of every runner of a big fleet quadratic
    (a minute at 1,000 runners).
    """
    changes: list[Change] = []
    for edit in edits:
        before, _owner = _lookup(current, edit.table, edit.key)
        # Neighbouring settings are read as they were: allowed_pull_policies is judged
        # against the pull policy jobs had, not one an earlier edit just set.
        _before, owner = _lookup(data, edit.table, edit.key)
        after: TomlValue | None = edit.value if isinstance(edit, SetValue) else None
        if isinstance(edit, RemoveKey) and before is None:
            continue
        if isinstance(edit, SetValue) and before == after and type(before) is type(after):
            continue
        runner_index = edit.table[1] if len(edit.table) > 1 and edit.table[0] == "runners" else None
        index = runner_index if isinstance(runner_index, int) else None
        if unjudged is not None and judge_for(edit.table, edit.key) is None:
            found = unjudged
        else:
            found = effect_of(edit.table, edit.key, before, after, owner)
        changes.append(
            Change(
                source=source,
                rule=rule,
                runner_index=index,
                runner=names.get(index) if index is not None else None,
                table=edit.table,
                key=edit.key,
                before=before,
                after=after,
                impact=found.impact,
                reason=found.reason,
            )
        )
        apply_in_place(current, [edit])
    return changes


def changes_for_fixes(
    data: Mapping[str, Any], findings: Iterable[Finding], names: Mapping[int, str | None]
) -> tuple[list[Change], dict[str, Any]]:
    """The changes the fixes of ``findings`` make, each judged as the same change from an
    answer or a preset would be (the rule's verdict only where no judge knows the key)."""
    current: dict[str, Any] = copy.deepcopy(dict(data))
    changes: list[Change] = []
    for finding in findings:
        if finding.fix is None:
            continue
        changes += _changes_into(
            current,
            data,
            finding.edits,
            source=finding.rule,
            names=names,
            rule=finding.rule,
            unjudged=Verdict(Impact.of_fix(finding.fix), finding.breaks),
        )
    return changes, current


def may_break_first(changes: Iterable[Change]) -> list[Change]:
    """Changes that may break jobs before the others, each group in its own order."""
    listed = list(changes)
    return [c for c in listed if c.impact is Impact.MAY_BREAK] + [
        c for c in listed if c.impact is not Impact.MAY_BREAK
    ]


# --------------------------------------------------------------------------- wording

MAY_BREAK_HEADING = "may break jobs that work today"
NONE_HEADING = "cannot break a job that works today"


def _shown(key: str, value: TomlValue | None) -> Safe:
    """A setting's value as TOML writes it, each string in it masked by what it holds."""
    if value is None:
        return ours("(not set)")
    if is_secret_key(key) and isinstance(value, str):
        return render('"{value}"', value=FileValue.read(value, key))
    return one_line(Safe(mask_toml_value(key, render_value(value))))


def change_where(change: Change) -> Safe:
    """``runner 'docker-1' [runners.docker] privileged`` — where a change lands."""
    table = table_name(change.table)
    place = render("[{table}] ", table=table) if table else ours("")
    who = render("runner {name} ", name=repr(change.runner)) if change.runner else ours("")
    return one_line(compose("{who}{place}{key}", who=who, place=place, key=shown(change.key)))


def change_line(change: Change) -> Safe:
    """``… privileged: true → false`` with both values masked; the sentence is not scanned."""
    before = _shown(change.key, change.before)
    after = ours("(removed)") if change.after is None else _shown(change.key, change.after)
    return compose(
        "{where}: {before} → {after}", where=change_where(change), before=before, after=after
    )


def change_report(changes: Sequence[Change], *, indent: str = "  ") -> list[Safe]:
    """Every change, may-break ones first under their own heading, each with its reason.

    The same lines in the line-mode review, ``harden --dry-run`` and the TUI review.
    """
    risky = [c for c in changes if c.impact is Impact.MAY_BREAK]
    safe = [c for c in changes if c.impact is not Impact.MAY_BREAK]
    lines: list[Safe] = []
    pad = render("{indent}", indent=indent)  # spaces the caller chose: a hole, not ours
    if risky:
        lines.append(render("{heading} ({count}):", heading=MAY_BREAK_HEADING, count=len(risky)))
        for change in risky:
            lines.append(compose("{pad}{line}", pad=pad, line=change_line(change)))
            reason = one_line(shown(change.reason))
            lines.append(compose("{pad}    may break: {reason}", pad=pad, reason=reason))
    if safe:
        lines.append(render("{heading} ({count}):", heading=NONE_HEADING, count=len(safe)))
        lines += [compose("{pad}{line}", pad=pad, line=change_line(change)) for change in safe]
    return lines


def change_to_dict(change: Change) -> dict[str, JsonSafe]:
    """The JSON shape of a planned change: every value from the file rendered by its key."""
    table = table_name(change.table)
    return {
        "rule": change.rule,
        "source": json_safe(shown(change.source)),
        "runner": json_safe(FileValue.read(change.runner, "name")) if change.runner else None,
        "table": json_safe(shown(table)) if table else None,
        "key": json_safe(shown(change.key)),
        "before": json_tree(change.before, key=change.key),
        "after": json_tree(change.after, key=change.key),
        "impact": change.impact.value,
        "impact_reason": json_safe(shown(change.reason)) if change.reason else None,
    }


def fix_id(finding: Finding) -> str:
    """How a ticked fix is named between a review and the core: rule, runner and key."""
    return f"{finding.rule}@{finding.runner_index}:{finding.key}"


def offer_line(finding: Finding) -> Safe:
    """One offered fix, as every review shows it: its rule, where, and what it may break."""
    if finding.runner:
        said = render(
            "{rule} (runner {name}): {breaks}",
            rule=finding.rule,
            name=repr(finding.runner),
            breaks=finding.breaks,
        )
    else:
        said = render("{rule}: {breaks}", rule=finding.rule, breaks=finding.breaks)
    return one_line(said)


FILL_IN_HEADING = "fill in before starting the runner (the wizard cannot know your cloud):"

OFFERED_HEADING = "fixes no answer decides (applied only when ticked; each may break jobs):"


REMAINING_HEADING = "still reported after saving:"


def declined_note(safe: int) -> str:
    """What answering No to the may-break changes writes: the changes that cannot break."""
    if safe == 0:
        return "No writes nothing"
    noun = "change" if safe == 1 else "changes"
    return f"No writes only the {safe} {noun} that cannot break a job"


def save_confirmation(may_break: int) -> str:
    """The one question the full-screen wizard asks before writing such changes."""
    noun = "change" if may_break == 1 else "changes"
    return f"Save {may_break} {noun} that may break jobs?"


def save_warning(may_break: int) -> str:
    """What every wizard says before writing changes that may break jobs."""
    noun = "change" if may_break == 1 else "changes"
    return f"{may_break} {noun} listed under 'may break jobs' can stop jobs that work today."
