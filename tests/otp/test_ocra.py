"""OCRA (RFC 6287): suite parsing, the Appendix C vectors, and input checks."""

import hmac

import pytest

from onetime.otp import OcraSuite, ocra
from onetime.otp.algorithms import truncate

from .vectorfile import load_vectors, vector_id

RFC_6287 = load_vectors("rfc-6287.txt")
KEY_20 = b"12345678901234567890"


def _response(vector: dict[str, str]) -> str:
    return ocra(
        vector["SUITE"],
        bytes.fromhex(vector["KEY"]),
        question=vector["QUESTION"],
        counter=int(vector["COUNTER"]) if "COUNTER" in vector else None,
        password=bytes.fromhex(vector["PASSWORD"]) if "PASSWORD" in vector else None,
        timestamp=int(vector["TIMESTAMP"], 16) if "TIMESTAMP" in vector else None,
    )


class TestRfc6287Vectors:
    """Appendix C: one-way (C.1), mutual (C.2) and signature (C.3)."""

    @pytest.mark.parametrize("vector", RFC_6287, ids=vector_id)
    def test_appendix_c(self, vector):
        """Each vector gives the RFC's response."""
        assert _response(vector) == vector["OCRA"]

    @pytest.mark.parametrize("vector", [v for v in RFC_6287 if "PIN" in v], ids=vector_id)
    def test_password_is_the_hash_of_the_pin(self, vector):
        """hash_password("1234") is the RFC's P."""
        suite = OcraSuite.parse(vector["SUITE"])
        assert suite.hash_password(vector["PIN"]).hex() == vector["PASSWORD"]

    def test_file_has_every_vector(self):
        """C.1 has 40, C.2 has 20, C.3 has 10: none dropped."""
        assert len(RFC_6287) == 70

    def test_timestamp_is_minutes_since_the_epoch(self):
        """The RFC's T = 132d0b6 is 2008-03-25 12:06 UTC in T1M minutes."""
        suite = OcraSuite.parse("OCRA-1:HOTP-SHA512-8:QN08-T1M")
        assert suite.timestamp_at(1206446760) == 0x132D0B6
        assert suite.timestamp_at(1206446819.9) == 0x132D0B6


class TestParse:
    """Suite strings as §6 defines them."""

    def test_every_field(self):
        """A suite with every optional input."""
        suite = OcraSuite.parse("OCRA-1:HOTP-SHA512-8:C-QH40-PSHA256-S128-T30S")
        assert suite == OcraSuite(
            text="OCRA-1:HOTP-SHA512-8:C-QH40-PSHA256-S128-T30S",
            algorithm="sha512",
            digits=8,
            counter=True,
            question_format="H",
            question_length=40,
            password_algorithm="sha256",
            session_length=128,
            timestep=30,
        )

    def test_only_the_question(self):
        """Optional inputs are absent, not zero."""
        suite = OcraSuite.parse("OCRA-1:HOTP-SHA1-6:QN08")
        assert (suite.counter, suite.password_algorithm, suite.session_length, suite.timestep) == (
            False,
            None,
            None,
            None,
        )

    @pytest.mark.parametrize(
        ("text", "seconds"),
        [("T1S", 1), ("T59S", 59), ("T1M", 60), ("T10M", 600), ("T1H", 3600), ("T48H", 172800)],
    )
    def test_timesteps(self, text, seconds):
        """S, M and H units convert to seconds."""
        assert OcraSuite.parse(f"OCRA-1:HOTP-SHA1-6:QN08-{text}").timestep == seconds

    @pytest.mark.parametrize(
        "text",
        [
            "OCRA-2:HOTP-SHA1-6:QN08",  # unknown version
            "OCRA-1:HOTP-MD5-6:QN08",  # unknown hash
            "OCRA-1:HOTP-SHA1-6:QX08",  # unknown question format
            "OCRA-1:HOTP-SHA1-6:QN03",  # question length below 04
            "OCRA-1:HOTP-SHA1-6:QN65",  # question length above 64
            "OCRA-1:HOTP-SHA1-3:QN08",  # 1-3 digits are not allowed
            "OCRA-1:HOTP-SHA1-11:QN08",  # more than 10 digits
            "OCRA-1:HOTP-SHA1-0:QN08",  # no truncation: output format undefined
            "OCRA-1:HOTP-SHA1-6:QN08-T0H",  # a zero time step
            "OCRA-1:HOTP-SHA1-6:QN08-T60S",  # 60 seconds is written T1M
            "OCRA-1:HOTP-SHA1-6:QN08-T49H",  # more than 48 hours
            "OCRA-1:HOTP-SHA1-6:QN08-S000",  # an empty session
            "OCRA-1:HOTP-SHA1-6:QN08-T1M-PSHA1",  # inputs out of order
            "OCRA-1:HOTP-SHA1-6:C",  # no question
            "ocra-1:hotp-sha1-6:qn08",  # the suite is case-sensitive
            "OCRA-1:HOTP-SHA1-6:QN08 ",  # trailing space
        ],
    )
    def test_rejects(self, text):
        """Anything §6 does not allow raises ValueError."""
        with pytest.raises(ValueError, match="OCRA"):
            OcraSuite.parse(text)

    def test_timestamp_at_without_t(self):
        """A suite without T has no timestamp."""
        with pytest.raises(ValueError, match="timestamp"):
            OcraSuite.parse("OCRA-1:HOTP-SHA1-6:QN08").timestamp_at(0)

    def test_hash_password_without_p(self):
        """A suite without P has no password."""
        with pytest.raises(ValueError, match="password"):
            OcraSuite.parse("OCRA-1:HOTP-SHA1-6:QN08").hash_password("1234")


class TestQuestions:
    """The three question formats of §5.1."""

    def test_numeric_question_is_its_hex_value_left_aligned(self):
        """N: 12345678 is 0xBC614E, placed at the start of the 128-byte field."""
        suite = "OCRA-1:HOTP-SHA1-6:QN08"
        data_input = suite.encode() + b"\0" + bytes.fromhex("BC614E".ljust(256, "0"))
        expected = truncate(hmac.new(KEY_20, data_input, "sha1").digest(), 6)
        assert ocra(suite, KEY_20, question="12345678") == expected

    def test_numeric_leading_zeros_do_not_count(self):
        """N: the question is a number, so 00001234 and 1234 are the same question."""
        suite = "OCRA-1:HOTP-SHA1-6:QN08"
        assert ocra(suite, KEY_20, question="00001234") == ocra(suite, KEY_20, question="1234")

    def test_odd_length_hex_is_left_aligned_by_nibble(self):
        """H: "abc" is padded to "abc0...", not "0abc..."."""
        odd = ocra("OCRA-1:HOTP-SHA1-6:QH08", KEY_20, question="ABC")
        even = ocra("OCRA-1:HOTP-SHA1-6:QH08", KEY_20, question="ABC0")
        assert odd == even

    def test_hex_is_case_insensitive(self):
        """H: the question's case does not change the bytes."""
        upper = ocra("OCRA-1:HOTP-SHA1-6:QH08", KEY_20, question="ABCDEF")
        lower = ocra("OCRA-1:HOTP-SHA1-6:QH08", KEY_20, question="abcdef")
        assert upper == lower

    def test_longest_question_fits(self):
        """A: 128 characters fill the field exactly."""
        assert len(ocra("OCRA-1:HOTP-SHA1-6:QA64", KEY_20, question="A" * 128)) == 6

    @pytest.mark.parametrize(
        ("suite", "question"),
        [
            ("OCRA-1:HOTP-SHA1-6:QN08", "1234567a"),
            ("OCRA-1:HOTP-SHA1-6:QN08", "１２３４"),
            ("OCRA-1:HOTP-SHA1-6:QH08", "12G4"),
            ("OCRA-1:HOTP-SHA1-6:QA08", "SIG 1000"),
            ("OCRA-1:HOTP-SHA1-6:QA08", "SIGÄ1000"),
            ("OCRA-1:HOTP-SHA1-6:QA08", ""),
            ("OCRA-1:HOTP-SHA1-6:QA64", "A" * 129),
            ("OCRA-1:HOTP-SHA1-6:QH64", "F" * 257),
        ],
    )
    def test_malformed_question(self, suite, question):
        """A question outside its format, or longer than 128 bytes, raises ValueError."""
        with pytest.raises(ValueError, match="question"):
            ocra(suite, KEY_20, question=question)


class TestInputsMatchTheSuite:
    """Every input the suite names is required; every other input is refused."""

    @pytest.mark.parametrize(
        ("suite", "missing"),
        [
            ("OCRA-1:HOTP-SHA1-6:C-QN08", "counter"),
            ("OCRA-1:HOTP-SHA1-6:QN08-PSHA1", "password"),
            ("OCRA-1:HOTP-SHA1-6:QN08-S064", "session"),
            ("OCRA-1:HOTP-SHA1-6:QN08-T1M", "timestamp"),
        ],
    )
    def test_missing_input(self, suite, missing):
        """Leaving out an input the suite needs raises ValueError naming it."""
        with pytest.raises(ValueError, match=f"needs a {missing}"):
            ocra(suite, KEY_20, question="1234")

    @pytest.mark.parametrize(
        ("extra", "value"),
        [("counter", 1), ("password", b"x" * 20), ("session", b"s"), ("timestamp", 1)],
    )
    def test_unexpected_input(self, extra, value):
        """Passing an input the suite does not take raises ValueError naming it."""
        with pytest.raises(ValueError, match=f"takes no {extra}"):
            ocra("OCRA-1:HOTP-SHA1-6:QN08", KEY_20, question="1234", **{extra: value})

    def test_pin_instead_of_its_hash(self):
        """P is the hash: a 4-byte PIN is refused, not silently used."""
        with pytest.raises(ValueError, match="20-byte hash"):
            ocra("OCRA-1:HOTP-SHA1-6:QN08-PSHA1", KEY_20, question="1234", password=b"1234")

    def test_session_is_left_padded(self):
        """A short session is padded with leading zero bytes to the suite's length."""
        suite = "OCRA-1:HOTP-SHA1-6:QN08-S004"
        short = ocra(suite, KEY_20, question="1234", session=b"\x01\x02")
        padded = ocra(suite, KEY_20, question="1234", session=b"\x00\x00\x01\x02")
        assert short == padded

    def test_session_too_long(self):
        """A session longer than the suite's length raises ValueError."""
        with pytest.raises(ValueError, match="session"):
            ocra("OCRA-1:HOTP-SHA1-6:QN08-S004", KEY_20, question="1234", session=b"12345")

    def test_parsed_suite_is_accepted(self):
        """A suite parsed once can be reused."""
        suite = OcraSuite.parse("OCRA-1:HOTP-SHA1-6:QN08")
        assert ocra(suite, KEY_20, question="11111111") == "243178"
