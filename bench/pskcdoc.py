"""Large PSKC documents (RFC 6030) as a vendor ships them: TOTP keys under a pre-shared key.

Written from a template rather than with python-pskc, whose writer builds the whole tree
in memory and takes minutes for 100 000 keys. Each secret is AES-128-CBC encrypted under
the pre-shared key and MACed with HMAC-SHA1 under a MAC key that is itself carried
encrypted (RFC 6030 §6.1, the layout python-pskc writes). Secrets derive from a seed and
the key's index, like bench.loader's, so a caller can recompute any token's codes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

AES128_CBC = "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
HMAC_SHA1 = "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
TOTP_URI = "urn:ietf:params:xml:ns:keyprov:pskc:totp"
# Documents above the API's 16 MiB body limit go through the CLI; this many keys fit.
KEYS_PER_REQUEST = 20_000


@dataclass(frozen=True)
class PskcKeys:
    """`count` TOTP keys: user IDs `<prefix>0000000` …, serials, secrets from a seed."""

    prefix: str
    count: int
    digits: int = 8  # the product's 8-digit, 60-second codes (DESIGN.md)
    period: int = 60
    psk: bytes = field(default_factory=lambda: os.urandom(16), repr=False)
    seed: bytes = field(default_factory=lambda: os.urandom(32), repr=False)

    def user_id(self, index: int) -> str:
        return f"{self.prefix}{index:07d}"

    def serial(self, index: int) -> str:
        return f"PSKC{self.prefix.upper()}{index:07d}"

    def secret(self, index: int) -> bytes:
        return hashlib.blake2b(index.to_bytes(8, "big"), key=self.seed, digest_size=20).digest()


def _encrypt(key: bytes, plaintext: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    iv = os.urandom(16)
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return iv + encryptor.update(padded) + encryptor.finalize()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def chunks(keys: PskcKeys, start: int = 0, stop: int | None = None) -> Iterator[str]:
    """The document of keys[start:stop], in pieces (a header, one per key, a footer)."""
    stop = keys.count if stop is None else stop
    mac_key = os.urandom(20)
    yield ('<?xml version="1.0" encoding="UTF-8"?>\n'
           '<pskc:KeyContainer xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc" '
           'xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Version="1.0">'
           '<pskc:EncryptionKey/>'
           f'<pskc:MACMethod Algorithm="{HMAC_SHA1}"><pskc:MACKey>'
           f'<xenc:EncryptionMethod Algorithm="{AES128_CBC}"/><xenc:CipherData>'
           f'<xenc:CipherValue>{_b64(_encrypt(keys.psk, mac_key))}</xenc:CipherValue>'
           '</xenc:CipherData></pskc:MACKey></pskc:MACMethod>\n')
    for index in range(start, stop):
        cipher = _encrypt(keys.psk, keys.secret(index))
        mac = hmac.digest(mac_key, cipher, "sha1")
        yield ('<pskc:KeyPackage><pskc:DeviceInfo><pskc:Manufacturer>Bench</pskc:Manufacturer>'
               f'<pskc:SerialNo>{keys.serial(index)}</pskc:SerialNo></pskc:DeviceInfo>'
               f'<pskc:Key Algorithm="{TOTP_URI}"><pskc:AlgorithmParameters>'
               f'<pskc:ResponseFormat Length="{keys.digits}" Encoding="DECIMAL"/>'
               '</pskc:AlgorithmParameters><pskc:Data><pskc:Secret><pskc:EncryptedValue>'
               f'<xenc:EncryptionMethod Algorithm="{AES128_CBC}"/><xenc:CipherData>'
               f'<xenc:CipherValue>{_b64(cipher)}</xenc:CipherValue></xenc:CipherData>'
               f'</pskc:EncryptedValue><pskc:ValueMAC>{_b64(mac)}</pskc:ValueMAC></pskc:Secret>'
               f'<pskc:TimeInterval><pskc:PlainValue>{keys.period}</pskc:PlainValue>'
               '</pskc:TimeInterval>'
               f'</pskc:Data><pskc:UserId>{keys.user_id(index)}</pskc:UserId></pskc:Key>'
               '</pskc:KeyPackage>\n')
    yield "</pskc:KeyContainer>\n"


def document(keys: PskcKeys, start: int = 0, stop: int | None = None) -> bytes:
    return "".join(chunks(keys, start, stop)).encode()


def write(keys: PskcKeys, path: Path) -> Path:
    """Write the whole document to `path` without holding it in memory."""
    with path.open("w", encoding="utf-8") as out:
        for piece in chunks(keys):
            out.write(piece)
    return path
