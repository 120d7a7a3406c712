"""Checks of ``config.toml`` on disk: its mode and owner, symlinks, and the folders above it.

The runner never checks the file's permissions itself, and it holds the token
that lets anyone impersonate the runner, so we look at everything that decides
who can read or replace it.
"""

from __future__ import annotations

import os
import stat
from pathlib import PurePosixPath

from wizard.base.safe_text import Message
from wizard.host.accounts import Accounts, User
from wizard.host.fs import Unreadable
from wizard.host.result import HostContext

FILE_RULES = ("host-config-permissions", "host-config-symlink", "host-config-dir-writable")


def _owner_name(uid: int, accounts: Accounts | None) -> str:
    user = accounts.user_by_uid(uid) if accounts else None
    return user.name if user else f"uid {uid}"


def _trusted_owner(uid: int, runner_user: User | None) -> bool:
    return uid == 0 or (runner_user is not None and uid == runner_user.uid)


def _describe_access(mode: int) -> str:
    who = []
    if mode & 0o070:
        who.append("its group")
    if mode & 0o007:
        who.append("every user")
    verbs = []
    if mode & 0o044:
        verbs.append("read")
    if mode & 0o022:
        verbs.append("changed")
    return f"can be {' and '.join(verbs) or 'opened'} by {' and '.join(who)}"


def _host_path_of(context: HostContext, real: str) -> str:
    relative = os.path.relpath(real, context.files.root)
    return "/" if relative == "." else str(PurePosixPath("/") / relative)


def _symlink_target(context: HostContext, host_path: str) -> str | None:
    """Where a config symlink points, as a host path, or ``None`` if it leaves the root."""
    local = context.files.locate(host_path)
    target = os.readlink(local)
    if target.startswith("/"):
        return str(PurePosixPath(target))
    joined = os.path.normpath(os.path.join(os.path.dirname(local), target))
    root = str(context.files.root)
    if joined != root and not joined.startswith(root.rstrip("/") + "/"):
        return None
    return _host_path_of(context, joined)


def check_config_file(
    context: HostContext,
    config_path: str,
    runner_user: User | None,
    accounts: Accounts | None,
) -> None:
    """Mode, owner and symlinks of ``config_path`` and the folders above it."""
    if not context.env.is_posix:
        context.skip(FILE_RULES, f"file modes are not POSIX on {context.env.system}")
        return
    try:
        info = context.files.lstat(config_path)
    except Unreadable as error:
        context.skip(FILE_RULES, str(error))
        return
    if info is None:
        context.skip(FILE_RULES, f"no file at {config_path}")
        return
    file_path = config_path
    if stat.S_ISLNK(info.st_mode):
        target = _symlink_target(context, config_path)
        if target is None:
            context.find(
                "host-config-symlink",
                Message.of(
                    "{config_path} is a symlink to a file outside the inspected root",
                    config_path=config_path,
                ),
                config_path,
            )
            context.skip(
                ("host-config-permissions", "host-config-dir-writable"),
                f"{config_path} points outside the inspected root; not followed",
            )
            return
        context.find(
            "host-config-symlink",
            Message.of(
                "{config_path} is a symlink to {target}", config_path=config_path, target=target
            ),
            config_path,
        )
        try:
            target_info = context.files.lstat(target)
        except Unreadable as error:
            context.skip(("host-config-permissions", "host-config-dir-writable"), str(error))
            return
        if target_info is None or not stat.S_ISREG(target_info.st_mode):
            what = "does not exist" if target_info is None else "is not a regular file"
            context.skip(
                ("host-config-permissions", "host-config-dir-writable"),
                f"{config_path} points to {target}, which {what}; not followed",
            )
            return
        file_path, info = target, target_info
    elif not stat.S_ISREG(info.st_mode):
        context.skip(FILE_RULES, f"{config_path} is not a regular file")
        return
    _check_mode_and_owner(context, file_path, info, runner_user, accounts)
    _check_folders(context, file_path, runner_user, accounts)


def _check_mode_and_owner(
    context: HostContext,
    path: str,
    info: os.stat_result,
    runner_user: User | None,
    accounts: Accounts | None,
) -> None:
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        context.find(
            "host-config-permissions",
            Message.of(
                "{path} has mode {mode:04o}: it {describe_access}; use 0600",
                path=path,
                mode=mode,
                describe_access=_describe_access(mode),
            ),
            path,
        )
    if not _trusted_owner(info.st_uid, runner_user):
        context.find(
            "host-config-permissions",
            Message.of(
                "{path} is owned by {owner_name}, neither root nor "
                "the runner's user: that user can rewrite it",
                path=path,
                owner_name=_owner_name(info.st_uid, accounts),
            ),
            path,
        )


def _check_folders(
    context: HostContext, file_path: str, runner_user: User | None, accounts: Accounts | None
) -> None:
    """Every folder from the file's own up to the root: symlinked, writable or foreign-owned."""
    for folder in (PurePosixPath("/") / file_path).parents:
        try:
            entry = context.files.lstat(str(folder))
        except Unreadable:
            break
        if entry is not None and stat.S_ISLNK(entry.st_mode):
            context.find(
                "host-config-symlink",
                Message.of("{folder}, a folder above the config, is a symlink", folder=str(folder)),
                str(folder),
            )
    # The folders that really hold the file (symlinks resolved, still inside the root).
    real = _host_path_of(context, os.path.realpath(context.files.locate(file_path)))
    for folder in PurePosixPath(real).parents:
        host = str(folder)
        try:
            entry = context.files.lstat(host)
        except Unreadable as error:
            context.skip(("host-config-dir-writable",), str(error))
            return
        if entry is None:
            return
        mode = stat.S_IMODE(entry.st_mode)
        if mode & 0o022 and not mode & stat.S_ISVTX:
            context.find(
                "host-config-dir-writable",
                Message.of(
                    "{host} has mode {mode:04o}: it {describe_access}, so the "
                    "config in it can be replaced",
                    host=host,
                    mode=mode,
                    describe_access=_describe_access(mode & 0o022),
                ),
                host,
            )
        if not _trusted_owner(entry.st_uid, runner_user):
            context.find(
                "host-config-dir-writable",
                Message.of(
                    "{host} is owned by {owner_name}, who can replace the config in it",
                    host=host,
                    owner_name=_owner_name(entry.st_uid, accounts),
                ),
                host,
            )
