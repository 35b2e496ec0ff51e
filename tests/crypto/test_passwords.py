"""PasswordHasher and derive_key: argon2id with a production and a test profile."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from onetime.crypto import (
    PRODUCTION_KDF,
    TEST_KDF,
    InvalidPasswordHash,
    KdfParams,
    PasswordHasher,
    Secret,
    derive_key,
    kdf_params,
)

SALT = b"0123456789abcdef"


@pytest.fixture
def hasher() -> PasswordHasher:
    return PasswordHasher(profile="test")


class TestPasswordHasher:
    def test_hashes_are_argon2id(self, hasher):
        """A stored hash is a PHC string starting with $argon2id$."""
        assert hasher.hash("hunter22").startswith("$argon2id$v=19$")

    def test_the_right_password_verifies(self, hasher):
        """verify() answers True for the hashed password."""
        assert hasher.verify(hasher.hash("hunter22"), "hunter22") is True

    @pytest.mark.parametrize("wrong", ["hunter23", "", "Hunter22", "hunter22 "])
    def test_a_wrong_password_gives_false_and_never_raises(self, hasher, wrong):
        """verify() answers False for any other password."""
        assert hasher.verify(hasher.hash("hunter22"), wrong) is False

    def test_the_same_password_hashes_differently_each_time(self, hasher):
        """Every hash gets its own random salt."""
        assert hasher.hash("hunter22") != hasher.hash("hunter22")

    def test_a_non_ascii_password_verifies(self, hasher):
        """Passwords are hashed as UTF-8."""
        assert hasher.verify(hasher.hash("パスワード１２３"), "パスワード１２３")

    def test_a_secret_password_verifies_like_its_text(self, hasher):
        """A Secret and the str it wraps are the same password."""
        assert hasher.verify(hasher.hash(Secret("hunter22")), "hunter22")
        assert hasher.verify(hasher.hash("hunter22"), Secret("hunter22"))

    @pytest.mark.parametrize(
        "stored",
        [
            "",
            "hunter22",
            "$argon2id$v=19$m=8,t=1,p=1$abc",
            "$argon2id$v=19$m=8,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$AAAA",
        ],
        ids=["empty", "plain-text", "truncated", "short-output"],
    )
    def test_a_corrupt_stored_hash_raises_invalid_password_hash(self, hasher, stored):
        """A stored value argon2 cannot read is an error, not a wrong password."""
        with pytest.raises(InvalidPasswordHash):
            hasher.verify(stored, "hunter22")

    def test_a_corrupt_stored_hash_cannot_be_checked_for_rehash(self, hasher):
        """needs_rehash() raises InvalidPasswordHash for an unreadable hash."""
        with pytest.raises(InvalidPasswordHash):
            hasher.needs_rehash("not a hash")

    def test_a_hash_of_the_same_profile_needs_no_rehash(self, hasher):
        """needs_rehash() is False for a hash made with this profile's parameters."""
        assert hasher.needs_rehash(hasher.hash("hunter22")) is False

    def test_a_hash_of_another_profile_needs_a_rehash(self, hasher):
        """A test-profile hash checked by a production hasher must be redone, yet verifies."""
        stored = hasher.hash("hunter22")
        production = PasswordHasher(profile="production")
        assert production.needs_rehash(stored) is True
        assert production.verify(stored, "hunter22") is True

    def test_production_hashes_carry_rfc_9106_low_memory_parameters(self):
        """The production profile is argon2id with 64 MiB, 3 passes, 4 lanes."""
        stored = PasswordHasher(profile="production").hash("hunter22")
        assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")

    def test_the_default_profile_is_production(self):
        """Forgetting the profile gives the safe one."""
        assert PasswordHasher().profile == "production"

    def test_an_unknown_profile_raises_value_error(self):
        """Only 'production' and 'test' exist."""
        with pytest.raises(ValueError, match="unknown profile"):
            PasswordHasher(profile="fast")  # type: ignore[arg-type]


class TestDeriveKey:
    def test_the_same_password_and_salt_give_the_same_key(self):
        """derive_key() is deterministic, so app and service agree."""
        assert derive_key("1234", SALT, TEST_KDF) == derive_key("1234", SALT, TEST_KDF)

    def test_another_salt_gives_another_key(self):
        """Each salt gives its own key."""
        assert derive_key("1234", SALT, TEST_KDF) != derive_key("1234", SALT[::-1], TEST_KDF)

    def test_another_password_gives_another_key(self):
        """Each password gives its own key."""
        assert derive_key("1234", SALT, TEST_KDF) != derive_key("1235", SALT, TEST_KDF)

    def test_other_parameters_give_another_key(self):
        """The cost is part of the key, so it must be stored with what the key protects."""
        cheaper = KdfParams(time_cost=2, memory_cost_kib=8, parallelism=1)
        assert derive_key("1234", SALT, TEST_KDF) != derive_key("1234", SALT, cheaper)

    def test_a_key_is_32_bytes(self):
        """Keys are 256 bits, ready for AES-256 or HKDF."""
        assert len(derive_key("1234", SALT, TEST_KDF)) == 32

    def test_the_test_profile_key_never_changes(self):
        """A pinned value: changing the derivation would lock every vault."""
        assert derive_key("1234", SALT, TEST_KDF).hex() == PINNED_TEST_KEY

    @pytest.mark.parametrize("params", [TEST_KDF, PRODUCTION_KDF], ids=["test", "production"])
    def test_keys_match_an_independent_argon2id(self, params):
        """derive_key() agrees with OpenSSL's Argon2id as exposed by pyca/cryptography."""
        reference = Argon2id(
            salt=SALT,
            length=32,
            iterations=params.time_cost,
            lanes=params.parallelism,
            memory_cost=params.memory_cost_kib,
        )
        assert derive_key("1234", SALT, params) == reference.derive(b"1234")

    def test_a_profile_name_and_its_params_give_the_same_key(self):
        """profile='test' is shorthand for TEST_KDF."""
        assert derive_key("1234", SALT, profile="test") == derive_key("1234", SALT, TEST_KDF)

    def test_a_secret_password_derives_like_its_text(self):
        """A Secret and the str it wraps derive the same key."""
        assert derive_key(Secret("1234"), SALT, TEST_KDF) == derive_key("1234", SALT, TEST_KDF)

    def test_it_needs_exactly_one_of_params_and_profile(self):
        """Giving both, or neither, is a TypeError."""
        with pytest.raises(TypeError):
            derive_key("1234", SALT)
        with pytest.raises(TypeError):
            derive_key("1234", SALT, TEST_KDF, profile="test")

    def test_a_salt_under_8_bytes_is_refused(self):
        """argon2's minimum salt length is checked up front with a clear message."""
        with pytest.raises(ValueError, match="salt"):
            derive_key("1234", b"short", TEST_KDF)


class TestKdfParams:
    def test_production_is_rfc_9106_low_memory(self):
        """PRODUCTION_KDF is t=3, 64 MiB, p=4."""
        assert KdfParams(time_cost=3, memory_cost_kib=65536, parallelism=4) == PRODUCTION_KDF
        assert kdf_params("production") is PRODUCTION_KDF

    def test_test_is_the_smallest_argon2_allows(self):
        """TEST_KDF is t=1, 8 KiB, p=1."""
        assert KdfParams(time_cost=1, memory_cost_kib=8, parallelism=1) == TEST_KDF
        assert kdf_params("test") is TEST_KDF

    def test_params_are_frozen(self):
        """Nobody can weaken a shared constant in place."""
        with pytest.raises(dataclasses.FrozenInstanceError):
            PRODUCTION_KDF.time_cost = 1  # type: ignore[misc]

    @pytest.mark.parametrize(
        ("time_cost", "memory_cost_kib", "parallelism"), [(0, 8, 1), (1, 8, 0), (1, 15, 2)]
    )
    def test_values_argon2_rejects_are_refused(self, time_cost, memory_cost_kib, parallelism):
        """Zero passes, zero lanes or under 8 KiB per lane raise ValueError."""
        with pytest.raises(ValueError, match="at least"):
            KdfParams(time_cost, memory_cost_kib, parallelism)


# derive_key("1234", SALT, TEST_KDF), as libargon2 and OpenSSL both compute it.
PINNED_TEST_KEY = "9b5643cc223d76a9f0689797e2e252dcbd3876024549fc439c3892360eaa5a4b"
