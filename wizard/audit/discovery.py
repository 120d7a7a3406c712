"""Which files an audit reads: the paths named, and runner configs found in folders.

A file named on the command line is always audited (a missing one is reported,
never skipped). A folder is walked: its runner configs and values files are
recognised by their content, not their names, because teams call them
``config.toml``, ``prod.toml``, ``values-ci.yaml`` or anything else. Hidden
folders (``.git``) and symbolic links are not followed, so a walk stays inside
the tree it was given and ends.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path, PurePosixPath

from wizard.base.safe_text import Message

SNIFF_BYTES = 256 * 1024
"""How much of a file the content check reads: a runner config shows itself early."""

CANDIDATE_SUFFIXES = (".toml", ".yaml", ".yml", ".gotmpl", ".tpl")
"""Names worth opening at all; anything else in a repository (code, images) is passed by."""

_TOML_CONFIG = re.compile(
    rb"(?mi)^[ \t]*(\[\[[ \t]*runners[ \t]*\]\]|\[session_server\]|"
    rb"(concurrent|check_interval|listen_address|shutdown_timeout)[ \t]*=)"
)
"""A ``[[runners]]`` entry or a global setting only the runner's config has."""

_YAML_RUNNER = re.compile(
    rb"(?m)(\[\[[ \t]*runners[ \t]*\]\]|^[ \t]*[\"']?config(\.template)?\.toml[\"']?[ \t]*:|"
    rb"^kind:[ \t]*Runner[ \t]*$)"
)
"""An embedded config, a ConfigMap key holding one, or an Operator ``Runner``."""

_CHART_KEY = re.compile(
    rb"(?m)^[ \t]*(gitlabUrl|runnerToken|runnerRegistrationToken|unregisterRunners|"
    rb"checkInterval|runners)[ \t]*:"
)
"""Keys of the runner chart's values; two different ones make a values file."""


EMPTY_FOLDER = Message.of(
    "is a directory with no runner config or values file in it (searched by content)"
)
"""Said of a folder that yields nothing: a mistyped path must not make an audit pass."""


def discover(
    paths: Sequence[str], include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> list[str]:
    """The files to audit (see :func:`discover_all`), without the empty folders."""
    return discover_all(paths, include, exclude)[0]


def discover_all(
    paths: Sequence[str], include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> tuple[list[str], list[str]]:
    """The files to audit, in a stable order, and the folders named that held none.

    Each path named is audited as it is, or, for a folder, what it holds.
    ``include`` and ``exclude`` are globs (``*`` within a name, ``**`` across
    folders) matched against a found file's path inside the folder named, and
    against its name alone for a pattern without ``/``. With ``include``, a
    found file must match one of them; ``exclude`` drops it. Files named
    directly are never filtered: naming one is a request to audit it.
    """
    found: list[str] = []
    empty: list[str] = []
    seen: set[str] = set()
    for name in paths:
        if os.path.isdir(name) and not os.path.islink(name):
            candidates = list(_walk(name, include, exclude))
            if not candidates:
                empty.append(name)
        else:
            candidates = [name]
        for candidate in candidates:
            if candidate not in seen:
                seen.add(candidate)
                found.append(candidate)
    return found, empty


def _walk(root: str, include: Sequence[str], exclude: Sequence[str]) -> Iterator[str]:
    """Each folder's own files in name order, then its folders, depth first (the order
    ``os.walk`` gives); one directory listing per folder tells files, folders and links
    apart without asking the file system again for each name."""
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError:
            continue  # unreadable or gone: as os.walk passes it by
        subfolders = []
        for entry in entries:
            try:
                if entry.is_symlink():
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if not entry.name.startswith("."):
                        subfolders.append(entry.path)
                    continue
            except OSError:
                continue
            if not entry.name.casefold().endswith(CANDIDATE_SUFFIXES):
                continue
            if include or exclude:
                relative = PurePosixPath(Path(os.path.relpath(entry.path, root)).as_posix())
                if include and not any(matches(relative, pattern) for pattern in include):
                    continue
                if any(matches(relative, pattern) for pattern in exclude):
                    continue
            if is_runner_file(entry.path):
                yield entry.path
        pending.extend(reversed(subfolders))


def matches(relative: PurePosixPath, pattern: str) -> bool:
    """Whether a path inside the walked folder matches a glob, as ``--include`` reads it."""
    if "/" not in pattern.rstrip("/"):
        return _glob(pattern).fullmatch(relative.name) is not None
    return _glob(pattern.lstrip("/")).fullmatch(relative.as_posix()) is not None


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    """A glob as a regular expression: ``**/`` any folders (none too), ``*`` and ``?``
    within one name, ``[...]`` a character class; everything else literal."""
    # "**/**/" means what "**/" means, and each one more would multiply the matching work.
    pattern = re.sub(r"(\*\*/)+", "**/", re.sub(r"\*{3,}", "**", pattern))
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in pattern[index + 1 :]:
            end = pattern.index("]", index + 1)
            body = pattern[index + 1 : end].replace("\\", "\\\\")
            if body.startswith("!"):
                body = "^" + body[1:]
            try:
                re.compile(f"[{body}]")
            except re.error:  # "[]", "[z-a]": no class, so the bracket is itself
                out.append(re.escape(char))
            else:
                out.append(f"[{body}]")
                index = end + 1
                continue
        else:
            out.append(re.escape(char))
        index += 1
    return re.compile("".join(out), re.DOTALL)


def is_runner_file(path: str) -> bool:
    """Whether the start of the file looks like a runner config or a values file carrying one.

    Only a cheap look: the audit then parses the file and reports it if it is
    not what it seemed. Unreadable files count as candidates, so the audit
    names them instead of passing them by in silence.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return True
    try:
        # A FIFO or device named like a config would block or never end: not a config.
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            return False
        # No bigger a request than the file: a 256 KiB buffer for a small file is most
        # of the cost of looking at it.
        head = os.read(descriptor, min(SNIFF_BYTES, max(info.st_size, 4096)))
    except OSError:
        return True
    finally:
        os.close(descriptor)
    return looks_like_runner_config(head, is_yaml=not path.casefold().endswith(".toml"))


def looks_like_runner_config(head: bytes, *, is_yaml: bool) -> bool:
    if not is_yaml:
        return _TOML_CONFIG.search(head) is not None
    if _YAML_RUNNER.search(head) is not None:
        return True
    keys = {match.group(1) for match in _CHART_KEY.finditer(head)}
    return len(keys) >= 2
