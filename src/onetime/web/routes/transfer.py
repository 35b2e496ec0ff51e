"""振込・振替（都度指定方式）: input → confirmation with step-up → result."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse

from onetime.domain.errors import OnetimeError
from onetime.domain.site_errors import TransferExpired
from onetime.service.transfers import TransferDraft
from onetime.web import http
from onetime.web.deps import Customer, customer_form, ready, site
from onetime.web.render import render, translator
from onetime.web.routes import explain, remember

router = APIRouter(prefix="/transfer")
FIELDS = ("from_account", "bank_code", "branch_code", "account_type", "account_number",
          "holder_name", "amount")


def _input_page(request: Request, who: Customer, form: dict[str, str], *,
                error: str | None = None, status: int = 200):
    return render(request, "transfer_input.html", status=status, csrf=who.csrf,
                  me=who.standing, tab="transfer", error=error,
                  accounts=site(request).transfers.accounts(who.standing.user),
                  form={k: form.get(k, "") for k in FIELDS})


@router.get("")
def input_page(request: Request, back: str | None = None, who: Customer = Depends(ready)):
    kept = who.session.data.get("transfer_form") if back else None
    return _input_page(request, who, kept or {"account_type": "ordinary"})


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
        return _input_page(request, who, form, error=translator(request).error(exc),
                           status=400)
    remember(request, who, transfer_draft=draft.to_dict(),
             transfer_form={k: form.get(k, "") for k in FIELDS})
    return RedirectResponse("/transfer/confirm", status_code=303)


def _draft(who: Customer) -> TransferDraft:
    data = who.session.data.get("transfer_draft")
    if not data:
        raise http.Redirect("/transfer")
    return TransferDraft.from_dict(data)


def _confirm_page(request: Request, who: Customer, draft: TransferDraft, *,
                  error: str | None = None, status: int = 200):
    accounts = {a.id: a for a in site(request).transfers.accounts(who.standing.user)}
    source = accounts.get(draft.from_account_id)
    if source is None:
        raise http.Redirect("/transfer")
    need = site(request).transfers.requirement(who.institution, who.standing.contract)
    return render(request, "transfer_confirm.html", status=status, csrf=who.csrf,
                  me=who.standing, draft=draft, source=source, need=need, error=error)


@router.get("/confirm")
def confirm_page(request: Request, who: Customer = Depends(ready)):
    return _confirm_page(request, who, _draft(who))


@router.post("/confirm")
def execute(request: Request, who: Customer = Depends(ready),
            form: dict[str, str] = Depends(customer_form)):
    draft = _draft(who)
    t = translator(request)
    try:
        if form.get("request_id") != draft.request_id:
            raise TransferExpired("the confirmation screen is not the pending transfer")
        receipt = site(request).transfers.execute(
            who.institution, who.standing.user, who.standing.contract, draft,
            form.get("confirmation_password", ""), form.get("code", "").strip(),
            source_ip=http.source_ip(request))
    except TransferExpired as exc:
        remember(request, who, transfer_draft=None)
        return _input_page(request, who, {}, error=t.error(exc), status=409)
    except OnetimeError as exc:
        return _confirm_page(request, who, draft, error=explain(request, exc, who.standing),
                             status=400)
    remember(request, who, transfer_draft=None, transfer_form=None, transfer_receipt={
        "draft": draft.to_dict(), "transfer_id": receipt.transfer_id,
        "at": receipt.executed_at.isoformat(), "balance_after": receipt.balance_after})
    return RedirectResponse("/transfer/result", status_code=303)


@router.get("/result")
def result(request: Request, who: Customer = Depends(ready)):
    data = who.session.data.get("transfer_receipt")
    if not data:
        raise http.Redirect("/transfer")
    draft = TransferDraft.from_dict(data["draft"])
    accounts = {a.id: a for a in site(request).transfers.accounts(who.standing.user)}
    return render(request, "transfer_result.html", csrf=who.csrf, me=who.standing,
                  draft=draft, source=accounts[draft.from_account_id],
                  receipt={"transfer_id": data["transfer_id"],
                           "at": datetime.fromisoformat(data["at"]),
                           "balance_after": data["balance_after"]})
