"""Keys derived from the token's secret (setup/token_keys.py), and the OCRA suite of 取引確認."""

from __future__ import annotations

import pytest

from onetime.setup import token_keys
from onetime.setup.token_keys import OCRA_SUITE, Purpose
from tests.otp.vectorfile import load_vectors, vector_id

SUITE_VECTORS = [v for v in load_vectors("rfc-6287.txt") if v["SUITE"] == OCRA_SUITE.text]
SECRET = b"12345678901234567890"


class TestOcraSuite:
    """OCRA-1:HOTP-SHA512-8:QN08-T1M, checked with RFC 6287 Appendix C.1's own vectors."""

    def test_the_rfc_has_vectors_for_the_suite(self):
        """C.1 gives five for this suite."""
        assert len(SUITE_VECTORS) == 5

    @pytest.mark.parametrize("vector", SUITE_VECTORS, ids=vector_id)
    def test_rfc_vectors(self, vector):
        """ocra_response at any second of the RFC's minute gives the RFC's response."""
        minute = int(vector["TIMESTAMP"], 16)
        for second in (0, 59):
            assert token_keys.ocra_response(bytes.fromhex(vector["KEY"]), vector["QUESTION"],
                                            minute * 60 + second) == vector["OCRA"]

    @pytest.mark.parametrize("challenge", ["", "123456789", "１２３４５６７", "12a4567"])
    def test_challenge_is_1_to_8_ascii_digits(self, challenge):
        """The account number typed in the app: ASCII digits that fit QN08."""
        with pytest.raises(ValueError, match="question"):
            token_keys.ocra_response(b"k" * 64, challenge, 0)


class TestDerivation:
    """One key per purpose and token."""

    def test_each_purpose_and_token_its_own_key(self):
        """Purposes, users and serials never share a key."""
        keys = {token_keys.derive(SECRET, purpose, "0001", user, serial)
                for purpose in Purpose for user in ("taro", "hanako")
                for serial in ("OT1", "OT2")}
        assert len(keys) == len(Purpose) * 4

    def test_ocra_key_fits_sha512(self):
        """64 bytes for OCRA's HMAC-SHA512, 32 for the SHA-256 MACs."""
        assert len(token_keys.derive(SECRET, Purpose.OCRA, "0001", "taro", "OT1")) == 64
        assert len(token_keys.derive(SECRET, Purpose.SIGNATURE, "0001", "taro", "OT1")) == 32

    def test_request_mac_binds_every_part(self):
        """Method, path, time and body each change the MAC."""
        key = b"k" * 32
        base = {"method": "POST", "path": "/p", "timestamp_ms": 1, "body": b"{}"}
        macs = {token_keys.request_mac(key, **{**base, name: value})
                for name, value in [("method", "POST"), ("method", "GET"), ("path", "/q"),
                                    ("timestamp_ms", 2), ("body", b"{ }")]}
        assert len(macs) == 5
