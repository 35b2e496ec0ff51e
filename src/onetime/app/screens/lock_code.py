"""アプリロックコード設定: the lock code, entered twice, then 確定."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Input, Label, Static

from onetime.app import errors, messages
from onetime.app.i18n import describe
from onetime.app.screens.base import AppScreen
from onetime.app.vault_format import is_lock_code
from onetime.app.widgets import SteadyInput


class LockCodeScreen(AppScreen):
    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield self.title_line("lockcode.title")
            with Horizontal(classes="field"):
                yield Label(self.t("lockcode.code"))
                yield SteadyInput(id="code", password=True, max_length=32)
            with Horizontal(classes="field"):
                yield Label(self.t("lockcode.repeat"))
                yield SteadyInput(id="repeat", password=True, max_length=32)
            yield Static(self.t("lockcode.rule"), classes="note")
            yield Static(self.t("lockcode.warning"), classes="warning-text")
            yield Button(self.t("lockcode.submit"), id="submit", variant="primary")
            yield Static("", id="message", classes="message")
        yield Footer()

    @on(Input.Submitted, "#code")
    def _to_repeat(self) -> None:
        self.query_one("#repeat", Input).focus()

    @on(Input.Submitted, "#repeat")
    @on(Button.Pressed, "#submit")
    def submit(self) -> None:
        if self.query_one("#submit", Button).disabled:
            return  # Enter in a field while saving: the lock goes ON once
        code = self.query_one("#code", Input).value
        repeat = self.query_one("#repeat", Input).value
        if not is_lock_code(code):
            self._say(self.t("lockcode.invalid"))
            return
        if code != repeat:
            self._say(self.t("lockcode.mismatch"))
            return
        self.query_one("#submit", Button).disabled = True
        self._say(self.t("lockcode.saving"), error=False)
        self._enable(code, repeat)

    # Not exclusive: cancelling a thread worker loses its answer, not its work; submit()
    # starts one at a time.
    @work(thread=True)
    def _enable(self, code: str, repeat: str) -> None:
        try:
            self.token_app.ensure_vault().enable_lock(code, repeat)
        except errors.AppError as exc:
            self.post_message(messages.LockFailed(exc))
            return
        self.post_message(messages.LockChanged(True))

    def on_lock_changed(self, message: messages.LockChanged) -> None:
        self.token_app.notice(self.t("lock.turned_on"))
        self.app.pop_screen()

    def on_lock_failed(self, message: messages.LockFailed) -> None:
        self.query_one("#submit", Button).disabled = False
        self._say(describe(message.error, self.t, self.token_app.clock.now()))

    def _say(self, text: str, *, error: bool = True) -> None:
        line = self.query_one("#message", Static)
        line.update(text)
        line.set_class(error, "error")
