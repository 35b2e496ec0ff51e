"""税金・各種料金の払込み（ペイジー）: 収納機関番号 → the bill's numbers → 払込内容確認 (the
biller's name and amount) → step-up → 払込完了 with a 受付番号.

The bill is claimed by a conditional UPDATE in the same transaction as the journal entry
(debit the customer's account, credit the biller's settlement account), so a bill is paid
once however many screens press 実行 at once. Every step is audited as `payeasy`; no
確認番号, password or code is ever in the audit.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import date, datetime

from onetime.banking.domain import payeasy as rules
from onetime.banking.domain.banks import Bank
from onetime.banking.domain.errors import (
    BillAlreadyPaid,
    BillNotFound,
    InsufficientBalance,
    InvalidBillerFile,
    UnknownBiller,
)
from onetime.banking.domain.ledger import Booking, JournalKind, Posting
from onetime.banking.domain.payeasy import Bill, Biller, BillerKind
from onetime.banking.domain.people import Contract, SiteUser
from onetime.banking.domain.stepup import Requirement
from onetime.banking.service.accounts import accounts_of, own_account
from onetime.banking.service.confirming import ConfirmingService
from onetime.banking.service.context import Context
from onetime.banking.service.executing import Execution
from onetime.banking.service.limits import TransferLimits
from onetime.banking.service.stepup import StepUpService
from onetime.banking.storage.database import Connection
from onetime.banking.storage.ledger import Account
from onetime.banking.storage.payeasy import BILLER_ACCOUNT
from onetime.domain.errors import OnetimeError
from onetime.domain.values import Operation

OPERATION = Operation.PAYEASY


@dataclass(frozen=True)
class PaymentDraft:
    """What 払込内容確認 shows, kept in the session until 実行."""

    request_id: str
    from_account_id: int
    biller_number: str
    biller_name: str
    biller_kind: BillerKind
    bill_id: int
    number: str  # お客様番号 / 納付番号
    payment_class: str | None
    amount: int
    due: date | None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["biller_kind"] = self.biller_kind.value
        data["due"] = self.due.isoformat() if self.due else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> PaymentDraft:
        return cls(request_id=data["request_id"], from_account_id=int(data["from_account_id"]),
                   biller_number=data["biller_number"], biller_name=data["biller_name"],
                   biller_kind=BillerKind(data["biller_kind"]), bill_id=int(data["bill_id"]),
                   number=data["number"], payment_class=data["payment_class"],
                   amount=int(data["amount"]),
                   due=date.fromisoformat(data["due"]) if data["due"] else None)


@dataclass(frozen=True)
class PaymentReceipt:
    receipt_number: str  # 受付番号
    paid_at: datetime
    balance_after: int


@dataclass(frozen=True)
class LoadSummary:
    billers: int
    bills: int


class PayeasyService:
    def __init__(self, ctx: Context, stepup: StepUpService) -> None:
        self.ctx, self.stepup = ctx, stepup
        self.limits = TransferLimits(ctx)
        self.repo, self.ledger = ctx.payeasy, ctx.ledger
        self.execution = Execution(ctx, stepup, ConfirmingService(ctx), self)

    def requirement(self, institution: Bank, contract: Contract) -> Requirement:
        return self.stepup.requirement(institution, contract, OPERATION)

    def accounts(self, user: SiteUser) -> list[Account]:
        return accounts_of(self.ctx, user)

    def biller(self, institution: Bank, user: SiteUser, number: object, *,
               source_ip: str | None = None) -> Biller:
        """Step 1, 収納機関番号. Raises InvalidBillerNumber, UnknownBiller."""
        try:
            wanted = rules.biller_number(number)
            with self.ctx.db.read() as conn:
                found = self.repo.biller(conn, institution.id, wanted)
            if found is None:
                raise UnknownBiller("no biller with this number")
        except OnetimeError as exc:
            self._audit(institution, user, "payeasy_biller", "rejected", source_ip=source_ip,
                        code=exc.code)
            raise
        self._audit(institution, user, "payeasy_biller", "accepted", source_ip=source_ip,
                    biller=found.number)
        return found

    def prepare(self, institution: Bank, user: SiteUser, *, biller_number: object,
                from_account_id: object, customer_number: object,
                confirmation_number: object, payment_class: object = "",
                source_ip: str | None = None) -> PaymentDraft:
        """Step 2, the bill's numbers: nothing is written but the audit entry.

        Raises the InvalidInput errors of domain/payeasy.py, UnknownBiller, BillNotFound
        (also for a wrong 確認番号 or 納付区分), BillAlreadyPaid, AccountNotFound,
        InsufficientBalance.
        """
        self.limits.ensure_right(institution, user, OPERATION)
        biller_no = None
        try:
            biller_no = rules.biller_number(biller_number)
            source = own_account(self.ctx, user, from_account_id)
            with self.ctx.db.read() as conn:
                biller = self.repo.biller(conn, institution.id, biller_no)
                if biller is None:
                    raise UnknownBiller("no biller with this number")
                number = rules.customer_number(customer_number, biller.number_length)
                typed = rules.confirmation_number(confirmation_number)
                klass = rules.payment_class(payment_class, biller.kind)
                bill = self.repo.bill(conn, biller.id, number)
            if (bill is None or not rules.confirmation_matches(typed, bill.confirmation)
                    or klass != bill.payment_class):
                raise BillNotFound("no bill matches these numbers")
            if bill.paid:
                raise BillAlreadyPaid("this bill is already paid")
            if source.balance < bill.amount:
                raise InsufficientBalance("the balance is short")
            self.limits.check(institution, user, bill.amount, operation=OPERATION)
        except OnetimeError as exc:
            self._audit(institution, user, "payeasy_bill", "rejected", source_ip=source_ip,
                        biller=biller_no, code=exc.code)
            raise
        self._audit(institution, user, "payeasy_bill", "accepted", source_ip=source_ip,
                    biller=biller.number, bill_id=bill.id, amount=bill.amount)
        return PaymentDraft(
            request_id=secrets.token_urlsafe(16), from_account_id=source.id,
            biller_number=biller.number, biller_name=biller.name, biller_kind=biller.kind,
            bill_id=bill.id, number=bill.number, payment_class=bill.payment_class,
            amount=bill.amount, due=bill.due)

    def execute(self, institution: Bank, user: SiteUser, contract: Contract,
                draft: PaymentDraft, confirmation_password: str, code: str | None, *,
                source_ip: str | None = None) -> PaymentReceipt:
        """Step-up, then claim the bill and book the payment in one transaction.

        Raises BillAlreadyPaid (before any code is used up when it is seen then, and
        atomically after), InsufficientBalance, the step-up's errors.
        """
        # ペイジー has no 取引確認 (`details` is None), so this is never a pending one.
        return self.execution.execute(institution, user, contract, draft,
                                      confirmation_password, code, source_ip=source_ip)

    # -- what Execution asks of a payment (banking/service/executing.py) ----------------

    def step_up_operation(self, draft: PaymentDraft) -> Operation:
        return OPERATION

    def subject(self, draft: PaymentDraft) -> str:
        return draft.request_id

    def details(self, draft: PaymentDraft) -> None:
        return None  # not an operation the token app confirms

    def ready(self, institution: Bank, user: SiteUser,
              draft: PaymentDraft) -> tuple[Account, Bill]:
        """The checks before a code is used up: the paying account and the bill."""
        source = own_account(self.ctx, user, draft.from_account_id)
        with self.ctx.db.read() as conn:
            bill = self.repo.bill_by_id(conn, draft.bill_id)
        if bill is None or bill.paid:
            raise BillAlreadyPaid("this bill is already paid")
        if source.balance < bill.amount:
            raise InsufficientBalance("the balance is short")
        self.limits.check(institution, user, bill.amount, operation=OPERATION)
        return source, bill

    def book(self, conn: Connection, institution: Bank, user: SiteUser, contract: Contract,
             draft: PaymentDraft, found: tuple[Account, Bill], *,
             source_ip: str | None) -> PaymentReceipt:
        source, bill = found
        now = self.ctx.clock.now()
        # Pay-easy settles at once, any day: the journal is dated the local day of payment.
        paid_on = now.astimezone(self.ctx.calendar.zone).date()
        receipt = rules.receipt_number(paid_on, bill.id)
        # Again in the payment's transaction, the user's row locked: in turn.
        self.limits.check(institution, user, bill.amount, conn, operation=OPERATION)
        if not self.repo.claim(conn, bill.id, paid_by=user.id, from_account_id=source.id,
                               receipt_number=receipt, now=now):
            raise BillAlreadyPaid("this bill is already paid")
        biller = self._biller_of(conn, institution, draft.biller_number)
        journal_id = self.ledger.book(conn, institution.id, Booking(
            JournalKind.PAYEASY, draft.request_id, paid_on, user.actor,
            (Posting(source.id, -bill.amount), Posting(biller.account_id, bill.amount))), now)
        self.repo.set_journal(conn, bill.id, journal_id)
        self.ctx.audit.append(
            conn, at=now, institution_id=institution.id, event="payeasy_paid",
            user_id=user.user_id, actor=user.actor, operation=OPERATION.value,
            result="accepted", source_ip=source_ip,
            detail={"biller": biller.number, "bill_id": bill.id, "amount": bill.amount,
                    "receipt_number": receipt,
                    "from": f"{source.branch_code}-{source.account_number}"})
        after = self.ledger.account(conn, source.id)
        return PaymentReceipt(receipt, now, after.balance if after else 0)

    def not_pending(self, draft: PaymentDraft) -> BillAlreadyPaid:
        return BillAlreadyPaid("the confirmation is not the pending payment's")

    def booked_already(self, draft: PaymentDraft) -> BillAlreadyPaid:
        return BillAlreadyPaid("this payment was already executed")

    # -- the operator's biller file ----------------------------------------------------

    def load(self, institution: Bank, text: str) -> LoadSummary:
        """Load a biller file (domain/payeasy.py's format) in one transaction.

        Raises InvalidBillerFile naming every bad line; then nothing is loaded. A bill
        already loaded (same biller and number) is a bad line: a paid bill is never reset.
        """
        biller_lines, bill_lines, problems = rules.parse_biller_file(text)
        now = self.ctx.clock.now()
        with self.ctx.db.write() as conn:
            ids: dict[str, tuple[int, BillerKind, int]] = {}
            for line in biller_lines:
                account_id = self.repo.settlement_account(
                    conn, institution.id, line.bank_code, line.branch_code,
                    line.account_type, line.account_number)
                if account_id is None:
                    account_id = self.ledger.add_account(
                        conn, institution_id=institution.id, contract_id=None,
                        kind=BILLER_ACCOUNT, bank_code=line.bank_code,
                        branch_code=line.branch_code, account_type=line.account_type,
                        account_number=line.account_number, holder_name=line.holder_name,
                        balance=0, now=now)
                biller_id = self.repo.save_biller(
                    conn, institution_id=institution.id, number=line.number, name=line.name,
                    kind=line.kind, number_length=line.number_length, account_id=account_id,
                    now=now)
                ids[line.number] = (biller_id, line.kind, line.number_length)
            for bill in bill_lines:
                try:
                    if bill.biller_number not in ids:
                        known = self.repo.biller(conn, institution.id, bill.biller_number)
                        if known is None:
                            raise UnknownBiller(f"biller {bill.biller_number} is not loaded")
                        ids[known.number] = (known.id, known.kind, known.number_length)
                    biller_id, kind, length = ids[bill.biller_number]
                    rules.check_bill(bill, kind, length)
                    if self.repo.bill(conn, biller_id, bill.number) is not None:
                        raise BillAlreadyPaid(f"bill {bill.number} is already loaded")
                    self.repo.add_bill(conn, biller_id=biller_id, number=bill.number,
                                       confirmation=bill.confirmation,
                                       payment_class=bill.payment_class or None,
                                       amount=bill.amount, due=bill.due, now=now)
                except OnetimeError as exc:
                    problems.append((bill.line, exc.code, str(exc)))
            if problems:
                # Leaving the block by an exception rolls the whole file back.
                raise InvalidBillerFile(sorted(problems))
        return LoadSummary(len(biller_lines), len(bill_lines))

    def _biller_of(self, conn: Connection, institution: Bank, number: str) -> Biller:
        biller = self.repo.biller(conn, institution.id, number)
        if biller is None:
            raise UnknownBiller("no biller with this number")
        return biller

    def _audit(self, institution: Bank, user: SiteUser, event: str, result: str, *,
               source_ip: str | None, **detail: object) -> None:
        with self.ctx.db.write() as conn:
            self.ctx.audit.append(
                conn, at=self.ctx.clock.now(), institution_id=institution.id, event=event,
                user_id=user.user_id, actor=user.actor, operation=OPERATION.value,
                result=result, source_ip=source_ip,
                detail={k: v for k, v in detail.items() if v is not None})
