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

from functools import cache

_MAX_PATTERN = 512
"""Longer patterns are not read (bounded work on hostile files)."""
_MAX_ALTERNATIVES = 64
"""At most this many spellings of one ``{a,b}`` pattern are tried."""

# Tokens: ("lit", char), ("any",) for *, ("one",) for ?, ("class", chars, negated),
# ("deep",) for a leading or inner "**/", ("tail",) for a trailing "/**", ("all",) for "**".
Token = tuple[object, ...]


def _alternatives(pattern: str) -> list[str] | None:
    """The pattern with each ``{a,b}`` expanded, or ``None`` when there are too many."""
    depth = 0
    start = -1
    for index, char in enumerate(pattern):
        if char == "\\":
            continue
        if char == "{":
            if depth == 0:
                start = index
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                inner = pattern[start + 1 : index]
                parts, level, last = [], 0, 0
                for position, piece in enumerate(inner):
                    if piece == "{":
                        level += 1
                    elif piece == "}":
                        level -= 1
                    elif piece == "," and level == 0:
                        parts.append(inner[last:position])
                        last = position + 1
                parts.append(inner[last:])
                found: list[str] = []
                for part in parts:
                    rest = _alternatives(pattern[:start] + part + pattern[index + 1 :])
                    if rest is None or len(found) + len(rest) > _MAX_ALTERNATIVES:
                        return None
                    found += rest
                return found
    return [pattern]


def _class(pattern: str, start: int) -> tuple[Token, int] | None:
    """A ``[...]`` class starting at ``start``, and the index after it."""
    end = pattern.find("]", start + 2)
    if end < 0:
        return None
    body = pattern[start + 1 : end]
    negated = body[:1] in ("!", "^")
    if negated:
        body = body[1:]
    chars: set[str] = set()
    index = 0
    while index < len(body):
        if index + 2 < len(body) and body[index + 1] == "-":
            low, high = ord(body[index]), ord(body[index + 2])
            chars.update(chr(code) for code in range(low, min(high, low + 256) + 1))
            index += 3
        else:
            chars.add(body[index])
            index += 1
    return ("class", frozenset(chars), negated), end + 1


def _tokens(pattern: str) -> tuple[Token, ...] | None:
    tokens: list[Token] = []
    index = 0
    length = len(pattern)
    while index < length:
        char = pattern[index]
        if char == "\\" and index + 1 < length:
            tokens.append(("lit", pattern[index + 1]))
            index += 2
            continue
        if pattern.startswith("**", index):
            before = index == 0 or pattern[index - 1] == "/"
            after = index + 2 == length or pattern[index + 2] == "/"
            if before and after:
                if index + 2 == length:
                    if tokens and tokens[-1] == ("lit", "/"):
                        tokens[-1] = ("tail",)  # "a/**" matches "a" and "a/b/c"
                    else:
                        tokens.append(("all",))
                    index += 2
                else:
                    tokens.append(("deep",))  # "**/" matches "" or "x/" or "x/y/"
                    index += 3
                continue
            tokens.append(("any",))
            index += 2
            continue
        if char == "*":
            if not tokens or tokens[-1] != ("any",):
                tokens.append(("any",))
        elif char == "?":
            tokens.append(("one",))
        elif char == "[":
            found = _class(pattern, index)
            if found is None:
                return None  # doublestar reports ErrBadPattern: the entry matches nothing
            tokens.append(found[0])
            index = found[1]
            continue
        else:
            tokens.append(("lit", char))
        index += 1
    return tuple(tokens)


def _match_tokens(tokens: tuple[Token, ...], name: str) -> bool:
    """Whether ``tokens`` match all of ``name``: memoised, so O(tokens x name x name)."""
    size = len(name)

    @cache
    def at(token: int, position: int) -> bool:
        if token == len(tokens):
            return position == size
        kind = tokens[token][0]
        if kind == "all":
            return True
        if kind == "tail":
            return position == size or name[position] == "/"
        if kind == "deep":
            if at(token + 1, position):
                return True
            return any(name[end] == "/" and at(token + 1, end + 1) for end in range(position, size))
        if kind == "any":
            if at(token + 1, position):
                return True
            return position < size and name[position] != "/" and at(token, position + 1)
        if position >= size:
            return False
        char = name[position]
        if kind == "lit":
            return char == tokens[token][1] and at(token + 1, position + 1)
        if char == "/":
            return False
        if kind == "class":
            _kind, chars, negated = tokens[token]
            inside = char in chars  # type: ignore[operator]
            return inside != negated and at(token + 1, position + 1)
        return at(token + 1, position + 1)  # "one"

    return at(0, 0)


@cache
def _compiled(pattern: str) -> tuple[tuple[Token, ...], ...]:
    if len(pattern) > _MAX_PATTERN:
        return ()
    spellings = _alternatives(pattern) or []
    compiled = [_tokens(spelling) for spelling in spellings]
    return tuple(tokens for tokens in compiled if tokens is not None)


def matches(pattern: str, name: str) -> bool:
    """True when the runner's ``doublestar.Match(pattern, name)`` would be true."""
    return any(_match_tokens(tokens, name) for tokens in _compiled(pattern))


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
