"""Cross-checks against the OATH Toolkit's `oathtool`, an independent implementation.

Skipped where oathtool is not installed, except in CI (CI=true) or with
ONETIME_REQUIRE_OATHTOOL=1, where a missing oathtool fails: a check that silently
does not run must not look like a pass.
"""

import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onetime.otp import ALGORITHMS, hotp, totp

# --now is given as a date string, and datetime stops at year 9999.
LAST_SECOND_OF_9999 = 253402300799
# Each example starts a process, so the number of examples is kept small.
oathtool_settings = settings(max_examples=100, deadline=None)


def find_oathtool(
    environ: Mapping[str, str], which: Callable[[str], str | None] = shutil.which
) -> str:
    """The path of oathtool; skip without it, or fail where it is required."""
    path = which("oathtool")
    if path is not None:
        return path
    if environ.get("CI") == "true" or environ.get("ONETIME_REQUIRE_OATHTOOL") == "1":
        pytest.fail("oathtool is required (CI or ONETIME_REQUIRE_OATHTOOL=1) but not installed")
    pytest.skip("oathtool is not installed")


@pytest.fixture(scope="module")
def oathtool() -> str:
    """The path of the oathtool binary."""
    return find_oathtool(os.environ)


def run_oathtool(oathtool: str, *arguments: str) -> list[str]:
    """oathtool's output lines; its argv is a list, never a shell string."""
    completed = subprocess.run(
        [oathtool, *arguments], capture_output=True, text=True, check=True, timeout=10
    )
    return completed.stdout.split()


def utc(unix_time: int) -> str:
    """A time in the form oathtool's --now reads."""
    return datetime.fromtimestamp(unix_time, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class TestRequiringOathtool:
    """Whether a missing oathtool skips or fails."""

    def test_found_is_used(self):
        """When oathtool is on the PATH its path is returned."""
        assert find_oathtool({}, lambda name: f"/usr/bin/{name}") == "/usr/bin/oathtool"

    def test_missing_locally_skips(self):
        """On a developer machine without oathtool the cross-check is skipped."""
        with pytest.raises(pytest.skip.Exception):
            find_oathtool({}, lambda _: None)

    @pytest.mark.parametrize(
        "environ", [{"CI": "true"}, {"ONETIME_REQUIRE_OATHTOOL": "1"}], ids=["ci", "required"]
    )
    def test_missing_where_required_fails(self, environ):
        """In CI, or when asked to, a missing oathtool is a failure."""
        with pytest.raises(pytest.fail.Exception):
            find_oathtool(environ, lambda _: None)


class TestTotpAgreesWithOathtool:
    """8 digits, 60-second steps, SHA-1/256/512, at random times and keys."""

    @oathtool_settings
    @given(
        key=st.binary(min_size=1, max_size=64),
        unix_time=st.integers(min_value=0, max_value=LAST_SECOND_OF_9999),
        algorithm=st.sampled_from(ALGORITHMS),
    )
    def test_random_times(self, oathtool, key, unix_time, algorithm):
        """Our code for the time equals oathtool's."""
        (expected,) = run_oathtool(
            oathtool, f"--totp={algorithm}", "-d", "8", "-s", "60", "-N", utc(unix_time), key.hex()
        )
        assert totp(key, unix_time, digits=8, period=60, algorithm=algorithm) == expected

    @pytest.mark.parametrize("algorithm", ALGORITHMS)
    def test_a_window_of_steps(self, oathtool, algorithm):
        """oathtool's -w lists the following steps too; each one matches ours."""
        key = bytes(range(1, 33))
        start = 1_764_144_600  # 2025-11-26 08:10:00 UTC
        codes = run_oathtool(
            oathtool, f"--totp={algorithm}", "-d", "8", "-s", "60", "-w", "20",
            "-N", utc(start), key.hex(),
        )  # fmt: skip
        ours = [totp(key, start + 60 * k, algorithm=algorithm) for k in range(21)]
        assert codes == ours


class TestHotpAgreesWithOathtool:
    """oathtool's HOTP is SHA-1 only, with 6 to 8 digits."""

    @oathtool_settings
    @given(
        key=st.binary(min_size=1, max_size=64),
        counter=st.integers(min_value=0, max_value=2**63 - 100),
        digits=st.integers(min_value=6, max_value=8),
    )
    def test_random_counters(self, oathtool, key, counter, digits):
        """A window of ten counters from a random start equals oathtool's."""
        codes = run_oathtool(oathtool, "-c", str(counter), "-d", str(digits), "-w", "9", key.hex())
        assert codes == [hotp(key, counter + k, digits=digits) for k in range(10)]
