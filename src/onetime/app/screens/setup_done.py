"""初期設定完了, with 次へ: the token is stored; the site's confirmation comes next."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Footer, Static

from onetime.app.screens.base import AppScreen
from onetime.app.token import StoredToken


class SetupDoneScreen(AppScreen):
    def __init__(self, token: StoredToken) -> None:
        super().__init__()
        self.token = token

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield self.title_line("done.title")
            yield Static(self.t("done.body", institution=self.token.institution_name,
                                user_id=self.token.user_id), id="body")
            yield Static(self.t("done.note"), classes="note")
            yield Button(self.t("done.next"), id="next", variant="primary")
        yield Footer()

    @on(Button.Pressed, "#next")
    def next(self) -> None:
        self.token_app.show_code(self.token)

    def action_back(self) -> None:
        self.next()  # the token is stored: there is no way back to the form
