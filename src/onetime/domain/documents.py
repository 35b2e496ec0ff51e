"""What the OTP service answers about a token and a code (DESIGN.md §7's token document
and verification answer): the same values whichever way they travel, in process to the
banking site (banking/otp/local.py) or as JSON (api/documents.py, banking/otp/remote.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onetime.domain.confirmations import Confirmation, ConfirmationState, TransactionDetails
from onetime.domain.institutions import Institution
from onetime.domain.tokens import Token, TokenState
from onetime.domain.verification import Result


@dataclass(frozen=True)
class TokenDocument:
    """The token as it is now (DESIGN.md §7); a never-seen user reads as state none."""

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

    @classmethod
    def of(cls, user_id: str, token: Token | None, institution: Institution,
           now: datetime) -> TokenDocument:
        if token is None:
            return cls(user_id, TokenState.NONE, None, None, None, None, None, None, None,
                       None, None)
        return cls(
            user_id=user_id, state=token.current_state(now), serial=token.serial,
            attempts_left=token.attempts_left(institution.settings, now),
            issued_at=token.issued_at, expires_at=token.expires_at,
            activated_at=token.activated_at, confirmed_at=token.confirmed_at,
            suspended_at=token.suspended_at, revoked_at=token.revoked_at,
            setup_available_at=token.setup_available_at,
        )


@dataclass(frozen=True)
class Verification:
    """The answer to a code, a confirmation's or a verification's."""

    result: Result
    attempts_left: int | None
    state: TokenState


@dataclass(frozen=True)
class ConfirmationDocument:
    """A 取引確認 request as the service answers it to the site (no institution ID)."""

    id: str
    user_id: str
    serial: str
    state: ConfirmationState
    details: TransactionDetails
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None

    @classmethod
    def of(cls, request: Confirmation) -> ConfirmationDocument:
        return cls(request.id, request.user_id, request.serial, request.state,
                   request.details, request.created_at, request.expires_at,
                   request.decided_at)
