"""Reading a PSKC document (RFC 6030) one KeyPackage at a time.

python-pskc reads the whole tree, copies it for signature checks and looks up each of
some forty fields per key with namespaced ElementPath searches: 2 500 keys a second, and
a tree of 100 000 keys held twice. Here the document is fed to the C parser in chunks
with no events (the C tree builder does all the work) and each package is read and
dropped from the tree as soon as it is complete, so memory holds one chunk's packages.

A package in RFC 6030's usual shape (AES-CBC values, an HMAC, the usual namespaces) is
read straight into our `Key`: one AES block-decryption context for the document (CBC's
chaining is one XOR over the blocks) and a one-shot `hmac.digest` per value. Anything
else (legacy drafts, policies, other ciphers, a value that does not decrypt or
authenticate) sends that package to the reading through python-pskc's Key objects,
its decryption and MAC checks, and if needed its own parser: so every document reads,
or is refused, exactly as python-pskc reads it. The key derivation (PBKDF2) and the MAC
key's decryption happen once per document.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import hmac
import io
import re
import xml.parsers.expat
from binascii import a2b_base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError, TreeBuilder, XMLParser

import pskc
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from pskc.algorithms import normalise_algorithm
from pskc.device import Device
from pskc.exceptions import DecryptionError, PSKCError
from pskc.key import EncryptedIntegerValue, EncryptedValue
from pskc.parser import PSKCParser, plain2int
from pskc.xml import getbool, getint

from onetime.crypto import Secret
from onetime.domain.errors import InvalidPskc
from onetime.domain.tokens import TokenKind
from onetime.otp import ALGORITHMS

# Bytes fed to the parser at a time.
CHUNK = 256 * 1024
# PBKDF2 runs on the request thread: a document must not name a cost that stalls it
# (2 000 000 SHA-1 iterations take about a second; vendors use far fewer).
MAX_PBKDF2_ITERATIONS = 2_000_000
UNREADABLE = "the document is not a readable PSKC document"
NOT_XML = "the document is not well-formed XML"
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
    keys: list[Key] = []
    for key in stream(source, psk_hex, password):
        keys.append(key)
        if progress and len(keys) % 1_000 == 0:
            progress(len(keys))
    return keys


def stream(source: bytes | BinaryIO, psk_hex: str | None,
           password: str | bytes | None) -> Iterator[Key]:
    """The keys of a document one at a time, in document order, decrypted.

    Raises InvalidPskc, possibly after some keys have come: whoever writes them must
    do so all or nothing.
    """
    if psk_hex is not None and password is not None:
        raise InvalidPskc("send PSKC-Key or PSKC-Password, not both")
    document = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    _refuse_dtd(document)
    document.seek(0)
    for reader, package in _packages(document, psk_hex, password):
        yield from reader.package(package)


def _refuse_dtd(stream: BinaryIO) -> None:
    """PSKC needs no DTD; refusing one rules out entity expansion and external entities.

    A DTD can only come before the root element, so the check stops there: the rest of
    the document is parsed once, by _packages.
    """

    def refuse(*_args) -> None:
        raise InvalidPskc("DTDs and entity declarations are not accepted")

    def root_starts(*_args) -> None:
        raise _RootStarts

    parser = xml.parsers.expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = root_starts
    try:
        parser.ParseFile(stream)
    except _RootStarts:
        return
    except xml.parsers.expat.ExpatError:
        raise InvalidPskc(NOT_XML) from None
    raise InvalidPskc(NOT_XML)  # no root element (expat would have said so)


class _RootStarts(Exception):
    pass


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _packages(stream: BinaryIO, psk_hex: str | None,
              password: str | bytes | None) -> Iterator[tuple[_Reader, Element]]:
    """Each complete package with the reader of its document. Raises InvalidPskc.

    The C parser is fed CHUNK bytes at a time and reports only the root's start (what
    iterparse does through the same private hook): with no event per element, the C
    tree builder does all the parsing work. Every child of the root but the last is
    complete after a feed; packages are handed out and removed, the header stays.
    """
    container = pskc.PSKC()
    reader: _Reader | None = None
    # S314: _refuse_dtd has already refused DTDs and entities, the attacks meant.
    parser = XMLParser(target=TreeBuilder())  # noqa: S314
    events: list[tuple[str, Element]] = []
    parser._setevents(events, ("start",))
    root: Element | None = None
    kept = 0  # the root's first children, the header, stay for _header
    try:
        while True:
            chunk = stream.read(CHUNK)
            if chunk:
                parser.feed(chunk)
            else:
                parser.close()
            if root is None and events:
                root = events[0][1]
                _check_root(container, root)
                parser._setevents(events, ())  # no more events
            if root is not None:
                done = len(root) if not chunk else len(root) - 1
                header: list[Element] = []
                for elem in root[kept:done]:
                    tag = _local(elem.tag)
                    if tag in ("KeyPackage", "Device"):
                        if reader is None:
                            reader = _Reader(_header(container, root, psk_hex, password))
                        yield reader, elem
                    elif reader is not None and tag in _HEADER:
                        # RFC 6030's schema puts them first; keys already read would miss them.
                        raise InvalidPskc(UNREADABLE)
                    else:
                        _strip(elem)
                        header.append(elem)
                root[kept:done] = header  # read: keep no tree of 100 000 keys
                kept += len(header)
            if not chunk:
                break
    except (InvalidPskc, PSKCError):
        raise
    except ParseError:
        raise InvalidPskc(NOT_XML) from None
    except _LIBRARY_ERRORS:  # hostile input breaks more than the syntax
        raise InvalidPskc(UNREADABLE) from None
    if reader is None and root is not None:
        _header(container, root, psk_hex, password)


_HEADER = frozenset(("EncryptionKey", "EncryptionMethod", "MACMethod", "DigestMethod",
                     "MACAlgorithm"))


def _strip(elem: Element) -> None:
    """Local names throughout, as python-pskc's parser expects them."""
    for child in elem.iter():
        child.tag = _local(child.tag)


def _check_root(container: pskc.PSKC, root: Element) -> None:
    tag = _local(root.tag)
    if tag not in ("KeyContainer", "SecretContainer"):
        raise InvalidPskc(UNREADABLE)
    container.version = root.get("Version") or root.get("version")
    if tag == "KeyContainer" and container.version and container.version not in ("1", "1.0"):
        raise InvalidPskc(UNREADABLE)


def _header(container: pskc.PSKC, root: Element, psk_hex: str | None,
            password: str | bytes | None) -> pskc.PSKC:
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
    return container


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


# -- the quick path -----------------------------------------------------------------------


def _tags(*names: str) -> dict[str, str]:
    """Namespaced tag -> local name, in the namespaces RFC 6030's documents use (the
    reading through python-pskc ignores namespaces; any other sends a package there)."""
    return {f"{{{ns}}}{name}": name for ns in _NAMESPACES for name in names}


_NAMESPACES = ("urn:ietf:params:xml:ns:keyprov:pskc", "http://www.w3.org/2001/04/xmlenc#")
_KEY_PACKAGE = _tags("KeyPackage")
# CryptoModuleInfo (RFC 6030's figures have one) names the device's crypto module, which
# python-pskc keeps aside with findtext, never failing on it; nothing of ours reads it.
_PACKAGE_PARTS = _tags("DeviceInfo", "CryptoModuleInfo", "Key")
_DEVICE_PARTS = _tags(*_DEVICE_TEXT)
_KEY_PARTS = _tags(*_KEY_TEXT, "AlgorithmParameters", "Data")
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


class _Reader:
    """Reads the packages of one document; keeps its decryption and MAC set-up."""

    def __init__(self, container: pskc.PSKC) -> None:
        self.container = container
        self._blocks: dict[str | None, object] = {}
        self._mac: Callable[[bytes], bytes] | None = None

    def package(self, package: Element) -> list[Key]:
        """The keys of one package. Raises InvalidPskc."""
        # Anything unusual, a bad value included: the reading through python-pskc decides,
        # keys or refusal, exactly as before the quick path.
        with contextlib.suppress(Exception):
            return [self._quick(package)]
        _strip(package)
        device = Device(self.container)
        _package(device, package)
        return [_converted(key) for key in device.keys]

    def _quick(self, package: Element) -> Key:
        """RFC 6030's usual package straight to a Key; raises on anything else."""
        if package.tag not in _KEY_PACKAGE:
            raise _Unusual(package.tag)
        parts = _kids(package, _PACKAGE_PARTS)
        key = parts["Key"]
        serial = device_user = key_user = suite = encoding = length = check = None
        if (info := parts.get("DeviceInfo")) is not None:
            for name, child in _kids(info, _DEVICE_PARTS).items():
                value = _text(child)
                if name == "SerialNo":
                    serial = value
                elif name == "UserId":
                    device_user = value
        algorithm = key.get("Algorithm") or key.get("KeyAlgorithm") or key.get("SecretAlgorithm")
        fields = _kids(key, _KEY_PARTS)
        for name in _KEY_TEXT:
            if name in fields:
                value = _text(fields[name])
                if name == "UserId":
                    key_user = value
        if (parameters := fields.get("AlgorithmParameters")) is not None:
            given = _kids(parameters, _PARAMETERS)
            if "Suite" in given:
                suite = _text(given["Suite"])
            if (response := given.get("ResponseFormat")) is not None:
                if len(response):
                    raise _Unusual("ResponseFormat")
                encoding = (response.get("Encoding") or response.get("Format")
                            or response.get("format"))
                length = getint(response, "Length") or getint(response, "length")
                check = getbool(response, "CheckDigits", getbool(response, "CheckDigit"))
        values: dict[str, bytes | int | _Sealed] = {}
        if (data := fields.get("Data")) is not None:
            if data.attrib:
                raise _Unusual("Data")
            for name, child in _kids(data, _QUICK_DATA).items():
                values[name] = self._value(child, integer=name != "Secret")
        # Decrypted once every value is read, as python-pskc decrypts: lazily.
        secret = self._open(values["Secret"]) if "Secret" in values else None
        counter, offset, interval = (self._number(values.get(name))
                                     for name in ("Counter", "Time", "TimeInterval"))
        kind = _kind(algorithm)
        return Key(
            serial=serial, user_id=key_user or device_user,
            secret=Secret(secret) if secret is not None else None,
            kind=kind, algorithm=_hash(suite),
            digits=length if length is not None else 6,
            period=(interval if interval is not None else 30) if kind == TokenKind.TOTP else 0,
            counter=counter, time_offset=offset,
            encoding=encoding.upper() if encoding else None, check_digit=bool(check))

    def _value(self, element: Element, *, integer: bool) -> bytes | int | _Sealed:
        parts = _kids(element, _VALUE_PARTS)
        if "PlainValue" in parts:
            plain = _text(parts["PlainValue"])
            if not plain:
                raise _Unusual("PlainValue")
            return plain2int(plain) if integer else a2b_base64(plain)
        encrypted = _kids(parts["EncryptedValue"], _ENCRYPTED_PARTS)
        method = encrypted.get("EncryptionMethod")
        if method is not None and len(method):
            raise _Unusual("EncryptionMethod")
        algorithm = method.get("Algorithm") if method is not None else None
        cipher = _text(_kids(encrypted["CipherData"], _CIPHER_PARTS)["CipherValue"])
        mac = _text(parts["ValueMAC"]) if "ValueMAC" in parts else None
        if not cipher:
            raise _Unusual("CipherValue")
        encryption = self.container.encryption
        if not encryption.algorithm and algorithm:  # as _value (python-pskc's parser) does
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
                raise _Unusual("ValueMAC")
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
            raise _Unusual("CipherValue")
        decrypted = blocks.update(data[16:])  # type: ignore[attr-defined]
        plain = (int.from_bytes(decrypted, "big")
                 ^ int.from_bytes(data[:-16], "big")).to_bytes(len(decrypted), "big")
        pad = plain[-1]
        if not 0 < pad <= 16 or plain[-pad:] != plain[-1:] * pad:
            raise _Unusual("padding")
        return plain[:-pad]

    def _block_decryptor(self, algorithm: str | None):
        encryption = self.container.encryption
        size = _AES_CBC.get((algorithm or "").rpartition("#")[2]) if algorithm and "#" in \
            algorithm else None
        if size is None or encryption.iv or not encryption.key or len(encryption.key) != size:
            raise _Unusual(algorithm)
        # ECB is CBC's block step here, chained by _decrypt; nothing is encrypted with it.
        return Cipher(algorithms.AES(encryption.key), modes.ECB()).decryptor()  # noqa: S305

    def _mac_function(self) -> Callable[[bytes], bytes]:
        mac = self.container.mac
        key = mac.key
        match = _HMAC_URI.search(normalise_algorithm(mac.algorithm) or "")
        if not key or not match:
            raise _Unusual("MACMethod")
        name = match.group("hash")
        hashlib.new(name)  # ValueError for a hash OpenSSL lacks: python-pskc's reading decides
        self._mac = functools.partial(hmac.digest, key, digest=name)
        return self._mac


def _kids(elem: Element, allowed: dict[str, str]) -> dict[str, Element]:
    """Children by local name; raises _Unusual for an unknown or repeated one."""
    found: dict[str, Element] = {}
    for child in elem:
        name = allowed.get(child.tag)  # type: ignore[call-overload]
        if name is None or name in found:
            raise _Unusual(child.tag)
        found[name] = child
    return found


def _converted(key: pskc.key.Key) -> Key:
    try:
        return _key(key)
    except PSKCError:
        raise InvalidPskc(UNDECRYPTABLE) from None
    except _LIBRARY_ERRORS:  # the library decrypts lazily, trusting the shapes
        raise InvalidPskc(MALFORMED) from None


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


@functools.lru_cache(maxsize=64)
def _kind(algorithm: str | None) -> TokenKind | None:
    """hotp/totp from the algorithm URI (`urn:ietf:params:xml:ns:keyprov:pskc:hotp`)."""
    name = re.split(r"[:#/]", (algorithm or "").strip().lower())[-1]
    return {"hotp": TokenKind.HOTP, "totp": TokenKind.TOTP}.get(name)


@functools.lru_cache(maxsize=64)
def _hash(suite: str | None) -> str | None:
    """sha1/sha256/sha512 from a Suite such as `HMAC-SHA256`; SHA-1 when absent, else None."""
    if not suite:
        return "sha1"
    name = suite.strip().lower().removeprefix("hmac").strip("-_ ").replace("-", "")
    return name if name in ALGORITHMS else None
