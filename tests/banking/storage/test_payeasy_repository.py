"""The bill's claim: of many payments of one bill at once, on their own connections, one
marks it paid (both databases)."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from onetime.banking.domain.payeasy import BillerKind
from onetime.banking.domain.transfers import AccountType
from onetime.banking.storage.ledger import LedgerRepository
from onetime.banking.storage.payeasy import BILLER_ACCOUNT, PayeasyRepository
from onetime.storage.database import Database
from tests.banking.storage.ledger_world import NOW, open_bank

WORKERS = 8


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def bank(db_url) -> int:
    return open_bank(db_url, [])[0]


def _bill(db, bank_id: int) -> int:
    repo, now = PayeasyRepository(), NOW
    with db.write() as conn:
        account = LedgerRepository().add_account(
            conn, institution_id=bank_id, contract_id=None, kind=BILLER_ACCOUNT,
            bank_code="2101", branch_code="001", account_type=AccountType.CURRENT,
            account_number="8000001", holder_name="ミトシ", balance=0, now=now)
        biller = repo.save_biller(conn, institution_id=bank_id, number="11111",
                                  name="水戸市", kind=BillerKind.TAX, number_length=4,
                                  account_id=account, now=now)
        return repo.add_bill(conn, biller_id=biller, number="1234", confirmation="1",
                             payment_class="101", amount=500, due=date(2027, 1, 31), now=now)


def test_a_bill_is_claimed_once_by_concurrent_payments(db, bank):
    bill_id = _bill(db, bank)
    start = threading.Barrier(WORKERS)
    claimed: list[bool] = []

    def attempt(worker: int) -> None:
        start.wait(timeout=30)
        with db.write() as conn:
            claimed.append(PayeasyRepository().claim(
                conn, bill_id, paid_by=worker, from_account_id=None,
                receipt_number=f"r{worker}", now=NOW))

    threads = [threading.Thread(target=attempt, args=(w,)) for w in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(claimed) == [False] * (WORKERS - 1) + [True]
    with db.read() as conn:
        bill = PayeasyRepository().bill_by_id(conn, bill_id)
    assert bill.paid
    assert bill.receipt_number.startswith("r")


def test_save_biller_updates_the_one_with_the_same_number(db, bank):
    _bill(db, bank)
    repo = PayeasyRepository()
    with db.write() as conn:
        first = repo.biller(conn, bank, "11111")
        again = repo.save_biller(conn, institution_id=bank, number="11111", name="水戸市役所",
                                 kind=BillerKind.TAX, number_length=4,
                                 account_id=first.account_id, now=NOW)
        assert again == first.id
        assert repo.biller(conn, bank, "11111").name == "水戸市役所"
        assert [b.number for b in repo.billers_of(conn, bank)] == ["11111"]
