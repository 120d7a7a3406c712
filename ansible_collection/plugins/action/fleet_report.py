# -*- coding: utf-8 -*-
# Copyright: runner-wizard developers
# MIT License (as runner-wizard; see its pyproject.toml)
"""fleet_report: merge every host's config_audit result into one SARIF, Code Quality and text
report on the controller. It talks to no host."""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

from ansible.plugins.action import ActionBase
from ansible_collections.runner_wizard.gitlab_runner.plugins.module_utils.specs import (
    FLEET_REPORT,
)
from ansible_collections.runner_wizard.gitlab_runner.plugins.plugin_utils.fleet import (
    merged_codequality,
    merged_sarif,
    summary,
)


def _write(path: str, text: str) -> None:
    """Atomically, so a CI job never uploads half a report."""
    folder = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".fleet-report-")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = super().run(tmp, task_vars or {})
        _validation, options = self.validate_argument_spec(argument_spec=FLEET_REPORT)
        results = options["results"]
        text = summary(results)
        written: list[str] = []
        if self._task.check_mode:
            # Reports are the controller's output, not a host's state; still, --check
            # promises no writes, so the playbook turns check mode off for this task.
            result.update(changed=False, written=written, summary=text.splitlines())
            return result
        if options.get("sarif"):
            _write(options["sarif"], json.dumps(merged_sarif(results), indent=2) + "\n")
            written.append(options["sarif"])
        if options.get("codequality"):
            _write(options["codequality"], json.dumps(merged_codequality(results), indent=2) + "\n")
            written.append(options["codequality"])
        if options.get("summary"):
            _write(options["summary"], text)
            written.append(options["summary"])
        result.update(changed=bool(written), written=written, summary=text.splitlines())
        return result
