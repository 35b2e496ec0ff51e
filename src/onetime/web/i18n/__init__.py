"""The site's message catalogue: screen labels and one message per error `code`.

Japanese is the default and uses the manual's words; English is the switch.
Error messages may name the attributes of the error they describe
(`{attempts_left}`, `{at}`), filled in by `Translator.error`.
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_datetime
from babel.numbers import format_decimal

from onetime.domain.errors import OnetimeError
from onetime.web.i18n import en, ja

LANGUAGES = ("ja", "en")
DEFAULT = "ja"
_CATALOGUES = {"ja": (ja.LABELS, ja.ERRORS), "en": (en.LABELS, en.ERRORS)}
_DATETIME = {"ja": "yyyy年M月d日 H:mm", "en": "d MMM yyyy, H:mm"}


class Translator:
    """Labels, error messages and formats in one language, for one bank's time zone."""

    def __init__(self, lang: str, timezone: str = "Asia/Tokyo") -> None:
        self.lang = lang if lang in _CATALOGUES else DEFAULT
        self.labels, self.errors = _CATALOGUES[self.lang]
        self.timezone = timezone

    def __call__(self, key: str, **params: object) -> str:
        text = self.labels.get(key, key)
        return text.format(**params) if params else text

    def error(self, error: OnetimeError | str) -> str:
        if isinstance(error, str):
            return self.message(error)
        return self.message(error.code, attempts_left=getattr(error, "attempts_left", None),
                            available_at=getattr(error, "available_at", None))

    def message(self, code: str, *, attempts_left: int | None = None,
                available_at: datetime | None = None) -> str:
        """The catalogue's message for an error `code`, filled in with what it names."""
        text = self.errors.get(code) or self.errors["error"]
        params: dict[str, object] = {}
        if attempts_left is not None:
            params["attempts_left"] = attempts_left
        if available_at is not None:
            params["at"] = self.datetime(available_at)
        try:
            return text.format(**params)
        except (KeyError, IndexError):
            return self.errors["error"]

    def datetime(self, value: datetime | None) -> str:
        if value is None:
            return "-"
        return format_datetime(value, _DATETIME[self.lang], tzinfo=_zone(self.timezone),
                               locale=self.lang)

    def clock_time(self, value) -> str:
        """A wall-clock time of day (20:50) as the manual writes it (20時50分)."""
        return value.strftime("%-H時%M分") if self.lang == "ja" else value.strftime("%-H:%M")

    def yen(self, amount: int) -> str:
        return self("common.yen", amount=format_decimal(amount, locale=self.lang))


def _zone(name: str):
    from zoneinfo import ZoneInfo
    return ZoneInfo(name)


def translator(lang: str | None, timezone: str = "Asia/Tokyo") -> Translator:
    return Translator(lang or DEFAULT, timezone)
