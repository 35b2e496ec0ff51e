"""承認: 承認待ち一覧 → a request → 承認 (step-up, operation `approval`; then 取引確認 in the
token app where the institution asks for it, web/confirming.py) or 差戻し (with a reason),
or 取消 by its requester; 承認履歴. Every POST answers 303 (Post/Redirect/Get).

Requests are made by the transfer and batch confirmation screens (transfer.py, bulk.py)
when the institution puts their operation under approval.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse

from onetime.banking.domain.approval_errors import ApprovalNotFound
from onetime.banking.domain.approvals import ApprovalRequest
from onetime.banking.domain.confirming_errors import ConfirmationWaiting, OcraRejected
from onetime.banking.service.approvals import Approved, subject
from onetime.banking.service.bulk import BulkDraft
from onetime.banking.service.confirming import PendingConfirmation
from onetime.banking.service.transfers import TransferDraft
from onetime.domain.errors import InvalidInput, OnetimeError
from onetime.domain.values import Operation
from onetime.web import confirming, http
from onetime.web.deps import Customer, customer_form, ready, site
from onetime.web.drafts import step_up, stepped_up
from onetime.web.render import render, translator
from onetime.web.routes import explain, refusal, refuse, remember, take

router = APIRouter(prefix="/approvals")


@router.get("")
def pending_page(request: Request, who: Customer = Depends(ready)):
    kept = refusal(request, who)
    requests = site(request).approvals.pending(who.institution, who.standing.user)
    return render(request, "approval_list.html", csrf=who.csrf, me=who.standing,
                  tab="approvals", requests=requests, flash=take(request, who, "flash"),
                  error=explain(request, kept, who.standing))


@router.get("/history")
def history_page(request: Request, who: Customer = Depends(ready)):
    requests = site(request).approvals.history(who.institution, who.standing.user)
    return render(request, "approval_history.html", csrf=who.csrf, me=who.standing,
                  tab="approvals", requests=requests)


@router.get("/{request_id}")
def request_page(request: Request, request_id: int, who: Customer = Depends(ready)):
    approvals = site(request).approvals
    try:
        found = approvals.get(who.institution, who.standing.user, request_id)
    except ApprovalNotFound:
        raise http.Redirect("/approvals") from None
    kept = refusal(request, who)
    accounts = {a.id: a for a in site(request).transfers.accounts(who.standing.user)}
    return render(request, "approval_detail.html", csrf=who.csrf, me=who.standing,
                  tab="approvals", req=found, source=accounts.get(found.from_account_id),
                  transfer=_transfer(found), batch=_batch(found),
                  may_decide=approvals.may_decide(who.standing.user, found),
                  may_cancel=found.pending and found.requested_by == who.standing.user.id,
                  need=approvals.requirement(who.institution, who.standing.contract),
                  flash=take(request, who, "flash"), done=take(request, who, "approved"),
                  form=kept.values if kept is not None else {},
                  error=explain(request, kept, who.standing))


@router.post("/{request_id}/approve")
def approve(request: Request, request_id: int, who: Customer = Depends(ready),
            form: dict[str, str] = Depends(customer_form)):
    here = f"/approvals/{request_id}"
    try:
        outcome = site(request).approvals.approve(
            who.institution, who.standing.user, who.standing.contract, request_id,
            *step_up(form), source_ip=http.source_ip(request))
    except OnetimeError as exc:
        return refuse(request, who, here, exc)
    return stepped_up(request, who, outcome, key=KEY, url=f"{here}/token-confirmation",
                      done=lambda booked: _approved(request, who, here, booked))


def _approved(request: Request, who: Customer, here: str, done: Approved):
    remember(request, who, flash=translator(request)("approval.done.approved"), approved={
        "journal_id": done.journal_id, "fees": done.fees,
        "value_date": done.value_date.isoformat(), "balance_after": done.balance_after},
        **{KEY: None})
    return RedirectResponse(here, status_code=303)


# -- 取引確認 (web/confirming.py): after the step-up, before booking -----------------------
# A refusal leads back to the request, still 承認待ち: the approver may approve it again.

KEY = "approval_confirming"
# Errors after which the same confirmation may still book (the rest end it).
AGAIN = (ConfirmationWaiting, OcraRejected, InvalidInput)


def _pending(who: Customer, request_id: int) -> PendingConfirmation:
    pending = confirming.pending_of(who, KEY, subject(request_id))
    if pending is None:
        raise http.Redirect(f"/approvals/{request_id}")
    return pending


@router.get("/{request_id}/token-confirmation")
def confirming_page(request: Request, request_id: int, who: Customer = Depends(ready)):
    return _confirming_page(request, request_id, who, offline_view=False)


@router.get("/{request_id}/token-confirmation/code")
def confirming_code_page(request: Request, request_id: int,
                         who: Customer = Depends(ready)):
    """The OCRA form alone (no refresh while the user types), when online is offered too."""
    return _confirming_page(request, request_id, who, offline_view=True)


def _confirming_page(request: Request, request_id: int, who: Customer, *,
                     offline_view: bool):
    pending = _pending(who, request_id)
    approvals = site(request).approvals
    here = f"/approvals/{request_id}"
    try:
        found = approvals.get(who.institution, who.standing.user, request_id)
    except ApprovalNotFound:
        raise http.Redirect("/approvals") from None
    transfer = _transfer(found)
    accounts = {a.id: a for a in site(request).transfers.accounts(who.standing.user)}
    return confirming.show(request, who, pending, approvals.confirming, key=KEY, forget=(),
                           start=here, facts="_approval_facts.html",
                           action=f"{here}/token-confirmation", offline_view=offline_view,
                           req=found, transfer=transfer, batch=_batch(found),
                           source=accounts.get(found.from_account_id),
                           challenge=transfer.destination.account_number if transfer else "")


@router.post("/{request_id}/token-confirmation")
def execute_confirmed(request: Request, request_id: int, who: Customer = Depends(ready),
                      form: dict[str, str] = Depends(customer_form)):
    here = f"/approvals/{request_id}"
    pending = _pending(who, request_id)
    try:
        done = site(request).approvals.execute_confirmed(
            who.institution, who.standing.user, who.standing.contract, request_id, pending,
            response=form.get("response", ""), source_ip=http.source_ip(request))
    except AGAIN as exc:  # not approved yet, a wrong or missing code: the same screen
        back = f"{here}/token-confirmation" + ("/code" if form.get("response") else "")
        return refuse(request, who, back, exc)
    except OnetimeError as exc:
        # Refused, expired, voided; decided meanwhile; or the booking failed after the
        # confirmation was used up (the balance moved): the request page says why.
        return confirming.end(request, who, KEY, (), here, exc)
    return _approved(request, who, here, done)


@router.post("/{request_id}/return")
def send_back(request: Request, request_id: int, who: Customer = Depends(ready),
              form: dict[str, str] = Depends(customer_form)):
    here = f"/approvals/{request_id}"
    try:
        site(request).approvals.send_back(who.institution, who.standing.user, request_id,
                                          form.get("reason", ""),
                                          source_ip=http.source_ip(request))
    except OnetimeError as exc:
        return refuse(request, who, here, exc, reason=form.get("reason", "")[:500])
    remember(request, who, flash=translator(request)("approval.done.returned"))
    return RedirectResponse(here, status_code=303)


@router.post("/{request_id}/cancel")
def cancel(request: Request, request_id: int, who: Customer = Depends(ready),
           form: dict[str, str] = Depends(customer_form)):
    here = f"/approvals/{request_id}"
    try:
        site(request).approvals.cancel(who.institution, who.standing.user, request_id,
                                       source_ip=http.source_ip(request))
    except OnetimeError as exc:
        return refuse(request, who, here, exc)
    remember(request, who, flash=translator(request)("approval.done.cancelled"))
    return RedirectResponse(here, status_code=303)


def _transfer(found: ApprovalRequest) -> TransferDraft | None:
    if found.operation != Operation.TRANSFER:
        return None
    try:
        return TransferDraft.from_dict(found.draft)
    except (KeyError, TypeError, ValueError):
        return None


def _batch(found: ApprovalRequest) -> BulkDraft | None:
    if found.operation == Operation.TRANSFER:
        return None
    try:
        return BulkDraft.from_dict(found.draft)
    except (KeyError, TypeError, ValueError):
        return None

