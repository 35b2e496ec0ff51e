"""A vault that does not authenticate: say so, and offer to start over."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Static

from onetime.app.screens.base import AppScreen


class BrokenVaultScreen(AppScreen):
    KEYS: ClassVar[list[tuple[str, str, str]]] = [("ctrl+q", "app.quit", "key.quit")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield self.title_line("broken.title")
            yield Static(self.t("broken.body"), classes="warning-text")
            with Horizontal(classes="buttons"):
                yield Button(self.t("broken.quit"), id="quit")
                yield Button(self.t("broken.wipe"), id="wipe", variant="error")
        yield Footer()

    @on(Button.Pressed, "#quit")
    def _quit(self) -> None:
        self.app.exit()

    @on(Button.Pressed, "#wipe")
    def _wipe(self) -> None:
        self.token_app.vault_file.wipe()
        self.token_app.wiped(notice=False)

    def action_back(self) -> None:
        """Nowhere to go back to."""
