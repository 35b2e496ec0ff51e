"""ワンタイムパスワードトークン発行 and ワンタイムパスワード認証確認 (rules 4-7)."""

from __future__ import annotations

import unicodedata

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse

from onetime.banking.domain.errors import (
    ActivationPasswordMismatch,
    CodeRejected,
    NothingToSkip,
    OtpSuspended,
    SetupNotFinished,
)
from onetime.domain.errors import OnetimeError
from onetime.domain.tokens import TokenState
from onetime.domain.verification import Result
from onetime.web import http
from onetime.web.deps import Customer, customer, customer_form, site
from onetime.web.render import render
from onetime.web.routes import explain, refusal, refuse, remember

router = APIRouter()
WAITING = (TokenState.ISSUED, TokenState.ACTIVATED)


@router.get("/issuance")
def issuance_page(request: Request, who: Customer = Depends(customer)):
    if not who.standing.needs_issuance:
        raise http.Redirect("/top")
    token = who.standing.token
    now = site(request).ctx.clock.now()
    embargo_at = (token.setup_available_at if token.state == TokenState.REVOKED
                  and token.setup_available_at and now < token.setup_available_at else None)
    kept = refusal(request, who)
    email = kept.values.get("email", "") if kept else ""
    return render(request, "issuance.html", csrf=who.csrf, me=who.standing,
                  error=explain(request, kept), email=email, embargo_at=embargo_at,
                  pending_state=token.state.value if token.state in WAITING else None,
                  sender_domain=who.institution.mail_sender.rpartition("@")[2])


@router.post("/issuance")
def issue(request: Request, who: Customer = Depends(customer),
          form: dict[str, str] = Depends(customer_form)):
    standing = who.standing
    if not standing.needs_issuance:
        raise http.Redirect("/top")
    email = form.get("email", "").strip()
    try:
        if form.get("action") == "skip":
            # トークン発行の省略: the token was issued before (rule 5).
            if standing.token.state not in WAITING:
                raise NothingToSkip("no issued token is waiting")
            return RedirectResponse("/confirmation", status_code=303)
        password = unicodedata.normalize("NFKC", form.get("activation_password", ""))
        again = unicodedata.normalize("NFKC", form.get("activation_password_again", ""))
        if password != again:
            raise ActivationPasswordMismatch("the two activation passwords differ")
        site(request).tokens.issue_token(who.institution, standing.user.user_id, email,
                                         password, actor=standing.user.actor,
                                         source_ip=http.source_ip(request))
    except OnetimeError as exc:
        return refuse(request, who, "/issuance", exc, email=email)
    site(request).kick()  # the issuance mail
    remember(request, who, mail_sent=True)
    return RedirectResponse("/confirmation", status_code=303)


@router.get("/confirmation")
def confirmation_page(request: Request, who: Customer = Depends(customer)):
    _gate(who)
    kept = refusal(request, who)
    return render(request, "confirmation.html", csrf=who.csrf, me=who.standing,
                  error=explain(request, kept, who.standing),
                  mail_sent=not kept and bool(who.session.data.get("mail_sent")))


def _gate(who: Customer) -> None:
    standing = who.standing
    if not standing.needs_issuance:
        raise http.Redirect("/top")
    if standing.token.state not in WAITING:
        raise http.Redirect("/issuance")


@router.post("/confirmation")
def confirm(request: Request, who: Customer = Depends(customer),
            form: dict[str, str] = Depends(customer_form)):
    _gate(who)
    standing = who.standing
    try:
        answer = site(request).tokens.confirm(who.institution, standing.user.user_id,
                                              form.get("code", "").strip(),
                                              source_ip=http.source_ip(request))
        if answer.result == Result.REJECTED:
            raise CodeRejected(answer.attempts_left)
        if answer.result == Result.SUSPENDED:
            site(request).kick()
            raise OtpSuspended("suspended during confirmation")
        if answer.result == Result.NOT_ACTIVE:
            raise SetupNotFinished("the app is not set up yet")
    except OnetimeError as exc:
        return refuse(request, who, "/confirmation", exc)
    remember(request, who, mail_sent=None, flash="confirmation.done")
    return RedirectResponse("/top", status_code=303)
