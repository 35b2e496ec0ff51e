"""初期設定: service ID, user ID and activation password, then 送信."""

from __future__ import annotations

import re
import unicodedata
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Input, Label, Static

from onetime.app import messages
from onetime.app.errors import AppError, ServiceUnreachable
from onetime.app.i18n import describe
from onetime.app.screens.base import AppScreen
from onetime.app.screens.setup_done import SetupDoneScreen
from onetime.app.widgets import SteadyInput

USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")  # DESIGN.md §7
ACTIVATION_PASSWORD = re.compile(r"[0-9]{4,16}")  # DESIGN.md §4


def normalise_digits(text: str) -> str:
    """Full-width digits from a Japanese IME become ASCII: "１２３４" → "1234"."""
    return unicodedata.normalize("NFKC", text).strip()


class SetupScreen(AppScreen):
    KEYS: ClassVar[list[tuple[str, str, str]]] = [
        ("escape", "back", "key.back"), ("f2", "settings", "key.settings")]

    def __init__(self, message: str = "") -> None:
        super().__init__()
        self._first_message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield self.title_line("setup.title")
            yield Static(self.t("setup.intro"), classes="intro")
            with Horizontal(classes="field"):
                yield Label(self.t("setup.service_id"))
                yield SteadyInput(id="service_id", max_length=32)
            with Horizontal(classes="field"):
                yield Label(self.t("setup.user_id"))
                yield SteadyInput(id="user_id", max_length=64)
            with Horizontal(classes="field"):
                yield Label(self.t("setup.password"))
                yield SteadyInput(id="password", password=True, max_length=16)
            yield Button(self.t("setup.submit"), id="submit", variant="primary")
            yield Static(self._first_message, id="message", classes="message")
        yield Footer()

    def action_settings(self) -> None:
        self.token_app.show_settings()

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        order = ["service_id", "user_id", "password"]
        index = order.index(event.input.id or "")
        if index < len(order) - 1:
            self.query_one(f"#{order[index + 1]}", Input).focus()
        else:
            self.submit()

    @on(Button.Pressed, "#submit")
    def submit(self) -> None:
        if self.query_one("#submit", Button).disabled:
            return  # Enter in a field while sending: the activation password goes once
        service_id = normalise_digits(self.query_one("#service_id", Input).value)
        user_id = self.query_one("#user_id", Input).value.strip()
        password = normalise_digits(self.query_one("#password", Input).value)
        problem = self._check(service_id, user_id, password)
        if problem:
            self._say(problem, error=True)
            return
        self.query_one("#submit", Button).disabled = True
        self._say(self.t("setup.sending"))
        self._set_up(service_id, user_id, password)

    def _check(self, service_id: str, user_id: str, password: str) -> str:
        for value, label in ((service_id, "setup.service_id"), (user_id, "setup.user_id"),
                             (password, "setup.password")):
            if not value:
                return self.t("setup.missing", field=self.t(label))
        if not USER_ID.fullmatch(user_id):
            return self.t("setup.invalid_user_id")
        if not ACTIVATION_PASSWORD.fullmatch(password):
            return self.t("setup.invalid_password")
        return ""

    # Not exclusive: cancelling a thread worker loses its answer, not its work; submit()
    # starts one at a time.
    @work(thread=True)
    def _set_up(self, service_id: str, user_id: str, password: str) -> None:
        app = self.token_app
        try:
            if app.client is None:
                raise ServiceUnreachable("no server configured")
            token = app.client.set_up(service_id, user_id, password)
            vault = app.vault or app.vault_file.open_or_create(app.t.language)
            vault.put(token)
        except AppError as exc:
            self.post_message(messages.SetupFailed(exc))
            return
        self.post_message(messages.SetupSucceeded(token, vault))

    def on_setup_succeeded(self, message: messages.SetupSucceeded) -> None:
        self.token_app.vault = message.vault
        self.query_one("#password", Input).value = ""
        self.query_one("#submit", Button).disabled = False
        self._say("")
        self.app.push_screen(SetupDoneScreen(message.token))

    def on_setup_failed(self, message: messages.SetupFailed) -> None:
        self.query_one("#password", Input).value = ""
        self.query_one("#submit", Button).disabled = False
        self._say(describe(message.error, self.t, self.token_app.clock.now()), error=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        line = self.query_one("#message", Static)
        line.update(text)
        line.set_class(error, "error")
