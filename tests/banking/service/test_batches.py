"""Booking a batch (給与・賞与振込, 総合振込): one transaction, all lines or none."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from onetime.banking.domain.batches import CreditRecord
from onetime.banking.domain.errors import (
    AccountNotFound,
    AlreadyBooked,
    EmptyBatch,
    InsufficientBalance,
    InvalidBatchLine,
)
from onetime.banking.domain.ledger import JournalKind

MIZUHO = ("0001", "001")  # another bank: clearing is credited, the fee is 440 / 660


def record(bank, branch, number, amount, kind="ordinary", name="ﾀﾅｶ ｲﾁﾛｳ"):
    return CreditRecord(bank, branch, kind, number, name, amount)


def state(world):
    """(the demo contract's balances, the solo contract's, clearing, fee income)."""
    site, inst = world.site, world.institution
    with site.ctx.db.read() as conn:
        clearing = site.transfers.ledger.clearing(conn, inst.id).balance
        income = site.transfers.ledger.fee_income(conn, inst.id).balance
    return ([a.balance for a in site.transfers.accounts(world.master)],
            [a.balance for a in site.transfers.accounts(world.solo_master)], clearing, income)


def book(world, records, request_id="payroll-1", account=0, contract=None):
    source = world.site.transfers.accounts(world.master)[account]
    return world.site.batches.book(world.institution, contract or world.contract,
                                   debit_account_id=source.id, records=records,
                                   request_id=request_id, actor=world.master.actor)


def solo_numbers(world):
    return [a.account_number for a in world.site.transfers.accounts(world.solo_master)]


def test_a_payroll_batch_books_every_credit_and_fee_at_once(world):
    ordinary, current = solo_numbers(world)
    receipt = book(world, [
        record("2101", "001", ordinary, "250,000"),  # ours, same branch: no fee
        record("2101", "001", current, 10_000, kind="current"),
        record(*MIZUHO, "1234567", 29_999),  # other bank, under 30 000: 440
        record(*MIZUHO, "7654321", "300000"),  # other bank: 660
    ])
    assert (receipt.lines, receipt.total, receipt.fees) == (4, 589_999, 1_100)
    assert receipt.value_date == date(2026, 11, 26)  # 10:00 on a Thursday
    assert state(world) == ([5_000_000 - 589_999 - 1_100, 1_200_000],
                            [5_000_000 + 250_000, 1_200_000 + 10_000], 329_999, 1_100)
    assert receipt.balance_after == 5_000_000 - 589_999 - 1_100
    with world.site.ctx.db.read() as conn:
        ledger = world.site.transfers.ledger
        assert ledger.journal_id(conn, world.institution.id, "payroll-1") == receipt.journal_id
        postings = ledger.postings_of(conn, receipt.journal_id)
        assert len(postings) == 6  # the debit, four credits, the fees
        assert sum(amount for _account, amount in postings) == 0
        assert ledger.unbalanced_journals(conn) == []


def test_after_the_cut_off_the_batch_is_dated_the_next_business_day(world, clock):
    clock.set(datetime(2026, 11, 27, 6, 0, tzinfo=UTC))  # Friday 15:00 in Tokyo
    receipt = book(world, [record(*MIZUHO, "1234567", 1_000)])
    assert receipt.value_date == date(2026, 11, 30)


@pytest.mark.parametrize(("bad", "code"), [
    (record(*MIZUHO, "12345678", 1_000), "invalid_account_number"),
    (record(*MIZUHO, "1234567", "0"), "invalid_amount"),
    (record(*MIZUHO, "1234567", 1_000, name="山田"), "invalid_holder_name"),
    (record("0002", "001", "1234567", 1_000), "unknown_bank"),
    (record("0001", "998", "1234567", 1_000), "unknown_branch"),
    (record(*MIZUHO, "1234567", 1_000, kind="savings"), "invalid_account_type"),
])
def test_one_bad_line_refuses_the_batch_by_its_number(world, bad, code):
    before = state(world)
    good = record(*MIZUHO, "1234567", 1_000)
    with pytest.raises(InvalidBatchLine) as refused:
        book(world, [good, good, bad, good])
    assert (refused.value.line, refused.value.cause_code) == (3, code)
    assert state(world) == before
    with world.site.ctx.db.read() as conn:
        assert world.site.transfers.ledger.journal_id(
            conn, world.institution.id, "payroll-1") is None


def test_a_line_paying_the_debit_account_itself_is_refused(world):
    source = world.site.transfers.accounts(world.master)[0]
    before = state(world)
    with pytest.raises(InvalidBatchLine) as refused:
        book(world, [record(*MIZUHO, "1234567", 1_000),
                     record("2101", "001", source.account_number, 1_000)])
    assert (refused.value.line, refused.value.cause_code) == (2, "same_account")
    assert state(world) == before


def test_a_batch_the_balance_does_not_cover_books_nothing(world):
    before = state(world)
    # 4 x 1 250 000 = 5 000 000, the whole balance; the fees make it short.
    with pytest.raises(InsufficientBalance):
        book(world, [record(*MIZUHO, f"{n:07d}", 1_250_000) for n in range(1, 5)])
    assert state(world) == before


def test_the_same_request_id_books_once(world):
    lines = [record(*MIZUHO, "1234567", 1_000)]
    book(world, lines)
    after_once = state(world)
    with pytest.raises(AlreadyBooked):
        book(world, lines)
    assert state(world) == after_once
    book(world, lines, request_id="payroll-2")  # another batch is another booking
    assert state(world)[0][0] == after_once[0][0] - 1_440


def test_an_empty_batch_is_refused(world):
    with pytest.raises(EmptyBatch):
        book(world, [])


def test_the_debit_account_must_be_the_contracts(world):
    with pytest.raises(AccountNotFound):
        book(world, [record(*MIZUHO, "1234567", 1_000)], contract=world.solo_contract)


def test_a_thousand_line_payroll_is_one_entry(world):
    lines = [record(*MIZUHO, f"{n:07d}", 1_000 + n) for n in range(1, 1_001)]
    receipt = world.site.batches.book(
        world.institution, world.contract,
        debit_account_id=world.site.transfers.accounts(world.master)[0].id,
        records=lines, request_id="big", actor="tester", kind=JournalKind.PAYROLL)
    total = sum(1_000 + n for n in range(1, 1_001))
    assert (receipt.lines, receipt.total, receipt.fees) == (1_000, total, 1_000 * 440)
    assert state(world)[2:] == (total, 440_000)
