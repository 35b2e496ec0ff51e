"""管理 → 利用者管理: 利用者一覧, 利用者登録, 利用者情報変更, 利用者削除.

Who may change or delete whom is banking/domain/rights.py's; a refused form comes back
with what was typed (no password) and why; a new user's initial password is shown on
the answer to the POST only.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse

from onetime.banking.domain.people import SiteUser
from onetime.banking.service.user_admin import UserForm
from onetime.domain.errors import OnetimeError
from onetime.domain.values import RULE_3_OPERATIONS, Operation
from onetime.web import http
from onetime.web.deps import Customer, customer_form, manager, site
from onetime.web.render import render, translator
from onetime.web.routes import explain, refusal, refuse, remember, take

router = APIRouter(prefix="/manage/users")
OPERATIONS = [o for o in Operation if o in RULE_3_OPERATIONS]
FIELDS = ("login_id", "name", "role", "approver", "limit_per_transfer", "limit_per_day",
          *(f"op_{o.value}" for o in OPERATIONS))


@router.get("/list")
def user_list(request: Request, who: Customer = Depends(manager)):
    flash = take(request, who, "flash")
    return render(request, "user_list.html", csrf=who.csrf, me=who.standing,
                  users=who.standing.colleagues, flash=flash)


@router.get("/new")
def add_page(request: Request, who: Customer = Depends(manager)):
    kept = refusal(request, who)
    values = kept.values if kept else {"role": "general", "op_transfer": "1"}
    return _form(request, who, None, values, kept)


@router.post("/new")
def add(request: Request, who: Customer = Depends(manager),
        form: dict[str, str] = Depends(customer_form)):
    try:
        created = site(request).user_admin.add(
            who.institution, who.standing, _user_form(form),
            form.get("confirmation_password", ""), form.get("code", "").strip(),
            source_ip=http.source_ip(request))
    except OnetimeError as exc:
        return refuse(request, who, "/manage/users/new", exc, **_kept(form))
    return render(request, "user_added.html", csrf=who.csrf, me=who.standing,
                  created=created)


@router.get("/{site_user_id}/edit")
def change_page(request: Request, site_user_id: int, who: Customer = Depends(manager)):
    target = site(request).user_admin.target(who.standing, site_user_id)
    kept = refusal(request, who)
    return _form(request, who, target, kept.values if kept else _values_of(target), kept)


@router.post("/{site_user_id}/edit")
def change(request: Request, site_user_id: int, who: Customer = Depends(manager),
           form: dict[str, str] = Depends(customer_form)):
    url = f"/manage/users/{site_user_id}/edit"
    try:
        changed = site(request).user_admin.change(
            who.institution, who.standing, site_user_id, _user_form(form),
            form.get("confirmation_password", ""), form.get("code", "").strip(),
            source_ip=http.source_ip(request))
    except OnetimeError as exc:
        return refuse(request, who, url, exc, **_kept(form))
    remember(request, who, flash=translator(request)("users.changed", name=changed.name))
    return RedirectResponse("/manage/users/list", status_code=303)


@router.get("/{site_user_id}/delete")
def delete_page(request: Request, site_user_id: int, who: Customer = Depends(manager)):
    target = site(request).user_admin.target(who.standing, site_user_id)
    kept = refusal(request, who)
    return render(request, "user_delete.html", csrf=who.csrf, me=who.standing,
                  target=target, need=_need(request, who),
                  error=explain(request, kept, who.standing))


@router.post("/{site_user_id}/delete")
def delete(request: Request, site_user_id: int, who: Customer = Depends(manager),
           form: dict[str, str] = Depends(customer_form)):
    try:
        gone = site(request).user_admin.delete(
            who.institution, who.standing, site_user_id,
            form.get("confirmation_password", ""), form.get("code", "").strip(),
            source_ip=http.source_ip(request))
    except OnetimeError as exc:
        return refuse(request, who, f"/manage/users/{site_user_id}/delete", exc)
    remember(request, who, flash=translator(request)("users.deleted", name=gone.name))
    return RedirectResponse("/manage/users/list", status_code=303)


def _form(request: Request, who: Customer, target: SiteUser | None, values: dict,
          kept) -> object:
    return render(request, "user_form.html", csrf=who.csrf, me=who.standing, target=target,
                  values=values, operations=OPERATIONS, contract=who.standing.contract,
                  editing_master=target is not None and target.role.value == "master",
                  need=_need(request, who), error=explain(request, kept, who.standing))


def _need(request: Request, who: Customer):
    return site(request).stepup.requirement(who.institution, who.standing.contract,
                                            Operation.USER_MANAGEMENT)


def _user_form(form: dict[str, str]) -> UserForm:
    return UserForm(login_id=form.get("login_id", ""), name=form.get("name", ""),
                    role=form.get("role", ""), approver=form.get("approver", ""),
                    operations=[o.value for o in OPERATIONS if form.get(f"op_{o.value}")],
                    limit_per_transfer=form.get("limit_per_transfer", ""),
                    limit_per_day=form.get("limit_per_day", ""))


def _kept(form: dict[str, str]) -> dict[str, str]:
    """What a refused form shows again: what was typed, never a password or code."""
    return {k: form[k][:200] for k in FIELDS if k in form}


def _values_of(user: SiteUser) -> dict[str, str]:
    values = {"name": user.name, "role": user.role.value,
              "approver": "1" if user.approver else "",
              "limit_per_transfer": str(user.limit_per_transfer or ""),
              "limit_per_day": str(user.limit_per_day or "")}
    values.update({f"op_{o.value}": "1" for o in user.operations})
    return values
