"""The app's HTTP client for the OTP service: initial setup (初期設定) and the time check.

The app talks to the service over HTTP only. Each problem document the service
answers becomes one app error (errors.py); anything the service could not have
sent — a bad MAC, a reply that does not decrypt, a malformed document — is a
ProtocolFailure, and nothing is stored.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from ipaddress import ip_address
from urllib.parse import urlsplit

import httpx

from onetime.app import errors
from onetime.app.confirmations import (
    InvalidRequestData,
    PendingConfirmation,
    request_headers,
    signature,
)
from onetime.app.token import InvalidTokenData, StoredToken
from onetime.crypto import KdfParams
from onetime.domain.clock import Clock
from onetime.setup.protocol import Client as SetupExchange
from onetime.setup.protocol import ProtocolError

USER_AGENT = "onetime-token/1"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def check_server_url(url: str) -> str:
    """Return `url` without a trailing slash. Raises InsecureServerUrl.

    https:// anywhere, http:// only to this machine. The PAKE keeps the activation
    password and the secret safe even on plain HTTP, but TLS still hides who sets up
    which token, and the time check (/api/v1/time) is unauthenticated: on an open
    network a man in the middle could skew it and talk the user into a wrong clock.
    Loopback never leaves the machine, so the demo and the tests may skip TLS.
    """
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url.rstrip("/")
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return url.rstrip("/")
    raise errors.InsecureServerUrl(f"use https:// (http:// only for 127.0.0.1): {url}")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


class ServiceClient:
    """Talks to one OTP service. `kdf` must match the service's setup KDF profile."""

    def __init__(self, server_url: str, kdf: KdfParams, clock: Clock, *,
                 http: httpx.Client | None = None) -> None:
        self.server_url = check_server_url(server_url)
        self.kdf = kdf
        self.clock = clock
        self._http = http or httpx.Client(timeout=TIMEOUT,
                                          headers={"User-Agent": USER_AGENT})
        # 取引確認: each request's time is later than the last (the service refuses a replay).
        self._last_ms = 0

    def close(self) -> None:
        self._http.close()

    # -- 初期設定 -------------------------------------------------------------------

    def set_up(self, service_id: str, user_id: str, activation_password: str) -> StoredToken:
        """Run the setup exchange; return the token the service sealed for us.

        Raises WrongActivationPassword, SetupEmbargoed, IssuanceExpired, NoIssuance,
        SetupInterrupted, InvalidInput, ServiceUnreachable, ProtocolFailure.
        """
        exchange = SetupExchange(service_id, user_id, activation_password, self.kdf)
        started = self._post("/api/v1/setup/start", {
            "service_id": service_id, "user_id": user_id, "pake": _b64(exchange.message)},
            expect=201)
        session_id = _field(started, "session_id", str)
        try:
            mac = exchange.answer(session_id, _unb64(_field(started, "pake", str)))
        except ProtocolError as exc:
            raise errors.ProtocolFailure("the service's message is not a valid PAKE element") \
                from exc
        finished = self._post("/api/v1/setup/finish",
                              {"session_id": session_id, "confirm": _b64(mac)}, expect=200)
        try:
            payload = exchange.open(_unb64(_field(finished, "confirm", str)),
                                    _unb64(_field(finished, "sealed", str)))
        except ProtocolError as exc:
            raise errors.ProtocolFailure(str(exc)) from exc
        if (payload.get("service_id"), payload.get("user_id")) != (service_id, user_id):
            raise errors.ProtocolFailure("the sealed token names another user")
        try:
            return StoredToken.from_payload(payload, self.server_url, self.clock.now())
        except InvalidTokenData as exc:
            raise errors.ProtocolFailure(str(exc)) from exc

    # -- 時刻確認 -------------------------------------------------------------------

    def server_time(self) -> datetime:
        """The service's clock. Raises ServiceUnreachable, ProtocolFailure."""
        body = self._request("GET", "/api/v1/time", None, expect=200)
        epoch = _field(body, "epoch", (int, float))
        return datetime.fromtimestamp(float(epoch), UTC)

    # -- 取引確認 -------------------------------------------------------------------

    def pending_confirmations(self, token: StoredToken) -> list[PendingConfirmation]:
        """The requests waiting for this token, oldest first.

        Raises TokenRefused, ServiceUnreachable, ProtocolFailure.
        """
        body = self._as_token(token, "GET", "/confirmations", None)
        items = body.get("confirmations")
        if not isinstance(items, list):
            raise errors.ProtocolFailure("the reply has no valid 'confirmations'")
        try:
            pending = [PendingConfirmation.from_document(item) for item in items]
        except InvalidRequestData as exc:
            raise errors.ProtocolFailure(str(exc)) from None
        if any((p.user_id, p.serial) != (token.user_id, token.serial) for p in pending):
            raise errors.ProtocolFailure("a request names another token")
        return pending

    def approve(self, token: StoredToken, request: PendingConfirmation) -> None:
        """承認: sign what the app shows. Raises ConfirmationClosed, TokenRefused,
        ServiceUnreachable, ProtocolFailure (the service holds other details)."""
        self._as_token(token, "POST", f"/confirmations/{request.id}/approval",
                       {"signature": _b64(signature(token, request))})

    def reject(self, token: StoredToken, request: PendingConfirmation) -> None:
        """否認. Raises ConfirmationClosed, TokenRefused, ServiceUnreachable."""
        self._as_token(token, "POST", f"/confirmations/{request.id}/rejection", {})

    def _as_token(self, token: StoredToken, method: str, path: str,
                  body: dict | None) -> dict:
        path = f"/api/v1/services/{token.service_id}/users/{token.user_id}/app{path}"
        content = b"" if body is None else json.dumps(body).encode()
        self._last_ms = max(int(self.clock.now().timestamp() * 1000), self._last_ms + 1)
        headers = request_headers(token, method=method, path=path,
                                  timestamp_ms=self._last_ms, body=content)
        if body is not None:
            headers["Content-Type"] = "application/json"
        return self._request(method, path, None, 200, content=content, headers=headers,
                             base=check_server_url(token.server_url))

    # -- HTTP -----------------------------------------------------------------------

    def _post(self, path: str, body: dict, expect: int) -> dict:
        return self._request("POST", path, body, expect)

    def _request(self, method: str, path: str, body: dict | None, expect: int, *,
                 content: bytes | None = None, headers: dict | None = None,
                 base: str | None = None) -> dict:
        try:
            if content is None:
                response = self._http.request(method, (base or self.server_url) + path,
                                              json=body, headers=headers)
            else:
                response = self._http.request(method, (base or self.server_url) + path,
                                              content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise errors.ServiceUnreachable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise errors.ServiceUnreachable(f"the service answered {response.status_code}")
        try:
            document = response.json()
        except ValueError:
            raise errors.ProtocolFailure("the reply is not JSON") from None
        if not isinstance(document, dict):
            raise errors.ProtocolFailure("the reply is not a JSON object")
        if response.status_code == expect:
            return document
        raise problem_error(response.status_code, document)


def problem_error(status: int, problem: dict) -> errors.AppError:
    """The app error for one problem document (RFC 9457) of the setup endpoints."""
    code = problem.get("code")
    detail = str(problem.get("detail") or code)
    if code == "setup_failed":
        left = problem.get("attempts_left")
        if isinstance(left, int) and not isinstance(left, bool) and left >= 0:
            return errors.WrongActivationPassword(left)
    elif code == "setup_embargoed":
        try:
            return errors.SetupEmbargoed(_instant(problem["setup_available_at"]))
        except (KeyError, TypeError, ValueError):
            pass
    elif code == "issuance_expired":
        return errors.IssuanceExpired(detail)
    elif code == "no_issuance":
        return errors.NoIssuance(detail)
    elif code == "setup_session_invalid":
        return errors.SetupInterrupted(detail)
    elif code in ("confirmation_not_found", "confirmation_not_pending",
                  "confirmation_expired", "confirmation_voided"):
        return errors.ConfirmationClosed(detail)
    elif code == "invalid_app_auth":
        return errors.TokenRefused(detail)
    elif code == "bad_signature":
        return errors.ProtocolFailure("the service holds other details than those shown")
    elif status == 422 or code in ("invalid_user_id", "invalid_service_id",
                                   "malformed_request"):
        return errors.InvalidInput(detail)
    return errors.ProtocolFailure(f"unexpected answer {status} {code!r}")


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("no offset")
    return value.astimezone(UTC)


def _field(document: dict, name: str, kind: type | tuple[type, ...]):
    value = document.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise errors.ProtocolFailure(f"the reply has no valid {name!r}")
    return value


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise errors.ProtocolFailure("the reply is not base64") from None
