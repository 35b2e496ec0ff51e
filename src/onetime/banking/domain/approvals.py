"""承認 (issue 12.4): a transfer, 総合振込 or 給与・賞与振込 entered under the institution's
`approval_operations` is a request that another user of the contract approves.

Pure: the states and their transitions, when a request expires, who may decide it. The
storage makes each transition one conditional UPDATE naming the state it leaves
(banking/storage/approvals.py), so of two approvers exactly one wins.

    承認待ち ──承認──▶ 承認済      (the booking happens in the same transaction)
        │──差戻し──▶ 差戻し      (by an approver, with a reason the requester sees)
        │──取消────▶ 取消        (by the requester)
        └──期限────▶ 期限切れ    (the cut-off of its value date passed)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from onetime.banking.domain import people, rights
from onetime.banking.domain.approval_errors import (
    ApprovalExpired,
    ApprovalNotFound,
    ApprovalNotPending,
    NotApprover,
    NotRequester,
    SelfApprovalNotPermitted,
)
from onetime.banking.domain.calendar import BankCalendar
from onetime.banking.domain.people import Contract, SiteUser
from onetime.domain.settings import APPROVABLE_OPERATIONS, InstitutionSettings
from onetime.domain.values import Operation


class ApprovalState(StrEnum):
    PENDING = "pending"  # 承認待ち
    APPROVED = "approved"  # 承認済
    RETURNED = "returned"  # 差戻し
    CANCELLED = "cancelled"  # 取消
    EXPIRED = "expired"  # 期限切れ


class Decision(StrEnum):
    APPROVE = "approve"  # 承認
    RETURN = "return"  # 差戻し
    CANCEL = "cancel"  # 取消
    EXPIRE = "expire"  # the clock


# Every transition leaves 承認待ち; the four others are final.
TRANSITIONS: dict[tuple[ApprovalState, Decision], ApprovalState] = {
    (ApprovalState.PENDING, Decision.APPROVE): ApprovalState.APPROVED,
    (ApprovalState.PENDING, Decision.RETURN): ApprovalState.RETURNED,
    (ApprovalState.PENDING, Decision.CANCEL): ApprovalState.CANCELLED,
    (ApprovalState.PENDING, Decision.EXPIRE): ApprovalState.EXPIRED,
}
FINAL = frozenset(ApprovalState) - {ApprovalState.PENDING}


def next_state(state: ApprovalState, decision: Decision) -> ApprovalState:
    """The state `decision` leads to. Raises ApprovalNotPending from a final state."""
    try:
        return TRANSITIONS[(state, decision)]
    except KeyError:
        raise ApprovalNotPending(f"the request is {state.value}") from None


def needs_approval(operation: Operation, settings: InstitutionSettings) -> bool:
    """Whether the institution puts `operation` under approval (else: booked at once)."""
    return operation in APPROVABLE_OPERATIONS and operation in settings.approval_operations


def expires_at(value_date: date, calendar: BankCalendar) -> datetime:
    """The cut-off of the request's value date, in UTC: it is 期限切れ from then on.

    Not approved by then, the date it would book for has moved on; the requester enters
    it again for the next one."""
    return datetime.combine(value_date, calendar.cut_off, calendar.zone).astimezone(UTC)


@dataclass(frozen=True)
class ApprovalRequest:
    """One request and what became of it (kept in every state: the 承認履歴)."""

    id: int
    institution_id: int
    contract_id: int
    operation: Operation
    state: ApprovalState
    requested_by: int  # site_users.id
    requester_name: str
    amount: int  # a batch's total; fees apart
    fees: int
    lines: int
    from_account_id: int
    value_date: date
    expires_at: datetime
    created_at: datetime
    # The draft the requester confirmed, as its service's to_dict() wrote it.
    draft: dict
    decided_by: int | None = None
    decider_name: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None  # 差戻し's, shown to the requester
    journal_id: int | None = None

    @property
    def pending(self) -> bool:
        return self.state == ApprovalState.PENDING

    def due(self, now: datetime) -> bool:
        """Pending past its cut-off: the clock makes it 期限切れ."""
        return self.pending and now >= self.expires_at


def ensure_pending(request: ApprovalRequest, now: datetime) -> None:
    """Raises ApprovalExpired (its cut-off passed) or ApprovalNotPending (decided)."""
    if request.due(now) or request.state == ApprovalState.EXPIRED:
        raise ApprovalExpired("the request expired at the cut-off of its value date")
    if not request.pending:
        raise ApprovalNotPending(f"the request is {request.state.value}")


def ensure_of_contract(user: SiteUser, request: ApprovalRequest) -> None:
    """Another contract's request is not found. Raises ApprovalNotFound."""
    if (user.contract_id, user.institution_id) != (request.contract_id,
                                                   request.institution_id):
        raise ApprovalNotFound("no such request under this contract")


def ensure_may_decide(approver: SiteUser, request: ApprovalRequest) -> None:
    """承認 or 差戻し: a user of the contract with 承認権限 and the 承認手続 right, not the
    requester. Raises ApprovalNotFound, NotApprover, SelfApprovalNotPermitted."""
    ensure_of_contract(approver, request)
    if not approver.approver or Operation.APPROVAL not in approver.operations:
        raise NotApprover("the user has no approval right")
    if approver.id == request.requested_by:
        raise SelfApprovalNotPermitted("nobody approves their own request")


def ensure_may_approve(approver: SiteUser, contract: Contract, request: ApprovalRequest,
                       spent_today: int) -> None:
    """承認 books the request in the approver's name: on top of `ensure_may_decide`, the
    approver has the operation's right and their limits cover its amount.

    Raises as ensure_may_decide, and NotApprover (not the operation's right),
    OverUserLimit, DailyLimitExceeded.
    """
    ensure_may_decide(approver, request)
    if request.operation not in approver.operations:
        raise NotApprover(f"the approver may not do {request.operation.value}")
    rights.ensure_within_limits(approver, contract, request.amount, spent_today)


def ensure_may_cancel(user: SiteUser, request: ApprovalRequest) -> None:
    """取消 is the requester's. Raises ApprovalNotFound, NotRequester."""
    ensure_of_contract(user, request)
    if user.id != request.requested_by:
        raise NotRequester("only the requester cancels a request")


def reason(value: object) -> str:
    """差戻し's reason: required, 1-500 characters. Raises ReasonRequired."""
    return people.reason(value)
