"""Bytes of a 全銀 transfer file → a ZenginFile, or every Problem the file has.

Reading never stops at the first fault: each record is split into its fields, each
field checked, then the order of the records and the trailer's figures, so an upload is
answered with the whole list at once. Records may be 120 bytes back to back or lines
ending in CR LF (a bare LF is read too), and a final 0x1A is allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from onetime.banking.domain.errors import UnknownBank, UnknownBranch
from onetime.banking.domain.zengin import charset
from onetime.banking.domain.zengin.errors import Problem, ZenginFileInvalid
from onetime.banking.domain.zengin.layout import (
    END,
    HEADER,
    RECORD_LENGTH,
    TRAILER,
    Field,
    Kind,
    RecordType,
    data_layout,
)
from onetime.banking.domain.zengin.model import (
    REQUESTER_DEPOSIT_TYPES,
    DepositType,
    Header,
    NewCode,
    Transfer,
    TransferMethod,
    ZenginFile,
)

# (bank code, branch code) → None, or raises UnknownBank / UnknownBranch: the zengin
# code list (banking/service/zengin.names), passed in so the rules stay free of I/O.
Directory = Callable[[str, str], object]

EOF_MARK = b"\x1a"
# Days a month may have; 0229 is a date in a leap year, and the year is not in the file.
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_RECORD_NAMES = {RecordType.HEADER: "header", RecordType.DATA: "data",
                 RecordType.TRAILER: "trailer", RecordType.END: "end"}


def parse(data: bytes, directory: Directory | None) -> ZenginFile:
    """The file `data` holds. Raises ZenginFileInvalid with every problem found.

    `directory` checks bank and branch codes; None skips that check.
    """
    reader = _Reader(directory)
    result = reader.read(data)
    if reader.problems or result is None:
        raise ZenginFileInvalid(reader.problems)
    return result


def check(data: bytes, directory: Directory | None) -> list[Problem]:
    """Every problem of the file `data`, in file order; [] for a valid file."""
    reader = _Reader(directory)
    reader.read(data)
    return reader.problems


def split(data: bytes) -> tuple[list[tuple[int, bytes]], bool, bool]:
    """(records as (offset in the file, bytes), line_breaks, eof_mark)."""
    eof_mark = data.endswith(EOF_MARK)
    if eof_mark:
        data = data[:-1]
    # CR LF cannot occur inside a record, so any means lines; a bare LF (which one bad
    # byte can make) only counts where the first record ends.
    if b"\r\n" in data:
        separator = b"\r\n"
    else:
        separator = b"\n" if data[RECORD_LENGTH:RECORD_LENGTH + 1] == b"\n" else None
    if separator is None:
        return [(i, data[i:i + RECORD_LENGTH])
                for i in range(0, len(data), RECORD_LENGTH)], False, eof_mark
    records, offset = [], 0
    for chunk in data.split(separator):
        records.append((offset, chunk))
        offset += len(chunk) + len(separator)
    if records and records[-1][1] == b"":  # the line break after the last record
        records.pop()
    return records, True, eof_mark


@dataclass
class _Reader:
    directory: Directory | None
    problems: list[Problem] = field(default_factory=list)
    _known: dict[tuple[str, str], tuple[str, str] | None] = field(default_factory=dict)

    def read(self, data: bytes) -> ZenginFile | None:
        records, line_breaks, eof_mark = split(data)
        if not records:
            self._add(1, None, None, 0, "empty_file")
            return None
        header: Header | None = None
        kind: Kind | None = None
        transfers: list[Transfer] = []
        data_records = 0
        amounts: list[int | None] = []
        state = "start"  # → header → data → trailer → end
        for index, (offset, raw) in enumerate(records):
            line = index + 1
            if len(raw) != RECORD_LENGTH:
                self._add(line, None, None, offset, "record_length")
                if raw[:1] == RecordType.DATA.encode():  # counted, or the trailer mismatches too
                    data_records += 1
                    amounts.append(None)
                continue
            try:
                record_type = RecordType(chr(raw[0]))
            except ValueError:
                self._add(line, None, "record_type", offset, "unknown_record")
                continue
            name = _RECORD_NAMES[record_type]
            first = state == "start"
            state = self._order(state, record_type, line, name, offset)
            if record_type is RecordType.HEADER:
                read = self._header(line, offset, raw)
                if first:  # a second header is checked, but does not change the kind
                    header, kind = read, read.kind if read else _kind(raw)
            elif record_type is RecordType.DATA:
                data_records += 1
                transfer, amount = self._data(line, offset, raw, kind)
                amounts.append(amount)
                if transfer is not None:
                    transfers.append(transfer)
            elif record_type is RecordType.TRAILER:
                self._trailer(line, offset, raw, data_records, amounts)
            else:
                self._end(line, offset, raw)
        end = len(data)
        if state == "start":
            self._add(len(records) + 1, None, None, end, "missing_header")
        if state in ("start", "header", "data"):
            self._add(len(records) + 1, None, None, end, "missing_trailer")
        if state != "end":
            self._add(len(records) + 1, None, None, end, "missing_end")
        self.problems.sort(key=lambda p: (p.line, p.offset))
        if self.problems or header is None:
            return None
        return ZenginFile(header, tuple(transfers), line_breaks=line_breaks, eof_mark=eof_mark)

    def _order(self, state: str, record_type: RecordType, line: int, name: str,
               offset: int) -> str:
        """The state after a record of `record_type`; a problem if it is out of place.
        One group per file: a second header is out of order (multi-group files are
        split by the sender)."""
        if record_type is RecordType.HEADER:
            if state == "start":
                return "header"
        elif record_type is RecordType.DATA:
            if state in ("header", "data"):
                return "data"
            if state == "start":
                self._add(line, name, None, offset, "missing_header")
                return "data"
        elif record_type is RecordType.TRAILER:
            if state == "data":
                return "trailer"
            if state == "header":
                self._add(line, name, None, offset, "no_transfers")
                return "trailer"
            if state == "start":
                self._add(line, name, None, offset, "missing_header")
                return "trailer"
        elif state == "trailer":
            return "end"
        elif state in ("header", "data"):
            self._add(line, name, None, offset, "missing_trailer")
            return "end"
        self._add(line, name, None, offset, "record_order")
        return state

    # -- records -------------------------------------------------------------------

    def _header(self, line: int, offset: int, raw: bytes) -> Header | None:
        before = len(self.problems)
        v = self._fields(line, "header", offset, raw, HEADER)
        at = _Locator(line, "header", offset, HEADER, self)
        if v["kind"] is not None and not _member(Kind, v["kind"]):
            at.add("kind", "unsupported_kind")
        if v["code_set"] is not None and v["code_set"] != "0":
            at.add("code_set", "unsupported_code_set")
        if v["requester_name"] == "":
            at.add("requester_name", "blank")
        if v["transfer_date"] is not None and not _is_month_day(v["transfer_date"]):
            at.add("transfer_date", "invalid_date")
        self._bank(at, v["bank_code"], v["branch_code"])
        if v["deposit_type"] is not None and v["deposit_type"] not in REQUESTER_DEPOSIT_TYPES:
            at.add("deposit_type", "invalid_value")
        self._blank(at, v["dummy"])
        if len(self.problems) > before:
            return None
        return Header(kind=Kind(v["kind"]), requester_code=v["requester_code"],
                      requester_name=v["requester_name"], transfer_date=v["transfer_date"],
                      bank_code=v["bank_code"], branch_code=v["branch_code"],
                      deposit_type=DepositType(v["deposit_type"]),
                      account_number=v["account_number"], bank_name=v["bank_name"],
                      branch_name=v["branch_name"])

    def _data(self, line: int, offset: int, raw: bytes,
              kind: Kind | None) -> tuple[Transfer | None, int | None]:
        before = len(self.problems)
        layout = data_layout(kind, edi=raw[112:113] == b"Y")
        v = self._fields(line, "data", offset, raw, layout)
        at = _Locator(line, "data", offset, layout, self)
        self._bank(at, v["bank_code"], v["branch_code"])
        if v["deposit_type"] is not None and not _member(DepositType, v["deposit_type"]):
            at.add("deposit_type", "invalid_value")
        if v["recipient_name"] == "":
            at.add("recipient_name", "blank")
        amount = None if v["amount"] is None else int(v["amount"])
        if amount == 0:
            at.add("amount", "zero_amount")
        if v["new_code"] is not None and not _member(NewCode, v["new_code"]):
            at.add("new_code", "invalid_value")
        method = v.get("transfer_method")
        if method is not None and not _member(TransferMethod, method):
            at.add("transfer_method", "invalid_value")
        if v.get("edi_flag") not in (None, "", "Y"):
            at.add("edi_flag", "invalid_value")
        if v.get("edi_info") == "":
            at.add("edi_info", "blank")
        self._blank(at, v["dummy"])
        if len(self.problems) > before:
            return None, amount
        return Transfer(
            bank_code=v["bank_code"], branch_code=v["branch_code"],
            deposit_type=DepositType(v["deposit_type"]), account_number=v["account_number"],
            recipient_name=v["recipient_name"], amount=amount, bank_name=v["bank_name"],
            branch_name=v["branch_name"], clearing_house=v["clearing_house"],
            new_code=NewCode(v["new_code"]),
            customer_code_1=v.get("customer_code_1") or "0000000000",
            customer_code_2=v.get("customer_code_2") or "0000000000",
            edi_info=v.get("edi_info"),
            transfer_method=TransferMethod(v.get("transfer_method") or "7"),
        ), amount

    def _trailer(self, line: int, offset: int, raw: bytes, count: int,
                 amounts: list[int | None]) -> None:
        v = self._fields(line, "trailer", offset, raw, TRAILER)
        at = _Locator(line, "trailer", offset, TRAILER, self)
        if v["count"] is not None and int(v["count"]) != count:
            at.add("count", "count_mismatch")
        # A total is only compared when every amount could be read.
        if v["total"] is not None and None not in amounts and int(v["total"]) != sum(amounts):
            at.add("total", "total_mismatch")
        self._blank(at, v["dummy"])

    def _end(self, line: int, offset: int, raw: bytes) -> None:
        v = self._fields(line, "end", offset, raw, END)
        self._blank(_Locator(line, "end", offset, END, self), v["dummy"])

    # -- fields --------------------------------------------------------------------

    def _fields(self, line: int, record: str, offset: int, raw: bytes,
                layout: tuple[Field, ...]) -> dict[str, str | None]:
        """Each field's text (C: trailing spaces dropped), or None if its bytes are bad."""
        values: dict[str, str | None] = {}
        for f in layout:
            chunk = raw[f.offset:f.end]
            bad = charset.first_invalid(chunk, charset.DIGITS if f.numeric else charset.ALLOWED)
            if bad is not None:
                self._add(line, record, f.name, offset + f.offset + bad,
                          "not_numeric" if f.numeric else "invalid_character")
                values[f.name] = None
            elif f.numeric:
                values[f.name] = chunk.decode("ascii")
            else:
                values[f.name] = charset.decode(chunk).rstrip(" ")
        return values

    def _bank(self, at: _Locator, bank_code: str | None, branch_code: str | None) -> None:
        if self.directory is None or bank_code is None or branch_code is None:
            return
        key = (bank_code, branch_code)
        if key not in self._known:
            try:
                self.directory(bank_code, branch_code)
                self._known[key] = None
            except UnknownBank:
                self._known[key] = ("bank_code", "unknown_bank")
            except UnknownBranch:
                self._known[key] = ("branch_code", "unknown_branch")
        if (found := self._known[key]) is not None:
            at.add(*found)

    @staticmethod
    def _blank(at: _Locator, dummy: str | None) -> None:
        if dummy:  # None (bad bytes) is reported already; "" is all spaces
            at.add("dummy", "not_blank")

    def _add(self, line: int, record: str | None, field_name: str | None, offset: int,
             code: str) -> None:
        self.problems.append(Problem(line, record, field_name, offset, code))


@dataclass(frozen=True)
class _Locator:
    """Adds a problem about a whole field of one record, at the field's first byte."""

    line: int
    record: str
    offset: int
    layout: tuple[Field, ...]
    reader: _Reader

    def add(self, name: str, code: str) -> None:
        f = next(f for f in self.layout if f.name == name)
        self.reader._add(self.line, self.record, name, self.offset + f.offset, code)


def _member(enum: type[StrEnum], value: str) -> bool:
    return value in enum._value2member_map_


def _kind(raw: bytes) -> Kind | None:
    """The kind of an unreadable header, if its kind field is still one we know."""
    try:
        return Kind(raw[1:3].decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        return None


def _is_month_day(text: str) -> bool:
    month, day = int(text[:2]), int(text[2:])
    return 1 <= month <= 12 and 1 <= day <= _DAYS[month - 1]
