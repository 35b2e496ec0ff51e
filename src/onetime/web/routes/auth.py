"""ログイン, ログアウト and the language switch."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse

from onetime.banking.domain.errors import LoginFailed, LoginThrottled
from onetime.web import http
from onetime.web.deps import (
    PASSWORD_PAGE,
    anonymous_form,
    any_form,
    customer,
    customer_form,
    institution,
    site,
)
from onetime.web.i18n import LANGUAGES
from onetime.web.refusals import anonymous_refusal, forget_anonymous, refuse_anonymous
from onetime.web.render import render, translator

router = APIRouter()


@router.get("/")
def home(request: Request):
    try:
        who = customer(request)
    except http.LoginRequired:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/issuance" if who.standing.needs_issuance else "/top",
                            status_code=303)


@router.get("/login")
def login_page(request: Request, expired: str | None = None, bye: str | None = None):
    institution(request)
    try:
        customer(request)
        return RedirectResponse("/", status_code=303)
    except http.LoginRequired:
        pass
    t = translator(request)
    flash = t("login.expired") if expired else t("login.logged_out") if bye else None
    kept = anonymous_refusal(request)
    response = render(request, "login.html", flash=flash,
                      error=kept.message(t) if kept else None,
                      login_id=kept.values.get("login_id", "") if kept else "")
    return forget_anonymous(response, request)


@router.post("/login")
def login(request: Request, form: dict[str, str] = Depends(anonymous_form)):
    inst = institution(request)
    try:
        user = site(request).users.authenticate(inst, form.get("login_id", ""),
                                                form.get("password", ""),
                                                source_ip=http.source_ip(request))
    except (LoginFailed, LoginThrottled) as exc:
        return refuse_anonymous(request, "/login", exc,
                                {"login_id": form.get("login_id", "")[:64]})
    token, _row = site(request).sessions.create("customer", inst.id, user.id)
    standing = site(request).users.standing(inst, user.id)
    after = PASSWORD_PAGE if user.must_change_password else \
        "/issuance" if standing.needs_issuance else "/top"
    response = RedirectResponse(after, status_code=303)
    http.set_cookie(response, request, http.CUSTOMER_COOKIE, token)
    return response


@router.post("/logout")
def logout(request: Request, form: dict[str, str] = Depends(customer_form)):
    site(request).sessions.destroy(http.read_cookie(request, http.CUSTOMER_COOKIE))
    response = RedirectResponse("/login?bye=1", status_code=303)
    http.clear_cookie(response, request, http.CUSTOMER_COOKIE)
    return response


@router.post("/lang")
def switch_language(request: Request, form: dict[str, str] = Depends(any_form)):
    lang = form.get("lang") if form.get("lang") in LANGUAGES else "ja"
    response = RedirectResponse(http.local_path(form.get("next")), status_code=303)
    http.set_cookie(response, request, http.LANG_COOKIE, lang)
    return response
