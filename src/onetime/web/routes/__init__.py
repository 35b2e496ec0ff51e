"""One module per area of the site; helpers they share."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import Request
from starlette.responses import RedirectResponse

from onetime.banking.domain.errors import OtpSuspended
from onetime.banking.service.users import Standing
from onetime.domain.errors import OnetimeError
from onetime.web import http
from onetime.web.deps import Customer, Staff, site
from onetime.web.refusals import Refusal, refuse_anonymous
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


def refuse(request: Request, who: Customer | Staff, form: str, error: OnetimeError,
           **values: str) -> RedirectResponse:
    """Post/Redirect/Get: keep why the form was refused (and its non-secret `values`) in
    the session, and send the browser back to the form's GET URL `form`.

    A suspension has ended the user's sessions (issue 10.6): the login page says why,
    and after signing in again the top page says who releases it (rule 8)."""
    if isinstance(error, OtpSuspended):
        response = refuse_anonymous(request, "/login", error, {})
        http.clear_cookie(response, request, http.CUSTOMER_COOKIE)
        return response
    remember(request, who, refusal=Refusal.of(form, error, values).to_dict())
    return RedirectResponse(form, status_code=303)


def refusal(request: Request, who: Customer | Staff) -> Refusal | None:
    """The refusal of the form on this page, taken from the session (shown once).
    Another page's refusal is dropped too: it is stale once the user went elsewhere."""
    kept = Refusal.from_dict(take(request, who, "refusal"))
    return kept if kept is not None and kept.form == request.url.path else None


def explain(request: Request, kept: Refusal | None, standing: Standing | None = None
            ) -> str | None:
    """The message of a refused form; a suspension says who can release it (rule 8)."""
    return kept.message(translator(request), standing) if kept is not None else None


def requested(request: Request, who: Customer, approval_id: int,
              **forget: None) -> RedirectResponse:
    """承認: the confirmation screen made a request instead of a booking; the draft is
    forgotten and the request's page says it waits for an approver."""
    remember(request, who, flash=translator(request)("approval.done.requested"), **forget)
    return RedirectResponse(f"/approvals/{approval_id}", status_code=303)
