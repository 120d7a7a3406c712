# -*- coding: utf-8 -*-
# Copyright: runner-wizard developers
# MIT License (as runner-wizard; see its pyproject.toml)
"""One report for a fleet: every host's config_audit result merged on the controller.

SARIF keeps one run per host (SARIF allows many runs in one log), each tagged with the
host in ``automationDetails``; Code Quality issues are concatenated with their paths and
fingerprints made per host, so the same finding on two hosts stays two issues.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

SEVERITIES = ("critical", "high", "medium", "low", "info")


def _hosts(results: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    return sorted(
        (str(host), result) for host, result in results.items() if isinstance(result, Mapping)
    )


def merged_sarif(results: Mapping[str, Any]) -> dict[str, Any]:
    runs: list[Any] = []
    version = "2.1.0"
    schema = "https://json.schemastore.org/sarif-2.1.0.json"
    for host, result in _hosts(results):
        sarif = result.get("reports", {}).get("sarif")
        if not isinstance(sarif, Mapping):
            continue
        version = sarif.get("version", version)
        schema = sarif.get("$schema", schema)
        for run in sarif.get("runs", []):
            run = dict(run)
            run["automationDetails"] = {"id": f"runner-wizard/{host}/"}
            for item in run.get("results", []):
                _prefix_locations(item, host)
            runs.append(run)
    return {"$schema": schema, "version": version, "runs": runs}


def _prefix_locations(item: dict[str, Any], host: str) -> None:
    for location in item.get("locations", []):
        artifact = location.get("physicalLocation", {}).get("artifactLocation", {})
        if "uri" in artifact:
            artifact["uri"] = f"{host}/{artifact['uri']}"
    prints = item.get("partialFingerprints")
    if isinstance(prints, dict):
        item["partialFingerprints"] = {key: f"{host}:{value}" for key, value in prints.items()}


def merged_codequality(results: Mapping[str, Any]) -> list[Any]:
    issues: list[Any] = []
    for host, result in _hosts(results):
        report = result.get("reports", {}).get("codequality")
        if not isinstance(report, list):
            continue
        for issue in report:
            if not isinstance(issue, dict):
                continue
            issue = dict(issue)
            location = dict(issue.get("location", {}))
            location["path"] = f"{host}/{location.get('path', '')}"
            issue["location"] = location
            issue["fingerprint"] = hashlib.sha256(
                f"{host}\0{issue.get('fingerprint', '')}".encode()
            ).hexdigest()
            issues.append(issue)
    return issues


def summary(results: Mapping[str, Any]) -> str:
    """A few lines per host: its file, the counts, and the worst findings."""
    lines = []
    totals = dict.fromkeys(SEVERITIES, 0)
    for host, result in _hosts(results):
        if result.get("failed") and "counts" not in result:
            lines.append(f"{host}: not audited ({result.get('msg', 'failed')})")
            continue
        tally = result.get("counts", {})
        for severity in SEVERITIES:
            totals[severity] += int(tally.get(severity, 0))
        shown = ", ".join(f"{tally[s]} {s}" for s in SEVERITIES if tally.get(s)) or "no findings"
        lines.append(f"{host}: {result.get('path', '?')}: {shown}")
        worst = [f for f in result.get("findings", []) if f.get("severity") in ("critical", "high")]
        for finding in worst:
            where = f" ({finding['runner']})" if finding.get("runner") else ""
            lines.append(f"  {finding['severity']}: {finding['rule']}{where}: {finding['message']}")
    total = ", ".join(f"{totals[s]} {s}" for s in SEVERITIES if totals[s]) or "no findings"
    lines.append(f"fleet: {len(_hosts(results))} hosts, {total}")
    return "\n".join(lines) + "\n"
