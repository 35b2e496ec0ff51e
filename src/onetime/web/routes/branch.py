"""The branch console: sign-in, search, 認証開始申込, release, revoke, reset issuance."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse

from onetime.banking.domain import rights
from onetime.banking.domain.errors import LoginFailed, LoginThrottled
from onetime.banking.domain.rights import StaffAction
from onetime.domain.errors import OnetimeError
from onetime.web import http
from onetime.web.deps import Staff, anonymous_form, institution, site, staff, staff_form
from onetime.web.refusals import anonymous_refusal, forget_anonymous, refuse_anonymous
from onetime.web.render import render, translator
from onetime.web.routes import explain, refusal, refuse, remember, take

router = APIRouter(prefix="/branch")
ACTIONS = ("release", "revoke", "reset")


@router.get("/login")
def login_page(request: Request, expired: str | None = None):
    institution(request)
    try:
        staff(request)
        return RedirectResponse("/branch", status_code=303)
    except http.LoginRequired:
        pass
    t = translator(request)
    kept = anonymous_refusal(request)
    response = render(request, "login.html", area="branch",
                      flash=t("login.expired") if expired else None,
                      error=kept.message(t) if kept else None,
                      login_id=kept.values.get("login_id", "") if kept else "")
    return forget_anonymous(response, request)


@router.post("/login")
def login(request: Request, form: dict[str, str] = Depends(anonymous_form)):
    inst = institution(request)
    try:
        person = site(request).branch.authenticate(inst, form.get("login_id", ""),
                                                   form.get("password", ""),
                                                   source_ip=http.source_ip(request))
    except (LoginFailed, LoginThrottled) as exc:
        return refuse_anonymous(request, "/branch/login", exc,
                                {"login_id": form.get("login_id", "")[:64]})
    token, _row = site(request).sessions.create("branch", inst.id, person.id)
    response = RedirectResponse("/branch", status_code=303)
    http.set_cookie(response, request, http.BRANCH_COOKIE, token)
    return response


@router.post("/logout")
def logout(request: Request, form: dict[str, str] = Depends(staff_form)):
    site(request).sessions.destroy(http.read_cookie(request, http.BRANCH_COOKIE))
    response = RedirectResponse("/branch/login", status_code=303)
    http.clear_cookie(response, request, http.BRANCH_COOKIE)
    return response


@router.get("")
def home(request: Request, q: str | None = None, who: Staff = Depends(staff)):
    result = site(request).branch.search(who.institution, q or "") if q is not None else None
    return render(request, "branch_home.html", area="branch", csrf=who.csrf,
                  staff=who.staff, query=q or "", result=result,
                  may_add_staff=rights.staff_may(who.staff, StaffAction.ADD_STAFF))


def _contract_url(contract_id: int) -> str:
    return f"/branch/contracts/{contract_id}"


@router.get("/contracts/{contract_id}")
def contract(request: Request, contract_id: int, who: Staff = Depends(staff)):
    view = site(request).branch.contract_view(who.institution, contract_id)
    flash = take(request, who, "flash")
    kept = refusal(request, who)
    return render(request, "branch_contract.html", area="branch", csrf=who.csrf,
                  staff=who.staff, view=view, error=explain(request, kept), flash=flash,
                  kept=kept.values if kept else {},
                  may_open_account=rights.staff_may(who.staff, StaffAction.OPEN_ACCOUNT))


@router.post("/contracts/{contract_id}/otp")
def enable_otp(request: Request, contract_id: int, who: Staff = Depends(staff),
               form: dict[str, str] = Depends(staff_form)):
    try:
        site(request).branch.enable_otp(who.institution, who.staff, contract_id,
                                        form.get("reason", ""),
                                        source_ip=http.source_ip(request))
    except OnetimeError as exc:
        return refuse(request, who, _contract_url(contract_id), exc,
                      **{"enable-reason": form.get("reason", "")})
    remember(request, who, flash=translator(request)("branch.done.enable"))
    return RedirectResponse(_contract_url(contract_id), status_code=303)


ACCOUNT_FIELDS = ("branch_code", "account_type", "account_number", "holder_name",
                  "opening_balance")


@router.post("/contracts/{contract_id}/accounts")
def open_account(request: Request, contract_id: int, who: Staff = Depends(staff),
                 form: dict[str, str] = Depends(staff_form)):
    """口座開設: the contract's account and its first deposit (a supervisor's)."""
    typed = {k: form.get(k, "")[:100] for k in ACCOUNT_FIELDS}
    view = site(request).branch.contract_view(who.institution, contract_id)
    try:
        account = site(request).onboarding.open_account(
            who.institution, view.contract.number, actor=who.staff.actor, by=who.staff,
            source_ip=http.source_ip(request), **typed)
    except OnetimeError as exc:
        return refuse(request, who, _contract_url(contract_id), exc,
                      **{f"account-{k}": v for k, v in typed.items()})
    remember(request, who, flash=translator(request)("branch.done.open_account",
                                                     number=account.account_number))
    return RedirectResponse(_contract_url(contract_id), status_code=303)


@router.post("/users/{site_user_id}/{action}")
def act(request: Request, site_user_id: int, action: str, who: Staff = Depends(staff),
        form: dict[str, str] = Depends(staff_form)):
    if action not in ACTIONS:
        raise http.Redirect("/branch")
    branch = site(request).branch
    user = site(request).users.user(who.institution, site_user_id)
    t = translator(request)
    reason, ip = form.get("reason", ""), http.source_ip(request)
    try:
        if action == "release":
            branch.release(who.institution, who.staff, user.id, reason, source_ip=ip)
            flash = t("branch.done.release", name=user.name)
        elif action == "revoke":
            doc = branch.revoke(who.institution, who.staff, user.id, reason, source_ip=ip)
            flash = t("branch.done.revoke", name=user.name,
                      at=t.datetime(doc.setup_available_at))
        else:
            branch.reset_issuance(who.institution, who.staff, user.id, reason, source_ip=ip)
            flash = t("branch.done.reset", name=user.name)
    except OnetimeError as exc:
        return refuse(request, who, _contract_url(user.contract_id), exc,
                      **{f"reason-{action}-{user.id}": reason})
    remember(request, who, flash=flash)
    return RedirectResponse(_contract_url(user.contract_id), status_code=303)
