# -*- coding: utf-8 -*-
# Copyright: runner-wizard developers
# MIT License (as runner-wizard; see its pyproject.toml)
"""config_audit: read-only; the host's file audited on the controller.

Returns the findings (masked by the tool), counts by severity and the same under
``ansible_facts.runner_wizard``; fails at ``fail_on`` exactly where ``runner-wizard audit
--fail-on`` would exit 1.
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleActionFail
from ansible_collections.runner_wizard.gitlab_runner.plugins.module_utils.specs import (
    CONFIG_AUDIT,
)
from ansible_collections.runner_wizard.gitlab_runner.plugins.plugin_utils.host_file import (
    HostFileAction,
)
from ansible_collections.runner_wizard.gitlab_runner.plugins.plugin_utils.planner import (
    PlanError,
    audit,
    tool_command,
)


class ActionModule(HostFileAction):
    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        task_vars = task_vars or {}
        result: dict[str, Any] = super().run(tmp, task_vars)
        options, host_file = self.read_options_and_file(CONFIG_AUDIT, task_vars)
        path = options["path"]
        try:
            plan = audit(
                tool_command(options.get("executable")),
                host_file.content,
                path,
                host_file.mode,
                options,
                formats=options["reports"],
            )
        except PlanError as error:
            raise AnsibleActionFail(f"{path}: {error}") from None
        facts = {"path": path, "counts": plan.counts, "findings": plan.findings}
        result.update(
            changed=False,
            path=path,
            findings=plan.findings,
            counts=plan.counts,
            ansible_facts={"runner_wizard": facts},
        )
        if plan.reports:
            result["reports"] = plan.reports
        if plan.failed:
            result["failed"] = True
            total = sum(plan.counts.values())
            result["msg"] = (
                f"{path}: findings at or above {options['fail_on']} "
                f"({total} finding{'s' if total != 1 else ''} in all)"
            )
        return result
