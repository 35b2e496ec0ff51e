"""A batch of credits from one account (総合振込, 給与・賞与振込): its lines' rules.

The batch takes plain records — bank, branch, account type, number, name, amount — so
any source can feed it (the Zengin file parser, a form, a test). Every line is checked
before anything is booked; the first bad line refuses the whole batch, by its number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from onetime.banking.domain import transfers as rules
from onetime.banking.domain.errors import EmptyBatch, InvalidBatchLine
from onetime.banking.domain.transfers import AccountType
from onetime.domain.errors import InvalidInput

# A Zengin record's amount field has 10 digits.
LINE_LIMIT = 9_999_999_999
MAX_LINES = 100_000


@dataclass(frozen=True)
class CreditRecord:
    """One line as it arrives: strings as typed or read from a file."""

    bank_code: object
    branch_code: object
    account_type: object
    account_number: object
    holder_name: object
    amount: object


@dataclass(frozen=True)
class CreditLine:
    """One line, checked: canonical values."""

    bank_code: str
    branch_code: str
    account_type: AccountType
    account_number: str
    holder_name: str
    amount: int


def _digits(value: object) -> object:
    """A parser may hand amounts over as ints already; a form, as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def checked(records: Iterable[CreditRecord]) -> list[CreditLine]:
    """Raises InvalidBatchLine (1-based line number and the cause's code) or EmptyBatch."""
    lines: list[CreditLine] = []
    for number, record in enumerate(records, start=1):
        if number > MAX_LINES:
            raise InvalidBatchLine(number, InvalidInput(f"more than {MAX_LINES} lines"))
        try:
            lines.append(CreditLine(
                rules.bank_code(record.bank_code), rules.branch_code(record.branch_code),
                rules.account_type(record.account_type),
                rules.account_number(record.account_number),
                rules.holder_name(record.holder_name),
                rules.amount(_digits(record.amount), limit=LINE_LIMIT)))
        except InvalidInput as exc:
            raise InvalidBatchLine(number, exc) from exc
    if not lines:
        raise EmptyBatch("the batch has no lines")
    return lines
