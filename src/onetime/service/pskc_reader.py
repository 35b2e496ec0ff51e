"""Reading a PSKC document (RFC 6030) one KeyPackage at a time.

python-pskc reads the whole tree, copies it for signature checks and looks up each of
some forty fields per key with namespaced ElementPath searches: 2 500 keys a second, and
a tree of 100 000 keys held twice. Here the document is fed to the C parser in chunks
with no events (the C tree builder does all the work) and each package is read and
dropped from the tree as soon as it is complete, so memory holds one chunk's packages.

A package in RFC 6030's usual shape (AES-CBC values, an HMAC, the usual namespaces) is
read straight into our `Key` (pskc_quick.py): one AES block-decryption context for the
document (CBC's chaining is one XOR over the blocks) and a one-shot `hmac.digest` per
value. Anything else (legacy drafts, policies, other ciphers, a value that does not
decrypt or authenticate) sends that package to the reading through python-pskc's Key
objects, its decryption and MAC checks, and if needed its own parser (pskc_fallback.py):
so every document reads, or is refused, exactly as python-pskc reads it. The key
derivation (PBKDF2) and the MAC key's decryption happen once per document, here.
"""

from __future__ import annotations

import contextlib
import io
import xml.parsers.expat
from collections.abc import Callable, Iterator
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError, TreeBuilder, XMLParser

import pskc
from pskc.exceptions import PSKCError
from pskc.parser import PSKCParser

from onetime.domain.errors import InvalidPskc
from onetime.service import pskc_fallback
from onetime.service.pskc_key import LIBRARY_ERRORS, UNREADABLE, Key
from onetime.service.pskc_quick import QuickReader

# Bytes fed to the parser at a time.
CHUNK = 256 * 1024
# PBKDF2 runs on the request thread: a document must not name a cost that stalls it
# (2 000 000 SHA-1 iterations take about a second; vendors use far fewer).
MAX_PBKDF2_ITERATIONS = 2_000_000
NOT_XML = "the document is not well-formed XML"


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
    except LIBRARY_ERRORS:  # hostile input breaks more than the syntax
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
    except (PSKCError, *LIBRARY_ERRORS):
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


class _Reader:
    """Reads the packages of one document: the quick way, else through python-pskc."""

    def __init__(self, container: pskc.PSKC) -> None:
        self.container = container
        self._quick = QuickReader(container)

    def package(self, package: Element) -> list[Key]:
        """The keys of one package. Raises InvalidPskc."""
        # Anything unusual, a bad value included: the reading through python-pskc decides,
        # keys or refusal, exactly as before the quick path.
        with contextlib.suppress(Exception):
            return [self._quick.key(package)]
        _strip(package)
        return pskc_fallback.keys(self.container, package)
