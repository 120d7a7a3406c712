"""Writing files so that a failure never leaves half a file and a newer file is never lost.

GitLab Runner re-reads ``config.toml`` every few seconds and rewrites it in
place when it rotates a token (``defaultConfigSaver.Save`` in the runner's
``common/config.go`` calls ``os.WriteFile``). A rotated token that we overwrite
with the old one is a runner that can no longer reach GitLab, so the config is
replaced like this:

1. the new text goes to a temporary file of our own naming in the same folder
   (``O_EXCL|O_NOFOLLOW``, mode 0600, the old owner, ACLs and extended
   attributes), and is fsynced;
2. the backup is created under a name no other run can take (``O_EXCL``);
3. the temporary file and the config are swapped in one step with
   ``renameat2(RENAME_EXCHANGE)``, and what was swapped out is inspected: if
   it is not the very file we read (same inode, same bytes), it is swapped
   back and the write refused. Where the kernel or file system cannot
   exchange, the check runs immediately before a plain rename.

Anything that fails removes what this run created (temporary file and
backup): "nothing written" is then the whole truth.

:func:`write_file` is the same atomic write for generated files (artifacts,
templates) that have no previous content to protect.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import re
import secrets
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wizard.base.errors import ConfigError, FileChangedError
from wizard.base.safe_text import Message
from wizard.tomlfile.document import MAX_CONFIG_BYTES, ConfigDocument, Fingerprint
from wizard.tomlfile.mode_change import CONFIG_MODE
from wizard.tomlfile.regular_file import read_regular_file_with_stat

STALE_AFTER_SECONDS = 3600
"""A temporary file of ours this old, or whose process is gone, is left from a crash."""

_RENAME_NOREPLACE = 1
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_SYSCALL_RENAMEAT2 = {"x86_64": 316, "aarch64": 276, "armv7l": 382, "ppc64le": 357}
_TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{12}\.tmp$")

_CHANGED = Message.of(
    "changed on disk since it was read (the runner rewrites it when it "
    "rotates a token); nothing written — run again to start from the new "
    "content"
)


@dataclass(frozen=True)
class WriteResult:
    """What a write did besides replacing the file: its backup and what the operator should know."""

    backup: Path | None = None
    notes: tuple[str, ...] = ()


def _checkpoint(step: str) -> None:
    """Called between the steps of a write; tests hook it to race the write from outside."""


def write_document(
    before: ConfigDocument,
    after: ConfigDocument,
    *,
    backup: bool = True,
    allow_unsafe_path: bool = False,
) -> WriteResult:
    """Replace ``before`` on disk with ``after``, or create it when ``before`` is new.

    ``before.disk`` is the file as it was read (``None`` for a new file, which
    must then still not exist). ``allow_unsafe_path`` lets a new file be made in
    a folder other users can write to.
    """
    path = before.path
    if path is None:
        raise ConfigError(None, Message.of("no file name to write to"))
    content = after.to_bytes()
    if before.disk is None:
        _create(path, content, allow_unsafe_path=allow_unsafe_path)
        return WriteResult()
    notes: list[str] = []
    # A symlinked config (e.g. into a data volume) is written where it points:
    # renaming over the link itself would turn it into a plain file.
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    _check_unchanged(path, before.disk)
    _cleanup_stale_temporaries(target)
    info = os.stat(target)
    if info.st_nlink > 1:
        notes.append(
            f"{path} had {info.st_nlink - 1} other hard link(s); they keep the old content "
            f"and mode {stat.S_IMODE(info.st_mode):04o} — remove them if they are readable "
            "by others"
        )
    if target != path and stat.S_IMODE(info.st_mode) != CONFIG_MODE:
        notes.append(
            f"{path} is a symbolic link; its target {target} changed mode from "
            f"{stat.S_IMODE(info.st_mode):04o} to {CONFIG_MODE:04o}"
        )
    created: list[Path] = []
    try:
        temporary = _stage(target, content, CONFIG_MODE, before.disk, copy_attributes_of=target)
        created.append(temporary)
        _checkpoint("staged")
        backup_path = None
        if backup:
            backup_path = _write_backup(target, before.disk)
            created.append(backup_path)
            _checkpoint("backed-up")
        _check_unchanged(path, before.disk)
        _checkpoint("checked")
        _swap_in(temporary, target, before.disk, content)
        created.remove(temporary)  # now holds the old file, already removed
        _fsync_folder(target.parent)
    except OSError as error:
        _remove_all(created)
        raise ConfigError(path, _describe_write_error(error)) from None
    except BaseException:
        _remove_all(created)
        raise
    return WriteResult(backup_path, tuple(notes))


def tighten_mode(document: ConfigDocument) -> None:
    """Make an unchanged file owner-only; used when only its permissions need fixing."""
    path = document.path
    if path is None or document.disk is None:
        return
    _check_unchanged(path, document.disk)
    try:
        os.chmod(path, CONFIG_MODE)
    except OSError as error:
        raise ConfigError(
            path,
            Message.of(
                "cannot change permissions: {problem}", problem=error.strerror or str(error)
            ),
        ) from None


def write_file(path: Path, content: bytes, mode: int) -> None:
    """Atomically put ``content`` at ``path`` with ``mode`` (generated files); OSError if not."""
    temporary = _stage(path, content, mode, None, copy_attributes_of=None)
    try:
        os.replace(temporary, path)
    except BaseException:
        _remove_all([temporary])
        raise
    _fsync_folder(path.parent)


# -- checks ------------------------------------------------------------------------------


def _check_unchanged(path: Path, read: Fingerprint) -> None:
    """Refuse unless the file at ``path`` is the file that was read: same bytes, same inode."""
    try:
        current, info = read_regular_file_with_stat(path, MAX_CONFIG_BYTES + 1)
    except ConfigError as error:
        if error.reason == "no such file":
            raise FileChangedError(
                path, Message.of("was deleted since it was read; nothing written")
            ) from None
        raise
    if current != read.content or not _same_file(info, read):
        raise FileChangedError(path, _CHANGED)


def _same_file(info: os.stat_result, read: Fingerprint) -> bool:
    if not read.inode:
        return True  # a fingerprint made without identity (tests, documents built in memory)
    return (info.st_dev, info.st_ino) == (read.device, read.inode)


def check_new_path(path: Path, *, allow_unsafe_path: bool = False) -> None:
    """Refuse to create a config where another user could redirect it.

    Root creating ``config.toml`` through a link planted by another user would
    write the token file wherever the link points; a folder any user can write
    to lets them plant one between our check and our write.
    """
    if path.is_symlink() and not path.exists():
        raise ConfigError(
            path,
            Message.of(
                (
                    "is a symbolic link to a missing file ({readlink}); refusing to create "
                    "a config through it — remove the link first"
                ),
                readlink=os.readlink(path),
            ),
        )
    folder = _existing_folder(path)
    try:
        folder_mode = folder.stat().st_mode
    except OSError as error:
        raise ConfigError(path, _describe_write_error(error)) from None
    if folder_mode & stat.S_IWOTH and not allow_unsafe_path:
        raise ConfigError(
            path,
            Message.of(
                (
                    "its folder {folder} can be written by any user, who could put a link "
                    "there; choose another folder (or pass --allow-unsafe-path); nothing "
                    "written"
                ),
                folder=folder,
            ),
        )


def _existing_folder(path: Path) -> Path:
    folder = path.parent if str(path.parent) else Path(".")
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _create(path: Path, content: bytes, *, allow_unsafe_path: bool) -> None:
    """A new config: never through a symlink, never where others could plant one unless allowed."""
    check_new_path(path, allow_unsafe_path=allow_unsafe_path)
    if os.path.lexists(path):
        raise FileChangedError(
            path, Message.of("was created by something else meanwhile; nothing written")
        )
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(path, _describe_write_error(error)) from None
    temporary: Path | None = None
    try:
        temporary = _stage(path, content, CONFIG_MODE, None, copy_attributes_of=None)
        _install_new(temporary, path)
        temporary = None
        _fsync_folder(folder)
    except FileExistsError:
        raise FileChangedError(
            path, Message.of("was created by something else meanwhile; nothing written")
        ) from None
    except OSError as error:
        raise ConfigError(path, _describe_write_error(error)) from None
    finally:
        if temporary is not None:
            _remove_all([temporary])


# -- the steps -----------------------------------------------------------------------


def temporary_name(path: Path) -> Path:
    """Our temporary files: hidden, named after the file, this process and a random part."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")


def _stage(
    path: Path,
    content: bytes,
    mode: int,
    owner: Fingerprint | None,
    *,
    copy_attributes_of: Path | None,
) -> Path:
    """Write ``content`` to a new temporary file beside ``path``; returns its name."""
    temporary = temporary_name(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(temporary, flags | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        os.fchmod(descriptor, mode)
        if owner is not None and hasattr(os, "fchown"):
            with contextlib.suppress(PermissionError):
                os.fchown(descriptor, owner.uid, owner.gid)
        if copy_attributes_of is not None:
            _copy_attributes(copy_attributes_of, descriptor)
        view = memoryview(content)
        while view:
            written = os.write(descriptor, view)
            view = view[written:]
        os.fsync(descriptor)
    except BaseException:
        os.close(descriptor)
        _remove_all([temporary])
        raise
    os.close(descriptor)
    return temporary


def _copy_attributes(source: Path, descriptor: int) -> None:
    """Extended attributes and POSIX ACLs of the old file onto the new one.

    An ACL that gives the runner's user read access is the operator's explicit
    choice; dropping it would stop the runner. Setting the ACL after the mode
    also restores the ACL mask the operator set.
    """
    if not hasattr(os, "listxattr"):
        return
    try:
        names = os.listxattr(source)
    except OSError:
        return
    for name in names:
        with contextlib.suppress(OSError):
            os.setxattr(descriptor, name, os.getxattr(source, name))


def backup_name(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return path.with_name(f"{path.name}.{stamp}.bak")


def _write_backup(path: Path, read: Fingerprint) -> Path:
    """The content read, under a timestamped name this run alone creates."""
    first = backup_name(path)
    for counter in range(1000):
        candidate = first if not counter else first.with_name(f"{first.stem}-{counter}.bak")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            descriptor = os.open(candidate, flags | getattr(os, "O_CLOEXEC", 0), 0o600)
        except FileExistsError:
            continue
        try:
            os.fchmod(descriptor, CONFIG_MODE)
            if hasattr(os, "fchown"):
                with contextlib.suppress(PermissionError):
                    os.fchown(descriptor, read.uid, read.gid)
            view = memoryview(read.content)
            while view:
                written = os.write(descriptor, view)
                view = view[written:]
            os.fsync(descriptor)
        except BaseException:
            os.close(descriptor)
            _remove_all([candidate])
            raise
        os.close(descriptor)
        return candidate
    raise OSError(errno.EEXIST, "too many backups this second")


def _swap_in(temporary: Path, target: Path, read: Fingerprint, content: bytes) -> None:
    """Put ``temporary`` at ``target`` only if ``target`` is still the file read."""
    staged = os.stat(temporary)
    if not _renameat2(temporary, target, _RENAME_EXCHANGE):
        _check_unchanged(target, read)  # no exchange here: check as late as we can
        os.replace(temporary, target)
        return
    _checkpoint("exchanged")
    # ``temporary`` now names what was at ``target`` a moment ago.
    try:
        swapped_out, info = read_regular_file_with_stat(temporary, MAX_CONFIG_BYTES + 1)
        unchanged = swapped_out == read.content and _same_file(info, read)
    except ConfigError:
        unchanged = False
    if not unchanged:
        _renameat2(temporary, target, _RENAME_EXCHANGE)
        back = os.lstat(temporary)
        if (back.st_dev, back.st_ino) != (staged.st_dev, staged.st_ino):
            # A file renamed over ours in between came back out: it is the
            # newest of all, so it goes back in.
            _renameat2(temporary, target, _RENAME_EXCHANGE)
        raise FileChangedError(target, _CHANGED)
    os.unlink(temporary)
    _checkpoint("replaced")
    if not _holds(target, content, staged):
        # Another program replaced the file in the instant after ours went in:
        # its version is newer and stays.
        raise FileChangedError(
            target,
            Message.of(
                "was rewritten by another program while we wrote it; its version was "
                "kept and ours was not written — run again to start from the new "
                "content"
            ),
        )


def _holds(path: Path, content: bytes, staged: os.stat_result) -> bool:
    """Whether ``path`` is still the file we put there, with what we wrote."""
    try:
        now, info = read_regular_file_with_stat(path, MAX_CONFIG_BYTES + 1)
    except ConfigError:
        return False
    return now == content and (info.st_dev, info.st_ino) == (staged.st_dev, staged.st_ino)


def _install_new(temporary: Path, path: Path) -> None:
    """Rename into place only if nothing is there (not even a dangling link)."""
    if _renameat2(temporary, path, _RENAME_NOREPLACE):
        return
    os.link(temporary, path)  # fails on any existing name, link or not, and never follows one
    os.unlink(temporary)


@functools.cache
def _renameat2_call() -> Callable[[bytes, bytes, int], int] | None:
    """The libc ``renameat2`` (or the raw system call), or None where there is neither."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    if hasattr(libc, "renameat2"):
        function = libc.renameat2
        return lambda old, new, flags: int(
            function(_AT_FDCWD, old, _AT_FDCWD, new, ctypes.c_uint(flags))
        )
    number = _SYSCALL_RENAMEAT2.get(os.uname().machine)
    if number is None or not hasattr(libc, "syscall"):
        return None
    syscall = libc.syscall
    return lambda old, new, flags: int(
        syscall(number, _AT_FDCWD, old, _AT_FDCWD, new, ctypes.c_uint(flags))
    )


def _renameat2(source: Path, target: Path, flags: int) -> bool:
    """``renameat2`` with ``flags``; False where the system cannot, OSError on a real failure."""
    call = _renameat2_call()
    if call is None:
        return False
    if call(os.fsencode(source), os.fsencode(target), flags) == 0:
        return True
    number = ctypes.get_errno()
    if number in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False  # this kernel or file system has no such rename
    raise OSError(number, os.strerror(number), str(target))


# -- cleaning up -------------------------------------------------------------------------


def _cleanup_stale_temporaries(path: Path) -> None:
    """Remove temporary files a killed run of ours left beside ``path`` (they hold tokens)."""
    folder = path.parent if str(path.parent) else Path(".")
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        now = time.time()
        for entry in entries:
            match = _TEMP_NAME.match(entry.name)
            if match is None or match["name"] != path.name:
                continue
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
                    continue
                if _alive(int(match["pid"])) and now - info.st_mtime < STALE_AFTER_SECONDS:
                    continue
                os.unlink(entry.path)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _remove_all(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(folder if str(folder) else ".", os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _describe_write_error(error: OSError) -> Message:
    if error.errno == errno.ENOSPC:
        return Message.of("no space left on the device; nothing written")
    if error.errno in (errno.EACCES, errno.EPERM):
        return Message.of("permission denied writing to its folder; nothing written")
    if error.errno == errno.EROFS:
        return Message.of("the file system is read-only; nothing written")
    if error.errno == errno.ENOENT:
        return Message.of("its folder does not exist; nothing written")
    return Message.of(
        "cannot write ({problem}); nothing written", problem=error.strerror or str(error)
    )


def is_owner_only(mode: int) -> bool:
    return not stat.S_IMODE(mode) & 0o077
