"""A 全銀 transfer file as typed values: its header, its transfers, how it is framed."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from onetime.banking.domain.zengin.layout import Kind


class DepositType(StrEnum):
    """預金種目."""

    ORDINARY = "1"  # 普通
    CURRENT = "2"  # 当座
    SAVINGS = "4"  # 貯蓄 (a recipient's only)
    OTHER = "9"  # その他


REQUESTER_DEPOSIT_TYPES = frozenset({DepositType.ORDINARY, DepositType.CURRENT, DepositType.OTHER})


class TransferMethod(StrEnum):
    """振込指定区分 of a 総合振込 record (給与・賞与 files have no such field)."""

    TELEGRAPHIC = "7"  # 電信扱: what a bank does when a file does not say
    DOCUMENT = "8"  # 文書扱


class NewCode(StrEnum):
    """新規コード: whether the recipient is new to the requester."""

    OTHER = "0"
    FIRST = "1"  # 第1回振込分
    CHANGED = "2"  # 変更分


@dataclass(frozen=True)
class Header:
    """The header record: who pays, from which account, on which day (MMDD)."""

    kind: Kind
    requester_code: str  # 10 digits, the bank's 委託者コード
    requester_name: str
    transfer_date: str  # MMDD; the year is the next such business day, the booking's call
    bank_code: str
    branch_code: str
    deposit_type: DepositType
    account_number: str  # 7 digits
    bank_name: str = ""
    branch_name: str = ""


@dataclass(frozen=True)
class Transfer:
    """One data record. In a 給与・賞与 file customer_code_1 and _2 are the 社員番号
    and 所属コード, and transfer_method and edi_info keep their defaults."""

    bank_code: str
    branch_code: str
    deposit_type: DepositType
    account_number: str  # 7 digits
    recipient_name: str
    amount: int  # yen
    bank_name: str = ""
    branch_name: str = ""
    clearing_house: str = "0000"  # 手形交換所番号: unused by banks today
    new_code: NewCode = NewCode.OTHER
    customer_code_1: str = "0000000000"
    customer_code_2: str = "0000000000"
    edi_info: str | None = None  # 識別表示 Y: 20 characters in place of the customer codes
    transfer_method: TransferMethod = TransferMethod.TELEGRAPHIC


@dataclass(frozen=True)
class ZenginFile:
    """A whole file. `line_breaks`: CR LF after each record (else 120-byte records back
    to back); `eof_mark`: a 0x1A at the very end, as some DOS-era software writes."""

    header: Header
    transfers: tuple[Transfer, ...]
    line_breaks: bool = True
    eof_mark: bool = False
    # The trailer's figures follow from the transfers; they are not kept apart.
    count: int = field(init=False, compare=False)
    total: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "count", len(self.transfers))
        object.__setattr__(self, "total", sum(t.amount for t in self.transfers))

    @property
    def kind(self) -> Kind:
        return self.header.kind
