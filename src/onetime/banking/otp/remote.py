"""`RemoteOtp`: the OTP service over HTTP API v1, with the institution's API key.

Problem documents come back as the domain errors the service raised (by their `code`),
so the site's services and pages answer exactly as with LocalOtp.
"""

from __future__ import annotations

from datetime import datetime

import httpx

from onetime.domain import errors as e
from onetime.domain.confirmations import ID_PATTERN, ConfirmationState, TransactionDetails
from onetime.domain.documents import ConfirmationDocument, TokenDocument, Verification
from onetime.domain.tokens import TokenState
from onetime.domain.verification import Result

_DETAILS = ("operation", "payee", "amount", "count", "total")
_TIMES = ("issued_at", "expires_at", "activated_at", "confirmed_at", "suspended_at",
          "revoked_at", "setup_available_at")


def _errors(cls: type[e.OnetimeError] = e.OnetimeError) -> dict[str, type[e.OnetimeError]]:
    found: dict[str, type[e.OnetimeError]] = {}
    for sub in cls.__subclasses__():
        found.update(_errors(sub))
        found.setdefault(sub.code, sub)
    return found


ERRORS = _errors()


def token_document(data: dict) -> TokenDocument:
    times = {k: datetime.fromisoformat(data[k]) if data.get(k) else None for k in _TIMES}
    return TokenDocument(user_id=data["user_id"], state=TokenState(data["state"]),
                     serial=data.get("serial"), attempts_left=data.get("attempts_left"),
                     **times)


def verification(data: dict) -> Verification:
    return Verification(Result(data["result"]), data.get("attempts_left"),
                      TokenState(data["state"]))


def confirmation_document(data: dict) -> ConfirmationDocument:
    details = TransactionDetails.from_mapping({k: data[k] for k in _DETAILS
                                               if data.get(k) is not None})
    return ConfirmationDocument(
        id=data["id"], user_id=data["user_id"], serial=data["serial"],
        state=ConfirmationState(data["state"]), details=details,
        created_at=datetime.fromisoformat(data["created_at"]),
        expires_at=datetime.fromisoformat(data["expires_at"]),
        decided_at=datetime.fromisoformat(data["decided_at"]) if data.get("decided_at")
        else None)


def _request_id(request_id: str) -> None:
    # It becomes part of a URL path: anything but an ID the service gives cannot name one.
    if not isinstance(request_id, str) or not ID_PATTERN.fullmatch(request_id):
        raise e.ConfirmationNotFound("no such confirmation request")


def error_of(response: httpx.Response) -> Exception:
    """The domain error a problem document stands for."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    code, detail = body.get("code", ""), body.get("detail") or response.reason_phrase
    if response.status_code == 503 or code == "service_unavailable":
        return e.ServiceUnavailable(detail)
    if code == "setup_embargoed":
        return e.SetupEmbargoed(datetime.fromisoformat(body["setup_available_at"]))
    if code == "setup_failed":
        return e.SetupFailed(body.get("attempts_left"))
    cls = ERRORS.get(code)
    if cls is None:
        return e.ServiceUnavailable(f"the OTP service answered {response.status_code}")
    return cls(detail)


class RemoteOtp:
    """OtpService over /api/v1/services/{service_id}/…; one API key per service ID."""

    def __init__(self, base_url: str, api_keys: dict[str, str], *,
                 client: httpx.Client | None = None, timeout: float = 10.0) -> None:
        self.api_keys = api_keys
        self.http = client or httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)

    def _call(self, method: str, service_id: str, path: str, body: dict | None = None):
        url = f"/api/v1/services/{service_id}{path}"
        headers = {"Authorization": f"Bearer {self.api_keys.get(service_id, '')}"}
        try:
            response = self.http.request(method, url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise e.ServiceUnavailable("the OTP service does not answer") from exc
        if response.status_code >= 400:
            raise error_of(response)
        return response.json()

    def get_token(self, service_id, user_id):
        return token_document(self._call("GET", service_id, f"/users/{user_id}/token"))

    def issue_token(self, service_id, user_id, email, activation_password, *, actor=None,
                    source_ip=None):
        # The API records the user as the actor of an issuance; the site's own trail
        # keeps who pressed the button.
        return token_document(self._call("POST", service_id, f"/users/{user_id}/token",
                                     {"email": email,
                                      "activation_password": activation_password}))

    def confirm(self, service_id, user_id, code, *, source_ip=None):
        return verification(self._call("POST", service_id,
                                      f"/users/{user_id}/token/confirmation", {"code": code}))

    def verify(self, service_id, user_id, code, operation, *, source_ip=None):
        return verification(self._call("POST", service_id, f"/users/{user_id}/verifications",
                                      {"code": code, "operation": str(operation)}))

    def release(self, service_id, user_id, *, actor, reason, source_ip=None):
        return token_document(self._call("POST", service_id, f"/users/{user_id}/token/release",
                                     {"actor": actor, "reason": reason}))

    def revoke(self, service_id, user_id, *, actor, reason, source_ip=None):
        return token_document(self._call("POST", service_id,
                                     f"/users/{user_id}/token/revocation",
                                     {"actor": actor, "reason": reason}))

    def void_issuance(self, service_id, user_id, *, actor, reason, source_ip=None):
        return token_document(self._call("POST", service_id,
                                     f"/users/{user_id}/token/issuance-reset",
                                     {"actor": actor, "reason": reason}))

    def request_confirmation(self, service_id, user_id, details, *, actor=None,
                             source_ip=None):
        return confirmation_document(self._call("POST", service_id,
                                                f"/users/{user_id}/confirmations",
                                                details.to_mapping()))

    def confirmation(self, service_id, user_id, request_id):
        _request_id(request_id)
        return confirmation_document(self._call(
            "GET", service_id, f"/users/{user_id}/confirmations/{request_id}"))

    def execute_confirmation(self, service_id, user_id, request_id, details, *, actor=None,
                             source_ip=None):
        _request_id(request_id)
        return confirmation_document(self._call(
            "POST", service_id, f"/users/{user_id}/confirmations/{request_id}/execution",
            details.to_mapping()))

    def verify_ocra(self, service_id, user_id, challenge, response, *, source_ip=None):
        return verification(self._call("POST", service_id,
                                       f"/users/{user_id}/ocra-verifications",
                                       {"challenge": challenge, "response": response}))

    def close(self) -> None:
        self.http.close()
