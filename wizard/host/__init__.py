"""Read-only inspection of a runner's machine: what ``config.toml`` cannot express.

``run_host_checks`` is the entry point; ``HOST_RULES`` are the rules it reports
under, for the shared catalogue.
"""

from __future__ import annotations

from wizard.host.result import HostEnv, HostReport, SkippedCheck
from wizard.host.rules import HOST_RULES
from wizard.host.run import run_host_checks

__all__ = ["HOST_RULES", "HostEnv", "HostReport", "SkippedCheck", "run_host_checks"]
