"""Booking a batch (総合振込, 給与・賞与振込): one debit account, N credits and their fees,
as one journal entry in one transaction — all of it, or, on any bad line, nothing.

Lines arrive as plain records (banking/domain/batches.py), whatever read them: the Zengin
file parser, a form. A credit goes to the payee's account when it is ours, else to the
clearing account; each line's fee (the institution's table) goes to the fee income.
Step-up and approval are the caller's: this is the booking.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from onetime.banking.domain import batches
from onetime.banking.domain import fees as pricing
from onetime.banking.domain.banks import Bank
from onetime.banking.domain.batches import CreditLine, CreditRecord
from onetime.banking.domain.calendar import value_date
from onetime.banking.domain.errors import (
    AccountNotFound,
    AlreadyBooked,
    InvalidBatchLine,
    SameAccount,
)
from onetime.banking.domain.ledger import Booking, JournalKind, Posting
from onetime.banking.domain.people import Contract
from onetime.banking.service import zengin as banks
from onetime.banking.service.context import Context
from onetime.banking.storage.database import Connection, DuplicateKey
from onetime.banking.storage.ledger import Account
from onetime.domain.errors import OnetimeError


@dataclass(frozen=True)
class BatchReceipt:
    journal_id: int
    lines: int
    total: int  # the credits, fees excluded
    fees: int
    value_date: date
    booked_at: datetime
    balance_after: int


class BatchService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.ledger = ctx.ledger

    def book(self, institution: Bank, contract: Contract, *, debit_account_id: int,
             records: Iterable[CreditRecord], request_id: str, actor: str,
             kind: JournalKind = JournalKind.PAYROLL, operation: str | None = None,
             user_id: str | None = None, source_ip: str | None = None) -> BatchReceipt:
        """Check every line, then book them all in one transaction.

        Raises InvalidBatchLine (its number; UnknownBank/UnknownBranch/SameAccount of a
        line are reported the same way), EmptyBatch, AccountNotFound (the debit account
        is not the contract's), InsufficientBalance, AlreadyBooked (this request ID).
        Nothing is written unless it returns. `operation` names the audit entry's
        operation (rule 3's, when the site books it; else the journal's kind).
        """
        lines = self.checked(records)
        try:
            with self.ctx.db.write() as conn:
                return self.book_in(conn, institution, contract,
                                    debit_account_id=debit_account_id, lines=lines,
                                    request_id=request_id, actor=actor, kind=kind,
                                    operation=operation, user_id=user_id, source_ip=source_ip)
        except DuplicateKey:
            raise AlreadyBooked("this batch was booked already") from None

    def checked(self, records: Iterable[CreditRecord]) -> list[CreditLine]:
        """Every line's values and its bank and branch in the zengin list.

        Raises InvalidBatchLine, EmptyBatch."""
        lines = batches.checked(records)
        for number, line in enumerate(lines, start=1):
            try:
                banks.names(line.bank_code, line.branch_code)
            except OnetimeError as exc:
                raise InvalidBatchLine(number, exc) from exc
        return lines

    def book_in(self, conn: Connection, institution: Bank, contract: Contract, *,
                debit_account_id: int, lines: list[CreditLine], request_id: str, actor: str,
                kind: JournalKind, operation: str | None = None, user_id: str | None = None,
                source_ip: str | None = None) -> BatchReceipt:
        """`book`'s booking in the caller's write transaction `conn` (承認 decides the
        request in the same one), `lines` as `checked` returned them. Raises as `book`
        does, and DuplicateKey for a request ID booked already."""
        now = self.ctx.clock.now()
        dated = value_date(now, self.ctx.calendar)
        source = self.ledger.account(conn, debit_account_id)
        if source is None or source.contract_id != contract.id \
                or source.institution_id != institution.id:
            raise AccountNotFound("no such account")
        postings, total, fees = self._postings(conn, institution, source, lines)
        journal_id = self.ledger.book(
            conn, institution.id, Booking(kind, request_id, dated, actor, postings), now)
        self.ctx.audit.append(
            conn, at=now, institution_id=institution.id, event="batch_booked",
            user_id=user_id, actor=actor, operation=operation or kind.value,
            result="accepted", source_ip=source_ip,
            detail={"journal_id": journal_id, "lines": len(lines), "total": total,
                    "fees": fees, "value_date": dated.isoformat(),
                    "from": f"{source.branch_code}-{source.account_number}"})
        after = self.ledger.account(conn, source.id)
        return BatchReceipt(journal_id, len(lines), total, fees, dated, now,
                            after.balance if after else 0)

    def _postings(self, conn: Connection, institution: Bank, source: Account,
                  lines: list[CreditLine]) -> tuple[tuple[Posting, ...], int, int]:
        """(postings, total credited, total fees): one credit per line, the fees as one
        credit to fee income, the debit of both from the source."""
        ours = self.ledger.find_many(conn, institution.id, [
            (ln.bank_code, ln.branch_code, ln.account_type, ln.account_number)
            for ln in lines])
        table = pricing.FeeTable(self.ledger.fee_bands(conn, institution.id))
        clearing = self.ledger.clearing(conn, institution.id)
        postings: list[Posting] = []
        fees = 0
        for number, ln in enumerate(lines, start=1):
            target = ours.get((ln.bank_code, ln.branch_code, ln.account_type,
                               ln.account_number)) or clearing
            if target is None:
                raise AccountNotFound("the bank has no clearing account")
            if target.id == source.id:
                raise InvalidBatchLine(number, SameAccount("the paying account itself"))
            postings.append(Posting(target.id, ln.amount))
            fees += table.fee(pricing.scope(source.bank_code, source.branch_code,
                                            ln.bank_code, ln.branch_code), ln.amount)
        total = sum(ln.amount for ln in lines)
        if fees:
            income = self.ledger.fee_income(conn, institution.id)
            if income is None:
                raise AccountNotFound("the bank has no fee income account")
            postings.append(Posting(income.id, fees))
        return (Posting(source.id, -(total + fees)), *postings), total, fees
