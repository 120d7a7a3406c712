"""TOML literals for values we write: the one place that knows TOML escaping.

Strings prefer the file's own quote style; anything a literal string cannot
hold goes in a basic string escaped by tomlkit, loaded on the first use
because reading and auditing never write a value.
"""

from __future__ import annotations

import re
import tomllib
from types import ModuleType
from typing import Any

from wizard.base.model import TomlValue
from wizard.base.sinks import unsafe_character

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
"""Matched whole (``fullmatch``): ``$`` would also match before a final newline."""
_RAW_UNSAFE = re.compile(r"[^\x20-\x7e]")


def tomlkit_module() -> ModuleType:
    """tomlkit, loaded on the first edit: reading and auditing never need it."""
    import tomlkit
    import tomlkit.items

    return tomlkit


def _escape_unsafe(match: re.Match[str]) -> str:
    char = match.group(0)
    if char.isprintable() and not unsafe_character(char):
        return char
    code = ord(char)
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


def _basic_string(value: str) -> str:
    """A double-quoted TOML string with every escape it needs.

    tomlkit escapes the ASCII controls; what TOML allows raw but another reader takes
    as a line break (U+0085, U+2028, U+2029 end a line in YAML 1.1, and this TOML may
    sit in a YAML block) or as reordering (bidirectional controls) is escaped too.
    """
    rendered = str(tomlkit_module().string(value).as_string())
    return _RAW_UNSAFE.sub(_escape_unsafe, rendered)


def render_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _basic_string(key)


def render_value(value: TomlValue, quote: str = '"') -> str:
    """A TOML literal for ``value``; strings prefer the file's quote style."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        literal_ok = (
            "'" not in value and not any(c in value for c in "\n\r\t\x7f") and value.isprintable()
        )
        if quote == "'" and literal_ok:
            return f"'{value}'"
        return _basic_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(render_value(item, quote) for item in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{render_key(k)} = {render_value(v, quote)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"cannot write {type(value).__name__} values")


# -- internals -------------------------------------------------------------------


def value_of(value_text: str) -> Any:
    """The value a literal stands for, ``None`` when it is not one on its own."""
    try:
        return tomllib.loads("v = " + value_text)["v"]
    except tomllib.TOMLDecodeError:
        return None
