"""Read-only, bounded access to files of the machine being inspected.

Every host check reads through :class:`HostFiles`, which maps host paths
(``/etc/docker/daemon.json``) into a root folder (``/`` on a real host, a fake
tree in tests), never follows a symlink at the path a check names, refuses a
path whose folders lead out of the root, and reads at most :data:`MAX_READ`
bytes. A check that hits any of these gets :class:`Unreadable` with a reason it
can report as a skipped check, instead of guessing.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_READ = 1 << 20
"""Largest file a check reads (1 MiB): every file we look at is far smaller."""

MAX_ENTRIES = 4096
"""Most directory entries a check lists, so a huge folder cannot stall the run."""


class Unreadable(Exception):
    """A file or folder a check could not safely read; ``reason`` says why."""

    def __init__(self, path: str, reason: str) -> None:
        # Reasons read as predicates ("/etc/passwd does not exist"). No colon after the
        # path: the secret masker would take "/etc/passwd: does" for a password.
        super().__init__(f"{path} {reason}")
        self.path = path
        self.reason = reason


def _clean(host_path: str) -> PurePosixPath:
    """The host path as an absolute, ``..``-free path (a check never builds one with ``..``)."""
    path = PurePosixPath("/") / host_path
    if ".." in path.parts:
        raise Unreadable(host_path, "contains '..'")
    return path


@dataclass(frozen=True)
class HostFiles:
    """The machine's files as seen from ``root``."""

    root: Path

    @classmethod
    def at(cls, root: Path) -> HostFiles:
        return cls(Path(os.path.realpath(root)))

    def locate(self, host_path: str) -> Path:
        """Where ``host_path`` lives under the root, its folders checked for escapes.

        The last component is not resolved (so a symlink there stays a symlink for
        the caller to see); every folder above it is, and must stay in the root.
        """
        clean = _clean(host_path)
        local = self.root.joinpath(*clean.parts[1:])
        if clean == PurePosixPath("/"):
            return self.root
        parent = Path(os.path.realpath(local.parent))
        if parent != self.root and self.root not in parent.parents:
            raise Unreadable(str(clean), "is reached through a folder symlink that leaves the root")
        return parent / local.name

    def lstat(self, host_path: str) -> os.stat_result | None:
        """The entry itself (a symlink is not followed), or ``None`` when absent."""
        local = self.locate(host_path)
        try:
            return os.lstat(local)
        except FileNotFoundError:
            return None
        except NotADirectoryError:
            return None
        except PermissionError:
            raise Unreadable(host_path, _denied()) from None
        except OSError as error:
            raise Unreadable(host_path, f"cannot be read: {error.strerror or error}") from None

    def exists(self, host_path: str) -> bool:
        try:
            return self.lstat(host_path) is not None
        except Unreadable:
            return False

    def read_bytes(self, host_path: str, limit: int = MAX_READ) -> bytes:
        """The content of a regular file, refusing symlinks, devices, FIFOs and big files."""
        local = self.locate(host_path)
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(local, flags)
        except FileNotFoundError:
            raise Unreadable(host_path, "does not exist") from None
        except PermissionError:
            raise Unreadable(host_path, _denied()) from None
        except OSError as error:
            if os.path.islink(local):
                raise Unreadable(host_path, "is a symlink; not followed") from None
            raise Unreadable(host_path, f"cannot be read: {error.strerror or error}") from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise Unreadable(host_path, "is not a regular file")
            if info.st_size > limit:
                raise Unreadable(host_path, f"is larger than {limit} bytes; not read")
            chunks: list[bytes] = []
            remaining = limit + 1
            while remaining > 0:
                chunk = os.read(fd, min(remaining, 65536))
                if not chunk:
                    break
                chunks.append(chunk)
                remaining -= len(chunk)
        except PermissionError:
            raise Unreadable(host_path, _denied()) from None
        finally:
            os.close(fd)
        data = b"".join(chunks)
        if len(data) > limit:
            raise Unreadable(host_path, f"is larger than {limit} bytes; not read")
        return data

    def read_text(self, host_path: str, limit: int = MAX_READ) -> str:
        data = self.read_bytes(host_path, limit)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Unreadable(host_path, "is not UTF-8 text") from None

    def list_dir(self, host_path: str) -> list[str]:
        """Names in a real folder (not a symlink to one), sorted, at most :data:`MAX_ENTRIES`."""
        info = self.lstat(host_path)
        if info is None:
            raise Unreadable(host_path, "does not exist")
        if stat.S_ISLNK(info.st_mode):
            raise Unreadable(host_path, "is a symlink; not followed")
        if not stat.S_ISDIR(info.st_mode):
            raise Unreadable(host_path, "is not a folder")
        names: list[str] = []
        try:
            with os.scandir(self.locate(host_path)) as entries:
                for entry in entries:
                    names.append(entry.name)
                    if len(names) >= MAX_ENTRIES:
                        break
        except PermissionError:
            raise Unreadable(host_path, _denied()) from None
        except OSError as error:
            raise Unreadable(host_path, f"cannot be read: {error.strerror or error}") from None
        return sorted(names)


def _denied() -> str:
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        return "cannot be read: permission denied (host-check is not running as root)"
    return "cannot be read: permission denied"


def join(folder: str, *names: str) -> str:
    """A host path below ``folder``."""
    return str(PurePosixPath(folder).joinpath(*names))
