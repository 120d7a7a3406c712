"""Which sudo rules apply to one user: enough of the sudoers grammar to answer that.

We follow ``@include``/``@includedir`` (and their ``#`` spellings) into the
inspected root, expand ``User_Alias`` names, and match users, ``%groups``,
``#uid`` and ``ALL``. Anything we do not understand is skipped rather than
counted, so a finding always points at a line that really grants something.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from wizard.host.accounts import Accounts, User
from wizard.host.fs import HostFiles, Unreadable, join

SUDOERS = "/etc/sudoers"
MAX_INCLUDE_DEPTH = 4
MAX_FILES = 64
_ALIAS = re.compile(r"^User_Alias\s+(?P<body>.+)$")
_INCLUDE = re.compile(r"^[@#](?P<kind>include|includedir)\s+(?P<path>\S+)\s*$")
_DEFAULTS = re.compile(r"^(Defaults|Host_Alias|Runas_Alias|Cmnd_Alias|Cmd_Alias)\b")


@dataclass(frozen=True)
class SudoGrant:
    """One sudoers line that lets the user run something as another user."""

    path: str
    line: int
    nopasswd: bool
    any_command: bool


@dataclass(frozen=True)
class _Line:
    path: str
    number: int
    text: str


def _logical_lines(path: str, text: str) -> Iterator[_Line]:
    """Lines with ``\\`` continuations joined and comments removed (not includes)."""
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        line = raw.rstrip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if not line:
            continue
        if not _INCLUDE.match(line) and line.startswith("#") and not re.match(r"#\d", line):
            continue
        yield _Line(path, start, re.sub(r"\s#(?!\d).*$", "", line))


def _read_all(files: HostFiles, problems: list[str]) -> list[_Line]:
    """Every logical line of sudoers and what it includes, in the order sudo reads them."""
    lines: list[_Line] = []
    seen: set[str] = set()

    def read(path: str, depth: int) -> None:
        if path in seen or depth > MAX_INCLUDE_DEPTH or len(seen) >= MAX_FILES:
            return
        seen.add(path)
        try:
            text = files.read_text(path)
        except Unreadable as error:
            if path == SUDOERS:
                raise
            problems.append(str(error))
            return
        for line in _logical_lines(path, text):
            include = _INCLUDE.match(line.text)
            if not include:
                lines.append(line)
                continue
            target = include["path"]
            if not target.startswith("/"):
                target = join(path.rsplit("/", 1)[0], target)
            if include["kind"] == "include":
                read(target, depth + 1)
                continue
            try:
                names = files.list_dir(target)
            except Unreadable as error:
                if files.exists(target):
                    problems.append(str(error))
                continue
            for name in names:
                # sudo skips names with a dot or ending in "~" (editor and package leftovers)
                if "." in name or name.endswith("~"):
                    continue
                read(join(target, name), depth + 1)

    read(SUDOERS, 0)
    return lines


def _matches(item: str, user: User, groups: list[str], aliases: dict[str, set[str]]) -> bool:
    if item in ("ALL", user.name, f"#{user.uid}"):
        return True
    if item.startswith("%:"):
        return False
    if item.startswith("%#"):
        return item[2:].isdigit() and int(item[2:]) == user.gid
    if item.startswith("%"):
        return item[1:] in groups
    if item in aliases:
        return any(_matches(member, user, groups, {}) for member in aliases[item])
    return False


def _user_listed(users: str, user: User, groups: list[str], aliases: dict[str, set[str]]) -> bool:
    listed = False
    for raw in users.split(","):
        item = raw.strip()
        negated = item.startswith("!")
        if _matches(item.lstrip("!").strip(), user, groups, aliases):
            if negated:
                return False
            listed = True
    return listed


def sudo_grants(
    files: HostFiles, accounts: Accounts, user: User
) -> tuple[list[SudoGrant], list[str]]:
    """The lines granting ``user`` sudo rights, and includes we could not read.

    Raises :class:`Unreadable` when ``/etc/sudoers`` itself cannot be read.
    """
    problems: list[str] = []
    lines = _read_all(files, problems)
    groups = accounts.groups_of(user)
    aliases: dict[str, set[str]] = {}
    for line in lines:
        alias = _ALIAS.match(line.text)
        if alias:
            for definition in alias["body"].split(":"):
                name, _, members = definition.partition("=")
                aliases[name.strip()] = {m.strip() for m in members.split(",") if m.strip()}
    grants: list[SudoGrant] = []
    for line in lines:
        if _ALIAS.match(line.text) or _DEFAULTS.match(line.text):
            continue
        left, equals, rest = line.text.partition("=")
        words = re.sub(r"\s*,\s*", ",", left.strip()).split()
        if not equals or len(words) != 2 or not _user_listed(words[0], user, groups, aliases):
            continue
        commands = re.sub(r"^\([^)]*\)\s*", "", rest)
        commands = re.sub(r"^(?:[A-Z_]+:\s*)+", "", commands)
        grants.append(
            SudoGrant(
                path=line.path,
                line=line.number,
                nopasswd="NOPASSWD:" in rest,
                any_command=any(c.strip() == "ALL" for c in commands.split(",")),
            )
        )
    return grants, problems
