"""The tokens of every institution, each with its institution name and user ID."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, OptionList
from textual.widgets.option_list import Option

from onetime.app.screens.base import AppScreen


class TokenListScreen(AppScreen):
    KEYS: ClassVar[list[tuple[str, str, str]]] = [
        ("escape", "back", "key.back"), ("n", "add", "key.add"),
        ("s", "settings", "key.settings"), ("q", "app.quit", "key.quit")]

    def compose(self) -> ComposeResult:
        tokens = self.token_app.vault.tokens if self.token_app.vault else ()
        with Vertical(classes="form"):
            yield self.title_line("list.title")
            yield OptionList(*[Option(self.t("list.item", institution=t.institution_name,
                                             user_id=t.user_id), id=f"{i}")
                               for i, t in enumerate(tokens)], id="tokens")
        yield Footer()

    @on(OptionList.OptionSelected, "#tokens")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        vault = self.token_app.vault
        if vault is not None:
            self.token_app.push_code(vault.tokens[int(event.option.id or 0)])

    def action_add(self) -> None:
        self.token_app.show_setup()

    def action_settings(self) -> None:
        self.token_app.show_settings()
