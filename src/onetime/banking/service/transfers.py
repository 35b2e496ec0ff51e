"""振込・振替（都度指定方式）: input, confirmation, step-up, then one journal entry.

The draft (what the confirmation screen shows) carries a request ID, the fee and the
value date (振込指定日); the journal and the transfer row are unique on the request ID, so
pressing 実行 twice moves the money once. The entry debits the amount and the fee, credits
the payee's account when it is ours (else the clearing account) and the fee income.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import date, datetime

from onetime.banking.domain import fees as pricing
from onetime.banking.domain import transfers as rules
from onetime.banking.domain.banks import Bank
from onetime.banking.domain.calendar import value_date
from onetime.banking.domain.errors import (
    AccountNotFound,
    InsufficientBalance,
    SameAccount,
    TransferExpired,
)
from onetime.banking.domain.ledger import Booking, JournalKind, Posting
from onetime.banking.domain.people import Contract, SiteUser
from onetime.banking.domain.stepup import Requirement
from onetime.banking.domain.transfers import AccountType, Destination
from onetime.banking.service import zengin as banks
from onetime.banking.service.accounts import accounts_of, own_account
from onetime.banking.service.confirming import ConfirmingService, PendingConfirmation
from onetime.banking.service.context import Context
from onetime.banking.service.executing import Execution
from onetime.banking.service.limits import TransferLimits
from onetime.banking.service.stepup import StepUpService
from onetime.banking.storage.database import Connection
from onetime.banking.storage.ledger import Account
from onetime.domain.confirmations import Payee, TransactionDetails
from onetime.domain.values import Operation


@dataclass(frozen=True)
class TransferDraft:
    request_id: str
    from_account_id: int
    destination: Destination
    amount: int
    fee: int
    value_date: date  # as of the confirmation screen; execution dates it again

    def to_dict(self) -> dict:
        data = asdict(self)
        data["destination"]["account_type"] = self.destination.account_type.value
        data["value_date"] = self.value_date.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> TransferDraft:
        dest = dict(data["destination"])
        dest["account_type"] = AccountType(dest["account_type"])
        return cls(request_id=data["request_id"], from_account_id=int(data["from_account_id"]),
                   destination=Destination(**dest), amount=int(data["amount"]),
                   fee=int(data["fee"]), value_date=date.fromisoformat(data["value_date"]))


@dataclass(frozen=True)
class TransferReceipt:
    transfer_id: int
    draft: TransferDraft
    executed_at: datetime
    balance_after: int
    fee: int
    value_date: date


class TransferService:
    def __init__(self, ctx: Context, stepup: StepUpService) -> None:
        self.ctx, self.stepup = ctx, stepup
        self.ledger = ctx.ledger
        self.limits = TransferLimits(ctx)
        self.confirming = ConfirmingService(
            ctx, on_suspended=lambda user: (stepup.sessions.end_all_of(user), stepup.kick()))
        self.execution = Execution(ctx, stepup, self.confirming, self)

    def requirement(self, institution: Bank, contract: Contract) -> Requirement:
        return self.stepup.requirement(institution, contract, Operation.TRANSFER)

    def accounts(self, user: SiteUser) -> list[Account]:
        return accounts_of(self.ctx, user)

    def prepare(self, institution: Bank, user: SiteUser, *, from_account_id: object,
                bank_code: object, branch_code: object, account_type: object,
                account_number: object, holder_name: object, amount: object) -> TransferDraft:
        """Check the input screen and look the destination up; nothing is written.

        Raises the InvalidInput errors of domain/transfers.py, UnknownBank, UnknownBranch,
        AccountNotFound, SameAccount, InsufficientBalance.
        """
        source = own_account(self.ctx, user, from_account_id)
        bank = rules.bank_code(bank_code)
        branch = rules.branch_code(branch_code)
        kind = rules.account_type(account_type)
        number = rules.account_number(account_number)
        name = rules.holder_name(holder_name)
        yen = rules.amount(amount)
        bank_name, branch_name = banks.names(bank, branch)
        if (source.bank_code, source.branch_code, source.account_type,
                source.account_number) == (bank, branch, kind, number):
            raise SameAccount("source and destination are the same account")
        with self.ctx.db.read() as conn:
            fee = self._fee(conn, institution, source, bank, branch, yen)
        if source.balance < yen + fee:
            raise InsufficientBalance("the balance is short")
        self.limits.check(institution, user, yen)
        return TransferDraft(
            request_id=secrets.token_urlsafe(16), from_account_id=source.id,
            destination=Destination(bank, bank_name, branch, branch_name, kind, number, name),
            amount=yen, fee=fee, value_date=value_date(self.ctx.clock.now(), self.ctx.calendar))

    def execute(self, institution: Bank, user: SiteUser, contract: Contract,
                draft: TransferDraft, confirmation_password: str, code: str | None, *,
                source_ip: str | None = None) -> TransferReceipt | PendingConfirmation:
        """Step-up, then debit and credit in one transaction with the audit entry — or,
        when the institution asks for 取引確認, the step-up and then the pending
        confirmation for the screen to wait on (`execute_confirmed` books it).

        Raises InsufficientBalance (before any code is used up, and again atomically),
        TransferExpired (this draft already executed), the step-up's errors, and
        ConfirmationTokenNotActive when the token app cannot be asked.
        """
        return self.execution.execute(institution, user, contract, draft,
                                      confirmation_password, code, source_ip=source_ip)

    def execute_confirmed(self, institution: Bank, user: SiteUser, contract: Contract,
                          draft: TransferDraft, pending: PendingConfirmation, *,
                          response: str = "", source_ip: str | None = None
                          ) -> TransferReceipt:
        """Book a draft whose step-up passed (`execute` made `pending`), only once the
        user confirmed exactly this draft: see ConfirmingService.settle for the errors."""
        return self.execution.execute_confirmed(institution, user, contract, draft, pending,
                                                response=response, source_ip=source_ip)

    # -- what Execution asks of a transfer (banking/service/executing.py) ---------------

    def step_up_operation(self, draft: TransferDraft) -> Operation:
        return Operation.TRANSFER

    def subject(self, draft: TransferDraft) -> str:
        return draft.request_id

    @staticmethod
    def details(draft: TransferDraft) -> TransactionDetails:
        """What the token app shows and signs: exactly what `book_in` will book."""
        dest = draft.destination
        return TransactionDetails(Operation.TRANSFER, payee=Payee(
            bank_code=dest.bank_code, bank_name=dest.bank_name, branch_code=dest.branch_code,
            branch_name=dest.branch_name, account_type=dest.account_type.value,
            account_number=dest.account_number, account_name=dest.holder_name),
            amount=draft.amount)

    def ready(self, institution: Bank, user: SiteUser, draft: TransferDraft) -> Account:
        """The checks before a code or a confirmation is used up."""
        source = own_account(self.ctx, user, draft.from_account_id)
        if source.balance < draft.amount + draft.fee:
            raise InsufficientBalance("the balance is short")
        with self.ctx.db.read() as conn:
            if self.ledger.transfer_by_request(conn, institution.id, draft.request_id):
                raise TransferExpired("this transfer was already executed")
        self.limits.check(institution, user, draft.amount)  # before a code is used up
        return source

    def book(self, conn: Connection, institution: Bank, user: SiteUser, contract: Contract,
             draft: TransferDraft, found: Account, *,
             source_ip: str | None) -> TransferReceipt:
        self.limits.check(institution, user, draft.amount, conn)  # in turn, locked
        return self.book_in(conn, institution, user, contract, draft, source_ip=source_ip)

    def not_pending(self, draft: TransferDraft) -> TransferExpired:
        return TransferExpired("the confirmation is not the pending transfer's")

    def booked_already(self, draft: TransferDraft) -> TransferExpired:
        return TransferExpired("this transfer was already executed")

    def book_in(self, conn: Connection, institution: Bank, user: SiteUser,
                contract: Contract, draft: TransferDraft, *,
                source_ip: str | None = None) -> TransferReceipt:
        """Debit and credit in the caller's write transaction `conn`, with the audit entry,
        by `user` (the requester, or the approver who 承認s it). Raises AccountNotFound,
        SameAccount, InsufficientBalance, DuplicateKey (this draft was booked)."""
        dest = draft.destination
        now = self.ctx.clock.now()
        dated = value_date(now, self.ctx.calendar)
        source = self.ledger.account(conn, draft.from_account_id)
        if source is None or source.contract_id != contract.id:
            raise AccountNotFound("no such account")
        target = (self.ledger.find(conn, institution.id, dest.bank_code, dest.branch_code,
                                   dest.account_type, dest.account_number)
                  or self.ledger.clearing(conn, institution.id))
        if target is None:
            raise AccountNotFound("no account to credit")
        if target.id == source.id:
            raise SameAccount("source and destination are the same account")
        fee = self._fee(conn, institution, source, dest.bank_code, dest.branch_code,
                        draft.amount)
        journal_id = self.ledger.book(conn, institution.id, Booking(
            JournalKind.TRANSFER, draft.request_id, dated, user.actor,
            self._postings(conn, institution, source, target, draft.amount, fee)), now)
        transfer_id = self.ledger.add_transfer(
            conn, institution_id=institution.id, contract_id=contract.id,
            site_user_id=user.id, request_id=draft.request_id, from_account_id=source.id,
            to_account_id=target.id, bank_code=dest.bank_code, branch_code=dest.branch_code,
            account_type=dest.account_type, account_number=dest.account_number,
            holder_name=dest.holder_name, amount=draft.amount, fee=fee, value_date=dated,
            journal_id=journal_id, now=now)
        self.ctx.audit.append(
            conn, at=now, institution_id=institution.id, event="transfer_executed",
            user_id=user.user_id, actor=user.actor, operation=Operation.TRANSFER.value,
            result="accepted", source_ip=source_ip,
            detail={"transfer_id": transfer_id, "amount": draft.amount, "fee": fee,
                    "value_date": dated.isoformat(),
                    "from": f"{source.branch_code}-{source.account_number}",
                    "to": f"{dest.bank_code}-{dest.branch_code}-{dest.account_number}"})
        after = self.ledger.account(conn, source.id)
        return TransferReceipt(transfer_id, draft, now, after.balance if after else 0,
                               fee, dated)

    def fees(self, conn: Connection, institution: Bank) -> pricing.FeeTable:
        return pricing.FeeTable(self.ledger.fee_bands(conn, institution.id))

    def _fee(self, conn: Connection, institution: Bank, source: Account, bank: str,
             branch: str, amount: int) -> int:
        where = pricing.scope(source.bank_code, source.branch_code, bank, branch)
        return self.fees(conn, institution).fee(where, amount)

    def _postings(self, conn: Connection, institution: Bank, source: Account,
                  target: Account, amount: int, fee: int) -> tuple[Posting, ...]:
        """The debit of amount and fee, the payee's (or clearing's) credit, the fee's."""
        postings = [Posting(source.id, -(amount + fee)), Posting(target.id, amount)]
        if fee:
            income = self.ledger.fee_income(conn, institution.id)
            if income is None:
                raise AccountNotFound("the bank has no fee income account")
            postings.append(Posting(income.id, fee))
        return tuple(postings)

