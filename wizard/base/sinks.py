"""The one check every generated file shares: a value may not leave its slot.

Each format we generate has its own renderer (nftables and markdown in
``wizard.artifacts``, YAML in ``wizard.embedded.yamltree``, TOML in
``wizard.tomlfile.rendering``, HTTP headers in ``wizard.server.transport``).
What they share lives here: which characters end a line or a field in one
grammar or another (a line break in YAML 1.1 is also U+0085, U+2028 and
U+2029), the single error that refuses such a value naming the file and the
key, and the shape of a URL that names one real host.

A refused value is never echoed: it may be a secret, and the characters that
made it unsafe are exactly the ones a terminal or a log must not receive.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from wizard.base.errors import WizardError
from wizard.base.safe_text import Message

_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""Characters that reorder what a reader sees around them: a rule that reads one way
and acts another."""


def unsafe_character(text: str) -> str | None:
    """The first character of ``text`` no generated file may carry, as ``U+000A``; or None.

    Control characters (C0, DEL, C1: CR, LF, NUL, ESC, U+0085 among them), the
    Unicode line and paragraph separators, and the bidirectional controls.
    """
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp") or char in _BIDI_CONTROLS:
            return f"U+{ord(char):04X}"
    return None


class UnsafeValueError(WizardError):
    """A value that would leave its slot in a generated file; nothing was written."""

    def __init__(self, file: str, key: str, reason: Message) -> None:
        self.file = file
        self.key = key
        super().__init__(
            Message.of(
                "{file}: {key}: {reason}; nothing was written", file=file, key=key, reason=reason
            )
        )


def checked(value: str, *, file: str, key: str) -> str:
    """``value`` unchanged, or :class:`UnsafeValueError` when a character in it is unsafe."""
    found = unsafe_character(value)
    if found is not None:
        raise UnsafeValueError(
            file, key, Message.of("the value holds a control character ({found})", found=found)
        )
    return value


def checked_all(values: object, *, file: str, key: str) -> None:
    """:func:`checked` on every string in ``values`` (a string, list, tuple or mapping)."""
    if isinstance(values, str):
        checked(values, file=file, key=key)
    elif isinstance(values, list | tuple):
        for item in values:
            checked_all(item, file=file, key=key)
    elif isinstance(values, dict):
        for name, item in values.items():
            checked(str(name), file=file, key=key)
            checked_all(item, file=file, key=f"{key}.{name}")


TEMPLATE_DELIMITERS = ("{{", "}}")
"""Where a Go template action starts and ends; the chart renders ``runners.config``
with ``tpl``, so these in a value we write there would run as the chart's template."""


def template_delimiter(text: str) -> str | None:
    """``{{`` or ``}}`` when ``text`` holds one, else None."""
    return next((mark for mark in TEMPLATE_DELIMITERS if mark in text), None)


def url_shape_problem(url: str) -> Message | None:
    """Why ``url`` does not name one real host, or None: the shape every URL we take must
    have, whatever its scheme. No spaces or control characters, a host after the scheme,
    and not a second scheme where the host should be (``https://http://gitlab.local``)."""
    if any(char.isspace() for char in url) or unsafe_character(url):
        return Message.of("The URL has spaces or control characters in it.")
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced [ where an IPv6 address would be
        return Message.of("The URL's host is not a host name or an address.")
    if not parts.scheme or not url.lower().startswith(f"{parts.scheme.lower()}://"):
        return Message.of("The URL must start with https://")
    after_scheme = url[len(parts.scheme) + 3 :]
    doubled = after_scheme.split("/", 1)[0].lower()
    if doubled in ("http:", "https:") or after_scheme.lower().startswith(("http:/", "https:/")):
        return Message.of(
            "The URL has a second scheme (http:// or https://) where the host should be."
        )
    try:
        host = parts.hostname
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return Message.of("The URL's port is not a number.")
    if not host:
        return Message.of("The URL names no host, e.g. https://gitlab.example.com")
    if any(char in host for char in "{}<>\"'`\\|^$;"):
        return Message.of("The URL's host has characters no host name has.")
    return None
