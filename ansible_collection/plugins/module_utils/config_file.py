# -*- coding: utf-8 -*-
# Copyright: runner-wizard developers
# MIT License (as runner-wizard; see its pyproject.toml)
"""Reading and replacing config.toml on a managed host: standard library only (Python 3.8+).

The write is compare-and-swap: GitLab Runner rewrites config.toml when it rotates a token,
and writing back a file planned from the old content would restore a revoked token. The
bytes are hashed again immediately before the rename; a file that changed since it was
read is left alone and the task fails, saying to run again.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import errno
import hashlib
import os
import stat
import time

MAX_BYTES = 16 * 1024 * 1024
CONFIG_MODE = 0o600

CHANGED_SINCE_READ = (
    "changed on disk since it was read (the runner rewrites it when it rotates a token); "
    "nothing written: run again to start from the new content"
)


class WriteRefused(Exception):
    """A write that must not happen; the message names why, never the content."""


def read_regular(path):
    """The bytes and stat of a regular file, refusing links, devices and oversize files."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    descriptor = os.open(path, flags)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("is not a regular file")
        chunks = []
        total = 0
        while True:
            chunk = os.read(descriptor, 1024 * 1024)
            if not chunk:
                break
            total += len(chunk)
            if total > MAX_BYTES:
                raise ValueError("is larger than 16 MiB")
            chunks.append(chunk)
        return b"".join(chunks), info
    finally:
        os.close(descriptor)


def sha256(content):
    return hashlib.sha256(content).hexdigest()


def _create_exclusive(path, content, uid, gid):
    """A new file of ours, mode 0600, with the config's owner, fsynced."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags | getattr(os, "O_CLOEXEC", 0), CONFIG_MODE)
    try:
        os.fchmod(descriptor, CONFIG_MODE)
        try:
            os.fchown(descriptor, uid, gid)
        except PermissionError:
            pass
        view = memoryview(content)
        while view:
            written = os.write(descriptor, view)
            view = view[written:]
        os.fsync(descriptor)
    except BaseException:
        os.close(descriptor)
        _remove(path)
        raise
    os.close(descriptor)


def _remove(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def _fsync_folder(folder):
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def backup_path(path):
    return "%s.%s.bak" % (path, time.strftime("%Y%m%d-%H%M%S"))


def _write_backup(path, content, uid, gid):
    first = backup_path(path)
    for counter in range(1000):
        candidate = first if not counter else "%s-%d.bak" % (first[: -len(".bak")], counter)
        try:
            _create_exclusive(candidate, content, uid, gid)
        except OSError as error:
            if error.errno == errno.EEXIST:
                continue
            raise
        return candidate
    raise WriteRefused("too many backups this second")


def _check_unchanged(path, expected_sha256):
    try:
        current, info = read_regular(path)
    except (OSError, ValueError):
        raise WriteRefused(CHANGED_SINCE_READ)
    if sha256(current) != expected_sha256:
        raise WriteRefused(CHANGED_SINCE_READ)
    return current, info


def tighten_mode(path, expected_sha256):
    """Mode 0600 on the file read, if it is still that file."""
    _check_unchanged(path, expected_sha256)
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        os.fchmod(descriptor, CONFIG_MODE)
    finally:
        os.close(descriptor)


def replace_file(path, content, expected_sha256, backup):
    """Replace ``path`` with ``content`` if it still holds what was read; the backup's path.

    Steps: stage the new bytes beside the file (mode 0600, same owner), keep a backup of
    the old bytes, hash the file again, rename. Anything that fails removes what this
    call created, so "nothing written" is the whole truth.
    """
    current, info = _check_unchanged(path, expected_sha256)
    folder = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(
        folder,
        ".%s.%d.%s.tmp"
        % (os.path.basename(path), os.getpid(), binascii.hexlify(os.urandom(6)).decode()),
    )
    created = []
    try:
        _create_exclusive(temporary, content, info.st_uid, info.st_gid)
        created.append(temporary)
        backup_file = None
        if backup:
            backup_file = _write_backup(path, current, info.st_uid, info.st_gid)
            created.append(backup_file)
        _check_unchanged(path, expected_sha256)
        os.rename(temporary, path)
        created.remove(temporary)
        _fsync_folder(folder)
    except BaseException:
        for leftover in created:
            _remove(leftover)
        raise
    written, _info = read_regular(path)
    if written != content:
        raise WriteRefused("changed again right after the write; check it by hand")
    return backup_file
