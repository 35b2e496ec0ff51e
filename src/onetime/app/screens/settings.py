"""設定: アプリロック設定, トークン削除, 時刻確認, 言語."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, OptionList
from textual.widgets.option_list import Option

from onetime.app.screens.base import AppScreen

ITEMS = ("lock", "delete", "time", "language")


class SettingsScreen(AppScreen):
    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield self.title_line("settings.title")
            yield OptionList(*[Option(self.t(f"settings.{item}"), id=item) for item in ITEMS],
                             id="items")
        yield Footer()

    @on(OptionList.OptionSelected, "#items")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.token_app.show_setting(event.option.id or "")
