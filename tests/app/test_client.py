"""The setup protocol as the app runs it, against the real service and against liars."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import spake2

from onetime.app import errors
from onetime.app.client import ServiceClient, check_server_url, problem_error
from onetime.app.i18n import Translator, describe
from onetime.crypto import TEST_KDF, derive_key
from onetime.domain.tokens import TokenState
from onetime.otp import totp
from onetime.setup.protocol import (
    SERVER_IDENTITY,
    Client,
    client_identity,
    derive_session_keys,
    password_salt,
    seal_payload,
    transcript,
)

JST_2100 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # 21:00 in Tokyo


class TestServerUrl:
    """Only TLS, or plain HTTP that never leaves the machine."""

    @pytest.mark.parametrize("url", ["https://otp.bank.example.jp", "http://127.0.0.1:8000",
                                     "http://localhost:8000/", "http://[::1]:8000"])
    def test_accepted(self, url):
        """https anywhere; http to loopback."""
        assert check_server_url(url) == url.rstrip("/")

    @pytest.mark.parametrize("url", ["http://otp.bank.example.jp", "http://10.0.0.5:8000",
                                     "ftp://127.0.0.1", "127.0.0.1:8000", "https://"])
    def test_refused(self, url):
        """Plain http to another host, or no scheme or host, is refused."""
        with pytest.raises(errors.InsecureServerUrl):
            check_server_url(url)


class TestSetupAgainstTheService:
    """The app and the real service agree on the token; each failure has its own error."""

    def test_setup_gives_a_token_the_service_accepts(self, stack):
        """The secret from setup makes codes the service confirms and then verifies."""
        stack.issue()
        token = stack.client().set_up("0001", "taro", "1234")
        assert (token.service_id, token.user_id) == ("0001", "taro")
        assert token.institution_name == "茨城テスト信用組合"
        assert (token.digits, token.period, token.algorithm) == (8, 60, "sha1")
        assert stack.token().state == TokenState.ACTIVATED
        now = stack.clock.now()
        answer = stack.services.tokens.confirm(stack.institution, "taro", token.code_at(now))
        assert answer.result == "accepted"
        stack.clock.advance(60)
        answer = stack.services.tokens.verify(stack.institution, "taro",
                                              token.code_at(stack.clock.now()), "transfer")
        assert answer.result == "accepted"

    def test_wrong_password_says_attempts_left(self, stack):
        """A wrong activation password costs one attempt of five, and says so."""
        stack.issue()
        with pytest.raises(errors.WrongActivationPassword) as caught:
            stack.client().set_up("0001", "taro", "9999")
        assert caught.value.attempts_left == 4
        assert "残り 4 回" in describe(caught.value, Translator("ja"), stack.clock.now())
        stack.client().set_up("0001", "taro", "1234")  # the issuance is still usable

    def test_fifth_wrong_password_voids_the_issuance(self, stack):
        """After five wrong passwords even the right one meets an expired issuance."""
        stack.issue()
        for left in (4, 3, 2, 1, 0):
            with pytest.raises(errors.WrongActivationPassword) as caught:
                stack.client().set_up("0001", "taro", "0000")
            assert caught.value.attempts_left == left
        with pytest.raises(errors.IssuanceExpired):
            stack.client().set_up("0001", "taro", "1234")

    def test_embargo_after_a_revocation_at_2100_names_0810(self, stack):
        """A revocation at 21:00 JST holds setup closed until 8:10, and the app says so."""
        stack.clock.set(JST_2100 - timedelta(minutes=5))
        stack.issue()
        stack.client().set_up("0001", "taro", "1234")
        stack.clock.set(JST_2100)
        stack.services.tokens.revoke(stack.institution, "taro", actor="user:admin",
                                     reason="phone change")
        with pytest.raises(errors.SetupEmbargoed) as caught:
            stack.client().set_up("0001", "taro", "1234")
        assert caught.value.available_at == datetime(2026, 11, 26, 23, 10, tzinfo=UTC)
        assert describe(caught.value, Translator("ja"), stack.clock.now()) == \
            "初期設定は 8:10 以降に可能です"

    def test_never_issued(self, stack):
        """No issuance: its own message."""
        with pytest.raises(errors.NoIssuance):
            stack.client().set_up("0001", "nobody", "1234")

    def test_unknown_service_id_looks_like_no_issuance(self, stack):
        """Service IDs cannot be probed through setup."""
        with pytest.raises(errors.NoIssuance):
            stack.client().set_up("9999", "taro", "1234")

    def test_issuance_expires_after_72_hours(self, stack):
        """An issuance left for three days has expired."""
        stack.issue()
        stack.clock.advance(timedelta(hours=73))
        with pytest.raises(errors.IssuanceExpired):
            stack.client().set_up("0001", "taro", "1234")

    def test_set_up_twice_finds_no_issuance(self, stack):
        """The secret is handed out once."""
        stack.issue()
        stack.client().set_up("0001", "taro", "1234")
        with pytest.raises(errors.NoIssuance):
            stack.client().set_up("0001", "taro", "1234")

    def test_service_down_is_unreachable(self, clock):
        """Connection refused is ServiceUnreachable, not a crash."""
        client = ServiceClient("http://127.0.0.1:9", TEST_KDF, clock)
        with pytest.raises(errors.ServiceUnreachable):
            client.set_up("0001", "taro", "1234")

    def test_server_time(self, stack):
        """/api/v1/time is the service's clock."""
        assert stack.client().server_time() == stack.clock.now()


# -- a malicious peer on either side -------------------------------------------------------


def _post(stack, path: str, body: dict) -> httpx.Response:
    return stack.http.post(path, json=body)


class TestMaliciousApp:
    """A client that does not know the activation password gets nothing but a failure."""

    def test_wrong_password_gets_no_token(self, stack):
        """The service answers a bad key confirmation with a problem, no MAC, no ciphertext."""
        stack.issue()
        liar = Client("0001", "taro", "9999", TEST_KDF)
        started = _post(stack, "/api/v1/setup/start", {
            "service_id": "0001", "user_id": "taro",
            "pake": base64.b64encode(liar.message).decode()}).json()
        mac = liar.answer(started["session_id"], base64.b64decode(started["pake"]))
        finish = _post(stack, "/api/v1/setup/finish", {
            "session_id": started["session_id"], "confirm": base64.b64encode(mac).decode()})
        assert finish.status_code == 401
        assert finish.json()["code"] == "setup_failed"
        assert "sealed" not in finish.json()
        assert "confirm" not in finish.json()

    def test_random_confirmation_gets_no_token(self, stack):
        """Guessing the MAC without any PAKE work fails the same way."""
        stack.issue()
        liar = Client("0001", "taro", "1234", TEST_KDF)
        started = _post(stack, "/api/v1/setup/start", {
            "service_id": "0001", "user_id": "taro",
            "pake": base64.b64encode(liar.message).decode()}).json()
        finish = _post(stack, "/api/v1/setup/finish", {
            "session_id": started["session_id"], "confirm": base64.b64encode(b"\0" * 32).decode()})
        assert finish.status_code == 401
        assert "sealed" not in finish.json()

    def test_garbage_pake_message_is_refused_without_counting(self, stack):
        """A message that is no group element gets a problem and uses no attempt."""
        stack.issue()
        started = _post(stack, "/api/v1/setup/start", {
            "service_id": "0001", "user_id": "taro",
            "pake": base64.b64encode(b"A" + b"\x01" * 32).decode()})
        assert started.status_code in (409, 422)
        for _ in range(4):
            with pytest.raises(errors.WrongActivationPassword):
                stack.client().set_up("0001", "taro", "0000")
        stack.client().set_up("0001", "taro", "1234")  # 4 failures, not 5: still usable


class TestReplayAndInterruption:
    """A replayed or half-finished exchange fails and leaves the issuance usable."""

    def _start(self, stack, password: str = "1234"):  # noqa: S107 - a test's password
        exchange = Client("0001", "taro", password, TEST_KDF)
        started = _post(stack, "/api/v1/setup/start", {
            "service_id": "0001", "user_id": "taro",
            "pake": base64.b64encode(exchange.message).decode()}).json()
        return exchange, started

    def test_half_finished_exchange_leaves_the_issuance_usable(self, stack):
        """A start without a finish changes nothing."""
        stack.issue()
        for _ in range(6):  # more than the five attempts
            self._start(stack)
        assert stack.token().state == TokenState.ISSUED
        stack.client().set_up("0001", "taro", "1234")

    def test_replayed_finish_is_refused_and_not_counted(self, stack):
        """A finish replayed after a failure is refused as an invalid session, uncounted."""
        stack.issue()
        exchange, started = self._start(stack, "9999")
        mac = exchange.answer(started["session_id"], base64.b64decode(started["pake"]))
        body = {"session_id": started["session_id"], "confirm": base64.b64encode(mac).decode()}
        assert _post(stack, "/api/v1/setup/finish", body).status_code == 401
        for _ in range(5):
            replay = _post(stack, "/api/v1/setup/finish", body)
            assert replay.status_code == 409
            assert isinstance(problem_error(409, replay.json()), errors.SetupInterrupted)
        stack.client().set_up("0001", "taro", "1234")  # one failure counted, not six

    def test_replayed_finish_after_success_gets_no_second_copy(self, stack):
        """The sealed token is sent once; a replay of the good finish gets a problem."""
        stack.issue()
        exchange, started = self._start(stack)
        mac = exchange.answer(started["session_id"], base64.b64decode(started["pake"]))
        body = {"session_id": started["session_id"], "confirm": base64.b64encode(mac).decode()}
        assert _post(stack, "/api/v1/setup/finish", body).status_code == 200
        replay = _post(stack, "/api/v1/setup/finish", body)
        assert replay.status_code == 409
        assert "sealed" not in replay.json()

    def test_timed_out_session_is_refused_and_the_issuance_stays(self, stack):
        """A finish after the session's 5 minutes is refused; a new exchange works."""
        stack.issue()
        exchange, started = self._start(stack)
        mac = exchange.answer(started["session_id"], base64.b64decode(started["pake"]))
        stack.clock.advance(timedelta(minutes=6))
        late = _post(stack, "/api/v1/setup/finish", {
            "session_id": started["session_id"], "confirm": base64.b64encode(mac).decode()})
        assert late.status_code == 409
        stack.client().set_up("0001", "taro", "1234")

    def test_replayed_start_message_gives_the_eavesdropper_nothing(self, stack):
        """Replaying the app's start gets a new session whose key the replayer lacks."""
        stack.issue()
        exchange = Client("0001", "taro", "1234", TEST_KDF)
        body = {"service_id": "0001", "user_id": "taro",
                "pake": base64.b64encode(exchange.message).decode()}
        first = _post(stack, "/api/v1/setup/start", body).json()
        second = _post(stack, "/api/v1/setup/start", body).json()
        assert first["session_id"] != second["session_id"]
        assert first["pake"] != second["pake"]  # fresh server randomness per session
        stack.client().set_up("0001", "taro", "1234")


class FakeServer:
    """A server that does not know the activation password (phishing, DNS spoofing)."""

    def __init__(self, *, guess: str = "0000", tamper: bool = False) -> None:
        self.guess = guess
        self.tamper = tamper
        self.macs: list[bytes] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if request.url.path.endswith("/start"):
            user = (body["service_id"], body["user_id"])
            derived = derive_key(self.guess, password_salt(*user), TEST_KDF)
            spake = spake2.SPAKE2_B(derived, idA=client_identity(*user), idB=SERVER_IDENTITY)
            msg_b = spake.start()
            msg_a = base64.b64decode(body["pake"])
            self.keys = derive_session_keys(spake.finish(msg_a),
                                            transcript(*user, "s1", msg_a, msg_b))
            return httpx.Response(201, json={"session_id": "s1",
                                             "pake": base64.b64encode(msg_b).decode()})
        self.macs.append(base64.b64decode(body["confirm"]))
        sealed = seal_payload(self.keys, {"service_id": "0001", "user_id": "taro",
                                          "institution_name": "偽銀行", "serial": "X",
                                          "kind": "totp", "algorithm": "sha1", "digits": 8,
                                          "period": 60, "secret": "A" * 32,
                                          "server_time": "2026-11-26T01:00:00+00:00"})
        mac = self.keys.server_mac()
        if self.tamper:
            sealed = sealed[:-1] + bytes([sealed[-1] ^ 1])
        return httpx.Response(200, json={"confirm": base64.b64encode(mac).decode(),
                                         "sealed": base64.b64encode(sealed).decode()})


def _client_against(server, clock) -> ServiceClient:
    return ServiceClient("https://otp.bank.example.jp", TEST_KDF, clock,
                         http=httpx.Client(transport=httpx.MockTransport(server)))


class TestMaliciousService:
    """The app stores nothing from a server that cannot prove the activation password."""

    def test_fake_server_is_detected(self, clock):
        """A server with the wrong password cannot make the app accept its token."""
        with pytest.raises(errors.ProtocolFailure):
            _client_against(FakeServer(guess="0000"), clock).set_up("0001", "taro", "1234")

    def test_fake_server_learns_one_guess_per_run(self, clock):
        """Offline, the fake server can test only the password it committed to in its message."""
        server = FakeServer(guess="0000")
        with pytest.raises(errors.ProtocolFailure):
            _client_against(server, clock).set_up("0001", "taro", "1234")
        # The app's MAC does not match the server's own guess …
        assert server.macs[0] != server.keys.client_mac()
        # … and there is no other key for it to try: its SPAKE2 state is spent.

    def test_tampered_sealed_token_is_refused(self, clock):
        """A man in the middle who flips a bit of the sealed token is caught by AES-GCM."""
        server = FakeServer(guess="1234", tamper=True)
        with pytest.raises(errors.ProtocolFailure):
            _client_against(server, clock).set_up("0001", "taro", "1234")

    def test_honest_mock_server_with_right_password_works(self, clock):
        """The same mock with the right password and no tampering passes: the checks are fair."""
        token = _client_against(FakeServer(guess="1234"), clock).set_up("0001", "taro", "1234")
        assert token.institution_name == "偽銀行"

    @pytest.mark.parametrize("reply", [
        httpx.Response(201, text="not json"),
        httpx.Response(201, json=["a list"]),
        httpx.Response(201, json={"session_id": "s", "pake": "***"}),
        httpx.Response(201, json={"session_id": 5, "pake": "AAAA"}),
        httpx.Response(418, json={"code": "teapot"}),
    ])
    def test_malformed_replies_are_protocol_failures(self, clock, reply):
        """Whatever a broken or hostile server sends, the app raises one known error."""
        with pytest.raises(errors.ProtocolFailure):
            _client_against(lambda _request: reply, clock).set_up("0001", "taro", "1234")

    def test_server_error_is_unreachable(self, clock):
        """A 5xx is the service's trouble, not an answer."""
        with pytest.raises(errors.ServiceUnreachable):
            _client_against(lambda _request: httpx.Response(503, text="busy"), clock).set_up(
                "0001", "taro", "1234")

    def test_payload_for_another_user_is_refused(self, clock):
        """A sealed token naming someone else is not stored, even from a server that knows
        the password (it seals taro's token for jiro's exchange)."""
        server = FakeServer(guess="1234")
        client = _client_against(server, clock)
        with pytest.raises(errors.ProtocolFailure):
            client.set_up("0001", "jiro", "1234")  # the fake seals for taro


def test_codes_match_rfc_vector_through_the_client_path(stack):
    """The app's code is the service's TOTP (60 s, 8 digits) at the same instant."""
    stack.issue()
    token = stack.client().set_up("0001", "taro", "1234")
    now = stack.clock.now()
    assert token.code_at(now) == totp(token.secret.reveal(), now.timestamp())
