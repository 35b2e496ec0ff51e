"""取引確認 (transaction confirmation): the request, its life, and its canonical bytes.

The site asks; the user's app shows the transaction exactly as the bank will execute it
and signs the canonical encoding below; the service checks the signature against the
request it stored. See docs/transaction-confirmation.md for the encoding, byte by byte.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from onetime.domain.errors import InvalidConfirmation
from onetime.domain.values import Operation

# Long enough to read and approve, short enough that a stale request cannot be signed.
LIFETIME = timedelta(minutes=5)
ENCODING_VERSION = "onetime-confirmation-v1"

# The operations of rule 3 whose exact data a user can check on the app.
CONFIRMABLE = frozenset({Operation.TRANSFER, Operation.BULK_TRANSFER,
                         Operation.PAYROLL_TRANSFER, Operation.APPROVAL})
# 預金種目, as the Zengin format numbers them; the app shows the Japanese name.
ACCOUNT_TYPES = {"ordinary": "普通", "current": "当座", "savings": "貯蓄"}
MAX_AMOUNT = 99_999_999_999  # 11 digits: what a Zengin total field holds
MAX_COUNT = 99_999
_BANK_CODE, _BRANCH_CODE = re.compile(r"[0-9]{4}"), re.compile(r"[0-9]{3}")
_ACCOUNT_NUMBER = re.compile(r"[0-9]{7}")
# No control characters: they would break the line-based encoding and the display.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,43}")


class ConfirmationState(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    EXPIRED = "expired"
    VOIDED = "voided"  # the site presented other details than those confirmed
    EXECUTED = "executed"  # the site booked it: a confirmation books once


@dataclass(frozen=True)
class Payee:
    """振込先: bank, branch, account type and number, and the account holder's name."""

    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: str
    account_number: str
    account_name: str

    @property
    def account_type_label(self) -> str:
        return ACCOUNT_TYPES[self.account_type]


@dataclass(frozen=True)
class TransactionDetails:
    """What the user confirms: one payee and an amount, or a batch's count and total.

    A one-off transfer has a payee; a bulk or payroll transfer a batch; an approval either.
    """

    operation: Operation
    payee: Payee | None = None
    amount: int | None = None
    count: int | None = None
    total: int | None = None

    @classmethod
    def from_mapping(cls, data: Any) -> TransactionDetails:
        """Details from JSON-like data. Raises InvalidConfirmation naming the bad field."""
        if not isinstance(data, dict):
            raise InvalidConfirmation("the details must be an object")
        try:
            op = Operation(data.get("operation"))
        except ValueError:
            op = None
        if op not in CONFIRMABLE:
            raise InvalidConfirmation("operation must be one of "
                                      + ", ".join(sorted(o.value for o in CONFIRMABLE)))
        payee_data = data.get("payee")
        single = payee_data is not None
        batch = data.get("count") is not None or data.get("total") is not None
        if single == batch:
            raise InvalidConfirmation("give either payee and amount, or count and total")
        if single and op in (Operation.BULK_TRANSFER, Operation.PAYROLL_TRANSFER):
            raise InvalidConfirmation(f"{op.value} confirms a count and a total")
        if batch and op == Operation.TRANSFER:
            raise InvalidConfirmation("transfer confirms a payee and an amount")
        if single:
            return cls(op, payee=_payee(payee_data),
                       amount=_number(data.get("amount"), "amount", MAX_AMOUNT))
        return cls(op, count=_number(data.get("count"), "count", MAX_COUNT),
                   total=_number(data.get("total"), "total", MAX_AMOUNT))

    def to_mapping(self) -> dict[str, Any]:
        out: dict[str, Any] = {"operation": self.operation.value}
        if self.payee is not None:
            out["payee"] = {name: getattr(self.payee, name) for name in _PAYEE_FIELDS}
            out["amount"] = self.amount
        else:
            out["count"], out["total"] = self.count, self.total
        return out

    def fields(self) -> list[tuple[str, str]]:
        """Every field, in the encoding's order; an absent one is the empty string."""
        payee = self.payee
        return [("operation", self.operation.value),
                *((name, getattr(payee, name) if payee else "") for name in _PAYEE_FIELDS),
                ("amount", _text(self.amount)), ("count", _text(self.count)),
                ("total", _text(self.total))]


_PAYEE_FIELDS = ("bank_code", "bank_name", "branch_code", "branch_name", "account_type",
                 "account_number", "account_name")


@dataclass(frozen=True)
class Confirmation:
    """One request as the service keeps it; `serial` names the token that may sign it."""

    id: str
    institution_id: int
    user_id: str
    serial: str
    details: TransactionDetails
    state: ConfirmationState
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None = None

    def current_state(self, now: datetime) -> ConfirmationState:
        """Pending turns expired at `expires_at` exactly, whether or not stored so."""
        if self.state == ConfirmationState.PENDING and now >= self.expires_at:
            return ConfirmationState.EXPIRED
        return self.state


def expires_at(created_at: datetime) -> datetime:
    return created_at + LIFETIME


def canonical(*, request_id: str, service_id: str, user_id: str, serial: str,
              details: TransactionDetails, expires: datetime) -> bytes:
    """The bytes the app signs: one `name=value` line each, LF-terminated, UTF-8 (NFC).

    Values hold no control characters (checked on the way in), so a value cannot forge a
    line; every field is always present, so no two requests share an encoding.
    """
    lines = [ENCODING_VERSION, f"id={request_id}", f"service_id={service_id}",
             f"user_id={user_id}", f"serial={serial}",
             *(f"{name}={value}" for name, value in details.fields()),
             f"expires_at={instant(expires)}"]
    return unicodedata.normalize("NFC", "".join(line + "\n" for line in lines)).encode()


def instant(value: datetime) -> str:
    """An instant as the encoding writes it: UTC, whole seconds, `Z`."""
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _payee(data: Any) -> Payee:
    if not isinstance(data, dict):
        raise InvalidConfirmation("payee must be an object")
    checks = {"bank_code": _BANK_CODE, "branch_code": _BRANCH_CODE,
              "account_number": _ACCOUNT_NUMBER}
    values = {}
    for name in _PAYEE_FIELDS:
        value = data.get(name)
        if not isinstance(value, str):
            raise InvalidConfirmation(f"payee.{name} must be a string")
        value = unicodedata.normalize("NFC", value)
        if name in checks and not checks[name].fullmatch(value):
            raise InvalidConfirmation(f"payee.{name} has the wrong format")
        if not 1 <= len(value) <= 48 or _CONTROL.search(value) or value != value.strip():
            raise InvalidConfirmation(f"payee.{name}: 1-48 characters, no control characters"
                                      " or surrounding spaces")
        values[name] = value
    if values["account_type"] not in ACCOUNT_TYPES:
        raise InvalidConfirmation("payee.account_type must be one of "
                                  + ", ".join(ACCOUNT_TYPES))
    return Payee(**values)


def _number(value: Any, name: str, maximum: int) -> int:
    # A JSON number only (not a string, not a bool, not a float): amounts are exact yen.
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= maximum:
        raise InvalidConfirmation(f"{name} must be a whole number from 1 to {maximum}")
    return value


def _text(value: int | None) -> str:
    return "" if value is None else str(value)
