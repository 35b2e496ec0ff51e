"""One module per area of the site; helpers they share."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import Request

from onetime.web.deps import Customer, Staff, site


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
