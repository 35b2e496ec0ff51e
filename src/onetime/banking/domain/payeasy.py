"""税金・各種料金の払込み（ペイジー）: the numbers a Pay-easy payment is made of, and the
operator's biller file.

A payment names the biller by its 収納機関番号 (5 digits), then the bill by its お客様番号
(or 納付番号: digits, as many as the biller's bills have), its 確認番号 and, for taxes, its
納付区分. Input is folded with NFKC as in transfers.py (full-width digits are read), and
each function returns the canonical value or raises an error with a stable code.
"""

from __future__ import annotations

import csv
import hmac
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from onetime.banking.domain import transfers
from onetime.banking.domain.errors import (
    InvalidBillerFile,
    InvalidBillerNumber,
    InvalidConfirmationNumber,
    InvalidCustomerNumber,
    InvalidHolderName,
    InvalidPaymentClass,
)
from onetime.banking.domain.transfers import AccountType
from onetime.domain.errors import InvalidInput

NUMBER_MAX = 20  # the longest お客様番号 / 納付番号 Pay-easy carries
CONFIRMATION_MAX = 6
PAYMENT_CLASS_MAX = 3
BILLER_NAME_MAX = 100
# A bill's amount, in yen: Pay-easy's own ceiling for one payment is far below this.
AMOUNT_LIMIT = 999_999_999


class BillerKind(StrEnum):
    TAX = "tax"  # 税金・公金: its bills carry a 納付区分
    UTILITY = "utility"  # 公共料金
    CARD = "card"  # クレジットカード・各種料金

    @property
    def needs_payment_class(self) -> bool:
        return self is BillerKind.TAX


def _fold(value: object) -> str:
    if not isinstance(value, str):
        return ""
    return unicodedata.normalize("NFKC", value).strip()


def _digits(value: object) -> str:
    # Numbers on a paper bill are printed in groups ("1234 5678"); the groups are not data.
    return "".join(_fold(value).replace("-", " ").split())


def biller_number(value: object) -> str:
    text = _digits(value)
    if not re.fullmatch(r"[0-9]{5}", text):
        raise InvalidBillerNumber("biller number: 5 digits")
    return text


def customer_number(value: object, length: int) -> str:
    """お客様番号 / 納付番号: exactly the biller's `length` digits."""
    text = _digits(value)
    if not re.fullmatch(r"[0-9]+", text) or len(text) != length:
        raise InvalidCustomerNumber(f"customer number: {length} digits")
    return text


def confirmation_number(value: object) -> str:
    text = _digits(value)
    if not re.fullmatch(rf"[0-9]{{1,{CONFIRMATION_MAX}}}", text):
        raise InvalidConfirmationNumber(f"confirmation number: up to {CONFIRMATION_MAX} digits")
    return text


def payment_class(value: object, kind: BillerKind) -> str | None:
    """納付区分 for a tax biller's bill; None for the others (whatever was typed)."""
    if not kind.needs_payment_class:
        return None
    text = _digits(value)
    if not re.fullmatch(rf"[0-9]{{1,{PAYMENT_CLASS_MAX}}}", text):
        raise InvalidPaymentClass(f"payment class: up to {PAYMENT_CLASS_MAX} digits")
    return text


def confirmation_matches(typed: str, stored: str) -> bool:
    """Constant time, so the 確認番号 cannot be found digit by digit from response times."""
    return hmac.compare_digest(typed.encode(), stored.encode())


@dataclass(frozen=True)
class Biller:
    id: int
    institution_id: int
    number: str  # 収納機関番号
    name: str
    kind: BillerKind
    number_length: int  # digits of its お客様番号 / 納付番号
    account_id: int  # the settlement account payments credit


@dataclass(frozen=True)
class Bill:
    id: int
    biller_id: int
    number: str
    confirmation: str
    payment_class: str | None
    amount: int
    due: date | None
    paid_at: datetime | None
    receipt_number: str | None

    @property
    def paid(self) -> bool:
        return self.paid_at is not None


def receipt_number(paid_on: date, bill_id: int) -> str:
    """受付番号: the payment date and the bill's ID; unique, as a bill is paid once."""
    return f"{paid_on:%Y%m%d}{bill_id:08d}"


# -- the operator's biller file (`onetime payeasy load`) ---------------------------------


@dataclass(frozen=True)
class BillerLine:
    line: int
    number: str
    name: str
    kind: BillerKind
    number_length: int
    # The settlement account at this bank: created by the load when it does not exist.
    bank_code: str
    branch_code: str
    account_type: AccountType
    account_number: str
    holder_name: str


@dataclass(frozen=True)
class BillLine:
    line: int
    biller_number: str
    number: str  # digits; its length is checked against the biller's by the load
    confirmation: str
    payment_class: str  # "" when the line has none; checked against the biller's kind
    amount: int
    due: date | None


BILLER_COLUMNS = 10  # biller,番号,名称,kind,桁数,bank,branch,type,number,holder
BILL_COLUMNS = 7  # bill,収納機関番号,お客様番号,確認番号,金額,期限,納付区分


def read_biller_file(text: str) -> tuple[list[BillerLine], list[BillLine]]:
    """The billers and bills of a CSV file, or InvalidBillerFile naming every bad line."""
    billers, bills, problems = parse_biller_file(text)
    if problems:
        raise InvalidBillerFile(problems)
    return billers, bills


def parse_biller_file(text: str) -> tuple[list[BillerLine], list[BillLine],
                                          list[tuple[int, str, str]]]:
    """The good lines of a CSV file and the problems of the others, (line, code, message):
    the load checks the good ones against the database too, so one run names every bad line.

    A line is `biller,…` or `bill,…` (see BILLER_COLUMNS and BILL_COLUMNS); blank lines
    and lines starting with # are skipped. A biller or bill named twice is a problem.
    """
    billers: list[BillerLine] = []
    bills: list[BillLine] = []
    problems: list[tuple[int, str, str]] = []
    seen_billers: set[str] = set()
    seen_bills: set[tuple[str, str]] = set()
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        try:
            record = _fold(row[0]).lower()
            if record == "biller":
                entry = _biller_line(number, row)
                if entry.number in seen_billers:
                    raise InvalidBillerNumber(f"biller {entry.number} named twice")
                seen_billers.add(entry.number)
                billers.append(entry)
            elif record == "bill":
                bill = _bill_line(number, row)
                key = (bill.biller_number, bill.number)
                if key in seen_bills:
                    raise InvalidCustomerNumber(f"bill {bill.number} named twice")
                seen_bills.add(key)
                bills.append(bill)
            else:
                raise InvalidInput(f"unknown record {row[0]!r}: biller or bill")
        except InvalidInput as exc:
            problems.append((number, exc.code, str(exc)))
    return billers, bills, problems


def _columns(row: list[str], count: int) -> list[str]:
    if len(row) != count:
        raise InvalidInput(f"{count} columns expected, {len(row)} found")
    return row


def _biller_line(line: int, row: list[str]) -> BillerLine:
    _, number, name, kind, length, bank, branch, kind_of_account, account, holder = (
        _columns(row, BILLER_COLUMNS))
    name = " ".join(_fold(name).split())
    if not name or len(name) > BILLER_NAME_MAX:
        raise InvalidHolderName(f"biller name: 1 to {BILLER_NAME_MAX} characters")
    try:
        biller_kind = BillerKind(_fold(kind))
    except ValueError:
        raise InvalidInput("kind: tax, utility or card") from None
    digits = _fold(length)
    if not digits.isdecimal() or not 1 <= int(digits) <= NUMBER_MAX:
        raise InvalidCustomerNumber(f"number length: 1 to {NUMBER_MAX}")
    return BillerLine(line, biller_number(number), name, biller_kind, int(digits),
                      transfers.bank_code(bank), transfers.branch_code(branch),
                      transfers.account_type(kind_of_account),
                      transfers.account_number(account), transfers.holder_name(holder))


def _bill_line(line: int, row: list[str]) -> BillLine:
    _, biller, number, confirmation, amount, due, klass = _columns(row, BILL_COLUMNS)
    digits = _digits(number)
    if not re.fullmatch(rf"[0-9]{{1,{NUMBER_MAX}}}", digits):
        raise InvalidCustomerNumber(f"customer number: 1 to {NUMBER_MAX} digits")
    klass = _digits(klass)
    if klass and not re.fullmatch(rf"[0-9]{{1,{PAYMENT_CLASS_MAX}}}", klass):
        raise InvalidPaymentClass(f"payment class: up to {PAYMENT_CLASS_MAX} digits")
    try:
        due_date = date.fromisoformat(_fold(due)) if _fold(due) else None
    except ValueError:
        raise InvalidInput("due: YYYY-MM-DD or empty") from None
    return BillLine(line, biller_number(biller), digits, confirmation_number(confirmation),
                    klass, transfers.amount(amount, AMOUNT_LIMIT), due_date)


def check_bill(bill: BillLine, biller_kind: BillerKind, number_length: int) -> None:
    """A bill line against its biller: the number's length, a 納付区分 exactly for taxes."""
    if len(bill.number) != number_length:
        raise InvalidCustomerNumber(f"customer number: {number_length} digits")
    if biller_kind.needs_payment_class != bool(bill.payment_class):
        raise InvalidPaymentClass("payment class: required for a tax biller's bills only")
