"""One module per area of the site; helpers they share."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import Request

from onetime.domain.errors import OnetimeError
from onetime.domain.site_errors import OtpSuspended
from onetime.service.site_users import Standing
from onetime.web.deps import Customer, Staff, site
from onetime.web.render import translator


def remember(request: Request, who: Customer | Staff, **changes: Any) -> None:
    """Keep values in the server-side session (a pending transfer, a result to show);
    a value of None forgets the key."""
    data = {k: v for k, v in {**who.session.data, **changes}.items() if v is not None}
    site(request).sessions.save(who.session, data)
    who.session = dataclasses.replace(who.session, data=data)


def take(request: Request, who: Customer | Staff, key: str) -> Any:
    """A value kept in the session, removed from it (a flash message)."""
    value = who.session.data.get(key)
    if value is not None:
        remember(request, who, **{key: None})
    return value


def explain(request: Request, error: OnetimeError, standing: Standing | None = None) -> str:
    """The message for a failed form; a suspension says who can release it (rule 8)."""
    t = translator(request)
    if isinstance(error, OtpSuspended) and standing is not None:
        return t("suspended." + standing.advice.value)
    return t.error(error)
