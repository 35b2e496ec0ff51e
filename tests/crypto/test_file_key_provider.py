"""FileKeyProvider: the key file, its atomic rewrites, and rotations made elsewhere."""

from __future__ import annotations

import base64
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

import onetime.crypto
from onetime.crypto import (
    FileKeyProvider,
    KeyFileCorrupt,
    KeyFileExists,
    KeyFileMissing,
    KeyProvider,
    UnknownKey,
    filekeys,
)

AAD = b"token|bank-a|alice|OT0001"


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())


def leftover_files(directory: Path) -> list[str]:
    return sorted(
        p.name for p in directory.iterdir() if p.name not in {"keys.json", "keys.json.lock"}
    )


def child_env() -> dict[str, str]:
    """The environment for a child Python that must import this checkout's onetime."""
    src = Path(onetime.crypto.__file__).resolve().parents[2]
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")]),
    }


class TestKeyFile:
    def test_create_writes_version_1_with_one_active_key_and_a_mac_root(self, provider, key_path):
        """A new file holds format version 1, one active key and a MAC root key."""
        doc = read_json(key_path)
        assert doc["version"] == 1
        assert list(doc["keys"]) == [doc["active"]] == provider.key_ids()
        assert len(base64.b64decode(doc["keys"][doc["active"]])) == 32
        assert len(base64.b64decode(doc["mac_root"])) == 32

    def test_key_ids_are_k_dash_and_six_hex_digits(self, provider):
        """Key ids are short random strings like 'k-3f9a1c'."""
        provider.add_key()
        assert all(re.fullmatch(r"k-[0-9a-f]{6}", key_id) for key_id in provider.key_ids())

    def test_the_key_file_is_readable_by_its_owner_only(self, provider, key_path):
        """The file has mode 0600 when created and after a rotation."""
        assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
        provider.add_key()
        assert stat.S_IMODE(key_path.stat().st_mode) == 0o600

    def test_open_reads_the_keys_that_create_wrote(self, provider, key_path):
        """A provider opened on the file decrypts what the creating one encrypted."""
        blob = provider.encrypt(provider.active_key_id(), b"secret", AAD)
        reopened = FileKeyProvider.open(key_path)
        assert reopened.decrypt(provider.active_key_id(), blob, AAD) == b"secret"

    def test_open_of_a_missing_file_raises_key_file_missing(self, key_path):
        """Opening a path with no file raises KeyFileMissing naming the path."""
        with pytest.raises(KeyFileMissing) as caught:
            FileKeyProvider.open(key_path)
        assert caught.value.path == key_path

    def test_create_never_overwrites_an_existing_key_file(self, provider, key_path):
        """Creating over an existing file raises KeyFileExists and leaves it untouched."""
        before = key_path.read_bytes()
        with pytest.raises(KeyFileExists):
            FileKeyProvider.create(key_path)
        assert key_path.read_bytes() == before
        assert leftover_files(key_path.parent) == []

    @pytest.mark.parametrize(
        ("mangle", "reason"),
        [
            (lambda _: "{not json", "not JSON"),
            (lambda doc: json.dumps([doc]), "not a JSON object"),
            (lambda doc: json.dumps({**doc, "version": 2}), "unsupported version 2"),
            (lambda doc: json.dumps({**doc, "keys": {}}), "no keys"),
            (lambda doc: json.dumps({**doc, "active": "k-000000"}), "active key"),
            (lambda doc: json.dumps({**doc, "mac_root": "AAAA"}), "not 32 bytes"),
            (lambda doc: json.dumps({**doc, "mac_root": "***"}), "not base64"),
        ],
    )
    def test_an_unusable_file_raises_key_file_corrupt_without_key_material(
        self, provider, key_path, mangle, reason
    ):
        """A damaged file raises KeyFileCorrupt whose message names the fault, not the keys."""
        doc = read_json(key_path)
        key_path.write_text(mangle(doc))
        with pytest.raises(KeyFileCorrupt, match=reason) as caught:
            FileKeyProvider.open(key_path)
        message = str(caught.value)
        assert doc["mac_root"] not in message
        assert all(key not in message for key in doc["keys"].values())
        # Nothing chained either: a JSONDecodeError would carry the whole document.
        error = caught.value
        assert error.__cause__ is None
        assert error.__context__ is None or error.__suppress_context__

    def test_repr_names_the_path_and_no_key(self, provider, key_path):
        """The provider's repr shows where the keys are, not what they are."""
        assert repr(provider) == f"FileKeyProvider({str(key_path)!r})"

    def test_a_file_key_provider_is_a_key_provider(self, provider):
        """FileKeyProvider satisfies the KeyProvider protocol."""
        assert isinstance(provider, KeyProvider)


class TestAtomicWrite:
    def test_a_failed_rename_leaves_the_old_file_intact(self, provider, key_path, monkeypatch):
        """If os.replace fails mid-rotation, the old file stays whole and no temp file is left."""
        before = key_path.read_bytes()
        old_active = provider.active_key_id()

        def crash(src, dst):
            raise OSError("simulated crash before rename")

        monkeypatch.setattr(filekeys.os, "replace", crash)
        with pytest.raises(OSError, match="simulated crash"):
            provider.add_key()
        assert key_path.read_bytes() == before
        assert leftover_files(key_path.parent) == []
        assert FileKeyProvider.open(key_path).active_key_id() == old_active

    def test_a_failed_fsync_leaves_the_old_file_intact(self, provider, key_path, monkeypatch):
        """If the data never reaches the disk, the key file is not replaced."""
        before = key_path.read_bytes()

        def crash(fd):
            raise OSError("simulated disk failure")

        monkeypatch.setattr(filekeys.os, "fsync", crash)
        with pytest.raises(OSError, match="simulated disk failure"):
            provider.add_key()
        assert key_path.read_bytes() == before
        assert leftover_files(key_path.parent) == []

    def test_a_rotation_replaces_the_file_whole(self, provider, key_path):
        """After a rotation the file parses, keeps the old key and names the new one active."""
        old = read_json(key_path)
        new_id = provider.add_key()
        new = read_json(key_path)
        assert new["active"] == new_id
        assert new["keys"][old["active"]] == old["keys"][old["active"]]
        assert new["mac_root"] == old["mac_root"]
        assert leftover_files(key_path.parent) == []


class TestEncryption:
    def test_a_blob_is_nonce_then_ciphertext_and_tag(self, provider):
        """A blob is 12 bytes of nonce, the ciphertext, and a 16-byte tag."""
        blob = provider.encrypt(provider.active_key_id(), b"12345678", AAD)
        assert len(blob) == 12 + 8 + 16

    def test_the_same_plaintext_encrypts_differently_each_time(self, provider):
        """Each encryption draws a fresh nonce."""
        key_id = provider.active_key_id()
        blobs = {provider.encrypt(key_id, b"same", AAD) for _ in range(20)}
        assert len({blob[:12] for blob in blobs}) == 20

    def test_encrypting_under_an_unknown_key_raises_unknown_key(self, provider):
        """A key id the file does not hold is refused for encryption too."""
        with pytest.raises(UnknownKey) as caught:
            provider.encrypt("k-000000", b"x", AAD)
        assert caught.value.key_id == "k-000000"


class TestRotationByAnotherProcess:
    def test_a_second_instance_decrypts_under_a_key_the_first_added(self, provider, key_path):
        """An unknown key id on decrypt makes the provider re-read the file at once."""
        other = FileKeyProvider.open(key_path)
        new_id = provider.add_key()
        blob = provider.encrypt(new_id, b"new secret", AAD)
        assert other.decrypt(new_id, blob, AAD) == b"new secret"

    def test_active_key_id_rechecks_the_file_at_most_once_a_second(
        self, provider, key_path, monotonic
    ):
        """A rotation elsewhere becomes active here after the next one-second check."""
        other = FileKeyProvider.open(key_path, monotonic=monotonic)
        old_id = other.active_key_id()
        new_id = provider.add_key()
        monotonic.advance(0.5)
        assert other.active_key_id() == old_id
        monotonic.advance(0.5)
        assert other.active_key_id() == new_id
        assert new_id in other.key_ids()

    def test_an_unchanged_file_is_not_read_again(self, provider, monotonic, monkeypatch):
        """The periodic check is a stat; the file is read only when it changed."""
        reads = []
        real_read = filekeys._read
        monkeypatch.setattr(filekeys, "_read", lambda path: reads.append(path) or real_read(path))
        for _ in range(3):
            monotonic.advance(1.0)
            provider.active_key_id()
        assert reads == []

    def test_rotations_in_two_instances_keep_both_new_keys(self, provider, key_path):
        """A rotation made on a stale view of the file does not drop the other's key."""
        other = FileKeyProvider.open(key_path)
        first = provider.add_key()
        second = other.add_key()
        assert {first, second} <= set(read_json(key_path)["keys"])
        assert read_json(key_path)["active"] == second

    def test_a_rotation_in_a_real_subprocess_is_seen(self, provider, key_path, monotonic):
        """Another OS process rotates and encrypts; this one decrypts and adopts the new key."""
        script = (
            "import sys\n"
            "from onetime.crypto import FileKeyProvider\n"
            "p = FileKeyProvider.open(sys.argv[1])\n"
            "key_id = p.add_key()\n"
            "blob = p.encrypt(key_id, b'from the other process', sys.argv[2].encode())\n"
            "print(key_id, blob.hex())\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script, str(key_path), AAD.decode()],
            capture_output=True,
            text=True,
            env=child_env(),
            check=True,
            timeout=60,
        )
        new_id, blob_hex = done.stdout.split()
        assert provider.decrypt(new_id, bytes.fromhex(blob_hex), AAD) == b"from the other process"
        monotonic.advance(1.0)
        assert provider.active_key_id() == new_id

    def test_concurrent_rotations_in_many_processes_lose_no_key(self, provider, key_path):
        """Four processes rotating five times each at once leave all twenty new keys."""
        script = (
            "import sys\n"
            "from onetime.crypto import FileKeyProvider\n"
            "p = FileKeyProvider.open(sys.argv[1])\n"
            "print(' '.join(p.add_key() for _ in range(5)))\n"
        )
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", script, str(key_path)],
                stdout=subprocess.PIPE,
                text=True,
                env=child_env(),
            )
            for _ in range(4)
        ]
        added = set()
        for worker in workers:
            out, _ = worker.communicate(timeout=60)
            assert worker.returncode == 0
            added.update(out.split())
        assert len(added) == 20
        assert set(read_json(key_path)["keys"]) == added | {provider.active_key_id()}

    def test_a_key_file_that_vanished_raises_key_file_missing(self, provider, key_path, monotonic):
        """The periodic check reports a deleted key file instead of carrying on silently."""
        key_path.unlink()
        monotonic.advance(1.0)
        with pytest.raises(KeyFileMissing):
            provider.active_key_id()


class TestMac:
    def test_a_mac_is_hmac_sha256_under_an_hkdf_key_for_the_purpose(self, provider, key_path):
        """mac() equals HMAC-SHA256 keyed by HKDF-SHA256(mac_root, info=prefix+purpose)."""
        mac_root = base64.b64decode(read_json(key_path)["mac_root"])
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"onetime/mac/v1/audit"
        ).derive(mac_root)
        expected = hmac.HMAC(key, hashes.SHA256())
        expected.update(b"entry")
        assert provider.mac("audit", b"entry") == expected.finalize()

    def test_each_purpose_gets_its_own_mac(self, provider):
        """The same data under two purposes gives two unrelated MACs."""
        assert provider.mac("api-key", b"data") != provider.mac("audit", b"data")

    def test_macs_survive_a_rotation(self, provider, key_path):
        """The MAC root is not rotated, so stored MACs stay verifiable."""
        before = provider.mac("audit", b"entry 1")
        provider.add_key()
        assert provider.mac("audit", b"entry 1") == before
        assert FileKeyProvider.open(key_path).mac("audit", b"entry 1") == before

    def test_a_reloaded_file_with_another_mac_root_is_not_served_a_cached_key(
        self, provider, key_path, monotonic, tmp_path
    ):
        """Derived MAC keys are cached per file read: a replaced MAC root takes effect."""
        before = provider.mac("audit", b"entry")
        other = FileKeyProvider.create(tmp_path / "other.json")
        os.replace(tmp_path / "other.json", key_path)
        monotonic.advance(1.0)
        provider.key_ids()  # the periodic check reads the replaced file
        assert provider.mac("audit", b"entry") == other.mac("audit", b"entry")
        assert provider.mac("audit", b"entry") != before

    def test_an_empty_purpose_is_refused(self, provider):
        """A MAC must say what it is for."""
        with pytest.raises(ValueError, match="purpose"):
            provider.mac("", b"data")
