"""Pick-one and pick-many lists where the keyboard does what a wizard expects.

In Textual's own lists Enter toggles the highlighted entry. Here the arrow keys
choose (the highlighted entry *is* the answer) and Enter goes to the next
step, so a user can answer a whole step with arrows and Enter alone.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import RadioSet, SelectionList


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
    """A checklist whose space toggles and whose Enter means "next step"."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.next", "Next", show=False),
    ]
