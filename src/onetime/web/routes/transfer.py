"""振込・振替（都度指定方式）: input → confirmation with step-up → (取引確認) → result."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse

from onetime.banking.domain.errors import TransferExpired
from onetime.banking.service.confirming import PendingConfirmation
from onetime.banking.service.transfers import TransferDraft, TransferReceipt
from onetime.domain.errors import OnetimeError
from onetime.domain.values import Operation
from onetime.web import confirming, http
from onetime.web.deps import Customer, customer_form, ready, site
from onetime.web.render import render
from onetime.web.routes import explain, refusal, refuse, remember, requested

router = APIRouter(prefix="/transfer")
FIELDS = ("from_account", "bank_code", "branch_code", "account_type", "account_number",
          "holder_name", "amount")


@router.get("")
def input_page(request: Request, back: str | None = None, who: Customer = Depends(ready)):
    kept = refusal(request, who)
    if kept is not None:
        form = kept.values
    elif back:
        form = who.session.data.get("transfer_form") or {}
    else:
        form = {}
    return render(request, "transfer_input.html", csrf=who.csrf, me=who.standing,
                  tab="transfer", error=explain(request, kept, who.standing),
                  accounts=site(request).transfers.accounts(who.standing.user),
                  form={k: form.get(k, "") for k in FIELDS} | {
                      "account_type": form.get("account_type") or "ordinary"})


@router.post("")
def prepare(request: Request, who: Customer = Depends(ready),
            form: dict[str, str] = Depends(customer_form)):
    try:
        draft = site(request).transfers.prepare(
            who.institution, who.standing.user, from_account_id=form.get("from_account"),
            bank_code=form.get("bank_code"), branch_code=form.get("branch_code"),
            account_type=form.get("account_type"), account_number=form.get("account_number"),
            holder_name=form.get("holder_name"), amount=form.get("amount"))
    except OnetimeError as exc:
        return refuse(request, who, "/transfer", exc, **{k: form.get(k, "") for k in FIELDS})
    remember(request, who, transfer_draft=draft.to_dict(),
             transfer_form={k: form.get(k, "") for k in FIELDS})
    return RedirectResponse("/transfer/confirm", status_code=303)


def _draft(who: Customer) -> TransferDraft:
    data = who.session.data.get("transfer_draft")
    if not data:
        raise http.Redirect("/transfer")
    try:
        return TransferDraft.from_dict(data)
    except (KeyError, TypeError, ValueError):
        # A draft kept by an older version (no fee, no value date): start again.
        raise http.Redirect("/transfer") from None


@router.get("/confirm")
def confirm_page(request: Request, who: Customer = Depends(ready)):
    draft = _draft(who)
    if confirming.pending_of(who, "transfer_confirming", draft.request_id) is not None:
        # Step-up passed: the token app has the request (back here is not a new one).
        raise http.Redirect(CONFIRMING)
    accounts = {a.id: a for a in site(request).transfers.accounts(who.standing.user)}
    source = accounts.get(draft.from_account_id)
    if source is None:
        raise http.Redirect("/transfer")
    need = site(request).transfers.requirement(who.institution, who.standing.contract)
    kept = refusal(request, who)
    return render(request, "transfer_confirm.html", csrf=who.csrf, me=who.standing,
                  draft=draft, source=source, need=need, approval=_approval(request, who),
                  error=explain(request, kept, who.standing))


@router.post("/confirm")
def execute(request: Request, who: Customer = Depends(ready),
            form: dict[str, str] = Depends(customer_form)):
    draft = _draft(who)
    try:
        if form.get("request_id") != draft.request_id:
            raise TransferExpired("the confirmation screen is not the pending transfer")
        if _approval(request, who):  # 承認: a request instead of the booking
            asked = site(request).approvals.request_transfer(
                who.institution, who.standing.user, who.standing.contract, draft,
                source_ip=http.source_ip(request))
            return requested(request, who, asked.id, transfer_draft=None, transfer_form=None)
        receipt = site(request).transfers.execute(
            who.institution, who.standing.user, who.standing.contract, draft,
            form.get("confirmation_password", ""), form.get("code", "").strip(),
            source_ip=http.source_ip(request))
    except TransferExpired as exc:
        remember(request, who, transfer_draft=None)
        return refuse(request, who, "/transfer", exc)
    except OnetimeError as exc:
        return refuse(request, who, "/transfer/confirm", exc)
    if isinstance(receipt, PendingConfirmation):  # 取引確認 asked: the token app next
        remember(request, who, transfer_confirming=receipt.to_dict())
        return RedirectResponse(CONFIRMING, status_code=303)
    return _done(request, who, draft, receipt)


def _done(request: Request, who: Customer, draft: TransferDraft, receipt: TransferReceipt):
    remember(request, who, transfer_draft=None, transfer_form=None, transfer_confirming=None,
             transfer_receipt={
                 "draft": draft.to_dict(), "transfer_id": receipt.transfer_id,
                 "at": receipt.executed_at.isoformat(),
                 "balance_after": receipt.balance_after, "fee": receipt.fee,
                 "value_date": receipt.value_date.isoformat()})
    return RedirectResponse("/transfer/result", status_code=303)


def _approval(request: Request, who: Customer) -> bool:
    return site(request).approvals.required(who.institution, Operation.TRANSFER)


# -- 取引確認 (web/confirming.py): after the step-up, before booking -----------------------

CONFIRMING = "/transfer/token-confirmation"
_SCREEN = {"key": "transfer_confirming", "forget": ("transfer_draft",), "start": "/transfer"}


def _pending(who: Customer, draft: TransferDraft) -> PendingConfirmation:
    pending = confirming.pending_of(who, "transfer_confirming", draft.request_id)
    if pending is None:
        raise http.Redirect("/transfer/confirm")
    return pending


@router.get("/token-confirmation")
def confirming_page(request: Request, who: Customer = Depends(ready)):
    return _confirming_page(request, who, offline_view=False)


@router.get("/token-confirmation/code")
def confirming_code_page(request: Request, who: Customer = Depends(ready)):
    """The OCRA form alone (no refresh while the user types), when online is offered too."""
    return _confirming_page(request, who, offline_view=True)


def _confirming_page(request: Request, who: Customer, *, offline_view: bool):
    draft = _draft(who)
    pending = _pending(who, draft)
    accounts = {a.id: a for a in site(request).transfers.accounts(who.standing.user)}
    if draft.from_account_id not in accounts:
        raise http.Redirect("/transfer")
    return confirming.show(request, who, pending, site(request).transfers.confirming,
                           **_SCREEN, facts="_transfer_facts.html", action=CONFIRMING,
                           offline_view=offline_view, draft=draft,
                           challenge=draft.destination.account_number,
                           source=accounts[draft.from_account_id])


@router.post("/token-confirmation")
def execute_confirmed(request: Request, who: Customer = Depends(ready),
                      form: dict[str, str] = Depends(customer_form)):
    draft = _draft(who)
    pending = _pending(who, draft)
    try:
        receipt = site(request).transfers.execute_confirmed(
            who.institution, who.standing.user, who.standing.contract, draft, pending,
            response=form.get("response", ""), source_ip=http.source_ip(request))
    except (*confirming.FINAL, TransferExpired) as exc:
        return confirming.end(request, who, _SCREEN["key"], _SCREEN["forget"], "/transfer",
                              exc)
    except OnetimeError as exc:  # not approved yet, a wrong code: the same screen again
        back = CONFIRMING + ("/code" if form.get("response") else "")
        return refuse(request, who, back, exc)
    return _done(request, who, draft, receipt)


@router.get("/result")
def result(request: Request, who: Customer = Depends(ready)):
    data = who.session.data.get("transfer_receipt")
    if not data:
        raise http.Redirect("/transfer")
    try:
        draft = TransferDraft.from_dict(data["draft"])
        receipt = {"transfer_id": data["transfer_id"], "at": datetime.fromisoformat(data["at"]),
                   "balance_after": data["balance_after"], "fee": data["fee"],
                   "value_date": date.fromisoformat(data["value_date"])}
    except (KeyError, TypeError, ValueError):
        # A receipt kept by an older version (no fee, no value date): nothing to show.
        raise http.Redirect("/transfer") from None
    accounts = {a.id: a for a in site(request).transfers.accounts(who.standing.user)}
    return render(request, "transfer_result.html", csrf=who.csrf, me=who.standing,
                  draft=draft, source=accounts[draft.from_account_id], receipt=receipt)
