#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: runner-wizard developers
# MIT License (as runner-wizard; see its pyproject.toml)
"""host_check: runner-wizard's host rules, run on the host itself.

Unlike the config modules this one needs runner-wizard installed on the host: the host
rules read the machine (file modes, the runner user, keys, sudoers, the Docker daemon),
which only a program on that machine can see. It runs the installed command line and
returns its versioned JSON report, masked by the tool.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: host_check
short_description: Check a GitLab Runner host with runner-wizard's host rules
version_added: 0.1.0
description:
  - Runs C(runner-wizard host-check --format json) on the host and returns its findings.
  - Read-only. Needs runner-wizard on the host (C(pip install runner-wizard) in the Python
    the module runs with, or a program named by O(executable)).
options:
  path:
    description: The runner's config.toml on the host.
    type: path
    default: /etc/gitlab-runner/config.toml
  trust:
    description: Who can run jobs on this runner; sets each rule's severity.
    type: str
    choices: [single-project, multi-project, public]
  fail_on:
    description: Fail when a finding is at or above this severity.
    type: str
    choices: [critical, high, medium, low, info, never]
    default: never
  executable:
    description: The runner-wizard program on the host. Default is C(python -m wizard) with
      the module's Python when it has runner-wizard, else C(runner-wizard) on the PATH.
    type: path
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will not return details on what has changed in diff mode.
    support: none
author:
  - runner-wizard developers (@runner-wizard)
"""

EXAMPLES = r"""
- name: Check the runner host
  runner_wizard.gitlab_runner.host_check:
    fail_on: high
"""

RETURN = r"""
findings:
  description: The host findings, secrets masked.
  type: list
  elements: dict
  returned: success
counts:
  description: Findings per severity.
  type: dict
  returned: success
skipped:
  description: Checks that could not run, and why.
  type: list
  elements: dict
  returned: success
"""

import json
import sys

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.runner_wizard.gitlab_runner.plugins.module_utils.specs import (
    HOST_CHECK,
)

SEVERITIES = ("critical", "high", "medium", "low", "info")


def tool_command(module):
    if module.params["executable"]:
        return [module.params["executable"]]
    try:
        import importlib.util

        if importlib.util.find_spec("wizard") is not None:
            return [sys.executable, "-m", "wizard"]
    except ImportError:
        pass
    found = module.get_bin_path("runner-wizard")
    if found:
        return [found]
    module.fail_json(
        msg="runner-wizard is not installed on this host: pip install runner-wizard, "
        "or set executable"
    )
    return []


def main():
    module = AnsibleModule(argument_spec=HOST_CHECK, supports_check_mode=True)
    command = tool_command(module) + ["host-check", "--format", "json"]
    command += ["--fail-on", module.params["fail_on"]]
    if module.params["trust"]:
        command += ["--trust", module.params["trust"]]
    command.append(module.params["path"])
    rc, stdout, stderr = module.run_command(command, environ_update={"NO_COLOR": "1"})
    try:
        report = json.loads(stdout)
        entry = report["files"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        lines = stderr.strip().splitlines()
        module.fail_json(msg=lines[-1] if lines else "runner-wizard exited %d" % rc, rc=rc)
    if entry.get("error"):
        module.fail_json(msg=entry["error"], rc=rc)
    findings = [f for f in entry.get("findings", []) if isinstance(f, dict)]
    tally = dict((severity, 0) for severity in SEVERITIES)
    for finding in findings:
        if finding.get("severity") in tally:
            tally[finding["severity"]] += 1
    result = dict(
        changed=False,
        findings=findings,
        counts=tally,
        skipped=report.get("skipped", []),
    )
    if rc == 1:
        result["msg"] = "host findings at or above %s" % module.params["fail_on"]
        module.fail_json(**result)
    if rc not in (0, 1):
        module.fail_json(msg="runner-wizard exited %d" % rc, rc=rc)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
