"""The OCRA suite string of RFC 6287 §6, parsed into what the computation needs."""

import re
from dataclasses import dataclass

from onetime.otp.algorithms import digest

# OCRA-1:HOTP-SHAx-t:[C-]QFxx[-PH][-Snnn][-TG], in the order §6.3 gives.
_SUITE = re.compile(
    r"OCRA-1:HOTP-(?P<algorithm>SHA1|SHA256|SHA512)-(?P<digits>\d{1,2}):"
    r"(?P<counter>C-)?"
    r"Q(?P<question_format>[ANH])(?P<question_length>\d\d)"
    r"(?:-P(?P<password_algorithm>SHA1|SHA256|SHA512))?"
    r"(?:-S(?P<session_length>\d{3}))?"
    r"(?:-T(?P<timestep_count>\d{1,2})(?P<timestep_unit>[SMH]))?"
)
# unit: (first count not allowed, seconds per count). §6.3 allows 1-59 S, 1-59 M and
# 0-48 H; 0 H is refused too, since a zero-length step has no timestamp.
_TIMESTEP_UNITS = {"S": (60, 1), "M": (60, 60), "H": (49, 3600)}


@dataclass(frozen=True, slots=True)
class OcraSuite:
    """One OCRA suite: which inputs the challenge-response takes and how it is hashed.

    Algorithm names are lower case, as in ALGORITHMS. `timestep` is in seconds.
    """

    text: str
    algorithm: str
    digits: int
    counter: bool
    question_format: str
    question_length: int
    password_algorithm: str | None
    session_length: int | None
    timestep: int | None

    @classmethod
    def parse(cls, suite: str) -> "OcraSuite":
        """Parse a suite such as "OCRA-1:HOTP-SHA512-8:QN08-T1M".

        Raises ValueError for anything §6 does not allow, and for 0 digits (no
        truncation), whose output format the RFC leaves undefined.
        """
        parts = _SUITE.fullmatch(suite)
        if parts is None:
            raise ValueError(f"not an OCRA suite: {suite!r}")
        digits = int(parts["digits"])
        if not 4 <= digits <= 10:
            raise ValueError(f"OCRA digits must be between 4 and 10, not {digits}")
        question_length = int(parts["question_length"])
        if not 4 <= question_length <= 64:
            raise ValueError(f"OCRA question length must be 04-64, not {question_length:02}")
        session_length = None
        if parts["session_length"] is not None:
            session_length = int(parts["session_length"])
            if session_length == 0:
                raise ValueError("OCRA session length must be positive")
        timestep = None
        if parts["timestep_unit"] is not None:
            limit, seconds = _TIMESTEP_UNITS[parts["timestep_unit"]]
            count = int(parts["timestep_count"])
            if not 1 <= count < limit:
                raise ValueError(f"OCRA time step out of range: {count}{parts['timestep_unit']}")
            timestep = count * seconds
        password_algorithm = parts["password_algorithm"]
        return cls(
            text=suite,
            algorithm=parts["algorithm"].lower(),
            digits=digits,
            counter=parts["counter"] is not None,
            question_format=parts["question_format"],
            question_length=question_length,
            password_algorithm=password_algorithm.lower() if password_algorithm else None,
            session_length=session_length,
            timestep=timestep,
        )

    def timestamp_at(self, unix_time: float) -> int:
        """The T input for `unix_time`: whole time steps since the Unix epoch.

        Raises ValueError if the suite takes no timestamp.
        """
        if self.timestep is None:
            raise ValueError(f"{self.text} takes no timestamp")
        return int(unix_time // self.timestep)

    def hash_password(self, pin: str) -> bytes:
        """The P input for `pin`: its UTF-8 bytes hashed with the suite's password hash.

        Raises ValueError if the suite takes no password.
        """
        if self.password_algorithm is None:
            raise ValueError(f"{self.text} takes no password")
        return digest(pin.encode("utf-8"), self.password_algorithm)
