"""Read-only inspection of a runner's machine: what ``config.toml`` cannot express.

``run_host_checks`` is the entry point; ``HOST_RULES`` are the rules it reports
under, for the shared catalogue. The checks themselves load on first use, so
the catalogue (and with it ``audit``) does not pay for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wizard.rules.host_rules import HOST_RULES

if TYPE_CHECKING:
    from wizard.host.result import HostEnv, HostReport, SkippedCheck
    from wizard.host.run import run_host_checks

__all__ = ["HOST_RULES", "HostEnv", "HostReport", "SkippedCheck", "run_host_checks"]

_LAZY = {
    "HostEnv": "wizard.host.result",
    "HostReport": "wizard.host.result",
    "SkippedCheck": "wizard.host.result",
    "run_host_checks": "wizard.host.run",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'wizard.host' has no attribute {name!r}")
