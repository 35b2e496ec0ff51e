"""Argon2id: password hashes to store, and keys derived from passwords.

Two profiles share one parameter table: ``"production"`` is RFC 9106's
recommended low-memory choice (t=3, 64 MiB, p=4; about 0.1 s), ``"test"`` is
argon2's minimum so that test suites stay fast. Both are argon2id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import argon2
from argon2 import low_level, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from onetime.crypto.errors import InvalidPasswordHash
from onetime.crypto.secret import Secret

Profile = Literal["production", "test"]

SALT_BYTES = 16  # RFC 9106 §3.1 recommends 128 bits
KEY_BYTES = 32
_MIN_SALT_BYTES = 8  # argon2's own lower bound


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters; raises ValueError for values argon2 rejects."""

    time_cost: int
    memory_cost_kib: int
    parallelism: int

    def __post_init__(self) -> None:
        if self.time_cost < 1 or self.parallelism < 1:
            raise ValueError("time_cost and parallelism must be at least 1")
        if self.memory_cost_kib < 8 * self.parallelism:
            raise ValueError("memory_cost_kib must be at least 8 × parallelism")


PRODUCTION_KDF = KdfParams(
    time_cost=profiles.RFC_9106_LOW_MEMORY.time_cost,
    memory_cost_kib=profiles.RFC_9106_LOW_MEMORY.memory_cost,
    parallelism=profiles.RFC_9106_LOW_MEMORY.parallelism,
)
# The smallest argon2 accepts: worthless against an attacker, only for test suites.
TEST_KDF = KdfParams(time_cost=1, memory_cost_kib=8, parallelism=1)

_PROFILES: dict[str, KdfParams] = {"production": PRODUCTION_KDF, "test": TEST_KDF}


def kdf_params(profile: Profile) -> KdfParams:
    """Return the parameters of a profile; raises ValueError for an unknown one."""
    try:
        return _PROFILES[profile]
    except KeyError:
        raise ValueError(f"unknown profile {profile!r}; use one of {sorted(_PROFILES)}") from None


def derive_key(
    password: str | Secret,
    salt: bytes,
    params: KdfParams | None = None,
    *,
    profile: Profile | None = None,
) -> bytes:
    """Derive a 32-byte key from a password with argon2id; the same inputs give the same key.

    For protocols that need a key rather than a stored hash (the setup PAKE,
    the token app's vault). Pass either `params` or `profile`, and store
    them with whatever the key protects: another cost gives another key.
    The password is used as its UTF-8 bytes, unnormalised; callers that
    accept full-width digits normalise first.

    Raises TypeError unless exactly one of `params` and `profile` is given,
    ValueError for an unknown profile or a salt shorter than 8 bytes.
    """
    if (params is None) == (profile is None):
        raise TypeError("derive_key needs exactly one of params and profile")
    if params is None:
        params = kdf_params(profile)  # type: ignore[arg-type]
    if len(salt) < _MIN_SALT_BYTES:
        raise ValueError(f"salt must be at least {_MIN_SALT_BYTES} bytes")
    return low_level.hash_secret_raw(
        secret=_password_bytes(password),
        salt=salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_cost_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=low_level.Type.ID,
    )


class PasswordHasher:
    """Hashes passwords for storage and checks them (login, confirmation,
    activation passwords).

    Hashes are PHC strings (``$argon2id$v=19$m=…,t=…,p=…$salt$hash``) that
    carry their own parameters, so hashes made under an older cost still
    verify; `needs_rehash` says when to replace one after a login.
    Raises ValueError for an unknown profile.
    """

    def __init__(self, profile: Profile = "production") -> None:
        params = kdf_params(profile)
        self._profile = profile
        self._hasher = argon2.PasswordHasher.from_parameters(
            argon2.Parameters(
                type=low_level.Type.ID,
                version=low_level.ARGON2_VERSION,
                salt_len=SALT_BYTES,
                hash_len=KEY_BYTES,
                time_cost=params.time_cost,
                memory_cost=params.memory_cost_kib,
                parallelism=params.parallelism,
            )
        )

    @property
    def profile(self) -> Profile:
        return self._profile

    def __repr__(self) -> str:
        return f"PasswordHasher(profile={self._profile!r})"

    def hash(self, password: str | Secret) -> str:
        """Return an argon2id hash of `password` with a fresh random salt."""
        return self._hasher.hash(_password_bytes(password))

    def verify(self, stored: str, password: str | Secret) -> bool:
        """Say whether `password` matches the stored hash; a wrong password gives False.

        Raises InvalidPasswordHash if `stored` is not a readable argon2 hash:
        reporting corruption as "wrong password" would lock the user out
        with no one the wiser.
        """
        try:
            return self._hasher.verify(stored, _password_bytes(password))
        except VerifyMismatchError:
            return False
        except (InvalidHashError, VerificationError):
            # Any failure but a mismatch means argon2 could not decode the stored string.
            raise InvalidPasswordHash from None

    def needs_rehash(self, stored: str) -> bool:
        """Say whether `stored` was made with other parameters than this profile's.

        Raises InvalidPasswordHash if `stored` is not a readable argon2 hash.
        """
        try:
            return self._hasher.check_needs_rehash(stored)
        except InvalidHashError:
            raise InvalidPasswordHash from None


def _password_bytes(password: str | Secret) -> bytes:
    if isinstance(password, Secret):
        return password.reveal()
    return password.encode("utf-8")
