"""The app's side over HTTP: /api/v1/setup/start and /finish, and /api/v1/time."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

from onetime.crypto import TEST_KDF
from onetime.setup.protocol import Client
from tests.api.helpers import PASSWORD, SERVICE_ID, assert_problem, http_setup, row_counts

START = "/api/v1/setup/start"
FINISH = "/api/v1/setup/finish"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _start(client, user_id: str, password: str = PASSWORD, service_id: str = SERVICE_ID):
    app = Client(service_id, user_id, password, TEST_KDF)
    response = client.post(START, json={"service_id": service_id, "user_id": user_id,
                                        "pake": _b64(app.message)})
    return app, response


def _finish(client, app: Client, started: dict):
    return client.post(FINISH, json=_finish_body(app, started))


def _finish_body(app: Client, started: dict) -> dict:
    mac = app.answer(started["session_id"], base64.b64decode(started["pake"]))
    return {"session_id": started["session_id"], "confirm": _b64(mac)}


class TestSetup:
    """初期設定 with service ID, user ID and activation password."""

    def test_setup_delivers_the_token_and_activates_it(self, api, client):
        """The sealed token has the institution's parameters; the state is activated."""
        api.issue("taro")
        token = http_setup(client, SERVICE_ID, "taro", "1234")
        assert token["service_id"] == SERVICE_ID
        assert token["user_id"] == "taro"
        assert (token["kind"], token["digits"], token["period"]) == ("totp", 8, 60)
        assert token["serial"] == api.get("taro").json()["serial"]
        assert len(base64.b32decode(token["secret"] + "=" * (-len(token["secret"]) % 8))) == 20
        assert api.get("taro").json()["state"] == "activated"

    def test_start_answers_201_with_a_session(self, api, client):
        """201 {session_id, pake}."""
        api.issue("taro")
        _app, response = _start(client, "taro")
        assert response.status_code == 201
        assert response.json().keys() == {"session_id", "pake"}

    def test_a_wrong_password_is_setup_failed_with_attempts_left(self, api, client):
        """401 setup_failed, attempts_left 4: the guess is counted (and audited)."""
        api.issue("taro")
        app, response = _start(client, "taro", password="9999")
        body = assert_problem(_finish(client, app, response.json()), 401, "setup_failed")
        assert body["attempts_left"] == 4
        assert api.get("taro").json()["state"] == "issued"
        assert api.audit(event="setup_failed").json()["entries"][-1]["detail"] == {
            "attempts_left": 4}

    def test_five_wrong_passwords_void_the_issuance(self, api, client):
        """The fifth answers attempts_left 0, and the issuance is expired."""
        api.issue("taro")
        for left in (4, 3, 2, 1, 0):
            app, response = _start(client, "taro", password="9999")
            body = assert_problem(_finish(client, app, response.json()), 401, "setup_failed")
            assert body["attempts_left"] == left
        assert api.get("taro").json()["state"] == "expired"
        _app, response = _start(client, "taro")
        assert_problem(response, 410, "issuance_expired")

    def test_no_issuance_for_a_never_seen_user(self, client, api_key, ctx):
        """404 no_issuance, nothing written."""
        before = row_counts(ctx)
        _app, response = _start(client, "nobody")
        assert_problem(response, 404, "no_issuance")
        assert row_counts(ctx) == before

    def test_no_issuance_for_an_unknown_service(self, client):
        """An unknown service ID answers like a user without an issuance."""
        _app, response = _start(client, "taro", service_id="9999")
        assert_problem(response, 404, "no_issuance")

    def test_no_issuance_once_set_up(self, api, client):
        """The secret is handed out once: a second setup finds nothing waiting."""
        api.issue("taro")
        api.set_up("taro")
        _app, response = _start(client, "taro")
        assert_problem(response, 404, "no_issuance")

    def test_an_expired_issuance_is_gone(self, api, client, clock):
        """410 issuance_expired after 72 hours."""
        api.issue("taro")
        clock.advance(timedelta(hours=72))
        _app, response = _start(client, "taro")
        assert_problem(response, 410, "issuance_expired")

    def test_setup_during_the_embargo(self, api, client, clock):
        """409 setup_embargoed with setup_available_at (rule 10)."""
        api.active_token("taro")
        revoked = api.revoke("taro").json()
        _app, response = _start(client, "taro")
        body = assert_problem(response, 409, "setup_embargoed")
        assert datetime.fromisoformat(body["setup_available_at"]) == datetime.fromisoformat(
            revoked["setup_available_at"])

    def test_a_finish_is_used_once(self, api, client):
        """Replaying finish: 409 setup_session_invalid, and no attempt is used."""
        api.issue("taro")
        app, response = _start(client, "taro")
        body = _finish_body(app, response.json())
        assert client.post(FINISH, json=body).status_code == 200
        assert_problem(client.post(FINISH, json=body), 409, "setup_session_invalid")

    def test_an_unknown_session(self, client, ctx):
        """409 setup_session_invalid, nothing written."""
        before = row_counts(ctx)
        response = client.post(FINISH, json={"session_id": "nope", "confirm": _b64(b"x" * 32)})
        assert_problem(response, 409, "setup_session_invalid")
        assert row_counts(ctx) == before

    def test_bad_setup_messages(self, api, client, ctx, subtests):
        """422 with a specific code, nothing written."""
        api.issue("taro")
        before = row_counts(ctx)
        for path, body, code in [
            (START, {"service_id": SERVICE_ID, "user_id": "taro", "pake": "not base64!"},
             "invalid_setup_message"),
            (START, {"service_id": SERVICE_ID, "user_id": "-taro", "pake": "AAAA"},
             "invalid_user_id"),
            (START, {"service_id": "00\x002", "user_id": "taro", "pake": "AAAA"},
             "invalid_service_id"),
            (START, {"service_id": SERVICE_ID, "user_id": "taro"}, "invalid_setup_message"),
            (FINISH, {"session_id": "a\x00b", "confirm": "AAAA"}, "invalid_setup_message"),
            (FINISH, {"session_id": "abc", "confirm": "%%%"}, "invalid_setup_message"),
        ]:
            with subtests.test(msg=f"{path} {body}"):
                assert_problem(client.post(path, json=body), 422, code)
        assert row_counts(ctx) == before

    def test_a_malformed_setup_body(self, client):
        """400 malformed_request, as everywhere."""
        response = client.post(START, content=b"[]",
                               headers={"Content-Type": "application/json"})
        assert_problem(response, 400, "malformed_request")


class TestTime:
    """GET /api/v1/time, for the app's clock check; no key."""

    def test_time_answers_now_and_epoch(self, client, clock):
        """RFC 3339 with an offset, and Unix seconds with milliseconds."""
        clock.advance(0.25)
        response = client.get("/api/v1/time")
        assert response.status_code == 200
        body = response.json()
        assert body.keys() == {"now", "epoch"}
        assert datetime.fromisoformat(body["now"]) == clock.now()
        assert body["epoch"] == round(clock.now().timestamp(), 3)
        assert body["epoch"] % 1 == 0.25


class TestDocumentation:
    """/openapi.json and /docs need no key."""

    def test_openapi_is_public(self, client):
        """The contract is served by the service itself."""
        response = client.get("/openapi.json")
        assert response.status_code == 200
        assert response.json()["openapi"].startswith("3.")

    def test_docs_are_public(self, client):
        """Swagger UI."""
        response = client.get("/docs")
        assert response.status_code == 200
        assert "text/html" in response.headers["content-type"]

    def test_every_error_is_documented_as_a_problem(self, client):
        """Each 4xx answer of each operation is application/problem+json with Problem."""
        spec = client.get("/openapi.json").json()
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                for status, answer in operation["responses"].items():
                    if int(status) >= 400:
                        assert answer["content"] == {"application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}}}, (
                            method, path, status)

    def test_service_operations_declare_the_api_key(self, client):
        """Bearer authentication is in the document, setup and time need none."""
        spec = client.get("/openapi.json").json()
        assert spec["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
        for path, item in spec["paths"].items():
            for operation in item.values():
                secured = "security" in operation
                assert secured == path.startswith("/api/v1/services/"), path

    def test_the_import_body_is_pskc(self, client):
        """The import's body is documented as application/pskc+xml."""
        spec = client.get("/openapi.json").json()
        body = spec["paths"]["/api/v1/services/{service_id}/tokens/import"]["post"][
            "requestBody"]
        assert list(body["content"]) == ["application/pskc+xml"]
