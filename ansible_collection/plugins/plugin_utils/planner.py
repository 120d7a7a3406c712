# -*- coding: utf-8 -*-
# Copyright: runner-wizard developers
# MIT License (as runner-wizard; see its pyproject.toml)
"""The controller side of the collection: runner-wizard's own planner, run on a private copy.

The action plugins hand the bytes read from a host to the ``runner-wizard`` command line
on the controller and read back its versioned JSON report (schema 1). That report is the
one ``harden --dry-run --format json`` prints, so check mode shows exactly what the command
would do, with the tool's own masking. The copy lives in a folder only this process can
read, under the file's own name and mode, and is removed whatever happens.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import PurePosixPath
from typing import Any

SCHEMA = 1
SEVERITIES = ("critical", "high", "medium", "low", "info")
TIMEOUT_SECONDS = 300


class PlanError(Exception):
    """The planner refused or failed; the message is the tool's own (masked) line."""


def tool_command(executable: str | None) -> list[str]:
    """How to run runner-wizard on the controller: the given program, else this Python's."""
    if executable:
        return [executable]
    if find_spec("wizard") is not None:
        return [sys.executable, "-m", "wizard"]
    found = shutil.which("runner-wizard")
    if found:
        return [found]
    raise PlanError(
        "runner-wizard is not installed on the controller: pip install it beside ansible-core, "
        "or set 'executable'"
    )


@contextmanager
def private_copy(content: bytes, remote_path: str, mode: str | None) -> Iterator[str]:
    """A copy of the host's file in a 0700 folder; yields its name relative to that folder."""
    folder = tempfile.mkdtemp(prefix="runner-wizard-")
    try:
        name = PurePosixPath(remote_path).name or "config.toml"
        target = os.path.join(folder, name)
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        if mode:
            # The host's permission bits, so the file-mode rule judges the host's file.
            os.chmod(target, int(mode, 8) & 0o777)
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_tool(
    command: Sequence[str], arguments: Sequence[str], cwd: str, *, expect_schema: bool = True
) -> tuple[int, Any]:
    """Run the tool; its exit code and parsed JSON report. A missing report is an error."""
    environment = {
        key: value
        for key, value in os.environ.items()
        # The planner never talks to GitLab: no token goes to it.
        if key not in {"GITLAB_TOKEN", "CI_JOB_TOKEN"}
    }
    environment["NO_COLOR"] = "1"
    try:
        completed = subprocess.run(
            [*command, *arguments],
            cwd=cwd,
            env=environment,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PlanError(f"runner-wizard could not run: {type(error).__name__}") from None
    try:
        report = json.loads(completed.stdout)
    except ValueError:
        report = None
    if report is None or (
        expect_schema and (not isinstance(report, dict) or report.get("schema") != SCHEMA)
    ):
        # The tool's error lines are one line each, masked by the tool.
        message = completed.stderr.strip().splitlines()
        raise PlanError(message[-1] if message else f"runner-wizard exited {completed.returncode}")
    return completed.returncode, report


def _only_file(report: dict[str, Any]) -> dict[str, Any]:
    files = report.get("files")
    if not isinstance(files, list) or len(files) != 1 or not isinstance(files[0], dict):
        raise PlanError("runner-wizard's report has no entry for the file")
    entry: dict[str, Any] = files[0]
    if entry.get("error"):
        raise PlanError(str(entry["error"]))
    return entry


def counts(findings: Sequence[dict[str, Any]]) -> dict[str, int]:
    tally = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        severity = finding.get("severity")
        if severity in tally:
            tally[severity] += 1
    return tally


@dataclass
class AuditPlan:
    findings: list[dict[str, Any]]
    counts: dict[str, int]
    failed: bool
    """At or above ``fail_on``, as the tool decides it (its exit code 1)."""
    reports: dict[str, Any] = field(default_factory=dict)
    """The same audit in CI formats (``sarif``, ``codequality``), naming the host's path."""


@dataclass
class HardenPlan:
    changes: list[dict[str, Any]]
    diff: str
    new_content: bytes
    set_mode_0600: bool
    left_alone: list[str]
    managed_warning: str | None
    findings_remaining: list[dict[str, Any]] = field(default_factory=list)

    @property
    def may_break(self) -> list[dict[str, Any]]:
        return [change for change in self.changes if change.get("impact") == "may-break"]

    @property
    def text_changed(self) -> bool:
        return bool(self.changes) or bool(self.diff)


def _common(options: dict[str, Any]) -> list[str]:
    arguments: list[str] = []
    if options.get("trust"):
        arguments += ["--trust", options["trust"]]
    if options.get("preset"):
        arguments += ["--preset", options["preset"]]
    return arguments


def audit(
    command: Sequence[str],
    content: bytes,
    remote_path: str,
    mode: str | None,
    options: dict[str, Any],
    *,
    formats: Sequence[str] = (),
) -> AuditPlan:
    """``runner-wizard audit --format json`` on a private copy of the host's file."""
    reports: dict[str, Any] = {}
    with private_copy(content, remote_path, mode) as copy:
        folder, name = os.path.dirname(copy), os.path.basename(copy)
        arguments = ["audit", *_common(options)]
        arguments += ["--fail-on", options.get("fail_on") or "never"]
        code, report = run_tool(command, [*arguments, "--format", "json", name], folder)
        for kind in formats:
            _code, reports[kind] = run_tool(
                command, [*arguments, "--format", kind, name], folder, expect_schema=False
            )
    entry = _only_file(report)
    findings = [dict(f) for f in entry.get("findings", []) if isinstance(f, dict)]
    if code not in (0, 1):
        raise PlanError(f"runner-wizard audit exited {code}")
    for kind, document in reports.items():
        reports[kind] = renamed(kind, document, name, remote_path)
    return AuditPlan(findings=findings, counts=counts(findings), failed=code == 1, reports=reports)


def renamed(kind: str, document: Any, local: str, remote: str) -> Any:
    """A CI report about the private copy, made to name the file on the host instead."""
    if kind == "sarif" and isinstance(document, dict):
        for run in document.get("runs", []):
            for result in run.get("results", []):
                for location in result.get("locations", []):
                    artifact = location.get("physicalLocation", {}).get("artifactLocation", {})
                    if artifact.get("uri") == local:
                        artifact["uri"] = remote.lstrip("/")
            for artifact in run.get("artifacts", []):
                if artifact.get("location", {}).get("uri") == local:
                    artifact["location"]["uri"] = remote.lstrip("/")
    if kind == "codequality" and isinstance(document, list):
        for issue in document:
            location = issue.get("location", {}) if isinstance(issue, dict) else {}
            if location.get("path") == local:
                location["path"] = remote.lstrip("/")
    return document


def harden(
    command: Sequence[str],
    content: bytes,
    remote_path: str,
    mode: str | None,
    options: dict[str, Any],
) -> HardenPlan:
    """What ``harden --format json`` does to a private copy: changes, masked diff, new bytes.

    The copy is hardened for real (without a backup): its new bytes are what the host gets,
    and the report is the one ``harden --dry-run --format json`` prints, since both come
    from the same plan.
    """
    with private_copy(content, remote_path, mode) as copy:
        folder, name = os.path.dirname(copy), os.path.basename(copy)
        arguments = ["harden", "--format", "json", "--no-backup", *_common(options)]
        arguments += ["--fix", options.get("fix") or "safe"]
        for runner in options.get("runners") or ():
            arguments += ["--runner", runner]
        for rule in options.get("rules") or ():
            arguments += ["--rule", rule]
        for rule in options.get("skip_rules") or ():
            arguments += ["--skip-rule", rule]
        code, report = run_tool(command, [*arguments, name], folder)
        entry = _only_file(report)
        if code == 2:
            raise PlanError(f"runner-wizard harden exited {code}")
        with open(copy, "rb") as handle:
            new_content = handle.read()
        written_mode = new_content != content or bool(entry.get("set_mode_0600"))
        remaining = audit(
            command,
            new_content,
            remote_path,
            "0600" if written_mode else mode,
            {key: value for key, value in options.items() if key in ("trust", "preset")},
        ).findings
    return HardenPlan(
        changes=[dict(c) for c in entry.get("changes", []) if isinstance(c, dict)],
        diff=str(entry.get("diff") or ""),
        new_content=new_content,
        set_mode_0600=bool(entry.get("set_mode_0600")),
        left_alone=[str(note) for note in entry.get("left_alone", [])],
        managed_warning=entry.get("managed_warning"),
        findings_remaining=remaining,
    )


def needs_mode_change(mode: str | None) -> bool:
    """Whether the host's file may be read by anyone but its owner."""
    return mode is not None and bool(int(mode, 8) & (stat.S_IRWXG | stat.S_IRWXO))
