"""The double-entry journal: every booking is one journal entry whose postings sum to zero.

A posting's amount is signed, in whole yen: negative debits an account (money leaves
it), positive credits one. Balances are the accounts'; the journal says why they moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from onetime.banking.domain.errors import UnbalancedJournal


class JournalKind(StrEnum):
    TRANSFER = "transfer"  # 振込・振替（都度指定方式）
    BULK = "bulk"  # 総合振込
    PAYROLL = "payroll"  # 給与・賞与振込
    FEE = "fee"  # a fee booked on its own
    PAYEASY = "payeasy"  # 税金・各種料金の払込み（ペイジー）


@dataclass(frozen=True)
class Posting:
    account_id: int
    amount: int


@dataclass(frozen=True)
class Booking:
    """One journal entry. `request_id` is unique per institution: a booking sent twice
    (a resubmitted form, a retried batch) is booked once."""

    kind: JournalKind
    request_id: str
    value_date: date
    actor: str
    postings: tuple[Posting, ...]

    def __post_init__(self) -> None:
        check_balanced(self.postings)


def check_balanced(postings: Sequence[Posting]) -> None:
    """Raises UnbalancedJournal unless there are two postings or more, none of them zero,
    summing to zero."""
    if len(postings) < 2 or any(p.amount == 0 for p in postings):
        raise UnbalancedJournal("a journal entry needs two non-zero postings or more")
    if sum(p.amount for p in postings) != 0:
        raise UnbalancedJournal("the postings of a journal entry must sum to zero")


def net_by_account(postings: Sequence[Posting]) -> dict[int, int]:
    """Each account's net change: what its balance moves by when the entry is booked."""
    net: dict[int, int] = {}
    for posting in postings:
        net[posting.account_id] = net.get(posting.account_id, 0) + posting.amount
    return net
