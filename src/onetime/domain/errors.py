"""Every failure a caller must handle, each with a stable `code`.

`OnetimeError` is never raised itself. The HTTP layer maps these to problem
documents in one place (api/problems.py); the site maps `code` to Japanese text.
"""

from __future__ import annotations

from datetime import datetime


class OnetimeError(Exception):
    code = "error"
    title = "Error"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title


class InvalidInput(OnetimeError):
    """A value breaks its format; raised before anything is read or written."""

    code = "invalid_input"
    title = "Invalid input"


class InvalidUserId(InvalidInput):
    code = "invalid_user_id"
    title = "Invalid user ID"


class InvalidCodeFormat(InvalidInput):
    code = "invalid_code_format"
    title = "Invalid code format"


class InvalidOperation(InvalidInput):
    code = "invalid_operation"
    title = "Invalid operation"


class InvalidActivationPassword(InvalidInput):
    code = "invalid_activation_password"
    title = "Invalid activation password"


class InvalidEmail(InvalidInput):
    code = "invalid_email"
    title = "Invalid e-mail address"


class InvalidSetting(InvalidInput):
    code = "invalid_setting"
    title = "Invalid institution setting"


class InvalidApiKey(OnetimeError):
    """Missing, wrong or foreign API key, or an unknown service ID: one answer for all."""

    code = "invalid_api_key"
    title = "Invalid API key"


class UnknownInstitution(OnetimeError):
    """No institution has this service ID (the API answers it as a bad API key)."""

    code = "unknown_institution"
    title = "Unknown institution"


class InstitutionExists(OnetimeError):
    code = "institution_exists"
    title = "Institution already exists"


class TokenExists(OnetimeError):
    """Issuance while the user's token is active or suspended."""

    code = "token_exists"
    title = "Token already exists"


class SetupEmbargoed(OnetimeError):
    """Issuance or setup before the embargo after a revocation ends (rule 10)."""

    code = "setup_embargoed"
    title = "Setup not yet available"

    def __init__(self, available_at: datetime) -> None:
        super().__init__(f"Setup opens at {available_at.isoformat()}")
        self.available_at = available_at


class TokenNotSuspended(OnetimeError):
    code = "token_not_suspended"
    title = "Token is not suspended"


class TokenNotFound(OnetimeError):
    """Revocation of a user with no token to revoke (none, revoked or expired)."""

    code = "token_not_found"
    title = "No token to revoke"


class NoIssuance(OnetimeError):
    """Setup with no issuance waiting (never issued, already set up, or revoked)."""

    code = "no_issuance"
    title = "No token issuance is waiting for setup"


class IssuanceExpired(OnetimeError):
    """Setup of an issuance that timed out or took too many wrong activation passwords."""

    code = "issuance_expired"
    title = "The token issuance has expired"


class SetupFailed(OnetimeError):
    """Wrong activation password (key confirmation failed) during setup."""

    code = "setup_failed"
    title = "Setup failed"

    def __init__(self, attempts_left: int) -> None:
        super().__init__(f"Activation failed; {attempts_left} attempts left")
        self.attempts_left = attempts_left


class SetupSessionInvalid(OnetimeError):
    """A setup message for an unknown, finished, replayed or timed-out exchange."""

    code = "setup_session_invalid"
    title = "Setup session is not valid"


class InvalidPskc(OnetimeError):
    code = "invalid_pskc"
    title = "PSKC document cannot be read"


class ServiceUnavailable(Exception):
    """The database cannot serve now: a lock held past the busy timeout, a refused
    connection, a failover. Not an OnetimeError, which means the domain refused before
    writing anything: here a failed COMMIT may or may not have happened, so no caller
    repeats the work itself (a second verification of the same code would count it as a
    replay). It is answered "try again later" (503 with Retry-After)."""

    code = "service_unavailable"
    title = "Service unavailable"
    # Seconds a client should wait: a lock holder or a failover is usually done by then.
    retry_after = 2

    def __init__(self, detail: str = "the database is unavailable; try again shortly"):
        super().__init__(detail)
        self.detail = detail


# -- 取引確認 (transaction confirmation, docs/transaction-confirmation.md) ------------


class InvalidConfirmation(InvalidInput):
    """A transaction's details break their format (payee, amount, count, total)."""

    code = "invalid_confirmation"
    title = "Invalid transaction details"


class ConfirmationDisabled(OnetimeError):
    """The institution's `transaction_confirmation` setting does not offer this mode."""

    code = "confirmation_disabled"
    title = "Transaction confirmation is not enabled"


class ConfirmationTokenNotActive(OnetimeError):
    """A confirmation request for a user whose token is not active (nothing could sign it)."""

    code = "token_not_active"
    title = "The user's token is not active"


class ConfirmationNotFound(OnetimeError):
    """No request with this ID for this user (another user's request included)."""

    code = "confirmation_not_found"
    title = "No such confirmation request"


class ConfirmationNotPending(OnetimeError):
    """Confirm or reject of a request already decided (a replay), or book of one that
    is not confirmed."""

    code = "confirmation_not_pending"
    title = "The confirmation request is not pending"


class ConfirmationExpired(OnetimeError):
    """The 5 minutes of a pending request are over."""

    code = "confirmation_expired"
    title = "The confirmation request has expired"


class ConfirmationVoided(OnetimeError):
    """The site presented details other than those confirmed: the request is void."""

    code = "confirmation_voided"
    title = "The transaction differs from the one confirmed"


class BadSignature(OnetimeError):
    """The app's signature does not match this request's canonical encoding."""

    code = "bad_signature"
    title = "The signature does not match the request"


class InvalidAppAuth(OnetimeError):
    """The app's request MAC is missing, wrong, stale or replayed, or its token is not
    active: one answer for all, like InvalidApiKey."""

    code = "invalid_app_auth"
    title = "Invalid token authentication"
