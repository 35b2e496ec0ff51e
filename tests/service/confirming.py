"""The user's app, as far as 取引確認 goes: it authenticates its requests and signs."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from onetime.domain.confirmations import Confirmation, canonical
from onetime.service.confirmations import AppRequest, AppSession
from onetime.setup import token_keys
from onetime.setup.token_keys import Purpose

from .world import Bank

PAYEE = {"bank_code": "0001", "bank_name": "みずほ銀行", "branch_code": "100",
         "branch_name": "東京営業部", "account_type": "ordinary", "account_number": "1234567",
         "account_name": "ｶ)ﾄｳｷﾖｳｼﾖｳｼﾞ"}
TRANSFER = {"operation": "transfer", "payee": PAYEE, "amount": 1_250_000}


def details(**changes) -> dict:
    out = copy.deepcopy(TRANSFER)
    for name, value in changes.items():
        if name in PAYEE:
            out["payee"][name] = value
        else:
            out[name] = value
    return out


@dataclass
class App:
    """One user's token app: the secret it got at setup and the serial it names."""

    bank: Bank
    user_id: str
    secret: bytes
    last_ms: int = 0

    @property
    def serial(self) -> str:
        return self.bank.token(self.user_id).serial

    def key(self, purpose: Purpose) -> bytes:
        return token_keys.derive(self.secret, purpose, self.bank.institution.service_id,
                                 self.user_id, self.serial)

    def request(self, method: str = "GET", path: str = "/confirmations", body: bytes = b"",
                *, timestamp_ms: int | None = None) -> AppRequest:
        """A request with a fresh, later time (as the app's clock gives), MAC'd."""
        if timestamp_ms is None:
            timestamp_ms = max(int(self.bank.clock.now().timestamp() * 1000),
                               self.last_ms + 1)
        self.last_ms = timestamp_ms
        mac = token_keys.request_mac(self.key(Purpose.APP_REQUEST), method=method,
                                     path=path, timestamp_ms=timestamp_ms, body=body)
        return AppRequest(self.bank.institution.service_id, self.user_id, self.serial,
                          timestamp_ms, mac, method, path, body)

    def session(self) -> AppSession:
        return self.bank.services.confirmations.authenticate_app(self.request())

    def sign(self, request: Confirmation) -> bytes:
        """What 承認 sends: the signature over what the app shows."""
        encoded = canonical(request_id=request.id,
                            service_id=self.bank.institution.service_id,
                            user_id=request.user_id, serial=request.serial,
                            details=request.details, expires=request.expires_at)
        return token_keys.sign(self.key(Purpose.SIGNATURE), encoded)
