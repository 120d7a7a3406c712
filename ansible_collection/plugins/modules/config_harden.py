#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: runner-wizard developers
# MIT License (as runner-wizard; see its pyproject.toml)
"""config_harden's documentation and options; the work is done by its action plugin."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: config_harden
short_description: Harden a GitLab Runner config.toml in place, keeping every comment
version_added: 0.1.0
description:
  - Reads the host's config.toml, plans runner-wizard's fixes on the controller (the same
    plan as C(runner-wizard harden --dry-run --format json)) and writes the result back
    with a compare-and-swap, atomically, mode 0600, with a backup.
  - In check mode nothing is written; C(changed) and C(changes) say what would be.
  - With C(--diff) the diff is runner-wizard's, every secret masked.
  - The write is refused when the file changed since it was read, for example because the
    runner rotated its token in between; run again.
  - Managed hosts need only Python. The controller needs runner-wizard installed in the
    Python that runs Ansible (or a program named by O(executable)).
options:
  path:
    description: The runner's config.toml on the host.
    type: path
    default: /etc/gitlab-runner/config.toml
  fix:
    description:
      - V(safe) applies only fixes that cannot stop a job that works today.
      - V(all) also applies those that may break jobs; each is listed in RV(may_break).
    type: str
    choices: [safe, all]
    default: safe
  preset:
    description: A bundled preset's name, or a preset file on the controller.
    type: str
  runners:
    description: Only these runners, by name.
    type: list
    elements: str
  rules:
    description: Only the fixes of these rules.
    type: list
    elements: str
  skip_rules:
    description: Never the fixes of these rules.
    type: list
    elements: str
  trust:
    description: Who can run jobs on these runners; sets each rule's severity.
    type: str
    choices: [single-project, multi-project, public]
  backup:
    description: Keep a timestamped copy of the old file (mode 0600) beside it.
    type: bool
    default: true
  executable:
    description: The runner-wizard program on the controller.
    type: path
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: full
  action:
    description: Runs as an action plugin on the controller; it reads and writes the host's file through the collection's own modules.
    support: full
author:
  - runner-wizard developers (@runner-wizard)
"""

EXAMPLES = r"""
- name: Harden after the role that installs the runner
  runner_wizard.gitlab_runner.config_harden:
    fix: safe
  register: hardened

- name: Say what may break
  ansible.builtin.debug:
    var: hardened.may_break
  when: hardened.may_break | length > 0
"""

RETURN = r"""
changes:
  description: Every planned change with its impact and reason, secrets masked.
  type: list
  elements: dict
  returned: always
may_break:
  description: The changes whose impact is C(may-break).
  type: list
  elements: dict
  returned: always
findings_remaining:
  description: The findings left after the change.
  type: list
  elements: dict
  returned: always
counts_remaining:
  description: The findings left, per severity.
  type: dict
  returned: always
left_alone:
  description: Runners a preset does not fit, left as they are.
  type: list
  elements: str
  returned: always
mode_change:
  description: The permission change made or planned, for example C(0644 -> 0600).
  type: str
  returned: when the file is or would be written
backup_file:
  description: Where the old file was kept.
  type: str
  returned: when a backup was made
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.runner_wizard.gitlab_runner.plugins.module_utils.specs import (
    CONFIG_HARDEN,
)


def main():
    module = AnsibleModule(argument_spec=CONFIG_HARDEN, supports_check_mode=True)
    module.fail_json(msg="config_harden runs through its action plugin on the controller")


if __name__ == "__main__":
    main()
