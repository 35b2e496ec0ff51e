"""repeats.RepeatFilter: the values named more than once, exactly, in fixed memory."""

from __future__ import annotations

import pytest

from onetime.service.repeats import RepeatFilter


def _repeated(values: list[str], bits: int) -> set[str]:
    seen = RepeatFilter(bits)
    for value in values:
        seen.add(value)
    return seen.repeated(values)


@pytest.mark.parametrize("bits", [8, 64, 1 << 24])
def test_exactly_the_values_named_twice_whatever_the_false_positives(bits):
    """8 bits: every value after the first few is a false candidate; the count decides."""
    values = [f"u{n:05d}" for n in range(2_000)] + ["u00007", "u01999", "u01999"]
    assert _repeated(values, bits) == {"u00007", "u01999"}


def test_a_filter_this_small_does_make_candidates_of_values_seen_once():
    seen = RepeatFilter(8)
    for n in range(50):
        seen.add(f"u{n}")
    assert len(seen.candidates) > 10
    assert seen.repeated(f"u{n}" for n in range(50)) == set()


def test_no_candidate_no_second_look():
    seen = RepeatFilter()
    seen.add("taro")

    def values():
        raise AssertionError("read again")
        yield  # pragma: no cover

    assert seen.repeated(values()) == set()


@pytest.mark.parametrize("bits", [0, 7, 12, 1000])
def test_the_size_is_a_power_of_two(bits):
    with pytest.raises(ValueError, match="power of two"):
        RepeatFilter(bits)
