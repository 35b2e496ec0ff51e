"""The branch console's ご契約先登録 and 行員登録 (a supervisor's).

The initial password is on the answer to the POST only: stored hashed, never shown again.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from onetime.banking.domain import rights
from onetime.banking.domain.errors import StaffNotPermitted
from onetime.banking.domain.people import CONTRACT_LIMIT_PER_DAY, CONTRACT_LIMIT_PER_TRANSFER
from onetime.banking.domain.rights import StaffAction
from onetime.banking.service.onboarding import ContractRequest, StaffRequest
from onetime.domain.errors import OnetimeError
from onetime.web import http
from onetime.web.deps import Staff, site, staff, staff_form
from onetime.web.render import render
from onetime.web.routes import explain, refusal, refuse

router = APIRouter(prefix="/branch")
CONTRACT_FIELDS = ("number", "name", "master_login", "master_name", "limit_per_transfer",
                   "limit_per_day")
STAFF_FIELDS = ("staff_id", "name", "role")


@router.get("/contracts/new")
def contract_page(request: Request, who: Staff = Depends(staff)):
    rights.ensure_staff_may(who.staff, StaffAction.ADD_CONTRACT)
    kept = refusal(request, who)
    return render(request, "branch_contract_new.html", area="branch", csrf=who.csrf,
                  staff=who.staff, values=kept.values if kept else {},
                  default_one=CONTRACT_LIMIT_PER_TRANSFER, default_day=CONTRACT_LIMIT_PER_DAY,
                  error=explain(request, kept))


@router.post("/contracts/new")
def add_contract(request: Request, who: Staff = Depends(staff),
                 form: dict[str, str] = Depends(staff_form)):
    request_ = ContractRequest(*(form.get(k, "") for k in CONTRACT_FIELDS))
    try:
        [created] = site(request).onboarding.add_contract(
            who.institution, request_, actor=who.staff.actor, by=who.staff,
            source_ip=http.source_ip(request))
    except OnetimeError as exc:
        return refuse(request, who, "/branch/contracts/new", exc,
                      **{k: form.get(k, "")[:200] for k in CONTRACT_FIELDS})
    return render(request, "branch_added.html", area="branch", csrf=who.csrf,
                  staff=who.staff, created=created)


@router.get("/staff/new")
def staff_page(request: Request, who: Staff = Depends(staff)):
    rights.ensure_staff_may(who.staff, StaffAction.ADD_STAFF)
    kept = refusal(request, who)
    return render(request, "branch_staff_new.html", area="branch", csrf=who.csrf,
                  staff=who.staff, values=kept.values if kept else {"role": "clerk"},
                  error=explain(request, kept))


@router.post("/staff/new")
def add_staff(request: Request, who: Staff = Depends(staff),
              form: dict[str, str] = Depends(staff_form)):
    request_ = StaffRequest(*(form.get(k, "") for k in STAFF_FIELDS))
    try:
        created = site(request).onboarding.add_staff(
            who.institution, request_, actor=who.staff.actor, by=who.staff,
            source_ip=http.source_ip(request))
    except StaffNotPermitted:
        raise
    except OnetimeError as exc:
        return refuse(request, who, "/branch/staff/new", exc,
                      **{k: form.get(k, "")[:200] for k in STAFF_FIELDS})
    return render(request, "branch_added.html", area="branch", csrf=who.csrf,
                  staff=who.staff, created=created)
