"""総合振込 and 給与・賞与振込: ファイル取込 or 画面入力 → confirmation with step-up →
(取引確認 of the count and total) → result.

Every POST answers 303 (Post/Redirect/Get). An uploaded file's problems wait in the
session and are shown once, as a table, on the upload page; the draft waits there too
until 実行, and is what /bulk/download writes as a 全銀 file.
"""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from onetime.banking.domain.errors import AlreadyBooked, InvalidBatchLine, TransferExpired
from onetime.banking.domain.zengin import Kind, ZenginFileInvalid
from onetime.banking.service.batches import BatchReceipt
from onetime.banking.service.bulk import MAX_UPLOAD, SCREEN_LINES, BulkDraft
from onetime.domain.errors import OnetimeError
from onetime.web import http
from onetime.web.deps import Customer, Upload, customer_form, ready, site, uploaded
from onetime.web.drafts import DraftScreens
from onetime.web.render import render
from onetime.web.routes import explain, refusal, refuse, remember, requested, take

router = APIRouter(prefix="/bulk")
COLUMNS = ("bank_code", "branch_code", "account_type", "account_number", "holder_name",
           "amount")
FIRST_LINES = 3  # rows the entry form starts with; 明細追加 adds one
# AlreadyBooked at 実行 leads to the result instead (`execute`); in 取引確認 it ends too.
SCREENS = DraftScreens("bulk", BulkDraft.from_dict, (TransferExpired, AlreadyBooked),
                       "the pending batch")


@router.get("")
def upload_page(request: Request, who: Customer = Depends(ready)):
    kept = refusal(request, who)
    problems = take(request, who, "bulk_problems") if kept is not None else None
    return render(request, "bulk_upload.html", csrf=who.csrf, me=who.standing, tab="bulk",
                  error=explain(request, kept, who.standing), problems=problems or [],
                  max_upload=MAX_UPLOAD)


@router.post("/upload")
def upload(request: Request, who: Customer = Depends(ready),
           form: Upload = Depends(uploaded(MAX_UPLOAD))):
    try:
        draft = site(request).bulk.prepare_file(who.institution, who.standing.user,
                                                form.data, source_ip=http.source_ip(request))
    except ZenginFileInvalid as exc:
        # Every problem, in file order: (line, field, byte offset, code), no bytes quoted.
        remember(request, who, bulk_problems=[[p.line, p.field, p.offset, p.code]
                                              for p in exc.problems])
        return refuse(request, who, "/bulk", exc)
    except OnetimeError as exc:
        return refuse(request, who, "/bulk", exc)
    return SCREENS.keep(request, who, draft, bulk_receipt=None)


@router.get("/entry")
def entry_page(request: Request, who: Customer = Depends(ready)):
    kept = refusal(request, who)
    # The refused form's values, else those kept by 明細追加 or for 戻る.
    form = (kept.values if kept is not None else who.session.data.get("bulk_form")) or {}
    lines = _line_count(form)
    line_error = take(request, who, "bulk_line_error") if kept is not None else None
    return render(request, "bulk_entry.html", csrf=who.csrf, me=who.standing, tab="bulk",
                  error=explain(request, kept, who.standing), line_error=line_error,
                  accounts=site(request).bulk.accounts(who.standing.user), kinds=list(Kind),
                  form=form, lines=range(1, lines + 1), columns=COLUMNS,
                  can_add=lines < SCREEN_LINES)


@router.post("/entry")
def enter(request: Request, who: Customer = Depends(ready),
          form: dict[str, str] = Depends(customer_form)):
    lines = _line_count(form)
    kept = {k: form.get(k, "") for k in _fields(lines)}
    if form.get("action") == "add":
        kept["lines"] = str(min(lines + 1, SCREEN_LINES))
        remember(request, who, bulk_form=kept)
        return RedirectResponse("/bulk/entry", status_code=303)
    rows = [{c: form.get(f"{c}_{n}", "") for c in COLUMNS} for n in range(1, lines + 1)]
    try:
        draft = site(request).bulk.prepare_lines(
            who.institution, who.standing.user, kind=form.get("kind"),
            from_account_id=form.get("from_account"), rows=rows,
            source_ip=http.source_ip(request))
    except OnetimeError as exc:
        if isinstance(exc, InvalidBatchLine):
            remember(request, who, bulk_line_error=[exc.line, exc.cause_code])
        return refuse(request, who, "/bulk/entry", exc, **kept)
    return SCREENS.keep(request, who, draft, bulk_form=kept, bulk_receipt=None)


def _line_count(form: dict) -> int:
    try:
        return max(1, min(int(form.get("lines") or FIRST_LINES), SCREEN_LINES))
    except ValueError:
        return FIRST_LINES


def _fields(lines: int) -> list[str]:
    return ["kind", "from_account", "lines",
            *(f"{c}_{n}" for n in range(1, lines + 1) for c in COLUMNS)]


@router.get("/confirm")
def confirm_page(request: Request, who: Customer = Depends(ready)):
    draft = SCREENS.draft(who)
    bulk = site(request).bulk
    return SCREENS.confirm_page(
        request, who, draft, "bulk_confirm.html", tab="bulk",
        accounts=bulk.accounts(who.standing.user),
        need=bulk.requirement(who.institution, who.standing.contract, draft.kind),
        approval=site(request).approvals.required(who.institution, draft.operation))


@router.get("/download")
def download(request: Request, who: Customer = Depends(ready)):
    draft = SCREENS.draft(who)
    try:
        data = site(request).bulk.download(who.standing.user, who.standing.contract, draft)
    except OnetimeError as exc:
        return refuse(request, who, "/bulk/confirm", exc)
    name = f"zengin-{draft.kind.value}-{draft.value_date:%Y%m%d}.txt"
    return Response(data, media_type="text/plain; charset=Shift_JIS", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/confirm")
def execute(request: Request, who: Customer = Depends(ready),
            form: dict[str, str] = Depends(customer_form)):
    booked = who.session.data.get("bulk_receipt") or {}
    if booked and form.get("request_id") == booked.get("request_id"):
        # 実行 pressed again after the batch went through (back, or a double click).
        return refuse(request, who, "/bulk/result",
                      AlreadyBooked("this batch was booked already"))
    draft = SCREENS.draft(who)

    def run(password: str, code: str):
        try:
            if site(request).approvals.required(who.institution, draft.operation):
                asked = site(request).approvals.request_batch(  # 承認: a request, no booking
                    who.institution, who.standing.user, who.standing.contract, draft,
                    source_ip=http.source_ip(request))
                return requested(request, who, asked.id, **SCREENS.forget())
            return site(request).bulk.execute(
                who.institution, who.standing.user, who.standing.contract, draft, password,
                code, source_ip=http.source_ip(request))
        except AlreadyBooked as exc:  # booked meanwhile: the draft stays, nothing to redo
            return refuse(request, who, "/bulk/result" if booked else "/bulk", exc)

    return SCREENS.execute(request, who, form, draft, run, _done)


def _done(request: Request, who: Customer, draft: BulkDraft, receipt: BatchReceipt):
    remember(request, who, **SCREENS.forget(), bulk_receipt={
        "request_id": draft.request_id, "kind": draft.kind.value,
        "journal_id": receipt.journal_id, "lines": receipt.lines, "total": receipt.total,
        "fees": receipt.fees, "value_date": receipt.value_date.isoformat(),
        "at": receipt.booked_at.isoformat(), "balance_after": receipt.balance_after})
    return RedirectResponse("/bulk/result", status_code=303)


# -- 取引確認 of the count and total (web/confirming.py) ----------------------------------

@router.get("/token-confirmation")
def confirming_page(request: Request, who: Customer = Depends(ready)):
    draft = SCREENS.draft(who)
    bulk = site(request).bulk
    return SCREENS.confirming_page(request, who, draft, bulk.confirming,
                                   accounts=bulk.accounts(who.standing.user),
                                   facts="_batch_facts.html", offline_view=False)


@router.post("/token-confirmation")
def execute_confirmed(request: Request, who: Customer = Depends(ready),
                      form: dict[str, str] = Depends(customer_form)):
    draft = SCREENS.draft(who)
    return SCREENS.execute_confirmed(
        request, who, form, draft,
        lambda pending: site(request).bulk.execute_confirmed(
            who.institution, who.standing.user, who.standing.contract, draft, pending,
            source_ip=http.source_ip(request)),
        _done)


@router.get("/result")
def result(request: Request, who: Customer = Depends(ready)):
    data = who.session.data.get("bulk_receipt")
    if not data:
        raise http.Redirect("/bulk")
    kept = refusal(request, who)
    try:
        receipt = {**data, "kind": Kind(data["kind"]),
                   "value_date": date.fromisoformat(data["value_date"]),
                   "at": datetime.fromisoformat(data["at"])}
    except (KeyError, TypeError, ValueError):
        raise http.Redirect("/bulk") from None
    return render(request, "bulk_result.html", csrf=who.csrf, me=who.standing, tab="bulk",
                  receipt=receipt, error=explain(request, kept, who.standing))
