"""The one way a text reaches a widget of the wizard: safe text, drawn as text.

Textual reads markup in a plain ``str`` handed to ``Static``, ``Label``, a button, a
list option or a notification: ``[bold]`` restyles the line and ``[@click=app.quit]``
turns it into a button that acts. A value from a file, a preset, an answers file or a
server must never be read that way, nor shown unmasked. So every widget text that may
hold such a value is made here, from :data:`~wizard.base.safe_text.Safe` text only
(``mypy --strict`` refuses a raw ``str``), as a Rich :class:`~rich.text.Text`, which
Textual never parses as markup. Known secret values are masked once more and control
characters escaped on the way, as :func:`~wizard.base.safe_text.emit` does for a terminal.

``tests/tui/test_tui_sinks.py`` walks every module of :mod:`wizard.tui` and fails when a
widget is handed anything but a string literal or a call to a function here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from rich.table import Column, Table
from rich.text import Text

from wizard.base.masking import KNOWN_SECRETS
from wizard.base.printable import printable
from wizard.base.safe_text import Safe

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import SeverityLevel


class Part(NamedTuple):
    """One run of safe text and the style it is drawn in."""

    text: Safe
    style: str = ""


Parts = list[Part]
"""A line or a block of text built from safe runs, for :func:`styled`."""


def _screen(text: Safe) -> str:
    """Known secrets masked once more, control characters escaped: the last defence."""
    return printable(KNOWN_SECRETS.mask(text))


def plain(text: Safe, style: str = "") -> Text:
    """Safe text as a widget shows it: as written, never markup, in one ``style``."""
    return Text(_screen(text), style=style)


def styled(
    parts: Iterable[Part], *, style: str = "", no_wrap: bool = False, ellipsis: bool = False
) -> Text:
    """Runs of safe text, each in its own style over the whole text's ``style``, as one
    text (never markup).

    ``no_wrap`` and ``ellipsis``: long lines run off the edge (a diff) rather than wrap.
    """
    text = Text(style=style, no_wrap=no_wrap or None, overflow="ellipsis" if ellipsis else None)
    for part in parts:
        text.append(_screen(part.text), style=part.style)
    return text


def grid(rows: Iterable[Sequence[Parts]], *columns: Column, padding: int = 1) -> Table:
    """A borderless table whose every cell is safe text (a checklist, the answers); a cell
    of one run wears its style across the cell's width."""
    table = Table.grid(*columns, padding=(0, padding))
    for row in rows:
        table.add_row(*(_cell(cell) for cell in row))
    return table


def _cell(parts: Parts) -> Text:
    if len(parts) == 1:
        return plain(parts[0].text, parts[0].style)
    return styled(parts)


def input_text(text: Safe) -> str:
    """Safe text for an input line's value or placeholder, which Textual shows as
    typed (an input line is never markup) and which must stay a ``str`` to edit."""
    return _screen(text)


def notify_plain(app: App[Any], message: Safe, *, severity: SeverityLevel = "information") -> None:
    """A notification whose text is shown as written: Textual reads markup in a
    notification unless told not to."""
    app.notify(_screen(message), severity=severity, markup=False)
