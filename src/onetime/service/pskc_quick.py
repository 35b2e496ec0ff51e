"""The quick reading of a PSKC KeyPackage: RFC 6030's usual shape straight to a `Key`.

Why it exists: python-pskc looks up some forty fields per key with namespaced
ElementPath searches and decrypts each value through its own objects, 2 500 keys a
second. A package in RFC 6030's usual shape (AES-CBC values, an HMAC, the usual
namespaces) is read here instead: one AES block-decryption context for the document
(CBC's chaining is one XOR over the blocks) and a one-shot `hmac.digest` per value.
Anything else raises, and pskc_reader hands the package to pskc_fallback, so every
document still reads, or is refused, exactly as python-pskc reads it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from binascii import a2b_base64
from collections.abc import Callable
from dataclasses import dataclass
from xml.etree.ElementTree import Element

import pskc
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from pskc.algorithms import normalise_algorithm
from pskc.parser import plain2int
from pskc.xml import getbool, getint

from onetime.crypto import Secret
from onetime.domain.tokens import TokenKind
from onetime.service.pskc_key import DEVICE_TEXT, KEY_TEXT, Key, Unusual, hash_of, kind_of, text


def _tags(*names: str) -> dict[str, str]:
    """Namespaced tag -> local name, in the namespaces RFC 6030's documents use (the
    reading through python-pskc ignores namespaces; any other sends a package there)."""
    return {f"{{{ns}}}{name}": name for ns in _NAMESPACES for name in names}


_NAMESPACES = ("urn:ietf:params:xml:ns:keyprov:pskc", "http://www.w3.org/2001/04/xmlenc#")
_KEY_PACKAGE = _tags("KeyPackage")
# CryptoModuleInfo (RFC 6030's figures have one) names the device's crypto module, which
# python-pskc keeps aside with findtext, never failing on it; nothing of ours reads it.
_PACKAGE_PARTS = _tags("DeviceInfo", "CryptoModuleInfo", "Key")
_DEVICE_PARTS = _tags(*DEVICE_TEXT)
_KEY_PARTS = _tags(*KEY_TEXT, "AlgorithmParameters", "Data")
_PARAMETERS = _tags("Suite", "ResponseFormat")
# TimeDrift is not among them: python-pskc never decrypts it, so nor may we.
_QUICK_DATA = _tags("Secret", "Counter", "Time", "TimeInterval")
_VALUE_PARTS = _tags("PlainValue", "EncryptedValue", "ValueMAC")
_ENCRYPTED_PARTS = _tags("EncryptionMethod", "CipherData")
_CIPHER_PARTS = _tags("CipherValue")
_AES_CBC = {"aes128-cbc": 16, "aes192-cbc": 24, "aes256-cbc": 32}
_HMAC_URI = re.compile(r"^(.*#)?hmac-(?P<hash>[a-z0-9-]+)$")  # python-pskc's


@dataclass(frozen=True, slots=True)
class _Sealed:
    cipher: bytes
    mac: bytes | None
    algorithm: str | None


class QuickReader:
    """Reads the usual packages of one document; keeps its decryption and MAC set-up."""

    def __init__(self, container: pskc.PSKC) -> None:
        self.container = container
        self._blocks: dict[str | None, object] = {}
        self._mac: Callable[[bytes], bytes] | None = None

    def key(self, package: Element) -> Key:
        """RFC 6030's usual package straight to a Key; raises on anything else."""
        if package.tag not in _KEY_PACKAGE:
            raise Unusual(package.tag)
        parts = _kids(package, _PACKAGE_PARTS)
        key = parts["Key"]
        serial = device_user = key_user = suite = encoding = length = check = None
        if (info := parts.get("DeviceInfo")) is not None:
            for name, child in _kids(info, _DEVICE_PARTS).items():
                value = text(child)
                if name == "SerialNo":
                    serial = value
                elif name == "UserId":
                    device_user = value
        algorithm = key.get("Algorithm") or key.get("KeyAlgorithm") or key.get("SecretAlgorithm")
        fields = _kids(key, _KEY_PARTS)
        for name in KEY_TEXT:
            if name in fields:
                value = text(fields[name])
                if name == "UserId":
                    key_user = value
        if (parameters := fields.get("AlgorithmParameters")) is not None:
            given = _kids(parameters, _PARAMETERS)
            if "Suite" in given:
                suite = text(given["Suite"])
            if (response := given.get("ResponseFormat")) is not None:
                if len(response):
                    raise Unusual("ResponseFormat")
                encoding = (response.get("Encoding") or response.get("Format")
                            or response.get("format"))
                length = getint(response, "Length") or getint(response, "length")
                check = getbool(response, "CheckDigits", getbool(response, "CheckDigit"))
        values: dict[str, bytes | int | _Sealed] = {}
        if (data := fields.get("Data")) is not None:
            if data.attrib:
                raise Unusual("Data")
            for name, child in _kids(data, _QUICK_DATA).items():
                values[name] = self._value(child, integer=name != "Secret")
        # Decrypted once every value is read, as python-pskc decrypts: lazily.
        secret = self._open(values["Secret"]) if "Secret" in values else None
        counter, offset, interval = (self._number(values.get(name))
                                     for name in ("Counter", "Time", "TimeInterval"))
        kind = kind_of(algorithm)
        return Key(
            serial=serial, user_id=key_user or device_user,
            secret=Secret(secret) if secret is not None else None,
            kind=kind, algorithm=hash_of(suite),
            digits=length if length is not None else 6,
            period=(interval if interval is not None else 30) if kind == TokenKind.TOTP else 0,
            counter=counter, time_offset=offset,
            encoding=encoding.upper() if encoding else None, check_digit=bool(check))

    def _value(self, element: Element, *, integer: bool) -> bytes | int | _Sealed:
        parts = _kids(element, _VALUE_PARTS)
        if "PlainValue" in parts:
            plain = text(parts["PlainValue"])
            if not plain:
                raise Unusual("PlainValue")
            return plain2int(plain) if integer else a2b_base64(plain)
        encrypted = _kids(parts["EncryptedValue"], _ENCRYPTED_PARTS)
        method = encrypted.get("EncryptionMethod")
        if method is not None and len(method):
            raise Unusual("EncryptionMethod")
        algorithm = method.get("Algorithm") if method is not None else None
        cipher = text(_kids(encrypted["CipherData"], _CIPHER_PARTS)["CipherValue"])
        mac = text(parts["ValueMAC"]) if "ValueMAC" in parts else None
        if not cipher:
            raise Unusual("CipherValue")
        encryption = self.container.encryption
        if not encryption.algorithm and algorithm:  # as pskc_fallback (python-pskc's parser) does
            encryption.algorithm = algorithm
        return _Sealed(a2b_base64(cipher), a2b_base64(mac) if mac else None, algorithm)

    def _number(self, value: bytes | int | _Sealed | None) -> int | None:
        if not isinstance(value, _Sealed):
            return value  # type: ignore[return-value]
        plain = self._open(value)
        # python-pskc's reading: ASCII digits, else a big-endian number.
        return int(plain) if plain.isdigit() else int.from_bytes(plain, "big")

    def _open(self, value: bytes | int | _Sealed) -> bytes:
        """The plaintext of an AES-CBC value whose MAC, if it has one, matches."""
        if not isinstance(value, _Sealed):
            return value  # type: ignore[return-value]
        plain = self._decrypt(value.cipher, value.algorithm or self.container.encryption.algorithm)
        if value.mac:
            mac = self._mac or self._mac_function()
            # RFC 6030's MAC is over the ciphertext; an older draft's over the plaintext.
            if not (hmac.compare_digest(value.mac, mac(value.cipher))
                    or hmac.compare_digest(value.mac, mac(plain))):
                raise Unusual("ValueMAC")
        return plain

    def _decrypt(self, data: bytes, algorithm: str | None) -> bytes:
        """AES-CBC with the IV first and PKCS#7 padding, as python-pskc's `decrypt`.

        One block-decryption context serves the whole document; CBC's chaining is the
        XOR of each decrypted block with the block before it (the IV for the first).
        """
        blocks = self._blocks.get(algorithm)
        if blocks is None:
            blocks = self._blocks[algorithm] = self._block_decryptor(algorithm)
        if len(data) < 32 or len(data) % 16:
            raise Unusual("CipherValue")
        decrypted = blocks.update(data[16:])  # type: ignore[attr-defined]
        plain = (int.from_bytes(decrypted, "big")
                 ^ int.from_bytes(data[:-16], "big")).to_bytes(len(decrypted), "big")
        pad = plain[-1]
        if not 0 < pad <= 16 or plain[-pad:] != plain[-1:] * pad:
            raise Unusual("padding")
        return plain[:-pad]

    def _block_decryptor(self, algorithm: str | None):
        encryption = self.container.encryption
        size = _AES_CBC.get((algorithm or "").rpartition("#")[2]) if algorithm and "#" in \
            algorithm else None
        if size is None or encryption.iv or not encryption.key or len(encryption.key) != size:
            raise Unusual(algorithm)
        # ECB is CBC's block step here, chained by _decrypt; nothing is encrypted with it.
        return Cipher(algorithms.AES(encryption.key), modes.ECB()).decryptor()  # noqa: S305

    def _mac_function(self) -> Callable[[bytes], bytes]:
        mac = self.container.mac
        key = mac.key
        match = _HMAC_URI.search(normalise_algorithm(mac.algorithm) or "")
        if not key or not match:
            raise Unusual("MACMethod")
        name = match.group("hash")
        hashlib.new(name)  # ValueError for a hash OpenSSL lacks: python-pskc's reading decides
        self._mac = functools.partial(hmac.digest, key, digest=name)
        return self._mac


def _kids(elem: Element, allowed: dict[str, str]) -> dict[str, Element]:
    """Children by local name; raises Unusual for an unknown or repeated one."""
    found: dict[str, Element] = {}
    for child in elem:
        name = allowed.get(child.tag)  # type: ignore[call-overload]
        if name is None or name in found:
            raise Unusual(child.tag)
        found[name] = child
    return found
