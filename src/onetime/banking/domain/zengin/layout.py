"""The record layouts of the 全銀協規定形式 transfer files, as data.

Every record is 120 bytes: a header (データ区分 1), the data records (2), a trailer (8)
and an end record (9). N fields are digits, right-aligned and zero-filled; C fields are
single-byte 全銀 characters (charset.py), left-aligned and space-filled.

Source: 全銀協制定ファイルフォーマット【総合振込】 (the header and data record of
種別コード 21) and 給与・賞与振込 振込先登録フォーマット（全銀協規定形式） (種別コード
11/12: the same header; 社員番号 and 所属コード in place of 顧客コード1/2, then ダミー),
as banks publish them for their EB services (e.g. expydoc.com/doc/11700435, /8561048).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

RECORD_LENGTH = 120


class Kind(StrEnum):
    """種別コード: which transfers a file holds."""

    PAYROLL = "11"  # 給与振込
    BONUS = "12"  # 賞与振込
    BULK = "21"  # 総合振込

    @property
    def is_payroll(self) -> bool:
        return self in (Kind.PAYROLL, Kind.BONUS)


class RecordType(StrEnum):
    """データ区分, the first byte of every record."""

    HEADER = "1"
    DATA = "2"
    TRAILER = "8"
    END = "9"


@dataclass(frozen=True)
class Field:
    """One field of a record: `offset` is 0-based within the record."""

    name: str
    label: str  # the Japanese name the format's documents use
    offset: int
    length: int
    numeric: bool  # N (digits, zero-filled) or C (全銀 characters, space-filled)
    end: int  # offset + length, kept: every field of every record is sliced with it


def _layout(*fields: tuple[str, str, int, str]) -> tuple[Field, ...]:
    """Fields from (name, label, length, "N"/"C"), their offsets laid end to end."""
    out, offset = [], 0
    for name, label, length, kind in fields:
        out.append(Field(name, label, offset, length, kind == "N", offset + length))
        offset += length
    return tuple(out)


HEADER = _layout(
    ("record_type", "データ区分", 1, "N"),
    ("kind", "種別コード", 2, "N"),
    ("code_set", "コード区分", 1, "N"),
    ("requester_code", "依頼人コード", 10, "N"),
    ("requester_name", "依頼人名", 40, "C"),
    ("transfer_date", "取組日", 4, "N"),
    ("bank_code", "仕向銀行番号", 4, "N"),
    ("bank_name", "仕向銀行名", 15, "C"),
    ("branch_code", "仕向支店番号", 3, "N"),
    ("branch_name", "仕向支店名", 15, "C"),
    ("deposit_type", "預金種目（依頼人）", 1, "N"),
    ("account_number", "口座番号（依頼人）", 7, "N"),
    ("dummy", "ダミー", 17, "C"),
)

_DATA_HEAD = (
    ("record_type", "データ区分", 1, "N"),
    ("bank_code", "被仕向銀行番号", 4, "N"),
    ("bank_name", "被仕向銀行名", 15, "C"),
    ("branch_code", "被仕向支店番号", 3, "N"),
    ("branch_name", "被仕向支店名", 15, "C"),
    ("clearing_house", "手形交換所番号", 4, "N"),
    ("deposit_type", "預金種目", 1, "N"),
    ("account_number", "口座番号", 7, "N"),
    ("recipient_name", "受取人名", 30, "C"),
    ("amount", "振込金額", 10, "N"),
    ("new_code", "新規コード", 1, "N"),
)

BULK_DATA = _layout(
    *_DATA_HEAD,
    ("customer_code_1", "顧客コード1", 10, "N"),
    ("customer_code_2", "顧客コード2", 10, "N"),
    ("transfer_method", "振込指定区分", 1, "N"),
    ("edi_flag", "識別表示", 1, "C"),
    ("dummy", "ダミー", 7, "C"),
)

# 識別表示 "Y": the 20 bytes of 顧客コード1 and 2 are one C field, EDI情報.
BULK_DATA_EDI = _layout(
    *_DATA_HEAD,
    ("edi_info", "EDI情報", 20, "C"),
    ("transfer_method", "振込指定区分", 1, "N"),
    ("edi_flag", "識別表示", 1, "C"),
    ("dummy", "ダミー", 7, "C"),
)

PAYROLL_DATA = _layout(
    *_DATA_HEAD,
    ("customer_code_1", "社員番号", 10, "N"),
    ("customer_code_2", "所属コード", 10, "N"),
    ("dummy", "ダミー", 9, "C"),
)

TRAILER = _layout(
    ("record_type", "データ区分", 1, "N"),
    ("count", "合計件数", 6, "N"),
    ("total", "合計金額", 12, "N"),
    ("dummy", "ダミー", 101, "C"),
)

END = _layout(
    ("record_type", "データ区分", 1, "N"),
    ("dummy", "ダミー", 119, "C"),
)

LAYOUTS = {
    "header": HEADER, "bulk_data": BULK_DATA, "bulk_data_edi": BULK_DATA_EDI,
    "payroll_data": PAYROLL_DATA, "trailer": TRAILER, "end": END,
}


def data_layout(kind: Kind | None, edi: bool) -> tuple[Field, ...]:
    """The data record's layout in a file of `kind` (None: the header was unreadable)."""
    if kind is not None and kind.is_payroll:
        return PAYROLL_DATA
    return BULK_DATA_EDI if edi else BULK_DATA


def field(layout: tuple[Field, ...], name: str) -> Field:
    return next(f for f in layout if f.name == name)
