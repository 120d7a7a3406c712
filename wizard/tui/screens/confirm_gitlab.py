"""One explicit question before the access token goes to a GitLab an opened file names."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from wizard.base.safe_text import Safe, joined
from wizard.tui.safe_widgets import plain

SEND = "send"
SEND_AND_TRUST_CA = "send-trust-ca"
DONT_SEND = "no"


class ConfirmGitLabScreen(ModalScreen[str]):
    """ "Send your access token to https://host?" with the core's words; No has the focus.

    Answers :data:`SEND`, :data:`SEND_AND_TRUST_CA` (offered only when the file names
    a CA the core does not trust by itself) or :data:`DONT_SEND`.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer('send')", "Send"),
        Binding("c", "answer('send-trust-ca')", "Send, trust its CA", show=False),
        Binding("n,escape", "answer('no')", "Don't send"),
    ]

    def __init__(self, question: Safe, lines: list[Safe], *, offers_ca: bool) -> None:
        super().__init__()
        self.question = question
        self.lines = lines
        self.offers_ca = offers_ca

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Static(plain(self.question), id="confirm-title")
            with VerticalScroll(id="confirm-body"):
                # Plain text: the host and the CA path come from the file.
                yield Static(plain(joined(self.lines)), id="confirm-changes")
            with Horizontal(id="confirm-actions"):
                yield Button("Send (y)", id="gitlab-send", variant="warning", compact=True)
                if self.offers_ca:
                    yield Button("Send, trust its CA (c)", id="gitlab-send-trust-ca", compact=True)
                yield Button("Don't send (n)", id="gitlab-no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#gitlab-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        answers = {"gitlab-send": SEND, "gitlab-send-trust-ca": SEND_AND_TRUST_CA}
        self.dismiss(answers.get(event.button.id or "", DONT_SEND))

    def action_answer(self, answer: str) -> None:
        if answer == SEND_AND_TRUST_CA and not self.offers_ca:
            return
        self.dismiss(answer)
