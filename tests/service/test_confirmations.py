"""取引確認 use cases on both databases: create, list, confirm, reject, expire, book."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta

import pytest

from onetime.domain.confirmations import ConfirmationState, TransactionDetails
from onetime.domain.errors import (
    BadSignature,
    ConfirmationDisabled,
    ConfirmationExpired,
    ConfirmationNotFound,
    ConfirmationNotPending,
    ConfirmationTokenNotActive,
    ConfirmationVoided,
    InvalidAppAuth,
    InvalidConfirmation,
)
from onetime.service.confirmations import ConfirmationService

from .confirming import TRANSFER, App, details
from .world import Bank

S = ConfirmationState


@pytest.fixture
def bank(services, institution, clock) -> Bank:
    on = services.institutions.configure(institution.service_id,
                                         transaction_confirmation="both")
    return Bank(services, on, clock)


@pytest.fixture
def app(bank) -> App:
    return App(bank, "taro", bank.active("taro"))


@pytest.fixture
def svc(bank) -> ConfirmationService:
    return bank.services.confirmations


def _create(bank: Bank, user_id: str = "taro", body: dict | None = None):
    return bank.services.confirmations.create(bank.institution, user_id, body or TRANSFER,
                                              actor=f"user:{user_id}")


class TestCreate:
    """The site asks for a confirmation."""

    def test_pending_for_five_minutes_and_audited(self, bank, app, svc):
        """A new request is pending until created_at + 5 min; confirmation_created."""
        request = _create(bank)
        assert request.state == S.PENDING
        assert request.expires_at - request.created_at == timedelta(minutes=5)
        entry = bank.audit("confirmation_created")[-1]
        assert (entry.user_id, entry.operation, entry.detail) == (
            "taro", "transfer", {"confirmation": request.id})

    def test_off_by_default(self, services, institution, clock):
        """The manual's credit union leaves it off: ConfirmationDisabled."""
        with pytest.raises(ConfirmationDisabled):
            services.confirmations.create(institution, "taro", TRANSFER)

    def test_user_without_active_token(self, bank, svc):
        """Nothing could sign it: ConfirmationTokenNotActive, nothing written."""
        bank.activated("jiro")
        with pytest.raises(ConfirmationTokenNotActive):
            _create(bank, "jiro")
        assert bank.audit("confirmation_created") == []

    def test_bad_details_write_nothing(self, bank, app):
        """InvalidConfirmation before any write."""
        with pytest.raises(InvalidConfirmation):
            _create(bank, body=details(amount=-1))
        assert bank.audit("confirmation_created") == []


class TestConfirm:
    """The app lists, shows and signs."""

    def test_listed_then_confirmed_once(self, bank, app, svc):
        """The app sees the request, signs it, and it is confirmed with its audit entry."""
        request = _create(bank)
        listed = svc.pending(app.session())
        assert [r.id for r in listed] == [request.id]
        assert listed[0].details == TransactionDetails.from_mapping(TRANSFER)
        done = svc.confirm(app.session(), request.id, app.sign(listed[0]))
        assert done.state == S.CONFIRMED
        assert svc.get(bank.institution, "taro", request.id).state == S.CONFIRMED
        assert len(bank.audit("confirmation_confirmed")) == 1
        assert svc.pending(app.session()) == []

    def test_replayed_signature_refused(self, bank, app, svc):
        """The same signature a second time: ConfirmationNotPending, one audit entry."""
        request = _create(bank)
        signature = app.sign(request)
        svc.confirm(app.session(), request.id, signature)
        with pytest.raises(ConfirmationNotPending):
            svc.confirm(app.session(), request.id, signature)
        assert len(bank.audit("confirmation_confirmed")) == 1

    def test_signature_of_one_request_does_not_confirm_another(self, bank, app, svc):
        """Two requests with the same transaction: each needs its own signature."""
        first, second = _create(bank), _create(bank)
        with pytest.raises(BadSignature):
            svc.confirm(app.session(), second.id, app.sign(first))
        assert svc.get(bank.institution, "taro", second.id).state == S.PENDING

    @pytest.mark.parametrize("tampered", [{"amount": 9_250_000},
                                          {"account_number": "7654321"},
                                          {"bank_code": "0009"},
                                          {"account_name": "ｱｸﾆﾝ"}])
    def test_tampered_amount_or_payee_fails(self, bank, app, svc, tampered):
        """The app signed other details than the service holds: BadSignature, no write."""
        request = _create(bank)
        shown = dataclasses.replace(
            request, details=TransactionDetails.from_mapping(details(**tampered)))
        with pytest.raises(BadSignature):
            svc.confirm(app.session(), request.id, app.sign(shown))
        assert svc.get(bank.institution, "taro", request.id).state == S.PENDING
        assert bank.audit("confirmation_confirmed") == []

    def test_other_users_request_is_not_found(self, bank, app, svc):
        """hanako's app cannot see or decide taro's request: 404, as for no request."""
        hanako = App(bank, "hanako", bank.active("hanako"))
        request = _create(bank)
        assert svc.pending(hanako.session()) == []
        with pytest.raises(ConfirmationNotFound):
            svc.confirm(hanako.session(), request.id, hanako.sign(request))
        with pytest.raises(ConfirmationNotFound):
            svc.reject(hanako.session(), request.id)
        assert svc.get(bank.institution, "taro", request.id).state == S.PENDING

    def test_reject_recorded(self, bank, app, svc):
        """否認: rejected, audited; then it can no longer be confirmed."""
        request = _create(bank)
        assert svc.reject(app.session(), request.id).state == S.REJECTED
        assert len(bank.audit("confirmation_rejected")) == 1
        with pytest.raises(ConfirmationNotPending):
            svc.confirm(app.session(), request.id, app.sign(request))

    def test_confirm_just_before_five_minutes(self, bank, app, svc, clock):
        """At 4:59.999 it can still be confirmed."""
        request = _create(bank)
        clock.advance(timedelta(minutes=5) - timedelta(milliseconds=1))
        assert svc.confirm(app.session(), request.id, app.sign(request)).state == S.CONFIRMED

    def test_expired_at_exactly_five_minutes(self, bank, app, svc, clock):
        """At 5:00: ConfirmationExpired, stored expired once, confirmation_expired."""
        request = _create(bank)
        clock.advance(timedelta(minutes=5))
        with pytest.raises(ConfirmationExpired):
            svc.confirm(app.session(), request.id, app.sign(request))
        assert svc.pending(app.session()) == []
        assert svc.get(bank.institution, "taro", request.id).state == S.EXPIRED
        assert len(bank.audit("confirmation_expired")) == 1

    def test_request_of_an_earlier_token_is_not_found(self, bank, app, svc, clock):
        """After a phone change only the token a request names may decide it."""
        request = _create(bank)
        bank.revoke("taro")
        clock.set(bank.doc("taro").setup_available_at)
        new = App(bank, "taro", bank.active("taro"))
        with pytest.raises(ConfirmationNotFound):
            svc.confirm(new.session(), request.id, new.sign(request))

    def test_concurrent_confirms_one_wins(self, bank, app, svc):
        """Four threads confirm one request at once: exactly one succeeds."""
        request = _create(bank)
        sessions = [app.session() for _ in range(4)]
        signature = app.sign(request)
        barrier, outcomes = threading.Barrier(4), []

        def confirm(session):
            barrier.wait(timeout=10)
            try:
                svc.confirm(session, request.id, signature)
                outcomes.append("confirmed")
            except ConfirmationNotPending:
                outcomes.append("not_pending")

        threads = [threading.Thread(target=confirm, args=(s,)) for s in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == ["confirmed", "not_pending", "not_pending", "not_pending"]
        assert len(bank.audit("confirmation_confirmed")) == 1


class TestAppAuth:
    """The app proves its token on every request; no API key."""

    def test_replayed_request_refused(self, bank, app, svc):
        """The same request (same time, same MAC) a second time: InvalidAppAuth."""
        request = app.request()
        svc.authenticate_app(request)
        with pytest.raises(InvalidAppAuth):
            svc.authenticate_app(request)

    def test_wrong_mac_refused(self, bank, app, svc):
        """A MAC under another key: InvalidAppAuth."""
        request = dataclasses.replace(app.request(), mac=b"\0" * 32)
        with pytest.raises(InvalidAppAuth):
            svc.authenticate_app(request)

    def test_other_path_refused(self, bank, app, svc):
        """A MAC for one path does not open another."""
        request = dataclasses.replace(app.request(path="/a"), path="/b")
        with pytest.raises(InvalidAppAuth):
            svc.authenticate_app(request)

    def test_stale_time_refused(self, bank, app, svc, clock):
        """A request stamped more than 5 minutes from the service's clock: InvalidAppAuth."""
        old = int((clock.now() - timedelta(minutes=6)).timestamp() * 1000)
        with pytest.raises(InvalidAppAuth):
            svc.authenticate_app(app.request(timestamp_ms=old))

    def test_suspended_token_refused(self, bank, svc):
        """A suspended token authenticates nothing."""
        hanako = App(bank, "hanako", bank.suspended("hanako"))
        with pytest.raises(InvalidAppAuth):
            hanako.session()


class TestExecute:
    """The site books only a confirmed request, with exactly its details, once."""

    def _confirmed(self, bank, app, svc):
        request = _create(bank)
        svc.confirm(app.session(), request.id, app.sign(request))
        return request

    def test_books_once(self, bank, app, svc):
        """Confirmed → executed; a second booking is refused."""
        request = self._confirmed(bank, app, svc)
        done = svc.execute(bank.institution, "taro", request.id, TRANSFER)
        assert done.state == S.EXECUTED
        with pytest.raises(ConfirmationNotPending):
            svc.execute(bank.institution, "taro", request.id, TRANSFER)

    def test_pending_request_is_not_booked(self, bank, app, svc):
        """Not yet confirmed: ConfirmationNotPending."""
        request = _create(bank)
        with pytest.raises(ConfirmationNotPending):
            svc.execute(bank.institution, "taro", request.id, TRANSFER)

    @pytest.mark.parametrize("changed", [{"amount": 1_250_001}, {"branch_code": "101"}])
    def test_change_after_confirmation_voids(self, bank, app, svc, changed):
        """Another amount or payee at booking: ConfirmationVoided, and it stays void."""
        request = self._confirmed(bank, app, svc)
        with pytest.raises(ConfirmationVoided):
            svc.execute(bank.institution, "taro", request.id, details(**changed))
        assert svc.get(bank.institution, "taro", request.id).state == S.VOIDED
        with pytest.raises(ConfirmationNotPending):
            svc.execute(bank.institution, "taro", request.id, TRANSFER)
        assert len(bank.audit("confirmation_voided")) == 1


class TestAuditHoldsNoSecrets:
    """No signature, MAC or key in the trail."""

    def test_no_signature_in_audit(self, bank, app, svc):
        """The trail of a whole confirmation names the request only."""
        request = _create(bank)
        signature = app.sign(request)
        svc.confirm(app.session(), request.id, signature)
        text = repr([e.detail for e in bank.audit()])
        assert signature.hex() not in text
        assert "signature" not in text
