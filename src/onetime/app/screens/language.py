"""言語: 日本語 or English; the choice is kept in the vault's header."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, OptionList
from textual.widgets.option_list import Option

from onetime.app.i18n import LANGUAGES
from onetime.app.screens.base import AppScreen


class LanguageScreen(AppScreen):
    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield self.title_line("language.title")
            yield OptionList(*[Option(self.t(f"language.{code}"), id=code)
                               for code in LANGUAGES], id="languages")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#languages", OptionList).highlighted = LANGUAGES.index(self.t.language)

    @on(OptionList.OptionSelected, "#languages")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.token_app.set_language(event.option.id or "ja")
