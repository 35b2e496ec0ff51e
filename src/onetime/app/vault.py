"""The vault: every institution's token in one AES-GCM file (format: docs/vault.md).

A random master key encrypts the tokens; one key slot wraps the master key,
either under a key derived from the lock code (app lock ON, argon2id) or under a
random key in a 0600 key file beside the vault (OFF). The header — format,
version, vault ID, language, slot and KDF parameters — is the associated data of
the encryption, so no byte of it can change unnoticed. Every write replaces the
whole file atomically, under a lock file shared by the UI and the CLI.

There is no export: a bank token belongs to one device, and a phone change goes
through revocation and a new token (rule 9).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import platformdirs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from onetime.app import errors
from onetime.app.lockout import WARN_WHEN_LEFT, WIPE_AFTER, LockoutRecord
from onetime.app.token import InvalidTokenData, StoredToken
from onetime.app.vault_format import (
    b64,
    derive_at_least,
    dump,
    is_lock_code,
    lockout_from,
    lockout_json,
    payload_aad,
    slot_of,
    unb64,
    unwrap,
    unwrap_with_code,
    wrap,
)
from onetime.crypto import KdfParams
from onetime.domain.clock import Clock
from onetime.files import atomic_write, exclusive, remove

FORMAT = "onetime-vault"
VERSION = 1
LANGUAGES = ("ja", "en")
# argon2id at 128 MiB: about 0.4 s on a 2-core laptop; unlocking must cost ≥ 0.2 s.
VAULT_KDF = KdfParams(time_cost=3, memory_cost_kib=128 * 1024, parallelism=4)
MIN_UNLOCK_SECONDS = 0.2


def default_path() -> Path:
    """The vault in the user's data directory (XDG_DATA_HOME on Linux)."""
    return platformdirs.user_data_path("onetime-token") / "vault.json"


def check_lock_code(code: str, repeat: str) -> None:
    """A new lock code: 1-32 digits 0-9, typed the same twice. Raises InvalidLockCode."""
    if not is_lock_code(code):
        raise errors.InvalidLockCode("the lock code is 1-32 digits 0-9")
    if code != repeat:
        raise errors.InvalidLockCode("the two entries differ")


@dataclass(frozen=True)
class LockStatus:
    """What the unlock screen may say before the vault is open."""

    failures: int
    attempts_left: int
    retry_at: datetime | None

    @property
    def warn(self) -> bool:
        return self.attempts_left <= WARN_WHEN_LEFT


@dataclass(frozen=True)
class VaultInfo:
    """The unauthenticated part of the header, read without a key."""

    language: str
    locked: bool
    lock: LockStatus | None


class VaultFile:
    """The vault on disk: create, open (lock OFF), unlock (lock ON), wipe.

    `lock_kdf` and `min_unlock_seconds` set the cost of a new lock-code slot; tests
    pass cheap parameters and 0. An existing vault keeps the parameters in its header.
    """

    def __init__(self, path: Path, clock: Clock, *, lock_kdf: KdfParams = VAULT_KDF,
                 min_unlock_seconds: float = MIN_UNLOCK_SECONDS) -> None:
        self.path = Path(path)
        self.key_path = self.path.with_name(self.path.name + ".key")
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.clock = clock
        self.lock_kdf = lock_kdf
        self.min_unlock_seconds = min_unlock_seconds

    def exists(self) -> bool:
        return self.path.exists()

    def info(self) -> VaultInfo:
        """Language and lock state. Raises VaultMissing, VaultCorrupt."""
        document = self._read()
        header = document["header"]
        locked = slot_of(header)["type"] == "lock_code"
        lock = None
        if locked:
            record = lockout_from(document)
            lock = LockStatus(record.failures, record.attempts_left, record.retry_at())
        return VaultInfo(header.get("language", "ja"), locked, lock)

    def create(self, language: str = "ja") -> Vault:
        """A new, empty vault with the app lock OFF. Raises VaultCorrupt if one exists."""
        with exclusive(self.lock_path):
            if self.path.exists():
                raise errors.VaultCorrupt("a vault already exists here")
            master = AESGCM.generate_key(bit_length=256)
            header = {"format": FORMAT, "version": VERSION, "vault_id": os.urandom(16).hex(),
                      "language": language if language in LANGUAGES else "ja", "slots": []}
            vault = Vault(self, master, header, [], None)
            vault._rekey_key_file()
            return vault

    def open(self) -> Vault:
        """Open a vault whose app lock is OFF. Raises VaultMissing, VaultLocked, VaultCorrupt."""
        with exclusive(self.lock_path):
            document = self._read()
            header = document["header"]
            slot = slot_of(header)
            if slot["type"] == "lock_code":
                raise errors.VaultLocked("the app lock is ON")
            master = self._unwrap_with_key_file(header, slot)
            return Vault(self, master, header, self._decrypt(document, master), None)

    def open_or_create(self, language: str = "ja") -> Vault:
        """The vault for a new token: open it, or create it if there is none."""
        try:
            return self.open()
        except errors.VaultMissing:
            return self.create(language)

    def unlock(self, code: str) -> Vault:
        """Open a locked vault with its lock code.

        The failure is written before the key is derived, so killing the app in the
        middle of a guess does not save the guess from being counted.
        Raises LockDelay, WrongLockCode, VaultWiped, VaultMissing, VaultCorrupt.
        """
        with exclusive(self.lock_path):
            document = self._read()
            header = document["header"]
            slot = slot_of(header)
            if slot["type"] != "lock_code":
                raise errors.VaultCorrupt("the app lock is OFF")
            record = lockout_from(document)
            now = self.clock.now()
            retry_at = record.retry_at()
            if retry_at is not None and now < retry_at:
                raise errors.LockDelay(retry_at, record.attempts_left)
            counted = record.counted(now)
            document["lockout"] = lockout_json(counted)
            atomic_write(self.path, dump(document))
            try:
                master = unwrap_with_code(header, slot, code)
            except (KeyError, TypeError, ValueError) as exc:
                raise errors.VaultCorrupt(f"unreadable key slot: {exc}") from None
            if master is None:
                if counted.failures >= WIPE_AFTER:
                    self._wipe_files()
                    raise errors.VaultWiped("10 wrong lock codes: every token was deleted")
                raise errors.WrongLockCode(counted.attempts_left, counted.retry_at())
            tokens = self._decrypt(document, master)
            vault = Vault(self, master, header, tokens, LockoutRecord.fresh(master,
                                                                            header["vault_id"]))
            vault.tamper_detected = not counted.intact(master, header["vault_id"])
            vault._write()
            return vault

    def wipe(self) -> None:
        """Delete the vault and its key file: every institution's token is gone."""
        with exclusive(self.lock_path):
            self._wipe_files()

    def _wipe_files(self) -> None:
        # The master key is only ever stored wrapped inside these two files.
        remove(self.path)
        remove(self.key_path)

    # -- reading ---------------------------------------------------------------------

    def _read(self) -> dict:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            raise errors.VaultMissing(f"no vault at {self.path}") from None
        try:
            document = json.loads(raw)
            header = document["header"]
            if header["format"] != FORMAT:
                raise ValueError("not an onetime vault")
            if header["version"] != VERSION:
                raise ValueError(f"vault version {header['version']} is not supported")
            slot_of(header)
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise errors.VaultCorrupt(f"unreadable vault: {exc}") from None
        return document

    def _decrypt(self, document: dict, master: bytes) -> list[StoredToken]:
        try:
            plain = AESGCM(master).decrypt(unb64(document["nonce"]),
                                           unb64(document["ciphertext"]),
                                           payload_aad(document["header"]))
            return [StoredToken.from_record(r) for r in json.loads(plain)["tokens"]]
        except (InvalidTag, KeyError, TypeError, ValueError, InvalidTokenData):
            raise errors.VaultCorrupt("the vault does not authenticate (edited or "
                                      "damaged)") from None

    def _unwrap_with_key_file(self, header: dict, slot: dict) -> bytes:
        try:
            key_doc = json.loads(self.key_path.read_bytes())
            if key_doc["vault_id"] != header["vault_id"]:
                raise ValueError("the key file belongs to another vault")
            master = unwrap(unb64(key_doc["key"]), header, slot)
        except FileNotFoundError:
            raise errors.VaultCorrupt(f"the key file {self.key_path} is missing") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise errors.VaultCorrupt(f"unreadable key file: {exc}") from None
        if master is None:
            raise errors.VaultCorrupt("the key file does not open this vault")
        return master


class Vault:
    """An open vault: its tokens, its settings; each change is written at once."""

    def __init__(self, file: VaultFile, master: bytes, header: dict,
                 tokens: list[StoredToken], lockout: LockoutRecord | None) -> None:
        self.file = file
        self._master = master
        self._header = header
        self._tokens = tokens
        self._lockout = lockout
        self.tamper_detected = False  # the lockout record was rewound since the last unlock

    def __repr__(self) -> str:
        return f"Vault({str(self.file.path)!r}, {len(self._tokens)} tokens)"

    @property
    def tokens(self) -> tuple[StoredToken, ...]:
        return tuple(self._tokens)

    @property
    def language(self) -> str:
        return self._header.get("language", "ja")

    @property
    def lock_on(self) -> bool:
        return slot_of(self._header)["type"] == "lock_code"

    def find(self, service_id: str | None = None, user_id: str | None = None) -> StoredToken:
        """The token of a service ID and user ID, or the only one when neither is named.

        Raises TokenNotInVault.
        """
        matches = [t for t in self._tokens
                   if service_id in (None, t.service_id) and user_id in (None, t.user_id)]
        if len(matches) != 1:
            raise errors.TokenNotInVault(
                "no such token" if not matches else "several tokens: name one")
        return matches[0]

    # -- changes -----------------------------------------------------------------------

    def put(self, token: StoredToken) -> None:
        """Add a token, replacing the same user's earlier token of the same institution."""
        def change(tokens: list[StoredToken]) -> list[StoredToken]:
            kept = [t if t.key != token.key else token for t in tokens]
            return kept if token in kept else [*kept, token]
        self._commit(change)

    def remove(self, service_id: str, user_id: str) -> None:
        """Delete one token (トークン削除). Raises TokenNotInVault."""
        self.find(service_id, user_id)
        self._commit(lambda tokens: [t for t in tokens if t.key != (service_id, user_id)])

    def set_language(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}")
        self._header = {**self._header, "language": language}
        self._commit(lambda tokens: tokens)

    def enable_lock(self, code: str, repeat: str) -> None:
        """App lock ON: a new master key, wrapped under the lock code. Raises InvalidLockCode."""
        check_lock_code(code, repeat)
        with exclusive(self.file.lock_path):
            self._reload()
            salt = os.urandom(32)
            derived, params = derive_at_least(code, salt, self.file.lock_kdf,
                                               self.file.min_unlock_seconds)
            self._master = AESGCM.generate_key(bit_length=256)
            slot = {"type": "lock_code", "kdf": {"algorithm": "argon2id",
                                                 "time_cost": params.time_cost,
                                                 "memory_cost_kib": params.memory_cost_kib,
                                                 "parallelism": params.parallelism},
                    "salt": b64(salt)}
            self._header = {**self._header, "slots": [wrap(derived, self._master,
                                                            self._header, slot)]}
            self._lockout = LockoutRecord.fresh(self._master, self._header["vault_id"])
            self._write()
            remove(self.file.key_path)  # after the write: a crash leaves the vault locked

    def disable_lock(self) -> None:
        """App lock OFF: a new master key, wrapped under a random key in the key file."""
        with exclusive(self.file.lock_path):
            self._reload()
            self._rekey_key_file()

    def _rekey_key_file(self) -> None:
        key = AESGCM.generate_key(bit_length=256)
        self._master = AESGCM.generate_key(bit_length=256)
        self._header = {**self._header, "slots": [wrap(key, self._master, self._header,
                                                        {"type": "key_file"})]}
        self._lockout = None
        # Key file first: a crash before the vault's write leaves the old vault openable.
        atomic_write(self.file.key_path, json.dumps(
            {"vault_id": self._header["vault_id"], "key": b64(key)}).encode())
        self._write()

    def _commit(self, change: Callable[[list[StoredToken]], list[StoredToken]]) -> None:
        with exclusive(self.file.lock_path):
            self._reload()
            self._tokens = change(self._tokens)
            self._write()

    def _reload(self) -> None:
        """Take in what another process (the CLI beside the UI) wrote since we opened."""
        try:
            document = self.file._read()
        except errors.VaultMissing:
            return  # a new vault: nothing written yet
        if document["header"]["slots"] != self._header["slots"]:
            raise errors.VaultCorrupt("the vault was re-keyed elsewhere; open it again")
        self._tokens = self.file._decrypt(document, self._master)
        if self._lockout is not None:  # keep failures another process counted meanwhile
            self._lockout = lockout_from(document)

    def _write(self) -> None:
        nonce = os.urandom(12)
        plain = json.dumps({"tokens": [t.to_record() for t in self._tokens]}).encode()
        document = {"header": self._header, "nonce": b64(nonce),
                    "ciphertext": b64(AESGCM(self._master).encrypt(nonce, plain,
                                                                    payload_aad(self._header)))}
        if self._lockout is not None:
            document["lockout"] = lockout_json(self._lockout)
        atomic_write(self.file.path, dump(document))
