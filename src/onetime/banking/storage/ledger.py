"""The account ledger: accounts and their balances, the double-entry journal, the fee table.

Balances move only in `book`: one journal row, its postings (which sum to zero, checked
here before anything is written) and the balance updates, in the caller's transaction.
A debit is `WHERE balance >= amount`, so concurrent bookings can never take an account
below zero, on any number of processes; a short balance raises, and the caller's
transaction, journal row included, rolls back: all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Connection,
    any_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from onetime.banking.domain.errors import AccountNotFound, InsufficientBalance
from onetime.banking.domain.fees import FeeBand, FeeScope
from onetime.banking.domain.ledger import Booking, check_balanced, net_by_account
from onetime.banking.domain.transfers import AccountType
from onetime.banking.storage.schema import (
    accounts,
    journal,
    postings,
    transfer_fees,
    transfers,
)
from onetime.storage.conflicts import duplicate_key_as_conflict

# The kinds of account: a contract's, and the bank's own two the transfers credit.
CUSTOMER, CLEARING, FEE_INCOME = "customer", "clearing", "fee_income"
# An account's full number, as a batch line names it.
AccountKey = tuple[str, str, AccountType, str]  # bank, branch, type, number


@dataclass(frozen=True)
class Account:
    id: int
    institution_id: int
    contract_id: int | None
    kind: str
    bank_code: str
    branch_code: str
    account_type: AccountType
    account_number: str
    holder_name: str
    balance: int


@dataclass(frozen=True)
class TransferRow:
    id: int
    request_id: str
    from_account_id: int
    to_account_id: int
    amount: int
    executed_at: datetime
    fee: int
    value_date: date | None


def _array(values: list[int]):
    return bindparam(None, values, type_=ARRAY(BigInteger))


def _among(column, values: list, postgres: bool):
    """`column IN values`; on PostgreSQL `= ANY(array)`, one parameter however many."""
    if postgres:
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def _account(row) -> Account:
    m = row._mapping
    return Account(id=m["id"], institution_id=m["institution_id"],
                   contract_id=m["contract_id"], kind=m["kind"], bank_code=m["bank_code"],
                   branch_code=m["branch_code"], account_type=AccountType(m["account_type"]),
                   account_number=m["account_number"], holder_name=m["holder_name"],
                   balance=m["balance"])


class LedgerRepository:
    def add_account(self, conn: Connection, *, institution_id: int, contract_id: int | None,
                    kind: str, bank_code: str, branch_code: str, account_type: AccountType,
                    account_number: str, holder_name: str, balance: int,
                    now: datetime) -> int:
        return conn.execute(insert(accounts).values(
            institution_id=institution_id, contract_id=contract_id, kind=kind,
            bank_code=bank_code, branch_code=branch_code, account_type=account_type.value,
            account_number=account_number, holder_name=holder_name, balance=balance,
            created_at=now,
        ).returning(accounts.c.id)).scalar_one()

    def accounts_of(self, conn: Connection, contract_id: int) -> list[Account]:
        return [_account(r) for r in conn.execute(
            select(accounts).where(accounts.c.contract_id == contract_id,
                                   accounts.c.kind == CUSTOMER).order_by(accounts.c.id))]

    def account(self, conn: Connection, account_id: int) -> Account | None:
        row = conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
        return _account(row) if row else None

    def find(self, conn: Connection, institution_id: int, bank_code: str, branch_code: str,
             account_type: AccountType, account_number: str) -> Account | None:
        row = conn.execute(select(accounts).where(
            accounts.c.institution_id == institution_id, accounts.c.kind == CUSTOMER,
            accounts.c.bank_code == bank_code, accounts.c.branch_code == branch_code,
            accounts.c.account_type == account_type.value,
            accounts.c.account_number == account_number)).first()
        return _account(row) if row else None

    def find_many(self, conn: Connection, institution_id: int,
                  keys: list[AccountKey]) -> dict[AccountKey, Account]:
        """The customer accounts among `keys` (a batch's credits), one query per 1 000
        numbers: by number alone (a row-value IN takes four parameters a key, which
        PostgreSQL's driver spends its time parsing), then matched in full."""
        wanted = set(keys)
        numbers = sorted({number for _b, _br, _t, number in wanted})
        found: dict[AccountKey, Account] = {}
        for start in range(0, len(numbers), 1_000):
            for row in conn.execute(select(accounts).where(
                    accounts.c.institution_id == institution_id, accounts.c.kind == CUSTOMER,
                    _among(accounts.c.account_number, numbers[start:start + 1_000],
                           conn.dialect.name == "postgresql"))):
                account = _account(row)
                key = (account.bank_code, account.branch_code, account.account_type,
                       account.account_number)
                if key in wanted:
                    found[key] = account
        return found

    def clearing(self, conn: Connection, institution_id: int) -> Account | None:
        """The bank's account that transfers to other banks credit (仕向為替)."""
        return self._own(conn, institution_id, CLEARING)

    def fee_income(self, conn: Connection, institution_id: int) -> Account | None:
        """The bank's account that transfer fees credit."""
        return self._own(conn, institution_id, FEE_INCOME)

    def _own(self, conn: Connection, institution_id: int, kind: str) -> Account | None:
        row = conn.execute(select(accounts).where(
            accounts.c.institution_id == institution_id, accounts.c.kind == kind)
            .order_by(accounts.c.id).limit(1)).first()
        return _account(row) if row else None

    def book(self, conn: Connection, institution_id: int, booking: Booking,
             now: datetime) -> int:
        """Write one journal entry and move the balances it names; its ID.

        Raises UnbalancedJournal (nothing written), DuplicateKey (this request ID was
        booked), AccountNotFound (an account not the institution's), InsufficientBalance
        (a debit the balance does not cover): the caller's transaction must then roll
        back, which `Database.write()` does as the error leaves it.

        The rows are locked first in id order (PostgreSQL; SQLite's BEGIN IMMEDIATE
        already holds the write lock), so two opposite bookings wait for each other
        instead of deadlocking; the debit's WHERE clause is what keeps balances >= 0.
        """
        check_balanced(booking.postings)
        net = net_by_account(booking.postings)
        with duplicate_key_as_conflict():
            journal_id = conn.execute(insert(journal).values(
                institution_id=institution_id, kind=booking.kind.value,
                request_id=booking.request_id, value_date=booking.value_date,
                booked_at=now, actor=booking.actor).returning(journal.c.id)).scalar_one()
        ids = sorted(net)
        postgres = conn.dialect.name == "postgresql"
        locked = conn.execute(select(accounts.c.id).where(
            _among(accounts.c.id, ids, postgres), accounts.c.institution_id == institution_id)
            .order_by(accounts.c.id).with_for_update()).all()
        if len(locked) != len(ids):
            raise AccountNotFound("a posting names an account the bank does not hold")
        for account_id, change in net.items():
            if change < 0 and not conn.execute(
                    update(accounts).where(accounts.c.id == account_id,
                                           accounts.c.balance >= -change)
                    .values(balance=accounts.c.balance + change)).rowcount:
                raise InsufficientBalance("the balance is short")
        credits = [(a, c) for a, c in net.items() if c > 0]
        if postgres:
            self._credit_and_post_pg(conn, journal_id, credits, booking)
            return journal_id
        if credits:
            conn.execute(update(accounts).where(accounts.c.id == bindparam("b_id"))
                         .values(balance=accounts.c.balance + bindparam("b_change")),
                         [{"b_id": a, "b_change": c} for a, c in credits])
        conn.execute(insert(postings), [
            {"journal_id": journal_id, "account_id": p.account_id, "amount": p.amount}
            for p in booking.postings])
        return journal_id

    @staticmethod
    def _credit_and_post_pg(conn: Connection, journal_id: int, credits: list[tuple[int, int]],
                            booking: Booking) -> None:
        """PostgreSQL: the credits and the postings as two statements over arrays
        (unnest), whatever the batch's size. An executemany is one statement per row
        even pipelined, and a VALUES list has three parameters a row for the driver to
        parse: a 1 000-line batch spent most of its time there (bench/ledger.py)."""
        if credits:
            rows = select(func.unnest(_array([a for a, _c in credits])).label("id"),
                          func.unnest(_array([c for _a, c in credits])).label("change")
                          ).subquery()
            conn.execute(update(accounts).where(accounts.c.id == rows.c.id)
                         .values(balance=accounts.c.balance + rows.c.change))
        conn.execute(insert(postings).from_select(
            ["journal_id", "account_id", "amount"],
            select(literal(journal_id, BigInteger),
                   func.unnest(_array([p.account_id for p in booking.postings])),
                   func.unnest(_array([p.amount for p in booking.postings])))))

    def journal_id(self, conn: Connection, institution_id: int, request_id: str) -> int | None:
        return conn.execute(select(journal.c.id).where(
            journal.c.institution_id == institution_id,
            journal.c.request_id == request_id)).scalar()

    def postings_of(self, conn: Connection, journal_id: int) -> list[tuple[int, int]]:
        """(account ID, signed amount) of one entry, in the order booked."""
        return [(r.account_id, r.amount) for r in conn.execute(
            select(postings.c.account_id, postings.c.amount)
            .where(postings.c.journal_id == journal_id).order_by(postings.c.id))]

    def unbalanced_journals(self, conn: Connection) -> list[int]:
        """Journal entries whose postings do not sum to zero, or that have none: the
        check of the whole journal (the invariant test, an operator's audit)."""
        sums = (select(postings.c.journal_id, func.sum(postings.c.amount).label("total"))
                .group_by(postings.c.journal_id).subquery())
        return list(conn.execute(
            select(journal.c.id).outerjoin(sums, sums.c.journal_id == journal.c.id)
            .where((sums.c.total.is_(None)) | (sums.c.total != 0))
            .order_by(journal.c.id)).scalars())

    def posted_by_account(self, conn: Connection, institution_id: int) -> dict[int, int]:
        """Each account's sum of postings: what its balance moved by since it was opened
        (the reconciliation of balances against the journal)."""
        return {r.account_id: int(r.total) for r in conn.execute(
            select(postings.c.account_id, func.sum(postings.c.amount).label("total"))
            .join(journal, journal.c.id == postings.c.journal_id)
            .where(journal.c.institution_id == institution_id)
            .group_by(postings.c.account_id))}

    def total_balance(self, conn: Connection, institution_id: int) -> int:
        return int(conn.execute(select(func.coalesce(func.sum(accounts.c.balance), 0))
                                .where(accounts.c.institution_id == institution_id))
                   .scalar_one())

    def fee_bands(self, conn: Connection, institution_id: int) -> list[FeeBand]:
        return [FeeBand(FeeScope(r.scope), r.from_amount, r.fee) for r in conn.execute(
            select(transfer_fees).where(transfer_fees.c.institution_id == institution_id)
            .order_by(transfer_fees.c.scope, transfer_fees.c.from_amount))]

    def set_fee_bands(self, conn: Connection, institution_id: int,
                      bands: list[FeeBand]) -> None:
        """Replace the institution's table."""
        conn.execute(delete(transfer_fees).where(
            transfer_fees.c.institution_id == institution_id))
        if bands:
            conn.execute(insert(transfer_fees), [
                {"institution_id": institution_id, "scope": b.scope.value,
                 "from_amount": b.from_amount, "fee": b.fee} for b in bands])

    def add_transfer(self, conn: Connection, *, institution_id: int, contract_id: int,
                     site_user_id: int, request_id: str, from_account_id: int,
                     to_account_id: int, bank_code: str, branch_code: str,
                     account_type: AccountType, account_number: str, holder_name: str,
                     amount: int, fee: int, value_date: date, journal_id: int,
                     now: datetime) -> int:
        """Raises DuplicateKey if this request ID was executed already."""
        with duplicate_key_as_conflict():
            return conn.execute(insert(transfers).values(
                institution_id=institution_id, contract_id=contract_id,
                site_user_id=site_user_id, request_id=request_id,
                from_account_id=from_account_id, to_account_id=to_account_id,
                bank_code=bank_code, branch_code=branch_code,
                account_type=account_type.value, account_number=account_number,
                holder_name=holder_name, amount=amount, executed_at=now,
                journal_id=journal_id, fee=fee, value_date=value_date,
            ).returning(transfers.c.id)).scalar_one()

    def transfer_by_request(self, conn: Connection, institution_id: int,
                            request_id: str) -> TransferRow | None:
        row = conn.execute(select(transfers).where(
            transfers.c.institution_id == institution_id,
            transfers.c.request_id == request_id)).first()
        if row is None:
            return None
        m = row._mapping
        return TransferRow(id=m["id"], request_id=m["request_id"],
                           from_account_id=m["from_account_id"],
                           to_account_id=m["to_account_id"], amount=m["amount"],
                           executed_at=m["executed_at"], fee=m["fee"],
                           value_date=m["value_date"])
