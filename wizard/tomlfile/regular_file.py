"""The one reader of input files: regular files only, never more than a cap.

Every file the tool reads on the operator's behalf (config, answers, presets,
token files) comes through here, so a FIFO, a device such as ``/dev/zero``, a
socket or a directory given as a path is refused with one line instead of
hanging or eating memory. The file is opened without blocking (opening a FIFO
would otherwise wait for a writer), checked on the open descriptor (no race
between the check and the read), and read in chunks that stop one byte past the
cap: a file that grows while it is read is still refused.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from wizard.base.errors import ConfigError
from wizard.base.safe_text import Message

_CHUNK = 1 << 16
_SMALL_CHUNK = 1 << 12
"""What is asked for once the file has given what its status said (it may have grown)."""


def _kind(mode: int) -> Message:
    if stat.S_ISDIR(mode):
        return Message.of("is a directory, not a file")
    if stat.S_ISFIFO(mode):
        return Message.of("is a FIFO (named pipe), not a regular file; only regular files are read")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return Message.of("is a device, not a regular file; only regular files are read")
    if stat.S_ISSOCK(mode):
        return Message.of("is a socket, not a regular file; only regular files are read")
    return Message.of("is not a regular file; only regular files are read")


def _describe(error: OSError) -> Message:
    if error.errno == errno.ENOENT:
        return Message.of("no such file")
    if error.errno in (errno.EACCES, errno.EPERM):
        return Message.of("permission denied (try as the runner's user or root)")
    if error.errno == errno.EISDIR:
        return Message.of("is a directory, not a file")
    if error.errno == errno.ENXIO:
        return _kind(stat.S_IFSOCK)
    if error.errno == errno.ELOOP:
        return Message.of("too many levels of symbolic links")
    return Message.of("cannot read: {problem}", problem=error.strerror or str(error))


def read_regular_file_with_stat(
    path: Path | str, cap: int, *, what: str = "file"
) -> tuple[bytes, os.stat_result]:
    """The bytes of ``path`` and the status of the very file read; ConfigError otherwise.

    ``what`` names the kind of file in the too-large message ("config.toml",
    "token file"); the status lets a writer later check it replaces this file.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        raise ConfigError(path, _describe(error)) from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(path, _kind(info.st_mode))
        if info.st_size > cap:
            raise ConfigError(
                path,
                Message.of(
                    "is {st_size} bytes; a {what} is far smaller", st_size=info.st_size, what=what
                ),
            )
        chunks: list[bytes] = []
        total = 0
        while True:
            # Ask for what the status says is left (and one byte more, to see the end):
            # a 64 KiB request for a 600-byte file cost more than reading it.
            left = info.st_size + 1 - total if total <= info.st_size else _SMALL_CHUNK
            chunk = os.read(descriptor, min(_CHUNK, cap + 1 - total, max(left, 1)))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > cap:
                raise ConfigError(
                    path,
                    Message.of("is over {cap} bytes; a {what} is far smaller", cap=cap, what=what),
                )
        return b"".join(chunks), info
    except OSError as error:
        raise ConfigError(path, _describe(error)) from None
    finally:
        os.close(descriptor)


def read_regular_file(path: Path | str, cap: int, *, what: str = "file") -> bytes:
    """The bytes of the regular file ``path``, at most ``cap`` of them; ConfigError otherwise."""
    return read_regular_file_with_stat(path, cap, what=what)[0]
