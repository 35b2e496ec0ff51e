"""`KeyProvider`: where encryption and MAC keys live, and the only code that touches them."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class KeyProvider(Protocol):
    """Holds the encryption keys and the MAC root key, and uses them.

    This protocol is the seam for a hardware security module (PKCS#11) or a
    cloud KMS: key material never has to leave the provider, because callers
    only ask it to encrypt, decrypt and MAC. An HSM provider maps `encrypt`
    and `decrypt` to AES-GCM (CKM_AES_GCM) or to envelope encryption under a
    wrapping key, and `mac` to an HMAC key per purpose; `FileKeyProvider` is
    the embedded default that keeps the keys in one file.

    Encryption keys rotate: `add_key` makes a new active key, and older keys
    stay so that older blobs still decrypt. The MAC root key does not rotate,
    because MACs are stored (API-key hashes, the audit hash chain) and must
    stay verifiable after a rotation.
    """

    def key_ids(self) -> list[str]:
        """Return the ids of every encryption key held, active one included."""
        ...

    def active_key_id(self) -> str:
        """Return the id of the key that new encryptions use."""
        ...

    def encrypt(self, key_id: str, plaintext: bytes, aad: bytes) -> bytes:
        """Encrypt and authenticate `plaintext`, bound to `aad`, under `key_id`.

        Raises UnknownKey if the provider has no such key.
        """
        ...

    def decrypt(self, key_id: str, blob: bytes, aad: bytes) -> bytes:
        """Return the plaintext of `blob`, checking it against `aad`.

        Raises UnknownKey if the provider has no such key, and
        DecryptionFailed if the blob was altered or `aad` differs from the
        one it was encrypted with.
        """
        ...

    def add_key(self) -> str:
        """Create a new encryption key, make it active and return its id."""
        ...

    def mac(self, purpose: str, data: bytes) -> bytes:
        """Return HMAC-SHA256 of `data` under a key derived for `purpose`.

        Each purpose gets its own key (derived from the MAC root key), so a
        MAC made for one purpose is worthless for another. Raises ValueError
        for an empty purpose.
        """
        ...
