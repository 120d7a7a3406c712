#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: runner-wizard developers
# MIT License (as runner-wizard; see its pyproject.toml)
"""Host side of config_audit and config_harden: read config.toml exactly as it is.

Standard library only (Python 3.8 and later), so a managed host needs nothing but Python.
The content goes back to the controller, where the planner runs; it holds runner tokens,
so the action plugins never put it in a result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: config_read
short_description: Read a GitLab Runner config.toml for the controller-side planner
version_added: 0.1.0
description:
  - Internal to the collection; M(runner_wizard.gitlab_runner.config_audit) and
    M(runner_wizard.gitlab_runner.config_harden) call it.
  - Reads a regular file (never through a symbolic link, never more than 16 MiB) and returns
    its bytes, their SHA-256 and the file's mode and owner.
options:
  path:
    description: The file to read.
    type: path
    default: /etc/gitlab-runner/config.toml
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
- name: Read the runner configuration (internal use)
  runner_wizard.gitlab_runner.config_read:
    path: /etc/gitlab-runner/config.toml
  no_log: true
"""

RETURN = r"""
exists:
  description: Whether the file exists.
  type: bool
  returned: always
content:
  description: The file's bytes, base64-encoded. Holds secrets; never shown.
  type: str
  returned: when the file exists
sha256:
  description: SHA-256 of the bytes read, for the compare-and-swap write.
  type: str
  returned: when the file exists
mode:
  description: The file's permission bits, in octal.
  type: str
  returned: when the file exists
"""

import base64
import errno
import os
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.runner_wizard.gitlab_runner.plugins.module_utils.config_file import (
    read_regular,
    sha256,
)


def main():
    module = AnsibleModule(
        argument_spec={"path": {"type": "path", "default": "/etc/gitlab-runner/config.toml"}},
        supports_check_mode=True,
    )
    path = module.params["path"]
    try:
        content, info = read_regular(path)
    except OSError as error:
        if error.errno == errno.ENOENT:
            module.exit_json(changed=False, exists=False)
        if error.errno == errno.ELOOP:
            module.fail_json(msg="%s is a symbolic link; give the real path" % path)
        module.fail_json(msg="%s: %s" % (path, os.strerror(error.errno or 0)))
    except ValueError as error:
        module.fail_json(msg="%s %s" % (path, error))
    module.exit_json(
        changed=False,
        exists=True,
        content=base64.b64encode(content).decode("ascii"),
        sha256=sha256(content),
        mode="%04o" % stat.S_IMODE(info.st_mode),
        uid=info.st_uid,
        gid=info.st_gid,
    )


if __name__ == "__main__":
    main()
