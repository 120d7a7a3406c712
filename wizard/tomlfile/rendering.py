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

from wizard.model import TomlValue

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def tomlkit_module() -> ModuleType:
    """tomlkit, loaded on the first edit: reading and auditing never need it."""
    import tomlkit
    import tomlkit.items

    return tomlkit


def _basic_string(value: str) -> str:
    """A double-quoted TOML string with every escape it needs."""
    return str(tomlkit_module().string(value).as_string())


def render_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _basic_string(key)


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
