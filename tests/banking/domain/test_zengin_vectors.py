"""The sample files in tests/vectors/zengin, read field by field at the format's positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from onetime.banking.domain import zengin
from onetime.banking.domain.zengin import DepositType, Kind, NewCode, TransferMethod
from onetime.banking.domain.zengin.layout import (
    BULK_DATA,
    END,
    HEADER,
    LAYOUTS,
    PAYROLL_DATA,
    RECORD_LENGTH,
    TRAILER,
)
from tests.banking.domain.zengin_world import names

VECTORS = Path(__file__).parents[2] / "vectors" / "zengin"


def read(name: str) -> bytes:
    return (VECTORS / name).read_bytes()


class TestLayouts:
    @pytest.mark.parametrize("name", sorted(LAYOUTS))
    def test_every_record_is_120_bytes_of_fields_end_to_end(self, name):
        fields = LAYOUTS[name]
        assert sum(f.length for f in fields) == RECORD_LENGTH
        assert [f.offset for f in fields] == [sum(g.length for g in fields[:i])
                                              for i in range(len(fields))]
        assert len({f.name for f in fields}) == len(fields)

    def test_positions_as_the_format_documents_them(self):
        """1-based 位置 of the published tables: 取組日 55-58, 振込金額 81-90 …"""
        def position(fields, name):
            f = next(f for f in fields if f.name == name)
            return f.offset + 1, f.end
        assert position(HEADER, "requester_name") == (15, 54)
        assert position(HEADER, "transfer_date") == (55, 58)
        assert position(HEADER, "account_number") == (97, 103)
        assert position(BULK_DATA, "recipient_name") == (51, 80)
        assert position(BULK_DATA, "amount") == (81, 90)
        assert position(BULK_DATA, "transfer_method") == (112, 112)
        assert position(BULK_DATA, "edi_flag") == (113, 113)
        assert position(PAYROLL_DATA, "customer_code_2") == (102, 111)
        assert position(TRAILER, "total") == (8, 19)
        assert position(END, "dummy") == (2, 120)


class TestValidSamples:
    def test_bulk_file_with_line_breaks(self):
        data = read("bulk_21_crlf.txt")
        assert len(data) == 5 * 122
        assert data[120:122] == b"\r\n"
        f = zengin.parse(data, names)
        assert (f.kind, f.count, f.total, f.line_breaks, f.eof_mark) == (
            Kind.BULK, 2, 1_284_567, True, False)
        h = f.header
        assert (h.requester_code, h.requester_name, h.transfer_date) == (
            "1234567890", "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "1127")
        assert (h.bank_code, h.bank_name, h.branch_code, h.branch_name) == (
            "0001", "ﾐｽﾞﾎ", "001", "ﾄｳｷﾖｳ")
        assert (h.deposit_type, h.account_number) == (DepositType.ORDINARY, "1234567")
        first, second = f.transfers
        assert (first.bank_code, first.bank_name, first.branch_code, first.branch_name) == (
            "0005", "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ", "001", "ﾎﾝﾃﾝ")
        assert (first.account_number, first.recipient_name, first.amount) == (
            "7654321", "ｶ)ｻﾄｳｼﾖｳｶｲ", 1_234_567)
        assert (first.customer_code_1, first.transfer_method) == (
            "0000000042", TransferMethod.TELEGRAPHIC)
        assert (second.deposit_type, second.account_number, second.new_code) == (
            DepositType.CURRENT, "0000001", NewCode.FIRST)
        # Every symbol of the set, ¥ (byte 0x5C) read as the yen sign, not a backslash.
        assert second.recipient_name == "ABC(ｶ ﾕｰｴｽ-1.2/3,¥"
        assert data[2 * 122 + 50 + 17] == 0x5C  # line 3, 受取人名 at 51, its 18th byte

    def test_bulk_file_back_to_back_with_edi(self):
        data = read("bulk_21_edi_fixed.txt")
        assert len(data) == 4 * RECORD_LENGTH
        f = zengin.parse(data, names)
        (t,) = f.transfers
        assert (t.edi_info, t.transfer_method, t.amount) == (
            "INV 2026-0042", TransferMethod.DOCUMENT, 9_999_999_999)
        assert (f.total, f.line_breaks) == (9_999_999_999, False)

    def test_payroll_file_with_eof_mark(self):
        data = read("payroll_11_fixed_eof.txt")
        assert data.endswith(b"\x1a")
        assert len(data) == 6 * RECORD_LENGTH + 1
        f = zengin.parse(data, names)
        assert (f.kind, f.count, f.total, f.eof_mark) == (Kind.PAYROLL, 3, 794_265, True)
        assert [(t.recipient_name, t.amount, t.customer_code_1, t.customer_code_2)
                for t in f.transfers] == [
            ("ﾔﾏﾀﾞ ﾀﾛｳ", 310_000, "0000001001", "0000000010"),
            ("ｽｽﾞｷ ｲﾁﾛｳ", 285_500, "0000001002", "0000000020"),
            ("ｻﾄｳ ﾊﾅｺ", 198_765, "0000001003", "0000000020"),
        ]
        assert f.transfers[2].deposit_type is DepositType.SAVINGS

    @pytest.mark.parametrize("name", ["bulk_21_crlf.txt", "bulk_21_edi_fixed.txt",
                                      "payroll_11_fixed_eof.txt"])
    def test_each_sample_is_written_back_as_it_was(self, name):
        assert zengin.render(zengin.parse(read(name), names)) == read(name)


class TestInvalidSample:
    def test_every_fault_is_reported_with_line_field_and_byte(self):
        """Lines of 122 bytes: line n starts at byte 122·(n-1)."""
        found = [(p.line, p.record, p.field, p.offset, p.code)
                 for p in zengin.check(read("bulk_21_invalid.txt"), names)]
        assert found == [
            (1, "header", "transfer_date", 54, "invalid_date"),  # 1332
            (1, "header", "bank_code", 58, "unknown_bank"),  # 9999
            (2, "data", "branch_code", 142, "unknown_branch"),  # 0005-999
            (2, "data", "deposit_type", 164, "invalid_value"),  # 3
            (2, "data", "amount", 202, "zero_amount"),
            (3, "data", "recipient_name", 294, "blank"),
            (4, "data", "amount", 454, "not_numeric"),  # the 9th byte of the amount
            (5, None, "record_type", 488, "unknown_record"),  # a line starting with kana
            (6, "data", "recipient_name", 660, "invalid_character"),  # 山田: full width
            (6, "data", "transfer_method", 721, "not_numeric"),
            (6, "data", "edi_flag", 722, "invalid_character"),  # lower case
            (6, "data", "dummy", 723, "not_blank"),
            (7, "trailer", "count", 733, "count_mismatch"),  # 9, for 4 data records
        ]

    def test_parse_raises_with_the_same_problems(self):
        with pytest.raises(zengin.ZenginFileInvalid) as caught:
            zengin.parse(read("bulk_21_invalid.txt"), names)
        assert caught.value.problems == zengin.check(read("bulk_21_invalid.txt"), names)
        assert caught.value.code == "zengin_file_invalid"
