"""承認 on both databases: a request instead of a booking; 承認 with the step-up books it
in the approver's name; 差戻し with a reason; 取消 by the requester; 期限切れ at the cut-off
(the injected clock); nobody approves their own; of two approvers exactly one wins."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from onetime.banking.domain.approval_errors import (
    ApprovalAlreadyRequested,
    ApprovalExpired,
    ApprovalNotFound,
    ApprovalNotPending,
    NotApprover,
    NotRequester,
    SelfApprovalNotPermitted,
)
from onetime.banking.domain.approvals import ApprovalState
from onetime.banking.domain.errors import (
    CodeRejected,
    DailyLimitExceeded,
    InsufficientBalance,
    OperationNotPermitted,
    OverUserLimit,
    ReasonRequired,
)
from onetime.banking.domain.rights import Rights
from onetime.banking.domain.zengin import Kind
from onetime.banking.storage.schema import journal
from onetime.domain.values import Operation
from tests.banking.service.test_bulk import START, balances, payroll
from tests.banking.service.test_transfer_limits import limit
from tests.banking.service.test_transfers import draft as transfer_draft
from tests.banking.world import activate, code, wrong

CUT_OFF = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # 15:00 in Tokyo on the value date


@pytest.fixture
def bank(world):
    """The world's institution with 給与・賞与振込, 総合振込 and 振込 under approval."""
    world.services.institutions.configure(
        world.institution.service_id,
        approval_operations=["payroll_transfer", "bulk_transfer", "transfer"])
    return world.services.institutions.get(world.institution.service_id, fresh=True)


def request_payroll(world, bank, user, amounts=(200_000, 10_000), kind=Kind.PAYROLL):
    draft = world.site.bulk.prepare_file(bank, user, payroll(world, list(amounts), kind=kind))
    return world.site.approvals.request_batch(bank, user, world.contract, draft)


def approve(world, bank, approver, request, secret, clock, *, right=True):
    typed = code(secret, clock) if right else wrong(code(secret, clock))
    return world.site.approvals.approve(bank, approver, world.contract, request.id,
                                        world.confirmation(approver), typed)


def state(world, bank, user, request):
    return world.site.approvals.get(bank, user, request.id).state


def journal_count(world):
    with world.site.ctx.db.read() as conn:
        return conn.execute(select(func.count()).select_from(journal)).scalar_one()


def events(world):
    with world.site.ctx.db.read() as conn:
        entries = world.site.ctx.audit.page(conn, world.institution.id, after_id=0, limit=500)
    return [(e.event, e.operation, e.result) for e in entries]


class TestPolicy:
    def test_single_is_the_default_and_approval_is_per_operation(self, world, bank):
        assert not world.site.approvals.required(world.institution, Operation.PAYROLL_TRANSFER)
        assert world.site.approvals.required(bank, Operation.PAYROLL_TRANSFER)
        assert not world.site.approvals.required(bank, Operation.PAYEASY)


class TestApprove:
    def test_a_payroll_request_books_nothing_until_an_approver_approves(self, world, bank,
                                                                        clock):
        secret = activate(world, world.master, clock)
        request = request_payroll(world, bank, world.general)
        assert request.state is ApprovalState.PENDING
        assert (request.amount, request.fees, request.lines) == (210_000, 660 + 440, 2)
        assert request.expires_at == CUT_OFF
        assert balances(world) == START
        assert [r.id for r in world.site.approvals.pending(bank, world.master)] == [request.id]
        done = approve(world, bank, world.master, request, secret, clock)
        assert balances(world) == (START[0] - 211_100, START[1])
        assert done.balance_after == START[0] - 211_100
        after = world.site.approvals.get(bank, world.general, request.id)
        assert after.state is ApprovalState.APPROVED
        assert (after.decided_by, after.journal_id) == (world.master.id, done.journal_id)
        assert world.site.approvals.pending(bank, world.master) == []
        seen = events(world)
        assert ("approval_requested", "payroll_transfer", "accepted") in seen
        assert ("code_verified", "approval", "accepted") in seen  # the step-up's operation
        assert ("batch_booked", "payroll_transfer", "accepted") in seen
        assert ("approval_approved", "approval", "accepted") in seen

    def test_a_transfer_request_is_booked_by_its_approver(self, world, bank, clock):
        secret = activate(world, world.admin, clock)
        pending = transfer_draft(world, world.general, amount="30000")
        request = world.site.approvals.request_transfer(bank, world.general, world.contract,
                                                        pending)
        before = balances(world)
        approve(world, bank, world.admin, request, secret, clock)
        assert balances(world)[0] < before[0] - 30_000  # the amount and its fee
        with world.site.ctx.db.read() as conn:
            actor = conn.execute(select(journal.c.actor)).scalar_one()
        assert actor == world.admin.actor

    def test_nobody_approves_their_own_request(self, world, bank, clock):
        secret = activate(world, world.master, clock)
        request = request_payroll(world, bank, world.master)
        with pytest.raises(SelfApprovalNotPermitted):
            approve(world, bank, world.master, request, secret, clock)
        with pytest.raises(SelfApprovalNotPermitted):
            world.site.approvals.send_back(bank, world.master, request.id, "own")
        assert state(world, bank, world.master, request) is ApprovalState.PENDING
        assert balances(world) == START

    def test_an_approver_over_their_limit_is_refused_before_the_code(self, world, bank,
                                                                     clock):
        secret = activate(world, world.admin, clock)
        request = request_payroll(world, bank, world.general)  # 210 000 yen
        admin = limit(world, world.admin, one=200_000)
        with pytest.raises(OverUserLimit):
            approve(world, bank, admin, request, secret, clock)
        admin = limit(world, world.admin, day=209_999)
        with pytest.raises(DailyLimitExceeded):
            approve(world, bank, admin, request, secret, clock)
        assert state(world, bank, admin, request) is ApprovalState.PENDING
        assert ("code_verified", "approval", "accepted") not in events(world)
        admin = limit(world, world.admin, one=210_000, day=210_000)
        approve(world, bank, admin, request, secret, clock)  # the same code: it was not used
        assert state(world, bank, admin, request) is ApprovalState.APPROVED

    def test_only_users_with_the_approver_right_approve(self, world, bank, clock):
        secret = activate(world, world.general, clock)
        request = request_payroll(world, bank, world.admin)
        rights = dataclasses.replace(Rights.of(world.general), approver=False)
        with world.site.ctx.db.write() as conn:
            world.site.ctx.people.change_user(conn, world.general.id, world.general.name,
                                              rights)
        general = world.site.users.user(world.institution, world.general.id)
        with pytest.raises(NotApprover):
            approve(world, bank, general, request, secret, clock)
        no_payroll = limit(world, world.master, operations=[Operation.APPROVAL])
        with pytest.raises(NotApprover):  # the approver needs the operation's right too
            world.site.approvals.approve(bank, no_payroll, world.contract, request.id,
                                         "unused", None)

    def test_another_contracts_request_is_not_found(self, world, bank, clock):
        request = request_payroll(world, bank, world.general)
        with pytest.raises(ApprovalNotFound):
            world.site.approvals.get(bank, world.solo_master, request.id)
        with pytest.raises(ApprovalNotFound):
            world.site.approvals.get(bank, world.master, "not-a-number")

    def test_a_booking_that_fails_leaves_the_request_pending(self, world, bank, clock):
        secret = activate(world, world.master, clock)
        request = request_payroll(world, bank, world.general, amounts=(4_000_000,))
        spend = request_payroll(world, bank, world.general, amounts=(3_000_000,))
        approve(world, bank, world.master, spend, secret, clock)
        clock.advance(60)
        with pytest.raises(InsufficientBalance):
            approve(world, bank, world.master, request, secret, clock)
        assert state(world, bank, world.master, request) is ApprovalState.PENDING
        assert ("approval_failed", "approval", "rejected") in events(world)

    def test_a_wrong_code_decides_nothing(self, world, bank, clock):
        secret = activate(world, world.master, clock)
        request = request_payroll(world, bank, world.general)
        with pytest.raises(CodeRejected):
            approve(world, bank, world.master, request, secret, clock, right=False)
        assert state(world, bank, world.master, request) is ApprovalState.PENDING
        assert balances(world) == START

    def test_the_requesters_rights_are_checked(self, world, bank):
        user = limit(world, world.general, operations=[Operation.TRANSFER])
        draft = world.site.bulk.prepare_file(bank, world.master, payroll(world, [10_000]))
        with pytest.raises(OperationNotPermitted):
            world.site.approvals.request_batch(bank, user, world.contract, draft)

    def test_a_request_sent_twice_is_one_request(self, world, bank):
        draft = world.site.bulk.prepare_file(bank, world.general, payroll(world, [10_000]))
        world.site.approvals.request_batch(bank, world.general, world.contract, draft)
        with pytest.raises(ApprovalAlreadyRequested):
            world.site.approvals.request_batch(bank, world.general, world.contract, draft)
        assert len(world.site.approvals.pending(bank, world.master)) == 1


class TestSendBackAndCancel:
    def test_send_back_needs_a_reason_the_requester_sees(self, world, bank, clock):
        secret = activate(world, world.master, clock)
        request = request_payroll(world, bank, world.general)
        with pytest.raises(ReasonRequired):
            world.site.approvals.send_back(bank, world.master, request.id, "  ")
        world.site.approvals.send_back(bank, world.master, request.id, "金額が違います")
        seen = world.site.approvals.get(bank, world.general, request.id)
        assert (seen.state, seen.reason, seen.decider_name) == (
            ApprovalState.RETURNED, "金額が違います", world.master.name)
        with pytest.raises(ApprovalNotPending):
            approve(world, bank, world.master, request, secret, clock)
        assert balances(world) == START
        assert journal_count(world) == 0

    def test_the_requester_cancels_their_own_only(self, world, bank):
        request = request_payroll(world, bank, world.general)
        with pytest.raises(NotRequester):
            world.site.approvals.cancel(bank, world.master, request.id)
        world.site.approvals.cancel(bank, world.general, request.id)
        assert state(world, bank, world.general, request) is ApprovalState.CANCELLED
        with pytest.raises(ApprovalNotPending):
            world.site.approvals.cancel(bank, world.general, request.id)
        history = world.site.approvals.history(bank, world.master)
        assert [(r.id, r.state) for r in history] == [(request.id, ApprovalState.CANCELLED)]


class TestExpiry:
    def test_a_request_expires_at_the_cut_off_of_its_value_date_exactly(self, world, bank,
                                                                        clock):
        secret = activate(world, world.master, clock)
        request = request_payroll(world, bank, world.general)
        clock.set(CUT_OFF - timedelta(seconds=1))
        assert state(world, bank, world.master, request) is ApprovalState.PENDING
        clock.set(CUT_OFF)
        assert world.site.approvals.pending(bank, world.master) == []
        expired = world.site.approvals.get(bank, world.master, request.id)
        assert (expired.state, expired.decided_at) == (ApprovalState.EXPIRED, CUT_OFF)
        with pytest.raises(ApprovalExpired):
            approve(world, bank, world.master, request, secret, clock)
        with pytest.raises(ApprovalExpired):
            world.site.approvals.cancel(bank, world.general, request.id)
        assert balances(world) == START

    def test_after_the_cut_off_a_request_is_for_the_next_business_day(self, world, bank,
                                                                      clock):
        clock.set(CUT_OFF)  # Thursday 15:00 in Tokyo: dated Friday, expires Friday 15:00
        request = request_payroll(world, bank, world.general)
        assert request.expires_at == CUT_OFF + timedelta(days=1)

    def test_the_approval_itself_is_refused_past_the_cut_off(self, world, bank, clock):
        """Seen pending on the screen, approved a moment too late: not booked."""
        request = request_payroll(world, bank, world.general)
        clock.set(CUT_OFF)
        with pytest.raises(ApprovalExpired):
            world.site.approvals.execute(bank, world.master, world.contract, request)
        assert balances(world) == START
        assert journal_count(world) == 0


class TestRace:
    def test_two_approvers_at_once_book_once(self, world, bank, clock):
        request = request_payroll(world, bank, world.general)
        outcomes, barrier = [], threading.Barrier(2)

        def press(approver):
            barrier.wait(timeout=10)
            try:
                outcomes.append(world.site.approvals.execute(bank, approver, world.contract,
                                                             request))
            except ApprovalNotPending as exc:
                outcomes.append(exc)

        threads = [threading.Thread(target=press, args=(u,))
                   for u in (world.master, world.admin)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert len(outcomes) == 2
        assert len([o for o in outcomes if not isinstance(o, Exception)]) == 1
        assert balances(world) == (START[0] - 211_100, START[1])
        assert journal_count(world) == 1
        assert state(world, bank, world.master, request) is ApprovalState.APPROVED

    def test_an_approval_and_a_cancel_at_once_one_wins(self, world, bank, clock):
        request = request_payroll(world, bank, world.general)
        outcomes, barrier = [], threading.Barrier(2)

        def run(action):
            barrier.wait(timeout=10)
            try:
                outcomes.append(action())
            except ApprovalNotPending as exc:
                outcomes.append(exc)

        actions = [lambda: world.site.approvals.execute(bank, world.master, world.contract,
                                                        request),
                   lambda: world.site.approvals.cancel(bank, world.general, request.id)]
        threads = [threading.Thread(target=run, args=(a,)) for a in actions]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert len([o for o in outcomes if not isinstance(o, Exception)]) == 1
        final = state(world, bank, world.master, request)
        assert journal_count(world) == (1 if final is ApprovalState.APPROVED else 0)
