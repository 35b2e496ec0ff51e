"""find_counter: which counter in a window produced a code."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onetime.otp import ALGORITHMS, find_counter, hotp

KEY = b"12345678901234567890"


class TestFindCounter:
    """A search over the counters the caller allows, in the caller's order."""

    def test_finds_rfc_4226_counter(self):
        """287082 is counter 1 in RFC 4226 Appendix D."""
        found = find_counter(KEY, "287082", range(10), digits=6, algorithm="sha1")
        assert found == 1

    def test_none_when_no_counter_matches(self):
        """A code outside the window is not found: None, not a sentinel number."""
        found = find_counter(KEY, "287082", range(2, 10), digits=6, algorithm="sha1")
        assert found is None

    def test_empty_window(self):
        """No counters, no match."""
        assert find_counter(KEY, "755224", [], digits=6, algorithm="sha1") is None

    def test_first_match_in_the_given_order(self):
        """With the same counter twice, the earlier position wins (order is the caller's)."""
        code = hotp(KEY, 5)
        found = find_counter(KEY, code, [7, 5, 3, 5], digits=6, algorithm="sha1")
        assert found == 5

    def test_every_candidate_is_computed_even_after_a_match(self):
        """No early exit: the whole window is walked, so timing does not tell which matched."""
        walked = []

        def window():
            for counter in range(10):
                walked.append(counter)
                yield counter

        assert find_counter(KEY, hotp(KEY, 0), window(), digits=6, algorithm="sha1") == 0
        assert walked == list(range(10))

    def test_wrong_length_code_does_not_match(self):
        """A 6-digit code never equals an 8-digit value."""
        assert find_counter(KEY, "755224", [0], digits=8, algorithm="sha1") is None

    @pytest.mark.parametrize("code", ["", "12 456", "１２３４５６", "12345a"])
    def test_code_must_be_ascii_digits(self, code):
        """Normalising input is the caller's job; anything else is a programming error."""
        with pytest.raises(ValueError, match="ASCII digits"):
            find_counter(KEY, code, [0], digits=6, algorithm="sha1")

    @given(
        key=st.binary(min_size=1, max_size=64),
        start=st.integers(min_value=0, max_value=2**63),
        width=st.integers(min_value=1, max_value=20),
        data=st.data(),
        digits=st.integers(min_value=6, max_value=10),
        algorithm=st.sampled_from(ALGORITHMS),
    )
    def test_finds_the_counter_that_generated_the_code(
        self, key, start, width, data, digits, algorithm
    ):
        """The code of any counter in the window is found at that counter or an earlier one
        that happens to share the code."""
        window = range(start, start + width)
        counter = data.draw(st.sampled_from(window))
        code = hotp(key, counter, digits=digits, algorithm=algorithm)
        found = find_counter(key, code, window, digits=digits, algorithm=algorithm)
        assert found is not None
        assert found <= counter
        assert hotp(key, found, digits=digits, algorithm=algorithm) == code
