"""The OTP service as the banking site sees it: a token's state and a code's answer.

The same fields as the HTTP API v1's token document and verification (DESIGN.md §7),
whichever way the site reaches the service (banking/otp/).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onetime.domain.settings import InstitutionSettings
from onetime.domain.tokens import TokenState
from onetime.domain.verification import Result


@dataclass(frozen=True)
class TokenView:
    """A user's token as the OTP service answers it now; state none if never issued."""

    user_id: str
    state: TokenState
    serial: str | None
    attempts_left: int | None
    issued_at: datetime | None
    expires_at: datetime | None
    activated_at: datetime | None
    confirmed_at: datetime | None
    suspended_at: datetime | None
    revoked_at: datetime | None
    setup_available_at: datetime | None


@dataclass(frozen=True)
class CodeAnswer:
    """The answer to a code (confirmation or verification)."""

    result: Result
    attempts_left: int | None
    state: TokenState


@dataclass(frozen=True)
class InstitutionProfile:
    """What the site needs to know of its institution beyond its service ID: the name it
    shows, the mail sender it names, and the settings (rule 3's policy, the time zone)."""

    name: str
    mail_sender: str
    settings: InstitutionSettings
