"""Copies of ``config.toml`` left beside it: editor, package-manager and tool backups.

Each copy holds the tokens the file held when it was made. Rotation and
unregistering only change the live file, so a copy keeps a token that may still
work, and it often has looser permissions than the file it copies.
"""

from __future__ import annotations

import re
import stat
from pathlib import PurePosixPath

from wizard.base.safe_text import Message
from wizard.host.fs import Unreadable, join
from wizard.host.result import HostContext

BACKUP_RULE = "host-config-backups"
_COPY_SUFFIX = re.compile(r"^[.~_-]")
"""What follows the live name in a copy: config.toml~, .bak, .2024-01-01, -old, _orig."""
_TOKEN_LINE = re.compile(r"""(?im)^\s*token\s*=\s*["']([^"'\s]{8,})["']""")
_READ_LIMIT = 1 << 20


def _copies(names: list[str], live: str) -> list[str]:
    """Names in the folder that copy ``live``: its name plus a suffix, or a swap file."""
    found = []
    for name in names:
        if name == live:
            continue
        suffixed = name.startswith(live) and _COPY_SUFFIX.match(name[len(live) :]) is not None
        swap = name.startswith(f".{live}.") and name.endswith((".swp", ".swo", ".tmp"))
        if suffixed or swap:
            found.append(name)
    return found


def check_config_backups(context: HostContext, config_path: str) -> None:
    """Report each copy of the config in its folder that still holds a runner token."""
    path = PurePosixPath(config_path)
    folder = str(path.parent)
    try:
        names = context.files.list_dir(folder)
    except Unreadable as error:
        context.skip((BACKUP_RULE,), str(error))
        return
    for name in _copies(names, path.name):
        copy = join(folder, name)
        try:
            info = context.files.lstat(copy)
            if info is None or not stat.S_ISREG(info.st_mode):
                continue
            text = context.files.read_bytes(copy, _READ_LIMIT).decode("utf-8", "replace")
        except Unreadable:
            continue
        tokens = len(_TOKEN_LINE.findall(text))
        if not tokens:
            continue
        mode = stat.S_IMODE(info.st_mode)
        others = f"; mode {mode:04o} lets other users read it" if mode & 0o044 else ""
        noun = "token" if tokens == 1 else "tokens"
        context.find(
            BACKUP_RULE,
            Message.of(
                "{copy} is a copy of {name} holding {tokens} runner {noun}{others}: rotating "
                "or unregistering changes only the live file",
                copy=copy,
                name=path.name,
                tokens=tokens,
                noun=noun,
                others=others,
            ),
            copy,
        )
