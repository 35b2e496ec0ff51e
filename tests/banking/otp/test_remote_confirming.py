"""取引確認 of a site whose OTP service is remote (RemoteOtp over HTTP on 127.0.0.1), on
SQLite and PostgreSQL: the site asks, the app approves at the service, the site books;
changed details are voided there and nothing is booked here."""

from __future__ import annotations

import dataclasses

import pytest

from onetime.banking.service.confirming import PendingConfirmation
from onetime.domain.errors import ConfirmationVoided
from tests.banking.otp.test_remote_journeys import (
    api_key,
    institution,
    keyed,
    otp_server,
    remote,
    site_db,
)
from tests.banking.world import code
from tests.service.confirming import App
from tests.service.world import Bank
from tests.web.routes.test_pages import set_up_app

__all__ = ["api_key", "institution", "keyed", "otp_server", "remote", "site_db"]


class World:
    def __init__(self, services, institution):
        self.services, self.institution = services, institution


@pytest.fixture
def remote_both(remote, services, institution, clock):
    """Both sides offer `both`: the service checks its own setting, the site its bank's."""
    site, _client = remote
    configured = services.institutions.configure(institution.service_id,
                                                 transaction_confirmation="both")
    bank = site.institutions.register(configured.service_id, configured.name,
                                      configured.mail_sender, configured.settings)
    master = site.users.authenticate(bank, "demo-master", "Master-pass1")
    site.tokens.issue_token(bank, master.user_id, "m@example.jp", "4829")
    secret = set_up_app(World(services, configured), master, "4829")
    assert site.tokens.confirm(bank, master.user_id, code(secret, clock)).result == "accepted"
    clock.advance(60)
    contract = site.users.contract(bank, master.contract_id)
    app = App(Bank(services, configured, clock), master.user_id, secret)
    return site, bank, master, contract, app


def _step_up(site, bank, master, contract, app, clock):
    accounts = site.transfers.accounts(master)
    draft = site.transfers.prepare(bank, master, from_account_id=accounts[0].id,
                                   bank_code="0009", branch_code="001",
                                   account_type="ordinary", account_number="7654321",
                                   holder_name="ｽｽﾞｷ", amount="30000")
    pending = site.transfers.execute(bank, master, contract, draft, "Master-conf1",
                                     code(app.secret, clock))
    assert isinstance(pending, PendingConfirmation)
    [request] = app.bank.services.confirmations.pending(app.session())
    app.bank.services.confirmations.confirm(app.session(), request.id, app.sign(request))
    return draft, pending


def test_approved_at_the_service_booked_at_the_site(remote_both, clock):
    site, bank, master, contract, app = remote_both
    draft, pending = _step_up(site, bank, master, contract, app, clock)
    receipt = site.transfers.execute_confirmed(bank, master, contract, draft, pending)
    assert receipt.balance_after == 5_000_000 - 30_000 - 660


def test_a_changed_amount_is_voided_over_http(remote_both, clock):
    site, bank, master, contract, app = remote_both
    draft, pending = _step_up(site, bank, master, contract, app, clock)
    with pytest.raises(ConfirmationVoided):
        site.transfers.execute_confirmed(bank, master, contract,
                                         dataclasses.replace(draft, amount=3_000_000),
                                         pending)
    assert site.transfers.accounts(master)[0].balance == 5_000_000
