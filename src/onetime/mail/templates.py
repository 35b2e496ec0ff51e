"""Subjects and bodies of the service's mails, from Jinja2 text templates.

Each kind is one file, ``templates/<kind>.txt.j2``, for every language: a
``subject`` block, and a body built on ``_layout`` (greeting, the manual's
closing lines) or ``_notice`` (the same, ending with the line that sends a
user who did not act to the branch). The words come from the ``mail`` domain of
the catalogue (``onetime.i18n``) through ``t``; times through the ``datetime``
filter, written as the catalogue's ``format.datetime`` says.

Context by kind (every kind also needs ``institution_name`` and ``support_name``):

============== ===============================================
kind           context
============== ===============================================
token_issued   service_id, user_id, download_url
token_set_up   user_id, activated_at
token_suspended user_id, suspended_at
token_released user_id, released_at
token_revoked  user_id, revoked_at, setup_available_at
============== ===============================================

Times are aware datetimes, shown in bank local time (Asia/Tokyo).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateError, pass_context
from jinja2.runtime import Context

from onetime.i18n import LANGUAGES, Translator
from onetime.mail.errors import ForbiddenContextKey, MailTemplateError

KINDS = frozenset(
    {"token_issued", "token_set_up", "token_suspended", "token_released", "token_revoked"}
)
# The manual's bank is in Japan; its mails state times as the branch does.
BANK_TIMEZONE = ZoneInfo("Asia/Tokyo")

# Whole words only for the short ones, so `encoded_name` or `spin` would pass.
_FORBIDDEN_KEY = re.compile(r"password|passcode|passwd|secret|(?:^|_)(?:code|pin)s?(?:_|$)")


def render(kind: str, lang: str = "ja", **context: Any) -> tuple[str, str]:
    """Render the mail `kind` in `lang` and return ``(subject, body)``.

    Raises:
        ForbiddenContextKey: a context key is named like a secret
            (``activation_password``, ``password``, ``secret``, ``code`` …).
        MailTemplateError: unknown kind or language, a missing context value,
            or a time that is not an aware datetime.
    """
    for key in context:
        if _FORBIDDEN_KEY.search(key.lower()):
            raise ForbiddenContextKey(key)
    if kind not in KINDS:
        raise MailTemplateError(f"unknown mail kind {kind!r}")
    if lang not in LANGUAGES:
        raise MailTemplateError(f"no mail templates in language {lang!r}")
    template = _ENVIRONMENT.get_template(f"{kind}.txt.j2")
    # Added after the check above: the translator is ours, never a caller's value.
    context = {**context, "t": Translator(lang, "mail", BANK_TIMEZONE.key)}
    try:
        subject = "".join(template.blocks["subject"](template.new_context(context))).strip()
        body = template.render(context)
    except TemplateError as exc:
        raise MailTemplateError(f"cannot render {kind} ({lang}): {exc.message}") from exc
    return subject, body.strip("\n") + "\n"


@pass_context
def _datetime(context: Context, value: datetime) -> str:
    """``2026年11月27日 8:10`` (ja) or ``27 November 2026, 8:10 (Japan time)`` (en)."""
    return context["t"].datetime(_to_bank_time(value))


def _to_bank_time(value: datetime) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise MailTemplateError(f"mail times must be aware datetimes, not {value!r}")
    return value.astimezone(BANK_TIMEZONE)


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("onetime.mail", "templates"),
        undefined=StrictUndefined,
        autoescape=False,  # noqa: S701 - plain-text mail: nothing is read as HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["datetime"] = _datetime
    return environment


_ENVIRONMENT = _environment()
