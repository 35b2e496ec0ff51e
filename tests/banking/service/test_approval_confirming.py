"""取引確認 of 承認 (issue 14): after the approver's step-up, the approver's token app
confirms what the request's draft will book — one payee and amount, or a batch's count
and total — and only then is it booked; a draft changed meanwhile voids it; 否認 books
nothing and leaves the request 承認待ち, to be approved again (on both databases)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from onetime.banking.domain.approvals import ApprovalState
from onetime.banking.domain.confirming_errors import ConfirmationRejected, ConfirmationWaiting
from onetime.banking.service.approvals import Approved
from onetime.banking.service.confirming import PendingConfirmation
from onetime.banking.storage.schema import approval_requests
from onetime.domain.confirmations import ConfirmationState, TransactionDetails
from onetime.domain.errors import ConfirmationNotFound, ConfirmationVoided
from onetime.domain.values import Operation
from onetime.setup import token_keys
from onetime.setup.token_keys import Purpose
from tests.banking.service.test_approvals import events, journal_count
from tests.banking.service.test_bulk import START, balances, payroll
from tests.banking.service.test_transfer_confirming import approve as confirm_in_app
from tests.banking.service.test_transfer_confirming import refusals
from tests.banking.service.test_transfers import draft as transfer_draft
from tests.banking.world import activate, code
from tests.service.confirming import App
from tests.service.world import Bank

S = ConfirmationState
PAYROLL = START[0] - 210_000 - 660 - 440  # two lines and their fees


@pytest.fixture
def setup(world, clock):
    """承認 for 振込 and 給与振込, 取引確認 `mode`; the master (approver) has a token."""
    def make(mode: str = "online"):
        sid = world.institution.service_id
        world.services.institutions.configure(
            sid, transaction_confirmation=mode,
            approval_operations=["payroll_transfer", "transfer"])
        inst = world.services.institutions.get(sid, fresh=True)
        secret = activate(world, world.master, clock)
        return inst, App(Bank(world.services, inst, clock), world.master.user_id, secret)
    return make


def request_payroll(world, inst, amounts=(200_000, 10_000)):
    draft = world.site.bulk.prepare_file(inst, world.general, payroll(world, list(amounts)))
    return world.site.approvals.request_batch(inst, world.general, world.contract, draft)


def request_transfer(world, inst, amount="30000"):
    draft = transfer_draft(world, world.general, amount=amount)
    return world.site.approvals.request_transfer(inst, world.general, world.contract, draft)


def approve(world, inst, request, app, clock):
    """The master's 承認 with the step-up (a fresh code each time)."""
    clock.advance(60)
    return world.site.approvals.approve(inst, world.master, world.contract, request.id,
                                        world.confirmation(world.master),
                                        code(app.secret, clock))


def book(world, inst, request, pending, response=""):
    return world.site.approvals.execute_confirmed(inst, world.master, world.contract,
                                                  request.id, pending, response=response)


def state(world, inst, request):
    return world.site.approvals.get(inst, world.master, request.id).state


def test_a_payroll_approval_books_only_after_the_app_approves(world, clock, setup):
    inst, app = setup("online")
    request = request_payroll(world, inst)
    pending = approve(world, inst, request, app, clock)
    assert isinstance(pending, PendingConfirmation)
    assert (pending.subject, pending.online, pending.offline) == \
        (f"approval-{request.id}", True, False)  # a batch has no payee for OCRA
    assert balances(world) == START
    assert state(world, inst, request) is ApprovalState.PENDING
    with pytest.raises(ConfirmationWaiting):
        book(world, inst, request, pending)
    assert balances(world) == START
    shown = confirm_in_app(app)
    assert shown.details == TransactionDetails(Operation.APPROVAL, count=2, total=210_000)
    done = book(world, inst, request, pending)
    assert isinstance(done, Approved)
    assert balances(world) == (PAYROLL, START[1])
    assert state(world, inst, request) is ApprovalState.APPROVED
    seen = [e for e, _op, _r in events(world)
            if e.startswith("confirmation_") or e == "approval_approved"]
    assert seen == ["confirmation_created", "confirmation_confirmed",
                    "confirmation_executed", "approval_approved"]


def test_a_transfer_approval_shows_its_payee_and_takes_an_ocra_code(world, clock, setup):
    inst, app = setup("both")
    request = request_transfer(world, inst)
    pending = approve(world, inst, request, app, clock)
    assert (pending.online, pending.offline) == (True, True)
    [shown] = app.bank.services.confirmations.pending(app.session())
    assert shown.details.operation is Operation.APPROVAL
    assert (shown.details.payee.account_number, shown.details.amount) == ("1234567", 30_000)
    before = balances(world)
    right = token_keys.ocra_response(app.key(Purpose.OCRA), "1234567",
                                     clock.now().timestamp())
    book(world, inst, request, pending, response=right)
    assert balances(world)[0] < before[0] - 30_000  # the amount and its fee
    assert state(world, inst, request) is ApprovalState.APPROVED


@pytest.mark.parametrize("kind", ["transfer", "payroll"])
def test_a_tampered_amount_voids_it_and_books_nothing(world, clock, setup, kind):
    """The request's draft changes between the approval's 取引確認 and its execution."""
    inst, app = setup("online")
    request = (request_transfer if kind == "transfer" else request_payroll)(world, inst)
    pending = approve(world, inst, request, app, clock)
    confirm_in_app(app)
    tampered = json.loads(json.dumps(request.draft))
    if kind == "transfer":
        tampered["amount"] = 99_999
    else:
        tampered["lines"][0][5] += 1  # the first line's amount
    with world.site.ctx.db.write() as conn:
        conn.execute(update(approval_requests)
                     .where(approval_requests.c.id == request.id)
                     .values(draft=json.dumps(tampered, ensure_ascii=False)))
    before, journals = balances(world), journal_count(world)
    with pytest.raises(ConfirmationVoided):
        book(world, inst, request, pending)
    assert world.site.approvals.confirming.state(inst, world.master, pending) == S.VOIDED
    assert [(r[0], r[2]["reason"]) for r in refusals(world)] == \
        [("approval", "confirmation_voided")]
    assert (balances(world), journal_count(world)) == (before, journals)
    assert state(world, inst, request) is ApprovalState.PENDING


def test_rejected_in_the_app_books_nothing_and_may_be_approved_again(world, clock, setup):
    """Decided: 否認 ends that confirmation, not the request; it stays 承認待ち, so the
    approver may approve again (a new step-up, a new 取引確認), send it back or let it
    expire."""
    inst, app = setup("online")
    request = request_payroll(world, inst)
    pending = approve(world, inst, request, app, clock)
    [asked] = app.bank.services.confirmations.pending(app.session())
    app.bank.services.confirmations.reject(app.session(), asked.id)
    with pytest.raises(ConfirmationRejected):
        book(world, inst, request, pending)
    assert balances(world) == START
    assert state(world, inst, request) is ApprovalState.PENDING
    assert [r[2] for r in refusals(world)] == [{
        "reason": "confirmation_rejected", "subject": f"approval-{request.id}",
        "confirmation": pending.request_id}]
    again = approve(world, inst, request, app, clock)
    assert again.request_id != pending.request_id
    with pytest.raises(ConfirmationRejected):  # the refused one still books nothing
        book(world, inst, request, pending)
    confirm_in_app(app)
    book(world, inst, request, again)
    assert balances(world) == (PAYROLL, START[1])
    assert state(world, inst, request) is ApprovalState.APPROVED


def test_a_confirmation_books_only_its_own_request(world, clock, setup):
    inst, app = setup("online")
    first = request_payroll(world, inst)
    second = request_transfer(world, inst)
    pending = approve(world, inst, first, app, clock)
    confirm_in_app(app)
    with pytest.raises(ConfirmationNotFound):
        book(world, inst, second, pending)
    assert balances(world) == START
    assert state(world, inst, second) is ApprovalState.PENDING
    book(world, inst, first, pending)
    assert balances(world) == (PAYROLL, START[1])


def test_off_books_at_once(world, clock, setup):
    inst, app = setup("off")
    request = request_payroll(world, inst)
    assert isinstance(approve(world, inst, request, app, clock), Approved)
    assert balances(world) == (PAYROLL, START[1])
