"""総合振込 and 給与・賞与振込 on the site: a 全銀協規定形式 file or lines typed on screen →
a draft shown for confirmation → step-up → one booking (BatchService.book), all or none.

The draft carries a request ID; the journal is unique on it, so a batch sent twice is
booked once and the second answer is AlreadyBooked. The file's 取組日 is shown beside the
value date (振込指定日) but never used: a batch is booked for the business day it is
executed on (before the cut-off, today; else the next), as a one-off transfer is.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from onetime.banking.domain import batches
from onetime.banking.domain import fees as pricing
from onetime.banking.domain import zengin as zengin_format
from onetime.banking.domain.banks import Bank
from onetime.banking.domain.batches import CreditLine, CreditRecord
from onetime.banking.domain.calendar import value_date
from onetime.banking.domain.errors import (
    AlreadyBooked,
    BatchFileTooLarge,
    InsufficientBalance,
    InvalidBatchLine,
)
from onetime.banking.domain.ledger import JournalKind
from onetime.banking.domain.people import Contract, SiteUser
from onetime.banking.domain.stepup import Requirement
from onetime.banking.domain.transfers import AccountType
from onetime.banking.domain.zengin import DepositType, Kind, Problem, ZenginFileInvalid
from onetime.banking.domain.zengin.layout import HEADER, data_layout
from onetime.banking.domain.zengin.parse import split
from onetime.banking.service import zengin as banks
from onetime.banking.service.accounts import accounts_of, own_account
from onetime.banking.service.batches import BatchReceipt, BatchService
from onetime.banking.service.confirming import ConfirmingService, PendingConfirmation
from onetime.banking.service.context import Context
from onetime.banking.service.executing import Execution
from onetime.banking.service.limits import TransferLimits
from onetime.banking.service.stepup import StepUpService
from onetime.banking.storage.database import Connection
from onetime.banking.storage.ledger import Account
from onetime.domain.confirmations import TransactionDetails
from onetime.domain.errors import InvalidInput, OnetimeError
from onetime.domain.values import Operation

# Rule 3 names 総合振込 and 給与・賞与振込 apart; 賞与 is booked and protected as 給与.
OPERATIONS = {Kind.BULK: Operation.BULK_TRANSFER, Kind.PAYROLL: Operation.PAYROLL_TRANSFER,
              Kind.BONUS: Operation.PAYROLL_TRANSFER}
JOURNAL_KINDS = {Kind.BULK: JournalKind.BULK, Kind.PAYROLL: JournalKind.PAYROLL,
                 Kind.BONUS: JournalKind.PAYROLL}
# 預金種目 1 and 2 are the ledger's ordinary and current; 貯蓄 (4) and その他 (9) it has not.
ACCOUNT_TYPES = {DepositType.ORDINARY: AccountType.ORDINARY,
                 DepositType.CURRENT: AccountType.CURRENT}
DEPOSIT_TYPES = {v: k for k, v in ACCOUNT_TYPES.items()}
# Where a line's cause lies in a data record (the cause's code → the field's name).
CAUSE_FIELDS = {"invalid_bank_code": "bank_code", "unknown_bank": "bank_code",
                "invalid_branch_code": "branch_code", "unknown_branch": "branch_code",
                "invalid_account_type": "deposit_type",
                "invalid_account_number": "account_number",
                "invalid_holder_name": "recipient_name", "invalid_amount": "amount",
                "amount_over_limit": "amount", "same_account": "account_number"}
SCREEN_LINES = 20  # lines the entry form offers; a larger batch is a file
# The draft waits in the session until 実行; a file larger than this is refused (~8 000
# records) so a session row stays small. The booking itself takes batches.MAX_LINES.
MAX_UPLOAD = 1 << 20


@dataclass(frozen=True)
class BulkLine:
    bank_code: str
    branch_code: str
    account_type: AccountType
    account_number: str
    holder_name: str  # in the 全銀 set (half-width), as the file holds it
    amount: int
    bank_name: str = ""
    branch_name: str = ""

    def record(self) -> CreditRecord:
        return CreditRecord(self.bank_code, self.branch_code, self.account_type.value,
                            self.account_number, self.holder_name, self.amount)


@dataclass(frozen=True)
class BulkDraft:
    request_id: str
    kind: Kind
    from_account_id: int
    lines: tuple[BulkLine, ...]
    fees: int
    value_date: date  # as of the confirmation screen; execution dates it again
    transfer_date: str | None = None  # the uploaded file's 取組日 (MMDD)

    @property
    def count(self) -> int:
        return len(self.lines)

    @property
    def total(self) -> int:
        return sum(ln.amount for ln in self.lines)

    @property
    def operation(self) -> Operation:
        return OPERATIONS[self.kind]

    @property
    def date_differs(self) -> bool:
        """The file asked for another day than the one it will be booked for."""
        return (self.transfer_date is not None
                and self.transfer_date != self.value_date.strftime("%m%d"))

    def to_dict(self) -> dict:
        # Lines as lists: a payroll of a thousand lines is kept in the session row.
        return {"request_id": self.request_id, "kind": self.kind.value,
                "from_account_id": self.from_account_id, "fees": self.fees,
                "value_date": self.value_date.isoformat(),
                "transfer_date": self.transfer_date,
                "lines": [[ln.bank_code, ln.branch_code, ln.account_type.value,
                           ln.account_number, ln.holder_name, ln.amount, ln.bank_name,
                           ln.branch_name] for ln in self.lines]}

    @classmethod
    def from_dict(cls, data: Mapping) -> BulkDraft:
        """Raises KeyError, TypeError, ValueError for what is not a draft."""
        lines = tuple(BulkLine(str(b), str(br), AccountType(t), str(n), str(name), int(a),
                               str(bn), str(brn))
                      for b, br, t, n, name, a, bn, brn in data["lines"])
        return cls(request_id=str(data["request_id"]), kind=Kind(data["kind"]),
                   from_account_id=int(data["from_account_id"]), lines=lines,
                   fees=int(data["fees"]), value_date=date.fromisoformat(data["value_date"]),
                   transfer_date=data.get("transfer_date"))


class BulkService:
    def __init__(self, ctx: Context, stepup: StepUpService, batches: BatchService) -> None:
        self.ctx, self.stepup, self.batches = ctx, stepup, batches
        self.ledger = ctx.ledger
        self.limits = TransferLimits(ctx)
        # 取引確認 of a batch is its count and total, online only (no payee for OCRA).
        self.confirming = ConfirmingService(ctx)
        self.execution = Execution(ctx, stepup, self.confirming, self)

    def requirement(self, institution: Bank, contract: Contract, kind: Kind) -> Requirement:
        return self.stepup.requirement(institution, contract, OPERATIONS[kind])

    def accounts(self, user: SiteUser) -> list[Account]:
        return accounts_of(self.ctx, user)

    # -- ファイル取込 ----------------------------------------------------------------------

    def prepare_file(self, institution: Bank, user: SiteUser, data: bytes, *,
                     source_ip: str | None = None) -> BulkDraft:
        """An uploaded file → its draft; nothing is booked.

        Raises ZenginFileInvalid listing every problem (the format's, then a paying
        account that is not the contract's and lines the ledger cannot take, e.g.
        預金種目 4), BatchFileTooLarge, InsufficientBalance. A refused file is audited
        with its count of problems.
        """
        if len(data) > MAX_UPLOAD:
            raise BatchFileTooLarge(f"the file is over {MAX_UPLOAD} bytes")
        try:
            file = banks.read_file(data)
            self.limits.ensure_right(institution, user, OPERATIONS[file.kind])
            draft = self._draft_of_file(institution, user, data, file)
        except ZenginFileInvalid as exc:
            self._audit(institution, user, "bulk_file_refused", None, "rejected", source_ip,
                        {"problems": len(exc.problems)})
            raise
        self._audit(institution, user, "bulk_prepared", draft.operation, "accepted",
                    source_ip, self._facts(draft))
        return draft

    def _draft_of_file(self, institution: Bank, user: SiteUser, data: bytes,
                       file: zengin_format.ZenginFile) -> BulkDraft:
        starts = [offset for offset, _raw in split(data)[0]]
        problems: list[Problem] = []
        head = file.header
        source = next((a for a in self.accounts(user)
                       if (a.bank_code, a.branch_code, a.account_number)
                       == (head.bank_code, head.branch_code, head.account_number)
                       and DEPOSIT_TYPES[a.account_type] == head.deposit_type), None)
        if source is None:
            problems.append(_at(starts, 1, "header", HEADER, "account_number"))
        lines = []
        for index, t in enumerate(file.transfers):
            line = index + 2  # the header is line 1
            kind = ACCOUNT_TYPES.get(t.deposit_type)
            if kind is None:
                layout = data_layout(file.kind, edi=t.edi_info is not None)
                problems.append(_at(starts, line, "data", layout, "deposit_type"))
                continue
            # The code list's names, as the entry screen shows (the file's are kana, 任意).
            bank, branch = banks.names(t.bank_code, t.branch_code)
            lines.append(BulkLine(t.bank_code, t.branch_code, kind, t.account_number,
                                  t.recipient_name, t.amount, bank, branch))
        if not problems and source is not None:
            try:
                return self._draft(institution, user, source, file.kind, lines,
                                   head.transfer_date)
            except InvalidBatchLine as exc:
                layout = data_layout(file.kind, edi=False)
                field = CAUSE_FIELDS.get(exc.cause_code, "amount")
                problems.append(_at(starts, exc.line + 1, "data", layout, field))
        raise ZenginFileInvalid(sorted(problems, key=lambda p: (p.line, p.offset)))

    # -- 画面入力 --------------------------------------------------------------------------

    def prepare_lines(self, institution: Bank, user: SiteUser, *, kind: object,
                      from_account_id: object, rows: Iterable[Mapping[str, str]],
                      source_ip: str | None = None) -> BulkDraft:
        """Lines typed on screen (bank_code, branch_code, account_type, account_number,
        holder_name, amount; a row left blank but for its type is skipped) → the draft.

        Raises InvalidBatchLine (the line's number among those filled in, and why),
        EmptyBatch, AccountNotFound, InsufficientBalance, InvalidInput for the kind.
        """
        try:
            kind = Kind(str(kind))
        except ValueError:
            raise InvalidInput("kind: 21, 11 or 12") from None
        self.limits.ensure_right(institution, user, OPERATIONS[kind])
        source = own_account(self.ctx, user, from_account_id)
        # The account type is a select, never blank: a row is blank without the rest.
        filled = [r for r in rows
                  if any(str(v).strip() for k, v in r.items() if k != "account_type")]
        checked = batches.checked(CreditRecord(
            r.get("bank_code"), r.get("branch_code"), r.get("account_type"),
            r.get("account_number"), r.get("holder_name"), r.get("amount")) for r in filled)
        lines = []
        for number, ln in enumerate(checked, start=1):
            try:
                bank, branch = banks.names(ln.bank_code, ln.branch_code)
                name = zengin_format.to_half_width(ln.holder_name)
            except OnetimeError as exc:
                raise InvalidBatchLine(number, exc) from exc
            lines.append(BulkLine(ln.bank_code, ln.branch_code, ln.account_type,
                                  ln.account_number, name, ln.amount, bank, branch))
        draft = self._draft(institution, user, source, kind, lines, None)
        self._audit(institution, user, "bulk_prepared", draft.operation, "accepted",
                    source_ip, self._facts(draft))
        return draft

    def _draft(self, institution: Bank, user: SiteUser, source: Account, kind: Kind,
               lines: list[BulkLine], transfer_date: str | None) -> BulkDraft:
        checked = batches.checked(ln.record() for ln in lines)
        # The user's right to the kind, and the batch's total within their limits.
        self.limits.check(institution, user, sum(ln.amount for ln in checked),
                          operation=OPERATIONS[kind])
        with self.ctx.db.read() as conn:
            fees = self._fees(conn, institution, source, checked)
        draft = BulkDraft(secrets.token_urlsafe(16), kind, source.id, tuple(lines), fees,
                          value_date(self.ctx.clock.now(), self.ctx.calendar), transfer_date)
        if source.balance < draft.total + fees:
            raise InsufficientBalance("the balance is short")
        return draft

    # -- 実行 ------------------------------------------------------------------------------

    def execute(self, institution: Bank, user: SiteUser, contract: Contract, draft: BulkDraft,
                confirmation_password: str, code: str | None, *,
                source_ip: str | None = None) -> BatchReceipt | PendingConfirmation:
        """Step-up for the batch's operation, then the booking, all or nothing — or, when
        the institution asks for 取引確認, the pending confirmation (`execute_confirmed`).

        Raises AlreadyBooked (before any code is used up, and again atomically),
        InsufficientBalance, the step-up's errors, InvalidBatchLine.
        """
        return self.execution.execute(institution, user, contract, draft,
                                      confirmation_password, code, source_ip=source_ip)

    def execute_confirmed(self, institution: Bank, user: SiteUser, contract: Contract,
                          draft: BulkDraft, pending: PendingConfirmation, *,
                          source_ip: str | None = None) -> BatchReceipt:
        """Book a batch whose step-up passed, once the app confirmed its count and total:
        see ConfirmingService.settle for the errors."""
        return self.execution.execute_confirmed(institution, user, contract, draft, pending,
                                                source_ip=source_ip)

    # -- what Execution asks of a batch (banking/service/executing.py) ------------------

    def step_up_operation(self, draft: BulkDraft) -> Operation:
        return draft.operation

    def subject(self, draft: BulkDraft) -> str:
        return draft.request_id

    @staticmethod
    def details(draft: BulkDraft) -> TransactionDetails:
        """What the token app shows and signs for a batch: its count and total."""
        return TransactionDetails(draft.operation, count=draft.count, total=draft.total)

    def ready(self, institution: Bank, user: SiteUser, draft: BulkDraft) -> Account:
        """The checks before a code or a confirmation is used up."""
        source = own_account(self.ctx, user, draft.from_account_id)
        with self.ctx.db.read() as conn:
            if self.ledger.journal_id(conn, institution.id, draft.request_id) is not None:
                raise AlreadyBooked("this batch was booked already")
        if source.balance < draft.total + draft.fees:
            raise InsufficientBalance("the balance is short")
        # The user's right to the kind, and the batch's total within their limits.
        self.limits.check(institution, user, draft.total, operation=draft.operation)
        return source

    def book(self, conn: Connection, institution: Bank, user: SiteUser, contract: Contract,
             draft: BulkDraft, found: Account, *, source_ip: str | None) -> BatchReceipt:
        lines = self.batches.checked(ln.record() for ln in draft.lines)
        # Again in the booking's transaction, the user's row locked: in turn.
        self.limits.check(institution, user, draft.total, conn, operation=draft.operation)
        return self.book_in(conn, institution, user, contract, draft, lines,
                            source_ip=source_ip)

    def not_pending(self, draft: BulkDraft) -> AlreadyBooked:
        return AlreadyBooked("the confirmation is not the pending batch's")

    def booked_already(self, draft: BulkDraft) -> AlreadyBooked:
        return AlreadyBooked("this batch was booked already")

    def book_in(self, conn: Connection, institution: Bank, user: SiteUser,
                contract: Contract, draft: BulkDraft, lines: list[CreditLine], *,
                source_ip: str | None = None) -> BatchReceipt:
        """The draft booked in `conn` by `user` (the requester, or the approver who 承認s
        it): the journal's actor. Raises as BatchService.book_in."""
        return self.batches.book_in(
            conn, institution, contract, debit_account_id=draft.from_account_id,
            lines=lines, request_id=draft.request_id, actor=user.actor,
            kind=JOURNAL_KINDS[draft.kind], operation=draft.operation.value,
            user_id=user.user_id, source_ip=source_ip)

    # -- ダウンロード ----------------------------------------------------------------------

    def download(self, user: SiteUser, contract: Contract, draft: BulkDraft) -> bytes:
        """The batch as a 全銀 file (cp932 bytes, CR LF): what an upload reads back.
        The requester is the contract (its number as 依頼人コード, the paying account's
        holder as 依頼人名); 取組日 is the value date."""
        source = own_account(self.ctx, user, draft.from_account_id)
        header = zengin_format.Header(
            kind=draft.kind, requester_code=contract.number.zfill(10),
            requester_name=zengin_format.to_half_width(source.holder_name),
            transfer_date=draft.value_date.strftime("%m%d"), bank_code=source.bank_code,
            branch_code=source.branch_code, deposit_type=DEPOSIT_TYPES[source.account_type],
            account_number=source.account_number)
        transfers = tuple(zengin_format.Transfer(
            bank_code=ln.bank_code, branch_code=ln.branch_code,
            deposit_type=DEPOSIT_TYPES[ln.account_type], account_number=ln.account_number,
            recipient_name=ln.holder_name, amount=ln.amount) for ln in draft.lines)
        return zengin_format.render(zengin_format.ZenginFile(header, transfers))

    # -- helpers ---------------------------------------------------------------------------

    def _fees(self, conn: Connection, institution: Bank, source: Account,
              lines: list[CreditLine]) -> int:
        table = pricing.FeeTable(self.ledger.fee_bands(conn, institution.id))
        return sum(table.fee(pricing.scope(source.bank_code, source.branch_code,
                                           ln.bank_code, ln.branch_code), ln.amount)
                   for ln in lines)

    @staticmethod
    def _facts(draft: BulkDraft) -> dict:
        # Counts and sums only: the payees' names and accounts stay out of the audit.
        return {"kind": draft.kind.value, "lines": draft.count, "total": draft.total,
                "fees": draft.fees, "value_date": draft.value_date.isoformat()}

    def _audit(self, institution: Bank, user: SiteUser, event: str,
               operation: Operation | None, result: str, source_ip: str | None,
               detail: dict) -> None:
        with self.ctx.db.write() as conn:
            self.ctx.audit.append(
                conn, at=self.ctx.clock.now(), institution_id=institution.id, event=event,
                user_id=user.user_id, actor=user.actor,
                operation=operation.value if operation else None, result=result,
                source_ip=source_ip, detail=detail)


def _at(starts: list[int], line: int, record: str, layout, field: str) -> Problem:
    """A problem of `field` on `line`: its byte offset from where the record starts."""
    spot = next(f for f in layout if f.name == field)
    return Problem(line, record, field, starts[line - 1] + spot.offset, "invalid_value")

