"""API keys of the banking backends: made once, stored only as a keyed hash."""

from __future__ import annotations

import hmac
import re
import secrets

from onetime.crypto.keyring import KeyRing
from onetime.crypto.secret import Secret

# The MAC purpose: API-key hashes must stay valid across encryption key rotations.
API_KEY_PURPOSE = "api-key"
_RANDOM_BYTES = 32  # 256 bits: secrets.token_urlsafe turns it into 43 characters
# RFC 6750 b64token characters, so the whole key is a valid Bearer token.
_SERVICE_ID = re.compile(r"[A-Za-z0-9._~+/-]+")


def new_api_key(service_id: str) -> Secret:
    """Return a new key ``ot_<service_id>_<43 random url-safe characters>``.

    The service id in it tells an operator (and a secret scanner) whose key
    a leaked string is; authentication does not rely on it. Raises
    ValueError if `service_id` is empty or has characters a Bearer token
    cannot carry.
    """
    if not _SERVICE_ID.fullmatch(service_id):
        raise ValueError("service_id must be 1 or more of A-Z a-z 0-9 . _ ~ + / -")
    return Secret(f"ot_{service_id}_{secrets.token_urlsafe(_RANDOM_BYTES)}")


def api_key_hash(keyring: KeyRing, api_key: str | Secret) -> bytes:
    """Return the keyed hash of an API key, the only form the service stores.

    A keyed hash (not a plain SHA-256) so that a database dump alone does
    not let anyone test guesses offline.
    """
    raw = api_key.reveal() if isinstance(api_key, Secret) else api_key.encode("utf-8")
    return keyring.mac(API_KEY_PURPOSE, raw)


def api_key_matches(keyring: KeyRing, api_key: str | Secret, stored_hash: bytes) -> bool:
    """Say whether `api_key` hashes to `stored_hash`, in constant time."""
    return hmac.compare_digest(api_key_hash(keyring, api_key), stored_hash)
