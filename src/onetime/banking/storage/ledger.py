"""The account ledger: balances move only through conditional UPDATEs.

A transfer debits with `WHERE balance >= amount`, so two concurrent transfers
can never take an account below zero, on any number of processes; the debit and
the credit commit in the same transaction as the transfer row and its audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from onetime.banking.domain.transfers import AccountType
from onetime.banking.storage.schema import accounts, transfers
from onetime.storage.conflicts import duplicate_key_as_conflict

CUSTOMER, CLEARING = "customer", "clearing"


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

    def clearing(self, conn: Connection, institution_id: int) -> Account | None:
        """The bank's account that transfers to other banks credit (仕向為替)."""
        row = conn.execute(select(accounts).where(
            accounts.c.institution_id == institution_id, accounts.c.kind == CLEARING)
            .order_by(accounts.c.id).limit(1)).first()
        return _account(row) if row else None

    def move(self, conn: Connection, from_id: int, to_id: int, amount: int) -> bool:
        """Debit `from_id` and credit `to_id` by `amount`; or, when the balance is short,
        change nothing and return False.

        Both rows are locked first in id order (PostgreSQL; SQLite's BEGIN IMMEDIATE
        already holds the write lock), so two opposite transfers wait for each other
        instead of deadlocking; the debit's WHERE clause is what keeps balances >= 0.
        """
        conn.execute(select(accounts.c.id).where(accounts.c.id.in_([from_id, to_id]))
                     .order_by(accounts.c.id).with_for_update()).all()
        debited = conn.execute(
            update(accounts).where(accounts.c.id == from_id, accounts.c.balance >= amount)
            .values(balance=accounts.c.balance - amount)).rowcount
        if not debited:
            return False
        conn.execute(update(accounts).where(accounts.c.id == to_id)
                     .values(balance=accounts.c.balance + amount))
        return True

    def add_transfer(self, conn: Connection, *, institution_id: int, contract_id: int,
                     site_user_id: int, request_id: str, from_account_id: int,
                     to_account_id: int, bank_code: str, branch_code: str,
                     account_type: AccountType, account_number: str, holder_name: str,
                     amount: int, now: datetime) -> int:
        """Raises DuplicateKey if this request ID was executed already."""
        with duplicate_key_as_conflict():
            return conn.execute(insert(transfers).values(
                institution_id=institution_id, contract_id=contract_id,
                site_user_id=site_user_id, request_id=request_id,
                from_account_id=from_account_id, to_account_id=to_account_id,
                bank_code=bank_code, branch_code=branch_code,
                account_type=account_type.value, account_number=account_number,
                holder_name=holder_name, amount=amount, executed_at=now,
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
                           executed_at=m["executed_at"])
