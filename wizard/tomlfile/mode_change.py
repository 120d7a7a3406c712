"""What a write does to the file's permission bits, said before it happens.

Every write leaves ``config.toml`` at mode 0600 (it holds runner tokens), and a
file that only needs its permissions fixed is set so too. Reviews, dry runs and
JSON reports all take the change from here, so none of them hides it, and a
read-only file is named before it is replaced.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass

CONFIG_MODE = 0o600
"""The mode every write gives config.toml: it holds runner tokens. Loading this
module is cheap, so screens can say it before the writer is loaded."""


@dataclass(frozen=True)
class ModeChange:
    """The file's mode now, and the mode it will have after the write."""

    before: int
    after: int = CONFIG_MODE

    @property
    def read_only(self) -> bool:
        """Its owner may not write it today: someone made it read-only on purpose."""
        return not self.before & stat.S_IWUSR

    def sentence(self, name: str) -> str:
        """One line for every review: what the mode is and what saving makes it."""
        if self.read_only:
            return (
                f"{name} is read-only (mode {self.before:04o}): saving replaces it anyway "
                f"and leaves it mode {self.after:04o}, which its owner can write"
            )
        return (
            f"{name} is mode {self.before:04o}: saving sets mode {self.after:04o} "
            "(only its owner can read the tokens)"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "before": f"{self.before:04o}",
            "after": f"{self.after:04o}",
            "read_only": self.read_only,
        }


def mode_change(file_mode: int | None, *, writes: bool) -> ModeChange | None:
    """The change a write (``writes``) makes to a file of ``file_mode``; ``None``: none.

    ``file_mode`` is ``None`` for a file that does not exist yet (it is created 0600).
    """
    if not writes or file_mode is None or file_mode == CONFIG_MODE:
        return None
    return ModeChange(file_mode)
