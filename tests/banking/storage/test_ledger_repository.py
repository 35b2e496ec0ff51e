"""LedgerRepository.book: one journal row, postings summing to zero, balances moved — or,
on any refusal, nothing at all. On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from onetime.banking.domain.errors import (
    AccountNotFound,
    InsufficientBalance,
    UnbalancedJournal,
)
from onetime.banking.domain.fees import DEFAULT_FEES, FeeBand, FeeScope
from onetime.banking.domain.ledger import Booking, JournalKind, Posting
from onetime.banking.storage.database import DuplicateKey
from onetime.banking.storage.ledger import LedgerRepository
from onetime.storage.database import Database
from tests.banking.storage.ledger_world import NOW, open_bank

LEDGER = LedgerRepository()
DAY = date(2026, 11, 26)


@pytest.fixture
def bank(db_url):
    bank_id, ids = open_bank(db_url, [1_000, 500, 0])
    db = Database(db_url)
    yield db, bank_id, ids
    db.dispose()


def balances(db, ids):
    with db.read() as conn:
        return [LEDGER.account(conn, i).balance for i in ids]


def booking(request_id, *postings):
    return Booking(JournalKind.TRANSFER, request_id, DAY, "tester",
                   tuple(Posting(a, n) for a, n in postings))


def test_a_booking_writes_its_journal_row_postings_and_balances(bank):
    db, bank_id, (a, b, c) = bank
    with db.write() as conn:
        journal_id = LEDGER.book(conn, bank_id, booking("r1", (a, -700), (b, 650), (c, 50)),
                                 NOW)
    assert balances(db, [a, b, c]) == [300, 1_150, 50]
    with db.read() as conn:
        assert LEDGER.journal_id(conn, bank_id, "r1") == journal_id
        assert LEDGER.postings_of(conn, journal_id) == [(a, -700), (b, 650), (c, 50)]
        assert LEDGER.unbalanced_journals(conn) == []
        assert LEDGER.posted_by_account(conn, bank_id) == {a: -700, b: 650, c: 50}


def test_the_repository_itself_refuses_an_unbalanced_entry(bank):
    db, bank_id, (a, b, _c) = bank
    forged = booking("r1", (a, -100), (b, 100))
    object.__setattr__(forged, "postings", (Posting(a, -100), Posting(b, 101)))
    with pytest.raises(UnbalancedJournal), db.write() as conn:
        LEDGER.book(conn, bank_id, forged, NOW)
    assert balances(db, [a, b]) == [1_000, 500]
    with db.read() as conn:
        assert LEDGER.journal_id(conn, bank_id, "r1") is None


def test_a_short_balance_books_nothing(bank):
    db, bank_id, (a, b, c) = bank
    with pytest.raises(InsufficientBalance), db.write() as conn:
        LEDGER.book(conn, bank_id, booking("r1", (b, 100), (a, -1_001), (c, 901)), NOW)
    assert balances(db, [a, b, c]) == [1_000, 500, 0]
    with db.read() as conn:
        assert LEDGER.journal_id(conn, bank_id, "r1") is None
        assert LEDGER.posted_by_account(conn, bank_id) == {}


def test_the_whole_balance_may_go(bank):
    db, bank_id, (a, b, _c) = bank
    with db.write() as conn:
        LEDGER.book(conn, bank_id, booking("r1", (a, -1_000), (b, 1_000)), NOW)
    assert balances(db, [a, b]) == [0, 1_500]


def test_the_same_request_id_books_once(bank):
    db, bank_id, (a, b, _c) = bank
    with db.write() as conn:
        LEDGER.book(conn, bank_id, booking("same", (a, -100), (b, 100)), NOW)
    with pytest.raises(DuplicateKey), db.write() as conn:
        LEDGER.book(conn, bank_id, booking("same", (a, -200), (b, 200)), NOW)
    assert balances(db, [a, b]) == [900, 600]


def test_another_banks_account_is_refused(bank, db_url):
    db, bank_id, (a, _b, _c) = bank
    _other, (foreign,) = open_bank(db_url, [0], service_id="0002")
    with pytest.raises(AccountNotFound), db.write() as conn:
        LEDGER.book(conn, bank_id, booking("r1", (a, -100), (foreign, 100)), NOW)
    assert balances(db, [a, foreign]) == [1_000, 0]


def test_postings_to_one_account_net_before_the_debit_check(bank):
    """-1 200 and +300 on one account is a net debit of 900, which 1 000 covers."""
    db, bank_id, (a, b, _c) = bank
    with db.write() as conn:
        LEDGER.book(conn, bank_id, booking("r1", (a, -1_200), (a, 300), (b, 900)), NOW)
    assert balances(db, [a, b]) == [100, 1_400]


def test_fee_bands_are_replaced_as_a_whole(bank):
    db, bank_id, _ids = bank
    with db.write() as conn:
        LEDGER.set_fee_bands(conn, bank_id, list(DEFAULT_FEES))
    with db.read() as conn:
        assert sorted(LEDGER.fee_bands(conn, bank_id), key=repr) == \
            sorted(DEFAULT_FEES, key=repr)
    mine = [FeeBand(FeeScope.OTHER_BANK, 0, 500)]
    with db.write() as conn:
        LEDGER.set_fee_bands(conn, bank_id, mine)
    with db.read() as conn:
        assert LEDGER.fee_bands(conn, bank_id) == mine


def test_a_changed_booking_is_a_new_value(bank):
    """Booking is frozen: a replaced posting list is checked again."""
    _db, _bank_id, (a, b, _c) = bank
    with pytest.raises(UnbalancedJournal):
        replace(booking("r1", (a, -1), (b, 1)), postings=(Posting(a, -1),))
