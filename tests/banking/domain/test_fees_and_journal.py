"""振込手数料 by scope and band, and the journal's one rule: postings sum to zero."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onetime.banking.domain.errors import UnbalancedJournal
from onetime.banking.domain.fees import (
    DEFAULT_FEES,
    FeeBand,
    FeeScope,
    FeeTable,
    scope,
)
from onetime.banking.domain.ledger import (
    Booking,
    JournalKind,
    Posting,
    check_balanced,
    net_by_account,
)

TABLE = FeeTable(DEFAULT_FEES)


class TestFees:
    @pytest.mark.parametrize(("where", "amount", "fee"), [
        (FeeScope.SAME_BRANCH, 29_999, 0), (FeeScope.SAME_BRANCH, 30_000, 0),
        (FeeScope.OTHER_BRANCH, 1, 110), (FeeScope.OTHER_BRANCH, 29_999, 110),
        (FeeScope.OTHER_BRANCH, 30_000, 330),
        (FeeScope.OTHER_BANK, 29_999, 440), (FeeScope.OTHER_BANK, 30_000, 660),
        (FeeScope.OTHER_BANK, 10_000_000, 660)])
    def test_the_demo_bands(self, where, amount, fee):
        assert TABLE.fee(where, amount) == fee

    def test_scope_is_read_from_both_ends(self):
        assert scope("2101", "001", "2101", "001") is FeeScope.SAME_BRANCH
        assert scope("2101", "001", "2101", "002") is FeeScope.OTHER_BRANCH
        assert scope("2101", "001", "0001", "001") is FeeScope.OTHER_BANK

    def test_an_institution_without_a_table_charges_nothing(self):
        assert FeeTable([]).fee(FeeScope.OTHER_BANK, 50_000) == 0

    def test_bands_need_not_arrive_in_order(self):
        table = FeeTable([FeeBand(FeeScope.OTHER_BANK, 30_000, 700),
                          FeeBand(FeeScope.OTHER_BANK, 0, 500)])
        assert (table.fee(FeeScope.OTHER_BANK, 100), table.fee(FeeScope.OTHER_BANK, 30_000)) \
            == (500, 700)


class TestJournal:
    def test_a_balanced_entry_is_a_booking(self):
        booking = Booking(JournalKind.TRANSFER, "r1", date(2026, 11, 26), "u",
                          (Posting(1, -1_440), Posting(2, 1_000), Posting(3, 440)))
        assert net_by_account(booking.postings) == {1: -1_440, 2: 1_000, 3: 440}

    @pytest.mark.parametrize("postings", [
        (Posting(1, -100), Posting(2, 99)),
        (Posting(1, -100),),
        (Posting(1, 0), Posting(2, 0)),
        (),
    ])
    def test_an_unbalanced_entry_is_refused(self, postings):
        with pytest.raises(UnbalancedJournal):
            Booking(JournalKind.TRANSFER, "r1", date(2026, 11, 26), "u", postings)

    @given(st.lists(st.tuples(st.integers(1, 5), st.integers(-10**9, 10**9).filter(bool)),
                    min_size=1, max_size=20))
    def test_any_entry_balanced_by_a_last_posting_passes_and_nets_to_zero(self, parts):
        postings = [Posting(a, amount) for a, amount in parts]
        rest = -sum(p.amount for p in postings)
        if rest == 0:
            postings.append(Posting(9, 1))
            postings.append(Posting(10, -1))
        else:
            postings.append(Posting(9, rest))
        check_balanced(postings)
        assert sum(net_by_account(postings).values()) == 0
