"""Values from files are typed; our sentences are templates; outputs take only safe text.

These carry the promise that no secret and no control character from a file
reaches an output:

- :class:`FileValue` is a value read from a file or a server, with the key it was
  read under and whether that key is secret. It is not a ``str``: ``mypy --strict``
  refuses it wherever text is expected, so it cannot be written out raw. Formatting
  one (``f"{value}"``) shows it masked, never raw: the raw text is only reachable
  through :attr:`FileValue.raw`, for the file layer that writes it back.
- :data:`Safe` is text fit for an output: secrets masked, control characters
  escaped for its sink. Only the renderers here (and the masked diff) make it.
- :class:`Message` is a finding's message: one of our templates filled by
  :meth:`Message.of`. ``Issue.message`` and ``Finding.message`` have this type, so a
  rule that passes an f-string (a plain ``str``) is a type error.
- :func:`render` fills one of our sentences, a template with ``{holes}``. The
  sentence itself is never scanned by the masker; each hole is rendered on its
  own: a :class:`FileValue` by its key (a secret key's value is masked whole), any
  other text as a value that may hold secrets in free text (a script line, a
  comment), numbers and booleans as they are.

Every output the commands write goes through :func:`emit` (text) or
:func:`json_safe` (JSON and SARIF fields), whose parameters accept only these
types. Both also mask, by value, every secret read so far
(:data:`wizard.base.masking.KNOWN_SECRETS`), whatever surrounds it.
"""

from __future__ import annotations

import re
import string
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePath
from typing import IO, NewType, Protocol

from wizard.base.masking import (
    KNOWN_SECRETS,
    is_secret_key,
    mask_secret,
    mask_string_value,
    mask_text,
)
from wizard.base.printable import printable, printable_json

Safe = NewType("Safe", str)
"""Text fit for an output: made only by :func:`render`, :func:`shown` and the masked diff."""


@dataclass(frozen=True, slots=True)
class FileValue:
    """A value read from a file or a server: its key, and whether that key is secret."""

    raw: str
    key: str | None = None
    secret: bool = False

    @classmethod
    def read(cls, value: str, key: str | None = None) -> FileValue:
        """A value as read under ``key``: secret when the key is, remembered if so."""
        secret = key is not None and is_secret_key(key)
        if secret:
            KNOWN_SECRETS.remember(value)
        return cls(value, key, secret)

    def shown(self) -> Safe:
        """The value masked for any output: whole when its key is secret, else as free text."""
        if self.secret:
            return Safe(mask_secret(self.raw))
        return Safe(mask_string_value(self.raw))

    def __str__(self) -> str:
        return self.shown()

    def __repr__(self) -> str:
        return f"FileValue({self.shown()!r}, key={self.key!r})"

    def __format__(self, spec: str) -> str:
        return format(str(self.shown()), spec)


Hole = FileValue | str | PurePath | int | float | bool | None
"""What a hole of a template may be filled with (a path is shown as free text: a file
may be named like a token)."""


def shown(value: Hole, *, key: str | None = None) -> Safe:
    """One value rendered for a hole: masked by its key, else as free text that may hold
    secrets; never scanned together with the sentence around it. A :class:`Message` is a
    sentence already made safe, so it is kept as it is."""
    if isinstance(value, FileValue):
        return value.shown()
    if isinstance(value, Message):
        return Safe(value)
    if value is None or isinstance(value, bool | int | float):
        return Safe(str(value))
    if isinstance(value, PurePath):
        return Safe(_free_text(str(value)))
    if not isinstance(value, str):
        # A value from parsed data the rule did not expect (a list where a string was
        # meant): shown as an f-string would show it, masked as free text.
        return Safe(mask_text(str(value)))
    if key is not None and is_secret_key(key):
        return Safe(mask_secret(value))
    return Safe(_free_text(value))


def _free_text(value: str) -> str:
    """A hole's text masked as free text: the secrets known now by value, then the
    patterns. Holes repeat across runners and the files of a fleet (keys, images, names),
    so the patterns run once per distinct text; the by-value pass runs every time, as a
    secret remembered later must change the result."""
    known = KNOWN_SECRETS.mask(value)
    return _patterns(known) if len(known) <= _LONGEST_CACHED else mask_text(known)


_LONGEST_CACHED = 512
"""Holes up to this long are kept with their masked text; a longer one (a script, a
hostile value) is masked each time, so the cache stays small whatever the files hold."""


@lru_cache(maxsize=16384)
def _patterns(value: str) -> str:
    return mask_text(value)


@lru_cache(maxsize=4096)
def _parsed(template: str) -> tuple[tuple[str, str | None, str | None, str | None], ...]:
    """A template as ``str.format`` reads it: literal text, then a hole's name, format
    spec and conversion. Each template is parsed once."""
    return tuple(string.Formatter().parse(template))


def _filled(value: Hole, conversion: str | None, spec: str | None) -> str:
    """One hole: masked on its own, after its ``!r`` or ``!s`` (so ``{image!r}`` quotes
    the value as the file wrote it, then masks it); a number formatted by its spec."""
    if conversion is not None:
        if isinstance(value, FileValue | Message):
            text = str(shown(value))
            text = repr(text) if conversion == "r" else ascii(text) if conversion == "a" else text
        else:
            raw = repr(value) if conversion == "r" else ascii(value) if conversion == "a" else value
            text = _free_text(str(raw))
        return format(text, spec) if spec else text
    if isinstance(value, bool | int | float):
        return format(value, spec or "")
    text = str(shown(value))
    return format(text, spec) if spec else text


def render(template: str, /, **holes: Hole) -> Safe:
    """Our sentence ``template`` with each ``{name}`` filled by its value, shown masked.

    The template is ours and is not scanned: ``"token: {value}"`` stays readable
    whatever word ``value`` is, because only ``value`` is masked. ``{{`` and ``}}``
    stand for one brace, as in ``str.format``; a hole is a plain name (no ``.attr`` or
    ``[index]``), with an optional ``!r`` and format spec.
    """
    parts = []
    for literal, name, spec, conversion in _parsed(template):
        parts.append(literal)
        if name is not None:
            parts.append(_filled(holes[name], conversion, spec))
    return Safe("".join(parts))


def compose(template: str, /, **parts: Safe) -> Safe:
    """Our sentence with parts that are already safe (rendered values, other sentences):
    nothing is masked again, and a raw value cannot be passed (it is not :data:`Safe`)."""
    return Safe(template.format_map(parts))


def one_line(text: Safe) -> Safe:
    """Safe text made one line for a terminal: newlines and control characters escaped."""
    return Safe(printable(text, one_line=True))


class Message(str):
    """A message made from one of our templates: each hole masked on its own, the sentence
    as written. :attr:`wizard.base.model.Issue.message` and ``Finding.message`` are of
    this type, so ``mypy --strict`` rejects a rule that passes an f-string (a plain
    ``str``), and joining one to other text (``message + "..."``) gives a plain ``str``
    again. Only :meth:`of` makes one, from a literal template (a test holds every call to
    that), and reports show it as it is, never scanning our sentence for secrets."""

    __slots__ = ()

    @classmethod
    def of(cls, template: str, /, **holes: Hole) -> Message:
        return cls(render(template, **holes))

    @classmethod
    def joined(cls, separator: str, parts: Iterable[Message]) -> Message:
        """Messages one after another with our ``separator`` between them."""
        return cls(separator.join(parts))

    def reworded(self, ours: str, instead: str) -> Message:
        """This message with the first ``ours`` (words of our template) said as ``instead``
        (other words of ours, never a value): a reason given more context."""
        return Message(self.replace(ours, instead, 1))

    def without_end(self, chars: str) -> Message:
        """This message without the trailing ``chars`` (a sentence's full stop, when it
        becomes part of a longer one)."""
        return Message(self.rstrip(chars))

    def restored(self, placeholder: re.Pattern[str], text_of: Callable[[str], str]) -> Message:
        """This message with each ``placeholder`` a hole carried (a template expression the
        file reader set aside) put back as the file's text ``text_of(group 1)``, that text
        masked as free text."""
        return Message(placeholder.sub(lambda found: mask_text(text_of(found.group(1))), self))


def shown_message(message: Message, *, one_line: bool = False) -> Safe:
    """A finding's message for a screen or a line: as written (its holes were masked when
    it was made), known secrets masked by value, controls escaped."""
    return Safe(printable(KNOWN_SECRETS.mask(message), one_line=one_line))


def ours(text: str) -> Safe:
    """A sentence of our own with no value in it, as it is."""
    return Safe(text)


def joined(parts: list[Safe], separator: str = "\n") -> Safe:
    return Safe(separator.join(parts))


def write_out(text: Safe, *, stream: IO[str] | None = None) -> None:
    """Write a whole report its renderer made safe (masked per value and field, escaped
    for its format); the one way the commands write a report."""
    (stream if stream is not None else sys.stdout).write(text)


def emit(text: Safe, *, stream: IO[str] | None = None, one_line: bool = False) -> None:
    """Write safe text to a terminal or pipe: known secret values masked once more, control
    characters escaped. The only way the commands write text to stdout or stderr."""
    out = stream if stream is not None else sys.stdout
    out.write(printable(KNOWN_SECRETS.mask(text), one_line=one_line))


JsonSafe = str | int | float | bool | None | list["JsonSafe"] | dict[str, "JsonSafe"]


def json_safe(value: FileValue | Safe | int | float | bool | None) -> JsonSafe:
    """One JSON field: a file value masked by its key, safe text with known secrets masked."""
    if isinstance(value, FileValue):
        return printable_json(value.shown())
    if isinstance(value, str):
        return printable_json(KNOWN_SECRETS.mask(value))
    return value


def emit_json(report: dict[str, JsonSafe], *, stream: IO[str] | None = None) -> None:
    """Write a JSON report whose every field went through :func:`json_safe` or
    :func:`json_tree`; the one way the commands write JSON."""
    out = stream if stream is not None else sys.stdout
    out.write(json_text(report))


def json_text(report: Mapping[str, JsonSafe]) -> Safe:
    """A JSON document whose every field went through :func:`json_safe` or :func:`json_tree`
    (or a report renderer's own masking), laid out and escaped for a terminal."""
    import json

    return Safe(printable_json(json.dumps(report, indent=2, ensure_ascii=False)) + "\n")


def json_tree(value: object, *, key: str | None = None) -> JsonSafe:
    """A JSON-like value read from a file (a setting's before/after), every string in it a
    file value under ``key``: secret keys mask whole, any other string as free text."""
    if isinstance(value, str):
        return json_safe(FileValue.read(value, key))
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, Mapping):
        return {
            str(json_safe(FileValue(str(name)))): json_tree(item, key=str(name))
            for name, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [json_tree(item, key=key) for item in value]
    return json_safe(FileValue(str(value), key))


def emit_line(text: Safe, *, stream: IO[str] | None = None) -> None:
    """One line of safe text and its newline: a newline or tab inside it is escaped, so a
    value can never start a line of its own (an error, a note, a path written)."""
    emit(compose("{line}\n", line=one_line(text)), stream=stream)


def emit_lines(lines: list[Safe], *, stream: IO[str] | None = None) -> None:
    """Several lines, each made one line on its own (see :func:`emit_line`)."""
    for line in lines:
        emit_line(line, stream=stream)


class SaysMessage(Protocol):
    """An error that carries one of our messages (:class:`wizard.base.errors.WizardError`)."""

    @property
    def message(self) -> Message: ...


def shown_error(error: SaysMessage) -> Safe:
    """An error's message for one line: its :class:`Message` as written (its holes were
    masked when it was made), known secrets masked by value; our words never scanned."""
    return shown_message(error.message, one_line=True)


def generated(text: str) -> Safe:
    """A generated file's text, made by its renderer (:mod:`wizard.base.sinks` refused any
    value that would leave its slot), shown on a terminal as the file holds it; only a
    file renderer's result may be passed here, never a value or a sentence."""
    return Safe(text)


def catalogue(text: str) -> Safe:
    """Text made only from our own catalogues (the rules' ids, titles, rationale and links;
    the wizard's step introductions; the host checklist's prose), which holds no value
    from any file or server: shown as written, never scanned by the masker."""
    return Safe(text)


def wrapped(text: Safe, *, width: int, indent: str = "") -> list[Safe]:
    """Safe text cut into lines at spaces, later lines indented: nothing is added but the
    indent, and a newline inside a value becomes a space, so each line stays safe."""
    import textwrap

    lines = textwrap.wrap(
        text,
        width=width,
        subsequent_indent=indent,
        break_on_hyphens=False,
        break_long_words=False,
    )
    return [Safe(line) for line in lines]


def trimmed(text: Safe, chars: str = "\n") -> Safe:
    """Safe text without the trailing ``chars`` (a diff's last newline)."""
    return Safe(text.rstrip(chars))
