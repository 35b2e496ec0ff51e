"""The 取引確認 screen that every confirmable operation shares (振込・振替 now; 総合振込,
給与振込 and 承認 call the same functions): it shows what the token app is asked to confirm,
refreshes itself every few seconds while the request waits (a meta refresh: the site runs
no script), offers the OCRA code where the institution has offline 取引確認, and sends a
refused, expired or voided request back to the operation's start with its message.

The use case is banking/service/confirming.py; what is pending lives in the server-side
session under the caller's key, never in the browser.
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from onetime.banking.domain.confirming_errors import ConfirmationRejected
from onetime.banking.service.confirming import ConfirmingService, PendingConfirmation
from onetime.domain.confirmations import ConfirmationState
from onetime.domain.errors import (
    ConfirmationExpired,
    ConfirmationNotFound,
    ConfirmationNotPending,
    ConfirmationVoided,
    OnetimeError,
)
from onetime.web.deps import Customer
from onetime.web.render import render
from onetime.web.routes import explain, refusal, refuse, remember

S = ConfirmationState
REFRESH_SECONDS = 2
# Answers after which this confirmation can never book: the screen forgets it and the
# user starts the operation again.
FINAL = (ConfirmationRejected, ConfirmationExpired, ConfirmationVoided,
         ConfirmationNotPending, ConfirmationNotFound)
_ENDED = {S.REJECTED: ConfirmationRejected, S.VOIDED: ConfirmationRejected,
          S.EXPIRED: ConfirmationExpired, S.EXECUTED: ConfirmationNotPending}


def pending_of(who: Customer, key: str, subject: str) -> PendingConfirmation | None:
    """The confirmation kept under `key` for `subject` (a draft's ID), or None."""
    pending = PendingConfirmation.from_dict(who.session.data.get(key))
    return pending if pending is not None and pending.subject == subject else None


def show(request: Request, who: Customer, pending: PendingConfirmation,
         service: ConfirmingService, *, key: str, forget: tuple[str, ...], start: str,
         facts: str, action: str, offline_view: bool, **context: object) -> Response:
    """The 取引確認 page: the request's state, the facts, and what the user can do now.

    `facts` is the operation's template of the transaction; `action` the URL the form
    posts to book; `start` where a refused request sends the user, forgetting `key` and
    the session keys in `forget`.
    """
    try:
        state = service.state(who.institution, who.standing.user, pending)
    except OnetimeError as exc:
        if isinstance(exc, FINAL):
            return end(request, who, key, forget, start, exc)
        raise
    if state in _ENDED:
        return end(request, who, key, forget, start, _ENDED[state]("取引確認 ended"))
    code_form = pending.offline and (offline_view or not pending.online)
    kept = refusal(request, who)
    return render(request, "confirming.html", csrf=who.csrf, me=who.standing,
                  pending=pending, state=state, code_form=code_form, facts=facts,
                  action=action, start=start,
                  refresh=REFRESH_SECONDS if state == S.PENDING and not code_form else None,
                  error=explain(request, kept, who.standing), **context)


def end(request: Request, who: Customer, key: str, forget: tuple[str, ...], start: str,
        error: OnetimeError) -> Response:
    """Forget the confirmation (and the draft) and show why at the operation's start."""
    remember(request, who, **dict.fromkeys((key, *forget)))
    return refuse(request, who, start, error)
