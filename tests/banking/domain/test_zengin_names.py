"""Names typed on screen, folded into the 全銀 character set (charset.to_half_width)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onetime.banking.domain.zengin import InvalidZenginText, charset, to_half_width


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
