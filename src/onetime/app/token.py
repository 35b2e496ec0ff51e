"""One token as the app holds it: its parameters, its secret, and its current code."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from onetime.crypto import Secret
from onetime.otp import ALGORITHMS, seconds_left, totp

SUPPORTED_KINDS = ("totp",)


class InvalidTokenData(ValueError):
    """A token's parameters from the service (or the vault) are not ones the app can use."""


@dataclass(frozen=True)
class StoredToken:
    """A software token of one institution (`service_id`) for one user."""

    service_id: str
    user_id: str
    institution_name: str
    serial: str
    algorithm: str
    digits: int
    period: int
    secret: Secret
    server_url: str
    added_at: datetime

    @property
    def key(self) -> tuple[str, str]:
        """Identifies a token in the vault: one per user of one institution."""
        return (self.service_id, self.user_id)

    def code_at(self, now: datetime) -> str:
        return totp(self.secret.reveal(), now.timestamp(), digits=self.digits,
                    period=self.period, algorithm=self.algorithm)

    def seconds_left(self, now: datetime) -> int:
        return seconds_left(now.timestamp(), self.period)

    # -- to and from the setup payload and the vault's JSON --------------------------

    @classmethod
    def from_payload(cls, payload: dict, server_url: str, added_at: datetime) -> StoredToken:
        """The token the service sealed for us. Raises InvalidTokenData."""
        try:
            if payload["kind"] not in SUPPORTED_KINDS:
                raise InvalidTokenData(f"unsupported token kind {payload['kind']!r}")
            return cls.from_record({**payload, "server_url": server_url,
                                    "added_at": added_at.isoformat()})
        except (KeyError, TypeError) as exc:
            raise InvalidTokenData(f"incomplete token data: {exc}") from None

    @classmethod
    def from_record(cls, record: dict) -> StoredToken:
        """A token from the vault's JSON. Raises InvalidTokenData."""
        try:
            token = cls(
                service_id=str(record["service_id"]), user_id=str(record["user_id"]),
                institution_name=str(record["institution_name"]),
                serial=str(record["serial"]), algorithm=str(record["algorithm"]),
                digits=int(record["digits"]), period=int(record["period"]),
                secret=Secret(_b32decode(record["secret"])),
                server_url=str(record["server_url"]),
                added_at=datetime.fromisoformat(record["added_at"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidTokenData(f"invalid token data: {exc}") from None
        if token.algorithm not in ALGORITHMS:
            raise InvalidTokenData(f"unsupported algorithm {token.algorithm!r}")
        if not 6 <= token.digits <= 10 or not 1 <= token.period <= 3600:
            raise InvalidTokenData("digits or period out of range")
        if len(token.secret.reveal()) < 16:  # RFC 4226 §4 R6: at least 128 bits
            raise InvalidTokenData("secret too short")
        return token

    def to_record(self) -> dict:
        return {
            "service_id": self.service_id, "user_id": self.user_id,
            "institution_name": self.institution_name, "serial": self.serial,
            "kind": "totp", "algorithm": self.algorithm, "digits": self.digits,
            "period": self.period,
            "secret": base64.b32encode(self.secret.reveal()).decode().rstrip("="),
            "server_url": self.server_url, "added_at": self.added_at.isoformat(),
        }

    def __repr__(self) -> str:  # the dataclass repr is fine (Secret masks itself); be brief
        return f"StoredToken({self.service_id!r}, {self.user_id!r}, serial={self.serial!r})"


def _b32decode(text: str) -> bytes:
    if not isinstance(text, str):
        raise TypeError("secret must be base32 text")
    try:
        return base64.b32decode(text.upper() + "=" * (-len(text) % 8))
    except binascii.Error as exc:
        raise ValueError("secret is not base32") from exc
