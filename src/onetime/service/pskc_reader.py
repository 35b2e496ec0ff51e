"""Reading a PSKC document (RFC 6030) one KeyPackage at a time.

python-pskc reads the whole tree, copies it for signature checks and looks up each of
some forty fields per key with namespaced ElementPath searches: 2 500 keys a second, and
a tree of 100 000 keys held twice. Here the document is streamed (`iterparse`) and each
package dropped once read, so memory holds one package and the keys read so far. A
package in RFC 6030's usual shape is read straight into python-pskc's Key objects; any
other element (legacy drafts, policies, challenge formats, dates) sends that package to
python-pskc's own parser, so every document reads as python-pskc reads it. Decryption
and MAC checks stay python-pskc's; the MAC key is decrypted once per document, not
once per value.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import io
import re
import xml.parsers.expat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError, iterparse

import pskc
from pskc.device import Device
from pskc.exceptions import DecryptionError, PSKCError
from pskc.key import EncryptedIntegerValue, EncryptedValue
from pskc.parser import PSKCParser, plain2int
from pskc.xml import getbool, getint

from onetime.crypto import Secret
from onetime.domain.errors import InvalidPskc
from onetime.domain.tokens import TokenKind
from onetime.otp import ALGORITHMS

# PBKDF2 runs on the request thread: a document must not name a cost that stalls it
# (2 000 000 SHA-1 iterations take about a second; vendors use far fewer).
MAX_PBKDF2_ITERATIONS = 2_000_000
UNREADABLE = "the document is not a readable PSKC document"
UNDECRYPTABLE = ("a value could not be decrypted or authenticated: wrong or missing"
                 " PSKC-Key or PSKC-Password, or a MAC mismatch")
MALFORMED = "a value in the document is malformed"
# What python-pskc raises, beyond its own PSKCError, on a document of a shape it does not
# expect (it trusts the document: a missing element is None where a value was due, a
# number or a date that does not parse, base64 that does not decode). Anything else is a
# bug of ours and surfaces as one.
_LIBRARY_ERRORS: tuple[type[Exception], ...] = (ValueError, TypeError, AttributeError,
                                                KeyError, IndexError, ArithmeticError)


@dataclass(frozen=True, slots=True)
class Key:
    """One key as read from the document; `secret` is decrypted but wrapped."""

    serial: str | None
    user_id: str | None
    secret: Secret | None
    kind: TokenKind | None
    algorithm: str | None
    digits: int
    period: int
    counter: int | None
    time_offset: int | None
    encoding: str | None
    check_digit: bool


def read(source: bytes | BinaryIO, psk_hex: str | None, password: str | bytes | None,
         progress: Callable[[int], None] | None = None) -> list[Key]:
    """Parse and decrypt every key of a document (bytes, or a seekable binary file).

    `progress`, if given, is called with the number of keys read so far, every 1 000.
    Raises InvalidPskc.
    """
    if psk_hex is not None and password is not None:
        raise InvalidPskc("send PSKC-Key or PSKC-Password, not both")
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    _refuse_dtd(stream)
    stream.seek(0)
    keys: list[Key] = []
    for key in _pskc_keys(stream, psk_hex, password):
        try:
            keys.append(_key(key))
        except PSKCError:
            raise InvalidPskc(UNDECRYPTABLE) from None
        except _LIBRARY_ERRORS:  # the library decrypts lazily, trusting the shapes
            raise InvalidPskc(MALFORMED) from None
        if progress and len(keys) % 1_000 == 0:
            progress(len(keys))
    return keys


def _refuse_dtd(stream: BinaryIO) -> None:
    """PSKC needs no DTD; refusing one rules out entity expansion and external entities."""

    def refuse(*_args) -> None:
        raise InvalidPskc("DTDs and entity declarations are not accepted")

    parser = xml.parsers.expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    try:
        parser.ParseFile(stream)
    except xml.parsers.expat.ExpatError:
        raise InvalidPskc("the document is not well-formed XML") from None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _pskc_keys(stream: BinaryIO, psk_hex: str | None,
               password: str | bytes | None) -> Iterator[pskc.key.Key]:
    """python-pskc Key objects, one package at a time. Raises InvalidPskc."""
    container = pskc.PSKC()
    depth = 0
    root: Element | None = None
    header_done = False
    try:
        # S314: _refuse_dtd has already refused DTDs and entities, the attacks meant.
        for event, elem in iterparse(stream, events=("start", "end")):  # noqa: S314
            if event == "start":
                depth += 1
                if depth == 1:
                    root = elem
                    _check_root(container, elem)
                elif depth == 2 and not header_done and _local(elem.tag) in ("KeyPackage",
                                                                             "Device"):
                    _header(container, root, psk_hex, password)
                    header_done = True
                continue
            depth -= 1
            elem.tag = _local(elem.tag)
            if depth == 1 and elem.tag in ("KeyPackage", "Device"):
                device = Device(container)
                _package(device, elem)
                assert root is not None
                root.remove(elem)  # read: keep no tree of 100 000 keys
                yield from device.keys
            elif depth == 1 and header_done and elem.tag in (
                    "EncryptionKey", "EncryptionMethod", "MACMethod", "DigestMethod",
                    "MACAlgorithm"):
                # RFC 6030's schema puts them first; keys already read would miss them.
                raise InvalidPskc(UNREADABLE)
    except (InvalidPskc, PSKCError):
        raise
    except (ParseError, *_LIBRARY_ERRORS):  # hostile input breaks more than the syntax
        raise InvalidPskc(UNREADABLE) from None
    if not header_done and root is not None:
        _header(container, root, psk_hex, password)


def _check_root(container: pskc.PSKC, root: Element) -> None:
    tag = _local(root.tag)
    if tag not in ("KeyContainer", "SecretContainer"):
        raise InvalidPskc(UNREADABLE)
    container.version = root.get("Version") or root.get("version")
    if tag == "KeyContainer" and container.version and container.version not in ("1", "1.0"):
        raise InvalidPskc(UNREADABLE)


def _header(container: pskc.PSKC, root: Element, psk_hex: str | None,
            password: str | bytes | None) -> None:
    """Read the encryption and MAC set-up (all before the first package) and apply the key."""
    try:
        parser = PSKCParser
        parser.parse_encryption(container.encryption, _first(root, "EncryptionKey",
                                                             "EncryptionMethod"))
        parser.parse_mac_method(container.mac, _first(root, "MACMethod", "DigestMethod"))
        if mac_algorithm := _first_text(root, "MACAlgorithm"):
            container.mac.algorithm = mac_algorithm
    except (PSKCError, *_LIBRARY_ERRORS):
        raise InvalidPskc(UNREADABLE) from None
    if psk_hex is not None:
        try:
            container.encryption.key = bytes.fromhex(psk_hex.strip())
        except ValueError:
            raise InvalidPskc("PSKC-Key must be hexadecimal") from None
    elif password is not None:
        _derive(container, password)
    # Decrypted once here rather than once per value; a wrong key fails again, and is
    # reported, at the first value that needs it.
    with contextlib.suppress(Exception):
        container.mac.key = container.mac.key


def _first(root: Element, *tags: str) -> Element | None:
    for tag in tags:
        for child in root:
            if _local(child.tag) == tag:
                return child
    return None


def _first_text(root: Element, tag: str) -> str | None:
    elem = _first(root, tag)
    return elem.text.strip() if elem is not None and elem.text else None


def _derive(container: pskc.PSKC, password: str | bytes) -> None:
    derivation = container.encryption.derivation
    iterations = derivation.pbkdf2_iterations or 0
    length = derivation.pbkdf2_key_length or 0
    if iterations > MAX_PBKDF2_ITERATIONS:
        raise InvalidPskc(f"PBKDF2 iteration count above {MAX_PBKDF2_ITERATIONS}")
    if length > 64:
        raise InvalidPskc("PBKDF2 key length above 64 bytes")
    try:
        container.encryption.derive_key(password)
    except (PSKCError, ValueError, TypeError):
        raise InvalidPskc("no key can be derived from PSKC-Password for this document") \
            from None


# -- one package --------------------------------------------------------------------------


class _Unusual(Exception):
    """The package has a shape the quick reader leaves to python-pskc's parser."""


def _package(device: Device, package: Element) -> None:
    """Fill `device` from `package`. Raises InvalidPskc if python-pskc cannot read it."""
    try:
        _quick_package(device, package)
        return
    except (_Unusual, *_LIBRARY_ERRORS):  # python-pskc decides
        device.keys.clear()
    try:
        PSKCParser.parse_key_package(device, package)
    except (PSKCError, *_LIBRARY_ERRORS):
        raise InvalidPskc(UNREADABLE) from None


_DEVICE_TEXT = {"Manufacturer": "manufacturer", "SerialNo": "serial", "Model": "model",
                "IssueNo": "issue_no", "DeviceBinding": "device_binding",
                "UserId": "device_userid"}
_KEY_TEXT = {"Issuer": "issuer", "KeyProfileId": "key_profile",
             "KeyReference": "key_reference", "FriendlyName": "friendly_name",
             "UserId": "key_userid"}
_DATA = {"Secret": "secret", "Counter": "counter", "Time": "time_offset",
         "TimeInterval": "time_interval", "TimeDrift": "time_drift"}


def _children(elem: Element, allowed) -> dict[str, Element]:
    """Children by tag; raises _Unusual for an unknown or repeated one."""
    found: dict[str, Element] = {}
    for child in elem:
        if child.tag not in allowed or child.tag in found:
            raise _Unusual(child.tag)
        found[child.tag] = child
    return found


def _text(elem: Element) -> str | None:
    if len(elem):
        raise _Unusual(elem.tag)
    return elem.text.strip() if elem.text else None


def _quick_package(device: Device, package: Element) -> None:
    """python-pskc's parse_key_package for RFC 6030's usual shape; raises _Unusual else."""
    parts = _children(package, ("DeviceInfo", "Key"))
    if "Key" not in parts or package.tag != "KeyPackage":
        raise _Unusual(package.tag)
    if (info := parts.get("DeviceInfo")) is not None:
        for tag, child in _children(info, _DEVICE_TEXT).items():
            setattr(device, _DEVICE_TEXT[tag], _text(child))
    key_elm = parts["Key"]
    key = device.add_key()
    key.id = key_elm.get("Id") or key_elm.get("KeyId") or key_elm.get("SecretId")
    key.algorithm = (key_elm.get("Algorithm") or key_elm.get("KeyAlgorithm")
                     or key_elm.get("SecretAlgorithm"))
    fields = _children(key_elm, {*_KEY_TEXT, "AlgorithmParameters", "Data"})
    for tag, attribute in _KEY_TEXT.items():
        if tag in fields:
            setattr(key, attribute, _text(fields[tag]))
    if (data := fields.get("Data")) is not None:
        if data.attrib:
            raise _Unusual("Data")
        for tag, child in _children(data, _DATA).items():
            _value(key, _DATA[tag], child)
    if (parameters := fields.get("AlgorithmParameters")) is not None:
        given = _children(parameters, ("Suite", "ResponseFormat"))
        if "Suite" in given:
            key.algorithm_suite = _text(given["Suite"])
        if (response := given.get("ResponseFormat")) is not None:
            if len(response):
                raise _Unusual("ResponseFormat")
            key.response_encoding = (response.get("Encoding") or response.get("Format")
                                     or response.get("format"))
            key.response_length = getint(response, "Length") or getint(response, "length")
            key.response_check = getbool(response, "CheckDigits",
                                         getbool(response, "CheckDigit"))


def _value(key: pskc.key.Key, field: str, element: Element) -> None:
    """python-pskc's parse_data for <PlainValue> or <EncryptedValue> with <ValueMAC>."""
    parts = _children(element, ("PlainValue", "EncryptedValue", "ValueMAC"))
    if "PlainValue" in parts:
        plain = _text(parts["PlainValue"])
        if not plain:
            raise _Unusual("PlainValue")
        setattr(key, field, base64.b64decode(plain) if field == "secret" else plain2int(plain))
        return
    if "EncryptedValue" not in parts:
        raise _Unusual(element.tag)
    encrypted = _children(parts["EncryptedValue"], ("EncryptionMethod", "CipherData"))
    method = encrypted.get("EncryptionMethod")
    if method is not None and len(method):
        raise _Unusual("EncryptionMethod")
    algorithm = method.get("Algorithm") if method is not None else None
    cipher_data = _children(encrypted["CipherData"], ("CipherValue",))
    cipher = _text(cipher_data["CipherValue"])
    mac = _text(parts["ValueMAC"]) if "ValueMAC" in parts else None
    if not cipher:
        raise _Unusual("CipherValue")
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


# -- one key --------------------------------------------------------------------------------


def _key(key: pskc.key.Key) -> Key:
    """Read one pskc Key; decrypting happens here (raises PSKCError on a bad key or MAC)."""
    kind = _kind(key.algorithm)
    secret, counter, interval = key.secret, key.counter, key.time_interval
    return Key(
        serial=key.serial, user_id=key.key_userid or key.device_userid,
        secret=Secret(secret) if secret is not None else None,
        kind=kind, algorithm=_hash(key.algorithm_suite),
        # RFC 4226's six digits and RFC 6238's 30 seconds when the document is silent.
        digits=key.response_length if key.response_length is not None else 6,
        period=(interval if interval is not None else 30) if kind == TokenKind.TOTP else 0,
        counter=counter, time_offset=key.time_offset,
        encoding=key.response_encoding.upper() if key.response_encoding else None,
        check_digit=bool(key.response_check))


def _kind(algorithm: str | None) -> TokenKind | None:
    """hotp/totp from the algorithm URI (`urn:ietf:params:xml:ns:keyprov:pskc:hotp`)."""
    name = re.split(r"[:#/]", (algorithm or "").strip().lower())[-1]
    return {"hotp": TokenKind.HOTP, "totp": TokenKind.TOTP}.get(name)


def _hash(suite: str | None) -> str | None:
    """sha1/sha256/sha512 from a Suite such as `HMAC-SHA256`; SHA-1 when absent, else None."""
    if not suite:
        return "sha1"
    name = suite.strip().lower().removeprefix("hmac").strip("-_ ").replace("-", "")
    return name if name in ALGORITHMS else None
