# -*- coding: utf-8 -*-
# Copyright: runner-wizard developers
# MIT License (as runner-wizard; see its pyproject.toml)
"""What the action plugins share: reading the host's file through the collection's module."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

READ_MODULE = "runner_wizard.gitlab_runner.config_read"
WRITE_MODULE = "runner_wizard.gitlab_runner.config_write"
DEFAULT_PATH = "/etc/gitlab-runner/config.toml"


@dataclass(frozen=True)
class HostFile:
    path: str
    content: bytes
    sha256: str
    mode: str | None


def read_host_file(action: Any, path: str, task_vars: dict[str, Any]) -> HostFile | None:
    """The file's bytes from the host, or None when it does not exist.

    The module's result carries the runner tokens: it stays inside this process and is
    never part of the task's result.
    """
    result = action._execute_module(
        module_name=READ_MODULE,
        module_args={"path": path},
        task_vars=task_vars,
    )
    if result.get("failed"):
        raise AnsibleActionFail(str(result.get("msg", "could not read the file")))
    if not result.get("exists"):
        return None
    try:
        content = base64.b64decode(result["content"], validate=True)
    except (KeyError, binascii.Error, ValueError):
        raise AnsibleActionFail(f"{path}: the host sent no readable content") from None
    return HostFile(path=path, content=content, sha256=str(result["sha256"]), mode=result.get("mode"))


def write_host_file(
    action: Any,
    host_file: HostFile,
    task_vars: dict[str, Any],
    *,
    content: bytes | None,
    backup: bool,
) -> dict[str, Any]:
    """Compare-and-swap on the host: new bytes, or (``content`` None) only mode 0600."""
    arguments: dict[str, Any] = {
        "path": host_file.path,
        "expected_sha256": host_file.sha256,
        "backup": backup,
    }
    if content is None:
        arguments["mode_only"] = True
    else:
        arguments["content"] = base64.b64encode(content).decode("ascii")
    result: dict[str, Any] = action._execute_module(
        module_name=WRITE_MODULE,
        module_args=arguments,
        task_vars=task_vars,
    )
    if result.get("failed"):
        raise AnsibleActionFail(str(result.get("msg", "not written")))
    return result


class HostFileAction(ActionBase):
    """An action that works on the host's config.toml: options checked, the file read."""

    TRANSFERS_FILES = False
    _requires_connection = True

    def read_options_and_file(
        self, spec: dict[str, Any], task_vars: dict[str, Any]
    ) -> tuple[dict[str, Any], HostFile]:
        _validation, options = self.validate_argument_spec(argument_spec=spec)
        host_file = read_host_file(self, options["path"], task_vars)
        if host_file is None:
            raise AnsibleActionFail(f"{options['path']} does not exist on this host")
        return options, host_file
