#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: runner-wizard developers
# MIT License (as runner-wizard; see its pyproject.toml)
"""fleet_report's documentation and options; the work is done by its action plugin."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: fleet_report
short_description: Merge config_audit results of many hosts into one report
version_added: 0.1.0
description:
  - Runs on the controller only. Takes each host's registered
    M(runner_wizard.gitlab_runner.config_audit) result (run it with
    O(runner_wizard.gitlab_runner.config_audit#module:reports=[sarif, codequality]))
    and writes one SARIF log (a run per host), one Code Quality report and a text summary.
  - Paths in the reports are C(HOST/path/on/host).
options:
  results:
    description: Host name to that host's config_audit result.
    type: dict
    required: true
  sarif:
    description: Where to write the merged SARIF log.
    type: path
  codequality:
    description: Where to write the merged Code Quality report.
    type: path
  summary:
    description: Where to write the text summary.
    type: path
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: In check mode nothing is written; run the task with C(check_mode=false) to
      write the reports during a C(--check) run.
  diff_mode:
    description: Will not return details on what has changed in diff mode.
    support: none
  action:
    description: Runs as an action plugin on the controller; it reads and writes the host's file through the collection's own modules.
    support: full
author:
  - runner-wizard developers (@runner-wizard)
"""

EXAMPLES = r"""
- name: One report for the fleet
  runner_wizard.gitlab_runner.fleet_report:
    results: "{{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars, 'audit'))) }}"
    sarif: fleet.sarif
    codequality: gl-code-quality-report.json
    summary: fleet.txt
  run_once: true
  delegate_to: localhost
"""

RETURN = r"""
written:
  description: The files written.
  type: list
  elements: str
  returned: always
summary:
  description: The text summary, a line per item.
  type: list
  elements: str
  returned: always
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.runner_wizard.gitlab_runner.plugins.module_utils.specs import (
    FLEET_REPORT,
)


def main():
    module = AnsibleModule(argument_spec=FLEET_REPORT, supports_check_mode=True)
    module.fail_json(msg="fleet_report runs through its action plugin on the controller")


if __name__ == "__main__":
    main()
