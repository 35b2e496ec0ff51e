"""The warning before a token is deleted: 削除 or キャンセル."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from onetime.app.screens.base import AppModal
from onetime.app.token import StoredToken


class ConfirmDeleteScreen(AppModal):
    def __init__(self, token: StoredToken) -> None:
        super().__init__()
        self.token = token

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.t("delete.confirm", institution=self.token.institution_name,
                                user_id=self.token.user_id), id="question")
            yield Static(self.t("delete.warning"), classes="warning-text")
            with Horizontal(classes="buttons"):
                yield Button(self.t("delete.cancel"), id="cancel")
                yield Button(self.t("delete.ok"), id="delete", variant="error")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()  # the safe choice is the default

    @on(Button.Pressed, "#delete")
    def _delete(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(False)
