"""The reading of a PSKC KeyPackage through python-pskc: every package the quick
reading (pskc_quick.py) leaves, with the library's Key objects, its decryption and MAC
checks, and if needed its own parser.

It is what makes the reader read every document, or refuse it, exactly as python-pskc
does: legacy drafts, policies, other ciphers, a value that does not decrypt or
authenticate. A package whose fields are in the usual places still skips the library's
parser (its namespaced look-ups are the slow part) and fills the library's Device here.
"""

from __future__ import annotations

import base64
import hmac
from xml.etree.ElementTree import Element

import pskc
from pskc.device import Device
from pskc.exceptions import DecryptionError, PSKCError
from pskc.key import EncryptedIntegerValue, EncryptedValue
from pskc.parser import PSKCParser, plain2int
from pskc.xml import getbool, getint

from onetime.crypto import Secret
from onetime.domain.errors import InvalidPskc
from onetime.domain.tokens import TokenKind
from onetime.service.pskc_key import (
    DEVICE_TEXT,
    KEY_TEXT,
    LIBRARY_ERRORS,
    UNREADABLE,
    Key,
    Unusual,
    hash_of,
    kind_of,
    text,
)

UNDECRYPTABLE = ("a value could not be decrypted or authenticated: wrong or missing"
                 " PSKC-Key or PSKC-Password, or a MAC mismatch")
MALFORMED = "a value in the document is malformed"
_DATA = {"Secret": "secret", "Counter": "counter", "Time": "time_offset",
         "TimeInterval": "time_interval", "TimeDrift": "time_drift"}


def keys(container: pskc.PSKC, package: Element) -> list[Key]:
    """The keys of one package (its tags without namespaces), read and decrypted by
    python-pskc under the document's `container`. Raises InvalidPskc."""
    device = Device(container)
    _package(device, package)
    return [_converted(key) for key in device.keys]


def as_key(key: pskc.key.Key) -> Key:
    """Read one pskc Key; decrypting happens here (raises PSKCError on a bad key or MAC)."""
    kind = kind_of(key.algorithm)
    secret, counter, interval = key.secret, key.counter, key.time_interval
    return Key(
        serial=key.serial, user_id=key.key_userid or key.device_userid,
        secret=Secret(secret) if secret is not None else None,
        kind=kind, algorithm=hash_of(key.algorithm_suite),
        # RFC 4226's six digits and RFC 6238's 30 seconds when the document is silent.
        digits=key.response_length if key.response_length is not None else 6,
        period=(interval if interval is not None else 30) if kind == TokenKind.TOTP else 0,
        counter=counter, time_offset=key.time_offset,
        encoding=key.response_encoding.upper() if key.response_encoding else None,
        check_digit=bool(key.response_check))


def _converted(key: pskc.key.Key) -> Key:
    try:
        return as_key(key)
    except PSKCError:
        raise InvalidPskc(UNDECRYPTABLE) from None
    except LIBRARY_ERRORS:  # the library decrypts lazily, trusting the shapes
        raise InvalidPskc(MALFORMED) from None


def _package(device: Device, package: Element) -> None:
    """Fill `device` from `package`. Raises InvalidPskc if python-pskc cannot read it."""
    try:
        _quick_package(device, package)
        return
    except (Unusual, *LIBRARY_ERRORS):  # python-pskc decides
        device.keys.clear()
    try:
        PSKCParser.parse_key_package(device, package)
    except (PSKCError, *LIBRARY_ERRORS):
        raise InvalidPskc(UNREADABLE) from None


def _children(elem: Element, allowed) -> dict[str, Element]:
    """Children by tag; raises Unusual for an unknown or repeated one."""
    found: dict[str, Element] = {}
    for child in elem:
        if child.tag not in allowed or child.tag in found:
            raise Unusual(child.tag)
        found[child.tag] = child
    return found

def _quick_package(device: Device, package: Element) -> None:
    """python-pskc's parse_key_package for RFC 6030's usual shape; raises Unusual else."""
    parts = _children(package, ("DeviceInfo", "Key"))
    if "Key" not in parts or package.tag != "KeyPackage":
        raise Unusual(package.tag)
    if (info := parts.get("DeviceInfo")) is not None:
        for tag, child in _children(info, DEVICE_TEXT).items():
            setattr(device, DEVICE_TEXT[tag], text(child))
    key_elm = parts["Key"]
    key = device.add_key()
    key.id = key_elm.get("Id") or key_elm.get("KeyId") or key_elm.get("SecretId")
    key.algorithm = (key_elm.get("Algorithm") or key_elm.get("KeyAlgorithm")
                     or key_elm.get("SecretAlgorithm"))
    fields = _children(key_elm, {*KEY_TEXT, "AlgorithmParameters", "Data"})
    for tag, attribute in KEY_TEXT.items():
        if tag in fields:
            setattr(key, attribute, text(fields[tag]))
    if (data := fields.get("Data")) is not None:
        if data.attrib:
            raise Unusual("Data")
        for tag, child in _children(data, _DATA).items():
            _value(key, _DATA[tag], child)
    if (parameters := fields.get("AlgorithmParameters")) is not None:
        given = _children(parameters, ("Suite", "ResponseFormat"))
        if "Suite" in given:
            key.algorithm_suite = text(given["Suite"])
        if (response := given.get("ResponseFormat")) is not None:
            if len(response):
                raise Unusual("ResponseFormat")
            key.response_encoding = (response.get("Encoding") or response.get("Format")
                                     or response.get("format"))
            key.response_length = getint(response, "Length") or getint(response, "length")
            key.response_check = getbool(response, "CheckDigits",
                                         getbool(response, "CheckDigit"))


def _value(key: pskc.key.Key, field: str, element: Element) -> None:
    """python-pskc's parse_data for <PlainValue> or <EncryptedValue> with <ValueMAC>."""
    parts = _children(element, ("PlainValue", "EncryptedValue", "ValueMAC"))
    if "PlainValue" in parts:
        plain = text(parts["PlainValue"])
        if not plain:
            raise Unusual("PlainValue")
        setattr(key, field, base64.b64decode(plain) if field == "secret" else plain2int(plain))
        return
    if "EncryptedValue" not in parts:
        raise Unusual(element.tag)
    encrypted = _children(parts["EncryptedValue"], ("EncryptionMethod", "CipherData"))
    method = encrypted.get("EncryptionMethod")
    if method is not None and len(method):
        raise Unusual("EncryptionMethod")
    algorithm = method.get("Algorithm") if method is not None else None
    cipher_data = _children(encrypted["CipherData"], ("CipherValue",))
    cipher = text(cipher_data["CipherValue"])
    mac = text(parts["ValueMAC"]) if "ValueMAC" in parts else None
    if not cipher:
        raise Unusual("CipherValue")
    container = key.device.pskc
    if not container.encryption.algorithm and algorithm:
        container.encryption.algorithm = algorithm
    value_type = _EncryptedValue if field == "secret" else _EncryptedIntegerValue
    setattr(key, field, value_type(base64.b64decode(cipher),
                                   base64.b64decode(mac) if mac else None, algorithm))


class _MacOnce:
    """python-pskc's get_value, but the MAC over the plaintext is computed only if the one
    over the ciphertext (RFC 6030's) does not match: one HMAC a value instead of two."""

    def get_value(self, container: pskc.PSKC):
        plaintext = container.encryption.decrypt_value(self.cipher_value, self.algorithm)
        if self.mac_value and not (
                hmac.compare_digest(self.mac_value, container.mac.generate_mac(self.cipher_value))
                or hmac.compare_digest(self.mac_value, container.mac.generate_mac(plaintext))):
            raise DecryptionError("MAC value does not match")
        return plaintext


class _EncryptedValue(_MacOnce, EncryptedValue):
    pass


class _EncryptedIntegerValue(EncryptedIntegerValue):
    def get_value(self, container: pskc.PSKC) -> int:
        value = _MacOnce.get_value(self, container)
        # python-pskc's reading: ASCII digits, else a big-endian number.
        return int(value) if value.isdigit() else int.from_bytes(value, "big")

