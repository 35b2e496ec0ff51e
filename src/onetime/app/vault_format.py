"""The vault format's pieces (docs/vault.md): canonical JSON, AADs, key slots, lockout JSON."""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
import re
import time
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from onetime.app import errors
from onetime.app.lockout import DELAY_AFTER, LockoutRecord
from onetime.crypto import KdfParams, derive_key

MAX_TIME_COST = 64
_LOCK_CODE = re.compile(r"[0-9]{1,32}")  # [0-9], not \d: \d also matches full-width digits


def is_lock_code(code: str) -> bool:
    """1-32 digits 0-9 (the manual's rule)."""
    return _LOCK_CODE.fullmatch(code) is not None



def canonical(value: dict) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def payload_aad(header: dict) -> bytes:
    """The whole header, canonically encoded: format, version, ID, language, slots, KDF."""
    return b"onetime-vault payload|" + canonical(header)


def slot_aad(header: dict, public: dict) -> bytes:
    """Binds a slot to its vault and to its own parameters (type, KDF, salt)."""
    return b"onetime-vault slot|" + canonical({"format": header["format"],
                                                 "version": header["version"],
                                                 "vault_id": header["vault_id"],
                                                 "slot": public})


def slot_of(header: dict) -> dict:
    slots = header["slots"]
    if not isinstance(slots, list) or len(slots) > 1:
        raise ValueError("a vault has one key slot")
    if not slots:
        return {"type": "key_file"}  # only while create() writes its first slot
    if slots[0]["type"] not in ("lock_code", "key_file"):
        raise ValueError(f"unknown slot type {slots[0]['type']!r}")
    return slots[0]


def wrap(slot_key: bytes, master: bytes, header: dict, public: dict) -> dict:
    nonce = os.urandom(12)
    wrapped = AESGCM(slot_key).encrypt(nonce, master, slot_aad(header, public))
    return {**public, "nonce": b64(nonce), "wrapped_key": b64(wrapped)}


def unwrap(slot_key: bytes, header: dict, slot: dict) -> bytes | None:
    public = {k: v for k, v in slot.items() if k not in ("nonce", "wrapped_key")}
    try:
        return AESGCM(slot_key).decrypt(unb64(slot["nonce"]), unb64(slot["wrapped_key"]),
                                        slot_aad(header, public))
    except InvalidTag:
        return None


def unwrap_with_code(header: dict, slot: dict, code: str) -> bytes | None:
    if not is_lock_code(code):
        return None  # no such code could have been set; still counted as a failure
    kdf = slot["kdf"]
    if kdf.get("algorithm") != "argon2id":
        raise errors.VaultCorrupt("unknown KDF")
    params = KdfParams(int(kdf["time_cost"]), int(kdf["memory_cost_kib"]),
                       int(kdf["parallelism"]))
    return unwrap(derive_key(code, unb64(slot["salt"]), params), header, slot)


def derive_at_least(code: str, salt: bytes, params: KdfParams,
                     min_seconds: float) -> tuple[bytes, KdfParams]:
    """Derive the slot key, raising the time cost until one derivation takes `min_seconds`.

    Calibrating on the device itself keeps a guess at ≥ 0.2 s on a fast machine too.
    """
    while True:
        started = time.perf_counter()
        key = derive_key(code, salt, params)
        took = time.perf_counter() - started
        if took >= min_seconds or params.time_cost >= MAX_TIME_COST:
            return key, params
        factor = math.ceil(min_seconds * 1.2 / max(took, 1e-3))
        params = KdfParams(min(params.time_cost * max(factor, 2), MAX_TIME_COST),
                           params.memory_cost_kib, params.parallelism)


def lockout_from(document: dict) -> LockoutRecord:
    try:
        raw = document["lockout"]
        last = raw["last_failure_at"]
        return LockoutRecord(int(raw["failures"]),
                             datetime.fromisoformat(last) if last else None,
                             unb64(raw["epoch"]), unb64(raw["chain"]))
    except (KeyError, TypeError, ValueError):
        # A missing or garbled record is tampering: count it where delays begin, and
        # let the next unlock report it (its chain cannot fit).
        return LockoutRecord(DELAY_AFTER, None, b"", b"")


def lockout_json(record: LockoutRecord) -> dict:
    return {"failures": record.failures,
            "last_failure_at": record.last_failure_at.isoformat()
            if record.last_failure_at else None,
            "epoch": b64(record.epoch), "chain": b64(record.chain)}


def dump(document: dict) -> bytes:
    return json.dumps(document, indent=1, ensure_ascii=False).encode() + b"\n"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, TypeError) as exc:
        raise ValueError("not base64") from exc
