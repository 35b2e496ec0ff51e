"""振込・振替 within the user's rights and limits: one transfer, and the day's total."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from onetime.banking.domain.errors import (
    DailyLimitExceeded,
    OperationNotPermitted,
    OverUserLimit,
)
from onetime.banking.domain.rights import Rights
from onetime.domain.values import Operation
from tests.banking.service.test_transfers import draft, execute
from tests.banking.world import activate


def limit(world, user, *, one=None, day=None, operations=None):
    rights = dataclasses.replace(Rights.of(user), limit_per_transfer=one, limit_per_day=day,
                                 operations=operations or user.operations)
    with world.site.ctx.db.write() as conn:
        world.site.ctx.people.change_user(conn, user.id, user.name, rights)
    return world.site.users.user(world.institution, user.id)


class TestLimits:
    def test_a_transfer_over_the_users_limit_is_refused_on_the_input_screen(self, world):
        user = limit(world, world.general, one=10_000)
        with pytest.raises(OverUserLimit):
            draft(world, user, amount="10001")
        assert draft(world, user, amount="10000").amount == 10_000

    def test_the_days_total_counts_until_bank_local_midnight(self, world, clock):
        # START is 10:00 in Tokyo; 14 hours later it is the next day there.
        secret = activate(world, world.master, clock)
        user = limit(world, world.master, day=30_000)
        execute(world, user, draft(world, user, amount="20000"), secret, clock)
        clock.advance(60)
        with pytest.raises(DailyLimitExceeded):
            draft(world, user, amount="10001")
        pending = draft(world, user, amount="10000")
        execute(world, user, pending, secret, clock)
        clock.advance(60)
        with pytest.raises(DailyLimitExceeded):
            draft(world, user, amount="1")
        clock.advance(14 * 3600)
        assert draft(world, user, amount="30000").amount == 30_000

    def test_the_limit_is_checked_again_when_executing(self, world, clock):
        """Lowered after the confirmation screen: refused before the code is asked."""
        secret = activate(world, world.master, clock)
        pending = draft(world, world.master, amount="50000")
        user = limit(world, world.master, one=40_000)
        before = world.site.transfers.accounts(user)[0].balance
        with pytest.raises(OverUserLimit):
            execute(world, user, pending, secret, clock)
        assert world.site.transfers.accounts(user)[0].balance == before

    def test_a_user_without_the_right_makes_no_transfer(self, world):
        user = limit(world, world.general, operations=frozenset({Operation.APPROVAL}))
        with pytest.raises(OperationNotPermitted):
            draft(world, user, amount="1000")


class TestConcurrentTotals:
    def test_two_transfers_at_once_add_up_in_turn(self, world):
        """The daily check runs in the transfer's transaction with the user's row locked:
        of two 30,000 yen transfers against a 50,000 yen day, one passes, however they
        overlap (the write lock on SQLite; FOR UPDATE on PostgreSQL)."""
        user = limit(world, world.master, day=50_000)
        [source, target] = world.site.transfers.accounts(user)
        site, start = world.site, threading.Barrier(2)
        outcomes: list[str] = []

        def transfer(n: int) -> None:
            start.wait(timeout=10)
            try:
                with site.ctx.db.write() as conn:
                    site.transfers.limits.check(world.institution, user, 30_000, conn)
                    time.sleep(0.2)  # widen the window between the sum and the insert
                    site.ctx.ledger.add_transfer(
                        conn, institution_id=world.institution.id,
                        contract_id=world.contract.id, site_user_id=user.id,
                        request_id=f"race-{n}", from_account_id=source.id,
                        to_account_id=target.id, bank_code="2101", branch_code="001",
                        account_type=target.account_type,
                        account_number=target.account_number, holder_name="デモ",
                        amount=30_000, fee=0, value_date=site.ctx.clock.now().date(),
                        journal_id=None, now=site.ctx.clock.now())
                outcomes.append("done")
            except DailyLimitExceeded:
                outcomes.append("refused")

        threads = [threading.Thread(target=transfer, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == ["done", "refused"]
