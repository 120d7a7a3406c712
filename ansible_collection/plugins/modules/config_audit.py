#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: runner-wizard developers
# MIT License (as runner-wizard; see its pyproject.toml)
"""config_audit's documentation and options; the work is done by its action plugin."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: config_audit
short_description: Audit a GitLab Runner config.toml with runner-wizard's rules
version_added: 0.1.0
description:
  - Reads the host's config.toml and audits it on the controller, as
    C(runner-wizard audit --format json) does. Read-only; full check mode.
  - Sets C(ansible_facts.runner_wizard) to the path, the counts and the findings.
  - Managed hosts need only Python. The controller needs runner-wizard installed in the
    Python that runs Ansible (or a program named by O(executable)).
options:
  path:
    description: The runner's config.toml on the host.
    type: path
    default: /etc/gitlab-runner/config.toml
  trust:
    description: Who can run jobs on these runners; sets each rule's severity.
    type: str
    choices: [single-project, multi-project, public]
  preset:
    description: Audit against a preset (its trust level and accepted findings).
    type: str
  fail_on:
    description: Fail when a finding is at or above this severity.
    type: str
    choices: [critical, high, medium, low, info, never]
    default: never
  reports:
    description: Also return the audit in these CI formats, naming the path on the host,
      for M(runner_wizard.gitlab_runner.fleet_report).
    type: list
    elements: str
    choices: [sarif, codequality]
    default: []
  executable:
    description: The runner-wizard program on the controller.
    type: path
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will not return details on what has changed in diff mode.
    support: none
  facts:
    description: Sets facts (C(ansible_facts.runner_wizard)).
    support: full
  action:
    description: Runs as an action plugin on the controller; it reads and writes the host's file through the collection's own modules.
    support: full
author:
  - runner-wizard developers (@runner-wizard)
"""

EXAMPLES = r"""
- name: Audit every runner host, failing on high findings
  runner_wizard.gitlab_runner.config_audit:
    fail_on: high
"""

RETURN = r"""
findings:
  description: Every finding, secrets masked.
  type: list
  elements: dict
  returned: always
counts:
  description: Findings per severity.
  type: dict
  returned: always
ansible_facts:
  description: C(runner_wizard) with the path, counts and findings.
  type: dict
  returned: always
reports:
  description: The audit in each format asked for by O(reports).
  type: dict
  returned: when O(reports) is not empty
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.runner_wizard.gitlab_runner.plugins.module_utils.specs import (
    CONFIG_AUDIT,
)


def main():
    module = AnsibleModule(argument_spec=CONFIG_AUDIT, supports_check_mode=True)
    module.fail_json(msg="config_audit runs through its action plugin on the controller")


if __name__ == "__main__":
    main()
