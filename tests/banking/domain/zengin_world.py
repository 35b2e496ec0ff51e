"""What the 全銀 file tests share: the real zengin code list, and valid files generated
field by field (not with render), for the round trips and the corruption property."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from hypothesis import strategies as st

from onetime.banking.domain.zengin import charset, layout
from onetime.banking.domain.zengin.layout import Field, Kind
from onetime.banking.service import zengin as directory

names = directory.names  # the Directory the site passes: zengin-code's list


@cache
def real_branches() -> list[tuple[str, str]]:
    """Some (bank, branch) codes that exist, spread over the list."""
    pairs = [(code, branch) for code, bank in directory._banks().items()
             for branch in bank.branches]
    return pairs[::97][:300]


TEXT_CHARS = sorted(charset._BYTE)  # every character of the 全銀 set
DIGITS = "0123456789"


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text(DIGITS, min_size=n, max_size=n)


def text(max_size: int, *, required: bool = False) -> st.SearchStrategy[str]:
    """A C field's value as parse returns it: no trailing spaces; not blank if required."""
    if not required:
        return st.text(TEXT_CHARS, max_size=max_size).map(lambda s: s.rstrip(" "))
    # Built non-blank rather than filtered: a filter throws most short draws away.
    return st.builds(lambda first, rest: (first + rest).rstrip(" "),
                     st.sampled_from(TEXT_CHARS[1:]), st.text(TEXT_CHARS, max_size=max_size - 1))


def month_day() -> st.SearchStrategy[str]:
    return st.dates(date(2024, 1, 1), date(2024, 12, 31)).map(lambda d: d.strftime("%m%d"))


@dataclass(frozen=True)
class Generated:
    """A valid file's bytes, and where each record and its layout is."""

    data: bytes
    records: list[tuple[int, tuple[Field, ...]]]  # (offset in the file, layout)


def assemble(fields: tuple[Field, ...], values: dict[str, str]) -> bytes:
    out = b""
    for f in fields:
        value = values.get(f.name, "")
        raw = value.encode("ascii") if f.numeric else charset.encode(value)
        out += raw.rjust(f.length, b"0") if f.numeric else raw.ljust(f.length, b" ")
    assert len(out) == layout.RECORD_LENGTH
    return out


@st.composite
def valid_files(draw, max_transfers: int = 12) -> Generated:
    kind = draw(st.sampled_from(list(Kind)))
    bank, branch = draw(st.sampled_from(real_branches()))
    header = assemble(layout.HEADER, {
        "record_type": "1", "kind": kind.value, "code_set": "0",
        "requester_code": draw(digits(10)), "requester_name": draw(text(40, required=True)),
        "transfer_date": draw(month_day()), "bank_code": bank, "branch_code": branch,
        "bank_name": draw(text(15)), "branch_name": draw(text(15)),
        "deposit_type": draw(st.sampled_from("129")), "account_number": draw(digits(7)),
    })
    records = [(header, layout.HEADER)]
    total = 0
    for _ in range(draw(st.integers(1, max_transfers))):
        bank, branch = draw(st.sampled_from(real_branches()))
        amount = draw(st.integers(1, 9_999_999_999))
        total += amount
        edi = not kind.is_payroll and draw(st.booleans())
        fields = layout.data_layout(kind, edi=edi)
        values = {
            "record_type": "2", "bank_code": bank, "branch_code": branch,
            "bank_name": draw(text(15)), "branch_name": draw(text(15)),
            "clearing_house": draw(digits(4)), "deposit_type": draw(st.sampled_from("1249")),
            "account_number": draw(digits(7)), "recipient_name": draw(text(30, required=True)),
            "amount": str(amount), "new_code": draw(st.sampled_from("012")),
            "customer_code_1": draw(digits(10)), "customer_code_2": draw(digits(10)),
            "transfer_method": draw(st.sampled_from("78")), "edi_flag": "Y" if edi else "",
        }
        if edi:
            values["edi_info"] = draw(text(20, required=True))
        records.append((assemble(fields, values), fields))
    records.append((assemble(layout.TRAILER, {
        "record_type": "8", "count": str(len(records) - 1), "total": str(total)}),
        layout.TRAILER))
    records.append((assemble(layout.END, {"record_type": "9"}), layout.END))
    line_breaks, eof_mark = draw(st.booleans()), draw(st.booleans())
    step = layout.RECORD_LENGTH + (2 if line_breaks else 0)
    data = b"".join(r + (b"\r\n" if line_breaks else b"") for r, _ in records)
    return Generated(data + (b"\x1a" if eof_mark else b""),
                     [(i * step, fields) for i, (_, fields) in enumerate(records)])
