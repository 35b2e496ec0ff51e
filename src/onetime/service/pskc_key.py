"""One key as the PSKC reader hands it out, and what both of its readings share.

The quick reading (pskc_quick.py) and the reading through python-pskc
(pskc_fallback.py) must give the same `Key` for the same package: the defaults, the
algorithm names and the text fields they read are therefore here, once.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from onetime.crypto import Secret
from onetime.domain.tokens import TokenKind
from onetime.otp import ALGORITHMS

UNREADABLE = "the document is not a readable PSKC document"
# What python-pskc raises, beyond its own PSKCError, on a document of a shape it does not
# expect (it trusts the document: a missing element is None where a value was due, a
# number or a date that does not parse, base64 that does not decode). Anything else is a
# bug of ours and surfaces as one.
LIBRARY_ERRORS: tuple[type[Exception], ...] = (ValueError, TypeError, AttributeError,
                                               KeyError, IndexError, ArithmeticError)
# The text fields of a package, by tag, with python-pskc's names for them.
DEVICE_TEXT = {"Manufacturer": "manufacturer", "SerialNo": "serial", "Model": "model",
               "IssueNo": "issue_no", "DeviceBinding": "device_binding",
               "UserId": "device_userid"}
KEY_TEXT = {"Issuer": "issuer", "KeyProfileId": "key_profile",
            "KeyReference": "key_reference", "FriendlyName": "friendly_name",
            "UserId": "key_userid"}


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


class Unusual(Exception):
    """The package has a shape a quick reading leaves to python-pskc's parser."""


def text(elem: Element) -> str | None:
    """An element's text, stripped; raises Unusual if it has children."""
    if len(elem):
        raise Unusual(elem.tag)
    return elem.text.strip() if elem.text else None


@functools.lru_cache(maxsize=64)
def kind_of(algorithm: str | None) -> TokenKind | None:
    """hotp/totp from the algorithm URI (`urn:ietf:params:xml:ns:keyprov:pskc:hotp`)."""
    name = re.split(r"[:#/]", (algorithm or "").strip().lower())[-1]
    return {"hotp": TokenKind.HOTP, "totp": TokenKind.TOTP}.get(name)


@functools.lru_cache(maxsize=64)
def hash_of(suite: str | None) -> str | None:
    """sha1/sha256/sha512 from a Suite such as `HMAC-SHA256`; SHA-1 when absent, else None."""
    if not suite:
        return "sha1"
    name = suite.strip().lower().removeprefix("hmac").strip("-_ ").replace("-", "")
    return name if name in ALGORITHMS else None

