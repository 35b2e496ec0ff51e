"""Keys the app and the service derive from the token's secret, delivered at setup.

取引確認 needs three keys beside the TOTP secret: one to authenticate the app's requests
(no API key lives in an app), one to sign a transaction, one for OCRA. Both sides already
hold the secret (the service encrypted at rest), so each is HKDF-SHA256 of it with its own
label and the token's identity: no new key travels, the vault format stays, and a key of
one purpose never MACs another's message. Why HMAC and not Ed25519:
docs/transaction-confirmation.md.
"""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from onetime.otp import OcraSuite, ocra

_SALT = b"onetime-token-keys-v1"
APP_REQUEST_VERSION = "onetime-app-request-v1"
# RFC 6287 Appendix C.1 has vectors for exactly this suite (tests/vectors/rfc-6287.txt): a
# numeric question of up to 8 digits holds a 7-digit account number; T1M makes a response
# good for its minute only, with no counter to keep in step offline.
OCRA_SUITE = OcraSuite.parse("OCRA-1:HOTP-SHA512-8:QN08-T1M")


class Purpose(StrEnum):
    APP_REQUEST = "app-request"
    SIGNATURE = "signature"
    OCRA = "ocra"


def derive(secret: bytes, purpose: Purpose, service_id: str, user_id: str,
           serial: str) -> bytes:
    """The 32-byte key of `purpose` for one token (64 for OCRA's SHA-512 HMAC)."""
    length = 64 if purpose == Purpose.OCRA else 32
    info = f"{purpose.value}|{service_id}|{user_id}|{serial}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=_SALT, info=info).derive(secret)


def sign(key: bytes, canonical: bytes) -> bytes:
    """The app's signature of a transaction's canonical encoding."""
    return hmac.new(key, canonical, hashlib.sha256).digest()


def signature_valid(key: bytes, canonical: bytes, signature: bytes) -> bool:
    return hmac.compare_digest(sign(key, canonical), signature)


def request_mac(key: bytes, *, method: str, path: str, timestamp_ms: int,
                body: bytes) -> bytes:
    """The MAC an app request carries: method, path, time and the body's hash.

    The path binds the user and the request ID; the time is what makes a replay fail
    (the service keeps the last one per token and takes only a later one).
    """
    message = "\n".join((APP_REQUEST_VERSION, method.upper(), path, str(timestamp_ms),
                         hashlib.sha256(body).hexdigest())).encode()
    return hmac.new(key, message, hashlib.sha256).digest()


def ocra_response(key: bytes, challenge: str, unix_time: float) -> str:
    """The 8-digit OCRA response to `challenge` (the payee's account number) at a time.

    Raises ValueError for a challenge that is not 1-8 ASCII digits.
    """
    if not (challenge.isascii() and challenge.isdigit() and 1 <= len(challenge) <= 8):
        raise ValueError("the question must be 1-8 ASCII digits")
    return ocra(OCRA_SUITE, key, question=challenge,
                timestamp=OCRA_SUITE.timestamp_at(unix_time))
