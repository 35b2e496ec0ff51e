"""取引確認 on the site (banking/service/confirming.py): 振込・振替 asks the token app after
the step-up and books only what the app confirmed — on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from onetime.banking.domain.confirming import modes
from onetime.banking.domain.confirming_errors import (
    ConfirmationRejected,
    ConfirmationWaiting,
    OcraRejected,
    OcraRequired,
)
from onetime.banking.domain.errors import TransferExpired
from onetime.banking.service.confirming import PendingConfirmation
from onetime.banking.service.transfers import TransferReceipt
from onetime.domain.confirmations import LIFETIME, ConfirmationState
from onetime.domain.errors import (
    BadSignature,
    ConfirmationExpired,
    ConfirmationNotFound,
    ConfirmationNotPending,
    ConfirmationVoided,
)
from onetime.domain.settings import InstitutionSettings
from onetime.domain.values import Operation
from onetime.setup import token_keys
from onetime.setup.token_keys import OCRA_SUITE, Purpose
from tests.banking.service.test_transfers import OTHER_BANK_SMALL, balances, code, draft
from tests.banking.world import activate
from tests.otp.vectorfile import load_vectors
from tests.service.confirming import App
from tests.service.world import Bank

S = ConfirmationState
FULL = [5_000_000, 1_200_000]
BOOKED = [5_000_000 - 12_345 - OTHER_BANK_SMALL, 1_200_000]


@pytest.fixture
def kakunin(world, clock):
    """Transaction confirmation `both` for the institution; the master's token active."""
    def set_up(mode: str = "both"):
        sid = world.institution.service_id
        world.services.institutions.configure(sid, transaction_confirmation=mode)
        inst = world.services.institutions.get(sid, fresh=True)
        secret = activate(world, world.master, clock)
        return inst, App(Bank(world.services, inst, clock), world.master.user_id, secret)
    return set_up


def step_up(world, inst, user, d, secret_app, clock):
    return world.site.transfers.execute(inst, user, world.contract, d,
                                        world.confirmation(user),
                                        code(secret_app.secret, clock))


def book(world, inst, d, pending, response=""):
    return world.site.transfers.execute_confirmed(inst, world.master, world.contract, d,
                                                  pending, response=response)


def approve(app: App):
    [request] = app.bank.services.confirmations.pending(app.session())
    app.bank.services.confirmations.confirm(app.session(), request.id, app.sign(request))
    return request


def refusals(world) -> list[tuple[str, str, dict]]:
    """The site's own record of each booking refused for 取引確認."""
    with world.site.ctx.db.read() as conn:
        entries = world.site.ctx.audit.page(conn, world.institution.id, after_id=0,
                                            limit=500)
    return [(e.operation, e.result, e.detail) for e in entries
            if e.event == "transaction_not_confirmed"]


def states(world, inst, pending):
    return world.site.transfers.confirming.state(inst, world.master, pending)


class TestRule:
    """banking/domain/confirming.py: which operations ask for 取引確認, and how."""

    @pytest.mark.parametrize(("mode", "online", "offline"), [
        ("off", False, False), ("online", True, False), ("offline", False, True),
        ("both", True, True)])
    def test_a_transfer_under_each_setting(self, mode, online, offline):
        settings = InstitutionSettings(transaction_confirmation=mode)
        got = modes(Operation.TRANSFER, settings, otp_enabled=True)
        assert (got.online, got.offline) == (online, offline)

    def test_a_batch_has_no_payee_for_ocra(self):
        settings = InstitutionSettings(transaction_confirmation="both")
        for operation in (Operation.BULK_TRANSFER, Operation.PAYROLL_TRANSFER):
            got = modes(operation, settings, otp_enabled=True)
            assert (got.online, got.offline) == (True, False)

    def test_nothing_without_otp_or_for_other_operations(self):
        settings = InstitutionSettings(transaction_confirmation="both")
        assert not modes(Operation.TRANSFER, settings, otp_enabled=False).needed
        assert not modes(Operation.PAYEASY, settings, otp_enabled=True).needed
        assert not modes(Operation.USER_MANAGEMENT, settings, otp_enabled=True).needed


class TestOnline:
    def test_off_books_at_once(self, world, clock, kakunin):
        inst, app = kakunin("off")
        done = step_up(world, inst, world.master, draft(world, world.master), app, clock)
        assert isinstance(done, TransferReceipt)
        assert balances(world, world.master) == BOOKED

    def test_approved_in_the_app_then_booked_once(self, world, clock, kakunin):
        inst, app = kakunin()
        d = draft(world, world.master)
        pending = step_up(world, inst, world.master, d, app, clock)
        assert isinstance(pending, PendingConfirmation)
        assert (pending.subject, pending.offline, pending.online) == (d.request_id, True, True)
        assert balances(world, world.master) == FULL  # nothing booked before the app
        request = approve(app)
        # What the app showed and signed is exactly the draft.
        assert request.details == world.site.transfers.details(d)
        assert request.details.payee.account_number == "1234567"
        assert request.details.amount == 12_345
        receipt = book(world, inst, d, pending)
        assert receipt.balance_after == BOOKED[0]
        assert states(world, inst, pending) == S.EXECUTED
        with pytest.raises(TransferExpired):  # the same screen books once
            book(world, inst, d, pending)
        assert balances(world, world.master) == BOOKED
        with world.site.ctx.db.read() as conn:
            events = [e.event for e in world.site.ctx.audit.page(
                conn, world.institution.id, after_id=0, limit=200)]
        tail = [e for e in events if e.startswith("confirmation_") or e == "transfer_executed"]
        assert tail == ["confirmation_created", "confirmation_confirmed",
                        "confirmation_executed", "transfer_executed"]

    @pytest.mark.parametrize("change", [
        {"amount": 99_999},
        {"destination": {"account_number": "7654321"}},
        {"destination": {"holder_name": "ｱｸﾏ ｼﾞﾛｳ"}},
        {"destination": {"bank_code": "0005", "bank_name": "三菱UFJ"}},
    ], ids=["amount", "account_number", "holder_name", "bank"])
    def test_tampered_after_approval_is_voided_and_books_nothing(self, world, clock,
                                                                 kakunin, change):
        """Malware changes the transaction between the site's request and booking."""
        inst, app = kakunin()
        d = draft(world, world.master)
        pending = step_up(world, inst, world.master, d, app, clock)
        approve(app)
        if "destination" in change:
            tampered = dataclasses.replace(d, destination=dataclasses.replace(
                d.destination, **change["destination"]))
        else:
            tampered = dataclasses.replace(d, **change)
        with pytest.raises(ConfirmationVoided):
            book(world, inst, tampered, pending)
        assert [r[2]["reason"] for r in refusals(world)] == ["confirmation_voided"]
        assert states(world, inst, pending) == S.VOIDED
        with pytest.raises(ConfirmationRejected):  # and the genuine draft cannot either now
            book(world, inst, d, pending)
        assert balances(world, world.master) == FULL

    def test_rejected_in_the_app_books_nothing(self, world, clock, kakunin):
        inst, app = kakunin()
        d = draft(world, world.master)
        pending = step_up(world, inst, world.master, d, app, clock)
        [request] = app.bank.services.confirmations.pending(app.session())
        app.bank.services.confirmations.reject(app.session(), request.id)
        with pytest.raises(ConfirmationRejected):
            book(world, inst, d, pending)
        typed = token_keys.ocra_response(app.key(Purpose.OCRA), "1234567",
                                         clock.now().timestamp())
        with pytest.raises(ConfirmationRejected):  # 否認 stands, whatever code is typed
            book(world, inst, d, pending, response=typed)
        assert balances(world, world.master) == FULL
        detail = {"reason": "confirmation_rejected", "subject": d.request_id,
                  "confirmation": pending.request_id}
        assert refusals(world) == [("transfer", "rejected", detail)] * 2
        assert typed not in str(refusals(world))

    def test_waiting_then_approved(self, world, clock, kakunin):
        inst, app = kakunin()
        d = draft(world, world.master)
        pending = step_up(world, inst, world.master, d, app, clock)
        with pytest.raises(ConfirmationWaiting):
            book(world, inst, d, pending)
        assert balances(world, world.master) == FULL
        approve(app)
        book(world, inst, d, pending)
        assert balances(world, world.master) == BOOKED

    def test_expired_at_exactly_five_minutes(self, world, clock, kakunin):
        inst, app = kakunin()
        d = draft(world, world.master)
        pending = step_up(world, inst, world.master, d, app, clock)
        [request] = app.bank.services.confirmations.pending(app.session())
        assert pending.expires_at == request.created_at + LIFETIME
        clock.set(pending.expires_at - timedelta(microseconds=1))
        assert states(world, inst, pending) == S.PENDING
        clock.set(pending.expires_at)
        assert states(world, inst, pending) == S.EXPIRED
        with pytest.raises(ConfirmationExpired):
            app.bank.services.confirmations.confirm(app.session(), request.id,
                                                    app.sign(request))
        with pytest.raises(ConfirmationExpired):
            book(world, inst, d, pending)
        assert balances(world, world.master) == FULL

    def test_a_replayed_signature_is_refused(self, world, clock, kakunin):
        """The same signature twice, and one request's signature on another request."""
        inst, app = kakunin()
        d = draft(world, world.master)
        pending = step_up(world, inst, world.master, d, app, clock)
        request = approve(app)
        with pytest.raises(ConfirmationNotPending):
            app.bank.services.confirmations.confirm(app.session(), request.id,
                                                    app.sign(request))
        clock.advance(60)
        second = draft(world, world.master, amount="50000")
        pending2 = step_up(world, inst, world.master, second, app, clock)
        [other] = app.bank.services.confirmations.pending(app.session())
        assert other.id == pending2.request_id
        with pytest.raises(BadSignature):
            app.bank.services.confirmations.confirm(app.session(), other.id,
                                                    app.sign(request))
        with pytest.raises(ConfirmationWaiting):
            book(world, inst, second, pending2)
        book(world, inst, d, pending)
        assert balances(world, world.master) == BOOKED

    def test_another_users_app_cannot_confirm(self, world, clock, kakunin):
        inst, app = kakunin()
        d = draft(world, world.master)
        pending = step_up(world, inst, world.master, d, app, clock)
        admin_secret = activate(world, world.admin, clock)
        admin = App(app.bank, world.admin.user_id, admin_secret)
        assert app.bank.services.confirmations.pending(admin.session()) == []
        [request] = app.bank.services.confirmations.pending(app.session())
        forged = dataclasses.replace(request, user_id=world.admin.user_id,
                                     serial=admin.serial)
        with pytest.raises(ConfirmationNotFound):
            app.bank.services.confirmations.confirm(admin.session(), request.id,
                                                    admin.sign(forged))
        with pytest.raises(ConfirmationNotFound):
            app.bank.services.confirmations.reject(admin.session(), request.id)
        with pytest.raises(ConfirmationWaiting):
            book(world, inst, d, pending)
        assert balances(world, world.master) == FULL

    def test_a_confirmation_books_only_its_own_draft(self, world, clock, kakunin):
        inst, app = kakunin()
        d = draft(world, world.master)
        pending = step_up(world, inst, world.master, d, app, clock)
        approve(app)
        with pytest.raises(TransferExpired):
            book(world, inst, draft(world, world.master), pending)
        assert balances(world, world.master) == FULL


class TestOffline:
    """OCRA-1:HOTP-SHA512-8:QN08-T1M on the payee's account number; the response function
    is the one tests/setup/test_token_keys.py checks with RFC 6287's own vectors."""

    def test_the_rfc_vectors_still_hold(self):
        [vector] = [v for v in load_vectors("rfc-6287.txt")
                    if v["SUITE"] == OCRA_SUITE.text][:1]
        minute = int(vector["TIMESTAMP"], 16)
        assert token_keys.ocra_response(bytes.fromhex(vector["KEY"]), vector["QUESTION"],
                                        minute * 60) == vector["OCRA"]

    def test_right_code_books_wrong_code_does_not(self, world, clock, kakunin):
        inst, app = kakunin("offline")
        d = draft(world, world.master)
        pending = step_up(world, inst, world.master, d, app, clock)
        assert (pending.online, pending.offline) == (False, True)
        right = token_keys.ocra_response(app.key(Purpose.OCRA), "1234567",
                                         clock.now().timestamp())
        other_payee = token_keys.ocra_response(app.key(Purpose.OCRA), "7654321",
                                               clock.now().timestamp())
        with pytest.raises(OcraRequired):
            book(world, inst, d, pending)
        with pytest.raises(OcraRejected) as raised:  # a code for another account number
            book(world, inst, d, pending, response=other_payee)
        assert raised.value.attempts_left == 9
        assert refusals(world) == [("transfer", "rejected", {
            "reason": "ocra_rejected", "subject": d.request_id})]
        assert other_payee not in str(refusals(world))
        assert balances(world, world.master) == FULL
        book(world, inst, d, pending, response=right)
        assert balances(world, world.master) == BOOKED

    def test_both_offers_the_code_beside_the_app(self, world, clock, kakunin):
        inst, app = kakunin("both")
        d = draft(world, world.master)
        pending = step_up(world, inst, world.master, d, app, clock)
        right = token_keys.ocra_response(app.key(Purpose.OCRA), "1234567",
                                         clock.now().timestamp())
        book(world, inst, d, pending, response=right)
        assert balances(world, world.master) == BOOKED

    def test_online_only_ignores_a_typed_code(self, world, clock, kakunin):
        inst, app = kakunin("online")
        d = draft(world, world.master)
        pending = step_up(world, inst, world.master, d, app, clock)
        right = token_keys.ocra_response(app.key(Purpose.OCRA), "1234567",
                                         clock.now().timestamp())
        with pytest.raises(ConfirmationWaiting):
            book(world, inst, d, pending, response=right)
        assert balances(world, world.master) == FULL
