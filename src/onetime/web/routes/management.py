"""管理 → 利用者管理 → 作業内容選択: 利用停止解除 and トークンの失効 (rules 8-10)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse

from onetime.domain.errors import OnetimeError
from onetime.domain.people import has_admin
from onetime.domain.site_errors import NotPermitted
from onetime.domain.stepup import Requirement
from onetime.domain.values import Operation
from onetime.web import http
from onetime.web.deps import Customer, customer, customer_form, manager, site
from onetime.web.render import render, translator
from onetime.web.routes import explain, remember

router = APIRouter(prefix="/manage")


def any_stage_manager(who: Customer = Depends(customer)) -> Customer:
    """For result screens: a master who just revoked their own token still sees the result."""
    if not who.standing.user.manages_users:
        raise NotPermitted("only master and admin users manage users")
    return who


@router.get("")
def menu(request: Request, who: Customer = Depends(manager)):
    return render(request, "manage_menu.html", csrf=who.csrf, me=who.standing)


@router.get("/users")
def tasks(request: Request, who: Customer = Depends(manager)):
    return render(request, "manage_tasks.html", csrf=who.csrf, me=who.standing)


# -- ワンタイムパスワードの利用停止解除 ---------------------------------------------


def _release_page(request: Request, who: Customer, *, error: str | None = None,
                  selected: int | None = None, status: int = 200):
    rows = site(request).management.release_list(who.institution, who.standing)
    # The manual's release screen asks for the confirmation password only.
    need = Requirement(Operation.USER_MANAGEMENT, confirmation_password=True, code=False)
    return render(request, "release_list.html", status=status, csrf=who.csrf,
                  me=who.standing, rows=rows, need=need, error=error, selected=selected,
                  any_selectable=any(r.selectable for r in rows),
                  self_note=translator(request)("release.self"))


@router.get("/release")
def release_list(request: Request, who: Customer = Depends(manager)):
    return _release_page(request, who)


@router.post("/release")
def release(request: Request, who: Customer = Depends(manager),
            form: dict[str, str] = Depends(customer_form)):
    target = _int(form.get("target"))
    try:
        outcome = site(request).management.release(
            who.institution, who.standing, target, form.get("confirmation_password", ""),
            source_ip=http.source_ip(request))
    except OnetimeError as exc:
        return _release_page(request, who, error=translator(request).error(exc),
                             selected=target, status=400)
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


# -- トークンの失効 -----------------------------------------------------------------


def _revoke_page(request: Request, who: Customer, *, error: str | None = None,
                 selected: int | None = None, status: int = 200):
    rows = site(request).management.revoke_list(who.institution, who.standing)
    need = site(request).stepup.requirement(who.institution, who.standing.contract,
                                            Operation.TOKEN_MANAGEMENT)
    return render(request, "revoke_list.html", status=status, csrf=who.csrf,
                  me=who.standing, rows=rows, need=need, error=error, selected=selected,
                  self_note="", no_admin=not has_admin(who.standing.colleagues))


@router.get("/revoke")
def revoke_list(request: Request, who: Customer = Depends(manager)):
    return _revoke_page(request, who)


@router.post("/revoke")
def revoke(request: Request, who: Customer = Depends(manager),
           form: dict[str, str] = Depends(customer_form)):
    target = _int(form.get("target"))
    try:
        outcome = site(request).management.revoke(
            who.institution, who.standing, target, form.get("confirmation_password", ""),
            form.get("code", "").strip(), source_ip=http.source_ip(request))
    except OnetimeError as exc:
        return _revoke_page(request, who, error=explain(request, exc, who.standing),
                            selected=target, status=400)
    doc = outcome.token
    remember(request, who, revoke_result={
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
    t = translator(request)
    settings = who.institution.settings
    available_at = result.get("available_at")
    return render(request, "revoke_result.html", csrf=who.csrf, me=who.standing,
                  result={**result, "at": datetime.fromisoformat(result["at"]),
                          "available_at": datetime.fromisoformat(available_at)
                          if available_at else None},
                  embargo_minutes=settings.embargo_minutes,
                  night_start=t.clock_time(settings.night_start),
                  night_end=t.clock_time(settings.night_end))


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
