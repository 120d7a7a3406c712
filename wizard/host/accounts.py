"""Users and groups from ``/etc/passwd`` and ``/etc/group``, and which one runs jobs.

Read from files rather than ``pwd``/``grp`` so that a fake root in tests, or
a mounted image, is inspected exactly like a live machine.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from wizard.host.fs import HostFiles, Unreadable

DEFAULT_RUNNER_USER = "gitlab-runner"

SERVICE_UNITS = (
    "/etc/systemd/system/gitlab-runner.service",
    "/lib/systemd/system/gitlab-runner.service",
    "/usr/lib/systemd/system/gitlab-runner.service",
)
"""Where the runner's service unit usually lives; its ``--user`` names the job user."""

NO_LOGIN_SHELLS = frozenset(
    {
        "/usr/sbin/nologin",
        "/sbin/nologin",
        "/bin/nologin",
        "/usr/bin/nologin",
        "/bin/false",
        "/usr/bin/false",
    }
)


@dataclass(frozen=True)
class User:
    name: str
    uid: int
    gid: int
    home: str
    shell: str
    """As written; an empty field means ``/bin/sh`` to ``login``."""

    @property
    def has_login_shell(self) -> bool:
        return self.shell not in NO_LOGIN_SHELLS


@dataclass(frozen=True)
class Group:
    name: str
    gid: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class Accounts:
    users: dict[str, User]
    groups: dict[str, Group]

    def groups_of(self, user: User) -> list[str]:
        """Every group the user is in: the primary one and those listing it, sorted."""
        return sorted(
            group.name
            for group in self.groups.values()
            if group.gid == user.gid or user.name in group.members
        )

    def user_by_uid(self, uid: int) -> User | None:
        return next((user for user in self.users.values() if user.uid == uid), None)


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def parse_passwd(text: str) -> dict[str, User]:
    users: dict[str, User] = {}
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) != 7 or line.startswith(("#", "+", "-")):
            continue
        uid, gid = _int(fields[2]), _int(fields[3])
        if uid is None or gid is None or fields[0] in users:
            continue
        users[fields[0]] = User(fields[0], uid, gid, fields[5], fields[6].strip())
    return users


def parse_group(text: str) -> dict[str, Group]:
    groups: dict[str, Group] = {}
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) != 4 or line.startswith(("#", "+", "-")):
            continue
        gid = _int(fields[2])
        if gid is None or fields[0] in groups:
            continue
        members = tuple(m.strip() for m in fields[3].split(",") if m.strip())
        groups[fields[0]] = Group(fields[0], gid, members)
    return groups


def load_accounts(files: HostFiles) -> Accounts:
    """Users and groups of the inspected machine; raises :class:`Unreadable`."""
    return Accounts(
        users=parse_passwd(files.read_text("/etc/passwd")),
        groups=parse_group(files.read_text("/etc/group")),
    )


_EXEC_START = re.compile(r"^\s*ExecStart\s*=\s*(?P<command>.*)$", re.MULTILINE)
_SERVICE_USER = re.compile(r"^\s*User\s*=\s*(?P<user>\S+)\s*$", re.MULTILINE)


def user_from_unit(text: str) -> str | None:
    """The job user a service unit gives the runner: ``run --user NAME``, else ``User=``."""
    for match in _EXEC_START.finditer(text):
        try:
            words = shlex.split(match["command"])
        except ValueError:
            words = match["command"].split()
        for index, word in enumerate(words):
            if word in ("--user", "-u") and index + 1 < len(words):
                return words[index + 1]
            if word.startswith("--user="):
                return word.split("=", 1)[1]
    service_user = _SERVICE_USER.search(text)
    return service_user["user"] if service_user else None


@dataclass(frozen=True)
class RunnerUser:
    user: User
    source: str
    """How we found it: the unit file that names it, or ``/etc/passwd`` for the default."""


def find_runner_user(files: HostFiles, accounts: Accounts) -> RunnerUser | None:
    """The user jobs run as: from the service unit when it says, else ``gitlab-runner``."""
    for unit in SERVICE_UNITS:
        try:
            name = user_from_unit(files.read_text(unit))
        except Unreadable:
            continue
        if name and name in accounts.users:
            return RunnerUser(accounts.users[name], unit)
    if DEFAULT_RUNNER_USER in accounts.users:
        return RunnerUser(accounts.users[DEFAULT_RUNNER_USER], "/etc/passwd")
    return None
