"""The site's translator: the `site` domain of the catalogue, and a message per error `code`.

Japanese is the default and uses the manual's words; English is the switch
(`onetime.i18n`). Error messages are `error.<code>` and may name the attributes of the
error they describe (`{attempts_left}`, `{at}`), filled in by `Translator.error`.
"""

from __future__ import annotations

from datetime import datetime

from onetime import i18n
from onetime.domain.errors import OnetimeError

LANGUAGES = i18n.LANGUAGES
DEFAULT = i18n.DEFAULT


class Translator(i18n.Translator):
    """Labels, error messages and formats in one language, for one bank's time zone."""

    def __init__(self, lang: str | None, timezone: str = "Asia/Tokyo") -> None:
        super().__init__(lang, "site", timezone)

    def error(self, error: OnetimeError | str) -> str:
        if isinstance(error, str):
            return self.message(error)
        return self.message(error.code, attempts_left=getattr(error, "attempts_left", None),
                            available_at=getattr(error, "available_at", None))

    def message(self, code: str, *, attempts_left: int | None = None,
                available_at: datetime | None = None) -> str:
        """The catalogue's message for an error `code`, filled in with what it names."""
        key = f"error.{code}" if self.knows(f"error.{code}") else "error.error"
        params: dict[str, object] = {}
        if attempts_left is not None:
            params["attempts_left"] = attempts_left
        if available_at is not None:
            params["at"] = self.datetime(available_at)
        try:
            # Formatted even without params: a message naming a value we lack is not shown.
            return self.text(key).format(**params)
        except (KeyError, IndexError):
            return self.text("error.error")

