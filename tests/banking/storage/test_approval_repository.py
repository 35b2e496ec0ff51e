"""ApprovalRepository on both databases: each transition is one conditional UPDATE from
承認待ち; with real parallel connections, exactly one of many deciders changes the row."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

from onetime.banking.domain.approvals import ApprovalState
from onetime.domain.values import Operation

NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
CUT_OFF = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)


def add(world, request_id="r-1"):
    ctx = world.site.ctx
    account = world.site.bulk.accounts(world.general)[0]
    with ctx.db.write() as conn:
        return ctx.approvals.add(
            conn, institution_id=world.institution.id, contract_id=world.contract.id,
            operation=Operation.PAYROLL_TRANSFER, requested_by=world.general.id,
            requester_name=world.general.name, amount=10_000, fees=440, lines=1,
            from_account_id=account.id, value_date=date(2026, 11, 26), expires_at=CUT_OFF,
            draft={"request_id": request_id}, now=NOW)


def get(world, pk):
    with world.site.ctx.db.read() as conn:
        return world.site.ctx.approvals.get(conn, world.institution.id, pk)


def test_a_decision_leaves_pending_once(world):
    repo, db = world.site.ctx.approvals, world.site.ctx.db
    pk = add(world)
    with db.write() as conn:
        assert repo.decide(conn, pk, ApprovalState.RETURNED, by=world.master.id,
                           by_name="デモ 太郎", now=NOW, reason="違います")
    with db.write() as conn:
        assert not repo.decide(conn, pk, ApprovalState.APPROVED, by=world.admin.id,
                               by_name="デモ 花子", now=NOW)
        assert repo.expire_due(conn, world.contract.id, CUT_OFF) == 0
    found = get(world, pk)
    assert (found.state, found.reason, found.decided_by) == (
        ApprovalState.RETURNED, "違います", world.master.id)
    assert found.draft == {"request_id": "r-1"}


def test_expiry_is_at_the_cut_off_and_a_late_decision_changes_nothing(world):
    repo, db = world.site.ctx.approvals, world.site.ctx.db
    pk = add(world)
    with db.write() as conn:
        assert repo.expire_due(conn, world.contract.id, CUT_OFF - timedelta(seconds=1)) == 0
        assert not repo.decide(conn, pk, ApprovalState.APPROVED, by=world.master.id,
                               by_name="x", now=CUT_OFF)
        assert repo.expire_due(conn, world.contract.id, CUT_OFF) == 1
    assert get(world, pk).state is ApprovalState.EXPIRED
    with db.read() as conn:
        assert repo.pending_of(conn, world.contract.id) == []
        assert [r.id for r in repo.history_of(conn, world.contract.id)] == [pk]


def test_of_many_parallel_deciders_exactly_one_wins(world):
    repo, db = world.site.ctx.approvals, world.site.ctx.db
    pk = add(world)
    wins, barrier = [], threading.Barrier(4)
    states = [ApprovalState.APPROVED, ApprovalState.RETURNED, ApprovalState.CANCELLED,
              ApprovalState.APPROVED]

    def decide(state, by):
        barrier.wait(timeout=10)
        with db.write() as conn:  # each thread its own connection and transaction
            if repo.decide(conn, pk, state, by=by, by_name=str(by), now=NOW):
                wins.append((state, by))

    threads = [threading.Thread(target=decide, args=(s, i)) for i, s in enumerate(states)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(wins) == 1
    found = get(world, pk)
    assert (found.state, found.decided_by) == wins[0]
