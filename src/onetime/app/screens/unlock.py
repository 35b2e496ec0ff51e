"""アプリロック: the lock code opens the vault; wrong codes wait, warn, and at 10 wipe."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Input, Label, Static

from onetime.app import errors, messages
from onetime.app.format import bank_clock
from onetime.app.i18n import describe
from onetime.app.screens.base import AppScreen
from onetime.app.vault import LockStatus
from onetime.app.widgets import SteadyInput


class UnlockScreen(AppScreen):
    KEYS: ClassVar[list[tuple[str, str, str]]] = [("ctrl+q", "app.quit", "key.quit")]

    def __init__(self, status: LockStatus | None = None) -> None:
        super().__init__()
        self.status = status

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield self.title_line("unlock.title")
            yield Static(self.t("unlock.prompt"))
            with Horizontal(classes="field"):
                yield Label(self.t("unlock.code"))
                yield SteadyInput(id="code", password=True, max_length=32)
            yield Button(self.t("unlock.submit"), id="submit", variant="primary")
            yield Static(self._status_text(), id="message", classes="message error")
        yield Footer()

    def _status_text(self) -> str:
        if self.status is None or self.status.failures == 0:
            return ""
        lines = []
        if self.status.retry_at is not None and self.status.retry_at > self.token_app.clock.now():
            lines.append(self.t("unlock.delay", time=bank_clock(self.status.retry_at)))
        if self.status.warn:
            lines.append(self.t("unlock.left", n=self.status.attempts_left))
        return "\n".join(lines)

    @on(Input.Submitted, "#code")
    @on(Button.Pressed, "#submit")
    def submit(self) -> None:
        if self.query_one("#submit", Button).disabled:
            return  # Enter in the field while checking: the code is on its way already
        code_input = self.query_one("#code", Input)
        code = code_input.value
        code_input.value = ""
        self.query_one("#submit", Button).disabled = True
        self._say(self.t("unlock.checking"))
        self._unlock(code)

    # Not exclusive: cancelling a thread worker loses its answer, not its work; submit()
    # starts one at a time.
    @work(thread=True)
    def _unlock(self, code: str) -> None:
        try:
            vault = self.token_app.vault_file.unlock(code)
        except errors.AppError as exc:
            self.post_message(messages.UnlockFailed(exc))
            return
        self.post_message(messages.Unlocked(vault))

    def on_unlocked(self, message: messages.Unlocked) -> None:
        self.token_app.unlocked(message.vault)

    def on_unlock_failed(self, message: messages.UnlockFailed) -> None:
        self.query_one("#submit", Button).disabled = False
        error = message.error
        if isinstance(error, errors.VaultWiped):
            self.token_app.wiped()
            return
        if isinstance(error, errors.WrongLockCode):
            lines = [self.t("unlock.wrong")]
            if error.retry_at is not None:
                lines.append(self.t("unlock.delay", time=bank_clock(error.retry_at)))
            if error.attempts_left <= 3:
                lines.append(self.t("unlock.left", n=error.attempts_left))
            self._say("\n".join(lines))
        elif isinstance(error, errors.LockDelay):
            lines = [self.t("unlock.delay", time=bank_clock(error.retry_at))]
            if error.attempts_left <= 3:
                lines.append(self.t("unlock.left", n=error.attempts_left))
            self._say("\n".join(lines))
        elif isinstance(error, errors.VaultCorrupt):
            self.token_app.show_broken()
        else:
            self._say(describe(error, self.t, self.token_app.clock.now()))
        self.query_one("#code", Input).focus()

    def _say(self, text: str) -> None:
        self.query_one("#message", Static).update(text)

    def action_back(self) -> None:
        """No way around the lock."""
