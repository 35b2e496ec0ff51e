"""A bank with N accounts and nothing else, for the ledger's storage tests (and the
invariant test's worker processes, which open the database again by its URL)."""

from __future__ import annotations

from datetime import UTC, datetime

from onetime.banking.domain.transfers import AccountType
from onetime.banking.storage.banks import BankRepository
from onetime.banking.storage.ledger import CUSTOMER, LedgerRepository
from onetime.storage.database import Database

NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


def open_bank(url: str, balances: list[int], service_id: str = "0001") -> tuple[int, list[int]]:
    """(bank ID, account IDs) of a new bank whose accounts hold `balances`."""
    db, ledger = Database(url), LedgerRepository()
    try:
        with db.write() as conn:
            bank = BankRepository().add(conn, service_id=service_id, name="元帳試験銀行",
                                        mail_sender="otp@bank.example.jp", settings=None,
                                        now=NOW)
            ids = [ledger.add_account(conn, institution_id=bank, contract_id=None,
                                      kind=CUSTOMER, bank_code="2101", branch_code="001",
                                      account_type=AccountType.ORDINARY,
                                      account_number=f"{n + 1:07d}", holder_name="テスト",
                                      balance=balance, now=NOW)
                   for n, balance in enumerate(balances)]
    finally:
        db.dispose()
    return bank, ids
