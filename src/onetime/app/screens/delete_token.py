"""トークン削除: pick a token, read the warning, confirm."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from onetime.app.screens.base import AppScreen
from onetime.app.screens.confirm_delete import ConfirmDeleteScreen
from onetime.app.token import StoredToken


class DeleteTokenScreen(AppScreen):
    def compose(self) -> ComposeResult:
        tokens = self._tokens()
        with Vertical(classes="form"):
            yield self.title_line("delete.title")
            yield Static(self.t("delete.intro") if tokens else self.t("delete.none"))
            yield OptionList(*[Option(self.t("list.item", institution=t.institution_name,
                                             user_id=t.user_id), id=str(i))
                               for i, t in enumerate(tokens)], id="tokens")
            yield Static(self.t("delete.warning"), classes="warning-text")
        yield Footer()

    def _tokens(self) -> tuple[StoredToken, ...]:
        return self.token_app.vault.tokens if self.token_app.vault else ()

    @on(OptionList.OptionSelected, "#tokens")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        token = self._tokens()[int(event.option.id or 0)]

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self.token_app.delete_token(token)

        self.app.push_screen(ConfirmDeleteScreen(token), answered)
