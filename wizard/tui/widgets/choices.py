"""Pick-one and pick-many lists where the keyboard does what a wizard expects.

In Textual's own lists Enter toggles the highlighted entry. Here the arrow keys
choose (the highlighted entry *is* the answer) and Enter goes to the next
step, so a user can answer a whole step with arrows and Enter alone.

Textual draws the same mark in a ticked and an unticked box and tells them
apart by colour only, which a colour-blind user, a monochrome terminal or a
screenshot in print loses. The boxes here show a mark only when ticked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.strip import Strip
from textual.widgets import Checkbox, RadioButton, RadioSet, SelectionList
from textual.widgets.option_list import OptionDoesNotExist

if TYPE_CHECKING:
    from textual.content import Content

TICKED = "✓"
"""The mark in a ticked checkbox or checklist row."""
CHOSEN = "●"
"""The mark in the chosen option of a pick-one list."""
EMPTY = " "
"""An unticked box or an option not chosen: the box stays, empty."""


class ChoiceButton(RadioButton):
    """A radio option whose dot shows only when it is the one chosen."""

    def render(self) -> Content:
        self.BUTTON_INNER = CHOSEN if self.value else EMPTY
        return super().render()


class TickBox(Checkbox):
    """A checkbox with a tick when ticked and an empty box when not."""

    def render(self) -> Content:
        self.BUTTON_INNER = TICKED if self.value else EMPTY
        return super().render()


class WrappingTickBox(TickBox):
    """A tick box whose long label wraps onto more lines (the base class is always
    one line tall, which cut an offered fix's name and impact off at the edge)."""

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # Measured as the stylesheet lays it out for offers: wrapped, long words folded.
        return max(
            1, self.render().get_height({"text_wrap": "wrap", "text_overflow": "fold"}, width)
        )


class ChoiceSet(RadioSet):
    """A radio set whose arrow keys select, and whose Enter means "next step".

    | Key(s) | Description |
    | :- | :- |
    | up, left / down, right | Choose the previous / next option. |
    | space | Choose the highlighted option. |
    | enter | Go to the next step. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.next", "Next", show=False),
    ]

    _ready = False
    """False while mounting: the base class moves the highlight then, and that
    move must not count as the user's choice."""

    def on_mount(self) -> None:
        # After the base class's own mount handling, which highlights the first
        # option and may run after this one.
        self.call_after_refresh(self._settle)

    def _settle(self) -> None:
        if self.pressed_index >= 0:
            self._selected = self.pressed_index
        self._ready = True

    def action_next_button(self) -> None:
        super().action_next_button()
        if self._ready:
            self.action_toggle_button()

    def action_previous_button(self) -> None:
        super().action_previous_button()
        if self._ready:
            self.action_toggle_button()

    def action_toggle_button(self) -> None:
        # Choosing the option already chosen is not a change: RadioSet would
        # otherwise turn it off and on again and report it twice.
        if self._selected is not None and self._selected == self.pressed_index:
            return
        super().action_toggle_button()


class MultiChoice(SelectionList[str]):
    """A checklist whose space toggles and whose Enter means "next step"; ticked
    rows show a tick, unticked rows an empty box."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.next", "Next", show=False),
    ]

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        # The base class draws the box as its first three segments, the mark in the middle.
        if len(segments) < 3 or segments[1].text != Checkbox.BUTTON_INNER:
            return strip
        try:
            selection = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        mark = TICKED if selection.value in self.selected else EMPTY
        segments[1] = Segment(mark, segments[1].style)
        return Strip(segments, strip.cell_length)
