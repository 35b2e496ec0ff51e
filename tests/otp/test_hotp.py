"""HOTP (RFC 4226): the RFC's vectors, both truncation paths, and the parameter checks."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onetime.otp import ALGORITHMS, hotp
from onetime.otp.algorithms import mac, truncate

from .vectorfile import load_vectors, vector_id

RFC_4226 = load_vectors("rfc-4226.txt")
RFC_KEY = b"12345678901234567890"

keys = st.binary(min_size=1, max_size=64)
counters = st.integers(min_value=0, max_value=2**64 - 1)


class TestRfc4226Vectors:
    """Appendix D: SHA-1, 6 digits, counters 0 to 9."""

    @pytest.mark.parametrize("vector", RFC_4226, ids=vector_id)
    def test_appendix_d(self, vector):
        """Each counter gives the RFC's code."""
        key = bytes.fromhex(vector["KEY"])
        assert hotp(key, int(vector["COUNTER"])) == vector["HOTP"]

    def test_file_has_all_ten_counters(self):
        """No vector was dropped from the data file."""
        assert [int(vector["COUNTER"]) for vector in RFC_4226] == list(range(10))


class TestLongCodes:
    """9 and 10 digits, which cryptography's HOTP does not produce."""

    def test_counter_0_with_9_digits(self):
        """The 31-bit value for counter 0 is 1284755224 (RFC 4226 Table 2)."""
        assert hotp(RFC_KEY, 0, digits=9) == "284755224"

    def test_counter_0_with_10_digits_is_the_whole_value(self):
        """Ten digits keep the whole truncated value."""
        assert hotp(RFC_KEY, 0, digits=10) == "1284755224"

    def test_counter_7_with_10_digits_is_zero_padded(self):
        """Counter 7 truncates to 82162583, which 10 digits pad with zeros."""
        assert hotp(RFC_KEY, 7, digits=10) == "0082162583"

    @given(
        key=keys,
        counter=counters,
        digits=st.integers(min_value=6, max_value=8),
        algorithm=st.sampled_from(ALGORITHMS),
    )
    def test_cryptography_and_hand_truncation_agree(self, key, counter, digits, algorithm):
        """For 6-8 digits, cryptography's HOTP equals the by-hand path used for 9-10."""
        by_hand = truncate(mac(key, counter.to_bytes(8, "big"), algorithm), digits)
        assert hotp(key, counter, digits=digits, algorithm=algorithm) == by_hand

    @given(key=keys, counter=counters, algorithm=st.sampled_from(ALGORITHMS))
    def test_shorter_codes_are_suffixes_of_longer_ones(self, key, counter, algorithm):
        """Every length is the same value mod 10**digits, across both paths."""
        ten = hotp(key, counter, digits=10, algorithm=algorithm)
        for digits in range(6, 10):
            assert hotp(key, counter, digits=digits, algorithm=algorithm) == ten[-digits:]


class TestOutputShape:
    """Whatever the inputs, the code is exactly `digits` ASCII digits."""

    @given(
        key=keys,
        counter=counters,
        digits=st.integers(min_value=6, max_value=10),
        algorithm=st.sampled_from(ALGORITHMS),
    )
    def test_code_has_digits_digits(self, key, counter, digits, algorithm):
        """Leading zeros are kept."""
        code = hotp(key, counter, digits=digits, algorithm=algorithm)
        assert len(code) == digits
        assert code.isascii()
        assert code.isdigit()

    def test_short_key_is_accepted(self):
        """PSKC imports may carry keys shorter than 128 bits."""
        assert hotp(b"\x00", 0) == hotp(b"\x00", 0, digits=6, algorithm="sha1")


class TestRejectedParameters:
    """Bad parameters raise instead of producing a code."""

    @pytest.mark.parametrize("digits", [0, 5, 11])
    def test_digits_outside_6_to_10(self, digits):
        """Only 6 to 10 digits are offered."""
        with pytest.raises(ValueError, match="digits"):
            hotp(RFC_KEY, 0, digits=digits)

    @pytest.mark.parametrize("algorithm", ["md5", "SHA1", "sha224", ""])
    def test_unknown_algorithm(self, algorithm):
        """Names are the lower-case ones in ALGORITHMS."""
        with pytest.raises(ValueError, match="algorithm"):
            hotp(RFC_KEY, 0, algorithm=algorithm)

    @pytest.mark.parametrize("counter", [-1, 2**64])
    def test_counter_outside_64_bits(self, counter):
        """The counter is an unsigned 64-bit integer."""
        with pytest.raises(ValueError, match="counter"):
            hotp(RFC_KEY, counter)

    def test_bool_digits(self):
        """`True` is an int in Python, but never a digit count."""
        with pytest.raises(TypeError):
            hotp(RFC_KEY, 0, digits=True)
