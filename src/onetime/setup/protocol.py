"""Setup protocol v1: SPAKE2 keyed by the activation password, then key confirmation.

    app (A)                                              service (B)
    pw' = argon2id(activation password, salt(service, user))
    start: {service_id, user_id, pake: X}  ───────────▶  checks the issuance, pw' from storage
                                           ◀───────────  {session_id, pake: Y}
    finish: {session_id, confirm: MAC_A}   ───────────▶  checks MAC_A (else: one attempt used)
                                           ◀───────────  {confirm: MAC_B,
                                                          sealed: AES-GCM(K_enc, token)}
    checks MAC_B (else: a fake service), then opens the token

The app proves the key first: were the service to prove first, a guesser could
learn from MAC_B whether its one guess was right without ever sending `finish`,
and so without using up an attempt.

The transcript binds version, both identities, the session and both PAKE messages;
HKDF splits the SPAKE2 key into one MAC key per side and one encryption key.
Nothing sent lets an eavesdropper or a fake peer test password guesses offline:
each run of the exchange tests exactly one guess. See docs/setup-protocol.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass

import spake2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from onetime.crypto import KdfParams, derive_key

VERSION = b"onetime-setup-v1"
SERVER_IDENTITY = b"onetime-service"


class ProtocolError(Exception):
    """A peer's message failed to verify (wrong password, fake peer, corrupted data)."""


def password_salt(service_id: str, user_id: str) -> bytes:
    """Unique per user and known to both sides before any message is exchanged."""
    material = VERSION + b"|" + service_id.encode() + b"|" + user_id.encode()
    return hashlib.sha256(material).digest()[:16]


def activation_aad(institution_id: int, user_id: str, serial: str) -> bytes:
    return f"activation|{institution_id}|{user_id}|{serial}".encode()


def client_identity(service_id: str, user_id: str) -> bytes:
    return f"{service_id}|{user_id}".encode()


@dataclass(frozen=True)
class SessionKeys:
    confirm_client: bytes
    confirm_server: bytes
    encryption: bytes
    transcript: bytes

    def client_mac(self) -> bytes:
        return hmac.new(self.confirm_client, b"client|" + self.transcript, "sha256").digest()

    def server_mac(self) -> bytes:
        return hmac.new(self.confirm_server, b"server|" + self.transcript, "sha256").digest()


def transcript(service_id: str, user_id: str, session_id: str, msg_a: bytes,
               msg_b: bytes) -> bytes:
    parts = [VERSION, client_identity(service_id, user_id), SERVER_IDENTITY,
             session_id.encode(), msg_a, msg_b]
    digest = hashlib.sha256()
    for part in parts:  # length-prefixed so no two transcripts share an encoding
        digest.update(len(part).to_bytes(4, "big") + part)
    return digest.digest()


def derive_session_keys(shared: bytes, transcript_hash: bytes) -> SessionKeys:
    okm = HKDF(algorithm=hashes.SHA256(), length=96, salt=transcript_hash,
               info=VERSION + b" keys").derive(shared)
    return SessionKeys(okm[:32], okm[32:64], okm[64:], transcript_hash)


# -- the app's side ----------------------------------------------------------------


class Client:
    """One setup attempt as the app runs it."""

    def __init__(self, service_id: str, user_id: str, activation_password: str,
                 kdf: KdfParams) -> None:
        self.service_id, self.user_id = service_id, user_id
        derived = derive_key(activation_password, password_salt(service_id, user_id), kdf)
        self._spake = spake2.SPAKE2_A(derived, idA=client_identity(service_id, user_id),
                                      idB=SERVER_IDENTITY)
        self.message = self._spake.start()
        self.keys: SessionKeys | None = None

    def answer(self, session_id: str, msg_b: bytes) -> bytes:
        """Our key confirmation for the service's message. Raises ProtocolError."""
        try:
            shared = self._spake.finish(msg_b)
        except Exception as exc:  # spake2 raises several types for a malformed element
            raise ProtocolError("malformed server message") from exc
        self.keys = derive_session_keys(shared, transcript(self.service_id, self.user_id,
                                                           session_id, self.message, msg_b))
        return self.keys.client_mac()

    def open(self, server_mac: bytes, sealed: bytes) -> dict:
        """Check the service's proof, then decrypt the token. Raises ProtocolError."""
        if self.keys is None:
            raise ProtocolError("answer() first")
        if not hmac.compare_digest(self.keys.server_mac(), server_mac):
            raise ProtocolError("the service could not prove the activation password")
        return open_payload(self.keys, sealed)


# -- the service's side ------------------------------------------------------------


def server_respond(service_id: str, user_id: str, derived_password: bytes, session_id: str,
                   msg_a: bytes) -> tuple[bytes, SessionKeys]:
    """Answer the app's first message: (our message, session keys). Raises ProtocolError."""
    spake = spake2.SPAKE2_B(derived_password, idA=client_identity(service_id, user_id),
                            idB=SERVER_IDENTITY)
    msg_b = spake.start()
    try:
        shared = spake.finish(msg_a)
    except Exception as exc:  # spake2 raises several types for a malformed element
        raise ProtocolError("malformed client message") from exc
    return msg_b, derive_session_keys(
        shared, transcript(service_id, user_id, session_id, msg_a, msg_b))


def seal_payload(keys: SessionKeys, payload: dict) -> bytes:
    nonce = os.urandom(12)
    data = json.dumps(payload, sort_keys=True).encode()
    return nonce + AESGCM(keys.encryption).encrypt(nonce, data, keys.transcript)


def open_payload(keys: SessionKeys, sealed: bytes) -> dict:
    try:
        data = AESGCM(keys.encryption).decrypt(sealed[:12], sealed[12:], keys.transcript)
    except Exception as exc:
        raise ProtocolError("sealed token failed to authenticate") from exc
    return json.loads(data)
