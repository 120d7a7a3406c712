"""``runner-wizard harden``: apply fixes in place, or show them with ``--dry-run``.

Each file is handled on its own: one unreadable file is reported and the
others are still hardened. Nothing is written for a file whose new text did
not pass the document layer's checks.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from wizard.audit import HardenResult, harden_document
from wizard.commands.common import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, print_error, trust_from
from wizard.diffs import masked_diff
from wizard.document import ConfigDocument, load_config
from wizard.errors import ConfigError, WizardError
from wizard.model import Edit, Trust
from wizard.safe_write import tighten_mode, write_document


def _preset_edits(
    args: argparse.Namespace, document: ConfigDocument
) -> tuple[list[Edit], Trust | None]:
    """Edits that make every selected runner follow the preset and/or answers file."""
    if not (args.preset or args.answers):
        return [], None
    from wizard import plan, presets
    from wizard.answers import Answers
    from wizard.answers_file import load_answers

    preset = presets.load_preset(args.preset) if args.preset else None
    answers = preset.answers if preset else Answers()
    if args.answers:
        answers = answers.merged(load_answers(Path(args.answers)))
    answers = presets.with_locks(preset, answers)
    edits: list[Edit] = []
    for entry in document.runner_entries():
        if args.runner and entry.get("name") not in args.runner:
            continue
        if preset is not None:
            edits += presets.preset_edits(preset, answers, document.data, entry.index)
        else:
            edits += plan.edits_for_answers(answers, document.data, entry.index)
    return edits, answers.trust


def harden_file(path: Path, args: argparse.Namespace) -> tuple[HardenResult, Trust]:
    document = load_config(path)
    preset_edits, preset_trust = _preset_edits(args, document)
    document_for_fixes = document.with_edits(preset_edits) if preset_edits else document
    trust = trust_from(args.trust, preset_trust or trust_from(None))
    result = harden_document(
        document_for_fixes,
        trust=trust,
        fix=args.fix,
        runners=set(args.runner) if args.runner else None,
    )
    result.before = document
    return result, trust


def _summary(path: Path, result: HardenResult) -> str:
    applied = len(result.applied)
    lines = [f"{path}: {applied} fix{'es' if applied != 1 else ''} applied"]
    for finding, reason in result.skipped:
        lines.append(f"  not fixed: {finding.rule} ({reason})")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for name in args.paths:
        path = Path(name)
        try:
            result, _trust = harden_file(path, args)
            needs_mode = result.fix_mode and not result.changed
            if args.dry_run:
                diff = masked_diff(result.before, result.after, label=name)
                sys.stdout.write(diff)
                if needs_mode:
                    sys.stdout.write(f"{name}: would set mode 0600 (group/other can read it)\n")
                if result.changed or needs_mode:
                    status = max(status, EXIT_FINDINGS)
                continue
            if result.changed:
                backup = write_document(result.before, result.after, backup=not args.no_backup)
                message = _summary(path, result)
                if backup is not None:
                    message += f"\n  backup: {backup}"
                print(message)
            elif needs_mode:
                tighten_mode(result.before)
                print(f"{name}: permissions set to 0600")
            else:
                print(f"{name}: nothing to fix")
        except ConfigError as error:
            print_error(str(error))
            status = EXIT_ERROR
        except WizardError as error:
            print_error(str(error))
            status = EXIT_ERROR
    return status
