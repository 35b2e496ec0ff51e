"""KeyRing: secrets bound to their rows, rotation and rewrapping."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onetime.crypto import (
    CryptoError,
    DecryptionFailed,
    FileKeyProvider,
    KeyFileMissing,
    KeyRing,
    Secret,
    UnknownKey,
)

ALICE = b"token|bank-a|alice|OT0001"
BOB = b"token|bank-a|bob|OT0002"
SEED = b"12345678901234567890"


@pytest.fixture(scope="module")
def shared_keyring(tmp_path_factory: pytest.TempPathFactory) -> KeyRing:
    """One key ring for the property tests, which hypothesis runs many times per fixture."""
    return KeyRing(FileKeyProvider.create(tmp_path_factory.mktemp("keys") / "keys.json"))


class TestKeyRing:
    def test_a_secret_round_trips(self, keyring):
        """decrypt() returns what encrypt() was given, under the active key id."""
        key_id, blob = keyring.encrypt(SEED, ALICE)
        assert key_id == keyring.active_key_id()
        assert keyring.decrypt(key_id, blob, ALICE) == SEED

    def test_a_secret_wrapper_is_encrypted_by_its_value(self, keyring):
        """A Secret plaintext is encrypted as its revealed bytes."""
        key_id, blob = keyring.encrypt(Secret(SEED), ALICE)
        assert keyring.decrypt(key_id, blob, ALICE) == SEED

    def test_the_blob_does_not_contain_the_plaintext(self, keyring):
        """A database dump of the blob shows nothing of the secret."""
        _, blob = keyring.encrypt(SEED, ALICE)
        assert SEED not in blob

    def test_a_ciphertext_moved_to_another_row_fails_to_decrypt(self, keyring):
        """Alice's blob copied into Bob's row raises DecryptionFailed."""
        key_id, blob = keyring.encrypt(SEED, ALICE)
        with pytest.raises(DecryptionFailed):
            keyring.decrypt(key_id, blob, BOB)

    @pytest.mark.parametrize(
        "position", [0, 11, 12, -17, -1], ids=["nonce", "nonce-end", "ciphertext", "tag", "tag-end"]
    )
    def test_a_tampered_blob_raises_decryption_failed(self, keyring, position):
        """One flipped bit anywhere in nonce, ciphertext or tag is detected."""
        key_id, blob = keyring.encrypt(SEED, ALICE)
        tampered = bytearray(blob)
        tampered[position] ^= 0x01
        with pytest.raises(DecryptionFailed):
            keyring.decrypt(key_id, bytes(tampered), ALICE)

    @pytest.mark.parametrize("length", [0, 12, 27])
    def test_a_truncated_blob_raises_decryption_failed(self, keyring, length):
        """A blob too short to hold nonce and tag is refused, not crashed on."""
        key_id, blob = keyring.encrypt(SEED, ALICE)
        with pytest.raises(DecryptionFailed):
            keyring.decrypt(key_id, blob[:length], ALICE)

    def test_a_blob_under_another_existing_key_raises_decryption_failed(self, keyring):
        """Naming the wrong (but known) key id fails authentication."""
        old_id, blob = keyring.encrypt(SEED, ALICE)
        new_id = keyring.add_key()
        with pytest.raises(DecryptionFailed) as caught:
            keyring.decrypt(new_id, blob, ALICE)
        assert caught.value.key_id == new_id
        assert old_id != new_id

    def test_an_unknown_key_id_raises_unknown_key(self, keyring):
        """A key id the provider never held raises UnknownKey carrying that id."""
        _, blob = keyring.encrypt(SEED, ALICE)
        with pytest.raises(UnknownKey) as caught:
            keyring.decrypt("k-ffffff", blob, ALICE)
        assert caught.value.key_id == "k-ffffff"

    def test_a_decryption_failure_tells_nothing_of_plaintext_or_key(self, keyring, key_path):
        """The error message names the key id only: no plaintext, AAD or key bytes."""
        key_id, blob = keyring.encrypt(SEED, ALICE)
        with pytest.raises(DecryptionFailed) as caught:
            keyring.decrypt(key_id, blob, BOB)
        message = str(caught.value)
        assert message == f"ciphertext under key {key_id!r} failed authentication"
        assert caught.value.__cause__ is None

    def test_an_empty_aad_is_refused(self, keyring):
        """A ciphertext must be bound to a row, so empty AAD is a ValueError."""
        with pytest.raises(ValueError, match="aad"):
            keyring.encrypt(SEED, b"")
        key_id, blob = keyring.encrypt(SEED, ALICE)
        with pytest.raises(ValueError, match="aad"):
            keyring.decrypt(key_id, blob, b"")

    def test_every_error_derives_from_crypto_error(self):
        """Callers can catch CryptoError for anything this package raises."""
        for error in (UnknownKey, DecryptionFailed, KeyFileMissing):
            assert issubclass(error, CryptoError)

    def test_the_key_ring_works_over_any_key_provider(self, keyring):
        """KeyRing only uses the KeyProvider protocol (the seam for an HSM or KMS)."""

        class RecordingProvider:
            def __init__(self, inner):
                self.inner = inner
                self.calls = []

            def __getattr__(self, name):
                self.calls.append(name)
                return getattr(self.inner, name)

        provider = RecordingProvider(keyring.provider)
        ring = KeyRing(provider)
        key_id, blob = ring.encrypt(SEED, ALICE)
        assert ring.decrypt(key_id, blob, ALICE) == SEED
        assert provider.calls == ["active_key_id", "encrypt", "decrypt"]


class TestRotation:
    def test_after_add_key_new_encryptions_use_the_new_key(self, keyring):
        """add_key() makes the new key active for every later encrypt()."""
        old_id = keyring.active_key_id()
        new_id = keyring.add_key()
        assert new_id != old_id
        assert keyring.active_key_id() == new_id
        assert keyring.encrypt(SEED, ALICE)[0] == new_id
        assert set(keyring.key_ids()) == {old_id, new_id}

    def test_old_blobs_still_decrypt_after_rotation(self, keyring):
        """A blob made before add_key() decrypts under its old key id."""
        old_id, blob = keyring.encrypt(SEED, ALICE)
        keyring.add_key()
        keyring.add_key()
        assert keyring.decrypt(old_id, blob, ALICE) == SEED

    def test_rewrap_moves_a_blob_to_the_active_key(self, keyring):
        """rewrap() decrypts under the old key and encrypts under the active one."""
        old_id, old_blob = keyring.encrypt(SEED, ALICE)
        new_id = keyring.add_key()
        key_id, blob = keyring.rewrap(old_id, old_blob, ALICE)
        assert key_id == new_id
        assert blob != old_blob
        assert keyring.decrypt(key_id, blob, ALICE) == SEED

    def test_rewrap_keeps_the_row_binding(self, keyring):
        """A rewrapped blob is still bound to its row."""
        old_id, old_blob = keyring.encrypt(SEED, ALICE)
        keyring.add_key()
        key_id, blob = keyring.rewrap(old_id, old_blob, ALICE)
        with pytest.raises(DecryptionFailed):
            keyring.decrypt(key_id, blob, BOB)

    def test_rewrap_with_the_wrong_row_fails(self, keyring):
        """rewrap() authenticates the old blob first, so a moved blob is not laundered."""
        old_id, old_blob = keyring.encrypt(SEED, ALICE)
        keyring.add_key()
        with pytest.raises(DecryptionFailed):
            keyring.rewrap(old_id, old_blob, BOB)

    def test_rewrap_leaves_a_blob_under_the_active_key_unchanged(self, keyring):
        """A blob already under the active key comes back as it was."""
        key_id, blob = keyring.encrypt(SEED, ALICE)
        assert keyring.rewrap(key_id, blob, ALICE) == (key_id, blob)

    def test_macs_do_not_change_with_rotation(self, keyring):
        """mac() gives the same answer before and after add_key()."""
        before = keyring.mac("audit", b"entry")
        keyring.add_key()
        assert keyring.mac("audit", b"entry") == before

    def test_a_second_key_ring_on_the_same_file_follows_a_rotation(
        self, keyring, key_path: Path, monotonic
    ):
        """Another process's key ring decrypts new blobs at once and encrypts under the new key."""
        other = KeyRing(FileKeyProvider.open(key_path, monotonic=monotonic))
        new_id = keyring.add_key()
        key_id, blob = keyring.encrypt(SEED, ALICE)
        assert other.decrypt(key_id, blob, ALICE) == SEED
        monotonic.advance(1.0)
        assert other.encrypt(SEED, ALICE)[0] == new_id


class TestKeyRingProperties:
    @given(plaintext=st.binary(max_size=4096), aad=st.binary(min_size=1, max_size=256))
    def test_any_plaintext_round_trips_under_any_aad(self, shared_keyring, plaintext, aad):
        """For all bytes and non-empty AAD, decrypt(encrypt(x)) == x."""
        key_id, blob = shared_keyring.encrypt(plaintext, aad)
        assert shared_keyring.decrypt(key_id, blob, aad) == plaintext

    @given(
        plaintext=st.binary(max_size=256),
        aad=st.binary(min_size=1, max_size=64),
        other=st.binary(min_size=1, max_size=64),
    )
    def test_any_other_aad_fails(self, shared_keyring, plaintext, aad, other):
        """For all pairs of different AADs, the blob of one does not decrypt under the other."""
        if aad == other:
            return
        key_id, blob = shared_keyring.encrypt(plaintext, aad)
        with pytest.raises(DecryptionFailed):
            shared_keyring.decrypt(key_id, blob, other)
