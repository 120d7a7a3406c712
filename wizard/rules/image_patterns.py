"""Image allowlist patterns read the way the runner matches them.

The runner checks the image name a job writes against each pattern with
``doublestar.Match`` (github.com/bmatcuk/doublestar/v4, called from
``common/allowed_images.go`` and ``executors/docker/docker.go``
``isInAllowedPrivilegedImages``): ``*`` and ``?`` stay within one ``/``-separated
segment, ``**`` as a whole segment spans any number of them, ``[...]`` is a
character class and ``{a,b}`` an alternative. A job chooses the name, so a
pattern admits whatever some spelling of an image matches.
"""

from __future__ import annotations

import re
from functools import cache

_MAX_PATTERN = 512
"""Longer patterns are not translated (bounded work on hostile files)."""


def _class(pattern: str, start: int) -> tuple[str, int] | None:
    """A ``[...]`` class starting at ``start`` as a regex, and the index after it."""
    end = pattern.find("]", start + 2)
    if end < 0:
        return None
    body = pattern[start + 1 : end]
    negate = body[:1] in ("!", "^")
    if negate:
        body = body[1:]
    escaped = "".join("\\" + char if char in "\\^[]" else char for char in body)
    return ("[^/" if negate else "[") + escaped + "]", end + 1


def _translate(pattern: str) -> str:
    out: list[str] = []
    index = 0
    depth = 0
    length = len(pattern)
    while index < length:
        char = pattern[index]
        if char == "\\" and index + 1 < length:
            out.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        if char == "*":
            if pattern.startswith("**", index):
                before = index == 0 or pattern[index - 1] == "/"
                after = index + 2 == length or pattern[index + 2] == "/"
                if before and after:
                    if index + 2 == length:
                        # "a/**" also matches "a"; a lone "**" matches everything.
                        if out and out[-1] == "/":
                            out[-1] = "(?:/.*)?"
                        else:
                            out.append(".*")
                        index += 2
                    else:
                        out.append("(?:.*/)?")
                        index += 3
                    continue
                out.append("[^/]*")
                index += 2
                continue
            out.append("[^/]*")
            index += 1
            continue
        if char == "?":
            out.append("[^/]")
        elif char == "[":
            translated = _class(pattern, index)
            if translated is not None:
                out.append(translated[0])
                index = translated[1]
                continue
            out.append(re.escape(char))
        elif char == "{":
            depth += 1
            out.append("(?:")
        elif char == "}" and depth:
            depth -= 1
            out.append(")")
        elif char == "," and depth:
            out.append("|")
        elif char == "/":
            out.append("/")
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out) + ")" * depth


@cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    if len(pattern) > _MAX_PATTERN:
        return None
    try:
        return re.compile(_translate(pattern), re.DOTALL)
    except re.error:
        return None  # doublestar reports ErrBadPattern: the entry matches nothing


def matches(pattern: str, name: str) -> bool:
    """True when the runner's ``doublestar.Match(pattern, name)`` would be true."""
    compiled = _compiled(pattern)
    return compiled is not None and compiled.fullmatch(name) is not None


_STRANGER = "zz-stranger"
"""A namespace nobody on the operator's side owns: what an attacker would publish under."""


def _spellings(registry: str) -> tuple[str, ...]:
    base = f"{registry}/" if registry else ""
    return (
        f"{base}{_STRANGER}/tool",
        f"{base}{_STRANGER}/tool:1",
        f"{base}{_STRANGER}/sub/tool:1",
    )


ANY_REGISTRY = "registry.stranger.example"
PUBLIC_REGISTRIES = (
    "docker.io",
    "index.docker.io",
    "registry-1.docker.io",
    "ghcr.io",
    "quay.io",
    "gcr.io",
    "public.ecr.aws",
    "registry.gitlab.com",
    "mcr.microsoft.com",
)
"""Registries where anyone can publish an image under a namespace of their own."""


def admits_any_registry(pattern: str) -> bool:
    """True when the pattern admits a stranger's image on a registry of their choosing."""
    names = (*_spellings(ANY_REGISTRY), f"{ANY_REGISTRY}/tool:1")
    return any(matches(pattern.strip(), name) for name in names)


def public_registry_admitted(pattern: str) -> str | None:
    """The public registry whose every namespace the pattern admits, if it names one.

    A name without a registry is Docker Hub's; ``someone/tool`` admitted means all
    of Docker Hub. Official images written bare (``node:20``, matched by ``*``)
    are not a stranger's namespace.
    """
    text = pattern.strip()
    if any(matches(text, name) for name in _spellings("")):
        return "Docker Hub"
    for registry in PUBLIC_REGISTRIES:
        if any(matches(text, name) for name in _spellings(registry)):
            return registry
    return None
