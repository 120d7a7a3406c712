"""``runner-wizard harden``: apply fixes in place, or show them with ``--dry-run``.

Each file is handled on its own: one unreadable file is reported and the
others are still hardened. Nothing is written for a file whose new text did
not pass the document layer's checks.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

from wizard.audit import HardenResult, harden_document
from wizard.commands.common import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, print_error, trust_from
from wizard.config_reading import iter_runners
from wizard.embedded import load_document
from wizard.errors import ConfigError, WizardError
from wizard.impact import (
    change_report,
    changes_for_edits,
    changes_for_fixes,
    managed_warning,
    readable_data,
)
from wizard.model import Change, Edit, Trust
from wizard.safe_text import (
    JsonSafe,
    compose,
    emit,
    emit_json,
    joined,
    json_safe,
    render,
    shown,
)
from wizard.secrets import outward
from wizard.tomlfile.diffs import masked_diff
from wizard.tomlfile.document import ConfigDocument
from wizard.tomlfile.safe_write import tighten_mode, write_document


@dataclass
class _PresetPlan:
    """What a preset or answers file does to one file, and what it left alone."""

    edits: list[Edit] = field(default_factory=list)
    trust: Trust | None = None
    skipped: list[str] = field(default_factory=list)
    skipped_indexes: set[int] = field(default_factory=set)
    """Runners the preset does not fit: no edit and no fix touches them."""
    source: str = ""


def _check_runner_names(args: argparse.Namespace, document: ConfigDocument, path: Path) -> None:
    """A --runner name the file does not have, or has twice, is a mistake, not a result."""
    if not args.runner:
        return
    names = [entry.name for entry in iter_runners(document.data)]
    unknown = [name for name in args.runner if name not in names]
    if unknown:
        have = ", ".join(str(n) for n in names if n) or "none"
        raise ConfigError(path, f"no runner named {', '.join(unknown)} (runners here: {have})")
    from wizard.scripted import shared_name_problem

    for name in dict.fromkeys(args.runner):
        problem = shared_name_problem(document.data, name)
        if problem is not None:
            raise ConfigError(path, problem)


def _preset_plan(args: argparse.Namespace, document: ConfigDocument, path: Path) -> _PresetPlan:
    """Edits that make every selected runner follow the preset and/or answers file.

    A harden never switches a runner's executor: a runner whose executor differs
    from the preset's is left alone and named, and a file with no runner the
    preset fits is an error.
    """
    result = _PresetPlan()
    if not (args.preset or args.answers):
        return result
    from wizard import plan, presets
    from wizard.answers import Answers
    from wizard.answers_file import load_answers

    preset = presets.load_preset(args.preset) if args.preset else None
    answers = preset.answers if preset else Answers()
    if args.answers:
        answers = answers.merged(load_answers(Path(args.answers)))
    answers = presets.with_locks(preset, answers)
    result.trust = answers.trust
    source = f"preset {preset.name}" if preset else f"answers {args.answers}"
    result.source = source
    considered = 0
    for entry in iter_runners(document.data):
        name = entry.name
        if args.runner and name not in args.runner:
            continue
        considered += 1
        executor = entry.get("executor")
        if answers.executor is not None and executor != answers.executor.value:
            result.skipped.append(
                f"runner {name!r} uses {executor}, {source} is for {answers.executor.value} "
                "runners; left alone"
            )
            result.skipped_indexes.add(entry.index)
            continue
        if preset is not None:
            result.edits += presets.preset_edits(preset, answers, document.data, entry.index)
        else:
            result.edits += plan.edits_for_answers(answers, document.data, entry.index)
    if considered and len(result.skipped) == considered:
        raise ConfigError(path, f"no runner fits {source}: " + "; ".join(result.skipped))
    return result


def harden_file(path: Path, args: argparse.Namespace) -> tuple[HardenResult, _PresetPlan]:
    result, preset_plan, _changes = plan_file(path, args)
    return result, preset_plan


def plan_file(
    path: Path, args: argparse.Namespace
) -> tuple[HardenResult, _PresetPlan, list[Change]]:
    """What harden would do to one file, and every change with its impact."""
    document = load_document(path)
    _check_runner_names(args, document, path)
    preset_plan = _preset_plan(args, document, path)
    edits = preset_plan.edits
    document_for_fixes = document.with_edits(edits) if edits else document
    trust = trust_from(args.trust, preset_plan.trust or trust_from(None))
    names = {entry.index: entry.name for entry in iter_runners(document.data)}
    kept = None
    if args.runner or preset_plan.skipped_indexes:
        kept = {
            index
            for index, name in names.items()
            if (not args.runner or name in args.runner) and index not in preset_plan.skipped_indexes
        }
    result = harden_document(
        document_for_fixes,
        trust=trust,
        fix=args.fix,
        runner_indexes=kept,
        global_fixes=not args.runner,
    )
    result.before = document
    changes, data = changes_for_edits(
        readable_data(document), edits, source=preset_plan.source or "answers", names=names
    )
    fixed, _data = changes_for_fixes(data, result.applied, names)
    return result, preset_plan, changes + fixed


def _summary(path: Path, result: HardenResult, preset_plan: _PresetPlan) -> str:
    applied = len(result.applied)
    parts = [f"{applied} fix{'es' if applied != 1 else ''} applied"]
    if preset_plan.edits:
        count = len(preset_plan.edits)
        parts.insert(0, f"{count} setting{'s' if count != 1 else ''} from the preset/answers")
    lines = [f"{path}: {', '.join(parts)}"]
    lines += [f"  not fixed: {finding.rule} ({reason})" for finding, reason in result.skipped]
    lines += [f"  {note}" for note in preset_plan.skipped]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "format", "text") == "json":
        return _run_json(args)
    status = EXIT_OK
    for name in args.paths:
        path = Path(name)
        try:
            result, preset_plan, changes = plan_file(path, args)
            needs_mode = result.fix_mode and not result.changed
            if args.dry_run:
                # Every line goes out through emit(): our sentences as templates, the file's
                # name and values in holes, each masked on its own (see wizard.safe_text).
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
                if needs_mode:
                    emit(
                        compose(
                            "{name}: would set mode 0600 (group/other can read it)\n",
                            name=shown_name,
                        )
                    )
                for finding, reason in result.skipped:
                    emit(
                        render(
                            "{name}: would not fix {rule} ({reason})\n",
                            name=name,
                            rule=finding.rule,
                            reason=reason,
                        ),
                        stream=sys.stderr,
                    )
                if result.changed or needs_mode or result.skipped:
                    status = max(status, EXIT_FINDINGS)
                continue
            if result.skipped:
                # A fix we meant to apply and could not is not a clean result.
                status = max(status, EXIT_FINDINGS)
            if result.changed:
                warning = managed_warning(result.before.text)
                if warning:
                    print(f"{name}: warning: {warning}", file=sys.stderr)
                written = write_document(result.before, result.after, backup=not args.no_backup)
                message = _summary(path, result, preset_plan)
                if written.backup is not None:
                    message += f"\n  backup: {written.backup}"
                message += "".join(f"\n  note: {note}" for note in written.notes)
                print(outward(message))
            elif needs_mode:
                tighten_mode(result.before)
                print(outward(f"{name}: permissions set to 0600"))
            elif result.skipped:
                print(outward(_summary(path, result, preset_plan)))
            else:
                print(outward(f"{name}: nothing to fix"))
        except ConfigError as error:
            print_error(str(error))
            status = EXIT_ERROR
        except WizardError as error:
            print_error(str(error))
            status = EXIT_ERROR
    return status


def _run_json(args: argparse.Namespace) -> int:
    """``--format json``: each file's planned changes with their impact, and the masked diff."""

    from wizard import __version__
    from wizard.impact import change_to_dict, may_break_first

    status = EXIT_OK
    files: list[dict[str, JsonSafe]] = []
    for name in args.paths:
        path = Path(name)
        entry: dict[str, JsonSafe] = {"path": json_safe(shown(name))}
        try:
            result, preset_plan, changes = plan_file(path, args)
            entry["changes"] = [change_to_dict(c) for c in may_break_first(changes)]
            entry["diff"] = json_safe(masked_diff(result.before, result.after, label=name))
            entry["left_alone"] = [json_safe(shown(note)) for note in preset_plan.skipped]
            warning = managed_warning(result.before.text)
            entry["managed_warning"] = json_safe(shown(warning)) if warning else None
            needs_mode = result.fix_mode and not result.changed
            entry["set_mode_0600"] = needs_mode
            written = False
            if not args.dry_run and result.changed:
                write_document(result.before, result.after, backup=not args.no_backup)
                written = True
            elif not args.dry_run and needs_mode:
                tighten_mode(result.before)
            entry["written"] = written
            if args.dry_run and (result.changed or needs_mode):
                status = max(status, EXIT_FINDINGS)
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
