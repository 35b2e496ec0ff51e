"""承認's rules, pure: the state machine (never out of a final state), the cut-off expiry,
and who may decide — nobody their own request."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onetime.banking.domain import approvals as rules
from onetime.banking.domain.approval_errors import (
    ApprovalExpired,
    ApprovalNotFound,
    ApprovalNotPending,
    NotApprover,
    NotRequester,
    SelfApprovalNotPermitted,
)
from onetime.banking.domain.approvals import (
    FINAL,
    ApprovalRequest,
    ApprovalState,
    Decision,
)
from onetime.banking.domain.calendar import BankCalendar
from onetime.banking.domain.errors import DailyLimitExceeded, OverUserLimit, ReasonRequired
from onetime.banking.domain.people import Contract, Role, SiteUser
from onetime.domain.errors import InvalidSetting
from onetime.domain.settings import InstitutionSettings
from onetime.domain.values import Operation

CALENDAR = BankCalendar(is_holiday=lambda _day: False)
CUT_OFF = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # 15:00 in Tokyo
CONTRACT = Contract(1, 1, "1000001", "デモ商事", limit_per_transfer=1_000_000,
                    limit_per_day=2_000_000)


def user(pk: int, **changes) -> SiteUser:
    return dataclasses.replace(
        SiteUser(pk, 1, 1, f"user-{pk:03d}", f"user-{pk}", f"利用者{pk}", Role.ADMIN), **changes)


def request(**changes) -> ApprovalRequest:
    return dataclasses.replace(ApprovalRequest(
        id=7, institution_id=1, contract_id=1, operation=Operation.PAYROLL_TRANSFER,
        state=ApprovalState.PENDING, requested_by=1, requester_name="利用者1",
        amount=500_000, fees=660, lines=3, from_account_id=1, value_date=date(2026, 11, 26),
        expires_at=CUT_OFF, created_at=CUT_OFF - timedelta(hours=5), draft={}), **changes)


class TestStateMachine:
    @given(st.lists(st.sampled_from(list(Decision)), min_size=1, max_size=8))
    def test_a_request_never_leaves_a_final_state(self, decisions):
        state = ApprovalState.PENDING
        for decision in decisions:
            if state in FINAL:
                with pytest.raises(ApprovalNotPending):
                    rules.next_state(state, decision)
            else:
                state = rules.next_state(state, decision)
                assert state in FINAL  # every decision ends the request
        assert state in FINAL

    def test_each_decision_has_its_state(self):
        assert {d: rules.next_state(ApprovalState.PENDING, d) for d in Decision} == {
            Decision.APPROVE: ApprovalState.APPROVED,
            Decision.RETURN: ApprovalState.RETURNED,
            Decision.CANCEL: ApprovalState.CANCELLED,
            Decision.EXPIRE: ApprovalState.EXPIRED}


class TestExpiry:
    def test_a_request_expires_at_the_cut_off_of_its_value_date(self):
        assert rules.expires_at(date(2026, 11, 26), CALENDAR) == CUT_OFF
        pending = request()
        assert not pending.due(CUT_OFF - timedelta(microseconds=1))
        assert pending.due(CUT_OFF)
        rules.ensure_pending(pending, CUT_OFF - timedelta(seconds=1))
        with pytest.raises(ApprovalExpired):
            rules.ensure_pending(pending, CUT_OFF)

    @given(st.sampled_from(sorted(FINAL)))
    def test_a_decided_request_is_not_pending(self, final):
        with pytest.raises(ApprovalNotPending):
            rules.ensure_pending(request(state=final), CUT_OFF - timedelta(hours=1))


class TestWhoDecides:
    def test_nobody_approves_their_own_request(self):
        with pytest.raises(SelfApprovalNotPermitted):
            rules.ensure_may_approve(user(1), CONTRACT, request(), 0)
        with pytest.raises(SelfApprovalNotPermitted):
            rules.ensure_may_decide(user(1), request())
        rules.ensure_may_approve(user(2), CONTRACT, request(), 0)

    @given(st.integers(min_value=1, max_value=10_000))
    def test_nobody_approves_their_own_whoever_they_are(self, pk):
        with pytest.raises(SelfApprovalNotPermitted):
            rules.ensure_may_decide(user(pk), request(requested_by=pk))

    def test_an_approver_has_the_approver_right_the_approval_right_and_the_operations(self):
        with pytest.raises(NotApprover):
            rules.ensure_may_decide(user(2, approver=False), request())
        with pytest.raises(NotApprover):
            rules.ensure_may_decide(user(2, operations=frozenset({Operation.PAYROLL_TRANSFER})),
                                    request())
        with pytest.raises(NotApprover):
            rules.ensure_may_approve(user(2, operations=frozenset({Operation.APPROVAL})),
                                     CONTRACT, request(), 0)

    def test_the_approvers_limits_cover_the_amount(self):
        with pytest.raises(OverUserLimit):
            rules.ensure_may_approve(user(2, limit_per_transfer=499_999), CONTRACT,
                                     request(), 0)
        with pytest.raises(OverUserLimit):  # the contract's, when the user has none
            rules.ensure_may_approve(user(2), CONTRACT, request(amount=1_000_001), 0)
        with pytest.raises(DailyLimitExceeded):
            rules.ensure_may_approve(user(2), CONTRACT, request(), 1_500_001)
        rules.ensure_may_approve(user(2), CONTRACT, request(), 1_500_000)

    def test_another_contracts_request_is_not_found(self):
        with pytest.raises(ApprovalNotFound):
            rules.ensure_may_decide(user(2), request(contract_id=9))
        with pytest.raises(ApprovalNotFound):
            rules.ensure_may_cancel(user(1), request(institution_id=9))

    def test_cancel_is_the_requesters(self):
        rules.ensure_may_cancel(user(1), request())
        with pytest.raises(NotRequester):
            rules.ensure_may_cancel(user(2), request())

    def test_send_back_needs_a_reason(self):
        assert rules.reason(" 口座番号の誤り ") == "口座番号の誤り"
        for bad in ("", "   ", None, "x" * 501):
            with pytest.raises(ReasonRequired):
                rules.reason(bad)


class TestPolicy:
    def test_single_unless_the_institution_names_the_operation(self):
        assert not rules.needs_approval(Operation.TRANSFER, InstitutionSettings())
        policy = InstitutionSettings().replace(approval_operations="payroll_transfer")
        assert rules.needs_approval(Operation.PAYROLL_TRANSFER, policy)
        assert not rules.needs_approval(Operation.BULK_TRANSFER, policy)
        assert InstitutionSettings.from_json(policy.to_json()) == policy

    def test_only_transfers_and_batches_can_need_approval(self):
        with pytest.raises(InvalidSetting):
            InstitutionSettings().replace(approval_operations=["payeasy"])
        with pytest.raises(InvalidSetting):
            InstitutionSettings().replace(approval_operations=["nonsense"])
