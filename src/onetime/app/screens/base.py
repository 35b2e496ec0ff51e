"""What every screen shares: translated key bindings, a title line, the footer."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

if TYPE_CHECKING:
    from onetime.app.i18n import Translator
    from onetime.app.ui import TokenApp


class Translated:
    """Binds `KEYS` — (key, action, catalogue key) — with descriptions in the app's language."""

    KEYS: ClassVar[list[tuple[str, str, str]]] = []

    def _bind_keys(self) -> None:
        bindings = self._bindings.key_to_bindings  # type: ignore[attr-defined]
        for key, action, text in self.KEYS:
            # A new list per key: the instance's map shares its lists with the class's,
            # and appending to them would add the key again to every later screen.
            bindings[key] = [*bindings.get(key, []), Binding(key, action, self.t(text))]

    @property
    def token_app(self) -> TokenApp:
        return self.app  # type: ignore[attr-defined,return-value]

    @property
    def t(self) -> Translator:
        return self.token_app.t


class AppScreen(Translated, Screen):
    """A full screen with a title line; Escape goes back where there is a way back."""

    KEYS: ClassVar[list[tuple[str, str, str]]] = [("escape", "back", "key.back")]

    def __init__(self) -> None:
        super().__init__()
        self._bind_keys()

    def title_line(self, key: str) -> Static:
        return Static(self.t(key), classes="title")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Hide "back" on the home screen, where there is nothing to go back to.
        if action == "back" and type(self).action_back is AppScreen.action_back:
            return len(self.app.screen_stack) > 2
        return True

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:  # the default screen, then home
            self.app.pop_screen()


class AppModal(Translated, ModalScreen):
    KEYS: ClassVar[list[tuple[str, str, str]]] = [("escape", "dismiss(False)", "key.back")]

    def __init__(self) -> None:
        super().__init__()
        self._bind_keys()
