"""`FileKeyProvider`: AES-256-GCM keys and the MAC root key in one JSON file.

The file (mode 0600) reads::

    {"version": 1, "active": "k-3f9a1c",
     "keys": {"k-3f9a1c": "<base64 of 32 bytes>", ...},
     "mac_root": "<base64 of 32 bytes>"}

It is only ever replaced whole (temporary file, fsync, rename), so a crash
leaves the old file or the new one, never half of one. Several service
processes may share it: each notices a rotation made by another.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from onetime.crypto.errors import (
    DecryptionFailed,
    KeyFileCorrupt,
    KeyFileExists,
    KeyFileExposed,
    KeyFileMissing,
    UnknownKey,
)
from onetime.crypto.provider import KeyProvider
from onetime.files import atomic_write, exclusive

FORMAT_VERSION = 1
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96 bits: the nonce size GCM is specified for (SP 800-38D §5.2.1.1)
TAG_BYTES = 16
# How often active_key_id() looks at the file for a rotation made by another process:
# one stat a second per process is free, and a new key in use a second late is harmless.
RELOAD_INTERVAL = 1.0
_MAC_INFO_PREFIX = b"onetime/mac/v1/"

_Stamp = tuple[int, int, int, int]


class _KeyFile:
    """The parsed contents of a key file; its repr shows ids, never keys."""

    __slots__ = ("active", "keys", "mac_root", "macs")

    def __init__(self, active: str, keys: Mapping[str, bytes], mac_root: bytes) -> None:
        self.active = active
        self.keys = dict(keys)
        self.mac_root = mac_root
        # A keyed HMAC per purpose, derived from this mac_root: a reload makes a new
        # _KeyFile, so a key derived from another file's mac_root is never used.
        self.macs: dict[str, hmac.HMAC] = {}

    def __repr__(self) -> str:
        return f"_KeyFile(active={self.active!r}, keys={sorted(self.keys)!r})"

    def with_new_key(self) -> _KeyFile:
        key_id = _new_key_id(self.keys)
        keys = {**self.keys, key_id: secrets.token_bytes(KEY_BYTES)}
        return _KeyFile(active=key_id, keys=keys, mac_root=self.mac_root)

    def to_json(self) -> bytes:
        doc = {
            "version": FORMAT_VERSION,
            "active": self.active,
            "keys": {key_id: _b64(key) for key_id, key in self.keys.items()},
            "mac_root": _b64(self.mac_root),
        }
        return (json.dumps(doc, indent=2) + "\n").encode("ascii")


class FileKeyProvider(KeyProvider):
    """Keys in one local JSON file; the embedded default `KeyProvider`.

    Build one with `create` (a new file) or `open` (an existing one). Blobs
    are ``nonce (12 bytes) || ciphertext || tag (16 bytes)``, AES-256-GCM
    with a fresh random nonce per encryption.

    Another process may rotate the file at any time. This one notices on
    `decrypt` or `encrypt` with a key id it does not hold (it re-reads the
    file before raising UnknownKey), and in `active_key_id` and `key_ids`,
    which look at the file's stat at most once per `RELOAD_INTERVAL`.
    `monotonic` is the clock for that interval, a parameter so tests can
    advance it.
    """

    def __init__(
        self,
        path: Path,
        contents: _KeyFile,
        stamp: _Stamp,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Wrap already-read contents; use `create` or `open` instead."""
        self._path = path
        self._contents = contents
        self._stamp = stamp
        self._monotonic = monotonic
        self._checked_at = monotonic()
        self._rotation_lock = threading.Lock()

    @classmethod
    def create(
        cls, path: str | os.PathLike[str], *, monotonic: Callable[[], float] = time.monotonic
    ) -> FileKeyProvider:
        """Write a new key file (mode 0600) with one key and a MAC root key.

        Raises KeyFileExists if the path is taken: overwriting a key file
        would destroy every secret encrypted under it.
        """
        path = Path(path)
        key_id = _new_key_id({})
        contents = _KeyFile(
            active=key_id,
            keys={key_id: secrets.token_bytes(KEY_BYTES)},
            mac_root=secrets.token_bytes(KEY_BYTES),
        )
        try:
            atomic_write(path, contents.to_json(), overwrite=False)
        except FileExistsError:
            raise KeyFileExists(path) from None
        return cls.open(path, monotonic=monotonic)

    @staticmethod
    def require_private(path: str | os.PathLike[str]) -> None:
        """Raises KeyFileExposed unless only the owner may read and write the key file."""
        mode = os.stat(path).st_mode & 0o7777
        if mode & 0o077:
            raise KeyFileExposed(Path(path), mode)

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], *, monotonic: Callable[[], float] = time.monotonic
    ) -> FileKeyProvider:
        """Read an existing key file.

        Raises KeyFileMissing if there is none, KeyFileCorrupt if it cannot
        be used.
        """
        path = Path(path)
        contents, stamp = _read(path)
        return cls(path, contents, stamp, monotonic=monotonic)

    @property
    def path(self) -> Path:
        return self._path

    def __repr__(self) -> str:
        return f"FileKeyProvider({str(self._path)!r})"

    def key_ids(self) -> list[str]:
        """Return every key id in the file; raises KeyFileMissing if it vanished."""
        self._reload_if_changed()
        return list(self._contents.keys)

    def active_key_id(self) -> str:
        """Return the active key id; raises KeyFileMissing if the file vanished."""
        self._reload_if_changed()
        return self._contents.active

    def encrypt(self, key_id: str, plaintext: bytes, aad: bytes) -> bytes:
        """Return nonce || ciphertext || tag; raises UnknownKey."""
        aead = AESGCM(self._key(key_id))
        # A random nonce never repeats in practice below 2^32 encryptions per key
        # (SP 800-38D §8.3); rotation keeps every key far below that.
        nonce = os.urandom(NONCE_BYTES)
        return nonce + aead.encrypt(nonce, plaintext, aad)

    def decrypt(self, key_id: str, blob: bytes, aad: bytes) -> bytes:
        """Return the plaintext; raises UnknownKey or DecryptionFailed."""
        aead = AESGCM(self._key(key_id))
        if len(blob) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionFailed(key_id)
        try:
            return aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
        except InvalidTag:
            raise DecryptionFailed(key_id) from None

    def add_key(self) -> str:
        """Add a new key to the file, make it active and return its id.

        Raises KeyFileMissing or KeyFileCorrupt if the file went bad since
        it was opened.
        """
        with self._rotation_lock, exclusive(self._path.with_name(f"{self._path.name}.lock")):
            # Re-read under the lock: a key another process added since our last
            # read must survive, or the secrets it encrypted would be lost.
            self._reload()
            contents = self._contents.with_new_key()
            atomic_write(self._path, contents.to_json())
            # Re-read so our own write is not later taken for someone else's.
            self._reload()
            return contents.active

    def mac(self, purpose: str, data: bytes) -> bytes:
        """Return HMAC-SHA256 of `data` under the HKDF-derived key for `purpose`.

        Raises ValueError for an empty purpose.
        """
        if not purpose:
            raise ValueError("a MAC needs a purpose")
        contents = self._contents  # read once: a reload in another thread replaces it whole
        keyed = contents.macs.get(purpose)
        if keyed is None:
            # Keyed once per purpose: the sealer MACs every audit entry, and deriving the
            # key each time cost it more than the HMAC itself.
            key = HKDF(
                algorithm=hashes.SHA256(),
                length=32,
                salt=None,
                info=_MAC_INFO_PREFIX + purpose.encode("utf-8"),
            ).derive(contents.mac_root)
            keyed = contents.macs[purpose] = hmac.new(key, digestmod=hashlib.sha256)
        mac = keyed.copy()  # the standard library's HMAC, OpenSSL underneath: same bytes
        mac.update(data)
        return mac.digest()

    def _key(self, key_id: str) -> bytes:
        key = self._contents.keys.get(key_id)
        if key is None:
            # Another process may have rotated since we read the file: look once more.
            self._reload()
            key = self._contents.keys.get(key_id)
        if key is None:
            raise UnknownKey(key_id)
        return key

    def _reload_if_changed(self) -> None:
        now = self._monotonic()
        if now - self._checked_at < RELOAD_INTERVAL:
            return
        self._checked_at = now
        try:
            stamp = _stamp_of(os.stat(self._path))
        except FileNotFoundError:
            raise KeyFileMissing(self._path) from None
        if stamp != self._stamp:
            self._reload()

    def _reload(self) -> None:
        self._contents, self._stamp = _read(self._path)


def _new_key_id(taken: Mapping[str, bytes]) -> str:
    while True:
        key_id = f"k-{secrets.token_hex(3)}"
        if key_id not in taken:
            return key_id


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _stamp_of(st: os.stat_result) -> _Stamp:
    # The inode changes on every os.replace; size and times catch the rest.
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _read(path: Path) -> tuple[_KeyFile, _Stamp]:
    try:
        with path.open("rb") as file:
            # The stamp of the very file read, not of whatever the path names a moment later.
            stamp = _stamp_of(os.fstat(file.fileno()))
            raw = file.read()
    except FileNotFoundError:
        raise KeyFileMissing(path) from None
    return _parse(path, raw), stamp


def _parse(path: Path, raw: bytes) -> _KeyFile:
    try:
        doc = json.loads(raw)
    except ValueError:
        # `from None`: a JSONDecodeError carries the whole document, keys included.
        raise KeyFileCorrupt(path, "not JSON") from None
    if not isinstance(doc, dict):
        raise KeyFileCorrupt(path, "not a JSON object")
    if doc.get("version") != FORMAT_VERSION:
        raise KeyFileCorrupt(path, f"unsupported version {doc.get('version')!r}")
    keys = doc.get("keys")
    if not isinstance(keys, dict) or not keys:
        raise KeyFileCorrupt(path, "no keys")
    decoded = {key_id: _decode_key(path, key_id, value) for key_id, value in keys.items()}
    active = doc.get("active")
    if not isinstance(active, str) or active not in decoded:
        raise KeyFileCorrupt(path, "the active key is not among the keys")
    mac_root = _decode_key(path, "mac_root", doc.get("mac_root"))
    return _KeyFile(active=active, keys=decoded, mac_root=mac_root)


def _decode_key(path: Path, name: str, value: Any) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except (TypeError, ValueError, binascii.Error):
        raise KeyFileCorrupt(path, f"{name!r} is not base64") from None
    if len(raw) != KEY_BYTES:
        raise KeyFileCorrupt(path, f"{name!r} is not {KEY_BYTES} bytes")
    return raw
