# -*- coding: utf-8 -*-
# Copyright: runner-wizard developers
# MIT License (as runner-wizard; see its pyproject.toml)
"""The options of each module, in one place: the action plugins validate against these and
the module files declare them, so the documentation, the check and the code cannot drift."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

TRUST_LEVELS = ["single-project", "multi-project", "public"]
FAIL_ON = ["critical", "high", "medium", "low", "info", "never"]

_PATH = {"type": "path", "default": "/etc/gitlab-runner/config.toml"}
_TRUST = {"type": "str", "choices": TRUST_LEVELS}
_EXECUTABLE = {"type": "path"}

REPORT_FORMATS = ["sarif", "codequality"]

CONFIG_AUDIT = {
    "path": _PATH,
    "trust": _TRUST,
    "preset": {"type": "str"},
    "fail_on": {"type": "str", "choices": FAIL_ON, "default": "never"},
    "reports": {"type": "list", "elements": "str", "choices": REPORT_FORMATS, "default": []},
    "executable": _EXECUTABLE,
}

FLEET_REPORT = {
    "results": {"type": "dict", "required": True},
    "sarif": {"type": "path"},
    "codequality": {"type": "path"},
    "summary": {"type": "path"},
}

CONFIG_HARDEN = {
    "path": _PATH,
    "fix": {"type": "str", "choices": ["safe", "all"], "default": "safe"},
    "preset": {"type": "str"},
    "runners": {"type": "list", "elements": "str"},
    "rules": {"type": "list", "elements": "str"},
    "skip_rules": {"type": "list", "elements": "str"},
    "trust": _TRUST,
    "backup": {"type": "bool", "default": True},
    "executable": _EXECUTABLE,
}

HOST_CHECK = {
    "path": _PATH,
    "trust": _TRUST,
    "fail_on": {"type": "str", "choices": FAIL_ON, "default": "never"},
    "executable": _EXECUTABLE,
}
