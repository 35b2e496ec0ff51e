"""The ledger's invariant under real concurrency: WORKERS processes, each with its own
database connection, book random transfers (some with a fee, some sent twice) among a
few accounts at once. Afterwards the sum of all balances is what it was, no balance is
negative, every journal entry sums to zero, each account's balance is its opening
balance plus its postings, and every request ID was booked at most once.
On SQLite (writers queue for the lock) and PostgreSQL (row locks, in id order)."""

from __future__ import annotations

import multiprocessing
import random
import time
from datetime import date

from onetime.banking.domain.errors import InsufficientBalance
from onetime.banking.domain.ledger import Booking, JournalKind, Posting
from onetime.banking.storage.database import DuplicateKey
from onetime.banking.storage.ledger import LedgerRepository
from onetime.storage.database import Database
from tests.banking.storage.ledger_world import NOW, open_bank

WORKERS = 4
TRANSFERS = 60  # per worker: bounded in count...
SECONDS = 60.0  # ...and in time
OPENING = [50_000, 20_000, 5_000, 1_000, 0, 0]


def _worker(url: str, bank_id: int, ids: list[int], seed: int) -> tuple[int, int, int]:
    """(booked, refused for the balance, refused as already booked)."""
    rng, ledger, db = random.Random(seed), LedgerRepository(), Database(url)
    booked = short = twice = 0
    deadline = time.monotonic() + SECONDS
    try:
        for n in range(TRANSFERS):
            if time.monotonic() > deadline:
                break
            a, b, fee_to = rng.sample(ids, 3)
            amount, fee = rng.randint(1, 15_000), rng.choice([0, 0, 110, 440])
            postings = [Posting(a, -(amount + fee)), Posting(b, amount)]
            if fee:
                postings.append(Posting(fee_to, fee))
            # One in eight resends an earlier request of this worker: it must book once.
            request = f"w{seed}-{rng.randrange(n)}" if n and rng.random() < 0.125 \
                else f"w{seed}-{n}"
            try:
                with db.write() as conn:
                    ledger.book(conn, bank_id, Booking(JournalKind.TRANSFER, request,
                                                       date(2026, 11, 26), f"w{seed}",
                                                       tuple(postings)), NOW)
                booked += 1
            except InsufficientBalance:
                short += 1
            except DuplicateKey:
                twice += 1
    finally:
        db.dispose()
    return booked, short, twice


def test_balances_sum_is_constant_under_parallel_processes(db_url):
    bank_id, ids = open_bank(db_url, OPENING)
    spawn = multiprocessing.get_context("spawn")  # fresh processes: no inherited sockets
    with spawn.Pool(WORKERS) as pool:
        results = pool.starmap(_worker, [(db_url, bank_id, ids, seed)
                                         for seed in range(WORKERS)], chunksize=1)
    booked = sum(r[0] for r in results)
    assert booked > 0
    assert sum(r[1] for r in results) > 0  # some were refused for the balance: contention
    assert sum(r[2] for r in results) > 0  # and some resent: each booked once
    ledger, db = LedgerRepository(), Database(db_url)
    try:
        with db.read() as conn:
            after = [ledger.account(conn, i).balance for i in ids]
            assert sum(after) == sum(OPENING)
            assert ledger.total_balance(conn, bank_id) == sum(OPENING)
            assert min(after) >= 0
            assert ledger.unbalanced_journals(conn) == []
            posted = ledger.posted_by_account(conn, bank_id)
            assert [o + posted.get(i, 0) for o, i in zip(OPENING, ids, strict=True)] == after
            journals = [ledger.journal_id(conn, bank_id, f"w{s}-{n}")
                        for s in range(WORKERS) for n in range(TRANSFERS)]
            assert len([j for j in journals if j is not None]) == booked
    finally:
        db.dispose()
