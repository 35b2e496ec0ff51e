"""The formats of values at the service's boundary (DESIGN.md §7 "Values")."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onetime.domain import values
from onetime.domain.errors import (
    InvalidActivationPassword,
    InvalidCodeFormat,
    InvalidOperation,
    InvalidUserId,
)
from onetime.domain.values import RULE_3_OPERATIONS, USER_ID_PATTERN, Operation

USER_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@-"


def _ascii_digit_by_nfkc(char: str) -> bool:
    """The code rule for one character: an Nd digit whose NFKC form is an ASCII digit."""
    form = unicodedata.normalize("NFKC", char)
    return unicodedata.category(char) == "Nd" and len(form) == 1 and form in "0123456789"


class TestUserId:
    @pytest.mark.parametrize("user_id", [
        "taro", "T", "9", "a" * 64, "taro.yamada@example.jp", "0001_user-1", "A.b_c@d-e",
    ])
    def test_accepts_letters_digits_and_dot_underscore_at_hyphen(self, user_id):
        """A user ID of 1-64 allowed characters, starting with a letter or digit, passes as is."""
        assert values.user_id(user_id) == user_id

    @pytest.mark.parametrize("user_id", [
        "", "a" * 65, ".taro", "_taro", "@taro", "-taro", "taro yamada", "taro\n", "taro/1",
        "taro+1", "たろう", "ｔａｒｏ", "taro\x00",
    ])
    def test_rejects_other_characters_lengths_and_first_characters(self, user_id):
        """Empty, too long, a symbol first, spaces, slashes or non-ASCII letters are refused."""
        with pytest.raises(InvalidUserId):
            values.user_id(user_id)

    @pytest.mark.parametrize("user_id", [None, 12345, b"taro", ["taro"]])
    def test_rejects_non_strings(self, user_id):
        """Only a string can be a user ID."""
        with pytest.raises(InvalidUserId):
            values.user_id(user_id)

    @given(st.from_regex(USER_ID_PATTERN, fullmatch=True))
    def test_every_string_of_the_pattern_passes(self, user_id):
        """Whatever matches the documented pattern is accepted unchanged."""
        assert values.user_id(user_id) == user_id

    @given(st.text(min_size=1, max_size=64).filter(
        lambda s: any(c not in USER_ID_CHARS for c in s)))
    def test_any_character_outside_the_set_fails(self, user_id):
        """A single character outside A-Z a-z 0-9 . _ @ - makes the ID invalid."""
        with pytest.raises(InvalidUserId):
            values.user_id(user_id)


class TestCode:
    def test_ascii_digits_pass_unchanged(self):
        """An 8-digit ASCII code is its own normal form."""
        assert values.code("01234567") == "01234567"

    def test_full_width_digits_pass_as_ascii(self):
        """Full-width １２３４５６７８, as a Japanese IME types it, becomes 12345678."""
        assert values.code("１２３４５６７８") == "12345678"

    def test_mixed_full_width_and_ascii_digits_pass(self):
        """Half the digits full-width is still a code."""
        assert values.code("1２3４5６7８") == "12345678"

    def test_mathematical_digits_pass_as_nfkc_ascii(self):
        """Category Nd digits whose NFKC form is ASCII (here bold 𝟏) are accepted."""
        assert values.code("𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖") == "12345678"

    @pytest.mark.parametrize("code", [
        pytest.param("①②③④⑤⑥⑦⑧", id="circled"),
        pytest.param("٠١٢٣٤٥٦٧", id="arabic-indic"),
        pytest.param("۰۱۲۳۴۵۶۷", id="extended-arabic-indic"),
        pytest.param("०१२३४५६७", id="devanagari"),
        pytest.param("¹²³⁴⁵⁶⁷⁸", id="superscript"),
        pytest.param("一二三四五六七八", id="kanji"),
        pytest.param("1234 567", id="space"),
        pytest.param("1234\u3000567", id="ideographic-space"),
        pytest.param("1234-567", id="hyphen"),
        pytest.param("1234567a", id="letter"),
        pytest.param("12345678x", id="trailing-letter"),
        pytest.param("+1234567", id="sign"),
        pytest.param("1234567", id="seven-digits"),
        pytest.param("123456789", id="nine-digits"),
        pytest.param("１２３４５６７", id="seven-full-width"),
        pytest.param("", id="empty"),
        pytest.param(" 12345678", id="leading-space"),
    ])
    def test_refuses_what_is_not_eight_decimal_digits(self, code):
        """Circled, Arabic-Indic, spaces, hyphens, letters and other lengths are refused."""
        with pytest.raises(InvalidCodeFormat):
            values.code(code)

    @pytest.mark.parametrize("code", [12345678, 12345678.0, None, True, b"12345678",
                                      ["1", "2", "3", "4", "5", "6", "7", "8"]])
    def test_refuses_non_strings(self, code):
        """A JSON number, null or bytes is not a code, even with the right digits."""
        with pytest.raises(InvalidCodeFormat):
            values.code(code)

    def test_length_is_a_parameter_for_other_token_kinds(self):
        """A 6-digit token's code is checked against 6."""
        assert values.code("１２３４５６", 6) == "123456"
        with pytest.raises(InvalidCodeFormat):
            values.code("12345678", 6)

    @given(st.text(alphabet="0123456789", min_size=8, max_size=8))
    def test_any_eight_ascii_digits_pass_unchanged(self, code):
        """Every 8-digit ASCII string is a code and normalises to itself."""
        assert values.code(code) == code

    @given(st.text(alphabet=st.characters(categories=("Nd",)), min_size=8, max_size=8))
    def test_decimal_digits_pass_exactly_when_nfkc_gives_ascii(self, code):
        """Of all Nd digits, only those whose NFKC form is ASCII are accepted, normalised."""
        if all(_ascii_digit_by_nfkc(c) for c in code):
            assert values.code(code) == unicodedata.normalize("NFKC", code)
        else:
            with pytest.raises(InvalidCodeFormat):
                values.code(code)

    @given(st.text(max_size=12))
    def test_whatever_passes_is_eight_ascii_digits(self, code):
        """No input, however odd, normalises to anything but 8 ASCII digits."""
        try:
            normal = values.code(code)
        except InvalidCodeFormat:
            assert len(code) != 8 or not all(_ascii_digit_by_nfkc(c) for c in code)
        else:
            assert len(normal) == 8
            assert normal.isascii()
            assert normal.isdigit()


class TestOperation:
    @pytest.mark.parametrize("name", [o.value for o in Operation])
    def test_each_named_operation_parses(self, name):
        """The nine operation names of the contract are accepted."""
        assert values.operation(name) == Operation(name)

    @pytest.mark.parametrize("name", ["wire", "", "TRANSFER", None, 1])
    def test_unknown_operation_is_refused(self, name):
        """Anything else is invalid_operation."""
        with pytest.raises(InvalidOperation):
            values.operation(name)

    def test_rule_3_lists_seven_operations(self):
        """Rule 3: transfers, bulk, payroll, approvals, Pay-easy, token and user management."""
        assert {o.value for o in RULE_3_OPERATIONS} == {
            "transfer", "bulk_transfer", "payroll_transfer", "approval", "payeasy",
            "token_management", "user_management",
        }


class TestActivationPassword:
    @pytest.mark.parametrize("password", ["1234", "0000", "1234567890123456"])
    def test_four_to_sixteen_ascii_digits_pass(self, password):
        """4-16 digits 0-9 is an activation password."""
        assert values.activation_password(password) == password

    @pytest.mark.parametrize("password", ["123", "12345678901234567", "12a4", "１２３４",
                                          "12 34", "", None, 1234])
    def test_other_values_are_refused(self, password):
        """Too short, too long, letters, full-width or non-strings are refused."""
        with pytest.raises(InvalidActivationPassword):
            values.activation_password(password)
