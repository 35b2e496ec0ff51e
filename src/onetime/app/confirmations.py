"""取引確認 in the app: a request as the app shows it, and the signature of what it shows.

The app signs the canonical encoding it builds itself from the fields it displays
(domain/confirmations.py), never bytes the service hands it: what the user approves is
what is signed, and a field changed on the way makes the signature fail at the service.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from onetime.app.token import StoredToken
from onetime.domain.confirmations import TransactionDetails, canonical
from onetime.domain.errors import InvalidConfirmation
from onetime.setup import token_keys
from onetime.setup.token_keys import Purpose


class InvalidRequestData(ValueError):
    """The service sent a request the app cannot show exactly."""


@dataclass(frozen=True)
class PendingConfirmation:
    id: str
    user_id: str
    serial: str
    details: TransactionDetails
    created_at: datetime
    expires_at: datetime

    @classmethod
    def from_document(cls, document: dict) -> PendingConfirmation:
        """Raises InvalidRequestData."""
        try:
            details = TransactionDetails.from_mapping(
                {name: document[name] for name in ("operation", "payee", "amount", "count",
                                                   "total") if document.get(name) is not None})
            return cls(id=str(document["id"]), user_id=str(document["user_id"]),
                       serial=str(document["serial"]), details=details,
                       created_at=_instant(document["created_at"]),
                       expires_at=_instant(document["expires_at"]))
        except (KeyError, TypeError, ValueError, InvalidConfirmation) as exc:
            raise InvalidRequestData(f"invalid confirmation request: {exc}") from None


def signature(token: StoredToken, request: PendingConfirmation) -> bytes:
    """承認: HMAC of the canonical encoding under the token's signature key."""
    key = token_keys.derive(token.secret.reveal(), Purpose.SIGNATURE, token.service_id,
                            token.user_id, token.serial)
    return token_keys.sign(key, canonical(
        request_id=request.id, service_id=token.service_id, user_id=token.user_id,
        serial=token.serial, details=request.details, expires=request.expires_at))


def ocra_response(token: StoredToken, account_number: str, now: datetime) -> str:
    """The offline response code for a payee's account number. Raises ValueError."""
    key = token_keys.derive(token.secret.reveal(), Purpose.OCRA, token.service_id,
                            token.user_id, token.serial)
    return token_keys.ocra_response(key, account_number, now.timestamp())


def request_headers(token: StoredToken, *, method: str, path: str, timestamp_ms: int,
                    body: bytes) -> dict[str, str]:
    """The headers that authenticate one app request (api/routes_app.py)."""
    key = token_keys.derive(token.secret.reveal(), Purpose.APP_REQUEST, token.service_id,
                            token.user_id, token.serial)
    mac = token_keys.request_mac(key, method=method, path=path, timestamp_ms=timestamp_ms,
                                 body=body)
    return {"X-Onetime-Serial": token.serial, "X-Onetime-Time": str(timestamp_ms),
            "X-Onetime-Mac": base64.b64encode(mac).decode()}


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("no offset")
    return value
