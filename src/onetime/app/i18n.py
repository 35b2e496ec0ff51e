"""The app's translator: the `app` domain of the catalogue (`onetime.i18n`), and the
user's message for each app error."""

from __future__ import annotations

from datetime import datetime

from onetime import i18n
from onetime.app import errors
from onetime.app.format import bank_time

LANGUAGES = i18n.LANGUAGES


class Translator(i18n.Translator):
    """`t("setup.title")` → the text in the current language (Japanese by default)."""

    def __init__(self, language: str = "ja") -> None:
        super().__init__(language, "app")

    @property
    def language(self) -> str:
        return self.lang


def describe(error: errors.AppError, t: Translator, now: datetime) -> str:
    """The user's message for an app error."""
    if isinstance(error, errors.WrongActivationPassword):
        if error.attempts_left == 0:
            return t("error.wrong_activation_password_last")
        return t("error.wrong_activation_password", n=error.attempts_left)
    if isinstance(error, errors.SetupEmbargoed):
        return t("error.setup_embargoed", time=bank_time(error.available_at, now))
    key = f"error.{error.code}"
    return t(key) if t.knows(key) else t("error.error")
