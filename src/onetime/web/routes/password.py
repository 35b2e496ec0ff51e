"""パスワード変更: where an initial password leads, and where anyone changes theirs."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse

from onetime.domain.errors import OnetimeError
from onetime.web import http
from onetime.web.deps import PASSWORD_PAGE, Customer, customer, customer_form, site
from onetime.web.render import render
from onetime.web.routes import explain, refusal, refuse, remember

router = APIRouter()


@router.get(PASSWORD_PAGE)
def password_page(request: Request, who: Customer = Depends(customer)):
    kept = refusal(request, who)
    return render(request, "password.html", csrf=who.csrf, me=who.standing,
                  required=who.standing.user.must_change_password,
                  error=explain(request, kept, who.standing))


@router.post(PASSWORD_PAGE)
def change_password(request: Request, who: Customer = Depends(customer),
                    form: dict[str, str] = Depends(customer_form)):
    try:
        site(request).passwords.change(
            who.institution, who.standing.user, current=form.get("current_password", ""),
            login=form.get("new_password", ""), login_again=form.get("new_password_again", ""),
            confirmation=form.get("new_confirmation", ""),
            confirmation_again=form.get("new_confirmation_again", ""),
            source_ip=http.source_ip(request))
    except OnetimeError as exc:  # no value is kept: every field here is a password
        return refuse(request, who, PASSWORD_PAGE, exc)
    remember(request, who, flash="password.done")  # a message key: the top page says it
    return RedirectResponse("/", status_code=303)
