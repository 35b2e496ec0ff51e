"""How codes, countdowns and times are written, and the token record's round trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from onetime.app.format import bank_time, countdown, group_code
from onetime.app.token import StoredToken
from tests.app.conftest import make_token


class TestCode:
    def test_eight_digits_in_two_fours(self):
        assert group_code("12345678") == "1234 5678"

    def test_six_digits_in_two_threes(self):
        assert group_code("123456") == "123 456"

    @given(st.text(alphabet="0123456789", min_size=6, max_size=10))
    def test_grouping_keeps_every_digit(self, code):
        """Only one space is added, in the middle."""
        grouped = group_code(code)
        assert grouped.replace(" ", "") == code
        assert grouped.count(" ") == 1


class TestCountdown:
    def test_the_manuals_example(self):
        assert countdown(58) == "0:58"

    def test_a_full_minute(self):
        assert countdown(60) == "1:00"

    def test_single_digit_seconds_are_padded(self):
        assert countdown(7) == "0:07"


class TestBankTime:
    def test_0810_jst_from_the_evening_before(self):
        """23:10 UTC is 8:10 in Tokyo; within a day, no date."""
        now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
        assert bank_time(datetime(2026, 11, 26, 23, 10, tzinfo=UTC), now) == "8:10"

    def test_more_than_a_day_away_shows_the_date(self):
        now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
        assert bank_time(now + timedelta(days=2), now) == "11/28 21:00"


@given(service_id=st.from_regex(r"[0-9]{4}", fullmatch=True),
       user_id=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,20}", fullmatch=True),
       name=st.text(min_size=1, max_size=30),
       secret=st.binary(min_size=16, max_size=64))
def test_token_record_round_trip(service_id, user_id, name, secret):
    """Whatever the institution's name or the secret, the vault's record reads back the same."""
    token = make_token(service_id, user_id, name, secret=secret)
    again = StoredToken.from_record(token.to_record())
    assert again == token
    now = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    assert again.code_at(now) == token.code_at(now)
