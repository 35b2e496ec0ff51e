"""A ZenginFile → the bytes of its 全銀 file: the batch entered on screen, downloaded."""

from __future__ import annotations

from onetime.banking.domain.zengin import charset
from onetime.banking.domain.zengin.errors import InvalidZenginText, InvalidZenginValue
from onetime.banking.domain.zengin.layout import (
    END,
    HEADER,
    RECORD_LENGTH,
    TRAILER,
    Field,
    RecordType,
    data_layout,
)
from onetime.banking.domain.zengin.model import Header, Transfer, TransferMethod, ZenginFile
from onetime.banking.domain.zengin.parse import EOF_MARK, check

LINE_BREAK = b"\r\n"
_NO_CODES = ("0000000000", "0000000000")


def render(file: ZenginFile) -> bytes:
    """The file's bytes: header, data records, the trailer it computes, the end record,
    framed as `file.line_breaks` and `file.eof_mark` say.

    Raises InvalidZenginValue if a value does not fit its field (too long, a code not
    all digits, a name outside the 全銀 set or blank, a date that is none; a 総合振込
    value in a 給与・賞与 file).
    """
    records = [_header(file.header)]
    records += [_data(file, t) for t in file.transfers]
    records.append(_record(TRAILER, {"record_type": RecordType.TRAILER,
                                     "count": file.count, "total": file.total}))
    records.append(_record(END, {"record_type": RecordType.END}))
    out = b"".join(r + LINE_BREAK for r in records) if file.line_breaks else b"".join(records)
    out = out + EOF_MARK if file.eof_mark else out
    # What is downloaded must upload again: a blank name or a 31st of April is refused
    # here, by the reader's own rules (all but the bank directory, the screen's job).
    if problems := check(out, None):
        raise InvalidZenginValue(problems[0].field or "file")
    return out


def _header(header: Header) -> bytes:
    return _record(HEADER, {
        "record_type": RecordType.HEADER, "kind": header.kind, "code_set": "0",
        "requester_code": header.requester_code, "requester_name": header.requester_name,
        "transfer_date": header.transfer_date, "bank_code": header.bank_code,
        "bank_name": header.bank_name, "branch_code": header.branch_code,
        "branch_name": header.branch_name, "deposit_type": header.deposit_type,
        "account_number": header.account_number,
    })


def _data(file: ZenginFile, t: Transfer) -> bytes:
    if file.kind.is_payroll and (t.edi_info is not None
                                 or t.transfer_method is not TransferMethod.TELEGRAPHIC):
        # A payroll record has no room for them: dropping them would change the batch.
        raise InvalidZenginValue("edi_info" if t.edi_info is not None else "transfer_method")
    if t.edi_info is not None and (t.customer_code_1, t.customer_code_2) != _NO_CODES:
        raise InvalidZenginValue("customer_code_1")  # EDI情報 takes their 20 bytes
    if t.amount < 1:
        raise InvalidZenginValue("amount")
    values = {
        "record_type": RecordType.DATA, "bank_code": t.bank_code, "bank_name": t.bank_name,
        "branch_code": t.branch_code, "branch_name": t.branch_name,
        "clearing_house": t.clearing_house, "deposit_type": t.deposit_type,
        "account_number": t.account_number, "recipient_name": t.recipient_name,
        "amount": t.amount, "new_code": t.new_code, "customer_code_1": t.customer_code_1,
        "customer_code_2": t.customer_code_2, "edi_info": t.edi_info,
        "transfer_method": t.transfer_method, "edi_flag": "" if t.edi_info is None else "Y",
    }
    return _record(data_layout(file.kind, edi=t.edi_info is not None), values)


def _record(layout: tuple[Field, ...], values: dict[str, object]) -> bytes:
    """Each field of `layout` from `values` (a missing one is blank: the ダミー)."""
    out = bytearray()
    for f in layout:
        out += _field(f, values.get(f.name))
    assert len(out) == RECORD_LENGTH  # the layouts' own test keeps this true
    return bytes(out)


def _field(f: Field, value: object) -> bytes:
    if f.numeric:
        text = str(value if value is not None else 0)
        if not (text.isascii() and text.isdigit()) or len(text) > f.length:
            raise InvalidZenginValue(f.name)
        return text.zfill(f.length).encode("ascii")
    try:
        raw = charset.encode(str(value or ""))
    except InvalidZenginText:
        raise InvalidZenginValue(f.name) from None
    if len(raw) > f.length:
        raise InvalidZenginValue(f.name)
    return raw.ljust(f.length, b" ")
