"""取引確認 of 総合振込・給与振込: the token app confirms the batch's count and total, online
only; a changed batch is voided and books nothing (on both databases)."""

from __future__ import annotations

import dataclasses

import pytest

from onetime.banking.domain.confirming_errors import ConfirmationRejected
from onetime.banking.domain.errors import AlreadyBooked
from onetime.banking.domain.zengin import Kind
from onetime.banking.service.batches import BatchReceipt
from onetime.banking.service.confirming import PendingConfirmation
from onetime.domain.confirmations import ConfirmationState
from onetime.domain.errors import ConfirmationVoided
from onetime.domain.values import Operation
from tests.banking.service.test_bulk import START, balances, payroll
from tests.banking.service.test_transfer_confirming import approve
from tests.banking.world import activate, code
from tests.service.confirming import App
from tests.service.world import Bank

BOOKED = (START[0] - 560_000 - 1_760, START[1])


@pytest.fixture
def setup(world, clock):
    def make(mode: str):
        sid = world.institution.service_id
        world.services.institutions.configure(sid, transaction_confirmation=mode)
        inst = world.services.institutions.get(sid, fresh=True)
        secret = activate(world, world.master, clock)
        draft = world.site.bulk.prepare_file(inst, world.master,
                                             payroll(world, [200_000, 10_000, 350_000]))
        done = world.site.bulk.execute(inst, world.master, world.contract, draft,
                                       world.confirmation(world.master), code(secret, clock))
        return inst, App(Bank(world.services, inst, clock), world.master.user_id, secret), \
            draft, done
    return make


def book(world, inst, draft, pending):
    return world.site.bulk.execute_confirmed(inst, world.master, world.contract, draft,
                                             pending)


def test_the_app_confirms_count_and_total_then_books(world, setup):
    inst, app, draft, pending = setup("both")
    assert isinstance(pending, PendingConfirmation)
    assert (pending.online, pending.offline) == (True, False)  # no payee for OCRA
    assert balances(world) == START
    request = approve(app)
    assert (request.details.operation, request.details.count, request.details.total) == \
        (Operation.PAYROLL_TRANSFER, 3, 560_000)
    receipt = book(world, inst, draft, pending)
    assert receipt.total == 560_000
    assert balances(world) == BOOKED
    with pytest.raises(AlreadyBooked):
        book(world, inst, draft, pending)


def test_a_changed_batch_is_voided(world, setup):
    inst, app, draft, pending = setup("online")
    approve(app)
    grown = dataclasses.replace(draft, lines=(*draft.lines, draft.lines[0]))
    with pytest.raises(ConfirmationVoided):
        book(world, inst, grown, pending)
    with pytest.raises(ConfirmationRejected):
        book(world, inst, draft, pending)
    assert world.site.bulk.confirming.state(inst, world.master, pending) == \
        ConfirmationState.VOIDED
    assert balances(world) == START


def test_offline_only_asks_nothing_more_of_a_batch(world, setup):
    _inst, _app, draft, done = setup("offline")
    assert isinstance(done, BatchReceipt)
    assert draft.kind is Kind.PAYROLL
    assert balances(world) == BOOKED
