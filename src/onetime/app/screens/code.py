"""The code: 8 digits in two groups, the seconds left as 0:58, and a bar that warns."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Digits, Footer, Static

from onetime.app.format import countdown, group_code
from onetime.app.screens.base import AppScreen
from onetime.app.token import StoredToken
from onetime.app.widgets import WARN_SECONDS, CountdownBar


class CodeScreen(AppScreen):
    KEYS: ClassVar[list[tuple[str, str, str]]] = [
        ("escape", "back", "key.back"), ("l", "tokens", "key.list"), ("n", "add", "key.add"),
        ("c", "confirmations", "key.confirm"), ("o", "ocra", "key.ocra"),
        ("s", "settings", "key.settings"), ("q", "app.quit", "key.quit")]

    def __init__(self, token: StoredToken) -> None:
        super().__init__()
        self.token = token

    def compose(self) -> ComposeResult:
        with Vertical(classes="code-box"):
            yield self.title_line("code.title")
            yield Static(self.token.institution_name, id="institution")
            yield Static(self.t("code.user", user_id=self.token.user_id), id="user")
            yield Digits("", id="code")
            yield Static("", id="left")
            yield CountdownBar(id="bar")
            yield Static(self.t("code.note"), classes="note")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_code()
        # Twice a second, so the new code shows within half a second of the step change.
        self.set_interval(0.5, self.refresh_code)

    def refresh_code(self) -> None:
        now = self.token_app.clock.now()
        left = self.token.seconds_left(now)
        self.query_one("#code", Digits).update(group_code(self.token.code_at(now)))
        label = self.query_one("#left", Static)
        label.update(self.t("code.left", left=countdown(left)))
        label.set_class(left <= WARN_SECONDS, "warning")
        self.query_one("#bar", CountdownBar).show(left, self.token.period)

    def action_tokens(self) -> None:
        self.token_app.show_tokens()

    def action_add(self) -> None:
        self.token_app.show_setup()

    def action_settings(self) -> None:
        self.token_app.show_settings()

    def action_confirmations(self) -> None:
        self.token_app.show_confirmations(self.token)

    def action_ocra(self) -> None:
        self.token_app.show_ocra(self.token)
