"""runner-wizard: audit and harden GitLab Runner ``config.toml`` files.

This module only carries the version: importing the package must stay cheap,
because ``--help``, ``--version`` and ``audit`` never load the TUI.
"""

__version__ = "0.1.0"
