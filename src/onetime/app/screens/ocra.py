"""取引確認 (offline): type the payee's account number, read the response code (OCRA,
RFC 6287) to type into the banking site. Nothing leaves the device."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Footer, Input, Label, Static

from onetime.app.confirmations import ocra_response
from onetime.app.format import group_code
from onetime.app.screens.base import AppScreen
from onetime.app.token import StoredToken

ACCOUNT_NUMBER_LENGTH = 7


class OcraScreen(AppScreen):
    KEYS: ClassVar[list[tuple[str, str, str]]] = [("escape", "back", "key.back")]

    def __init__(self, token: StoredToken) -> None:
        super().__init__()
        self.token = token

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield self.title_line("ocra.title")
            yield Static(self.token.institution_name, id="institution")
            yield Static(self.t("ocra.rule"), classes="intro")
            with Horizontal(classes="field"):
                yield Label(self.t("ocra.challenge"))
                yield Input(id="challenge", max_length=ACCOUNT_NUMBER_LENGTH,
                            restrict=r"[0-9]*", type="integer")
            yield Static("", id="response-label")
            yield Digits("", id="response")
            yield Static("", id="message", classes="message")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#challenge", Input).focus()

    @on(Input.Submitted, "#challenge")
    def _submitted(self, event: Input.Submitted) -> None:
        number = event.value
        message = self.query_one("#message", Static)
        if not (number.isascii() and number.isdigit() and len(number) == ACCOUNT_NUMBER_LENGTH):
            self.query_one("#response", Digits).update("")
            self.query_one("#response-label", Static).update("")
            message.update(self.t("ocra.invalid"))
            message.set_class(True, "error")
            return
        code = ocra_response(self.token, number, self.token_app.clock.now())
        message.update("")
        self.query_one("#response-label", Static).update(self.t("ocra.response"))
        self.query_one("#response", Digits).update(group_code(code))
