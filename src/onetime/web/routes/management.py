"""管理 → 利用者管理 → 作業内容選択: 利用停止解除 and トークンの失効 (rules 8-10), and
トークン管理 (the users' token states) — all of them the トークン管理 screens of the
manual, reached through the step-up when the institution's policy asks a code for
token management (issue 12.6): one passed step-up opens them for domain/stepup.py's GRANT.

Who may act on whom (never on oneself) is decided in domain/people.py.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse

from onetime.banking.domain.errors import NotPermitted, NoUserSelected
from onetime.banking.domain.people import has_admin
from onetime.banking.domain.stepup import Requirement, still_granted
from onetime.domain.errors import OnetimeError
from onetime.domain.values import Operation
from onetime.web import http
from onetime.web.deps import Customer, customer, customer_form, manager, site
from onetime.web.render import render, translator
from onetime.web.routes import explain, refusal, refuse, remember

router = APIRouter(prefix="/manage")


def any_stage_manager(who: Customer = Depends(customer)) -> Customer:
    """For result screens: a master who just revoked their own token still sees the result."""
    if not who.standing.user.manages_users:
        raise NotPermitted("only master and admin users manage users")
    return who


def token_manager(request: Request, who: Customer = Depends(manager)) -> Customer:
    """A manager who passed the トークン管理 step-up, when the policy asks one; else to it.
    (Forms name it after `customer_form`, so a forged post is refused as such first.)"""
    if _token_stepup_needed(request, who).code and not still_granted(
            _granted_at(who), site(request).ctx.clock.now()):
        raise http.Redirect("/manage/tokens/stepup")
    return who


def _token_stepup_needed(request: Request, who: Customer) -> Requirement:
    return site(request).stepup.requirement(who.institution, who.standing.contract,
                                            Operation.TOKEN_MANAGEMENT)


def _granted_at(who: Customer) -> datetime | None:
    try:
        return datetime.fromisoformat(who.session.data["token_stepup_at"])
    except (KeyError, TypeError, ValueError):
        return None


@router.get("")
def menu(request: Request, who: Customer = Depends(manager)):
    return render(request, "manage_menu.html", csrf=who.csrf, me=who.standing)


@router.get("/users")
def tasks(request: Request, who: Customer = Depends(manager)):
    return render(request, "manage_tasks.html", csrf=who.csrf, me=who.standing)


# -- トークン管理: the step-up that opens the screens, and the token states ---------


@router.get("/tokens/stepup")
def token_stepup_page(request: Request, who: Customer = Depends(manager)):
    need = _token_stepup_needed(request, who)
    if not need.code:
        raise http.Redirect("/manage/tokens")
    kept = refusal(request, who)
    return render(request, "token_stepup.html", csrf=who.csrf, me=who.standing, need=need,
                  error=explain(request, kept, who.standing))


@router.post("/tokens/stepup")
def token_stepup(request: Request, who: Customer = Depends(manager),
                 form: dict[str, str] = Depends(customer_form)):
    try:
        site(request).stepup.check(
            who.institution, who.standing.user, who.standing.contract,
            Operation.TOKEN_MANAGEMENT, form.get("confirmation_password", ""),
            form.get("code", "").strip(), source_ip=http.source_ip(request))
    except OnetimeError as exc:
        return refuse(request, who, "/manage/tokens/stepup", exc)
    remember(request, who, token_stepup_at=site(request).ctx.clock.now().isoformat())
    return RedirectResponse("/manage/tokens", status_code=303)


@router.get("/tokens")
def tokens(request: Request, who: Customer = Depends(token_manager)):
    """トークン管理: every user's token state (発行状況), and the two tasks."""
    rows = site(request).management.revoke_list(who.institution, who.standing)
    return render(request, "token_states.html", csrf=who.csrf, me=who.standing, rows=rows)


# -- ワンタイムパスワードの利用停止解除 ---------------------------------------------


@router.get("/release")
def release_list(request: Request, who: Customer = Depends(token_manager)):
    rows = site(request).management.release_list(who.institution, who.standing)
    # The manual's release screen asks for the confirmation password only.
    need = Requirement(Operation.USER_MANAGEMENT, confirmation_password=True, code=False)
    kept = refusal(request, who)
    return render(request, "release_list.html", csrf=who.csrf, me=who.standing, rows=rows,
                  need=need, error=explain(request, kept, who.standing),
                  selected=_int(kept.values.get("target")) if kept else None,
                  any_selectable=any(r.selectable for r in rows))


@router.post("/release")
def release(request: Request, form: dict[str, str] = Depends(customer_form),
            who: Customer = Depends(token_manager)):
    target = _int(form.get("target"))
    try:
        outcome = site(request).management.release(
            who.institution, who.standing, target, form.get("confirmation_password", ""),
            source_ip=http.source_ip(request))
    except OnetimeError as exc:
        return refuse(request, who, "/manage/release", exc, target=form.get("target", ""))
    remember(request, who, release_result={
        "login_id": outcome.target.login_id, "name": outcome.target.name,
        "state": outcome.token.state.value, "at": site(request).ctx.clock.now().isoformat()})
    return RedirectResponse("/manage/release/result", status_code=303)


@router.get("/release/result")
def release_result(request: Request, who: Customer = Depends(any_stage_manager)):
    result = who.session.data.get("release_result")
    if not result:
        raise http.Redirect("/manage/release")
    return render(request, "release_result.html", csrf=who.csrf, me=who.standing,
                  result={**result, "at": datetime.fromisoformat(result["at"])})


# -- トークンの失効: pick the user → トークン失効確認 (names them) → 失効 → result -------


@router.get("/revoke")
def revoke_list(request: Request, who: Customer = Depends(token_manager)):
    rows = site(request).management.revoke_list(who.institution, who.standing)
    kept = refusal(request, who)
    return render(request, "revoke_list.html", csrf=who.csrf, me=who.standing, rows=rows,
                  error=explain(request, kept, who.standing),
                  selected=_int(kept.values.get("target")) if kept else None,
                  any_selectable=any(r.selectable for r in rows),
                  no_admin=not has_admin(who.standing.colleagues))


@router.post("/revoke")
def choose_revocation(request: Request, form: dict[str, str] = Depends(customer_form),
                      who: Customer = Depends(token_manager)):
    """次へ: the chosen user waits in the session for the confirmation page."""
    try:
        pending = site(request).management.revocation_target(
            who.institution, who.standing, _int(form.get("target")))
    except OnetimeError as exc:
        return refuse(request, who, "/manage/revoke", exc, target=form.get("target", ""))
    remember(request, who, revoke_target=pending.target.id)
    return RedirectResponse("/manage/revoke/confirm", status_code=303)


@router.get("/revoke/confirm")
def revoke_confirm_page(request: Request, who: Customer = Depends(token_manager)):
    try:
        pending = site(request).management.revocation_target(
            who.institution, who.standing, who.session.data.get("revoke_target"))
    except OnetimeError as exc:  # nothing chosen, or it changed since: back to the list
        remember(request, who, revoke_target=None)
        return refuse(request, who, "/manage/revoke", exc)
    need = site(request).stepup.requirement(who.institution, who.standing.contract,
                                            Operation.TOKEN_MANAGEMENT)
    kept = refusal(request, who)
    return render(request, "revoke_confirm.html", csrf=who.csrf, me=who.standing,
                  target=pending.target, token=pending.token, need=need,
                  error=explain(request, kept, who.standing), **_embargo_rule(request, who))


@router.post("/revoke/confirm")
def revoke(request: Request, form: dict[str, str] = Depends(customer_form),
           who: Customer = Depends(token_manager)):
    target = _int(form.get("target"))
    management = site(request).management
    try:  # the rules first, so a forged target is told why, before any step-up
        management.revocation_target(who.institution, who.standing, target)
        if target != who.session.data.get("revoke_target"):
            raise NoUserSelected("the confirmation page is not the chosen user's")
    except OnetimeError as exc:
        return refuse(request, who, "/manage/revoke", exc)
    try:
        outcome = management.revoke(
            who.institution, who.standing, target, form.get("confirmation_password", ""),
            form.get("code", "").strip(), source_ip=http.source_ip(request))
    except OnetimeError as exc:
        return refuse(request, who, "/manage/revoke/confirm", exc)
    doc = outcome.token
    remember(request, who, revoke_target=None, revoke_result={
        "login_id": outcome.target.login_id, "name": outcome.target.name,
        "state": doc.state.value, "at": (doc.revoked_at or site(request).ctx.clock.now())
        .isoformat(), "available_at": doc.setup_available_at.isoformat()
        if doc.setup_available_at else None})
    return RedirectResponse("/manage/revoke/result", status_code=303)


@router.get("/revoke/result")
def revoke_result(request: Request, who: Customer = Depends(any_stage_manager)):
    result = who.session.data.get("revoke_result")
    if not result:
        raise http.Redirect("/manage/revoke")
    available_at = result.get("available_at")
    return render(request, "revoke_result.html", csrf=who.csrf, me=who.standing,
                  result={**result, "at": datetime.fromisoformat(result["at"]),
                          "available_at": datetime.fromisoformat(available_at)
                          if available_at else None},
                  **_embargo_rule(request, who))


def _embargo_rule(request: Request, who: Customer) -> dict[str, object]:
    """Rule 10 in the institution's numbers: about N minutes, or the night window's end."""
    t = translator(request)
    settings = who.institution.settings
    return {"embargo_minutes": settings.embargo_minutes,
            "night_start": t.clock_time(settings.night_start),
            "night_end": t.clock_time(settings.night_end)}


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
