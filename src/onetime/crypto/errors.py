"""The errors of `onetime.crypto`.

Every message names what failed and where (a key id, a path), never a
plaintext, a password or key material: these messages end up in logs.
"""

from __future__ import annotations

from pathlib import Path


class CryptoError(Exception):
    """Root of every error this package raises; never raised itself."""


class UnknownKey(CryptoError):
    """A key id that the key provider does not hold, even after a reload.

    Raised when a ciphertext names a key that was never in the key file (or
    has been removed from it), or when a caller asks for such a key.
    """

    def __init__(self, key_id: str) -> None:
        super().__init__(f"unknown encryption key {key_id!r}")
        self.key_id = key_id


class DecryptionFailed(CryptoError):
    """A ciphertext did not authenticate under its key and associated data.

    Raised for a tampered or truncated blob, a blob decrypted under the wrong
    key, and a blob moved to another row (its AAD no longer matches). The
    message says nothing more: telling these apart would help an attacker.
    """

    def __init__(self, key_id: str) -> None:
        super().__init__(f"ciphertext under key {key_id!r} failed authentication")
        self.key_id = key_id


class KeyFileMissing(CryptoError):
    """The key file does not exist (at open, or it vanished while in use)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"key file {str(path)!r} does not exist")
        self.path = path


class KeyFileExists(CryptoError):
    """`FileKeyProvider.create` found a key file already at the path.

    Overwriting it would make every secret encrypted under it unreadable.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(f"key file {str(path)!r} already exists")
        self.path = path


class KeyFileExposed(CryptoError):
    """The key file may be read or written by others than its owner (group or world bits).

    `onetime serve` refuses to start on it: whoever can read it can decrypt every secret.
    """

    def __init__(self, path: Path, mode: int) -> None:
        super().__init__(f"key file {str(path)!r} has mode {mode:04o}: others than its owner "
                         f"may read or change it; `chmod 600 {path}` and check who read it")
        self.path = path
        self.mode = mode


class KeyFileCorrupt(CryptoError):
    """The key file is not valid JSON, has an unknown version or a bad key."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"key file {str(path)!r} is unusable: {reason}")
        self.path = path
        self.reason = reason


class InvalidPasswordHash(CryptoError):
    """A stored password hash is not a well-formed argon2 hash.

    A wrong password is not an error (`verify` answers False); a stored hash
    that cannot be read is data corruption, and the operator must hear of it.
    """

    def __init__(self) -> None:
        super().__init__("stored password hash is not a valid argon2 hash")
