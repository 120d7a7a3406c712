"""Writing a config file so that a failure can never leave half a file behind.

GitLab Runner re-reads ``config.toml`` every few seconds and rewrites it when
it rotates a token, so a write must be atomic (temporary file in the same
folder, fsync, rename), must keep the owner, must not widen permissions (the
file holds tokens: always 0600), and must refuse when the file on disk is no
longer the one we read.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import time
from pathlib import Path

from wizard.errors import ConfigError, FileChangedError
from wizard.tomlfile.document import ConfigDocument

CONFIG_MODE = 0o600


def write_document(
    before: ConfigDocument, after: ConfigDocument, *, backup: bool = True
) -> Path | None:
    """Replace ``before`` on disk with ``after``; returns the backup's path, if one was made.

    ``before.disk`` is the file as it was read (``None`` for a new file, which
    must then still not exist).
    """
    path = before.path
    if path is None:
        raise ConfigError(None, "no file name to write to")
    _check_unchanged(path, before)
    if before.disk is None:
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(path, _describe_write_error(error)) from None
    # A symlinked config (e.g. into a data volume) is written where it points:
    # renaming over the link itself would turn it into a plain file.
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    backup_path = _write_backup(target, before) if backup and before.disk else None
    _atomic_write(target, after.to_bytes(), before)
    return backup_path


def tighten_mode(document: ConfigDocument) -> None:
    """Make an unchanged file owner-only; used when only its permissions need fixing."""
    path = document.path
    if path is None:
        return
    _check_unchanged(path, document)
    try:
        os.chmod(path, CONFIG_MODE)
    except OSError as error:
        raise ConfigError(path, f"cannot change permissions: {error.strerror or error}") from None


def _check_unchanged(path: Path, before: ConfigDocument) -> None:
    try:
        current = path.read_bytes()
    except FileNotFoundError:
        if before.disk is None:
            return
        raise FileChangedError(path, "was deleted since it was read; nothing written") from None
    except OSError as error:
        raise ConfigError(path, f"cannot read: {error.strerror or error}") from None
    if before.disk is None:
        raise FileChangedError(path, "was created by something else meanwhile; nothing written")
    if current != before.disk.content:
        raise FileChangedError(
            path,
            "changed on disk since it was read (the runner rewrites it when it rotates a "
            "token); nothing written — run again to start from the new content",
        )


def backup_name(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.{stamp}.bak")
    counter = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.{stamp}-{counter}.bak")
        counter += 1
    return candidate


def _write_backup(path: Path, before: ConfigDocument) -> Path:
    assert before.disk is not None
    target = backup_name(path)
    _atomic_write(target, before.disk.content, before)
    return target


def _atomic_write(path: Path, content: bytes, before: ConfigDocument) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    handle = None
    temp_name = ""
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        os.fchmod(handle, CONFIG_MODE)
        if before.disk is not None and hasattr(os, "fchown"):
            with contextlib.suppress(PermissionError):
                os.fchown(handle, before.disk.uid, before.disk.gid)
        view = memoryview(content)
        while view:
            written = os.write(handle, view)
            view = view[written:]
        os.fsync(handle)
        os.close(handle)
        handle = None
        os.replace(temp_name, path)
        temp_name = ""
        _fsync_folder(folder)
    except OSError as error:
        raise ConfigError(path, _describe_write_error(error)) from None
    finally:
        if handle is not None:
            os.close(handle)
        if temp_name:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _describe_write_error(error: OSError) -> str:
    if error.errno == errno.ENOSPC:
        return "no space left on the device; nothing written"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "permission denied writing to its folder; nothing written"
    if error.errno == errno.EROFS:
        return "the file system is read-only; nothing written"
    if error.errno == errno.ENOENT:
        return "its folder does not exist; nothing written"
    return f"cannot write ({error.strerror or error}); nothing written"


def is_owner_only(mode: int) -> bool:
    return not stat.S_IMODE(mode) & 0o077
