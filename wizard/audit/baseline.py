"""Baselines: the findings a team already knows about, so CI fails only on new ones.

A finding's fingerprint says what it is, not where the file happens to put it:
the file's path, the runner's name, the rule, the table and key, and the
message. It leaves out line numbers and the runner's position (a reformat or a
reordering moves them) and the visible tail of a masked token (rotation
changes it), so the same finding keeps its fingerprint across those; a change
of what the finding says (another image, a new setting, another rule) gives a
new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from wizard import __version__
from wizard.audit.engine import FileReport
from wizard.base.errors import ConfigError
from wizard.base.masking import mask_text
from wizard.base.model import Finding, table_name
from wizard.base.safe_text import Message
from wizard.tomlfile.regular_file import read_regular_file

BASELINE_SCHEMA = 1
MAX_BASELINE_BYTES = 64 * 1024 * 1024
_FINGERPRINT_VERSION = "runner-wizard-finding/1"

_MASKED_TAIL = re.compile(r"…[^\s\"'`,;)\]}]{0,4}")
"""A masked secret shows its last four characters; rotation changes them."""
_SPACES = re.compile(r"\s+")


def normal_path(path: str) -> str:
    """``./a//b.toml`` and ``a/b.toml`` are one file to a baseline."""
    normal = os.path.normpath(path).replace(os.sep, "/")
    return normal.removeprefix("./")


def fingerprint(path: str, finding: Finding) -> str:
    """What the finding is, hashed: stable across reformatting, reordering and token rotation."""
    if finding.runner is not None:
        runner = f"name:{finding.runner}"
    elif finding.runner_index is not None:
        runner = "unnamed"
    else:
        runner = ""
    # Messages are masked when the audit makes them; only the masked tail is dropped here.
    message = _SPACES.sub(" ", _MASKED_TAIL.sub("…", finding.message)).strip()
    substance = [
        _FINGERPRINT_VERSION,
        normal_path(path),
        runner,
        finding.rule,
        table_name(finding.table).casefold(),
        (finding.key or "").casefold(),
        finding.subject or "",
        message,
    ]
    encoded = json.dumps(substance, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()[:32]


def fingerprints(reports: Iterable[FileReport]) -> list[tuple[FileReport, Finding, str]]:
    return [
        (report, finding, fingerprint(report.path, finding))
        for report in reports
        for finding in report.findings
    ]


@dataclass(frozen=True)
class Baseline:
    path: str
    counts: Counter[str]
    """How many findings had each fingerprint when the baseline was written."""


def baseline_json(reports: Sequence[FileReport]) -> str:
    entries = sorted(
        (
            {
                "fingerprint": print_,
                "path": normal_path(report.path),
                # Runner names come from the files: masked like every output.
                "runner": mask_text(finding.runner) if finding.runner else None,
                "rule": finding.rule,
                "severity": finding.severity.value,
            }
            for report, finding, print_ in fingerprints(reports)
        ),
        key=lambda e: (e["path"], e["rule"], e["runner"] or "", e["fingerprint"]),
    )
    document = {
        "schema": BASELINE_SCHEMA,
        "tool": {"name": "runner-wizard", "version": __version__},
        "findings": entries,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_baseline(path: Path, reports: Sequence[FileReport]) -> int:
    """Write the baseline of ``reports`` to ``path`` atomically; the number of findings."""
    from wizard.tomlfile.safe_write import write_file

    text = baseline_json(reports)
    try:
        write_file(path, text.encode("utf-8"), 0o644)
    except OSError as error:
        raise ConfigError(
            path, Message.of("cannot be written: {problem}", problem=error.strerror or str(error))
        ) from None
    return sum(len(report.findings) for report in reports)


def load_baseline(path: Path | str) -> Baseline:
    raw = read_regular_file(path, MAX_BASELINE_BYTES, what="baseline")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(path, Message.of("is not UTF-8 text")) from None
    except json.JSONDecodeError as error:
        raise ConfigError(path, Message.of("invalid JSON: {reason}", reason=error.msg)) from None
    if not isinstance(data, dict) or data.get("schema") != BASELINE_SCHEMA:
        raise ConfigError(
            path,
            Message.of(
                (
                    "is not a runner-wizard baseline (schema {BASELINE_SCHEMA}); write one "
                    "with audit --write-baseline"
                ),
                BASELINE_SCHEMA=BASELINE_SCHEMA,
            ),
        )
    entries = data.get("findings")
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries
    ):
        raise ConfigError(path, Message.of("findings must be a list of objects with a fingerprint"))
    return Baseline(str(path), Counter(e["fingerprint"] for e in entries))


def new_findings(reports: Sequence[FileReport], baseline: Baseline) -> tuple[list[FileReport], int]:
    """The reports with only findings the baseline does not hold, and how many it held.

    Counted, not just looked up: when a second runner of the same name gets the
    same finding, that one is new.
    """
    left = Counter(baseline.counts)
    known = 0
    out: list[FileReport] = []
    for report in reports:
        kept: list[Finding] = []
        for finding in report.findings:
            print_ = fingerprint(report.path, finding)
            if left[print_] > 0:
                left[print_] -= 1
                known += 1
                continue
            kept.append(finding)
        out.append(replace(report, findings=tuple(kept)))
    return out, known
