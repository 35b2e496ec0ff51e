"""振込・振替（都度指定方式）: input → confirmation with step-up → (取引確認) → result."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse

from onetime.banking.domain.errors import TransferExpired
from onetime.banking.service.transfers import TransferDraft, TransferReceipt
from onetime.domain.errors import OnetimeError
from onetime.domain.values import Operation
from onetime.web import http
from onetime.web.deps import Customer, customer_form, ready, site
from onetime.web.drafts import DraftScreens
from onetime.web.render import render
from onetime.web.routes import explain, refusal, refuse, remember, requested

router = APIRouter(prefix="/transfer")
FIELDS = ("from_account", "bank_code", "branch_code", "account_type", "account_number",
          "holder_name", "amount")
SCREENS = DraftScreens("transfer", TransferDraft.from_dict, (TransferExpired,),
                       "the pending transfer", code_page=True)


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
    return SCREENS.keep(request, who, draft,
                        transfer_form={k: form.get(k, "") for k in FIELDS})


@router.get("/confirm")
def confirm_page(request: Request, who: Customer = Depends(ready)):
    draft = SCREENS.draft(who)
    transfers = site(request).transfers
    return SCREENS.confirm_page(
        request, who, draft, "transfer_confirm.html",
        accounts=transfers.accounts(who.standing.user),
        need=transfers.requirement(who.institution, who.standing.contract),
        approval=_approval(request, who))


@router.post("/confirm")
def execute(request: Request, who: Customer = Depends(ready),
            form: dict[str, str] = Depends(customer_form)):
    draft = SCREENS.draft(who)

    def run(password: str, code: str):
        if _approval(request, who):  # 承認: a request instead of the booking
            asked = site(request).approvals.request_transfer(
                who.institution, who.standing.user, who.standing.contract, draft,
                source_ip=http.source_ip(request))
            return requested(request, who, asked.id, **SCREENS.forget())
        return site(request).transfers.execute(
            who.institution, who.standing.user, who.standing.contract, draft, password,
            code, source_ip=http.source_ip(request))

    return SCREENS.execute(request, who, form, draft, run, _done)


def _done(request: Request, who: Customer, draft: TransferDraft, receipt: TransferReceipt):
    remember(request, who, **SCREENS.forget(), transfer_receipt={
        "draft": draft.to_dict(), "transfer_id": receipt.transfer_id,
        "at": receipt.executed_at.isoformat(), "balance_after": receipt.balance_after,
        "fee": receipt.fee, "value_date": receipt.value_date.isoformat()})
    return RedirectResponse("/transfer/result", status_code=303)


def _approval(request: Request, who: Customer) -> bool:
    return site(request).approvals.required(who.institution, Operation.TRANSFER)


# -- 取引確認 (web/confirming.py): after the step-up, before booking -----------------------

@router.get("/token-confirmation")
def confirming_page(request: Request, who: Customer = Depends(ready)):
    return _confirming_page(request, who, offline_view=False)


@router.get("/token-confirmation/code")
def confirming_code_page(request: Request, who: Customer = Depends(ready)):
    """The OCRA form alone (no refresh while the user types), when online is offered too."""
    return _confirming_page(request, who, offline_view=True)


def _confirming_page(request: Request, who: Customer, *, offline_view: bool):
    draft = SCREENS.draft(who)
    transfers = site(request).transfers
    return SCREENS.confirming_page(
        request, who, draft, transfers.confirming,
        accounts=transfers.accounts(who.standing.user), facts="_transfer_facts.html",
        offline_view=offline_view, challenge=draft.destination.account_number)


@router.post("/token-confirmation")
def execute_confirmed(request: Request, who: Customer = Depends(ready),
                      form: dict[str, str] = Depends(customer_form)):
    draft = SCREENS.draft(who)
    return SCREENS.execute_confirmed(
        request, who, form, draft,
        lambda pending: site(request).transfers.execute_confirmed(
            who.institution, who.standing.user, who.standing.contract, draft, pending,
            response=form.get("response", ""), source_ip=http.source_ip(request)),
        _done)


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
