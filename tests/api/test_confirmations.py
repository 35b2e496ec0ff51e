"""取引確認 over HTTP: the site's endpoints (API key), the app's (token MAC), OpenAPI."""

from __future__ import annotations

import base64
import json

import pytest

from onetime.app import errors
from onetime.app.client import ServiceClient
from onetime.app.confirmations import request_headers
from onetime.app.token import StoredToken
from onetime.crypto import TEST_KDF
from onetime.setup import token_keys
from onetime.setup.token_keys import Purpose
from tests.api.helpers import BASE, SERVICE_ID, assert_problem, http_setup, row_counts

PAYEE = {"bank_code": "0001", "bank_name": "みずほ銀行", "branch_code": "100",
         "branch_name": "東京営業部", "account_type": "ordinary", "account_number": "1234567",
         "account_name": "ｶ)ﾄｳｷﾖｳｼﾖｳｼﾞ"}
TRANSFER = {"operation": "transfer", "payee": PAYEE, "amount": 1_250_000}
SERVER = "http://127.0.0.1"


@pytest.fixture
def enabled(services, api_key):
    services.institutions.configure(SERVICE_ID, transaction_confirmation="both")


def _token(api, client, user_id: str) -> StoredToken:
    """Issue, set up over HTTP and confirm: the token as the app stores it."""
    assert api.issue(user_id).status_code == 201
    payload = http_setup(client, SERVICE_ID, user_id, "1234")
    token = StoredToken.from_payload(payload, SERVER, api.clock.now())
    assert api.confirm(user_id, token.code_at(api.clock.now())).json()["result"] == "accepted"
    api.clock.advance(60)
    return token


@pytest.fixture
def taro(api, client, enabled) -> StoredToken:
    return _token(api, client, "taro")


@pytest.fixture
def app_client(client, clock) -> ServiceClient:
    return ServiceClient(SERVER, TEST_KDF, clock, http=client)


def _create(api, user_id: str = "taro", body: dict | None = None):
    return api.client.post(api.url(user_id, "/confirmations"), headers=api.headers,
                           json=body or TRANSFER)


class TestSite:
    """The banking site asks, reads and books, with its API key."""

    def test_create_then_read(self, api, taro):
        """201 with the request; GET shows it pending with the exact details."""
        made = _create(api)
        assert made.status_code == 201, made.text
        body = made.json()
        assert (body["state"], body["payee"], body["amount"], body["serial"]) == (
            "pending", PAYEE, 1_250_000, taro.serial)
        read = api.client.get(api.url("taro", f"/confirmations/{body['id']}"),
                              headers=api.headers)
        assert read.json() == body

    def test_disabled_by_default(self, api, client):
        """The setting is off: 403 confirmation_disabled."""
        assert_problem(_create(api), 403, "confirmation_disabled")

    def test_no_active_token(self, api, enabled):
        """409 token_not_active."""
        assert_problem(_create(api, "nobody"), 409, "token_not_active")

    @pytest.mark.parametrize("body", [
        {**TRANSFER, "amount": "1250000"}, {**TRANSFER, "amount": 0},
        {**TRANSFER, "payee": {**PAYEE, "account_number": "12345"}},
        {"operation": "transfer", "count": 2, "total": 3},
        {**TRANSFER, "payee": {**PAYEE, "account_name": "a\nb"}},
    ])
    def test_bad_details_422_nothing_written(self, api, taro, services, body):
        """422 invalid_confirmation, and no row written."""
        before = row_counts(services.ctx)
        assert_problem(_create(api, body=body), 422, "invalid_confirmation")
        assert row_counts(services.ctx) == before

    def test_another_institutions_key(self, api, client, taro, services):
        """A request of 0002 read with 0001's key: 401 invalid_api_key (no probing)."""
        made = _create(api).json()
        _inst, other = services.institutions.add("0003", "他行", "otp@other.example.jp")
        answer = client.get(f"/api/v1/services/0003/users/taro/confirmations/{made['id']}",
                            headers={"Authorization": f"Bearer {other.reveal_text()}"})
        assert_problem(answer, 404, "confirmation_not_found")
        no_key = client.get(api.url("taro", f"/confirmations/{made['id']}"))
        assert_problem(no_key, 401, "invalid_api_key")


class TestApp:
    """The app lists, approves and rejects with its token, no API key."""

    def test_approve_then_book(self, api, taro, app_client):
        """Listed, approved (confirmed), then booked once by the site."""
        made = _create(api).json()
        [pending] = app_client.pending_confirmations(taro)
        assert (pending.id, pending.details.payee.account_number) == (made["id"], "1234567")
        app_client.approve(taro, pending)
        url = api.url("taro", f"/confirmations/{made['id']}/execution")
        booked = api.client.post(url, headers=api.headers, json=TRANSFER)
        assert booked.json()["state"] == "executed"
        assert_problem(api.client.post(url, headers=api.headers, json=TRANSFER), 409,
                       "confirmation_not_pending")

    def test_tampered_amount_between_site_and_service(self, api, taro, app_client, client):
        """The app signs what it shows; a changed amount on the way: 403 bad_signature."""
        made = _create(api).json()
        [pending] = app_client.pending_confirmations(taro)
        shown = type(pending).from_document({**made, "amount": 9_999_999})
        with pytest.raises(errors.ProtocolFailure):
            app_client.approve(taro, shown)
        again = api.client.get(api.url("taro", f"/confirmations/{made['id']}"),
                               headers=api.headers)
        assert again.json()["state"] == "pending"

    def test_changed_after_confirmation_voids(self, api, taro, app_client):
        """The site books another payee than confirmed: 409 confirmation_voided."""
        made = _create(api).json()
        app_client.approve(taro, app_client.pending_confirmations(taro)[0])
        changed = {**TRANSFER, "payee": {**PAYEE, "account_number": "7654321"}}
        answer = api.client.post(api.url("taro", f"/confirmations/{made['id']}/execution"),
                                 headers=api.headers, json=changed)
        assert_problem(answer, 409, "confirmation_voided")

    def test_replayed_signature(self, api, taro, app_client, clock):
        """The same approval body again (fresh MAC, same signature): 409 not pending."""
        _create(api)
        [pending] = app_client.pending_confirmations(taro)
        app_client.approve(taro, pending)
        with pytest.raises(errors.ConfirmationClosed):
            app_client.approve(taro, pending)

    def test_replayed_request(self, api, taro, client, clock):
        """The same HTTP request twice (same time, same MAC): 401 invalid_app_auth."""
        path = f"{BASE}/users/taro/app/confirmations"
        headers = request_headers(taro, method="GET", path=path,
                                  timestamp_ms=int(clock.now().timestamp() * 1000), body=b"")
        assert client.get(path, headers=headers).status_code == 200
        assert_problem(client.get(path, headers=headers), 401, "invalid_app_auth")

    def test_other_users_request_404(self, api, client, taro, app_client):
        """hanako's app cannot approve taro's request: 404, like an unknown ID (a 403
        would tell hanako that the ID exists)."""
        hanako = _token(api, client, "hanako")
        made = _create(api).json()
        assert app_client.pending_confirmations(hanako) == []
        path = f"{BASE}/users/hanako/app/confirmations/{made['id']}/approval"
        key = token_keys.derive(hanako.secret.reveal(), Purpose.SIGNATURE, SERVICE_ID,
                                "hanako", hanako.serial)
        body = json.dumps({"signature": base64.b64encode(token_keys.sign(key, b"x"))
                           .decode()}).encode()
        headers = request_headers(hanako, method="POST", path=path, body=body,
                                  timestamp_ms=int(api.clock.now().timestamp() * 1000) + 5)
        answer = client.post(path, content=body, headers={**headers,
                                                          "Content-Type": "application/json"})
        assert_problem(answer, 404, "confirmation_not_found")

    def test_reject(self, api, taro, app_client):
        """否認: the request is rejected; the site will not book it."""
        made = _create(api).json()
        app_client.reject(taro, app_client.pending_confirmations(taro)[0])
        state = api.client.get(api.url("taro", f"/confirmations/{made['id']}"),
                               headers=api.headers).json()["state"]
        assert state == "rejected"

    def test_expired_after_five_minutes(self, api, taro, app_client, clock):
        """At 5:00 the approval is 410 confirmation_expired."""
        _create(api)
        [pending] = app_client.pending_confirmations(taro)
        clock.advance(300)
        with pytest.raises(errors.ConfirmationClosed, match="5 minutes"):
            app_client.approve(taro, pending)

    def test_without_headers_401(self, client, taro):
        """No token authentication: 401 invalid_app_auth, with its scheme named."""
        answer = client.get(f"{BASE}/users/taro/app/confirmations")
        assert_problem(answer, 401, "invalid_app_auth")
        assert answer.headers["www-authenticate"] == "OnetimeToken"


class TestOcra:
    """Offline: the site checks the response the app computed from the account number."""

    def test_accepted_once(self, api, taro):
        """accepted, then the same response is rejected."""
        from onetime.app.confirmations import ocra_response

        response = ocra_response(taro, "1234567", api.clock.now())
        url = api.url("taro", "/ocra-verifications")
        body = {"challenge": "1234567", "response": response}
        assert api.client.post(url, headers=api.headers, json=body).json()["result"] \
            == "accepted"
        assert api.client.post(url, headers=api.headers, json=body).json()["result"] \
            == "rejected"

    @pytest.mark.parametrize(("body", "code"), [
        ({"challenge": "123456", "response": "12345678"}, "invalid_confirmation"),
        ({"challenge": "1234567", "response": "1234"}, "invalid_code_format"),
        ({"challenge": 1234567, "response": "12345678"}, "invalid_confirmation"),
    ])
    def test_malformed(self, api, taro, body, code):
        """422 with a specific code."""
        assert_problem(api.client.post(api.url("taro", "/ocra-verifications"),
                                       headers=api.headers, json=body), 422, code)


class TestOpenApi:
    """The contract shows the new operations and their security."""

    def test_paths_and_schemes(self, client):
        """Site endpoints use the API key; the app's the token MAC."""
        spec = client.get("/openapi.json").json()
        paths = spec["paths"]
        site = "/api/v1/services/{service_id}/users/{user_id}/confirmations"
        app = "/api/v1/services/{service_id}/users/{user_id}/app/confirmations"
        assert paths[site]["post"]["security"] == [{"apiKey": []}]
        assert paths[app]["get"]["security"] == [{"tokenMac": []}]
        approval = paths[app + "/{request_id}/approval"]["post"]
        assert {"403", "404", "409", "410"} <= approval["responses"].keys()
        assert "/api/v1/services/{service_id}/users/{user_id}/ocra-verifications" in paths
