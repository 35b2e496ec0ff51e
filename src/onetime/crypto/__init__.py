"""Secrets at rest and password hashing.

`KeyRing` over a `KeyProvider` encrypts secrets bound to their rows and makes
MACs; `PasswordHasher` and `derive_key` are argon2id; `Secret` keeps a value
out of reprs and logs; `apikeys` makes and checks the banking backends' keys.
"""

from onetime.crypto.apikeys import api_key_hash, api_key_matches, new_api_key
from onetime.crypto.errors import (
    CryptoError,
    DecryptionFailed,
    InvalidPasswordHash,
    KeyFileCorrupt,
    KeyFileExists,
    KeyFileExposed,
    KeyFileMissing,
    UnknownKey,
)
from onetime.crypto.filekeys import FileKeyProvider
from onetime.crypto.keyring import KeyRing
from onetime.crypto.passwords import (
    PRODUCTION_KDF,
    TEST_KDF,
    KdfParams,
    PasswordHasher,
    derive_key,
    kdf_params,
)
from onetime.crypto.provider import KeyProvider
from onetime.crypto.secret import Secret

__all__ = [
    "PRODUCTION_KDF",
    "TEST_KDF",
    "CryptoError",
    "DecryptionFailed",
    "FileKeyProvider",
    "InvalidPasswordHash",
    "KdfParams",
    "KeyFileCorrupt",
    "KeyFileExists",
    "KeyFileExposed",
    "KeyFileMissing",
    "KeyProvider",
    "KeyRing",
    "PasswordHasher",
    "Secret",
    "UnknownKey",
    "api_key_hash",
    "api_key_matches",
    "derive_key",
    "kdf_params",
    "new_api_key",
]
