#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: runner-wizard developers
# MIT License (as runner-wizard; see its pyproject.toml)
"""Host side of config_harden: replace config.toml only if it still holds what was read."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: config_write
short_description: Compare-and-swap write of a GitLab Runner config.toml
version_added: 0.1.0
description:
  - Internal to the collection; M(runner_wizard.gitlab_runner.config_harden) calls it with
    the text its planner made on the controller.
  - Refuses to write when the file no longer has the SHA-256 it had when it was read (the
    runner rewrites the file when it rotates a token).
  - Writes atomically (a staged file renamed over the old one), mode 0600, the old owner,
    with a timestamped backup of the old bytes (mode 0600) unless O(backup=false).
options:
  path:
    description: The file to replace.
    type: path
    default: /etc/gitlab-runner/config.toml
  content:
    description: The new bytes, base64-encoded. Never logged.
    type: str
  expected_sha256:
    description: SHA-256 of the bytes the plan was made from.
    type: str
    required: true
  backup:
    description: Keep a copy of the old bytes beside the file.
    type: bool
    default: true
  mode_only:
    description: Only set mode 0600; O(content) is ignored.
    type: bool
    default: false
attributes:
  check_mode:
    description: Cannot run in check mode.
    support: none
  diff_mode:
    description: Will not return details on what has changed in diff mode.
    support: none
author:
  - runner-wizard developers (@runner-wizard)
"""

EXAMPLES = r"""
- name: Replace the file (internal use)
  runner_wizard.gitlab_runner.config_write:
    path: /etc/gitlab-runner/config.toml
    content: "{{ new_content_b64 }}"
    expected_sha256: "{{ read.sha256 }}"
  no_log: true
"""

RETURN = r"""
backup_file:
  description: Where the old bytes were kept.
  type: str
  returned: when a backup was made
"""

import base64
import binascii

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.runner_wizard.gitlab_runner.plugins.module_utils.config_file import (
    WriteRefused,
    replace_file,
    tighten_mode,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "default": "/etc/gitlab-runner/config.toml"},
            "content": {"type": "str", "no_log": True},
            "expected_sha256": {"type": "str", "required": True},
            "backup": {"type": "bool", "default": True},
            "mode_only": {"type": "bool", "default": False},
        },
        required_if=[("mode_only", False, ("content",))],
        supports_check_mode=False,
    )
    path = module.params["path"]
    try:
        if module.params["mode_only"]:
            tighten_mode(path, module.params["expected_sha256"])
            module.exit_json(changed=True)
        try:
            content = base64.b64decode(module.params["content"], validate=True)
        except (binascii.Error, ValueError):
            module.fail_json(msg="content is not base64")
        backup_file = replace_file(
            path, content, module.params["expected_sha256"], module.params["backup"]
        )
    except WriteRefused as refused:
        module.fail_json(msg="%s %s" % (path, refused), rc=2)
    except (OSError, ValueError) as error:
        module.fail_json(msg="%s: not written (%s)" % (path, getattr(error, "strerror", None) or error))
    result = {"changed": True}
    if backup_file:
        result["backup_file"] = backup_file
    module.exit_json(**result)


if __name__ == "__main__":
    main()
