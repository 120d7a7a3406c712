# -*- coding: utf-8 -*-
# Copyright: runner-wizard developers
# MIT License (as runner-wizard; see its pyproject.toml)
"""config_harden: plan on the controller, compare-and-swap on the host.

Check mode reads and plans, never writes; ``--diff`` shows runner-wizard's masked diff.
No token or secret is in the result: the file's bytes stay in this process, and every
text returned (changes, diff, findings) is the tool's own masked report.
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleActionFail
from ansible_collections.runner_wizard.gitlab_runner.plugins.module_utils.specs import (
    CONFIG_HARDEN,
)
from ansible_collections.runner_wizard.gitlab_runner.plugins.plugin_utils.host_file import (
    HostFileAction,
    write_host_file,
)
from ansible_collections.runner_wizard.gitlab_runner.plugins.plugin_utils.planner import (
    PlanError,
    counts,
    harden,
    tool_command,
)


class ActionModule(HostFileAction):
    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        task_vars = task_vars or {}
        result: dict[str, Any] = super().run(tmp, task_vars)
        options, host_file = self.read_options_and_file(CONFIG_HARDEN, task_vars)
        path = options["path"]
        try:
            plan = harden(
                tool_command(options.get("executable")),
                host_file.content,
                path,
                host_file.mode,
                options,
            )
        except PlanError as error:
            raise AnsibleActionFail(f"{path}: {error}") from None
        rewrite = plan.new_content != host_file.content
        tighten = not rewrite and plan.set_mode_0600
        result.update(
            changed=rewrite or tighten,
            path=path,
            changes=plan.changes,
            may_break=plan.may_break,
            left_alone=plan.left_alone,
            findings_remaining=plan.findings_remaining,
            counts_remaining=counts(plan.findings_remaining),
        )
        if plan.managed_warning:
            result["warnings"] = [f"{path}: {plan.managed_warning}"]
        if rewrite or tighten:
            result["mode_change"] = f"{host_file.mode} -> 0600"
        if self._task.diff and rewrite:
            result["diff"] = {"prepared": plan.diff}
        if self._task.check_mode or not (rewrite or tighten):
            return result
        written = write_host_file(
            self,
            host_file,
            task_vars,
            content=plan.new_content if rewrite else None,
            backup=options["backup"],
        )
        if written.get("backup_file"):
            result["backup_file"] = written["backup_file"]
        return result
