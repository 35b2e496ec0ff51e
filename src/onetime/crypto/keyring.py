"""`KeyRing`: how the rest of onetime encrypts secrets at rest and makes MACs.

It adds the policy around a `KeyProvider` (new ciphertexts use the active
key; a ciphertext is always bound to its row) and re-exports the provider
types and errors, so callers import key handling from one place.
"""

from __future__ import annotations

from onetime.crypto.errors import CryptoError, DecryptionFailed, KeyFileMissing, UnknownKey
from onetime.crypto.filekeys import FileKeyProvider
from onetime.crypto.provider import KeyProvider
from onetime.crypto.secret import Secret

__all__ = [
    "CryptoError",
    "DecryptionFailed",
    "FileKeyProvider",
    "KeyFileMissing",
    "KeyProvider",
    "KeyRing",
    "UnknownKey",
]


class KeyRing:
    """Encrypts under the active key, decrypts under any key the provider holds.

    Every ciphertext is bound to its row by associated data (AAD), e.g.
    ``b"token|<institution>|<user>|<serial>"``: a blob copied into another
    row does not decrypt there, so a database writer cannot swap one user's
    secret for another's. Store the key id returned by `encrypt` next to the
    blob; `decrypt` needs it.
    """

    def __init__(self, provider: KeyProvider) -> None:
        self._provider = provider

    @property
    def provider(self) -> KeyProvider:
        return self._provider

    def __repr__(self) -> str:
        return f"KeyRing({self._provider!r})"

    def active_key_id(self) -> str:
        """Return the id of the key new encryptions use."""
        return self._provider.active_key_id()

    def key_ids(self) -> list[str]:
        """Return every key id the provider holds."""
        return self._provider.key_ids()

    def add_key(self) -> str:
        """Rotate: create a new key, make it active and return its id.

        Older keys stay, so older blobs still decrypt; `rewrap` moves them.
        """
        return self._provider.add_key()

    def encrypt(self, plaintext: bytes | Secret, aad: bytes) -> tuple[str, bytes]:
        """Encrypt under the active key; return (key id, blob).

        Raises ValueError for an empty `aad`: without it the blob is bound to
        no row.
        """
        _require_aad(aad)
        if isinstance(plaintext, Secret):
            plaintext = plaintext.reveal()
        key_id = self._provider.active_key_id()
        return key_id, self._provider.encrypt(key_id, plaintext, aad)

    def decrypt(self, key_id: str, blob: bytes, aad: bytes) -> bytes:
        """Return the plaintext of a blob made by `encrypt` with the same `aad`.

        Raises UnknownKey if `key_id` is not held, DecryptionFailed if the
        blob was altered, belongs to another key or to another row.
        """
        _require_aad(aad)
        return self._provider.decrypt(key_id, blob, aad)

    def rewrap(self, key_id: str, blob: bytes, aad: bytes) -> tuple[str, bytes]:
        """Re-encrypt a blob under the active key; return (new key id, new blob).

        A blob already under the active key comes back unchanged, so a
        rotation job can skip the write. Raises what `decrypt` raises.
        """
        active = self._provider.active_key_id()
        if key_id == active:
            return key_id, blob
        plaintext = self.decrypt(key_id, blob, aad)
        return active, self._provider.encrypt(active, plaintext, aad)

    def mac(self, purpose: str, data: bytes) -> bytes:
        """Return HMAC-SHA256 of `data` under the key for `purpose`.

        The MAC keys do not rotate with the encryption keys, so a stored MAC
        (an API-key hash, an audit chain link) stays verifiable after
        `add_key`. Raises ValueError for an empty purpose.
        """
        return self._provider.mac(purpose, data)


def _require_aad(aad: bytes) -> None:
    if not aad:
        raise ValueError("aad must name the row the ciphertext belongs to")
