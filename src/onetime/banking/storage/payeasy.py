"""Pay-easy's billers and bills. A bill is paid by one conditional UPDATE (`claim`): of two
payments at once, on any number of processes, exactly one finds it unpaid."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, insert, select, update

from onetime.banking.domain.payeasy import Bill, Biller, BillerKind
from onetime.banking.domain.transfers import AccountType
from onetime.banking.storage.schema import accounts, billers, bills
from onetime.storage.conflicts import duplicate_key_as_conflict


def _biller(row) -> Biller:
    m = row._mapping
    return Biller(id=m["id"], institution_id=m["institution_id"], number=m["number"],
                  name=m["name"], kind=BillerKind(m["kind"]),
                  number_length=m["number_length"], account_id=m["account_id"])


def _bill(row) -> Bill:
    m = row._mapping
    return Bill(id=m["id"], biller_id=m["biller_id"], number=m["number"],
                confirmation=m["confirmation"], payment_class=m["payment_class"],
                amount=m["amount"], due=m["due"], paid_at=m["paid_at"],
                receipt_number=m["receipt_number"])


# The kind of account a biller's payments credit (accounts.kind), opened by the load.
BILLER_ACCOUNT = "biller"


class PayeasyRepository:
    def settlement_account(self, conn: Connection, institution_id: int, bank_code: str,
                           branch_code: str, account_type: AccountType,
                           account_number: str) -> int | None:
        """The ID of the institution's account with this number, whatever its kind."""
        return conn.execute(select(accounts.c.id).where(
            accounts.c.institution_id == institution_id, accounts.c.bank_code == bank_code,
            accounts.c.branch_code == branch_code,
            accounts.c.account_type == account_type.value,
            accounts.c.account_number == account_number)).scalar()

    def biller(self, conn: Connection, institution_id: int, number: str) -> Biller | None:
        row = conn.execute(select(billers).where(billers.c.institution_id == institution_id,
                                                 billers.c.number == number)).first()
        return _biller(row) if row else None

    def billers_of(self, conn: Connection, institution_id: int) -> list[Biller]:
        return [_biller(r) for r in conn.execute(
            select(billers).where(billers.c.institution_id == institution_id)
            .order_by(billers.c.number))]

    def save_biller(self, conn: Connection, *, institution_id: int, number: str, name: str,
                    kind: BillerKind, number_length: int, account_id: int,
                    now: datetime) -> int:
        """Add the biller, or update the one with this 収納機関番号; its ID."""
        existing = self.biller(conn, institution_id, number)
        values = {"name": name, "kind": kind.value, "number_length": number_length,
                  "account_id": account_id}
        if existing is not None:
            conn.execute(update(billers).where(billers.c.id == existing.id).values(**values))
            return existing.id
        return conn.execute(insert(billers).values(
            institution_id=institution_id, number=number, created_at=now, **values)
            .returning(billers.c.id)).scalar_one()

    def add_bill(self, conn: Connection, *, biller_id: int, number: str, confirmation: str,
                 payment_class: str | None, amount: int, due: date | None,
                 now: datetime) -> int:
        """Raises DuplicateKey if the biller already has a bill with this number."""
        with duplicate_key_as_conflict():
            return conn.execute(insert(bills).values(
                biller_id=biller_id, number=number, confirmation=confirmation,
                payment_class=payment_class, amount=amount, due=due, created_at=now)
                .returning(bills.c.id)).scalar_one()

    def bill(self, conn: Connection, biller_id: int, number: str) -> Bill | None:
        row = conn.execute(select(bills).where(bills.c.biller_id == biller_id,
                                               bills.c.number == number)).first()
        return _bill(row) if row else None

    def bill_by_id(self, conn: Connection, bill_id: int) -> Bill | None:
        row = conn.execute(select(bills).where(bills.c.id == bill_id)).first()
        return _bill(row) if row else None

    def claim(self, conn: Connection, bill_id: int, *, paid_by: int, from_account_id: int,
              receipt_number: str, now: datetime) -> bool:
        """Mark the bill paid if it is not yet; False if it was (nothing changed).

        PostgreSQL: a second UPDATE waits for the first's transaction and re-reads the row,
        so it finds paid_at set; SQLite's write lock orders the two the same way."""
        return conn.execute(update(bills).where(bills.c.id == bill_id,
                                                bills.c.paid_at.is_(None))
                            .values(paid_at=now, paid_by=paid_by,
                                    from_account_id=from_account_id,
                                    receipt_number=receipt_number)).rowcount == 1

    def set_journal(self, conn: Connection, bill_id: int, journal_id: int) -> None:
        conn.execute(update(bills).where(bills.c.id == bill_id).values(journal_id=journal_id))
