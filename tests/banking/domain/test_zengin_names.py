"""Names typed on screen, folded into the 全銀 character set (charset.to_half_width), and a
transfer entered on screen as a record of a batch (screen.transfer_from)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onetime.banking.domain import transfers
from onetime.banking.domain.transfers import Destination
from onetime.banking.domain.zengin import (
    DepositType,
    Header,
    InvalidZenginText,
    Kind,
    ZenginFile,
    charset,
    parse,
    render,
    to_half_width,
    transfer_from,
)
from tests.banking.domain.zengin_world import names


class TestToHalfWidth:
    @pytest.mark.parametrize(("typed", "written"), [
        ("カ)ヤマダ", "ｶ)ﾔﾏﾀﾞ"),  # the sound mark a character of its own
        ("カ）ヤマダ", "ｶ)ﾔﾏﾀﾞ"),  # a full-width parenthesis
        ("ヤマダ　タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ"),  # ideographic space
        ("やまだ たろう", "ﾔﾏﾀﾞ ﾀﾛｳ"),  # hiragana
        ("ｶﾌﾞｼｷｶﾞｲｼｬ", "ｶﾌﾞｼｷｶﾞｲｼﾔ"),  # half-width already; small kana written large
        ("キャノン", "ｷﾔﾉﾝ"),
        ("パーク", "ﾊﾟｰｸ"),
        ("ヴィ", "ｳﾞｲ"),
        ("ｙａｍａｄａ　ＬＴＤ．", "YAMADA LTD."),  # full-width letters, upper case
        ("abc-1/2,3", "ABC-1/2,3"),
        ("￥１００", "¥100"),
        ("  ヤマダ   タロウ  ", "ﾔﾏﾀﾞ ﾀﾛｳ"),
    ])
    def test_examples(self, typed, written):
        assert to_half_width(typed) == written

    @pytest.mark.parametrize(("typed", "character"), [
        ("山田", "山"), ("ヤマダ！", "!"), ("A@B", "@"), ("ﾔﾏﾀﾞ・ﾀﾛｳ", "･"), ("ヤマダ_", "_"),
    ])
    def test_a_character_outside_the_set_is_named(self, typed, character):
        with pytest.raises(InvalidZenginText) as caught:
            to_half_width(typed)
        assert caught.value.character == character
        assert caught.value.code == "invalid_zengin_text"

    @given(st.text(max_size=40))
    def test_what_it_returns_is_always_writable_and_stable(self, typed):
        """Any text: either a clear error, or a name every byte of which is in the set and
        that folds to itself."""
        try:
            written = to_half_width(typed)
        except InvalidZenginText:
            return
        assert all(b in charset.ALLOWED for b in charset.encode(written))
        assert to_half_width(written) == written


class TestTransferFrom:
    def test_a_destination_typed_on_screen_becomes_a_record_of_the_batch(self):
        """The one-off transfer's values, checked as the screen checks them, then folded:
        the downloaded file reads back as the same transfer."""
        destination = Destination(
            bank_code=transfers.bank_code("０００９"), bank_name="三井住友",
            branch_code=transfers.branch_code("001"), branch_name="神保町",
            account_type=transfers.account_type("current"),
            account_number=transfers.account_number("１２３４"),
            holder_name=transfers.holder_name("カ）ヤマダショウジ"))
        record = transfer_from(destination, transfers.amount("1,000"),
                               customer_code_1="0000000042")
        assert (record.bank_code, record.branch_code, record.deposit_type) == (
            "0009", "001", DepositType.CURRENT)
        assert (record.account_number, record.recipient_name, record.amount) == (
            "0001234", "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", 1000)
        header = Header(kind=Kind.BULK, requester_code="0000000001", requester_name="ｶ)ﾃｽﾄ",
                        transfer_date="0401", bank_code="0001", branch_code="001",
                        deposit_type=DepositType.ORDINARY, account_number="0000001")
        batch = ZenginFile(header, (record,))
        assert parse(render(batch), names) == batch

    def test_a_name_outside_the_set_is_refused_before_any_file_is_made(self):
        destination = Destination("0009", "", "001", "", transfers.AccountType.ORDINARY,
                                  "0000001", "ヤマダ＠タロウ")
        with pytest.raises(InvalidZenginText):
            transfer_from(destination, 1000)
