"""``runner-wizard harden``: apply fixes in place, or show them with ``--dry-run``.

Each file is handled on its own: one unreadable file is reported and the
others are still hardened. Nothing is written for a file whose new text did
not pass the document layer's checks.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from wizard.answers.impact import change_report, changes_for_edits, changes_for_fixes, readable_data
from wizard.answers.managed_header import managed_warning
from wizard.audit.engine import HardenResult, harden_document
from wizard.base.errors import ConfigError, WizardError
from wizard.base.model import Change, Edit, Finding, Trust
from wizard.base.safe_text import (
    FileValue,
    JsonSafe,
    Message,
    Safe,
    compose,
    emit,
    emit_json,
    emit_line,
    emit_lines,
    joined,
    json_safe,
    json_tree,
    ours,
    render,
    shown,
)
from wizard.commands.common import EXIT_ERROR, EXIT_OK, error_message, print_error, trust_from
from wizard.embedded import block_name, load_all
from wizard.runner.reading import iter_runners
from wizard.session.outcome import HardenOutcome
from wizard.tomlfile.diffs import masked_diff
from wizard.tomlfile.document import ConfigDocument
from wizard.tomlfile.mode_change import mode_change
from wizard.tomlfile.safe_write import tighten_mode, write_document


@dataclass
class _PresetPlan:
    """What a preset or answers file does to one file, and what it left alone."""

    edits: list[Edit] = field(default_factory=list)
    trust: Trust | None = None
    skipped: list[Message] = field(default_factory=list)
    skipped_indexes: set[int] = field(default_factory=set)
    """Runners the preset does not fit: no edit and no fix touches them."""
    source: str = ""


def _selected_runners(
    args: argparse.Namespace, documents: tuple[ConfigDocument, ...], path: Path
) -> list[set[int] | None]:
    """The entries ``--runner`` picks in each runner config of the file (``None``: every
    runner). A selector no config has, or one several runners answer to, is a mistake,
    not a result (see :mod:`wizard.runner.choice`)."""
    if not args.runner:
        return [None for _ in documents]
    from wizard.base.errors import WizardError
    from wizard.runner.choice import runner_choices, select_runners

    if len(documents) == 1:
        chosen = select_runners(runner_choices(documents[0].data), args.runner, where=str(path))
        return [{choice.index for choice in chosen}]
    # Several configs: each selector is read in every config; it must pick in at least one.
    picked: list[set[int] | None] = [set() for _ in documents]
    for selector in args.runner:
        first_error: WizardError | None = None
        found = False
        for number, document in enumerate(documents):
            try:
                chosen = select_runners(runner_choices(document.data), [selector], where=str(path))
            except WizardError as error:
                if "no runner" not in str(error):
                    raise  # a name several runners of one config share
                first_error = first_error or error
                continue
            found = True
            target = picked[number]
            assert target is not None
            target.update(choice.index for choice in chosen)
        if not found and first_error is not None:
            raise first_error
    return picked


def _preset_plan(
    args: argparse.Namespace, document: ConfigDocument, path: Path, chosen: set[int] | None
) -> _PresetPlan:
    """Edits that make every selected runner follow the preset and/or answers file.

    A harden never switches a runner's executor: a runner whose executor differs
    from the preset's is left alone and named, and a file with no runner the
    preset fits is an error.
    """
    result = _PresetPlan()
    if not (args.preset or args.answers):
        return result
    from wizard.answers import plan
    from wizard.answers.model import Answers
    from wizard.answers.validation import load_checked_answers
    from wizard.session import presets

    preset = presets.load_preset(args.preset) if args.preset else None
    answers = preset.answers if preset else Answers()
    if args.answers:
        answers = answers.merged(load_checked_answers(Path(args.answers)))
    answers = presets.with_locks(preset, answers)
    result.trust = answers.trust
    source = f"preset {preset.name}" if preset else f"answers {args.answers}"
    result.source = source
    considered = 0
    for entry in iter_runners(document.data):
        name = entry.name
        if chosen is not None and entry.index not in chosen:
            continue
        considered += 1
        executor = entry.get("executor")
        if answers.executor is not None and executor != answers.executor.value:
            result.skipped.append(
                Message.of(
                    "runner {name!r} uses {executor}, {source} is for {wanted} runners; left alone",
                    name=FileValue.read(name, "name") if name is not None else None,
                    executor=FileValue.read(executor, "executor")
                    if isinstance(executor, str)
                    else str(executor),
                    source=source,
                    wanted=answers.executor.value,
                )
            )
            result.skipped_indexes.add(entry.index)
            continue
        if preset is not None:
            result.edits += presets.preset_edits(preset, answers, document.data, entry.index)
        else:
            result.edits += plan.edits_for_answers(answers, document.data, entry.index)
    if considered and len(result.skipped) == considered:
        raise ConfigError(
            path,
            Message.of(
                "no runner fits {source}: {skipped}",
                source=source,
                skipped=Message.joined("; ", result.skipped),
            ),
        )
    return result


def harden_file(path: Path, args: argparse.Namespace) -> tuple[HardenResult, _PresetPlan]:
    result, preset_plan, _changes = plan_file(path, args)
    return result, preset_plan


def _check_rule_ids(args: argparse.Namespace) -> None:
    """A --rule or --skip-rule the catalogue does not have is a typo, not a filter."""
    from wizard.rules.catalogue import get_rule

    for rule_id in [
        *(getattr(args, "rule", None) or ()),
        *(getattr(args, "skip_rule", None) or ()),
    ]:
        try:
            get_rule(rule_id)
        except KeyError:
            raise WizardError(
                Message.of("no rule {rule_id!r}; 'runner-wizard rules' lists them", rule_id=rule_id)
            ) from None


def plan_file(
    path: Path, args: argparse.Namespace
) -> tuple[HardenResult, _PresetPlan, list[Change]]:
    """What harden would do to one file, and every change with its impact.

    Every runner config of the file is hardened, one after the other on the text
    the one before left; each applied or skipped fix names its config when there
    are several.
    """
    _check_rule_ids(args)
    contents = load_all(path)
    selections = _selected_runners(args, contents.documents, path)
    first = contents.documents[0]
    result: HardenResult | None = None
    plans: list[_PresetPlan] = []
    changes: list[Change] = []
    for original, chosen in zip(contents.documents, selections, strict=True):
        current = original if result is None else _same_config(result.after, original)
        step, step_plan, step_changes = _plan_document(current, path, args, chosen)
        block = block_name(original, contents)
        if block is not None:
            step.applied = [replace(f, block=block) for f in step.applied]
            step.skipped = [(replace(f, block=block), why) for f, why in step.skipped]
            step_plan.skipped = [
                Message.of("{block}: {note}", block=block, note=note) for note in step_plan.skipped
            ]
        if result is None:
            result = step
        else:
            result.after = step.after
            result.applied += step.applied
            result.skipped += step.skipped
            result.fix_mode = result.fix_mode or step.fix_mode
        plans.append(step_plan)
        changes += step_changes
    assert result is not None
    result.before = first
    if result.after.dumps() == first.dumps():
        result.after = first  # the last config's reading of an unchanged file: no change
    result.incomplete = contents.unread
    preset_plan = plans[0]
    for other in plans[1:]:
        preset_plan.edits += other.edits
        preset_plan.skipped += other.skipped
    return result, preset_plan, changes


def _same_config(after: ConfigDocument, original: ConfigDocument) -> ConfigDocument:
    """``original``'s runner config, read from the text the fixes of the configs before left."""
    if after.dumps() == original.dumps():
        return original
    from wizard.embedded.document import EmbeddedConfig
    from wizard.embedded.load import from_text

    assert isinstance(after, EmbeddedConfig)
    assert isinstance(original, EmbeddedConfig)
    again = from_text(after.src.file_text, original.path, bom=after.bom, choice=original.src.choice)
    return replace(again, disk=original.disk)


def _plan_document(
    document: ConfigDocument, path: Path, args: argparse.Namespace, chosen: set[int] | None
) -> tuple[HardenResult, _PresetPlan, list[Change]]:
    """What harden would do to one runner config."""
    preset_plan = _preset_plan(args, document, path, chosen)
    edits = preset_plan.edits
    document_for_fixes = document.with_edits(edits) if edits else document
    trust = trust_from(args.trust, preset_plan.trust or trust_from(None))
    names = {entry.index: entry.name for entry in iter_runners(document.data)}
    kept = None
    if chosen is not None or preset_plan.skipped_indexes:
        kept = {
            index
            for index in names
            if (chosen is None or index in chosen) and index not in preset_plan.skipped_indexes
        }
    result = harden_document(
        document_for_fixes,
        trust=trust,
        fix=args.fix,
        runner_indexes=kept,
        global_fixes=not args.runner,
        only_rules=set(args.rule) if getattr(args, "rule", None) else None,
        skip_rules=set(getattr(args, "skip_rule", None) or ()),
    )
    result.before = document
    changes, data = changes_for_edits(
        readable_data(document), edits, source=preset_plan.source or "answers", names=names
    )
    fixed, _data = changes_for_fixes(data, result.applied, names)
    return result, preset_plan, changes + fixed


def _named(finding: Finding) -> str:
    """A rule id, and the runner config it is in when the file holds several."""
    return f"{finding.rule} in {finding.block}" if finding.block else finding.rule


def _summary(path: Path, result: HardenResult, preset_plan: _PresetPlan) -> list[Safe]:
    """What a write did, a line each: our counts, the file's name and notes in holes."""
    applied = len(result.applied)
    parts = [
        render("{count} fixes applied", count=applied) if applied != 1 else ours("1 fix applied")
    ]
    if preset_plan.edits:
        count = len(preset_plan.edits)
        parts.insert(
            0,
            render("{count} settings from the preset/answers", count=count)
            if count != 1
            else ours("1 setting from the preset/answers"),
        )
    lines = [compose("{path}: {parts}", path=shown(str(path)), parts=joined(parts, ", "))]
    lines += [
        render("  not fixed: {rule} ({reason})", rule=_named(finding), reason=reason)
        for finding, reason in result.skipped
    ]
    lines += [render("  {note}", note=note) for note in preset_plan.skipped]
    return lines


def harden_outcome(
    name: str, args: argparse.Namespace, result: HardenResult, *, written: bool = False
) -> HardenOutcome:
    """What harden did to one file: the one exit-code decision of its text and JSON."""
    return HardenOutcome(
        path=name,
        dry_run=bool(args.dry_run),
        changed=result.changed,
        mode_0600=result.fix_mode and not result.changed,
        unapplied=len(result.skipped),
        written=written,
    )


def run(args: argparse.Namespace) -> int:
    if getattr(args, "format", "text") == "json":
        return _run_json(args)
    status = EXIT_OK
    for name in args.paths:
        path = Path(name)
        try:
            result, preset_plan, changes = plan_file(path, args)
            for unread in result.incomplete:
                # What the file names but does not hold was not hardened: never a clean result.
                print_error(
                    render(
                        "{name}: not hardened (not in this file): {reason}",
                        name=name,
                        reason=unread,
                    )
                )
                status = EXIT_ERROR
            needs_mode = result.fix_mode and not result.changed
            mode = mode_change(result.before.file_mode, writes=result.changed or needs_mode)
            if mode is not None and mode.read_only:
                # Named before it is replaced: someone may have made it read-only on purpose.
                emit_line(
                    render("{name}: warning: {said}", name=name, said=mode.sentence(name)),
                    stream=sys.stderr,
                )
            if args.dry_run:
                # Every line goes out through emit(): our sentences as templates, the file's
                # name and values in holes, each masked on its own (see wizard.base.safe_text).
                shown_name = shown(name)
                for note in preset_plan.skipped:
                    emit(render("{name}: {note}\n", name=name, note=note), stream=sys.stderr)
                diff = masked_diff(result.before, result.after, label=name)
                warning = managed_warning(result.before.text) if result.changed else None
                if warning:
                    emit(render("{name}: warning: {w}\n", name=name, w=warning), stream=sys.stderr)
                if changes:
                    # May-break changes first, under their own heading, before the diff.
                    report = joined(change_report(changes))
                    emit(
                        compose(
                            "{name}: planned changes\n{report}\n", name=shown_name, report=report
                        )
                    )
                emit(diff)
                if mode is not None and not mode.read_only:
                    emit(render("{sentence}\n", sentence=mode.sentence(name)))
                for finding, reason in result.skipped:
                    emit(
                        render(
                            "{name}: would not fix {rule} ({reason})\n",
                            name=name,
                            rule=_named(finding),
                            reason=reason,
                        ),
                        stream=sys.stderr,
                    )
                outcome = harden_outcome(name, args, result)
                status = max(status, outcome.exit_code)
                if outcome.exit_code == EXIT_OK and not changes:
                    # Silence would read as "did not run": say the file is already as it should be.
                    emit(compose("{name}: nothing to change\n", name=shown_name))
                continue
            status = max(status, harden_outcome(name, args, result).exit_code)
            if result.changed:
                warning = managed_warning(result.before.text)
                if warning:
                    emit(render("{name}: warning: {w}\n", name=name, w=warning), stream=sys.stderr)
                written = write_document(result.before, result.after, backup=not args.no_backup)
                lines = _summary(path, result, preset_plan)
                if mode is not None:
                    lines.append(
                        render(
                            "  mode: {before} -> {after}",
                            before=f"{mode.before:04o}",
                            after=f"{mode.after:04o}",
                        )
                    )
                if written.backup is not None:
                    lines.append(render("  backup: {backup}", backup=str(written.backup)))
                lines += [render("  note: {note}", note=note) for note in written.notes]
                emit_lines(lines)
            elif needs_mode:
                tighten_mode(result.before)
                if mode is not None:
                    emit_line(
                        render(
                            "{name}: permissions set to {before} -> 0600",
                            name=name,
                            before=f"{mode.before:04o}",
                        )
                    )
                else:
                    emit_line(render("{name}: permissions set to 0600", name=name))
            elif result.skipped:
                emit_lines(_summary(path, result, preset_plan))
            else:
                emit_line(render("{name}: nothing to fix", name=name))
        except WizardError as error:
            print_error(error_message(error))
            status = EXIT_ERROR
    return status


def _run_json(args: argparse.Namespace) -> int:
    """``--format json``: each file's planned changes with their impact, and the masked diff."""

    from wizard import __version__
    from wizard.answers.impact import change_to_dict, may_break_first

    status = EXIT_OK
    files: list[dict[str, JsonSafe]] = []
    for name in args.paths:
        path = Path(name)
        entry: dict[str, JsonSafe] = {"path": json_safe(shown(name))}
        try:
            result, preset_plan, changes = plan_file(path, args)
            entry["incomplete"] = [json_safe(shown(reason)) for reason in result.incomplete]
            if result.incomplete:
                status = EXIT_ERROR
            entry["changes"] = [change_to_dict(c) for c in may_break_first(changes)]
            entry["diff"] = json_safe(masked_diff(result.before, result.after, label=name))
            entry["left_alone"] = [json_safe(shown(note)) for note in preset_plan.skipped]
            warning = managed_warning(result.before.text)
            entry["managed_warning"] = json_safe(shown(warning)) if warning else None
            needs_mode = result.fix_mode and not result.changed
            # As it will happen: every write leaves the file 0600, not only a mode-only fix.
            mode = mode_change(result.before.file_mode, writes=result.changed or needs_mode)
            entry["set_mode_0600"] = mode is not None
            entry["mode_change"] = json_tree(mode.as_dict()) if mode is not None else None
            written = False
            if not args.dry_run and result.changed:
                write_document(result.before, result.after, backup=not args.no_backup)
                written = True
            elif not args.dry_run and needs_mode:
                tighten_mode(result.before)
            entry["written"] = written
            entry["not_fixed"] = [
                {"rule": finding.rule, "reason": json_safe(shown(reason))}
                for finding, reason in result.skipped
            ]
            outcome = harden_outcome(name, args, result, written=written)
            entry["exit_code"] = outcome.exit_code
            status = max(status, outcome.exit_code)
        except WizardError as error:
            entry["error"] = json_safe(shown(str(error)))
            status = EXIT_ERROR
        files.append(entry)
    report: dict[str, JsonSafe] = {
        "schema": 1,
        "tool": {"name": "runner-wizard", "version": __version__},
        "dry_run": bool(args.dry_run),
        "files": list[JsonSafe](files),
    }
    emit_json(report)
    return status
