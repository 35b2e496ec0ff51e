"""Users' rights and limits (利用者管理) on every operation, not only 振込・振替: 総合振込,
給与・賞与振込 and ペイジー refuse a user without the right, or over their limits, before
a code is used up and again when booking (both databases)."""

from __future__ import annotations

import pytest

from onetime.banking.domain.errors import (
    DailyLimitExceeded,
    OperationNotPermitted,
    OverUserLimit,
)
from onetime.banking.domain.zengin import Kind
from onetime.domain.values import Operation
from tests.banking.service.test_bulk import balances, payroll
from tests.banking.service.test_payeasy import prepare
from tests.banking.service.test_transfer_limits import limit
from tests.banking.world import activate, code

WITHOUT_BATCHES = [Operation.TRANSFER, Operation.PAYEASY]


def run_batch(world, user, draft, secret, clock):
    return world.site.bulk.execute(world.institution, user, world.contract, draft,
                                   world.confirmation(user), code(secret, clock))


class TestBatches:
    def test_a_user_without_the_bulk_right_cannot_book_a_bulk_transfer(self, world, clock):
        secret = activate(world, world.general, clock)
        draft = world.site.bulk.prepare_file(world.institution, world.general,
                                             payroll(world, [10_000], kind=Kind.BULK))
        user = limit(world, world.general, operations=WITHOUT_BATCHES)
        before = balances(world)
        with pytest.raises(OperationNotPermitted):
            run_batch(world, user, draft, secret, clock)
        assert balances(world) == before
        with pytest.raises(OperationNotPermitted):  # and the upload is refused already
            world.site.bulk.prepare_file(world.institution, user,
                                         payroll(world, [10_000], kind=Kind.BULK))

    def test_the_payroll_right_is_its_own(self, world, clock):
        user = limit(world, world.general, operations=[Operation.BULK_TRANSFER])
        with pytest.raises(OperationNotPermitted):
            world.site.bulk.prepare_file(world.institution, user, payroll(world, [10_000]))
        assert world.site.bulk.prepare_file(world.institution, user, payroll(
            world, [10_000], kind=Kind.BULK)).total == 10_000

    def test_a_batch_total_is_one_booking_under_the_one_transfer_limit(self, world, clock):
        user = limit(world, world.general, one=100_000)
        with pytest.raises(OverUserLimit):
            world.site.bulk.prepare_file(world.institution, user,
                                         payroll(world, [60_000, 40_001]))
        assert world.site.bulk.prepare_file(world.institution, user, payroll(
            world, [60_000, 40_000])).total == 100_000

    def test_batches_count_in_the_days_total(self, world, clock):
        secret = activate(world, world.general, clock)
        user = limit(world, world.general, day=150_000)
        draft = world.site.bulk.prepare_file(world.institution, user,
                                             payroll(world, [60_000, 40_000]))
        run_batch(world, user, draft, secret, clock)  # 100 000 yen (and fees, not counted)
        clock.advance(60)
        with pytest.raises(DailyLimitExceeded):
            world.site.bulk.prepare_file(world.institution, user, payroll(world, [50_001]))
        assert world.site.bulk.prepare_file(world.institution, user,
                                            payroll(world, [50_000])).total == 50_000


class TestPayeasy:
    def test_a_user_without_the_payeasy_right_cannot_pay(self, world, clock):
        secret = activate(world, world.general, clock)
        draft = prepare(world, world.general)
        user = limit(world, world.general, operations=[Operation.TRANSFER])
        before = world.site.payeasy.accounts(user)[0].balance
        with pytest.raises(OperationNotPermitted):
            world.site.payeasy.execute(world.institution, user, world.contract, draft,
                                       world.confirmation(user), code(secret, clock))
        assert world.site.payeasy.accounts(user)[0].balance == before
        with pytest.raises(OperationNotPermitted):
            prepare(world, user)

    def test_a_bill_over_the_users_limit_is_refused(self, world):
        user = limit(world, world.general, one=1_000)
        with pytest.raises(OverUserLimit):
            prepare(world, user)
