"""API keys: made once, shown once, stored as a keyed hash."""

from __future__ import annotations

import re

import pytest

from onetime.crypto import (
    FileKeyProvider,
    KeyRing,
    Secret,
    api_key_hash,
    api_key_matches,
    apikeys,
    new_api_key,
)


class TestNewApiKey:
    def test_a_key_is_ot_service_id_and_43_url_safe_characters(self):
        """The format is ot_<service_id>_<43 chars of url-safe base64>."""
        key = new_api_key("shinkin-001").reveal_text()
        assert re.fullmatch(r"ot_shinkin-001_[A-Za-z0-9_-]{43}", key)

    def test_a_key_is_a_secret(self):
        """The new key comes wrapped, so printing it by mistake shows '<secret>'."""
        key = new_api_key("bank")
        assert isinstance(key, Secret)
        assert str(key) == "<secret>"

    def test_two_keys_differ(self):
        """Each call draws 32 fresh random bytes."""
        assert new_api_key("bank") != new_api_key("bank")

    @pytest.mark.parametrize("service_id", ["", "two words", "銀行", "a\nb", "a:b"])
    def test_a_service_id_a_bearer_token_cannot_carry_is_refused(self, service_id):
        """Only RFC 6750 token characters may appear in the key."""
        with pytest.raises(ValueError, match="service_id"):
            new_api_key(service_id)


class TestApiKeyHash:
    def test_the_issued_key_matches_its_stored_hash(self, keyring):
        """api_key_matches() is True for the key whose hash was stored."""
        key = new_api_key("bank")
        stored = api_key_hash(keyring, key)
        assert api_key_matches(keyring, key.reveal_text(), stored)

    def test_another_key_does_not_match(self, keyring):
        """Another institution's key, or a near miss, does not match."""
        key = new_api_key("bank").reveal_text()
        stored = api_key_hash(keyring, key)
        assert not api_key_matches(keyring, new_api_key("bank"), stored)
        assert not api_key_matches(keyring, key[:-1] + ("A" if key[-1] != "A" else "B"), stored)

    def test_the_hash_is_the_api_key_mac(self, keyring):
        """The stored hash is the key ring's MAC for purpose 'api-key'."""
        assert api_key_hash(keyring, "ot_bank_x") == keyring.mac("api-key", b"ot_bank_x")

    def test_a_secret_and_its_text_hash_the_same(self, keyring):
        """Hashing a Secret hashes the key it wraps."""
        assert api_key_hash(keyring, Secret("ot_bank_x")) == api_key_hash(keyring, "ot_bank_x")

    def test_stored_hashes_survive_a_key_rotation(self, keyring):
        """Rotating the encryption keys does not invalidate any API key."""
        key = new_api_key("bank")
        stored = api_key_hash(keyring, key)
        keyring.add_key()
        assert api_key_matches(keyring, key, stored)

    def test_the_hash_is_keyed(self, keyring, tmp_path):
        """Another installation's key file gives another hash, so a dump alone tests nothing."""
        other = KeyRing(FileKeyProvider.create(tmp_path / "other.json"))
        assert api_key_hash(keyring, "ot_bank_x") != api_key_hash(other, "ot_bank_x")

    def test_matching_compares_in_constant_time(self, keyring, monkeypatch):
        """api_key_matches() goes through hmac.compare_digest."""
        calls = []
        monkeypatch.setattr(
            apikeys.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or a == b
        )
        stored = api_key_hash(keyring, "ot_bank_x")
        assert api_key_matches(keyring, "ot_bank_x", stored)
        assert calls == [(stored, stored)]
