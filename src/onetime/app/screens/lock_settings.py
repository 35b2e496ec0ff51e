"""アプリロック設定: the app lock ON or OFF (ON asks for a lock code, twice)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from onetime.app.screens.base import AppScreen


class LockSettingsScreen(AppScreen):
    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield self.title_line("lock.title")
            yield Static(self.t("lock.intro"), classes="intro")
            yield Static("", id="state")
            yield OptionList(Option(self.t("lock.on"), id="on"),
                             Option(self.t("lock.off"), id="off"), id="choice")
        yield Footer()

    def on_mount(self) -> None:
        self.show_state()

    def on_screen_resume(self) -> None:
        self.show_state()

    def show_state(self) -> None:
        on_ = self.token_app.lock_on
        self.query_one("#state", Static).update(
            self.t("lock.state", state=self.t("lock.on") if on_ else self.t("lock.off")))
        self.query_one("#choice", OptionList).highlighted = 0 if on_ else 1

    @on(OptionList.OptionSelected, "#choice")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == "on":
            self.token_app.show_lock_code()  # ON again sets a new code
        elif self.token_app.lock_on:
            self.token_app.disable_lock()
            self.show_state()
