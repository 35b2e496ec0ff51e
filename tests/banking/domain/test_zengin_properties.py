"""全銀 files: the round trips and the corruption property, over generated files."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onetime.banking.domain import zengin
from onetime.banking.domain.zengin import (
    DepositType,
    Header,
    Kind,
    NewCode,
    Transfer,
    TransferMethod,
    ZenginFile,
)
from tests.banking.domain.zengin_world import (
    Generated,
    digits,
    month_day,
    names,
    real_branches,
    text,
    valid_files,
)


@st.composite
def batches(draw) -> ZenginFile:
    """A batch as the screen would hand it over: typed values, every one in range."""
    kind = draw(st.sampled_from(list(Kind)))
    bank, branch = draw(st.sampled_from(real_branches()))
    header = Header(
        kind=kind, requester_code=draw(digits(10)), requester_name=draw(text(40, required=True)),
        transfer_date=draw(month_day()), bank_code=bank, branch_code=branch,
        deposit_type=draw(st.sampled_from([DepositType.ORDINARY, DepositType.CURRENT])),
        account_number=draw(digits(7)), bank_name=draw(text(15)), branch_name=draw(text(15)))
    transfers = []
    for _ in range(draw(st.integers(1, 8))):
        bank, branch = draw(st.sampled_from(real_branches()))
        bulk = not kind.is_payroll
        edi = draw(st.none() | text(20, required=True)) if bulk else None
        transfers.append(Transfer(
            bank_code=bank, branch_code=branch, deposit_type=draw(st.sampled_from(DepositType)),
            account_number=draw(digits(7)), recipient_name=draw(text(30, required=True)),
            amount=draw(st.integers(1, 9_999_999_999)), bank_name=draw(text(15)),
            branch_name=draw(text(15)), clearing_house=draw(digits(4)),
            new_code=draw(st.sampled_from(NewCode)), edi_info=edi,
            # EDI情報 takes the place of the customer codes
            customer_code_1=draw(digits(10)) if edi is None else "0000000000",
            customer_code_2=draw(digits(10)) if edi is None else "0000000000",
            transfer_method=(draw(st.sampled_from(TransferMethod)) if bulk
                             else TransferMethod.TELEGRAPHIC)))
    return ZenginFile(header, tuple(transfers), line_breaks=draw(st.booleans()),
                      eof_mark=draw(st.booleans()))


class TestRoundTrip:
    @given(valid_files())
    @settings(max_examples=100)
    def test_a_valid_file_is_written_back_byte_for_byte(self, generated: Generated):
        """render(parse(x)) == x: parse keeps every value, and render writes the format."""
        parsed = zengin.parse(generated.data, names)
        assert zengin.render(parsed) == generated.data

    @given(batches())
    @settings(max_examples=100)
    def test_a_batch_reads_back_as_itself(self, batch: ZenginFile):
        """parse(render(batch)) == batch: what a screen downloads, an upload reads as it was."""
        data = zengin.render(batch)
        assert zengin.parse(data, names) == batch
        assert zengin.check(data, names) == []


class TestCorruption:
    @given(valid_files(max_transfers=4), st.data())
    @settings(max_examples=200)
    def test_a_bad_byte_in_an_n_field_is_reported_at_that_field_and_byte(
            self, generated: Generated, data):
        """One non-digit anywhere in any N field of any record: a problem names that field
        and that byte's offset in the file (and nothing is parsed)."""
        record_offset, fields = data.draw(st.sampled_from(generated.records), "record")
        field = data.draw(st.sampled_from([f for f in fields if f.numeric]), "field")
        position = record_offset + field.offset + data.draw(
            st.integers(0, field.length - 1), "byte")
        # A line feed is framing, not a field's content: at the end of the first of
        # back-to-back records it makes the file read as lines (parse.split).
        bad = data.draw(st.integers(0, 255).filter(
            lambda b: not chr(b).isdigit() and b != 0x0A), "value")
        corrupted = bytearray(generated.data)
        corrupted[position] = bad
        problems = zengin.check(bytes(corrupted), names)
        assert any(p.field == field.name and p.offset == position for p in problems), problems


class TestAnyBytes:
    @given(st.binary(max_size=600))
    @settings(max_examples=200)
    def test_any_bytes_are_answered_with_problems_never_a_crash(self, data: bytes):
        """An upload of anything: a list of problems (or a file), never another exception."""
        problems = zengin.check(data, names)
        if problems:
            assert all(p.code in zengin.errors.CODES for p in problems)
        else:
            zengin.parse(data, names)

    @given(valid_files(max_transfers=3), st.data())
    @settings(max_examples=200)
    def test_a_valid_file_damaged_anywhere_is_answered_too(self, generated: Generated, data):
        """Bytes replaced, cut out or inserted at random places: check() answers with
        problems in file order, each inside the file, and parse() agrees."""
        damaged = bytearray(generated.data)
        for _ in range(data.draw(st.integers(1, 4), "edits")):
            at = data.draw(st.integers(0, len(damaged)), "at")
            edit = data.draw(st.sampled_from(["replace", "cut", "insert"]), "edit")
            chunk = data.draw(st.binary(min_size=1, max_size=3), "bytes")
            if edit == "replace":
                damaged[at:at + len(chunk)] = chunk
            elif edit == "cut":
                del damaged[at:at + len(chunk)]
            else:
                damaged[at:at] = chunk
        damaged = bytes(damaged)
        problems = zengin.check(damaged, names)
        assert problems == sorted(problems, key=lambda p: (p.line, p.offset))
        assert all(0 <= p.offset <= len(damaged) for p in problems)
        if problems:
            with pytest.raises(zengin.ZenginFileInvalid):
                zengin.parse(damaged, names)
