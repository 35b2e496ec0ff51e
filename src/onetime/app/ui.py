"""The Textual app `onetime-token`: which screen comes when, and the vault it holds open.

Build it with `make_app`, which takes everything from outside — the vault's path,
the clock, the service client, the KDF costs — so that tests and snapshots run
with a fake clock and cheap argon2.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.screen import Screen

from onetime.app import errors
from onetime.app.client import ServiceClient
from onetime.app.i18n import LANGUAGES, Translator
from onetime.app.screens.broken import BrokenVaultScreen
from onetime.app.screens.code import CodeScreen
from onetime.app.screens.confirmations import ConfirmationScreen
from onetime.app.screens.delete_token import DeleteTokenScreen
from onetime.app.screens.language import LanguageScreen
from onetime.app.screens.lock_code import LockCodeScreen
from onetime.app.screens.lock_settings import LockSettingsScreen
from onetime.app.screens.ocra import OcraScreen
from onetime.app.screens.settings import SettingsScreen
from onetime.app.screens.setup import SetupScreen
from onetime.app.screens.time_check import TimeCheckScreen
from onetime.app.screens.tokens import TokenListScreen
from onetime.app.screens.unlock import UnlockScreen
from onetime.app.token import StoredToken
from onetime.app.vault import MIN_UNLOCK_SECONDS, VAULT_KDF, Vault, VaultFile
from onetime.crypto import KdfParams
from onetime.domain.clock import Clock


class TokenApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "onetime-token"
    ENABLE_COMMAND_PALETTE = False  # every action has a key in the footer instead

    def __init__(self, vault_file: VaultFile, clock: Clock, client: ServiceClient | None,
                 language: str = "ja") -> None:
        super().__init__()
        self.vault_file = vault_file
        self.clock = clock
        self.client = client
        self.vault: Vault | None = None
        self.t = Translator(language)
        self.last_notice = ""  # what notice() said last, for tests and screen readers

    # -- start ------------------------------------------------------------------------

    def on_mount(self) -> None:
        if not self.vault_file.exists():
            self.reset_to(SetupScreen())
            return
        try:
            info = self.vault_file.info()
            self.t = Translator(info.language)
            if info.locked:
                self.reset_to(UnlockScreen(info.lock))
                return
            self.vault = self.vault_file.open()
        except errors.VaultCorrupt:
            self.show_broken()
            return
        self.show_home()

    def unlocked(self, vault: Vault) -> None:
        self.vault = vault
        self.show_home()
        if vault.tamper_detected:
            self.notice(self.t("unlock.tampered"), severity="warning")

    def wiped(self, *, notice: bool = True) -> None:
        """Every token is gone (10 wrong lock codes, or the user started over)."""
        self.vault = None
        self.reset_to(SetupScreen(self.t("unlock.wiped") if notice else ""))

    # -- where to go -------------------------------------------------------------------

    def reset_to(self, screen: Screen) -> None:
        """Make `screen` the bottom of the stack (above Textual's default screen)."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(screen)

    def show_home(self) -> None:
        """初期設定 with no token, the code with one, the list with several."""
        tokens = self.vault.tokens if self.vault else ()
        if not tokens:
            self.reset_to(SetupScreen())
        elif len(tokens) == 1:
            self.reset_to(CodeScreen(tokens[0]))
        else:
            self.reset_to(TokenListScreen())

    def show_code(self, token: StoredToken) -> None:
        """Home, then this token's code (after 初期設定完了 → 次へ)."""
        self.show_home()
        if not isinstance(self.screen_stack[-1], CodeScreen):
            self.push_code(token)

    def push_code(self, token: StoredToken) -> None:
        self.push_screen(CodeScreen(token))

    def show_tokens(self) -> None:
        self.push_screen(TokenListScreen())

    def show_setup(self) -> None:
        self.push_screen(SetupScreen())

    def show_confirmations(self, token: StoredToken) -> None:
        """取引確認 for this token's institution and user."""
        self.push_screen(ConfirmationScreen(token))

    def show_ocra(self, token: StoredToken) -> None:
        self.push_screen(OcraScreen(token))

    def show_settings(self) -> None:
        self.push_screen(SettingsScreen())

    def show_setting(self, item: str) -> None:
        screens = {"lock": LockSettingsScreen, "delete": DeleteTokenScreen,
                   "time": TimeCheckScreen, "language": LanguageScreen}
        self.push_screen(screens[item]())

    def show_lock_code(self) -> None:
        self.push_screen(LockCodeScreen())

    def show_broken(self) -> None:
        self.reset_to(BrokenVaultScreen())

    def notice(self, text: str, *, severity: str = "information") -> None:
        self.last_notice = text
        self.notify(text, severity=severity)  # type: ignore[arg-type]

    # -- changes the screens ask for -----------------------------------------------------

    @property
    def lock_on(self) -> bool:
        return self.vault is not None and self.vault.lock_on

    def ensure_vault(self) -> Vault:
        if self.vault is None:
            self.vault = self.vault_file.open_or_create(self.t.language)
        return self.vault

    def disable_lock(self) -> None:
        self.ensure_vault().disable_lock()
        self.notice(self.t("lock.turned_off"))

    def delete_token(self, token: StoredToken) -> None:
        self.ensure_vault().remove(token.service_id, token.user_id)
        self.show_home()
        self.notice(self.t("delete.done"))

    def set_language(self, language: str) -> None:
        if language not in LANGUAGES:
            return
        self.t = Translator(language)
        if self.vault is not None:
            self.vault.set_language(language)
        self.show_home()  # rebuild every screen in the new language


def make_app(vault_path: str | Path, clock: Clock, client: ServiceClient | None, *,
             lock_kdf: KdfParams = VAULT_KDF, min_unlock_seconds: float = MIN_UNLOCK_SECONDS,
             language: str = "ja") -> TokenApp:
    """The app over the vault at `vault_path`; `client` talks to the OTP service."""
    vault_file = VaultFile(Path(vault_path), clock, lock_kdf=lock_kdf,
                           min_unlock_seconds=min_unlock_seconds)
    return TokenApp(vault_file, clock, client, language)
