"""Reading 全銀 files: framing, record order, trailer figures, the bank directory."""

from __future__ import annotations

import pytest

from onetime.banking.domain import zengin
from onetime.banking.domain.zengin import (
    DepositType,
    Header,
    Kind,
    Transfer,
    TransferMethod,
    ZenginFile,
)
from tests.banking.domain.zengin_world import names

HEADER = Header(kind=Kind.BULK, requester_code="0000000001", requester_name="ｶ)ﾃｽﾄ",
                transfer_date="0401", bank_code="0001", branch_code="001",
                deposit_type=DepositType.ORDINARY, account_number="0000001")
TRANSFER = Transfer(bank_code="0009", branch_code="001", deposit_type=DepositType.ORDINARY,
                    account_number="1234567", recipient_name="ﾔﾏﾀﾞ ﾀﾛｳ", amount=1000)


def records(*, line_breaks: bool = True, transfers: int = 2) -> list[bytes]:
    data = zengin.render(ZenginFile(HEADER, (TRANSFER,) * transfers, line_breaks=False))
    return [data[i:i + 120] for i in range(0, len(data), 120)]


def codes(data: bytes) -> list[tuple[int, str | None, str]]:
    return [(p.line, p.field, p.code) for p in zengin.check(data, names)]


class TestFraming:
    @pytest.mark.parametrize("separator", [b"", b"\r\n", b"\n"])
    @pytest.mark.parametrize("eof", [b"", b"\x1a"])
    def test_back_to_back_crlf_or_lf_lines_with_or_without_eof_mark(self, separator, eof):
        data = b"".join(r + separator for r in records()) + eof
        f = zengin.parse(data, names)
        assert (f.count, f.total, f.line_breaks, f.eof_mark) == (
            2, 2000, separator != b"", eof != b"")

    def test_the_last_line_break_may_be_missing(self):
        assert zengin.parse(b"\r\n".join(records()), names).count == 2

    def test_a_short_line_is_reported_by_its_line_and_start(self):
        lines = records()
        lines[1] = lines[1][:-3]
        data = b"\r\n".join(lines)
        (problem,) = zengin.check(data, names)
        assert (problem.line, problem.code, problem.offset) == (2, "record_length", 122)

    def test_a_truncated_stream_is_reported(self):
        data = b"".join(records())[:-10]
        assert codes(data)[-2:] == [(5, None, "record_length"), (6, None, "missing_end")]

    def test_an_empty_file(self):
        assert codes(b"") == [(1, None, "empty_file")]
        assert codes(b"\x1a") == [(1, None, "empty_file")]

    def test_offsets_are_in_the_file_with_or_without_line_breaks(self):
        """The same bad byte: line 2 starts at 120 back to back, at 122 with CR LF."""
        lines = records()
        lines[1] = lines[1][:85] + b"X" + lines[1][86:]  # in 振込金額 (81-90)
        assert zengin.check(b"".join(lines), names)[0].offset == 120 + 85
        assert zengin.check(b"\r\n".join(lines), names)[0].offset == 122 + 85


class TestRecordOrder:
    def test_no_header(self):
        assert codes(b"".join(records()[1:]))[0] == (1, None, "missing_header")

    def test_no_trailer_and_no_end(self):
        assert codes(b"".join(records()[:3])) == [
            (4, None, "missing_trailer"), (4, None, "missing_end")]

    def test_end_without_trailer(self):
        r = records()
        assert codes(b"".join(r[:3] + r[4:])) == [(4, None, "missing_trailer")]

    def test_no_data_records(self):
        r = records(transfers=1)
        trailer = b"8" + b"0" * 18 + b" " * 101
        assert codes(b"".join([r[0], trailer, r[3]])) == [(2, None, "no_transfers")]

    def test_one_group_per_file(self):
        """A second header (a multi-group file) and records after the end are refused."""
        r = records()
        assert codes(b"".join(r + r[:1])) == [(6, None, "record_order")]
        assert codes(b"".join(r[:2] + r[:1] + r[2:])) == [(3, None, "record_order")]


    def test_a_second_header_does_not_change_how_data_records_are_read(self):
        """A 給与 header after a 総合振込 one: the data records after it are still read
        as 総合振込 records (EDI and all), so only the order is reported."""
        r = records()
        payroll_header = r[0][:1] + b"11" + r[0][3:]
        edi = r[2][:91] + b"EDI".ljust(20) + b"7Y" + b" " * 7
        assert codes(b"".join([r[0], r[1], payroll_header, edi, *r[3:]])) == [
            (3, None, "record_order")]


class TestValues:
    def test_trailer_figures_must_match(self):
        r = records()
        r[3] = b"8" + b"000003" + b"000000002001" + b" " * 101
        assert codes(b"".join(r)) == [(4, "count", "count_mismatch"),
                                      (4, "total", "total_mismatch")]

    def test_dummy_must_be_spaces(self):
        r = records()
        r[4] = r[4][:-1] + b"X"
        assert codes(b"".join(r)) == [(5, "dummy", "not_blank")]

    @pytest.mark.parametrize(("position", "value", "field", "code"), [
        (1, b"31", "kind", "unsupported_kind"),
        (3, b"1", "code_set", "unsupported_code_set"),
        (54, b"0230", "transfer_date", "invalid_date"),
        (54, b"0000", "transfer_date", "invalid_date"),
        (95, b"4", "deposit_type", "invalid_value"),  # a requester has no 貯蓄 account
        (14, b" " * 40, "requester_name", "blank"),
        (14, b"a", "requester_name", "invalid_character"),
        (14, "ｧ".encode("cp932"), "requester_name", "invalid_character"),  # small kana
    ])
    def test_header_values(self, position, value, field, code):
        r = records()
        r[0] = r[0][:position] + value + r[0][position + len(value):]
        (problem,) = zengin.check(b"".join(r), names)
        assert (problem.line, problem.record, problem.field, problem.code) == (
            1, "header", field, code)
        assert problem.offset == position

    def test_the_29th_of_february_is_a_date(self):
        r = records()
        r[0] = r[0][:54] + b"0229" + r[0][58:]
        assert zengin.parse(b"".join(r), names).header.transfer_date == "0229"

    @pytest.mark.parametrize(("position", "value", "field", "code"), [
        (1, b"9999", "bank_code", "unknown_bank"),
        (20, b"999", "branch_code", "unknown_branch"),
        (42, b"3", "deposit_type", "invalid_value"),
        (90, b"3", "new_code", "invalid_value"),
        (111, b"0", "transfer_method", "invalid_value"),
        (112, b"N", "edi_flag", "invalid_value"),
    ])
    def test_data_values(self, position, value, field, code):
        r = records()
        r[1] = r[1][:position] + value + r[1][position + len(value):]
        (problem,) = zengin.check(b"".join(r), names)
        assert (problem.line, problem.record, problem.field, problem.code) == (
            2, "data", field, code)
        assert problem.offset == 120 + position

    def test_without_a_directory_codes_are_not_looked_up(self):
        r = records()
        r[1] = r[1][:1] + b"9999" + r[1][5:]
        assert zengin.parse(b"".join(r), None).transfers[0].bank_code == "9999"
        assert codes(b"".join(r)) == [(2, "bank_code", "unknown_bank")]

    def test_payroll_records_have_employee_and_department_codes(self):
        payroll = ZenginFile(HEADER.__class__(**{**HEADER.__dict__, "kind": Kind.BONUS}), (
            Transfer(**{**TRANSFER.__dict__, "customer_code_1": "0000000123",
                        "customer_code_2": "0000000045"}),))
        data = zengin.render(payroll)
        assert data[122 + 91:122 + 120] == b"0000000123" + b"0000000045" + b" " * 9
        assert zengin.parse(data, names) == payroll


class TestRender:
    def test_the_trailer_is_computed(self):
        data = zengin.render(ZenginFile(HEADER, (TRANSFER,) * 3))
        assert data[4 * 122:5 * 122] == b"8000003000000003000" + b" " * 101 + b"\r\n"
        assert data[5 * 122:] == b"9" + b" " * 119 + b"\r\n"

    @pytest.mark.parametrize("change", [
        {"recipient_name": "ﾔﾏﾀﾞ" * 8},  # 32 > 30 bytes
        {"recipient_name": "山田"},
        {"account_number": "12345678"},
        {"bank_code": "01a1"},
        {"amount": 0},
        {"amount": 10_000_000_000},
        {"recipient_name": "   "},
        {"edi_info": "X", "customer_code_1": "0000000001"},
    ])
    def test_a_value_that_does_not_fit_is_refused(self, change):
        bad = Transfer(**{**TRANSFER.__dict__, **change})
        with pytest.raises(zengin.InvalidZenginValue):
            zengin.render(ZenginFile(HEADER, (bad,)))

    @pytest.mark.parametrize("change", [
        {"requester_name": ""}, {"transfer_date": "0431"}, {"transfer_date": "13"},
    ])
    def test_a_header_the_reader_would_refuse_is_not_written(self, change):
        with pytest.raises(zengin.InvalidZenginValue):
            zengin.render(ZenginFile(Header(**{**HEADER.__dict__, **change}), (TRANSFER,)))

    def test_a_payroll_file_has_no_room_for_edi_or_a_document_transfer(self):
        header = Header(**{**HEADER.__dict__, "kind": Kind.PAYROLL})
        for change in ({"edi_info": "X"}, {"transfer_method": TransferMethod.DOCUMENT}):
            with pytest.raises(zengin.InvalidZenginValue):
                zengin.render(ZenginFile(header, (Transfer(**{**TRANSFER.__dict__, **change}),)))
