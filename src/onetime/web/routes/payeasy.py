"""税金・各種料金の払込み（ペイジー）: 収納機関番号 → 納付番号 etc. → 払込内容確認 with
step-up → 払込完了 (受付番号). Post/Redirect/Get throughout; what the next screen needs
waits in the server-side session."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse

from onetime.banking.domain.errors import BillAlreadyPaid
from onetime.banking.service.payeasy import PaymentDraft, PaymentReceipt
from onetime.domain.errors import OnetimeError
from onetime.web import http
from onetime.web.deps import Customer, customer_form, ready, site
from onetime.web.drafts import DraftScreens
from onetime.web.render import render
from onetime.web.routes import explain, refusal, refuse, remember

router = APIRouter(prefix="/payeasy")
BILL_FIELDS = ("from_account", "customer_number", "confirmation_number", "payment_class")
SCREENS = DraftScreens("payeasy", PaymentDraft.from_dict, (BillAlreadyPaid,),
                       "the pending payment")


@router.get("")
def biller_page(request: Request, who: Customer = Depends(ready)):
    kept = refusal(request, who)
    number = kept.values.get("biller_number", "") if kept else ""
    return render(request, "payeasy_biller.html", csrf=who.csrf, me=who.standing,
                  error=explain(request, kept, who.standing), biller_number=number)


@router.post("")
def choose_biller(request: Request, who: Customer = Depends(ready),
                  form: dict[str, str] = Depends(customer_form)):
    try:
        biller = site(request).payeasy.biller(who.institution, who.standing.user,
                                              form.get("biller_number"),
                                              source_ip=http.source_ip(request))
    except OnetimeError as exc:
        return refuse(request, who, "/payeasy", exc,
                      biller_number=form.get("biller_number", ""))
    remember(request, who, payeasy_biller={"number": biller.number, "name": biller.name,
                                           "kind": biller.kind.value,
                                           "length": biller.number_length},
             payeasy_draft=None)
    return RedirectResponse("/payeasy/bill", status_code=303)


def _biller(who: Customer) -> dict:
    chosen = who.session.data.get("payeasy_biller")
    if not chosen:
        raise http.Redirect("/payeasy")
    return chosen


@router.get("/bill")
def bill_page(request: Request, who: Customer = Depends(ready)):
    biller = _biller(who)
    kept = refusal(request, who)
    form = kept.values if kept else {}
    return render(request, "payeasy_bill.html", csrf=who.csrf, me=who.standing,
                  biller=biller, error=explain(request, kept, who.standing),
                  accounts=site(request).payeasy.accounts(who.standing.user),
                  form={k: form.get(k, "") for k in BILL_FIELDS})


@router.post("/bill")
def prepare(request: Request, who: Customer = Depends(ready),
            form: dict[str, str] = Depends(customer_form)):
    biller = _biller(who)
    try:
        draft = site(request).payeasy.prepare(
            who.institution, who.standing.user, biller_number=biller["number"],
            from_account_id=form.get("from_account"),
            customer_number=form.get("customer_number"),
            confirmation_number=form.get("confirmation_number"),
            payment_class=form.get("payment_class", ""), source_ip=http.source_ip(request))
    except OnetimeError as exc:
        # The 確認番号 is not kept for the form shown again: it is typed afresh.
        return refuse(request, who, "/payeasy/bill", exc, from_account=form.get(
            "from_account", ""), customer_number=form.get("customer_number", ""),
            payment_class=form.get("payment_class", ""))
    return SCREENS.keep(request, who, draft)


@router.get("/confirm")
def confirm_page(request: Request, who: Customer = Depends(ready)):
    draft = SCREENS.draft(who)
    payeasy = site(request).payeasy
    return SCREENS.confirm_page(
        request, who, draft, "payeasy_confirm.html",
        accounts=payeasy.accounts(who.standing.user),
        need=payeasy.requirement(who.institution, who.standing.contract))


@router.post("/confirm")
def execute(request: Request, who: Customer = Depends(ready),
            form: dict[str, str] = Depends(customer_form)):
    draft = SCREENS.draft(who)
    return SCREENS.execute(
        request, who, form, draft,
        lambda password, code: site(request).payeasy.execute(
            who.institution, who.standing.user, who.standing.contract, draft, password,
            code, source_ip=http.source_ip(request)),
        _done)


def _done(request: Request, who: Customer, draft: PaymentDraft, receipt: PaymentReceipt):
    remember(request, who, **SCREENS.forget(), payeasy_biller=None, payeasy_receipt={
        "draft": draft.to_dict(), "receipt_number": receipt.receipt_number,
        "at": receipt.paid_at.isoformat(), "balance_after": receipt.balance_after})
    return RedirectResponse("/payeasy/result", status_code=303)


@router.get("/result")
def result(request: Request, who: Customer = Depends(ready)):
    data = who.session.data.get("payeasy_receipt")
    if not data:
        raise http.Redirect("/payeasy")
    try:
        draft = PaymentDraft.from_dict(data["draft"])
        receipt = {"receipt_number": data["receipt_number"],
                   "at": datetime.fromisoformat(data["at"]),
                   "balance_after": data["balance_after"]}
    except (KeyError, TypeError, ValueError):
        raise http.Redirect("/payeasy") from None
    accounts = {a.id: a for a in site(request).payeasy.accounts(who.standing.user)}
    return render(request, "payeasy_result.html", csrf=who.csrf, me=who.standing,
                  draft=draft, source=accounts.get(draft.from_account_id), receipt=receipt)
