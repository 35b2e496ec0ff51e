"""One message catalogue for the site, the token app and the mails: gettext, kept with Babel.

`locale/<lang>/LC_MESSAGES/<domain>.po` holds one domain per part (`site`, `app`,
`mail`). Message ids are stable keys (`login.title`, `error.code_rejected`); Japanese is
the source and complete, English the switch (`make i18n` brings en up to ja). Texts may
name placeholders in braces (`{attempts_left}`), filled in by `Translator.__call__`;
dates and amounts are formatted by Babel with patterns the catalogue itself holds
(`format.datetime`), so each language writes them its own way.

This package imports nothing of ours: it is used by web/, app/ and mail/ alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from functools import cache
from importlib.resources import files
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LANGUAGES = ("ja", "en")
DEFAULT = "ja"
DOMAINS = ("site", "app", "mail")


@cache
def messages(lang: str, domain: str) -> Mapping[str, str]:
    """The translated messages of `domain` in `lang`, by id (untranslated and fuzzy left out).

    Read from the .po file once per process: no compiled .mo is built or committed, so a
    checkout (or an editable install) runs as it is, and a few hundred messages parse in
    milliseconds. Raises FileNotFoundError for an unknown language or domain.
    """
    resource = files(__package__) / "locale" / lang / "LC_MESSAGES" / f"{domain}.po"
    with resource.open("rb") as po:
        catalog = read_po(po, locale=lang, domain=domain)
    return {m.id: m.string for m in catalog
            if m.id and m.string and not m.fuzzy and isinstance(m.id, str)}


class Translator:
    """Messages and formats of one `domain` in one language, for one bank's time zone.

    A message missing in English falls back to Japanese, then to its id, so a screen
    never fails on a label (the catalogue tests keep both languages whole).
    """

    def __init__(self, lang: str | None, domain: str, timezone: str = "Asia/Tokyo") -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT
        self.domain = domain
        self.timezone = timezone
        self._texts = messages(self.lang, domain)
        self._source = messages(DEFAULT, domain)

    def knows(self, key: str) -> bool:
        return key in self._texts or key in self._source

    def text(self, key: str) -> str:
        """The message `key` as written, placeholders and all."""
        return self._texts.get(key) or self._source.get(key) or key

    def __call__(self, key: str, **params: object) -> str:
        """The message `key`, its `{placeholders}` filled in from `params`.

        Raises KeyError if the message names a placeholder `params` lacks.
        """
        text = self.text(key)
        return text.format(**params) if params else text

    def datetime(self, value: datetime | None) -> str:
        """`value` in the bank's time zone, as `format.datetime` writes it ("-" for None)."""
        if value is None:
            return "-"
        return format_datetime(value, self.text("format.datetime"),
                               tzinfo=ZoneInfo(self.timezone), locale=self.lang)

    def date(self, value: date | None) -> str:
        """A calendar date (a value date) as `format.date` writes it ("-" for None)."""
        if value is None:
            return "-"
        return format_date(value, self.text("format.date"), locale=self.lang)

    def clock_time(self, value: time) -> str:
        """A wall-clock time of day (20:50) as the manual writes it (20時50分)."""
        return format_time(value, self.text("format.clock_time"), locale=self.lang)

    def yen(self, amount: int) -> str:
        return self("common.yen", amount=format_decimal(amount, locale=self.lang))
