"""TOTP (RFC 6238): the RFC's vectors, our 60-second vectors, steps and countdowns."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onetime.otp import ALGORITHMS, hotp, seconds_left, step_at, totp

from .vectorfile import load_vectors, vector_id

RFC_6238 = load_vectors("rfc-6238.txt")
OWN_60S = load_vectors("onetime-totp-60s.txt")

periods = st.integers(min_value=1, max_value=3600)
steps = st.integers(min_value=0, max_value=2**40)


class TestRfc6238Vectors:
    """Appendix B: 8 digits, 30-second steps, SHA-1/256/512."""

    @pytest.mark.parametrize("vector", RFC_6238, ids=vector_id)
    def test_appendix_b(self, vector):
        """Each time and algorithm gives the RFC's code."""
        code = totp(
            bytes.fromhex(vector["KEY"]),
            int(vector["TIME"]),
            digits=8,
            period=30,
            algorithm=vector["ALGORITHM"],
        )
        assert code == vector["TOTP"]

    @pytest.mark.parametrize("vector", RFC_6238, ids=vector_id)
    def test_appendix_b_steps(self, vector):
        """The step is the RFC's T column."""
        assert step_at(int(vector["TIME"]), 30) == int(vector["STEP"], 16)

    def test_file_has_all_eighteen(self):
        """Six times by three algorithms, none dropped."""
        assert len(RFC_6238) == 18
        assert {vector["ALGORITHM"] for vector in RFC_6238} == set(ALGORITHMS)


class TestSixtySecondVectors:
    """Our own 8-digit, 60-second vectors, as oathtool computes them."""

    @pytest.mark.parametrize("vector", OWN_60S, ids=vector_id)
    def test_matches_oathtool(self, vector):
        """Defaults are 8 digits and 60 s, so only the algorithm is passed."""
        code = totp(
            bytes.fromhex(vector["KEY"]), int(vector["TIME"]), algorithm=vector["ALGORITHM"]
        )
        assert code == vector["TOTP"]

    @pytest.mark.parametrize("vector", OWN_60S, ids=vector_id)
    def test_steps(self, vector):
        """The step is the file's STEP."""
        assert step_at(int(vector["TIME"]), 60) == int(vector["STEP"])

    def test_last_second_of_step_0_and_first_of_step_1(self):
        """t=59 is still counter 0; t=60 is counter 1 (RFC 4226's 287082 on 8 digits)."""
        key = b"12345678901234567890"
        assert totp(key, 59) == "84755224"
        assert totp(key, 60) == "94287082"


class TestStepAt:
    """The step is floor((t - t0) / period)."""

    def test_floats_floor(self):
        """A fractional time belongs to the step it falls in."""
        assert step_at(59.999, 60) == 0
        assert step_at(60.0, 60) == 1

    def test_t0_shifts_the_steps(self):
        """Counting starts at t0."""
        assert step_at(1000, 60, t0=940) == 1
        assert step_at(999, 60, t0=940) == 0

    def test_before_t0_is_negative(self):
        """The step floors towards minus infinity, so totp() refuses it as a counter."""
        assert step_at(-1, 60) == -1
        with pytest.raises(ValueError, match="counter"):
            totp(b"key", -1)

    @pytest.mark.parametrize("period", [0, -30])
    def test_period_must_be_positive(self, period):
        """A zero or negative period has no steps."""
        with pytest.raises(ValueError, match="period"):
            step_at(0, period)

    @given(step=steps, period=periods, data=st.data())
    def test_every_second_of_a_step(self, step, period, data):
        """Any time inside [step * period, (step + 1) * period) is that step."""
        k = data.draw(st.integers(min_value=0, max_value=period - 1))
        assert step_at(step * period + k, period) == step


class TestCodeIsConstantWithinAStep:
    """A code changes only at step boundaries."""

    @given(
        key=st.binary(min_size=1, max_size=64),
        step=steps,
        period=st.sampled_from([30, 60]),
        algorithm=st.sampled_from(ALGORITHMS),
        data=st.data(),
    )
    def test_totp_is_hotp_of_the_step(self, key, step, period, algorithm, data):
        """totp(step * period + k) is hotp(step) for every k in [0, period)."""
        k = data.draw(st.integers(min_value=0, max_value=period - 1))
        expected = hotp(key, step, digits=8, algorithm=algorithm)
        assert totp(key, step * period + k, period=period, algorithm=algorithm) == expected


class TestSecondsLeft:
    """The countdown shown next to a code."""

    def test_58_left_at_t_2(self):
        """Two seconds into a 60-second step, 58 remain."""
        assert seconds_left(2, 60) == 58

    def test_full_period_at_the_boundary(self):
        """On the boundary a new code has just started: 60, never 0."""
        assert seconds_left(60, 60) == 60
        assert seconds_left(0, 60) == 60

    def test_last_second(self):
        """One second before the boundary, 1 remains."""
        assert seconds_left(59, 60) == 1

    def test_fractions_round_up(self):
        """Half a second left is shown as 1, not 0."""
        assert seconds_left(59.5, 60) == 1
        assert seconds_left(2.5, 60) == 58

    def test_t0(self):
        """The countdown follows the shifted steps."""
        assert seconds_left(1000, 60, t0=970) == 30

    @given(
        unix_time=st.floats(min_value=0, max_value=2**40, allow_nan=False),
        period=periods,
    )
    def test_always_between_1_and_period(self, unix_time, period):
        """Never 0 and never more than a whole period."""
        left = seconds_left(unix_time, period)
        assert isinstance(left, int)
        assert 1 <= left <= period

    @given(step=steps, period=periods, data=st.data())
    def test_counts_down_through_a_step(self, step, period, data):
        """k seconds into a step, period - k remain."""
        k = data.draw(st.integers(min_value=0, max_value=period - 1))
        assert seconds_left(step * period + k, period) == period - k
