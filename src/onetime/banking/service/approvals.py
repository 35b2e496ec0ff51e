"""承認: a transfer, 総合振込 or 給与・賞与振込 under the institution's approval_operations
is a request (承認待ち) instead of a booking; another user of the contract with 承認権限
approves it with the step-up (operation `approval`), and it is booked then, in the
approver's name; or sends it back (差戻し) with a reason; the requester may cancel it
(取消); the cut-off of its value date expires it (期限切れ).

The rules are banking/domain/approvals.py; each state change is one conditional UPDATE
(banking/storage/approvals.py). `execute` is the one step that books: the request leaves
承認待ち and the ledger books it in one transaction, so a booking that fails (the balance
short, an account gone) leaves it 承認待ち and says why.

取引確認 (issue 14): where the institution asks for it, `approve` answers the pending
confirmation instead of booking, and `execute_confirmed` books once the approver's token
app confirmed exactly what the request's draft will book (banking/service/confirming.py).
A refused, expired or voided confirmation leaves the request 承認待ち: the approver may
approve it again (a new step-up and a new confirmation), send it back, or let it expire.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime

from onetime.banking.domain import approvals as rules
from onetime.banking.domain.approval_errors import (
    ApprovalAlreadyRequested,
    ApprovalExpired,
    ApprovalNotFound,
    ApprovalNotPending,
)
from onetime.banking.domain.approvals import ApprovalRequest, ApprovalState
from onetime.banking.domain.banks import Bank
from onetime.banking.domain.calendar import value_date
from onetime.banking.domain.errors import AlreadyBooked
from onetime.banking.domain.people import Contract, SiteUser
from onetime.banking.domain.stepup import Requirement
from onetime.banking.service.bulk import BulkDraft, BulkService
from onetime.banking.service.confirming import PendingConfirmation
from onetime.banking.service.context import Context
from onetime.banking.service.executing import Execution
from onetime.banking.service.limits import TransferLimits
from onetime.banking.service.stepup import StepUpService
from onetime.banking.service.transfers import TransferDraft, TransferService
from onetime.banking.storage.database import Connection, DuplicateKey
from onetime.domain.confirmations import TransactionDetails
from onetime.domain.errors import ConfirmationNotFound, OnetimeError
from onetime.domain.values import Operation

OPERATION = Operation.APPROVAL  # 承認手続: the step-up's operation, audited by this name


def subject(request_id: int) -> str:
    """What a 取引確認 for request `request_id` is bound to: it books no other request."""
    return f"approval-{request_id}"


@dataclass(frozen=True)
class Approved:
    """What 承認 booked: the journal entry, the paying account's balance after it."""

    request: ApprovalRequest
    journal_id: int
    fees: int
    value_date: date
    booked_at: datetime
    balance_after: int


class ApprovalService:
    def __init__(self, ctx: Context, stepup: StepUpService, transfers: TransferService,
                 bulk: BulkService) -> None:
        self.ctx, self.stepup = ctx, stepup
        self.transfers, self.bulk = transfers, bulk
        # The transfers' one: a wrong OCRA code suspends and ends sessions as theirs does.
        self.confirming = transfers.confirming
        self.repo = ctx.approvals
        self.limits = TransferLimits(ctx)
        self.execution = Execution(ctx, stepup, self.confirming, self, failed=self._failed)

    def required(self, institution: Bank, operation: Operation) -> bool:
        """Whether `operation` is entered as a request under this institution's policy."""
        return rules.needs_approval(operation, institution.settings)

    def requirement(self, institution: Bank, contract: Contract) -> Requirement:
        return self.stepup.requirement(institution, contract, OPERATION)

    # -- 承認依頼: the requester's confirmation screen ------------------------------------

    def request_transfer(self, institution: Bank, user: SiteUser, contract: Contract,
                         draft: TransferDraft, *,
                         source_ip: str | None = None) -> ApprovalRequest:
        return self._request(institution, user, contract, Operation.TRANSFER, draft.to_dict(),
                             amount=draft.amount, fees=draft.fee, lines=1,
                             from_account_id=draft.from_account_id, source_ip=source_ip)

    def request_batch(self, institution: Bank, user: SiteUser, contract: Contract,
                      draft: BulkDraft, *, source_ip: str | None = None) -> ApprovalRequest:
        return self._request(institution, user, contract, draft.operation, draft.to_dict(),
                             amount=draft.total, fees=draft.fees, lines=draft.count,
                             from_account_id=draft.from_account_id, source_ip=source_ip)

    def _request(self, institution: Bank, user: SiteUser, contract: Contract,
                 operation: Operation, draft: dict, *, amount: int, fees: int, lines: int,
                 from_account_id: int, source_ip: str | None) -> ApprovalRequest:
        """Nothing is booked: the request waits for an approver until its cut-off.

        Raises OperationNotPermitted, OverUserLimit, DailyLimitExceeded (the requester's
        rights, as for a booking), ApprovalAlreadyRequested."""
        self.limits.check(institution, user, amount, operation=operation)
        now = self.ctx.clock.now()
        # Dated now, not as of the confirmation screen: the cut-off may have passed since.
        dated = value_date(now, self.ctx.calendar)
        try:
            with self.ctx.db.write() as conn:
                request_id = self.repo.add(
                    conn, institution_id=institution.id, contract_id=contract.id,
                    operation=operation, requested_by=user.id, requester_name=user.name,
                    amount=amount, fees=fees, lines=lines, from_account_id=from_account_id,
                    value_date=dated, expires_at=rules.expires_at(dated, self.ctx.calendar),
                    draft=draft, now=now)
                self._audit(conn, institution, user, "approval_requested", operation,
                            source_ip, {"request": request_id, "amount": amount,
                                        "lines": lines, "value_date": dated.isoformat()})
                return self.repo.get(conn, institution.id, request_id)
        except DuplicateKey:
            raise ApprovalAlreadyRequested("this draft was requested already") from None

    # -- 承認待ち一覧, 承認履歴 -------------------------------------------------------------

    def pending(self, institution: Bank, user: SiteUser) -> list[ApprovalRequest]:
        self._expire(user.contract_id)
        with self.ctx.db.read() as conn:
            return self.repo.pending_of(conn, user.contract_id)

    def history(self, institution: Bank, user: SiteUser) -> list[ApprovalRequest]:
        self._expire(user.contract_id)
        with self.ctx.db.read() as conn:
            return self.repo.history_of(conn, user.contract_id)

    def get(self, institution: Bank, user: SiteUser, request_id: object) -> ApprovalRequest:
        """One request of the user's contract. Raises ApprovalNotFound."""
        try:
            wanted = int(str(request_id))
        except ValueError:
            raise ApprovalNotFound("no such request") from None
        self._expire(user.contract_id)
        with self.ctx.db.read() as conn:
            found = self.repo.get(conn, institution.id, wanted)
        if found is None:
            raise ApprovalNotFound("no such request")
        rules.ensure_of_contract(user, found)
        return found

    def may_decide(self, user: SiteUser, request: ApprovalRequest) -> bool:
        try:
            rules.ensure_may_decide(user, request)
        except OnetimeError:
            return False
        return request.pending

    # -- 承認 -------------------------------------------------------------------------------

    def approve(self, institution: Bank, approver: SiteUser, contract: Contract,
                request_id: object, confirmation_password: str, code: str | None, *,
                source_ip: str | None = None) -> Approved | PendingConfirmation:
        """The approver's rights and limits, the step-up, then `execute` — or, when the
        institution asks for 取引確認, the pending confirmation the screen waits on
        (`execute_confirmed` books it).

        Raises ApprovalNotFound, ApprovalNotPending, ApprovalExpired, NotApprover,
        SelfApprovalNotPermitted, OverUserLimit, DailyLimitExceeded (all before a code is
        used up), the step-up's errors, ConfirmationTokenNotActive, and the booking's
        (InsufficientBalance …): then the request stays 承認待ち.
        """
        request = self.get(institution, approver, request_id)
        return self.execution.execute(institution, approver, contract, request,
                                      confirmation_password, code, source_ip=source_ip)

    def execute_confirmed(self, institution: Bank, approver: SiteUser, contract: Contract,
                          request_id: object, pending: PendingConfirmation, *,
                          response: str = "", source_ip: str | None = None) -> Approved:
        """Book a request whose step-up passed (`approve` made `pending`), only once the
        approver confirmed exactly what its draft books, read afresh now: a draft changed
        since `approve` voids the confirmation. Raises ConfirmationNotFound (`pending` is
        another request's), what `approve` raises before the step-up, and
        ConfirmingService.settle's errors; a refusal leaves the request 承認待ち.
        """
        request = self.get(institution, approver, request_id)
        return self.execution.execute_confirmed(institution, approver, contract, request,
                                                pending, response=response,
                                                source_ip=source_ip)

    def execute(self, institution: Bank, approver: SiteUser, contract: Contract,
                request: ApprovalRequest, *, source_ip: str | None = None) -> Approved:
        """承認待ち → 承認済 and the booking, in one transaction: all or nothing.

        Of two approvers racing, the conditional UPDATE lets one through; the other
        gets ApprovalNotPending (or ApprovalExpired past the cut-off) and books nothing.
        """
        return self.execution.book(institution, approver, contract, request, None,
                                   source_ip=source_ip)

    # -- what Execution asks of a request (banking/service/executing.py) ----------------

    def step_up_operation(self, request: ApprovalRequest) -> Operation:
        return OPERATION

    def subject(self, request: ApprovalRequest) -> str:
        return subject(request.id)  # the module's function: one rule for the screens too

    def details(self, request: ApprovalRequest) -> TransactionDetails:
        """What the approver's token app shows and signs: exactly what `_book_request`
        will book (the request's draft), as the operation 承認; one payee, or a batch's
        count and total (no OCRA for a batch: it has no one account number)."""
        if request.operation == Operation.TRANSFER:
            one = self.transfers.details(TransferDraft.from_dict(request.draft))
            return dataclasses.replace(one, operation=OPERATION)
        batch = BulkDraft.from_dict(request.draft)
        return TransactionDetails(OPERATION, count=batch.count, total=batch.total)

    def ready(self, institution: Bank, approver: SiteUser, request: ApprovalRequest) -> None:
        """The request still 承認待ち and within the approver's rights and limits: the
        checks before a code or a confirmation is used up."""
        rules.ensure_pending(request, self.ctx.clock.now())
        self._ensure_may_approve(institution, approver, request)

    def book(self, conn: Connection, institution: Bank, approver: SiteUser,
             contract: Contract, request: ApprovalRequest, found: None, *,
             source_ip: str | None) -> Approved:
        now = self.ctx.clock.now()
        self._ensure_may_approve(institution, approver, request, conn)
        if not self.repo.decide(conn, request.id, ApprovalState.APPROVED, by=approver.id,
                                by_name=approver.name, now=now):
            raise self._why_not(conn, institution, request.id, now)
        journal_id, fees, dated, balance = self._book_request(conn, institution, approver,
                                                              contract, request, source_ip)
        self.repo.set_journal(conn, request.id, journal_id)
        self._audit(conn, institution, approver, "approval_approved", OPERATION, source_ip,
                    {"request": request.id, "journal_id": journal_id,
                     "for": request.operation.value, "amount": request.amount})
        return Approved(request, journal_id, fees, dated, now, balance)

    def not_pending(self, request: ApprovalRequest) -> ConfirmationNotFound:
        return ConfirmationNotFound("the confirmation is not this request's")

    def booked_already(self, request: ApprovalRequest) -> AlreadyBooked:
        return AlreadyBooked("this request was booked already")

    def _failed(self, institution: Bank, approver: SiteUser, request: ApprovalRequest,
                exc: OnetimeError, source_ip: str | None) -> None:
        """A booking refused (rolled back) is audited, but for a decision made meanwhile."""
        if isinstance(exc, ApprovalNotPending):
            return
        with self.ctx.db.write() as conn:
            self._audit(conn, institution, approver, "approval_failed", OPERATION, source_ip,
                        {"request": request.id, "code": exc.code}, result="rejected")

    def _book_request(self, conn: Connection, institution: Bank, approver: SiteUser,
                      contract: Contract, request: ApprovalRequest,
                      source_ip: str | None) -> tuple[int, int, date, int]:
        """The request's own booking path, in `conn`, by the approver:
        (journal ID, fees, value date, balance after)."""
        if request.operation == Operation.TRANSFER:
            draft = TransferDraft.from_dict(request.draft)
            done = self.transfers.book_in(conn, institution, approver, contract, draft,
                                          source_ip=source_ip)
            with_id = self.ctx.ledger.journal_id(conn, institution.id, draft.request_id)
            return with_id, done.fee, done.value_date, done.balance_after
        batch = BulkDraft.from_dict(request.draft)
        lines = self.bulk.batches.checked(ln.record() for ln in batch.lines)
        receipt = self.bulk.book_in(conn, institution, approver, contract, batch, lines,
                                    source_ip=source_ip)
        return receipt.journal_id, receipt.fees, receipt.value_date, receipt.balance_after

    def _ensure_may_approve(self, institution: Bank, approver: SiteUser,
                            request: ApprovalRequest, conn: Connection | None = None) -> None:
        self.limits.current(institution, approver, conn, lambda current, contract, spent:
                            rules.ensure_may_approve(current, contract, request, spent))

    # -- 差戻し, 取消 ------------------------------------------------------------------------

    def send_back(self, institution: Bank, approver: SiteUser, request_id: object,
                  reason: object, *, source_ip: str | None = None) -> ApprovalRequest:
        """差戻し with a reason the requester sees. Raises ReasonRequired, NotApprover,
        SelfApprovalNotPermitted, ApprovalNotFound, ApprovalNotPending, ApprovalExpired."""
        request = self.get(institution, approver, request_id)
        why = rules.reason(reason)
        self.limits.current(institution, approver, None, lambda current, _contract, _spent:
                            rules.ensure_may_decide(current, request))
        return self._decide(institution, approver, request, ApprovalState.RETURNED,
                            "approval_returned", source_ip, reason=why)

    def cancel(self, institution: Bank, user: SiteUser, request_id: object, *,
               source_ip: str | None = None) -> ApprovalRequest:
        """取消 by the requester. Raises NotRequester, ApprovalNotFound, ApprovalNotPending,
        ApprovalExpired."""
        request = self.get(institution, user, request_id)
        rules.ensure_may_cancel(user, request)
        return self._decide(institution, user, request, ApprovalState.CANCELLED,
                            "approval_cancelled", source_ip)

    def _decide(self, institution: Bank, user: SiteUser, request: ApprovalRequest,
                state: ApprovalState, event: str, source_ip: str | None, *,
                reason: str | None = None) -> ApprovalRequest:
        now = self.ctx.clock.now()
        rules.ensure_pending(request, now)
        with self.ctx.db.write() as conn:
            if not self.repo.decide(conn, request.id, state, by=user.id, by_name=user.name,
                                    now=now, reason=reason):
                raise self._why_not(conn, institution, request.id, now)
            # The reason is the customer's own text for the requester, not the audit's.
            self._audit(conn, institution, user, event, request.operation, source_ip,
                        {"request": request.id, "amount": request.amount})
            return self.repo.get(conn, institution.id, request.id)

    # -- helpers ----------------------------------------------------------------------------

    def _expire(self, contract_id: int) -> None:
        """The contract's requests past their cut-off become 期限切れ (one UPDATE)."""
        with self.ctx.db.write() as conn:
            self.repo.expire_due(conn, contract_id, self.ctx.clock.now())

    def _why_not(self, conn: Connection, institution: Bank, request_id: int,
                 now: datetime) -> ApprovalNotPending:
        """Why the conditional UPDATE changed nothing: decided by someone else, or expired."""
        current = self.repo.get(conn, institution.id, request_id)
        if current is not None and (current.due(now)
                                    or current.state == ApprovalState.EXPIRED):
            return ApprovalExpired("the request expired at the cut-off of its value date")
        state = current.state.value if current else "gone"
        return ApprovalNotPending(f"the request is {state}")

    def _audit(self, conn: Connection, institution: Bank, user: SiteUser, event: str,
               operation: Operation, source_ip: str | None, detail: dict, *,
               result: str = "accepted") -> None:
        self.ctx.audit.append(
            conn, at=self.ctx.clock.now(), institution_id=institution.id, event=event,
            user_id=user.user_id, actor=user.actor, operation=operation.value, result=result,
            source_ip=source_ip, detail=detail)
