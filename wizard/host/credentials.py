"""Credentials left in the runner user's home: SSH keys, cloud, Git and registry logins.

Only names and kinds are reported, never content: a check that finds a key
says where it is, and reads at most the first bytes of a file to recognise it.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterable

from wizard.base.errors import json_problem
from wizard.base.safe_text import Message
from wizard.host.accounts import User
from wizard.host.fs import HostFiles, Unreadable, join
from wizard.host.result import HostContext

CREDENTIAL_RULES = (
    "host-private-keys",
    "host-cloud-credentials",
    "host-git-credentials",
    "host-docker-auths",
)

CLOUD_FILES = (
    (".aws/credentials", "AWS access keys"),
    (".config/gcloud", "Google Cloud credentials"),
    (".azure", "Azure CLI tokens"),
    (".kube/config", "Kubernetes cluster credentials"),
)
GIT_FILES = (
    (".netrc", "passwords for HTTP and FTP servers"),
    (".git-credentials", "Git passwords or tokens"),
)
KEY_HEADER_BYTES = 128


def _entry_kind(files: HostFiles, path: str) -> str | None:
    """``file``, ``folder``, ``symlink`` or ``None`` when absent."""
    info = files.lstat(path)
    if info is None:
        return None
    if stat.S_ISLNK(info.st_mode):
        return "symlink"
    return "folder" if stat.S_ISDIR(info.st_mode) else "file"


def _looks_like_private_key(files: HostFiles, path: str) -> bool:
    try:
        head = files.read_bytes(path, limit=1 << 16)[:KEY_HEADER_BYTES]
    except Unreadable:
        return False
    return b"PRIVATE KEY" in head


def _private_keys(files: HostFiles, ssh_dir: str, used: set[str]) -> Iterable[str]:
    for name in files.list_dir(ssh_dir):
        path = join(ssh_dir, name)
        if name.endswith(".pub") or path in used or _entry_kind(files, path) != "file":
            continue
        if name.startswith("id_") or _looks_like_private_key(files, path):
            yield path


def check_credentials(context: HostContext, user: User, used_keys: set[str]) -> None:
    """Look through ``user``'s home; ``used_keys`` are identity files the config names."""
    files = context.files
    home = user.home
    try:
        kind = _entry_kind(files, home)
    except Unreadable as error:
        context.skip(CREDENTIAL_RULES, f"{user.name}'s home {error}")
        return
    if kind is None:
        return  # no home folder, so nothing can be stored in it
    if kind != "folder":
        context.skip(CREDENTIAL_RULES, f"{user.name}'s home {home} is a {kind}; not followed")
        return
    _check_keys(context, home, used_keys)
    _check_named_files(context, home, CLOUD_FILES, "host-cloud-credentials")
    _check_named_files(context, home, GIT_FILES, "host-git-credentials")
    _check_docker_auths(context, home)


def _check_keys(context: HostContext, home: str, used_keys: set[str]) -> None:
    ssh_dir = join(home, ".ssh")
    try:
        if _entry_kind(context.files, ssh_dir) is None:
            return
        keys = list(_private_keys(context.files, ssh_dir, used_keys))
    except Unreadable as error:
        context.skip(("host-private-keys",), str(error))
        return
    for key in keys:
        context.find(
            "host-private-keys",
            Message.of("private key {key} is readable by the runner's user and its jobs", key=key),
            key,
        )


def _check_named_files(
    context: HostContext, home: str, names: tuple[tuple[str, str], ...], rule_id: str
) -> None:
    for name, what in names:
        path = join(home, name)
        try:
            kind = _entry_kind(context.files, path)
        except Unreadable as error:
            context.skip((rule_id,), str(error))
            continue
        if kind is not None:
            context.find(
                rule_id,
                Message.of("{path} ({what}) is in the runner user's home", path=path, what=what),
                path,
            )


def _check_docker_auths(context: HostContext, home: str) -> None:
    path = join(home, ".docker", "config.json")
    try:
        if _entry_kind(context.files, path) is None:
            return
        document = json.loads(context.files.read_text(path))
    except Unreadable as error:
        context.skip(("host-docker-auths",), str(error))
        return
    except json.JSONDecodeError as error:
        context.skip(("host-docker-auths",), json_problem(path, error))
        return
    auths = document.get("auths") if isinstance(document, dict) else None
    if not isinstance(auths, dict):
        return
    registries = sorted(
        str(registry)
        for registry, entry in auths.items()
        if isinstance(entry, dict) and (entry.get("auth") or entry.get("identitytoken"))
    )
    if registries:
        context.find(
            "host-docker-auths",
            Message.of(
                "{path} stores a login for {registries} in plain base64",
                path=path,
                registries=", ".join(registries),
            ),
            path,
        )
