"""The formats of values that cross the service's boundary (DESIGN.md §7 "Values")."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from onetime.domain.errors import (
    InvalidActivationPassword,
    InvalidCodeFormat,
    InvalidEmail,
    InvalidOperation,
    InvalidUserId,
)

CODE_LENGTH = 8
# An imported token keeps its own length; RFC 4226 truncation gives at most 10 digits.
MIN_DIGITS, MAX_DIGITS = 6, 10
USER_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
SERVICE_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
ACTIVATION_PASSWORD_PATTERN = re.compile(r"[0-9]{4,16}")
# Deliberately simple: one @, a dot in the domain, no spaces; the mail server decides the rest.
EMAIL_PATTERN = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}")
ACTOR_MAX = 128
REASON_MAX = 500


class Operation(StrEnum):
    """What a verification protects: the seven operations of rule 3, then two more."""

    TRANSFER = "transfer"
    BULK_TRANSFER = "bulk_transfer"
    PAYROLL_TRANSFER = "payroll_transfer"
    APPROVAL = "approval"
    PAYEASY = "payeasy"
    TOKEN_MANAGEMENT = "token_management"  # noqa: S105 - an operation name
    USER_MANAGEMENT = "user_management"
    LOGIN = "login"
    OTHER = "other"


RULE_3_OPERATIONS = frozenset(list(Operation)[:7])


def user_id(value: object) -> str:
    """Return `value` if it is a valid user ID. Raises InvalidUserId."""
    if not isinstance(value, str) or not USER_ID_PATTERN.fullmatch(value):
        raise InvalidUserId("user_id: 1-64 of A-Z a-z 0-9 . _ @ -, starting with a letter or digit")
    return value


def service_id(value: object) -> str:
    if not isinstance(value, str) or not SERVICE_ID_PATTERN.fullmatch(value):
        raise InvalidUserId("service_id: 1-32 of A-Z a-z 0-9 . _ -, first a letter or digit")
    return value


def code(value: object, length: int = CODE_LENGTH) -> str:
    """Normalise a typed code to ASCII digits. Raises InvalidCodeFormat.

    Each character must be a Unicode decimal digit (category Nd) whose NFKC form is
    an ASCII digit, so full-width １２３４５６７８ passes while ①, Arabic-Indic
    digits, spaces and hyphens do not.
    """
    if not isinstance(value, str) or len(value) != length:
        raise InvalidCodeFormat(f"code must be a string of {length} digits")
    digits = []
    for char in value:
        ascii_form = unicodedata.normalize("NFKC", char)
        if unicodedata.category(char) != "Nd" or ascii_form not in "0123456789" or not ascii_form:
            raise InvalidCodeFormat(f"code must be a string of {length} digits")
        digits.append(ascii_form)
    return "".join(digits)


def operation(value: object) -> Operation:
    try:
        return Operation(value)
    except ValueError:
        raise InvalidOperation(
            "operation must be one of " + ", ".join(o.value for o in Operation)
        ) from None


def activation_password(value: object) -> str:
    if not isinstance(value, str) or not ACTIVATION_PASSWORD_PATTERN.fullmatch(value):
        raise InvalidActivationPassword("activation_password must be 4-16 digits 0-9")
    return value


def email(value: object) -> str:
    if not isinstance(value, str) or len(value) > 254 or not EMAIL_PATTERN.fullmatch(value):
        raise InvalidEmail("email is not a valid e-mail address")
    return value
